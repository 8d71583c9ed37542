using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Convex;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Certificates;

public class CertificateCheckerTests
{
    private static readonly Tolerance Tol = Tolerances.Objective;

    /// <summary>A random feasible W: random blocks, each value a projection of a random vector on its cone.</summary>
    private static ConvexPoint RandomFeasiblePoint(Random rng, Dataset data, PatternSet patterns, int blocks, double scale)
    {
        var chosen = new Dictionary<Block, BlockValue>();
        for (int i = 0; i < blocks; i++)
        {
            var cell = patterns.Cells[rng.Next(patterns.Count)];
            var block = new Block(cell.Pattern, rng.Next(2) == 0 ? 1 : -1);
            var w = ConeProjection.Project(data.X, cell.Pattern, TestProblems.Gaussian(rng, data.D) * scale);
            chosen[block] = new BlockValue(block, w);
        }
        return new ConvexPoint(chosen.Values, data.D);
    }

    [Theory]
    [InlineData("squared", 1.0)]
    [InlineData("squared", 0.25)]
    [InlineData("logistic", 1.0)]
    [InlineData("logistic", 3.0)]
    public void WeakDualityHoldsOnRandomFeasiblePoints(string lossName, double scale)
    {
        var loss = Loss.Parse(lossName, scale);
        for (int seed = 0; seed < 4; seed++)
        {
            var (data, patterns) = TestProblems.GaussianProblem(seed, 6, 3, labels: loss.Name == "logistic");
            var rng = new Random(seed);
            foreach (double beta in new[] { 0.01, 0.1, 1.0 })
            {
                var problem = new ConvexProblem(data, loss, beta, patterns);
                for (int trial = 0; trial < 15; trial++)
                {
                    var w = RandomFeasiblePoint(rng, data, patterns, 1 + rng.Next(6), Math.Pow(10, rng.Next(-2, 2)));
                    var c = problem.Certify(w);
                    Assert.True(double.IsFinite(c.Lower), $"lower bound is {c.Lower}");
                    Assert.True(Tol.AtMost(c.Lower, c.Objective), $"{loss}, β={beta}: lower {c.Lower} > objective {c.Objective} (tolerance {Tol})");
                    Assert.True(c.Rho * c.T <= beta * (1 + 1e-15), $"scaled dual vector is infeasible: tρ = {c.T * c.Rho} > β = {beta}");
                    Assert.True(c.LowerProven);
                }
            }
        }
    }

    [Fact]
    public void WeakDualityHoldsForRandomNetworks()
    {
        var (data, patterns) = TestProblems.GaussianProblem(9, 7, 2);
        var loss = new SquaredLoss();
        var rng = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            int m = 1 + rng.Next(5);
            var net = Network.Create(TestProblems.Gaussian(rng, m, 2), TestProblems.Gaussian(rng, m));
            var c = NetworkCertificate.For(data, loss, 0.05, patterns, net);
            Assert.True(Tol.AtMost(c.Lower, c.Objective), $"lower {c.Lower} > L_β(θ) = {c.Objective} (tolerance {Tol})");
            Assert.Equal(NetworkObjective.Value(net, data, loss, 0.05), c.Objective);
        }
    }

    [Fact]
    public void ZeroIsCertifiedOptimalAboveBetaMax()
    {
        // W = 0 is optimal iff ρ(c·y) ≤ β for squared loss; then the certificate closes the gap.
        var (data, patterns) = TestProblems.GaussianProblem(3, 6, 2);
        var loss = new SquaredLoss();
        double betaMax = ExactPricing.Price(data.X, patterns, data.Y).Rho;
        var problem = new ConvexProblem(data, loss, 1.0001 * betaMax, patterns);
        var c = problem.Certify(ConvexPoint.Zero(data.D));
        Assert.True(c.Gap <= Tol.At(c.Objective), $"gap {c.Gap} at β above β_max (tolerance {Tol})");
        var below = new ConvexProblem(data, loss, 0.5 * betaMax, patterns);
        Assert.True(below.Certify(ConvexPoint.Zero(data.D)).Gap > 1e-3);
    }

    [Fact]
    public void CheckerReportsSampledPatternsAsUnproven()
    {
        var rng = new Random(4);
        var x = TestProblems.Gaussian(rng, 8, 3);
        var data = Dataset.Create(x, TestProblems.Gaussian(rng, 8));
        var c = CertificateChecker.ForPrediction(data, new SquaredLoss(), 0.1, TestProblems.SampledPatterns(x, 3, 1), Vector<double>.Build.Dense(8), 1.0, objectiveRounding: 0);
        Assert.False(c.LowerProven);
        Assert.False(c.CertifiedAt(1.0));
    }
}
