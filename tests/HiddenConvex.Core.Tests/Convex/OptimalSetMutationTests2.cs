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
/// The optimal set's reading of W's own blocks priced within their rounding of β, its polish of W's restriction on its
/// own faces and its prediction check beyond the rounding bounds of THEORY.md §4.1 (THEORY.md §6, last paragraphs),
/// checked against values computed here from the documented formulas.
/// </summary>
public class OptimalSetMutationTests2
{
    /// <summary>Squared loss (c = 1) over the exact cells of X, at an absolute β.</summary>
    internal static ConvexProblem Problem(double[][] x, double[] y, double beta)
    {
        var data = Dataset.Create(x, y);
        return new ConvexProblem(data, new SquaredLoss(1), beta, CellEnumerator.Enumerate(data.X));
    }

    /// <summary>The t1 instance of OptimalSetRegressionTests (rows 5e7 apart in norm), loss scale 9.34.</summary>
    private static ConvexProblem WidelyScaledRows()
    {
        var data = Dataset.Create([[-0.0001220703125, 0], [-2048, -6144]], [3, 0]);
        return new ConvexProblem(data, new SquaredLoss(9.339594053885035), 0.0004500362007286902, CellEnumerator.Enumerate(data.X));
    }

    /// <summary>r_b = Σ_{j∈D_b} ℓ''_max e_j ‖x_j‖ (THEORY.md §6, "Active blocks in floating point"), e_j of W's prediction (§4.1).</summary>
    private static double PriceRounding(ConvexProblem problem, ConvexPoint w, Block block)
    {
        var e = problem.PredictionRounding(w);
        double r = 0;
        for (int j = 0; j < e.Length; j++)
            if (block.Pattern[j]) r += problem.Loss.CurvatureBound * e[j] * problem.Data.X.Row(j).L2Norm();
        return r;
    }

    private static double Price(BlockGeometry geometry, Block block, double[] v)
    {
        geometry.Projection(block, v, out double norm);
        return norm;
    }

