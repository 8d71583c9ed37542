using System.Numerics;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using static HiddenConvex.Core.Tests.Numerics.ExactDyadic;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The pieces the proven bound rests on: the outward-rounded norm of a floating-point sum against exact rational
/// arithmetic, the cone interval bounds against the exact cone projection, and the bounded least squares against its
/// optimality conditions.
/// </summary>
public class BoundArithmeticTests
{
    /// <summary>
    /// True when |v·σ(Xu)| / ‖u‖ &gt; bound, decided exactly: (Σ_j v_j σ(x_j·u))² &gt; bound² ‖u‖², every x_j·u and its sign
    /// exact.
    /// </summary>
    private static bool ExactValueAbove(Matrix<double> x, MathNet.Numerics.LinearAlgebra.Vector<double> v, double[] u, double bound)
    {
        (BigInteger M, int E) sum = (BigInteger.Zero, 0);
        for (int j = 0; j < x.RowCount; j++)
        {
            var pre = ExactDot(x.Row(j).ToArray(), u);
            if (pre.M.Sign > 0) sum = Add(sum, Times(Exact(v[j]), pre));
        }
        var b = Exact(bound);
        return Times(sum, sum) is var lhs && Times(Times(b, b), ExactDot(u, u)) is var rhs
               && Add(lhs, (-rhs.M, rhs.E)).M.Sign > 0;
    }

