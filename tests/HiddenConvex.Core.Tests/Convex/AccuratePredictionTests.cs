using BigInteger = System.Numerics.BigInteger;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Numerics.ExactDyadic;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// <see cref="ConvexPoint.PredictAccurately"/> (THEORY.md §4.1, "Predictions summed accurately") against the exact sum of the
/// same products, computed with integers: every double is m·2^e, so Σ_b γ_b 1[j ∈ s_b] Σ_k x_jk w_bk is an exact dyadic
/// rational. Its bound e_j must hold, and where a row's terms cancel it must be far below the plain sum's.
/// </summary>
public class AccuratePredictionTests
{
    /// <summary>|Σ terms − approximation| ≤ bound, decided exactly (terms given as products of two doubles and a sign).</summary>
    private static bool WithinExactly(IEnumerable<(int Sign, double A, double B)> terms, double approximation, double bound)
    {
        var parts = terms.Select(t =>
        {
            var (ma, ea) = Exact(t.A);
            var (mb, eb) = Exact(t.B);
            return (Mantissa: t.Sign * ma * mb, Exponent: ea + eb);
        }).ToList();
        var (mz, ez) = Exact(approximation);
        var (mBound, eBound) = Exact(bound);
        parts.Add((-mz, ez));
        int lowest = Math.Min(parts.Min(p => p.Exponent), eBound);
        var difference = parts.Aggregate(BigInteger.Zero, (sum, p) => sum + p.Mantissa * BigInteger.Pow(2, p.Exponent - lowest));
        return BigInteger.Abs(difference) <= mBound * BigInteger.Pow(2, eBound - lowest);
    }

    private static IEnumerable<(int Sign, double A, double B)> RowTerms(ConvexPoint w, Matrix<double> x, int j) =>
        w.Blocks.Where(b => b.Pattern[j]).SelectMany(b => Enumerable.Range(0, x.ColumnCount).Select(k => (b.Sign, x[j, k], b.W[k])));

    private static ConvexPoint Point(params (string Pattern, int Sign, double[] W)[] blocks) =>
        new(blocks.Select(b => new BlockValue(new Block(ActivationPattern.Parse(b.Pattern), b.Sign), Vector<double>.Build.DenseOfArray(b.W))), blocks[0].W.Length);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_entry_is_within_its_bound_of_the_exact_sum_also_where_the_terms_cancel(int seed)
    {
        var rng = new Random(seed);
        int n = 6, d = 3;
        // Rows of lengths 1e-4 … 1e6, blocks in opposite pairs that nearly cancel: the exact sums are far below their terms.
        var x = Matrix<double>.Build.Dense(n, d, (j, _) => TestProblems.Normal(rng) * Math.Pow(10, -4 + j * 2 % 11));
        var blocks = new List<(string, int, double[])>();
        // Four distinct nonempty patterns, each with a + and a − block.
        foreach (int bits in Enumerable.Range(1, (1 << n) - 1).OrderBy(_ => rng.Next()).Take(4))
        {
            var wb = Enumerable.Range(0, d).Select(_ => TestProblems.Normal(rng) * 1e5).ToArray();
            string pattern = string.Concat(Enumerable.Range(0, n).Select(j => (bits >> j & 1) == 1 ? '1' : '0'));
            blocks.Add((pattern, 1, wb));
            blocks.Add((pattern, -1, wb.Select(v => v * (1 + 1e-12 * TestProblems.Normal(rng))).ToArray()));
        }
        var w = Point(blocks.ToArray());
        var (z, errors) = w.PredictAccurately(x);
        var plain = w.Predict(x);
        for (int j = 0; j < n; j++)
        {
            Assert.True(WithinExactly(RowTerms(w, x, j), z[j], errors[j]), $"row {j}: ẑ = {z[j]:R}, bound {errors[j]:E3}");
            double magnitude = RowTerms(w, x, j).Sum(t => Math.Abs(t.A * t.B));
            // Far below the plain sum's bound γ_{d+K+1} Σ|x_jk w_bk| (itself below γ_{d+K+1}‖x_j‖Σ_b‖w_b‖).
            if (magnitude > 0)
                Assert.True(errors[j] <= 1e-6 * Rounding.Gamma(d + w.Blocks.Count + 1) * magnitude,
                    $"row {j}: bound {errors[j]:E3} against the plain sum's scale {Rounding.Gamma(d + w.Blocks.Count + 1) * magnitude:E3} (plain ẑ = {plain[j]:R})");
        }
    }

