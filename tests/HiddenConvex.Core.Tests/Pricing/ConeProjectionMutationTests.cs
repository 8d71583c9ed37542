using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The Lawson–Hanson cone projection (THEORY.md §4) against two independent oracles on degenerate cones:
/// a brute force over the faces of C = {u : A u ≥ 0} (the projection is the point of C nearest to g among
/// the projections of g on the null spaces of row subsets of size ≤ d), and the Moreau conditions
/// q ∈ C, q = g + Aᵀμ with μ ≥ 0, (g − q)·q = 0, which characterise Π_C(g) uniquely.
/// </summary>
public class ConeProjectionMutationTests
{
    private static readonly Tolerance Tol = Tolerances.ConeProjection;

    private static double[] RowMajor(Matrix<double> a) => a.ToRowMajorArray();

    /// <summary>
    /// The Moreau conditions of q = Π_C(g) with the projector's own multipliers, C = {u : s_j x_j·u ≥ 0}: μ ≥ 0 and zero
    /// off the passive set, q = g + Σ μ_j s_j x_j, s_j x_j·q ≥ 0 and (g − q)·q = 0, each up to Tol at its scale.
    /// </summary>
    private static void AssertMoreau(string what, double[] x, int n, int d, double[] signs, double[] g, double[] q, ConeProjector p) =>
        AssertRepresentation(what, x, n, d, signs, g, q, p, checkOptimality: true);

    /// <summary>
    /// What certificates rely on even where the projection is ill-conditioned: μ ≥ 0, zero off at most d distinct
    /// passive rows, and q = g + Σ μ_j s_j x_j (so ‖q‖ bounds g·u over the unit ball of C); with
    /// <paramref name="checkOptimality"/>, also q ∈ C and (g − q)·q = 0.
    /// </summary>
    private static void AssertRepresentation(string what, double[] x, int n, int d, double[] signs, double[] g, double[] q, ConeProjector p, bool checkOptimality)
    {
        var mu = p.Multipliers();
        var passive = p.PassiveRows();
        Assert.True(passive.Length <= d, $"{what}: {passive.Length} passive rows in dimension {d}");
        Assert.Equal(passive.Length, passive.Distinct().Count());
        double gn = Norm(g);
        var r = (double[])g.Clone();
        double scale = gn;
        for (int j = 0; j < n; j++)
        {
            Assert.True(mu[j] >= 0, $"{what}: μ_{j} = {mu[j]} < 0");
            if (!passive.Contains(j)) Assert.True(mu[j] == 0, $"{what}: μ_{j} = {mu[j]} off the passive set [{string.Join(",", passive)}]");
            double rn = 0;
            for (int k = 0; k < d; k++) { r[k] += mu[j] * signs[j] * x[j * d + k]; rn += x[j * d + k] * x[j * d + k]; }
            scale += mu[j] * Math.Sqrt(rn);
            double a = 0;
            for (int k = 0; k < d; k++) a += signs[j] * x[j * d + k] * q[k];
            if (checkOptimality) Assert.True(a >= -Tol.At(Math.Sqrt(rn) * gn), $"{what}: row {j} violated, s_j x_j·q = {a} (‖x_j‖ = {Math.Sqrt(rn)}, ‖g‖ = {gn}, tolerance {Tol})");
        }
        double rep = 0;
        for (int k = 0; k < d; k++) rep = Math.Max(rep, Math.Abs(r[k] - q[k]));
        Assert.True(rep <= Tol.At(scale), $"{what}: ‖q − (g + Σ μ_j s_j x_j)‖∞ = {rep} at scale {scale} (tolerance {Tol})");
        double comp = 0;
        for (int k = 0; k < d; k++) comp += (g[k] - q[k]) * q[k];
        if (checkOptimality) Assert.True(Math.Abs(comp) <= Tol.At(gn * gn), $"{what}: (g − q)·q = {comp} at ‖g‖ = {gn} (tolerance {Tol})");
    }