    /// <summary>
    /// ref00 enlarged by 1 + 1e-5 is refused; well-scaled rows give every own block a rounding bound far below β·1e-5, so no own
    /// block joins the widest set and the refusal does not claim a pass with W's blocks priced within their rounding of β.
    /// </summary>
    [Fact]
    public void A_refusal_names_the_rounding_pass_only_when_it_added_own_blocks()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = TestProblems.Scaled(ConvexSolver.Solve(problem).W, 1 + 1e-5);
        foreach (var b in w.NonZeroBlocks.Select(bv => bv.Block).Distinct())
        {
            double rb = PriceRounding(problem, w, b);
            Assert.True(rb < 1e-3 * problem.Beta * OptimalSet.WidenedActiveMargins[^1], $"r_b = {rb:R} is meant to be negligible (β = {problem.Beta:R})");
        }
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
        Assert.Contains("active blocks were tried down to", e.Message);
        Assert.DoesNotContain("priced within their rounding", e.Message);
    }

    /// <summary>
    /// ref00 enlarged by 1 + 1e-5 is refused at the first threshold tried, β − Tolerances.Pricing (the wider margins add no block):
    /// dropping W's blocks priced below it raises the objective from L^c_β(W) to L^c_β of W restricted to the blocks priced at
    /// least that, both computed here, polishing on its own faces returns nothing, and the message says exactly that.
    /// </summary>
    [Fact]
    public void A_refusal_reports_the_threshold_and_the_objectives_of_W_and_of_its_restriction()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = TestProblems.Scaled(ConvexSolver.Solve(problem).W, 1 + 1e-5);
        double beta = problem.Beta, tight = beta - Tolerances.Pricing.At(beta);
        var v = (-problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y)).ToArray();
        var geometry = new BlockGeometry(problem.Data.X);
        var kept = new ConvexPoint(w.NonZeroBlocks.Where(bv => Price(geometry, bv.Block, v) >= tight), problem.Data.D);
        double objective = problem.Objective(w), keptObjective = problem.Objective(kept);
        Assert.True(keptObjective - objective > Tolerances.SetObjective.At(objective),
            $"the instance is meant to raise the objective: {objective:R} → {keptObjective:R} (Tolerances.SetObjective {Tolerances.SetObjective})");
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
        string expected = $"dropping the blocks of W priced below β(1 − {1 - tight / beta:G2}) raises the objective from {objective:R} to {keptObjective:R}; " +
                          $"active blocks were tried down to ‖π_b‖ ≥ β(1 − {OptimalSet.WidenedActiveMargins[^1]:G2}) with β = {beta:R}, ρ(v) = ";
        Assert.Contains(expected, e.Message);
    }

    /// <summary>
    /// Rows x_1 = (L, 0), x_2 = (0, 1), y = (0, 2), β = 1, and W on block (11, +) with w = (0, 1.001): x_1·w = 0 exactly, so
    /// z_W = (0, 1.001), v = (0, 0.999) and ‖π_b‖ = 0.999 exactly, below every threshold (no block is priced above β(1 − 1e-5),
    /// and the empty set raises the objective). W's block contains the long row, so its price rounding bound r_b grows as L²:
    /// with L = 2²⁴ it exceeds β·1e-3 and the set is read with W's block active (its polytope is W itself), with L = 1 it is
    /// far below and the set is refused.
    /// </summary>
    [Theory]
    [InlineData(16777216.0, true)]
    [InlineData(1.0, false)]
    public void An_own_block_priced_below_the_widest_margin_is_active_exactly_when_its_rounding_bound_reaches_it(double longRow, bool read)
    {
        var problem = Problem([[longRow, 0], [0, 1]], [0, 2], beta: 1);
        var block = new Block(ActivationPattern.Parse("11"), 1);
        var w = new ConvexPoint([new BlockValue(block, Vector<double>.Build.Dense([0, 1.001]))], 2);
        var v = (-problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y)).ToArray();
        double price = Price(new BlockGeometry(problem.Data.X), block, v);
        double widest = problem.Beta * (1 - OptimalSet.WidenedActiveMargins[^1]), rb = PriceRounding(problem, w, block);
        Assert.True(price < widest, $"W's block is meant to price below β(1 − 1e-5) = {widest:R}: {price:R}");
        Assert.Equal(read, price >= widest - rb);
        if (!read)
        {
            var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
            Assert.DoesNotContain("priced within their rounding", e.Message);
            return;
        }
        var set = OptimalSet.FromSolution(problem, w, 1e-2);
        var active = Assert.Single(set.Active);
        Assert.Equal(block, active.Block);
        Assert.Equal(price, active.Price);
        Assert.True(Math.Abs(set.Point[0] - 1.001) <= Tolerances.Prediction.At(1.001),
            $"t = {set.Point[0]:R}, W's norm 1.001 (Tolerances.Prediction {Tolerances.Prediction})");
    }

    /// <summary>
    /// Rows x = (1, −1), y = (2, 2), β = 1 (squared loss): block (10, +) fits row 1, block (01, +) row 2. W = (1, −1.001) on
    /// them gives v = (1, 0.999): the first block is priced at β, the second 1e-3 below it (far beyond every margin, r_b ≈ 1e-16).
    /// Dropping the second raises L^c_β from ≈ 3 to ½·1 + ½·4 + 1 = 3.5, and polishing (10, +) alone on its own faces cannot
    /// go below min_{w ≥ 0} ½(2 − w)² + 2 + w = 3.5: the refusal reports both objectives and the polished one.
    /// </summary>
    [Fact]
    public void A_refusal_after_polishing_reports_the_polished_objective()
    {
        var problem = Problem([[1.0], [-1.0]], [2, 2], beta: 1);
        var w = new ConvexPoint([
            new BlockValue(new Block(ActivationPattern.Parse("10"), 1), Vector<double>.Build.Dense([1.0])),
            new BlockValue(new Block(ActivationPattern.Parse("01"), 1), Vector<double>.Build.Dense([-1.001]))], 1);
        double objective = problem.Objective(w), restricted = 3.5;
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, w, 1e-2));
        string head = $"raises the objective from {objective:R} to {restricted:R} (";
        // W's block (10, +) is priced at β and listed: the pass over W's own blocks adds nothing and the message says so.
        string tail = $" polished on its own faces); active blocks were tried down to ‖π_b‖ ≥ β(1 − {OptimalSet.WidenedActiveMargins[^1]:G2}) with β = {problem.Beta:R}, ρ(v) = ";
        int start = e.Message.IndexOf(head, StringComparison.Ordinal), end = e.Message.IndexOf(tail, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start + head.Length, $"message without '{head}…{tail}': {e.Message}");
        double polished = double.Parse(e.Message[(start + head.Length)..end], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Tolerances.Objective.Agree(polished, restricted),
            $"polished objective {polished:R}, min over (10, +) alone {restricted:R} (Tolerances.Objective {Tolerances.Objective})");
        Assert.True(polished - objective > Tolerances.SetObjective.At(objective), $"polished {polished:R} is meant to exceed L^c_β(W) = {objective:R}");
    }
}
