using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Networks;

/// <summary>A slot (s(u), sign α) with the indices of the network's neurons in it (THEORY.md §2, §5).</summary>
public sealed record Slot(Block Block, IReadOnlyList<int> Neurons);

/// <summary>
/// Neuron-level operations of THEORY.md §5: slots, balancing, splitting, the scaled / minimal /
/// nearly-minimal tests and minimalisation.
/// </summary>
public static class NeuronOps
{
    /// <summary>Slots of the neurons with u ≠ 0 and α ≠ 0, using φ's rule for patterns outside S(X).</summary>
    public static IReadOnlyList<Slot> Slots(Network network, Dataset data, PatternSet patterns) => throw new NotImplementedException();

    /// <summary>Balancing: (u, α) → (κu, α/κ), κ = √(|α|/‖u‖); zero-norm neurons become (0, 0).</summary>
    public static Network Balance(Network network) => throw new NotImplementedException();

    /// <summary>Splitting of neuron i into {(√γ_j u, √γ_j α)}, γ_j ≥ 0, Σγ_j = 1 (replaces neuron i in place, the rest appended).</summary>
    public static Network Split(Network network, int neuron, IReadOnlyList<double> gammas) => throw new NotImplementedException();

    /// <summary>Scaled: ‖u_i‖ = |α_i| for all i (within <see cref="Numerics.Tolerances.Balance"/>).</summary>
    public static bool IsScaled(Network network) => throw new NotImplementedException();

    /// <summary>Minimal: scaled and each slot holds at most one neuron.</summary>
    public static bool IsMinimal(Network network, Dataset data, PatternSet patterns) => throw new NotImplementedException();

    /// <summary>Nearly minimal: scaled and the neurons of each slot are positively colinear.</summary>
    public static bool IsNearlyMinimal(Network network, Dataset data, PatternSet patterns) => throw new NotImplementedException();

    /// <summary>Merges each slot's neurons by ψ(φ(θ)) restricted to the slot; zero neurons are dropped.</summary>
    public static Network Minimalise(Network network, Dataset data, PatternSet patterns) => throw new NotImplementedException();
}
