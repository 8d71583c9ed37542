using System.Diagnostics;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;

namespace HiddenConvex.Core.Pipeline;

/// <summary>What a warm start found: the blocks to start from, the sampled program's solve, and its time.</summary>
public sealed record WarmStartResult(IReadOnlyList<PricedBlock> Blocks, SolverResult Solve, int Patterns, double Seconds);

/// <summary>
/// A starting working set for column generation over an oracle that does not enumerate S(X) (THEORY.md §3, §4a): the
/// support of the optimum of the program restricted to the cells of some random directions (<see cref="PatternSampler"/>),
/// each block with its cell's interior witness. Those blocks are blocks of the full program, so starting from them
/// changes where the solve starts, never what it certifies: the certificate still prices all of S(X).
/// </summary>
public static class SampledWarmStart
{
    /// <summary>Solves the sampled program within <paramref name="settings"/> (its own limits) and returns its support.</summary>
    /// <exception cref="InvalidInputException">directions &lt; 1, or the data, loss or β are invalid.</exception>
    public static WarmStartResult Find(Dataset data, Loss loss, double beta, int directions, int seed, SolverSettings settings)
    {
        ArgumentNullException.ThrowIfNull(data);
        InvalidInputException.Require(directions >= 1, $"warm-start directions must be at least 1, got {directions}");
        var clock = Stopwatch.StartNew();
        var sampled = PatternSampler.Sample(data.X, directions, seed);
        var solve = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, sampled), settings.Validated());
        return new WarmStartResult(SupportBlocks(solve.W, sampled), solve, sampled.Count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The blocks of W's support whose patterns are cells of <paramref name="cells"/>, each with its cell's interior witness:
    /// a working set to start column generation from (<see cref="SolverSettings.InitialBlocks"/>).
    /// </summary>
    internal static List<PricedBlock> SupportBlocks(ConvexPoint w, PatternSet cells) =>
        w.NonZeroBlocks
            .Select(b => (b.Block, Index: cells.IndexOf(b.Block.Pattern)))
            .Where(b => b.Index >= 0)
            .Select(b => new PricedBlock(b.Block, 0, cells.Cells[b.Index].Witness))
            .ToList();
}