    private static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var a in v) s += a * a;
        return Math.Sqrt(s);
    }

    /// <summary>Projects with the public entry point, checks it against the brute force, and with a projector against Moreau.</summary>
    private static void AssertProjection(string what, Matrix<double> a, Vector<double> g)
    {
        var q = ConeProjection.Project(a, g);
        var oracle = ConeProjectionOracle.BruteForce(a, g);
        double gn = g.L2Norm();
        double err = gn == 0 ? q.L2Norm() : (q - oracle).L2Norm() / gn;
        Assert.True(err <= Tol.At(1), $"{what}: ‖Π − brute force‖/‖g‖ = {err} (‖g‖ = {gn}, tolerance {Tol})\nA = {a}\ng = {g}\nΠ = {q}\nbrute = {oracle}");
        var p = new ConeProjector(RowMajor(a), a.RowCount, a.ColumnCount);
        var signs = Enumerable.Repeat(1.0, a.RowCount).ToArray();
        var q2 = new double[g.Count];
        double norm = p.Project(signs, g.ToArray(), q2);
        Assert.Equal(q.ToArray(), q2);
        Assert.True(Math.Abs(norm - q.L2Norm()) <= Tol.At(gn), $"{what}: returned ‖q‖ = {norm}, actual {q.L2Norm()} (tolerance {Tol})");
        AssertMoreau(what, RowMajor(a), a.RowCount, a.ColumnCount, signs, g.ToArray(), q2, p);
    }

    /// <summary>
    /// Gaussian rows with duplicates, positive multiples, zero rows, sums of earlier rows and rows within 10^[−15, −6]
    /// of an earlier row or its opposite (with <paramref name="nearlyDependent"/>) mixed in; with <paramref name="scaled"/>,
    /// each row scaled by 10^[−6, 6].
    /// </summary>
    private static Matrix<double> DegenerateRows(Random rng, int n, int d, bool scaled, bool nearlyDependent = false)
    {
        var a = TestProblems.Gaussian(rng, n, d);
        for (int j = 1; j < n; j++)
        {
            switch (rng.Next(7))
            {
                case 0: a.SetRow(j, a.Row(rng.Next(j))); break;
                case 1: a.SetRow(j, a.Row(rng.Next(j)) * Math.Pow(10, rng.Next(-3, 4))); break;
                case 2: a.SetRow(j, Vector<double>.Build.Dense(d)); break;
                case 3: a.SetRow(j, a.Row(rng.Next(j)) + a.Row(rng.Next(j))); break;
                // Nearly opposite and nearly equal rows: thin wedges and near-dependent columns, where the NNLS
                // rejects entering rows whose least-squares coefficient is lost in rounding.
                case 4 when nearlyDependent: a.SetRow(j, -a.Row(rng.Next(j)) + Math.Pow(10, -rng.Next(6, 16)) * TestProblems.Gaussian(rng, d)); break;
                case 5 when nearlyDependent: a.SetRow(j, a.Row(rng.Next(j)) + Math.Pow(10, -rng.Next(6, 16)) * TestProblems.Gaussian(rng, d)); break;
            }
        }
        if (scaled)
            for (int j = 0; j < n; j++) a.SetRow(j, a.Row(j) * Math.Pow(10, rng.Next(-6, 7)));
        return a;
    }

    [Theory]
    [InlineData(101, 2, false)]
    [InlineData(102, 3, false)]
    [InlineData(103, 4, false)]
    [InlineData(104, 2, true)]
    [InlineData(105, 3, true)]
    [InlineData(106, 4, true)]
    public void DegenerateConesMatchTheBruteForceOverFaces(int seed, int d, bool scaled)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 150; trial++)
        {
            int n = 1 + rng.Next(10);
            var a = DegenerateRows(rng, n, d, scaled);
            var g = TestProblems.Gaussian(rng, d) * Math.Pow(10, rng.Next(-8, 9));
            AssertProjection($"seed {seed}, trial {trial}", a, g);
        }
    }

    [Theory]
    [InlineData(111, 2)]
    [InlineData(112, 3)]
    [InlineData(113, 4)]
    public void NearlyDependentRowsSatisfyMoreau(int seed, int d)
    {
        // Thin wedges and near-duplicates: the projection is ill-conditioned (rounding in the least squares is amplified
        // by up to 1/10^-15), so only what the certificates rely on is asserted: q = g + Σ μ_j s_j x_j with μ ≥ 0,
        // ‖q‖ ≤ ‖g‖, and ‖q‖ ≥ g·u for sampled unit u ∈ C.
        var rng = new Random(seed);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = 2 + rng.Next(9);
            var x = DegenerateRows(rng, n, d, scaled: trial % 2 == 1, nearlyDependent: true).ToRowMajorArray();
            var signs = Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? -1.0 : 1.0).ToArray();
            var g = (TestProblems.Gaussian(rng, d) * Math.Pow(10, rng.Next(-6, 7))).ToArray();
            var p = new ConeProjector(x, n, d);
            var q = new double[d];
            double norm = p.Project(signs, g, q);
            Assert.Equal(Norm(q), norm);
            AssertRepresentation($"seed {seed}, trial {trial}", x, n, d, signs, g, q, p, checkOptimality: false);
            double gn = Norm(g);
            Assert.True(norm <= gn + Tol.At(gn), $"seed {seed}, trial {trial}: ‖q‖ = {norm} > ‖g‖ = {gn} (tolerance {Tol})");
            AssertBoundsTheSupportFunction($"seed {seed}, trial {trial}", x, n, d, signs, g, norm, rng);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ConesThatAreARayOrTheOriginProjectOnIt(int d)
    {
        var rng = new Random(200 + d);
        for (int trial = 0; trial < 60; trial++)
        {
            // Rows v_1 … v_d and −(v_1 + … + v_d) (with extra random rows): only 0 satisfies all, so Π = 0.
            var v = TestProblems.Gaussian(rng, d, d);
            var rows = Enumerable.Range(0, d).Select(v.Row).Append(-v.ColumnSums()).ToList();
            for (int extra = rng.Next(4); extra > 0; extra--) rows.Add(TestProblems.Gaussian(rng, d));
            Shuffle(rng, rows);
            var origin = Matrix<double>.Build.DenseOfRowVectors(rows);
            var g = TestProblems.Gaussian(rng, d) * Math.Pow(10, rng.Next(-4, 5));
            AssertProjection($"origin cone, trial {trial}", origin, g);
            Assert.True(ConeProjection.Project(origin, g).L2Norm() <= Tol.At(g.L2Norm()), $"trial {trial}: the cone is {{0}} (tolerance {Tol})");

            // The ray {t e : t ≥ 0}: ±w_i for a basis w_i of e⊥, and e itself (or a positive multiple).
            var e = TestProblems.Gaussian(rng, d);
            var basis = Matrix<double>.Build.DenseOfColumnVectors(e).Svd(true).U.SubMatrix(0, d, 1, d - 1);
            var rayRows = new List<Vector<double>> { e * (0.5 + rng.NextDouble()) };
            for (int i = 0; i < d - 1; i++) { rayRows.Add(basis.Column(i)); rayRows.Add(-basis.Column(i) * 3); }
            Shuffle(rng, rayRows);
            var ray = Matrix<double>.Build.DenseOfRowVectors(rayRows);
            AssertProjection($"ray cone, trial {trial}", ray, g);
            var expected = Math.Max(0, g.DotProduct(e) / e.DotProduct(e)) * e;
            double err = (ConeProjection.Project(ray, g) - expected).L2Norm();
            Assert.True(err <= Tol.At(g.L2Norm()), $"ray cone, trial {trial}: ‖Π − max(0, g·e/‖e‖²) e‖ = {err} (tolerance {Tol})");
        }
    }

    /// <summary>g·u ≤ ‖q‖ for random unit directions u of C = {u : s_j x_j·u ≥ 0} (sampled, plus the normalised q).</summary>
    private static void AssertBoundsTheSupportFunction(string what, double[] x, int n, int d, double[] signs, double[] g, double norm, Random rng)
    {
        for (int k = 0; k < 300; k++)
        {
            var u = TestProblems.Gaussian(rng, d).ToArray();
            double un = Norm(u);
            bool inside = true;
            for (int j = 0; j < n && inside; j++)
            {
                double a = 0;
                for (int i = 0; i < d; i++) a += signs[j] * x[j * d + i] * u[i];
                inside = a >= 0;
            }
            if (!inside) continue;
            double gu = 0;
            for (int i = 0; i < d; i++) gu += g[i] * u[i] / un;
            Assert.True(gu <= norm + Tol.At(Norm(g)), $"{what}: g·u = {gu} > ‖q‖ = {norm} for a unit u ∈ C (tolerance {Tol})");
        }
    }

    private static void Shuffle<T>(Random rng, List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    [Fact]
    public void PointsInsideTheConeAreReturnedUnchangedAndPointsOfThePolarConeGiveZero()
    {
        var rng = new Random(300);
        for (int trial = 0; trial < 100; trial++)
        {
            int d = 2 + rng.Next(3), n = 1 + rng.Next(10);
            var u = TestProblems.Gaussian(rng, d);
            var a = TestProblems.Gaussian(rng, n, d);
            for (int j = 0; j < n; j++) if (a.Row(j).DotProduct(u) < 0) a.SetRow(j, -a.Row(j));
            var g = u * Math.Pow(10, rng.Next(-8, 9));
            Assert.Equal(g.ToArray(), ConeProjection.Project(a, g).ToArray());

            // g = −Aᵀμ with μ ≥ 0 lies in the polar cone: (g·v ≤ 0 for every v ∈ C), so Π_C(g) = 0.
            var mu = Vector<double>.Build.Dense(n, _ => rng.NextDouble());
            var polar = -(a.TransposeThisAndMultiply(mu)) * Math.Pow(10, rng.Next(-8, 9));
            var q = ConeProjection.Project(a, polar);
            Assert.True(q.L2Norm() <= Tol.At(polar.L2Norm()), $"trial {trial}: ‖Π(polar point)‖ = {q.L2Norm()} at ‖g‖ = {polar.L2Norm()} (tolerance {Tol})");
        }
        var zero = ConeProjection.Project(TestProblems.Gaussian(rng, 4, 3), Vector<double>.Build.Dense(3));
        Assert.Equal([0.0, 0.0, 0.0], zero.ToArray());
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(1e-6)]
    [InlineData(1e6)]
    [InlineData(1e12)]
    public void TheAnswerScalesWithGAndIsInvariantToRowScales(double scale)
    {
        // Π_C(t g) = t Π_C(g) for t > 0, and scaling a row never changes C.
        var rng = new Random(400);
        for (int trial = 0; trial < 100; trial++)
        {
            int d = 2 + rng.Next(3), n = 1 + rng.Next(8);
            var a = TestProblems.Gaussian(rng, n, d);
            var g = TestProblems.Gaussian(rng, d);
            var reference = ConeProjection.Project(a, g);
            var scaledRows = Matrix<double>.Build.Dense(n, d, (j, k) => a[j, k] * (j % 2 == 0 ? scale : 1 / scale));
            var fromScaledG = ConeProjection.Project(a, g * scale) / scale;
            var fromScaledRows = ConeProjection.Project(scaledRows, g);
            Assert.True((fromScaledG - reference).L2Norm() <= Tol.At(g.L2Norm()), $"trial {trial}: ‖Π(tg)/t − Π(g)‖ = {(fromScaledG - reference).L2Norm()} at t = {scale} (tolerance {Tol})");
            Assert.True((fromScaledRows - reference).L2Norm() <= Tol.At(g.L2Norm()), $"trial {trial}: rows scaled by {scale}: ‖Δ‖ = {(fromScaledRows - reference).L2Norm()} (tolerance {Tol})");
        }
    }

    [Fact]
    public void TinyRowsAreNotMistakenForDependentColumns()
    {
        // C = {u_0 ≥ 0, u_1 ≥ 0} given by rows of norm 1e-13 and 1e6: Π(−1, −1) = 0, Π(−1, 2) = (0, 2).
        foreach (var (small, large) in new[] { (1e-13, 1e6), (1e6, 1e-13), (1e-7, 1e-7), (1e-7, 1e7) })
        {
            var a = Matrix<double>.Build.DenseOfArray(new[,] { { small, 0 }, { 0, large } });
            AssertProjection($"rows {small}, {large}", a, Vector<double>.Build.DenseOfArray([-1.0, -1.0]));
            AssertProjection($"rows {small}, {large}", a, Vector<double>.Build.DenseOfArray([-1.0, 2.0]));
            var rotated = a * Matrix<double>.Build.DenseOfArray(new[,] { { 0.6, 0.8 }, { -0.8, 0.6 } });
            AssertProjection($"rotated rows {small}, {large}", rotated, Vector<double>.Build.DenseOfArray([-1.0, -1.0]));
        }
    }

    [Fact]
    public void PatternConesMatchTheBruteForceOnTheSignedRows()
    {
        var rng = new Random(500);
        for (int trial = 0; trial < 100; trial++)
        {
            int d = 2 + rng.Next(3), n = 1 + rng.Next(9);
            var x = DegenerateRows(rng, n, d, scaled: trial % 2 == 1);
            var s = ActivationPattern.FromBools(Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1).ToArray());
            var g = TestProblems.Gaussian(rng, d);
            var q = ConeProjection.Project(x, s, g);
            var signed = Cones.ConstraintMatrix(x, s);
            var oracle = ConeProjectionOracle.BruteForce(signed, g);
            Assert.True((q - oracle).L2Norm() <= Tol.At(g.L2Norm()), $"trial {trial}, pattern {s}: ‖Π − brute‖ = {(q - oracle).L2Norm()} (tolerance {Tol})");
        }
    }

    [Theory]
    [InlineData(600, 2, 10)]
    [InlineData(601, 3, 10)]
    [InlineData(602, 4, 10)]
    [InlineData(603, 3, 40)]
    public void OneWorkspaceServesManySignPatterns(int seed, int d, int n)
    {
        // One projector for every call, as the pricing does per thread: nothing of a call may leak into the next
        // (passive set, multipliers, rejected rows). Each answer must equal a fresh projector's, bit for bit.
        var rng = new Random(seed);
        var x = DegenerateRows(rng, n, d, scaled: false, nearlyDependent: true).ToRowMajorArray();
        var shared = new ConeProjector(x, n, d);
        for (int call = 0; call < 300; call++)
        {
            var signs = Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1 ? 1.0 : -1.0).ToArray();
            var g = TestProblems.Gaussian(rng, d).ToArray();
            if (call % 7 == 0) Array.Clear(g);
            var q = new double[d];
            double norm = shared.Project(signs, g, q);
            var fresh = new ConeProjector(x, n, d);
            var expected = new double[d];
            double expectedNorm = fresh.Project(signs, g, expected);
            Assert.Equal(expected, q);
            Assert.Equal(expectedNorm, norm);
            Assert.Equal(fresh.Multipliers(), shared.Multipliers());
            Assert.Equal(fresh.PassiveRows(), shared.PassiveRows());
            // Nearly dependent rows make optimality ill-conditioned; the multipliers must still represent q.
            AssertRepresentation($"seed {seed}, call {call}", x, n, d, signs, g, q, shared, checkOptimality: false);
        }
    }

    [Theory]
    [InlineData(700, 12, 30)]
    [InlineData(701, 20, 45)]
    [InlineData(702, 30, 70)]
    public void ManyRowsInHigherDimensionSatisfyMoreau(int seed, int d, int n)
    {
        // Large passive sets with many drops: the outer and inner iteration bounds must never cut the NNLS short.
        var rng = new Random(seed);
        var x = TestProblems.Gaussian(rng, n, d).ToRowMajorArray();
        var p = new ConeProjector(x, n, d);
        for (int call = 0; call < 20; call++)
        {
            var signs = Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1 ? 1.0 : -1.0).ToArray();
            var g = TestProblems.Gaussian(rng, d).ToArray();
            var q = new double[d];
            p.Project(signs, g, q);
            AssertMoreau($"seed {seed}, call {call}", x, n, d, signs, g, q, p);
        }
    }

    [Fact]
    public void AWorkspaceWithoutRowsReturnsG()
    {
        var p = new ConeProjector([], 0, 3);
        var q = new double[3];
        Assert.Equal(Math.Sqrt(14), p.Project([], [1.0, -2.0, 3.0], q), 15);
        Assert.Equal([1.0, -2.0, 3.0], q);
        Assert.Empty(p.PassiveRows());
    }

    [Fact]
    public void SparseInputsGiveTheDenseAnswer()
    {
        // A sparse g has no dense array to lend (AsArray() is null): its entries must still be used.
        var rng = new Random(800);
        int nonzero = 0;
        for (int trial = 0; trial < 50; trial++)
        {
            int d = 2 + rng.Next(3), n = 1 + rng.Next(8);
            var a = TestProblems.Gaussian(rng, n, d);
            var g = TestProblems.Gaussian(rng, d);
            var dense = ConeProjection.Project(a, g);
            var sparse = ConeProjection.Project(Matrix<double>.Build.SparseOfMatrix(a), Vector<double>.Build.SparseOfVector(g));
            Assert.Equal(dense.ToArray(), sparse.ToArray());
            if (dense.L2Norm() > 0) nonzero++;
        }
        Assert.True(nonzero >= 10, $"only {nonzero} of 50 projections are nonzero");
    }

    [Fact]
    public void MissingArgumentsAreNamed()
    {
        var a = Matrix<double>.Build.DenseIdentity(2);
        var g = Vector<double>.Build.Dense(2, 1.0);
        Assert.Equal("a", Assert.Throws<ArgumentNullException>(() => ConeProjection.Project(null!, g)).ParamName);
        Assert.Equal("g", Assert.Throws<ArgumentNullException>(() => ConeProjection.Project(a, null!)).ParamName);
    }
}
