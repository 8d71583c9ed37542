using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Networks;

/// <summary>A slot (s(u), sign α) with the indices of the network's neurons in it (THEORY.md §2, §5).</summary>
public sealed record Slot(Block Block, IReadOnlyList<int> Neurons);

/// <summary>
/// Neuron-level operations of THEORY.md §5: slots, balancing, splitting, the scaled / minimal /
/// nearly-minimal tests and minimalisation.
/// <para>
/// Conventions. A neuron is a <em>zero neuron</em> when u = 0 and α = 0 (exactly); it is in no
/// slot and never breaks scaledness or minimality. A neuron with exactly one of u, α zero is in
/// no slot either (it contributes nothing to f_θ), but it is not scaled.
/// </para>
/// </summary>
public static class NeuronOps
{
    /// <summary>
    /// Slots of the neurons with u ≠ 0 and α ≠ 0, using φ's rule for patterns outside S(X)
    /// (<see cref="Maps.SlotPattern"/>). Only occupied slots are listed, in the order of
    /// <see cref="ConvexProblem.AllBlocks"/> (pattern-set order, + before −); neuron indices ascend.
    /// </summary>
    public static IReadOnlyList<Slot> Slots(Network network, Dataset data, PatternSet patterns)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(patterns);
        InvalidInputException.Require(network.InputDim == data.D,
            $"network has input dimension {network.InputDim} but the data has d = {data.D}");
        InvalidInputException.Require(patterns.N == data.N,
            $"pattern set is for n = {patterns.N} rows but the data has {data.N}");
        var members = new SortedDictionary<(int Pattern, int SignOrder), List<int>>();
        for (int i = 0; i < network.Width; i++)
        {
            var (u, alpha) = network.Neuron(i);
            if (!IsActive(u, alpha)) continue;
            var s = Maps.SlotPattern(data.X, u, patterns);
            var key = (patterns.IndexOf(s), alpha > 0 ? 0 : 1);
            if (!members.TryGetValue(key, out var list)) members[key] = list = [];
            list.Add(i);
        }
        return members
            .Select(kv => new Slot(new Block(patterns.Cells[kv.Key.Pattern].Pattern, kv.Key.SignOrder == 0 ? 1 : -1), kv.Value))
            .ToList();
    }

    /// <summary>
    /// Balancing (THEORY.md §5): (u, α) → (κu, α/κ), κ = √(|α|/‖u‖), so that ‖κu‖ = |α/κ| = √(|α|‖u‖).
    /// A neuron with u = 0 or α = 0 becomes the zero neuron (0, 0): its contribution to f_θ was
    /// already 0 and its penalty can only drop. Keeps f_θ and does not increase L_β.
    /// </summary>
    public static Network Balance(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Rebuild(network, network.Neurons().Select(n =>
        {
            double norm = Norms.Euclidean(n.U);
            if (!IsActive(n.U, n.Alpha)) return (Vector<double>.Build.Dense(network.InputDim), 0.0);
            // κ = √(|α|/‖u‖) computed as √|α| / √‖u‖ to avoid overflow of the ratio.
            double kappa = Math.Sqrt(Math.Abs(n.Alpha)) / Math.Sqrt(norm);
            return (n.U * kappa, n.Alpha / kappa);
        }));
    }

    /// <summary>
    /// Splitting of neuron i into {(√γ_j u, √γ_j α)}_j (THEORY.md §5): the first piece replaces
    /// neuron i in place, the others are appended in order. Requires γ_j ≥ 0 finite and
    /// |Σγ_j − 1| ≤ <see cref="Tolerances.SplitWeights"/>; the weights are then divided by their
    /// sum so that f_θ and L_β are kept up to rounding, for any neuron.
    /// </summary>
    public static Network Split(Network network, int neuron, IReadOnlyList<double> gammas)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(gammas);
        InvalidInputException.Require(neuron >= 0 && neuron < network.Width,
            $"cannot split neuron {neuron}: the network has {network.Width} neurons (0..{network.Width - 1})");
        InvalidInputException.Require(gammas.Count > 0, "splitting needs at least one weight γ");
        for (int j = 0; j < gammas.Count; j++)
            InvalidInputException.Require(double.IsFinite(gammas[j]) && gammas[j] >= 0,
                $"splitting weight γ[{j}] = {gammas[j]} must be a finite number ≥ 0");
        double sum = gammas.Sum();
        InvalidInputException.Require(Tolerances.SplitWeights.Agree(sum, 1),
            $"splitting weights sum to {sum:R}, not 1 (tolerance {Tolerances.SplitWeights})");

        var (u, alpha) = network.Neuron(neuron);
        var pieces = gammas.Select(g => Math.Sqrt(g / sum)).Select(r => (u * r, alpha * r)).ToList();
        var neurons = network.Neurons().ToList();
        neurons[neuron] = pieces[0];
        neurons.AddRange(pieces.Skip(1));
        return Rebuild(network, neurons);
    }

    /// <summary>
    /// Scaled: ‖u_i‖ = |α_i| for every neuron, judged by <see cref="Tolerances.Balance"/> at the
    /// neuron's own magnitude: |‖u_i‖ − |α_i|| ≤ Absolute + Relative·max(‖u_i‖, |α_i|). A neuron
    /// with exactly one of u, α equal to zero is never scaled, however small the other is.
    /// </summary>
    public static bool IsScaled(Network network) => WhyNotScaled(network) is null;

    /// <summary>Null when <see cref="IsScaled"/> holds, otherwise the first neuron that is not scaled and by how much.</summary>
    public static string? WhyNotScaled(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        for (int i = 0; i < network.Width; i++)
        {
            var (u, alpha) = network.Neuron(i);
            if (IsNeuronScaled(u, alpha)) continue;
            double norm = Norms.Euclidean(u), a = Math.Abs(alpha);
            if ((norm == 0) != (a == 0))
                return $"neuron {i} has {(norm == 0 ? "u = 0" : "α = 0")} but {(norm == 0 ? $"|α| = {a:G6}" : $"‖u‖ = {norm:G6}")}";
            return $"neuron {i}: ‖u‖ = {norm:R} but |α| = {a:R} (tolerance {Tolerances.Balance})";
        }
        return null;
    }

    /// <summary>One neuron is scaled (THEORY.md §5): u = 0 and α = 0, or |‖u‖ − |α|| within <see cref="Tolerances.Balance"/>.</summary>
    public static bool IsNeuronScaled(Vector<double> u, double alpha)
    {
        double norm = Norms.Euclidean(u), a = Math.Abs(alpha);
        if ((norm == 0) != (a == 0)) return false;
        return Tolerances.Balance.Agree(norm, a);
    }

    /// <summary>Minimal: scaled and each slot holds at most one neuron (THEORY.md §5).</summary>
    public static bool IsMinimal(Network network, Dataset data, PatternSet patterns) =>
        WhyNotMinimal(network, data, patterns) is null;

    /// <summary>Null when <see cref="IsMinimal"/> holds, otherwise the reason (unscaled neuron or shared slot).</summary>
    public static string? WhyNotMinimal(Network network, Dataset data, PatternSet patterns)
    {
        if (WhyNotScaled(network) is { } why) return "not scaled: " + why;
        foreach (var slot in Slots(network, data, patterns))
            if (slot.Neurons.Count > 1)
                return $"slot {slot.Block} holds {slot.Neurons.Count} neurons ({string.Join(", ", slot.Neurons)})";
        return null;
    }

    /// <summary>
    /// Nearly minimal: scaled and the neurons of each slot are positively colinear (THEORY.md §5):
    /// every pair in a slot has 1 − cos(u_i, u_k) ≤ <see cref="Tolerances.Colinearity"/> at unit
    /// scale (Absolute + Relative). 1 − cos is computed as ‖û_i − û_k‖²/2 to avoid cancellation.
    /// </summary>
    public static bool IsNearlyMinimal(Network network, Dataset data, PatternSet patterns) =>
        WhyNotNearlyMinimal(network, data, patterns) is null;

    /// <summary>Null when <see cref="IsNearlyMinimal"/> holds, otherwise the reason (unscaled neuron or the non-colinear pair and its slot).</summary>
    public static string? WhyNotNearlyMinimal(Network network, Dataset data, PatternSet patterns) =>
        WhyNotNearlyMinimal(network, data, patterns, Tolerances.Colinearity.At(1));

    /// <summary>
    /// As <see cref="WhyNotNearlyMinimal(Network, Dataset, PatternSet)"/> with an explicit bound on
    /// 1 − cos within a slot, e.g. the ε-dependent bound of an ε-stationary network (THEORY.md §10, T4).
    /// </summary>
    public static string? WhyNotNearlyMinimal(Network network, Dataset data, PatternSet patterns, double maxOneMinusCos)
    {
        if (WhyNotScaled(network) is { } why) return "not scaled: " + why;
        double limit = maxOneMinusCos;
        foreach (var slot in Slots(network, data, patterns))
        {
            var dirs = slot.Neurons.Select(i => network.U.Row(i).Normalize(2)).ToList();
            for (int a = 0; a < dirs.Count; a++)
                for (int b = a + 1; b < dirs.Count; b++)
                {
                    double gap = OneMinusCos(dirs[a], dirs[b]);
                    if (gap > limit)
                        return $"slot {slot.Block}: neurons {slot.Neurons[a]} and {slot.Neurons[b]} are not colinear " +
                               $"(1 - cos = {gap:G6} > {limit:G6})";
                }
        }
        return null;
    }

    /// <summary>
    /// Minimalisation (THEORY.md §5): ψ(φ(θ)) slot by slot, i.e. each slot's neurons are merged
    /// into the single neuron ψ(Σ |α_i| u_i). Neurons in no slot (u = 0 or α = 0) are dropped, and
    /// so is a slot whose merged block is 0. The result is minimal, has the same f_θ, and
    /// L_β(result) = L^c_β(φ(θ)) ≤ L_β(θ), with equality when θ is nearly minimal. Neurons follow
    /// the slot order of <see cref="Slots"/>.
    /// </summary>
    public static Network Minimalise(Network network, Dataset data, PatternSet patterns) =>
        Maps.Psi(Maps.Phi(network, data, patterns));

    /// <summary>1 − cos between unit vectors, as ‖a − b‖²/2 (exact algebraically, no cancellation near 0).</summary>
    internal static double OneMinusCos(Vector<double> unitA, Vector<double> unitB)
    {
        var d = unitA - unitB;
        return 0.5 * d.DotProduct(d);
    }

    /// <summary>u ≠ 0 and α ≠ 0: the neuron belongs to a slot.</summary>
    internal static bool IsActive(Vector<double> u, double alpha) => alpha != 0 && Norms.Euclidean(u) > 0;

    private static Network Rebuild(Network like, IEnumerable<(Vector<double> U, double Alpha)> neurons) =>
        Network.FromNeurons(neurons, like.InputDim);
}
