using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// Cases where a certified but coarse solution described 𝒲* wrongly (THEORY.md §6): the active blocks must be
/// read off an accurate v*, and every point of the optimal set (NNLS point, pruned vertex, samples) must reproduce
/// z* and attain P*_c.
/// </summary>
public class OptimalSetRegressionTests
{
    private static ConvexProblem Problem(double[][] x, double[] y, double scale, double? beta = null, double? betaRatio = null)
    {
        var data = Dataset.Create(x, y);
        var loss = new SquaredLoss(scale);
        var patterns = CellEnumerator.Enumerate(data.X);
        double b = beta ?? betaRatio!.Value * Pricing.Price(data.X, patterns, -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;
        return new ConvexProblem(data, loss, b, patterns);
    }

    private static void AssertOptimalSetIsOptimal(ConvexProblem problem)
    {
        var result = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, result.Status);
        var set = OptimalSet.FromSolution(problem, result.W);
        Assert.True(set.Active.Count > 0, "no active block although z* ≠ 0");
        var pred = Tolerances.Prediction;
        double scale = set.Z.AbsoluteMaximum();
        var rng = new Random(7);
        var points = new[] { ("NNLS point", set.Point), ("pruned vertex", set.Prune(set.Point)), ("sample", set.Sample(rng)) };
        foreach (var (what, t) in points)
        {
            var w = set.ToPoint(t);
            double dev = (w.Predict(problem.Data.X) - set.Z).AbsoluteMaximum();
            Assert.True(dev <= pred.At(scale), $"{what}: A t deviates from z* by {dev:E3} (tolerance {pred})");
            double l = NetworkObjective.Value(Maps.Psi(w), problem.Data, problem.Loss, problem.Beta);
            double eps = Tolerances.DefaultSolverGap * Math.Max(1, Math.Abs(result.Objective));
            Assert.True(l >= result.Lower - Tolerances.Objective.At(result.Lower) && l <= result.Objective + eps,
                $"{what}: L_β(ψ(W)) = {l:R} outside [lower {result.Lower:R}, objective {result.Objective:R} + {eps:E2}]");
        }
    }

    /// <summary>Two nearly opposite-scaled rows: the barrier point is certified (gap 4.6e-10) with ρ/β − 1 = −1.3e-3.</summary>
    [Fact]
    public void NearDuplicateLargeRowsKeepTheActiveBlock() =>
        AssertOptimalSetIsOptimal(Problem([[-249], [-250]], [2, -2], 1, beta: 0.052259547692496516));

    /// <summary>Rows of very different norms: the pruned point used to be t = 0 with z* ≠ 0.</summary>
    [Fact]
    public void WidelyScaledRowsPruneToAPointReproducingZStar() =>
        AssertOptimalSetIsOptimal(Problem([[1], [1001]], [2, 0], 1, betaRatio: 0.03155704930369683));

    /// <summary>One row and a small target: a sampled point of 𝒲* used to be far from optimal.</summary>
    [Fact]
    public void SingleRowSamplesAreOptimal() =>
        AssertOptimalSetIsOptimal(Problem([[-1]], [0.05215720655833854], 1, betaRatio: 0.012942881309100233));
}

public class OptimalSetFailureTests
{
    /// <summary>A clearly suboptimal point has no optimal set around it: the failure is reported, not a wrong polytope.</summary>
    [Fact]
    public void SuboptimalPointIsRefused()
    {
        var data = Dataset.Create([[-249], [-250]], [2, -2]);
        var problem = new ConvexProblem(data, new SquaredLoss(1), 0.052259547692496516, CellEnumerator.Enumerate(data.X));
        var result = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, result.Status);
        var half = new ConvexPoint(result.W.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * 0.5)), data.D);
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, half));
        Assert.Contains("THEORY.md §6", e.Message);
    }
}
