using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Networks.NetworkAsserts;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>
/// The box-constrained least squares min_{c ∈ [0,1]^k} ‖a + B c‖ behind the Clarke measure (THEORY.md §7),
/// checked against an independent brute force over the faces of the box, and the parts of the report and of
/// the §8 paths whose contract is sharper than the existing tests pin down.
/// </summary>
public class StationarityMutationTests
{
    /// <summary>
    /// min over c ∈ [0,1]^k of ‖a + B c‖ by enumerating the 3^k faces (each c_j fixed at 0, at 1, or free): on a
    /// face the free coefficients solve an unconstrained least squares; a face counts when that solution lies in the
    /// box. Some optimal c is a vertex of {c ∈ box : B c = B c*}, whose free columns are independent, so the face with
    /// exactly those free coordinates has a unique, feasible least-squares solution: the enumeration finds the minimum.
    /// </summary>
    private static double BruteForceMinimum(Vector<double> a, Matrix<double> b)
    {
        int k = b.ColumnCount;
        double best = double.PositiveInfinity;
        int faces = (int)Math.Pow(3, k);
        for (int code = 0; code < faces; code++)
        {
            var free = new List<int>();
            var r = a.Clone();
            for (int j = 0, t = code; j < k; j++, t /= 3)
            {
                if (t % 3 == 2) free.Add(j);
                else if (t % 3 == 1) r += b.Column(j);
            }
            if (free.Count == 0) { best = Math.Min(best, r.L2Norm()); continue; }
            var bf = Matrix<double>.Build.Dense(a.Count, free.Count, (i, j) => b[i, free[j]]);
            var cf = MinimumNormLeastSquares(bf, -r);
            if (cf.Any(v => v < -1e-12 || v > 1 + 1e-12)) continue;
            best = Math.Min(best, (r + bf * cf.Map(v => Math.Clamp(v, 0, 1))).L2Norm());
        }
        return best;
    }

    private static Vector<double> MinimumNormLeastSquares(Matrix<double> m, Vector<double> rhs)
    {
        var svd = m.Svd(true);
        double largest = svd.S.Maximum();
        var utb = svd.U.TransposeThisAndMultiply(rhs);
        var w = Vector<double>.Build.Dense(m.ColumnCount);
        for (int i = 0; i < svd.S.Count; i++)
            if (svd.S[i] > 1e-10 * largest) w[i] = utb[i] / svd.S[i];
        return svd.VT.TransposeThisAndMultiply(w);
    }

    /// <summary>‖a‖ + Σ_j ‖b_j‖: the largest norm a point of the zonotope a + B[0,1]^k can have.</summary>
    private static double ZonotopeScale(Vector<double> a, Matrix<double> b) => a.L2Norm() + b.ColumnNorms(2).Sum();

    /// <summary>Random instances: generic, with a zero column, with a dependent column (b_2 = b_0 + b_1), with
    /// parallel columns, and with small integer entries (ties in the sign test).</summary>
    private static IEnumerable<(string Name, Vector<double> A, Matrix<double> B)> Zonotopes(int seed, int count)
    {
        var rng = new Random(seed);
        for (int rep = 0; rep < count; rep++)
        {
            int d = 1 + rng.Next(4), k = 1 + rng.Next(6), family = rep % 5;
            var a = TestPatterns.Gaussian(rng, d);
            var b = TestPatterns.GaussianMatrix(rng, d, k);
            if (family == 1) b.SetColumn(0, Vector<double>.Build.Dense(d));
            if (family == 2 && k >= 3) b.SetColumn(2, b.Column(0) + b.Column(1));
            if (family == 3 && k >= 2) b.SetColumn(1, b.Column(0) * 2.5);
            if (family == 4) { a = a.Map(v => Math.Round(2 * v)); b = b.Map(v => Math.Round(2 * v)); }
            yield return ($"seed {seed} instance {rep} (family {family}, d = {d}, k = {k})", a, b);
        }
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(1.0)]
    [InlineData(1e7)]
    public void Box_least_squares_matches_the_face_enumeration_at_every_scale(double s)
    {
        // min ‖s a + s B c‖ = s·min ‖a + B c‖: the solver's stopping rule and rank cut-off must be relative, so the
        // same instances are solved to the same relative accuracy at any scale.
        var tol = Tolerances.Objective;
        foreach (var (name, a0, b0) in Zonotopes(11, 40))
        {
            var a = a0 * s;
            var b = b0 * s;
            double scale = ZonotopeScale(a, b);
            double exact = BruteForceMinimum(a, b);
            var (norm, lower, c) = BoxLeastSquares.MinNorm(a, b);
            Assert.True(c.All(v => v >= 0 && v <= 1 + 1e-15), $"{name} at scale {s}: c = {c} leaves [0, 1]^k");
            Assert.True(Math.Abs((a + b * c).L2Norm() - norm) <= tol.Relative * scale,
                $"{name} at scale {s}: reported norm {norm:R} is not ‖a + Bc‖ = {(a + b * c).L2Norm():R} (tolerance {tol} relative to {scale:G3})");
            Assert.True(Math.Abs(norm - exact) <= tol.Relative * scale,
                $"{name} at scale {s}: norm {norm:R}, face enumeration {exact:R} (tolerance {tol} relative to {scale:G3})");
            Assert.True(lower >= 0 && lower <= norm, $"{name} at scale {s}: lower bound {lower:R} outside [0, {norm:R}]");
            Assert.True(lower <= exact + 1e-15 * scale, $"{name} at scale {s}: lower bound {lower:R} above the minimum {exact:R}");
        }
    }

