using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Cli.Commands;

/// <summary>
/// The network 'hcv check --improve' writes: never wider than it needs to be. An optimal θ is written as its minimal
/// equivalent pruned to a vertex of the optimal set (THEORY.md §6: width ≤ n + 1); the convex solution ψ(W*) is already a
/// pruned vertex; θ plus the escape neuron and the end of the §8 path are minimalised (THEORY.md §5: one neuron per slot,
/// same prediction, L_β not larger).
/// </summary>
public static class Improvement
{
    /// <summary>What to write for the report's improvement, and in words what it is.</summary>
    public static CheckCommand.Written Prepare(OptimalityReport report, Network better, Network original, Dataset data, Loss loss, double beta,
        PatternSet patterns, CheckSettings settings, bool prune)
    {
        double Value(Network n) => NetworkObjective.Value(n, data, loss, beta);
        string what = report.ImprovedBy ?? "improved network";
        if (!prune) return new(better, Value(better), $"{what}, as found (--no-prune), width {better.Width}");
        if (report.Verdict == Verdict.Optimal) return PrunedOptimum(original, data, loss, beta, patterns, settings, Value);
        // ψ of the convex optimum is a pruned vertex already (the certified pipeline prunes it).
        if (report.Witnesses.FirstOrDefault(w => ReferenceEquals(w.Network, better))?.Kind == Decision.ConvexOptimum)
            return new(better, Value(better), $"{what}, width {better.Width}");
        var minimal = NeuronOps.Minimalise(better, data, patterns);
        return new(minimal, Value(minimal), $"{what}, minimalised to width {minimal.Width} (one neuron per slot; from width {better.Width})");
    }

    /// <summary>
    /// φ(θ) of a certified θ lies in (a neighbourhood of) the optimal set: read 𝒲* off it and prune to a vertex. When the
    /// set cannot be read, or the vertex would be worse than θ's minimal equivalent beyond rounding, the minimal one is written.
    /// </summary>
    private static CheckCommand.Written PrunedOptimum(Network network, Dataset data, Loss loss, double beta, PatternSet patterns,
        CheckSettings settings, Func<Network, double> value)
    {
        var minimal = NeuronOps.Minimalise(network, data, patterns);
        double minimalValue = value(minimal);
        var problem = new ConvexProblem(data, loss, beta, patterns);
        try
        {
            var set = OptimalSet.FromSolution(problem, Maps.Phi(network, data, patterns), settings.GapTolerance);
            var vertex = Maps.Psi(set.ToPoint(set.Prune(set.Point)));
            double vertexValue = value(vertex);
            if (Tolerances.Objective.AtMost(vertexValue, minimalValue))
                return new(vertex, vertexValue, $"minimal equivalent network pruned to a vertex of the optimal set (THEORY.md §6), width {vertex.Width} ≤ n + 1 = {data.N + 1} (from width {network.Width})");
            return new(minimal, minimalValue, $"minimal equivalent network (already optimal), width {minimal.Width}; the pruned vertex was not better ({vertexValue:G10} > {minimalValue:G10}) and was not used");
        }
        catch (OptimalSetException e)
        {
            return new(minimal, minimalValue, $"minimal equivalent network (already optimal), width {minimal.Width}; not pruned: {e.Message}");
        }
    }
}
