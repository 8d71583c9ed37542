using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

public class PricingTests
{
    private static readonly Tolerance Tol = Tolerances.Pricing;

    private static double Response(Matrix<double> x, Vector<double> v, Vector<double> u) =>
        Response(x.ToRowArrays(), v.ToArray(), u.ToArray());

    /// <summary>v·σ(Xu) without allocating: the sampling loops below evaluate it millions of times.</summary>
    private static double Response(double[][] rows, double[] v, ReadOnlySpan<double> u)
    {
        double s = 0;
        for (int j = 0; j < rows.Length; j++)
        {
            double pre = 0;
            for (int k = 0; k < u.Length; k++) pre += rows[j][k] * u[k];
            s += v[j] * Math.Max(pre, 0);
        }
        return s;
    }

    [Theory]
    [InlineData(1, 6, 2)]
    [InlineData(2, 8, 3)]
    [InlineData(3, 5, 4)]
    public void RhoBoundsEverySampledDirectionAndIsAttainedByItsMaximiser(int seed, int n, int d)
    {
        var (data, patterns) = TestProblems.GaussianProblem(seed, n, d);
        var rng = new Random(seed + 100);
        for (int trial = 0; trial < 10; trial++)
        {
            var v = TestProblems.Gaussian(rng, n);
            var r = ExactPricing.Price(data.X, patterns, v);
            Assert.True(r.UpperProven);
            Assert.Equal(1.0, r.Maximiser.L2Norm(), 12);
            double attained = Math.Abs(Response(data.X, v, r.Maximiser));
            Assert.True(Tol.Agree(attained, r.Rho), $"|v·σ(Xu*)| = {attained} but ρ = {r.Rho} (tolerance {Tol})");
            Assert.True(Cones.RelativeViolation(data.X, r.BestBlock.Pattern, r.Maximiser) <= Tolerances.Cone.At(1),
                "u* is outside the cone of the best block");
            double sampled = 0;
            var rows = data.X.ToRowArrays();
            var vArr = v.ToArray();
            var u = new double[d];
            for (int k = 0; k < 20000; k++)
            {
                double norm = 0;
                for (int i = 0; i < d; i++) { u[i] = TestProblems.Normal(rng); norm += u[i] * u[i]; }
                norm = Math.Sqrt(norm);
                for (int i = 0; i < d; i++) u[i] /= norm;
                sampled = Math.Max(sampled, Math.Abs(Response(rows, vArr, u)));
            }
            Assert.True(sampled <= r.Rho + Tol.At(r.Rho), $"sampled |v·σ(Xu)| = {sampled} exceeds ρ = {r.Rho} (tolerance {Tol})");
            Assert.True(sampled >= r.Rho * (d <= 2 ? 0.999 : 0.95), $"sampling reached only {sampled} of ρ = {r.Rho}");
        }
    }

    [Fact]
    public void RhoMatchesADenseAngleGridInTwoDimensions()
    {
        var (data, patterns) = TestProblems.GaussianProblem(21, 7, 2);
        var rows = data.X.ToRowArrays();
        var rng = new Random(3);
        for (int trial = 0; trial < 10; trial++)
        {
            var v = TestProblems.Gaussian(rng, 7);
            var vArr = v.ToArray();
            double best = 0;
            const int grid = 400000;
            var u = new double[2];
            for (int k = 0; k < grid; k++)
            {
                double th = 2 * Math.PI * k / grid;
                u[0] = Math.Cos(th);
                u[1] = Math.Sin(th);
                best = Math.Max(best, Math.Abs(Response(rows, vArr, u)));
            }
            double rho = ExactPricing.Price(data.X, patterns, v).Rho;
            // u ↦ v·σ(Xu) is Lipschitz with constant L = Σ_j |v_j| ‖x_j‖, so the grid maximum is within L·2π/grid.
            double lipschitz = Enumerable.Range(0, 7).Sum(j => Math.Abs(v[j]) * data.X.Row(j).L2Norm());
            Assert.True(rho >= best - 1e-12, $"ρ = {rho} below the grid maximum {best}");
            Assert.True(rho - best <= lipschitz * 2 * Math.PI / grid, $"ρ = {rho}, grid maximum {best}, allowed {lipschitz * 2 * Math.PI / grid}");
        }
    }

    [Fact]
    public void BlockValuesAgreeWithProjectionsAndTheirMaximumIsRho()
    {
        var (data, patterns) = TestProblems.GaussianProblem(4, 7, 3);
        var v = TestProblems.Gaussian(new Random(9), 7);
        var values = ExactPricing.BlockValues(data.X, patterns, v);
        var blocks = new ConvexProblemBlocks(patterns).All;
        Assert.Equal(2 * patterns.Count, values.Length);
        for (int b = 0; b < values.Length; b++)
        {
            var g = Cones.MaskedTransposeProduct(data.X, blocks[b].Pattern, v) * blocks[b].Sign;
            double direct = ConeProjection.Project(data.X, blocks[b].Pattern, g).L2Norm();
            Assert.True(Tol.Agree(direct, values[b]), $"block {b}: {values[b]} vs direct {direct} (tolerance {Tol})");
        }
        Assert.True(Tol.Agree(values.Max(), ExactPricing.Price(data.X, patterns, v).Rho));
    }

    [Fact]
    public void ZeroDualVectorHasZeroPrice()
    {
        var (data, patterns) = TestProblems.GaussianProblem(5, 5, 2);
        var r = ExactPricing.Price(data.X, patterns, Vector<double>.Build.Dense(5));
        Assert.Equal(0.0, r.Rho);
        Assert.Equal(0.0, r.Maximiser.L2Norm());
    }

    [Fact]
    public void SampledPatternSetsAreReportedAsNotExact()
    {
        var rng = new Random(1);
        var x = TestProblems.Gaussian(rng, 10, 3);
        var patterns = TestProblems.SampledPatterns(x, 5, 2);
        Assert.False(ExactPricing.Price(x, patterns, TestProblems.Gaussian(rng, 10)).UpperProven);
    }

    /// <summary>The blocks in <see cref="ConvexProblem.AllBlocks"/> order without needing data.</summary>
    private sealed class ConvexProblemBlocks(PatternSet patterns)
    {
        public List<Block> All { get; } = patterns.Cells.SelectMany(c => new[] { new Block(c.Pattern, 1), new Block(c.Pattern, -1) }).ToList();
    }
}
