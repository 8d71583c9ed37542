using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The optimal set's thresholds (THEORY.md §6, "Active blocks in floating point"): the exact pass at β(1 − RoundingActiveMargin),
/// the widened margins tried in order, the refusal text after the pass over W's own blocks priced within their rounding of β;
/// and the anytime m* search's stop below a known point. Instances are small separable problems whose prices are read off
/// v = y − z_W by hand (squared loss, unit rows along the axes), checked here against the oracle's own prices.
/// </summary>
public class OptimalSetMutationTests4
{
    private static ConvexProblem Problem(double[][] x, double[] y, double beta) => OptimalSetMutationTests2.Problem(x, y, beta);

    private static double Price(ConvexProblem problem, Block block, double[] v)
    {
        problem.Oracle.Geometry.Projection(block, v, out double price);
        return price;
    }

    private static double[] DualOf(ConvexProblem problem, ConvexPoint w) =>
        (-problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y)).ToArray();

    /// <summary>Every block of the oracle with its price at v.</summary>
    private static List<(Block Block, double Price)> Prices(ConvexProblem problem, double[] v) =>
        problem.Oracle.BlocksAbove(Vector<double>.Build.DenseOfArray(v), 0).Blocks.Select(p => (p.Block, Price(problem, p.Block, v))).ToList();

    private static string Names(IEnumerable<Block> blocks) => string.Join(", ", blocks.Select(b => b.ToString()));

    /// <summary>
    /// Rows (1, 0) and (0, 1), β = 1, W = (0, a) on (11, +): v = y − z_W = (y_1, y_2 − a). The + blocks holding row 2 price
    /// v_2 (their direction (0, 1) is on the kink of row 1), the − blocks holding row 1 price −y_1 (direction (1, 0)).
    /// </summary>
    private static (ConvexProblem Problem, ConvexPoint W) TwoAxes(double y1, double y2, double a)
    {
        var problem = Problem([[1, 0], [0, 1]], [y1, y2], beta: 1);
        var w = new ConvexPoint([new BlockValue(new Block(ActivationPattern.Parse("11"), 1), Vector<double>.Build.Dense([0, a]))], 2);
        return (problem, w);
    }

    /// <summary>
    /// Lines 114 (<c>exact = β(1 − RoundingActiveMargin)</c>) → β/(1 − 1e-12) or β(1 + 1e-12). W = (0, 2) with y = (−(1 − 1e-8), 3)
    /// is optimal (v_2 = 1 = β exactly): the + blocks holding row 2 price β, the − blocks holding row 1 price β(1 − 1e-8),
    /// within Tolerances.Pricing (1e-7) but visibly below β. RoundingActiveMargin's documentation: a block priced δ below β
    /// is not active, and the set at β(1 − 1e-12) is kept when it passes its checks; so the active blocks are exactly those
    /// priced β. The mutants list nothing at the first pass and read the four blocks at β − Tolerances.Pricing.
    /// </summary>
    [Fact]
    public void Blocks_priced_visibly_below_beta_within_the_pricing_tolerance_are_not_active_when_the_exact_set_passes()
    {
        var (problem, w) = TwoAxes(-(1 - 1e-8), 3, 2);
        var prices = Prices(problem, DualOf(problem, w));
        var atBeta = prices.Where(p => p.Price >= problem.Beta * (1 - OptimalSet.RoundingActiveMargin)).Select(p => p.Block).ToHashSet();
        var below = prices.Where(p => p.Price < problem.Beta * (1 - OptimalSet.RoundingActiveMargin)
                                      && p.Price >= problem.Beta - Tolerances.Pricing.At(problem.Beta)).Select(p => p.Block).ToList();
        Assert.True(atBeta.Count == 2 && below.Count == 2, $"priced at β: {Names(atBeta)}; within Tolerances.Pricing below it: {Names(below)}");
        var set = OptimalSet.FromSolution(problem, w);
        var active = set.Active.Select(a => a.Block).ToHashSet();
        Assert.True(atBeta.SetEquals(active), $"active {Names(active)}, expected the blocks priced at β {Names(atBeta)}");
        Assert.Equal(0, set.Residual, 12);
    }

    /// <summary>
    /// Lines 181 (the listing's floor <c>Math.Min(widest, β − Tolerances.Pricing)</c> → Math.Max) and 404 (<c>Thresholds</c>: the
    /// widened margins, <c>β(1 − m) &lt; tight</c> → &gt; or negated, β/(1 − m), β(1 + m), yield removed). W = (0, 2 + 5e-7) with
    /// y = (−(1 − 5e-6), 3): v_2 = β(1 − 5e-7), below β − Tolerances.Pricing = β(1 − 1e-7), so W's own block and its kink neighbour
    /// are read at the first widened margin β(1 − 1e-6) (WidenedActiveMargins, tried in order, the first set passing its checks
    /// kept); the − blocks priced β(1 − 5e-6) come only at β(1 − 1e-5) and are not active. Without the widened thresholds the
    /// mutants reach only the last pass (all four blocks at β(1 − 1e-5), or W's own block alone when nothing below β −
    /// Tolerances.Pricing is listed).
    /// </summary>
    [Fact]
    public void The_widened_margins_are_tried_in_order_and_the_first_set_that_passes_is_kept()
    {
        var (problem, w) = TwoAxes(-(1 - 5e-6), 3, 2 + 5e-7);
        double beta = problem.Beta, tight = beta - Tolerances.Pricing.At(beta);
        double first = beta * (1 - OptimalSet.WidenedActiveMargins[0]), widest = beta * (1 - OptimalSet.WidenedActiveMargins[^1]);
        Assert.True(first < tight, $"the first widened margin β(1 − {OptimalSet.WidenedActiveMargins[0]}) is meant to lie below β − Tolerances.Pricing");
        var prices = Prices(problem, DualOf(problem, w));
        var atFirst = prices.Where(p => p.Price >= first && p.Price < tight).Select(p => p.Block).ToHashSet();
        var atWidest = prices.Where(p => p.Price >= widest && p.Price < first).Select(p => p.Block).ToHashSet();
        Assert.True(atFirst.Count == 2 && atWidest.Count == 2 && prices.All(p => p.Price < tight),
            $"priced in [β(1 − 1e-6), β − Tolerances.Pricing): {Names(atFirst)}; in [β(1 − 1e-5), β(1 − 1e-6)): {Names(atWidest)}");
        var set = OptimalSet.FromSolution(problem, w, 1e-2);
        var active = set.Active.Select(a => a.Block).ToHashSet();
        Assert.True(atFirst.SetEquals(active), $"active {Names(active)}, expected the blocks read at β(1 − 1e-6): {Names(atFirst)}");
        Assert.Equal(0, set.Residual, 12);
    }

    /// <summary>
    /// Line 131 (the refusal's <c>withRounding ? ", then with W's blocks priced within their rounding of β," : ""</c> → "", and the
    /// string → ""). Rows (2²⁴, 0, 0), (0, 1, 0), (0, 0, 1), y = (0, 2, −2.5), β = 1; W = (0, 1.001, 0) on (110, +) and (0, 0, 1.51)
    /// on (001, −): v = (0, 0.999, −0.99), so no block prices above β(1 − 1e-5) (the largest price is 0.999; W is certified at a gap of a few 1e-3). W's block (110, +)
    /// holds the row 2²⁴ long, whose price rounding bound r_b exceeds 1e-3 (as in OptimalSetMutationTests2), so the last pass adds
    /// it; its block (001, −) priced 0.99 holds only a unit row and is dropped, which raises the objective by ≈ 1, and the set is
    /// refused. The refusal says the pass over W's blocks priced within their rounding of β was tried (Read's message).
    /// </summary>
    [Fact]
    public void A_refusal_after_the_pass_over_W_s_blocks_within_their_rounding_names_that_pass()
    {
        var problem = Problem([[16777216.0, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 2, -2.5], beta: 1);
        var own = new Block(ActivationPattern.Parse("110"), 1);
        var dropped = new Block(ActivationPattern.Parse("001"), -1);
        var w = new ConvexPoint([
            new BlockValue(own, Vector<double>.Build.Dense([0, 1.001, 0])),
            new BlockValue(dropped, Vector<double>.Build.Dense([0, 0, 1.51]))], 3);
        var v = DualOf(problem, w);
        double widest = problem.Beta * (1 - OptimalSet.WidenedActiveMargins[^1]);
        Assert.True(Prices(problem, v).All(p => p.Price < widest), "no block is meant to price above β(1 − 1e-5)");
        Assert.True(Price(problem, dropped, v) < 0.995, $"(001, −) is meant to price far below β: {Price(problem, dropped, v):R}");
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
        Assert.Contains($"active blocks were tried down to ‖π_b‖ ≥ β(1 − {OptimalSet.WidenedActiveMargins[^1]:G2}), then with W's blocks " +
                        $"priced within their rounding of β, with β = {problem.Beta:R}, ρ(v) = ", e.Message);
        Assert.Contains("dropping the blocks of W priced below", e.Message);
    }

    /// <summary>A set read off a certified solve of a reference instance with z* ≠ 0 (OptimalSetTests.Solve).</summary>
    private static OptimalSet ReferenceSet()
    {
        var (_, _, set) = OptimalSetTests.Solve("ref00_n3_d2_gauss_f0.1");
        Assert.True(set.Z.L2Norm() > 0 && set.Active.Count > 0, "the instance is meant to have z* ≠ 0");
        return set;
    }

    /// <summary>
    /// Line 501 (<c>ArgumentNullException.ThrowIfNull(limits)</c> removed): null limits are refused as an argument error naming
    /// them, not by a NullReferenceException once the search reads them.
    /// </summary>
    [Fact]
    public void The_anytime_search_refuses_null_limits_as_an_argument_error()
    {
        var set = ReferenceSet();
        var e = Assert.Throws<ArgumentNullException>(() => set.SearchMinimumSupport(null!));
        Assert.Equal("limits", e.ParamName);
    }

    /// <summary>
    /// Line 502 (<c>stopBelowKnown: true</c> → false). SearchMinimumSupport is documented to stop once every size below the known
    /// point's support is excluded. Given a point of minimum support m* (MinimumSupport's), it tries exactly the supports of
    /// sizes 1 … m* − 1, C(k, 1) + … + C(k, m* − 1) of them, then returns that point with AtLeast = AtMost = m*; the mutant goes on
    /// to the supports of size m*.
    /// </summary>
    [Fact]
    public void Given_a_point_of_minimum_support_the_search_tries_only_the_smaller_supports_and_returns_that_point()
    {
        var set = ReferenceSet();
        var minimum = set.MinimumSupport();
        Assert.NotNull(minimum);
        var (mStar, known) = minimum.Value;
        int k = set.Active.Count;
        long smaller = Enumerable.Range(1, mStar - 1).Sum(s => Combinations.Count(k, s));
        var b = set.SearchMinimumSupport(new MinimumSupportLimits(), known);
        Assert.Equal(MinimumSupportStop.Exact, b.Stop);
        Assert.Equal(mStar, b.MStar);
        Assert.Equal(smaller, b.SupportsTried);
        Assert.Equal(known, b.T);
    }
}
