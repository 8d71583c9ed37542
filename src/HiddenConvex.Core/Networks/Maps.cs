using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Networks;

/// <summary>The maps ψ (convex → network) and φ (network → convex) of THEORY.md §5.</summary>
public static class Maps
{
    /// <summary>
    /// ψ: each nonzero block gives u = w/√‖w‖, α = γ√‖w‖; zero blocks give no neuron
    /// (THEORY.md §5). The neurons follow the order of <see cref="ConvexPoint.Blocks"/>; the
    /// result is scaled (‖u‖ = |α| = √‖w‖) and L_β(ψ(W)) = L^c_β(W) for feasible W.
    /// </summary>
    public static Network Psi(ConvexPoint w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var neurons = new List<(Vector<double>, double)>();
        foreach (var b in w.Blocks)
        {
            double norm = Norms.Euclidean(b.W);
            if (!(norm > 0)) continue;
            double root = Math.Sqrt(norm);
            neurons.Add((b.W / root, b.Sign * root));
        }
        return Network.FromNeurons(neurons, w.InputDim, "psi(W)");
    }

    /// <summary>
    /// φ: every neuron with u ≠ 0 and α ≠ 0 goes to the block of its slot (s(u), sign α), with
    /// <see cref="SlotPattern"/>'s rule on cell boundaries; w_b = Σ_{i in b} |α_i| u_i
    /// (THEORY.md §5). Neurons with u = 0 or α = 0 contribute nothing. Blocks are listed in the
    /// order of <see cref="ConvexProblem.AllBlocks"/> (pattern-set order, + before −).
    /// Preserves f_θ(X) and L^c_β(φ(θ)) ≤ L_β(θ).
    /// </summary>
    public static ConvexPoint Phi(Network network, Dataset data, PatternSet patterns)
    {
        var blocks = new List<BlockValue>();
        foreach (var slot in NeuronOps.Slots(network, data, patterns))
        {
            var w = Vector<double>.Build.Dense(network.InputDim);
            foreach (int i in slot.Neurons) w += network.U.Row(i) * Math.Abs(network.Alpha[i]);
            blocks.Add(new BlockValue(slot.Block, w));
        }
        return new ConvexPoint(blocks, network.InputDim);
    }

    /// <summary>
    /// The pattern of φ's block for a direction u ≠ 0: s(u) = 1[Xu ≥ 0] when it belongs to S(X);
    /// otherwise (u on a cell boundary) the first pattern of S(X), in the set's order, whose
    /// closed cone contains u (<see cref="InClosedCone"/>). Throws when no cone of the set
    /// contains u, which can happen only for an incomplete (sampled) set.
    /// </summary>
    public static ActivationPattern SlotPattern(Matrix<double> x, Vector<double> u, PatternSet patterns)
    {
        var own = ActivationPattern.OfDirection(x, u);
        if (patterns.Contains(own)) return own;
        foreach (var s in patterns.Patterns)
            if (InClosedCone(x, s, u)) return s;
        throw new InvalidInputException(
            $"direction u (pattern {own}) lies in no cone of the pattern set ({patterns.Method}, {patterns.Count} patterns); " +
            $"the set does not cover R^d, tolerance {Tolerances.Cone}");
    }

    /// <summary>
    /// u ∈ C_s up to <see cref="Tolerances.Cone"/>: the largest violation of (2s_j − 1) x_j·u ≥ 0,
    /// divided by ‖x_j‖·‖u‖, is at most Absolute + Relative (the tolerance at unit scale).
    /// </summary>
    public static bool InClosedCone(Matrix<double> x, ActivationPattern s, Vector<double> u) =>
        Cones.RelativeViolation(x, s, u) <= Tolerances.Cone.At(1);
}
