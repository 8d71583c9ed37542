using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The optimal set of THEORY.md §6 checked against values found independently of <see cref="OptimalSet"/>: hand-computed
/// one-dimensional instances, the residual formula, scale invariance of the rank, a brute-force search for m*, and
/// the documented boundaries of the certificate and of the active threshold.
/// </summary>
public class OptimalSetMutationTests
{
    private static ConvexProblem Reference(string name, double xScale = 1, double yScale = 1)
    {
        var r = ReferenceInstance.Load(name);
        var data = Dataset.Create(
            Enumerable.Range(0, r.Data.N).Select(j => r.Data.X.Row(j).Select(v => v * xScale).ToArray()).ToArray(),
            r.Data.Y.Select(v => v * yScale).ToArray());
        // (cX, y, cβ) has the optimum W*/c; (X, cy, cβ) has the optimum cW* (squared loss): both have the same active blocks.
        return new ConvexProblem(data, r.Loss, r.Beta * xScale * yScale, r.Patterns());
    }

    /// <summary>One row x = 1, target y, squared loss: z = w ≥ 0 on block (1, +), v = y − w, ‖π‖ = v (hand computation).</summary>
    private static ConvexProblem OneRow(double y, double beta)
    {
        var data = Dataset.Create([[1.0]], [y]);
        return new ConvexProblem(data, new SquaredLoss(1), beta, CellEnumerator.Enumerate(data.X));
    }

    private static ConvexPoint OneRowPoint(double w) =>
        new([new BlockValue(new Block(ActivationPattern.Parse("1"), 1), Vector<double>.Build.Dense([w]))], 1);

    private static void AssertReproducesZ(OptimalSet set, Vector<double> t, string what)
    {
        Assert.True(t.Minimum() >= 0, $"{what}: negative entry {t.Minimum():R}");
        double dev = (set.A * t - set.Z).AbsoluteMaximum();
        double tol = Tolerances.Prediction.At(set.Z.AbsoluteMaximum());
        Assert.True(dev <= tol, $"{what}: A t misses z* by {dev:E3} > {tol:E3} (Tolerances.Prediction {Tolerances.Prediction})");
    }

    /// <summary>
    /// The documented residual ‖A·Point − z*‖ / max(1, ‖z*‖) on ref05 with y and β scaled by 1000 (z* = 1000 z*_ref, so
    /// ‖z*‖ ≈ 2154 and the divisor is ‖z*‖, not 1); the relative residual stays at rounding level.
    /// </summary>
    [Fact]
    public void Residual_is_the_relative_distance_of_A_times_the_point_from_z_star()
    {
        var problem = Reference("ref05_n8_d3_gauss_f0.1", yScale: 1e3);
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        double norm = set.Z.L2Norm();
        Assert.True(norm > 1, $"‖z*‖ = {norm:R}: the instance is meant to have ‖z*‖ > 1");
        double expected = (set.A * set.Point - set.Z).L2Norm() / Math.Max(1, norm);
        Assert.True(Math.Abs(set.Residual - expected) <= 1e-12 * expected,
            $"Residual {set.Residual:R}, ‖A t − z*‖ / max(1, ‖z*‖) = {expected:R}");
        Assert.True(set.Residual <= Tolerances.Prediction.At(1), $"relative residual {set.Residual:E3} (Tolerances.Prediction {Tolerances.Prediction})");
    }

