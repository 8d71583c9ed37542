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
    private static ConvexProblem Problem(double[][] x, double[] y, double beta)
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
}