    [Fact]
    public void Terms_the_plain_sum_loses_are_kept()
    {
        // 1e16 + 1 − 1e16: the plain sum in this order returns 0, the exact one is 1.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 } });
        var w = Point(("1", 1, [1e16, 1]), ("1", -1, [1e16, 0]));
        Assert.Equal(0, w.Predict(x)[0]);
        var (z, errors) = w.PredictAccurately(x);
        Assert.Equal(1, z[0]);
        Assert.True(errors[0] < 1e-10, $"bound {errors[0]:E3}");
        Assert.True(WithinExactly(RowTerms(w, x, 0), z[0], errors[0]));
    }

    [Fact]
    public void A_row_outside_every_pattern_is_exactly_zero_with_a_zero_bound()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 3, -1 }, { 2, 5 } });
        var w = Point(("10", 1, [0.5, 0.25]));
        var (z, errors) = w.PredictAccurately(x);
        Assert.Equal(0, z[1]);
        Assert.Equal(0, errors[1]);
        Assert.Equal(1.25, z[0]);
    }

    private static ConvexProblem CancellingRows() =>
        ConvexSolverRegressionTests.Problem([[0.0001220703125, -0.0001220703125], [2097152, 2097152], [2097152, -3145728]], [3, 0, 0],
            "squared", 0.025467132636616874);

    /// <summary>
    /// The certificate of a result takes the accurately summed prediction where the plain sum's rounding bound exceeds
    /// Tolerances.AccuratePredictionAbove of L̂, and keeps the one proving the smaller gap; the solver's iterations (the
    /// three-argument form) keep the plain sum.
    /// </summary>
    [Fact]
    public void A_results_certificate_uses_the_accurate_prediction_only_where_the_plain_rounding_bound_is_large()
    {
        var problem = CancellingRows();
        var solved = ConvexSolver.Solve(problem);
        var (w, z) = (solved.W, solved.DualPrediction);
        var plain = problem.Certify(w, z, aim: null);
        var result = problem.Certify(w, z);
        Assert.True(plain.ObjectiveRounding > Tolerances.AccuratePredictionAbove * Math.Abs(plain.Objective),
            $"plain rounding bound {plain.ObjectiveRounding:E3} of L̂ = {plain.Objective:R}");
        // The accurate certificate proves ε, the plain one cannot (its rounding bound alone is above ε L̂).
        Assert.True(result.CertifiedAt(Tolerances.DefaultSolverGap) && !plain.CertifiedAt(Tolerances.DefaultSolverGap),
            $"proven gap {result.ProvenGap:E3}, plain {plain.ProvenGap:E3}");
        double accurateObjective = problem.Loss.Value(w.PredictAccurately(problem.Data.X).Prediction, problem.Data.Y) + problem.Beta * w.GroupNorm();
        Assert.Equal(accurateObjective, result.Objective);

        // Rows of comparable lengths: B is about 1e-15 of L̂, and the result's certificate is the plain one.
        var data = HiddenConvex.Core.Data.Dataset.Create([[1, 0.5], [-0.3, 1], [0.7, -1.2], [-1, -0.4], [0.2, 0.9]], [1.5, -0.5, 2, 0.3, -1], "plain");
        var patterns = CellEnumerator.Enumerate(data.X);
        var ordinary = new ConvexProblem(data, problem.Loss, 0.3, patterns);
        var r = ConvexSolver.Solve(ordinary).W;
        var ownPlain = ordinary.Certify(r, null, aim: null);
        Assert.True(ownPlain.ObjectiveRounding <= Tolerances.AccuratePredictionAbove * Math.Abs(ownPlain.Objective));
        var own = ordinary.Certify(r);
        Assert.Equal(ownPlain.Objective, own.Objective);
        Assert.Equal(ownPlain.Lower, own.Lower);
        Assert.Equal(ownPlain.ProvenGap, own.ProvenGap);
    }
}