    [Fact]
    public void When_the_origin_is_interior_to_the_zonotope_the_minimum_and_its_lower_bound_are_zero()
    {
        // k > d generic columns span R^d, so B[0,1]^k is full-dimensional and a = −B c0 with c0 inside the box puts
        // the origin in its interior with a margin far above rounding: the exact minimum of the stored instance is 0,
        // and a certified lower bound of it can only be 0.
        var rng = new Random(3);
        for (int rep = 0; rep < 12; rep++)
        {
            int d = 1 + rng.Next(3), k = d + 1 + rng.Next(3);
            var b = TestPatterns.GaussianMatrix(rng, d, k);
            var c0 = Vector<double>.Build.Dense(k, _ => 0.3 + 0.4 * rng.NextDouble());
            var a = -(b * c0);
            var (norm, lower, _) = BoxLeastSquares.MinNorm(a, b);
            Assert.True(lower == 0, $"instance {rep} (d = {d}, k = {k}): lower bound {lower:R} above the exact minimum 0");
            Assert.True(norm <= 1e-12 * ZonotopeScale(a, b), $"instance {rep} (d = {d}, k = {k}): norm {norm:R}, exact minimum 0");
        }
    }

    [Fact]
    public void With_a_zero_the_choice_c_zero_gives_exactly_zero()
    {
        // a = 0 (e.g. u = 0 and no active row): c = 0 is feasible with ‖a + B·0‖ = 0, so the measure must be exactly 0
        // (θ = 0 is Clarke-stationary at threshold 0, THEORY.md §7) whatever B is, also with k ≫ d.
        var rng = new Random(8);
        for (int rep = 0; rep < 20; rep++)
        {
            int d = 1 + rng.Next(2), k = 4 + rng.Next(5);
            var b = TestPatterns.GaussianMatrix(rng, d, k);
            var (norm, lower, c) = BoxLeastSquares.MinNorm(Vector<double>.Build.Dense(d), b);
            Assert.True(norm == 0 && lower == 0, $"instance {rep} (d = {d}, k = {k}): norm {norm:R}, lower {lower:R}, c = {c}; expected exactly 0");
        }
    }

    [Fact]
    public void Relative_measure_divides_by_the_scale_and_by_the_smallest_double_below_it()
    {
        static StationarityReport Report(double measure, double scale) => new(measure, measure, scale, Tolerances.Stationarity,
            [], 0, Matrix<double>.Build.Dense(0, 2), Vector<double>.Build.Dense(0));
        // Exact comparisons: both quotients are correctly rounded divisions, and Tolerance.Agree accepts an infinite value.
        Assert.Equal(0.25, Report(0.5, 2).RelativeMeasure);
        // Scale 0 (θ = 0) is replaced by double.Epsilon, the smallest positive double: the ratio stays finite.
        double ratio = Report(1e-300, 0).RelativeMeasure;
        Assert.True(double.IsFinite(ratio), $"relative measure {ratio} at scale 0");
        Assert.Equal(1e-300 / double.Epsilon, ratio);
    }

    /// <summary>Four rows in the plane; directions near (1, 0.3) see the sign pattern (+, +, +, −) with a margin.</summary>
    private static (Dataset Data, PatternSet Patterns) FourRows()
    {
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { -1, 2 } }, [1, -0.5, 2, 0.3]);
        return (data, TestPatterns.Exact(data.X));
    }

    /// <summary>The balanced neuron (u, ‖u‖).</summary>
    private static (Vector<double>, double) Balanced(Vector<double> u) => (u, u.L2Norm());

    [Fact]
    public void The_strictly_decreasing_path_leaves_positively_colinear_neurons_unmerged()
    {
        // Two balanced, positively colinear neurons in one slot: θ is nearly minimal already (THEORY.md §8 merges only
        // non-colinear pairs; merging these would give a constant-loss segment, not a strict decrease).
        var (data, patterns) = FourRows();
        var w = V(1, 0.3);
        var net = Network.FromNeurons([Balanced(w), Balanced(w * 2)], 2);
        Assert.True(Paths.AreColinear(w, w * 2));
        var path = Paths.ToNearlyMinimal(net, data, new SquaredLoss(), 0.1, patterns, 4);
        Assert.Equal(0, path.Points.Count(q => q.Stage == Paths.MergeNonColinear));
        Assert.Equal(2, path.End.Neurons().Count(n => n.Alpha != 0));
    }

    [Fact]
    public void The_constant_loss_path_merges_only_colinear_neurons_and_labels_its_segments_so()
    {
        // In one slot: w and 3w (colinear) and a small turn of w (not colinear). MergeToMinimal must merge 3w into w
        // at constant L_β and leave the turned neuron alone (merging it would lower L_β, THEORY.md §8).
        var (data, patterns) = FourRows();
        var w = V(1, 0.3);
        var turned = V(1, 0.35);
        Assert.False(Paths.AreColinear(w, turned));
        Assert.Equal(ActivationPattern.OfDirection(data.X, w), ActivationPattern.OfDirection(data.X, turned));
        var net = Network.FromNeurons([Balanced(w), Balanced(turned), Balanced(w * 3)], 2);
        var path = Paths.MergeToMinimal(net, data, new SquaredLoss(), 0.1, patterns, 4);
        Assert.True(path.Segments == 1, $"{path.Segments} merge segments, expected 1 (w and 3w)");
        Assert.All(path.Points.Skip(1), q => Assert.Equal(Paths.MergeColinear, q.Stage));
        Assert.True(path.MaxDeviationFromStart <= Tolerances.Objective.At(path.StartLoss),
            $"loss moved by {path.MaxDeviationFromStart} along the colinear merge (tolerance {Tolerances.Objective})");
        Assert.Equal(2, path.End.Neurons().Count(n => n.Alpha != 0));
    }
}
