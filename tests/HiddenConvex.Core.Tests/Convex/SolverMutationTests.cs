using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The solver group judged by what it returns (THEORY.md §3, §4, §4.2), written against the survivors of a mutation run
/// (docs/mutation/solver.md).
/// </summary>
public class SolverMutationTests
{
    /// <summary>The optimum scaled by 1 + δ (still in its cones) with its own certificate, and the optimum's objective.</summary>
    private static (ConvexPoint W, Certificate Own, double Optimum) ScaledOptimum(ConvexProblem problem, double delta)
    {
        var solved = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, solved.Status);
        var w = new ConvexPoint(solved.W.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * (1 + delta))), problem.Data.D);
        return (w, problem.Certify(w), solved.Objective);
    }

    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    public void The_dual_point_search_raises_a_valid_lower_bound_and_returns_the_certificate_of_its_prediction(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (w, own, optimum) = ScaledOptimum(problem, 1e-3);
        var found = DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddMinutes(5));
        Assert.NotNull(found);
        var (prediction, certificate) = found.Value;
        Assert.True(certificate.Lower > own.Lower, $"lower bound {certificate.Lower:R} not above W's own {own.Lower:R}");
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(certificate.Lower, optimum), $"lower bound {certificate.Lower:R} above P* = {optimum:R} (tolerance {tol})");
        Assert.Equal(own.Objective, certificate.Objective);
        Assert.Equal(own.ObjectiveRounding, certificate.ObjectiveRounding);
        // The certificate is the one of the returned prediction, priced afresh.
        var again = CertificateChecker.ForPrediction(problem.Data, problem.Loss, problem.Beta, problem.Oracle, prediction,
            own.Objective, own.ObjectiveRounding);
        Assert.Equal(again.Lower, certificate.Lower);
        // Only the searched rows (the longest, at most DualPointSearch.Rows) moved away from W's own prediction.
        var z = w.Predict(problem.Data.X);
        int moved = Enumerable.Range(0, z.Count).Count(j => prediction[j] != z[j]);
        Assert.InRange(moved, 1, Math.Min(DualPointSearch.Rows, z.Count));
    }

    [Fact]
    public void The_search_stops_at_the_first_certificate_within_the_tolerance()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        // Any raise of the lower bound is within a relative gap of 1: the first improving trial is returned, a single
        // step on one row.
        var first = DualPointSearch.Search(problem, w, own, 1, DateTime.UtcNow.AddMinutes(5));
        var full = DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddMinutes(5));
        Assert.NotNull(first);
        Assert.NotNull(full);
        Assert.True(first.Value.Certificate.WithinGap(1));
        var z = w.Predict(problem.Data.X);
        Assert.Equal(1, Enumerable.Range(0, z.Count).Count(j => first.Value.Prediction[j] != z[j]));
        Assert.True(full.Value.Certificate.Lower > first.Value.Certificate.Lower,
            $"the full search ({full.Value.Certificate.Lower:R}) found no more than its first step ({first.Value.Certificate.Lower:R})");
    }

    [Fact]
    public void A_search_past_its_deadline_returns_nothing()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        Assert.Null(DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddSeconds(-1)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // WorkingSet: which blocks enter (priced above β, largest first, once), which are pruned (empty and priced below
    // β(1 − δ_b), δ_b doubling with every drop), and what an inner solution becomes.

    /// <summary>ref02 over the exact enumeration with the dual vector of W = 0 and every block priced there, largest first.</summary>
    private static (ConvexProblem Problem, Vector<double> V, List<PricedBlock> Priced) PricedAtZero()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var v = -problem.Loss.Gradient(Vector<double>.Build.Dense(problem.Data.N), problem.Data.Y);
        var priced = problem.Oracle.BlocksAbove(v, 0).Blocks.OrderByDescending(b => b.Value).ToList();
        return (problem, v, priced);
    }

    private static double Price(ConvexProblem problem, Block block, Vector<double> v)
    {
        problem.Oracle.Geometry.Projection(block, v.ToArray(), out double value);
        return value;
    }

    [Fact]
    public void The_working_set_adds_the_blocks_priced_strictly_above_beta_largest_first_and_each_once()
    {
        var (problem, v, priced) = PricedAtZero();
        var values = priced.Select(b => b.Value).ToList();
        Assert.True(values.Count >= 5 && values[0] > values[1] && values[1] > values[2] && values[2] > values[3],
            $"the test needs five blocks, the first four of distinct values: {string.Join(", ", values.Take(5))}");
        // β at the fourth value: three blocks price above it, the fourth at it (it cannot lower the objective).
        double beta = values[3];
        var ws = new WorkingSet();
        Assert.Equal(2, ws.AddViolated(problem.Oracle, beta, v, 2).Added);
        Assert.Equal(priced.Take(2).Select(b => b.Block), ws.Blocks.Select(b => b.Block));
        Assert.Equal(1, ws.AddViolated(problem.Oracle, beta, v, int.MaxValue).Added);
        Assert.Equal(0, ws.AddViolated(problem.Oracle, beta, v, int.MaxValue).Added);
        Assert.Equal(priced.Take(3).Select(b => b.Block), ws.Blocks.Select(b => b.Block));
        Assert.Equal(3, ws.Count);
    }

    [Fact]
    public void The_graded_inner_target_follows_the_violation_only_over_branch_and_bound_and_only_while_blocks_are_added()
    {
        const double beta = 2, tight = 1e-8;
        // κ(ρ̲/β − 1) between the tight and the loose target.
        Assert.Equal(ConvexSolver.GradedTargetFactor * 3e-3, ConvexSolver.GradedTarget(false, 2, beta * (1 + 3e-3), beta, tight), 15);
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 2, beta * (1 + 1e-9), beta, tight));
        Assert.Equal(ConvexSolver.LooseBarrierRelativeGap, ConvexSolver.GradedTarget(false, 2, beta * 5, beta, tight));
        // Unchanged over an enumeration, after a round that added nothing, and when nothing priced above β.
        Assert.Equal(tight, ConvexSolver.GradedTarget(true, 2, beta * (1 + 3e-3), beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 0, beta * (1 + 3e-3), beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 2, 0, beta, tight));
    }

    [Fact]
    public void A_column_round_reports_the_largest_value_priced_above_beta_even_when_it_adds_nothing()
    {
        // IsFarFromOptimal reads ρ̲ from the round: over an enumeration it is ρ(v) itself, whether or not the block is new.
        var (problem, v, priced) = PricedAtZero();
        double rho = problem.Oracle.Price(v).Rho, beta = priced[3].Value;
        var ws = new WorkingSet();
        var first = ws.AddViolated(problem.Oracle, beta, v, int.MaxValue);
        Assert.Equal(3, first.Added);
        Assert.Equal(rho, first.LargestPriced);
        var again = ws.AddViolated(problem.Oracle, beta, v, int.MaxValue);
        Assert.Equal(0, again.Added);
        Assert.Equal(rho, again.LargestPriced);
        Assert.Equal(0, new WorkingSet().AddViolated(problem.Oracle, 2 * rho, v, int.MaxValue).LargestPriced);
    }

    [Fact]
    public void Initial_blocks_enter_once_and_only_when_they_belong_to_the_program()
    {
        var (problem, _, priced) = PricedAtZero();
        var restricted = new ConvexProblem(problem.Data, problem.Loss, problem.Beta, CellEnumerator.Enumerate(problem.Data.X),
            [priced[0].Block, priced[1].Block]);
        Assert.False(restricted.Oracle.Includes(priced[2].Block));
        var ws = new WorkingSet();
        Assert.Equal(1, ws.AddInitial(restricted.Oracle, [priced[0], priced[2], priced[0]]));
        Assert.Equal(1, ws.AddInitial(restricted.Oracle, [priced[0], priced[1]]));
        Assert.Equal([priced[0].Block, priced[1].Block], ws.Blocks.Select(b => b.Block));
        // A block whose sibling was built shares its cone and keeps its own sign.
        var sibling = priced.First(b => b.Block == priced[0].Block.Sibling);
        Assert.Equal(1, ws.AddInitial(problem.Oracle, [sibling]));
        Assert.Equal(sibling.Block, ws.Blocks[2].Block);
        Assert.Equal(ws.Blocks[0].ActiveRows, ws.Blocks[2].ActiveRows);
    }

    [Fact]
    public void Pruning_drops_only_empty_blocks_priced_below_the_margin_which_doubles_with_every_drop()
    {
        var (problem, v, priced) = PricedAtZero();
        int d = problem.Data.D;
        var heavy = priced[0];
        var light = priced[1];
        var small = priced.Last(b => b.Value > 0 && b.Value < light.Value);   // priced below the light block
        double value = Price(problem, light.Block, v);
        Assert.True(Price(problem, small.Block, v) < value);
        var geometry = problem.Oracle.Geometry;
        var ws = new WorkingSet();
        ws.AddInitial(problem.Oracle, [heavy, light, small]);
        Assert.Equal(0, ws.Prune(geometry, 1e6 * value, v));   // no inner solution yet
        // ‖w‖: 5, 1e-3 (≤ 1e-3 of the largest, 5e-3), 5.2e-3 (above it, while its largest entry is below).
        ws.Remember(new InnerOutcome([3, 4, 0, 6e-4, 8e-4, 0, 3e-3, 3e-3, 3e-3], [5, 1e-3, 5.2e-3], 0, InnerStatus.ReachedTarget, 0), d);
        Assert.Equal(3, ws.LastSolution!.Count);
        Assert.Equal([3e-3, 3e-3, 3e-3], ws.LastSolution[small.Block].W);
        Assert.Equal(1e-3, ws.LastSolution[light.Block].S);

        double ulp = 1e-12;
        // δ = 0.2, 0.4, 0.8 for the first, second and third drop: kept just above β(1 − δ), dropped just below.
        foreach (double margin in new[] { 0.2, 0.4, 0.8 })
        {
            Assert.Equal(0, ws.Prune(geometry, value / (1 - margin) * (1 - ulp), v));
            Assert.Equal(1, ws.Prune(geometry, value / (1 - margin) * (1 + ulp), v));
            Assert.Equal([heavy.Block, small.Block], ws.Blocks.Select(b => b.Block));
                Readd(ws);
        }
        // Dropped three times: δ = 1.6, never dropped again; a block the last inner solution does not hold is kept too.
        var unsolved = priced.First(b => b != heavy && b != light && b != small);
        Assert.Equal(1, ws.AddInitial(problem.Oracle, [unsolved]));
        Assert.Equal(0, ws.Prune(geometry, 1e6 * value, v));
        Assert.Equal(4, ws.Count);

        // It re-enters (through pricing, or here as an initial block) after the others, and is empty again.
        void Readd(WorkingSet set)
        {
            Assert.Equal(1, set.AddInitial(problem.Oracle, [light]));
            // [heavy, small, light]: the light block is now third; remember it light again.
            set.Remember(new InnerOutcome([3, 4, 0, 3e-3, 3e-3, 3e-3, 6e-4, 8e-4, 0], [5, 5.2e-3, 1e-3], 0, InnerStatus.ReachedTarget, 0), d);
        }
    }

    [Fact]
    public void An_inner_solution_becomes_a_point_of_its_nonzero_blocks()
    {
        var (problem, _, priced) = PricedAtZero();
        var ws = new WorkingSet();
        ws.AddInitial(problem.Oracle, priced.Take(3));
        var point = ws.ToPoint([1, 2, 3, 0, 0, 0, 0, -5e-300, 0], 3);
        Assert.Equal([priced[0].Block, priced[2].Block], point.Blocks.Select(b => b.Block));
        Assert.Equal(Vector<double>.Build.Dense([1.0, 2, 3]), point.Blocks[0].W);
        Assert.Equal(Vector<double>.Build.Dense([0, -5e-300, 0]), point.Blocks[1].W);
        Assert.Equal(3, point.InputDim);
    }
}
