using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

public class ConeProjectionTests
{
    private static readonly Tolerance Tol = new(1e-11, 1e-10);

    /// <summary>Random cone matrices with duplicate, opposite, zero and dependent rows mixed in.</summary>
    private static Matrix<double> RandomConeMatrix(Random rng, int n, int d)
    {
        var a = TestProblems.Gaussian(rng, n, d);
        for (int j = 1; j < n; j++)
        {
            int kind = rng.Next(8);
            if (kind == 0) a.SetRow(j, a.Row(rng.Next(j)));                       // duplicate
            else if (kind == 1) a.SetRow(j, a.Row(rng.Next(j)) * (0.5 + rng.NextDouble())); // positive multiple
            else if (kind == 2) a.SetRow(j, Vector<double>.Build.Dense(d));        // zero row
            else if (kind == 3 && j >= 2) a.SetRow(j, a.Row(0) + a.Row(1));        // dependent
        }
        return a;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    public void ProjectionSatisfiesMoreauConditionsAndMatchesBruteForce(int seed, int d)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = 1 + rng.Next(9);
            var a = RandomConeMatrix(rng, n, d);
            var g = TestProblems.Gaussian(rng, d) * Math.Pow(10, rng.Next(-3, 4));
            var pi = ConeProjection.Project(a, g);
            double gn = g.L2Norm();
            var inCone = a * pi;
            for (int j = 0; j < n; j++)
                Assert.True(inCone[j] >= -Tol.At(a.Row(j).L2Norm() * gn), $"trial {trial}: row {j} violated by {inCone[j]} (tolerance {Tol})");
            Assert.True(Math.Abs((g - pi).DotProduct(pi)) <= Tol.At(gn * gn), $"trial {trial}: (g−Π)·Π = {(g - pi).DotProduct(pi)} (tolerance {Tol})");
            var brute = ConeProjectionOracle.BruteForce(a, g);
            Assert.True((brute - pi).L2Norm() <= Tol.At(gn) * 10, $"trial {trial}: ‖Π − brute‖ = {(brute - pi).L2Norm()} at ‖g‖ = {gn} (tolerance 10×{Tol})");
        }
    }

    [Fact]
    public void ResidualLiesInThePolarCone()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 100; trial++)
        {
            int n = 2 + rng.Next(6), d = 3;
            var a = RandomConeMatrix(rng, n, d);
            var g = TestProblems.Gaussian(rng, d);
            var r = g - ConeProjection.Project(a, g);
            int found = 0;
            for (int k = 0; k < 4000 && found < 200; k++)
            {
                var u = TestProblems.Gaussian(rng, d);
                if ((a * u).Minimum() < 0) continue;
                found++;
                Assert.True(r.DotProduct(u) <= Tol.At(g.L2Norm() * u.L2Norm()), $"trial {trial}: (g−Π)·u = {r.DotProduct(u)} > 0 for u ∈ C (tolerance {Tol})");
            }
        }
    }

    [Fact]
    public void NormEqualsSupportFunctionOnADenseGridInTwoDimensions()
    {
        var rng = new Random(11);
        const int grid = 200000;
        for (int trial = 0; trial < 40; trial++)
        {
            int n = 1 + rng.Next(6);
            var a = RandomConeMatrix(rng, n, 2);
            var g = TestProblems.Gaussian(rng, 2);
            double best = 0;
            for (int k = 0; k < grid; k++)
            {
                double th = 2 * Math.PI * k / grid;
                double c = Math.Cos(th), s = Math.Sin(th);
                bool inside = true;
                for (int j = 0; j < n && inside; j++) inside = a[j, 0] * c + a[j, 1] * s >= 0;
                if (inside) best = Math.Max(best, g[0] * c + g[1] * s);
            }
            double norm = ConeProjection.Project(a, g).L2Norm();
            // The grid maximum is a lower bound within ‖g‖·2π/grid of the true one (the maximiser may sit
            // on the cone's boundary, between grid points); cones thinner than a grid step can be missed.
            Assert.True(norm >= best - 1e-12, $"trial {trial}: ‖Π‖ = {norm} below the sampled maximum {best}");
            if (best > 0) Assert.True(norm - best <= 2 * Math.PI / grid * g.L2Norm(), $"trial {trial}: ‖Π‖ = {norm} vs grid maximum {best}");
        }
    }

    [Fact]
    public void FastPathReturnsGWhenInsideAndZeroForZero()
    {
        var a = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 } });
        var g = Vector<double>.Build.DenseOfArray([2.0, 3.0]);
        Assert.Equal(g, ConeProjection.Project(a, g));
        Assert.Equal(0.0, ConeProjection.Project(a, Vector<double>.Build.Dense(2)).L2Norm());
        var h = Vector<double>.Build.DenseOfArray([-1.0, 3.0]);
        var pi = ConeProjection.Project(a, h);
        Assert.Equal(0.0, pi[0], 15);
        Assert.Equal(3.0, pi[1], 15);
        Assert.Equal(0.0, ConeProjection.Project(a, -g).L2Norm(), 15);
    }

    [Fact]
    public void NormIsAnUpperBoundOfTheSupportFunctionBySampling()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 100; trial++)
        {
            int d = 2 + rng.Next(3), n = 1 + rng.Next(12);
            var a = RandomConeMatrix(rng, n, d);
            var g = TestProblems.Gaussian(rng, d);
            double norm = ConeProjection.Project(a, g).L2Norm();
            for (int k = 0; k < 500; k++)
            {
                var u = TestProblems.Gaussian(rng, d);
                u /= u.L2Norm();
                if ((a * u).Minimum() < 0) continue;
                Assert.True(g.DotProduct(u) <= norm + 1e-12, $"trial {trial}: g·u = {g.DotProduct(u)} > ‖Π‖ = {norm}");
            }
        }
    }

    /// <summary>
    /// A thin cone of near-duplicate integer rows (x_11 ≈ 1000·x_3 + e with opposite signs; regression
    /// d3-near-duplicate-projection-outside-cone): without iterative refinement of the passive least squares the
    /// projection crossed row 11 by 1.3e-9·‖x_j‖‖g‖, beyond <see cref="Tolerances.Cone"/>.
    /// </summary>
    [Fact]
    public void AThinConeOfNearDuplicateRowsHoldsItsProjection()
    {
        double[][] rows =
        [
            [1, 0, 0, -2, 2], [1001, -1, 0, -2000, 2001], [-3, -3, 3, -3, -3], [-3, -1, 2, 2, -2], [999, 3000, -3001, -999, 2001],
            [1, 0, -1, -3, 2], [1, 1, -2, 1, 1], [1000, 1, 0, -1999, 2000], [1000, 3000, -3000, -1001, 1999], [-1, 1, -2, 2, 0],
            [-1001, 999, -2000, 2001, -1], [-3000, -1000, 1999, 2001, -2000],
        ];
        var x = Matrix<double>.Build.DenseOfRowArrays(rows);
        var s = HiddenConvex.Core.Arrangements.ActivationPattern.Parse("111101010010");
        var rng = new Random(36734);
        var v = Vector<double>.Build.Dense(12, _ => rng.NextDouble() * 2 - 1);
        var g = -x.TransposeThisAndMultiply(Vector<double>.Build.Dense(12, j => s[j] ? v[j] : 0));
        var a = HiddenConvex.Core.Arrangements.Cones.ConstraintMatrix(x, s);
        var q = ConeProjection.Project(a, g);
        for (int j = 0; j < a.RowCount; j++)
        {
            double allowed = Tolerances.Cone.At(a.Row(j).L2Norm() * g.L2Norm());
            Assert.True(-a.Row(j).DotProduct(q) <= allowed, $"row {j}: a_j·q = {a.Row(j).DotProduct(q):G3}, allowed −{allowed:G3} ({Tolerances.Cone})");
        }
    }
}