    /// <summary>
    /// The near-duplicate rows of the catalogue case i1-near-duplicate-point-outside-its-cones-undercuts-the-optimum, at a
    /// dual vector whose best block's value is computed from terms that cancel (g_s sums terms of 1.5e3; the value is 3e-4):
    /// the computed ρ is below v·σ(Xu)/‖u‖ of a witness u in exact arithmetic, the oracle's ρ̄ is at least every one
    /// (THEORY.md §4.1, "Pricing rounded outward"). The witnesses are the oracle's maximiser and the directions normal to
    /// the two long rows, at the edges of the thin cells between them.
    /// </summary>
    [Fact]
    public void The_enumerated_oracles_bound_is_at_least_every_witness_value_where_its_computed_rho_is_not()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { -1, -2 }, { -999, -1999 }, { -1000, -2001 } });
        var v = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray([-0.6800000002225498, -0.68, 0.6800000612836576]);
        var priced = new EnumeratedPricing(x, CellEnumerator.Enumerate(x)).Price(v);
        var witnesses = new[] { priced.Maximiser.ToArray(), [2001, -1000], [-2001, 1000], [1999, -999], [-1999, 999] };
        Assert.Contains(witnesses, u => ExactValueAbove(x, v, u, priced.Rho));
        foreach (var u in witnesses)
            Assert.False(ExactValueAbove(x, v, u, priced.Upper), $"u = ({u[0]:R}, {u[1]:R}) is above ρ̄ = {priced.Upper:R}");
        Assert.True(priced.Upper <= priced.Rho * (1 + 1e-12), $"ρ̄ = {priced.Upper:R} for the computed ρ = {priced.Rho:R}");
    }

    /// <summary>True when ‖(m_k 2^e)_k‖ ≤ bound, decided exactly: Σ m_k² 2^{2e} ≤ bound².</summary>
    private static bool NormAtMost(IReadOnlyList<(BigInteger M, int E)> r, double bound)
    {
        var (mb, eb) = Exact(bound);
        int e = Math.Min(r.Min(t => t.E), eb);
        var lhs = r.Aggregate(BigInteger.Zero, (s, t) => { var m = t.M << (t.E - e); return s + m * m; });
        var b = mb << (eb - e);
        return lhs <= b * b;
    }

    [Theory]
    [InlineData(0, 1.0)] [InlineData(1, 1e-150)] [InlineData(2, 1e150)] [InlineData(3, 1e-310)] [InlineData(4, 1.0)]
    public void TheOutwardNormOfAFloatingPointSumBoundsTheExactNorm(int seed, double scale)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            int d = 1 + rng.Next(12), terms = 1 + rng.Next(40);
            var x = new double[terms * d];
            for (int i = 0; i < x.Length; i++) x[i] = scale * ArrangementData.Normal(rng);
            // Seed 4: heavy cancellation, the second half of the terms nearly undoes the first.
            var c = Enumerable.Range(0, terms).Select(t => seed == 4 && t >= terms / 2 ? -1.0 : ArrangementData.Normal(rng)).ToArray();
            if (seed == 4) for (int t = terms / 2; t < terms; t++) for (int k = 0; k < d; k++) x[t * d + k] = x[(t - terms / 2) * d + k] * (1 + 1e-15 * rng.NextDouble());
            var sum = new SoundSum(x, d);
            sum.Clear();
            for (int t = 0; t < terms; t++) sum.Add(c[t], t);
            double bound = sum.NormUpper();
            var exact = Enumerable.Range(0, d).Select(k => ExactDot(c, Enumerable.Range(0, terms).Select(t => x[t * d + k]).ToArray())).ToList();
            Assert.True(NormAtMost(exact, bound), $"seed {seed}, trial {trial}: the outward norm {bound:R} is below the exact norm");
        }
    }

    [Fact]
    public void OutwardScalarOperationsBoundTheExactResults()
    {
        var rng = new Random(5);
        for (int i = 0; i < 10000; i++)
        {
            double a = Math.Abs(ArrangementData.Normal(rng)) * Math.Pow(10, rng.Next(-300, 300)), b = Math.Abs(ArrangementData.Normal(rng)) * Math.Pow(10, rng.Next(-300, 300));
            Assert.True(ExactCompare(Outward.Add(a, b), a, b, '+') >= 0, $"Add({a:R}, {b:R})");
            Assert.True(ExactCompare(Outward.Sub(a, b), a, b, '-') >= 0, $"Sub({a:R}, {b:R})");
            Assert.True(ExactCompare(Outward.Mul(a, b), a, b, '*') >= 0, $"Mul({a:R}, {b:R})");
        }
        Assert.Equal(0.0, Outward.Add(0, 0));
        Assert.Equal(0.0, Outward.Mul(3, 0));
        Assert.Equal(2.5, Outward.Sub(2.5, 0));
    }

    /// <summary>Sign of (result − (a op b)) in exact rational arithmetic, for op ∈ {+, −, ×}.</summary>
    private static int ExactCompare(double result, double a, double b, char op)
    {
        if (double.IsPositiveInfinity(result)) return 1; // overflow rounds up to +∞, an upper bound of everything
        var (ma, ea) = Exact(a); var (mb, eb) = Exact(b); var (mr, er) = Exact(result);
        if (op == '*')
        {
            int e = Math.Min(er, ea + eb);
            return (mr << (er - e)).CompareTo((ma * mb) << (ea + eb - e));
        }
        int f = Math.Min(er, Math.Min(ea, eb));
        var x = ma << (ea - f);
        var y = mb << (eb - f);
        return (mr << (er - f)).CompareTo(op == '+' ? x + y : x - y);
    }

    [Fact]
    public void ConeIntervalBoundsAreUpperBoundsAndTightAgainstTheExactProjection()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = 12, d = 2 + rng.Next(4), k = 1 + rng.Next(2 * d);
            var x = PricingInstances.Gaussian(rng, n, d);
            if (trial % 5 == 0) x.SetRow(1, x.Row(0) * 3); // a row parallel to a constraint
            var rowMajor = x.ToRowMajorArray();
            var norms = Enumerable.Range(0, n).Select(j => x.Row(j).L2Norm()).ToArray();
            var constraints = Enumerable.Range(0, k).Select(i => (rng.NextDouble() < 0.5 ? 1 : -1) * (i + 1)).ToArray();
            var a = Matrix<double>.Build.Dense(k, d, (i, t) => Math.Sign(constraints[i]) * x[Math.Abs(constraints[i]) - 1, t]);
            var intervals = new ConeIntervals(rowMajor, norms, d);
            intervals.Prepare(constraints);
            var direction = new double[d];
            for (int j = 0; j < n; j++)
                foreach (int sign in new[] { 1, -1 })
                {
                    double bound = intervals.Upper(j, sign, direction);
                    double exact = ConeProjection.Project(a, x.Row(j) * sign).L2Norm();
                    Assert.True(bound >= exact * (1 - 1e-12), $"trial {trial}, row {j}, sign {sign}: bound {bound:R} below ‖Π_C‖ = {exact:R}");
                    Assert.True(bound <= exact + Tolerances.ConeProjection.At(norms[j]),
                        $"trial {trial}, row {j}, sign {sign}: bound {bound:R} not tight, ‖Π_C‖ = {exact:R} (tolerance {Tolerances.ConeProjection} at ‖x_j‖)");
                }
        }
    }

    [Fact]
    public void BoundedLeastSquaresMeetsItsOptimalityConditions()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            int m = 1 + rng.Next(6), p = 1 + rng.Next(15);
            var cols = Enumerable.Range(0, m * p).Select(_ => ArrangementData.Normal(rng)).ToArray();
            var norms = Enumerable.Range(0, p).Select(t => Math.Sqrt(Enumerable.Range(0, m).Sum(i => cols[t * m + i] * cols[t * m + i]))).ToArray();
            var lo = Enumerable.Range(0, p).Select(t => t % 2 == 0 ? 0.0 : -Math.Abs(ArrangementData.Normal(rng))).ToArray();
            var hi = Enumerable.Range(0, p).Select(t => t % 2 == 0 ? double.PositiveInfinity : 0.0).ToArray();
            var c = Enumerable.Range(0, m).Select(_ => 3 * ArrangementData.Normal(rng)).ToArray();
            var z = new double[p];
            var r = new double[m];
            var solver = new BoundedLeastSquares(m);
            double value = solver.Solve(cols, norms, p, lo, hi, c, z, r, 3 * p + 30);
            double scale = Math.Sqrt(c.Sum(a => a * a)) + Enumerable.Range(0, p).Sum(t => Math.Abs(z[t]) * norms[t]);
            for (int t = 0; t < p; t++)
            {
                Assert.InRange(z[t], lo[t], hi[t]);
                double g = Enumerable.Range(0, m).Sum(i => cols[t * m + i] * r[i]) / norms[t];
                double tol = 1e-10 * scale;
                if (z[t] > lo[t]) Assert.True(g <= tol, $"trial {trial}: variable {t} above its lower bound with gradient {g:R}");
                if (z[t] < hi[t]) Assert.True(g >= -tol, $"trial {trial}: variable {t} below its upper bound with gradient {g:R}");
            }
            Assert.Equal(Math.Sqrt(r.Sum(a => a * a)), value, 12);
        }
    }
}