    /// <summary>THEORY.md §4: W passes a certificate at tolerance g when its certified gap is ≤ g; one ulp less refuses it.</summary>
    [Fact]
    public void A_point_is_accepted_at_exactly_its_certified_gap_and_refused_just_below()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = ConvexSolver.Solve(problem).W;
        double gap = problem.Certify(w).RelativeGap;
        var set = OptimalSet.FromSolution(problem, w, gap);
        Assert.NotEmpty(set.Active);
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, Math.BitDecrement(gap)));
        Assert.Contains("exceeds", e.Message);
    }

    /// <summary>
    /// One row x = 1, y = 1, β = 1e-6 (hand computation: w* = 1 − β, v* = β). W = (1 + 5e-11) w* prices its block at
    /// v = β − 5e-11 (1 − β) ≈ β(1 − 5e-5): more than the widest relative margin 1e-5 below β. The pricing tolerance is
    /// relative to β (THEORY.md §4.1: an absolute part would make the active set depend on the units of β), so the block
    /// is not active, and the point — 5e-11 off the optimum — is refused as inaccurate rather than described.
    /// </summary>
    [Fact]
    public void At_a_tiny_beta_a_block_priced_beyond_the_relative_margins_is_not_active()
    {
        double beta = 1e-6;
        var problem = OneRow(1, beta);
        var w = OneRowPoint((1 + 5e-11) * (1 - beta));
        double price = 1 - w.Blocks[0].W[0];
        Assert.True(price < beta * (1 - OptimalSet.WidenedActiveMargins[^1]) && price < beta - Tolerances.Pricing.At(beta),
            $"price {price:R} is meant to lie below β(1 − {OptimalSet.WidenedActiveMargins[^1]}) and β − Tolerances.Pricing");
        Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-6));
        // The same instance in units where β = 1: the relative margins decide alike.
        var scaled = OneRow(1e6, 1);
        Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(scaled, OneRowPoint((1 + 5e-11) * (1e6 - 1)), 1e-6));
    }

    /// <summary>
    /// One row x = 1, β = 1, T = β(1 − 1e-5) (the widest margin), y = 2T, W = T: every step is exact in floating point,
    /// so v = y − w = T and ‖π‖ = T exactly. The active rule is ‖π_b‖ ≥ β(1 − m): the block is active at the widest margin.
    /// </summary>
    [Fact]
    public void A_block_priced_exactly_at_the_widest_margin_is_active()
    {
        double beta = 1, t = beta * (1 - OptimalSet.WidenedActiveMargins[^1]);
        var problem = OneRow(2 * t, beta);
        var w = OneRowPoint(t);
        var v = -problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y);
        Assert.Equal(t, ExactPricing.Price(problem.Data.X, problem.Patterns, v).Rho);
        var set = OptimalSet.FromSolution(problem, w, 1e-6);
        var active = Assert.Single(set.Active);
        Assert.Equal(t, active.Price);
        Assert.Equal(t, set.Point[0]);
    }

    /// <summary>
    /// ref00 enlarged by 1 + 1e-5 is refused; the message reports ρ(v) at W's dual vector, the largest block value
    /// (THEORY.md §4), computed here by <see cref="Pricing.Price"/> over all blocks.
    /// </summary>
    [Fact]
    public void A_refusal_reports_the_pricing_value_of_the_dual_vector()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = TestProblems.Scaled(ConvexSolver.Solve(problem).W, 1 + 1e-5);
        var v = -problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y);
        double rho = ExactPricing.Price(problem.Data.X, problem.Patterns, v).Rho;
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
        Assert.Contains($"ρ(v) = {rho:R}", e.Message);
    }

    /// <summary>
    /// ref02 (β = 0.1 β_max, exact cells; W uses six blocks, one of them block 0 of the pricing order) enlarged by 1 + 1e-6: directions are
    /// read off W's own blocks. Every direction is a unit vector, so ‖w_b‖ = t_b at every point, and W itself, whose
    /// norms are t_W, is a point of the set read off it.
    /// </summary>
    [Fact]
    public void Directions_read_off_W_are_unit_and_W_lies_in_its_own_optimal_set()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var problem = r.ExactProblem();
        var w = TestProblems.Scaled(ConvexSolver.Solve(problem).W, 1 + 1e-6);
        var set = OptimalSet.FromSolution(problem, w, 1e-2);
        foreach (var a in set.Active)
            Assert.True(Math.Abs(a.Direction.L2Norm() - 1) <= 1e-12, $"direction of {a.Block} has norm {a.Direction.L2Norm():R}");
        var tW = Vector<double>.Build.Dense(set.Active.Count, b => w.NonZeroBlocks.Where(x => x.Block == set.Active[b].Block).Sum(x => x.W.L2Norm()));
        Assert.Equal(w.NonZeroBlocks.Count(), tW.Count(x => x > 0));
        AssertReproducesZ(set, tW, "W's own norms");
        foreach (var (what, t) in new[] { ("point", set.Point), ("pruned", set.Prune(set.Point)), ("sample", set.Sample(new Random(5))) })
        {
            AssertReproducesZ(set, t, what);
            foreach (var b in set.ToPoint(t).NonZeroBlocks)
            {
                int i = set.Active.Select(a => a.Block).ToList().IndexOf(b.Block);
                Assert.True(Tolerances.Objective.Agree(b.W.L2Norm(), t[i]), $"{what}: ‖w_b‖ = {b.W.L2Norm():R}, t_b = {t[i]:R} for {b.Block}");
            }
        }
    }

    /// <summary>
    /// A sample is a Dirichlet mixture of the stored point and <c>vertices</c> vertices (THEORY.md §6): with no vertex it is
    /// the stored point itself. ref05 (12 active blocks of rank 4) has a polytope of dimension 8, and its random vertices
    /// differ from the stored one, so a sample with vertices differs from it.
    /// </summary>
    [Fact]
    public void A_sample_without_vertices_is_the_stored_point()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var problem = r.Problem();
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        var alone = set.Sample(new Random(2), vertices: 0);
        AssertReproducesZ(set, alone, "sample without vertices");
        Assert.Equal(set.Point, alone);
        var mixed = set.Sample(new Random(2), vertices: 1);
        AssertReproducesZ(set, mixed, "sample with one vertex");
        Assert.True((mixed - set.Point).L2Norm() > 1e-6 * set.Point.L2Norm(), "a sample with a vertex equals the stored point");
    }

    /// <summary>
    /// Rows (3, 0), (−2, −2), (1, 2), (3, 2), (1, −3), y = (3, 1, 1, −1, 3), β = 0.3 β_max: two active blocks with parallel
    /// columns, so the polytope is the segment between E_0 = (z*·A_0/‖A_0‖², 0) and E_1 = (0, z*·A_1/‖A_1‖²) (closed form).
    /// A sample with one vertex is λ·Point + (1 − λ)·V with Dirichlet(1) weights, so when V is the other end λ ~ U(0, 1)
    /// (THEORY.md §6 sampling as documented). Kolmogorov–Smirnov over the samples that left Point, at level 1e-6.
    /// </summary>
    [Fact]
    public void Samples_of_a_segment_mix_its_ends_with_uniform_weights()
    {
        var data = Dataset.Create([[3, 0], [-2, -2], [1, 2], [3, 2], [1, -3]], [3, 1, 1, -1, 3]);
        var loss = new SquaredLoss(1);
        var patterns = CellEnumerator.Enumerate(data.X);
        double betaMax = ExactPricing.Price(data.X, patterns, -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;
        var problem = new ConvexProblem(data, loss, 0.3 * betaMax, patterns);
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        Assert.Equal(2, set.Active.Count);
        Assert.Equal(1, set.Rank);
        var (a0, a1) = (set.A.Column(0), set.A.Column(1));
        Assert.True(1 - Math.Abs(a0.DotProduct(a1)) / (a0.L2Norm() * a1.L2Norm()) <= 1e-12, "the two active columns are not parallel");
        var ends = new[]
        {
            Vector<double>.Build.Dense([set.Z.DotProduct(a0) / a0.DotProduct(a0), 0]),
            Vector<double>.Build.Dense([0, set.Z.DotProduct(a1) / a1.DotProduct(a1)]),
        };
        foreach (var e in ends) AssertReproducesZ(set, e, "end of the segment");
        int at = Enumerable.Range(0, 2).Single(i => (set.Point - ends[i]).L2Norm() <= 1e-9 * ends[i].L2Norm());
        var far = ends[1 - at];
        var rng = new Random(31);
        var lambdas = new List<double>();
        for (int i = 0; i < 2000; i++)
        {
            var t = set.Sample(rng, vertices: 1);
            Assert.True(t.Minimum() >= 0, $"sample {i}: negative entry {t.Minimum():R}");
            if ((t - set.Point).L2Norm() <= 1e-9 * set.Point.L2Norm()) continue;
            // t = λ Point + (1 − λ) far: the coordinate along the segment, read off the entry where Point is zero.
            int k = 1 - at;
            lambdas.Add(1 - t[k] / far[k]);
        }
        Assert.True(lambdas.Count >= 500, $"only {lambdas.Count} of 2000 samples left the stored point");
        lambdas.Sort();
        int n = lambdas.Count;
        double ks = Enumerable.Range(0, n).Max(i => Math.Max((i + 1.0) / n - lambdas[i], lambdas[i] - (double)i / n));
        double critical = Math.Sqrt(Math.Log(2 / 1e-6) / (2 * n));
        Assert.True(ks <= critical, $"Kolmogorov–Smirnov distance of λ from U(0, 1): {ks:F4} > {critical:F4} ({n} samples)");
    }

    /// <summary>
    /// Scaling X by c = 1e4 and β by c leaves the optimal predictions and the active blocks unchanged and scales A by c:
    /// rank(A), the pruned support and m* cannot change (ref05: rank 4 of 12 columns, the null singular values rise to
    /// about 1e-12 with the scale, still far below 1e-10 σ_max).
    /// </summary>
    [Fact]
    public void Rank_pruning_and_minimum_support_do_not_depend_on_the_scale_of_X()
    {
        var unit = OptimalSet.FromSolution(Reference("ref05_n8_d3_gauss_f0.1"), ConvexSolver.Solve(Reference("ref05_n8_d3_gauss_f0.1")).W);
        var problem = Reference("ref05_n8_d3_gauss_f0.1", xScale: 1e4);
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        Assert.Equal(unit.Active.Count, set.Active.Count);
        Assert.Equal(4, unit.Rank);
        Assert.Equal(unit.Rank, set.Rank);
        Assert.Equal(unit.Rank, set.A.Svd(false).S.Count(s => s > 1e-6 * set.A.L2Norm()));
        var sample = set.Sample(new Random(9));
        Assert.True(sample.Count(x => x > 0) > set.Rank, $"sample support {sample.Count(x => x > 0)}: nothing to prune");
        var pruned = set.Prune(sample);
        Assert.True(pruned.Count(x => x > 0) <= set.Rank, $"pruned support {pruned.Count(x => x > 0)} above rank {set.Rank}");
        AssertReproducesZ(set, pruned, "pruned sample");
        Assert.Equal(unit.MinimumSupport()?.MStar, set.MinimumSupport()?.MStar);
    }

    /// <summary>
    /// Integer data with a zero row, β = 0.1 β_max: 12 active blocks of rank 5. m* is checked against a brute-force search
    /// by QR least squares over all supports of size below it (none gives a non-negative combination reproducing z*),
    /// and the minimum-support point must lie in the polytope: the first independent support of size 5 in lexicographic
    /// order reproduces z* only with a negative coefficient, which must be rejected, not clipped to zero.
    /// </summary>
    [Fact]
    public void Minimum_support_agrees_with_a_brute_force_search_and_lies_in_the_polytope()
    {
        var data = Dataset.Create([[-1, -2], [2, 0], [0, 0], [3, -2], [-2, 1], [-3, 1]], [-3, -2, 3, 3, -1, 3]);
        var loss = new SquaredLoss(1);
        var patterns = CellEnumerator.Enumerate(data.X);
        double betaMax = ExactPricing.Price(data.X, patterns, -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;
        var problem = new ConvexProblem(data, loss, 0.1 * betaMax, patterns);
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        var min = set.MinimumSupport();
        Assert.NotNull(min);
        var (mStar, t) = min.Value;
        AssertReproducesZ(set, t, "minimum-support point");
        Assert.Equal(mStar, t.Count(x => x > 0));
        Assert.Equal(BruteForceMinimumSupport(set.A, set.Z), mStar);
    }

    /// <summary>Smallest |S| with independent columns A_S and a least-squares solution c ≥ 0 of A_S c = z (QR, not SVD).</summary>
    internal static int BruteForceMinimumSupport(Matrix<double> a, Vector<double> z)
    {
        int k = a.ColumnCount;
        double tol = 1e-8 * Math.Max(1, z.L2Norm());
        for (int size = 1; size <= Math.Min(k, a.RowCount); size++)
            for (long mask = 0; mask < 1L << k; mask++)
            {
                if (System.Numerics.BitOperations.PopCount((ulong)mask) != size) continue;
                var cols = Enumerable.Range(0, k).Where(i => (mask >> i & 1) != 0).ToArray();
                var sub = Matrix<double>.Build.DenseOfColumnVectors(cols.Select(a.Column));
                var qr = sub.QR();
                if (Enumerable.Range(0, size).Any(i => Math.Abs(qr.R[i, i]) <= 1e-9 * sub.L2Norm())) continue;
                var c = qr.Solve(z);
                if (c.Minimum() >= -1e-9 * c.AbsoluteMaximum() && (sub * c - z).L2Norm() <= tol) return size;
            }
        return -1;
    }
}
