using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pipeline;

/// <summary>
/// The warm start from a network (`hcv solve --init`, THEORY.md §5): the blocks of its neurons are blocks of the program with
/// interior witnesses, and a solve that starts from them certifies the same optimum as one from W = 0.
/// </summary>
public class NetworkWarmStartTests
{
    private static (Dataset Data, PatternSet Exact, double Beta) Problem(int seed, int n, int d)
    {
        var rng = new Random(seed);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng));
        var y = Vector<double>.Build.Dense(n, _ => ArrangementData.Normal(rng));
        return (Dataset.Create(x, y), CellEnumerator.Enumerate(x), 0.05 * x.TransposeThisAndMultiply(y).L2Norm());
    }

    [Theory]
    [InlineData(1, 12, 3)]
    [InlineData(2, 20, 2)]
    public void TheOptimumsNetworkGivesBlocksHoldingItsNeuronsAndTheSameCertifiedOptimumInFewerIterations(int seed, int n, int d)
    {
        var (data, exact, beta) = Problem(seed, n, d);
        var loss = new SquaredLoss();
        var cold = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, exact));
        Assert.Equal(SolverStatus.Optimal, cold.Status);

        var network = Maps.Psi(cold.W);
        var blocks = NetworkWarmStart.Blocks(network, data.X);
        foreach (var b in blocks) Assert.Equal(b.Block.Pattern, ActivationPattern.OfDirection(data.X, b.Witness));
        // Every neuron lies in the closed cone of a block of its sign: rows within Tolerances.SampledDirectionMargin of its kink
        // may be read on either side (NetworkCells nudges such a neuron into a neighbouring cell).
        foreach (var (u, a) in network.Neurons().Where(nu => nu.Alpha != 0).Select(nu => (nu.U, nu.Alpha)))
            Assert.Contains(blocks, b => b.Block.Sign == Math.Sign(a) && Enumerable.Range(0, data.N).All(j =>
                data.X.Row(j).DotProduct(u) is var p
                && (Math.Abs(p) <= Tolerances.SampledDirectionMargin * data.X.Row(j).L2Norm() * u.L2Norm() || (p > 0) == b.Block.Pattern[j])));

        var warm = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, exact), new SolverSettings { InitialBlocks = blocks });
        Assert.Equal(SolverStatus.Optimal, warm.Status);
        Assert.True(Math.Abs(warm.Objective - cold.Objective) <= cold.Gap + warm.Gap,
            $"objective from the network's blocks {warm.Objective:R}, from W = 0 {cold.Objective:R} (gaps {warm.Gap:E2}, {cold.Gap:E2})");
        Assert.True(warm.Iterations < cold.Iterations, $"outer iterations {warm.Iterations} from the network's blocks, {cold.Iterations} from W = 0");
    }

    [Fact]
    public void NeuronsWithoutWeightGiveNoBlockAndTwoNeuronsInOneBlockGiveItOnce()
    {
        var (data, _, _) = Problem(3, 10, 2);
        var u = Matrix<double>.Build.DenseOfRowArrays([1.0, 0.5], [2.0, 1.0], [0.0, 0.0], [1.0, -1.0]);
        var alpha = Vector<double>.Build.DenseOfArray([1.0, 3.0, 1.0, 0.0]);
        var blocks = NetworkWarmStart.Blocks(Network.Create(u, alpha), data.X);
        var only = Assert.Single(blocks);
        Assert.Equal(new Block(ActivationPattern.OfDirection(data.X, u.Row(0)), +1), only.Block);
    }

    [Fact]
    public void ANetworkOfAnotherInputDimensionIsRefused()
    {
        var (data, _, _) = Problem(4, 6, 3);
        var net = Network.Create(Matrix<double>.Build.Dense(1, 2, 1.0), Vector<double>.Build.Dense(1, 1.0));
        var e = Assert.Throws<InvalidInputException>(() => NetworkWarmStart.Blocks(net, data.X));
        Assert.Contains("input dimension 2", e.Message);
    }
}
