using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pipeline;

/// <summary>
/// The sampled warm start (THEORY.md §3, §4a): its blocks are cells of S(X) with interior witnesses, and a solve that starts
/// from them certifies the same optimum as one that starts from W = 0, over the exact oracle and over branch and bound.
/// </summary>
public class SampledWarmStartTests
{

    [Theory]
    [InlineData(1, 12, 3)]
    [InlineData(2, 20, 2)]
    public void StartingFromTheSampledSupportCertifiesTheSameOptimum(int seed, int n, int d)
    {
        var rng = new Random(seed);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng));
        var y = Vector<double>.Build.Dense(n, _ => ArrangementData.Normal(rng));
        var data = Dataset.Create(x, y);
        var loss = new SquaredLoss();
        double beta = 0.05 * x.TransposeThisAndMultiply(y).L2Norm();
        var exact = CellEnumerator.Enumerate(x);
        var cold = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, exact), new SolverSettings());
        Assert.Equal(SolverStatus.Optimal, cold.Status);

        var warm = SampledWarmStart.Find(data, loss, beta, 50, seed, new SolverSettings());
        Assert.NotEmpty(warm.Blocks);
        foreach (var b in warm.Blocks)
        {
            Assert.True(exact.Contains(b.Block.Pattern), $"{b.Block} is not a cell of S(X)");
            Assert.Equal(b.Block.Pattern, ActivationPattern.OfDirection(x, b.Witness));
        }
        var settings = new SolverSettings { InitialBlocks = warm.Blocks };
        var fromWarm = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, exact), settings);
        var overBnb = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, new BranchAndBoundOracle(x, null, new BranchAndBoundOracleSettings { Beta = beta })), settings);
        foreach (var r in new[] { fromWarm, overBnb })
        {
            Assert.Equal(SolverStatus.Optimal, r.Status);
            // Both brackets hold P*: they must overlap.
            Assert.True(r.Lower <= cold.Objective && cold.Lower <= r.Objective,
                $"[{r.Lower:R}, {r.Objective:R}] and [{cold.Lower:R}, {cold.Objective:R}] do not overlap");
        }
    }
}
