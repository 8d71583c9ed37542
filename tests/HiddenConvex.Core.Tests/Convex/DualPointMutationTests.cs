using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The better dual points of THEORY.md §4.2 (<see cref="DualPoints"/>, <see cref="DualPolish"/>, <see cref="DualPointSearch"/>)
/// judged by the dual vectors they price, written against the survivors of a mutation run (docs/mutation/solver.md). Every
/// trial of the polish and of the search is one pricing of the program, so an oracle that records what it prices shows
/// which trials were made, from which point, and when each method stopped.
/// </summary>
public class DualPointMutationTests
{
    /// <summary>
    /// The pricing of another oracle, recording every dual vector priced; at call <see cref="StallAtCall"/> it waits until
    /// <see cref="StallUntil"/> has passed (a deadline reached at a known trial); it can hide that it lists every block.
    /// </summary>
    private sealed class RecordingOracle(IPricingOracle inner, bool listsEveryBlock = true) : DelegatingOracle(inner, listsEveryBlock)
    {
        public List<Vector<double>> Priced { get; } = [];
        public int StallAtCall { get; set; } = int.MaxValue;
        public DateTime StallUntil { get; set; }

        public override PricingResult Price(Vector<double> v)
        {
            Priced.Add(v.Clone());
            if (Priced.Count == StallAtCall)
                while (DateTime.UtcNow <= StallUntil) Thread.Sleep(5);
            return Inner.Price(v);
        }
    }

    /// <summary>A reference program over the exact enumeration, priced through a recording oracle.</summary>
    private static (ConvexProblem Problem, RecordingOracle Oracle) Recorded(string name, bool listsEveryBlock = true)
    {
        var exact = ReferenceInstance.Load(name).ExactProblem();
        var oracle = new RecordingOracle(exact.Oracle, listsEveryBlock);
        return (new ConvexProblem(exact.Data, exact.Loss, exact.Beta, oracle), oracle);
    }

    /// <summary>The optimum scaled by 1 + δ (still in its cones), its own certificate and the optimum's objective P*.</summary>
    private static (ConvexPoint W, Certificate Own, double Optimum) ScaledOptimum(ConvexProblem problem, double delta)
    {
        var solved = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, solved.Status);
        var w = new ConvexPoint(solved.W.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * (1 + delta))), problem.Data.D);
        return (w, problem.Certify(w), solved.Objective);
    }

    /// <summary>W's certificate with a lower bound above its own objective, hence above P*: no dual point can raise it.</summary>
    private static Certificate Unbeatable(Certificate own) => own with { Lower = own.Objective + Math.Abs(own.Objective) };

    /// <summary>The one row where <paramref name="v"/> differs from <paramref name="from"/>; -1 when none, -2 when several.</summary>
    private static int MovedRow(Vector<double> v, Vector<double> from)
    {
        var moved = Enumerable.Range(0, v.Count).Where(j => v[j] != from[j]).ToList();
        return moved.Count switch { 0 => -1, 1 => moved[0], _ => -2 };
    }

    private static Vector<double> DualVector(ConvexProblem problem, Vector<double> z) => -problem.Loss.Gradient(z, problem.Data.Y);

    private static DateTime Later => DateTime.UtcNow.AddMinutes(5);

    // ---------------------------------------------------------------------------------------------------------------
    // DualPointSearch: the trials of a sweep, the guards, the stopping rules.

    /// <summary>
    /// The first <paramref name="rows"/> of 19 rows in R²: one zero row (never searched), two of norm 5 (a tie, broken by
    /// index), one of norm 4 whose |v_j| = β/‖x_j‖ at W = 0 for β = 2 and c = 1 (one step scale), rows with y_j = 0 (v_j = 0
    /// at W = 0: only the scale β/‖x_j‖); all 19 have 18 nonzero rows, so that the two shortest are past
    /// <see cref="DualPointSearch.Rows"/>.
    /// </summary>
    private static ConvexProblem SearchRows(Loss loss, double beta, int rows = 19)
    {
        double[][] x =
        [
            [0.3, 0.1], [0, 0], [3, 4], [0, 5], [4, 0], [1, 1], [-2, 1], [0.5, -0.7], [1.5, 0.2], [-1, -1.2],
            [2.2, -0.3], [-0.4, 2.6], [0.9, 0.9], [-3.1, 0.4], [0.2, -1.9], [1.1, -2.4], [-0.6, -0.6], [2.9, 1.3], [0.05, 0.02],
        ];
        double[] y = [1, 2, -1, 0.5, 0.5, 0, -0.5, 1, 0, 0.25, -2, 1.5, 0, 0.75, -1, 0.3, 1, -0.2, 0.1];
        var data = Dataset.Create(x[..rows], y[..rows], "search rows");
        return new ConvexProblem(data, loss, beta, CellEnumerator.Enumerate(data.X));
    }

    /// <summary>The trials one sweep from z must price, in the documented row order, each row's trial dual vectors in any order.</summary>
    private static List<(int Row, List<Vector<double>> Trials)> OneSweep(ConvexProblem problem, Vector<double> z, Vector<double> v)
    {
        var x = problem.Data.X;
        var rows = Enumerable.Range(0, x.RowCount).Select(j => (Row: j, Norm: x.Row(j).L2Norm())).Where(r => r.Norm > 0)
            .OrderByDescending(r => r.Norm).ThenBy(r => r.Row).Take(DualPointSearch.Rows);
        var sweep = new List<(int, List<Vector<double>>)>();
        foreach (var (j, norm) in rows)
        {
            var scales = new List<double>();
            if (Math.Abs(v[j]) > 0) scales.Add(Math.Abs(v[j]));
            if (problem.Beta / norm != Math.Abs(v[j])) scales.Add(problem.Beta / norm);
            var trials = new List<Vector<double>>();
            foreach (double s in scales)
                for (int k = DualPointSearch.SmallestStep; k <= DualPointSearch.LargestStep; k++)
                    foreach (int sign in new[] { 1, -1 })
                    {
                        var trial = z.Clone();
                        trial[j] += sign * Math.ScaleB(s, k) / problem.Loss.CurvatureBound;
                        trials.Add(DualVector(problem, trial));
                    }
            sweep.Add((j, trials));
        }
        return sweep;
    }

    [Theory]
    [InlineData(1.0, 19)]
    [InlineData(2.0, 19)]
    [InlineData(1.0, 8)]
    public void A_sweep_that_beats_nothing_prices_every_documented_trial_once_and_returns_nothing(double lossScale, int rows)
    {
        // β = 2, row (4, 0), y = 0.5: at W = 0, |v_j| = 0.5c equals β/‖x_j‖ = 0.5 at c = 1 (one step scale on that row);
        // at c = 2 the steps are halved by the curvature bound.
        var exact = SearchRows(new SquaredLoss(lossScale), 2, rows);
        var oracle = new RecordingOracle(exact.Oracle);
        var problem = new ConvexProblem(exact.Data, exact.Loss, exact.Beta, oracle);
        var w = ConvexPoint.Zero(2);
        var own = Unbeatable(problem.Certify(w));
        oracle.Priced.Clear();

        Assert.Null(DualPointSearch.Search(problem, w, own, 1e-300, Later));

        var z = w.Predict(problem.Data.X);
        var expected = OneSweep(problem, z, own.V);
        Assert.Equal(expected.Sum(r => r.Trials.Count), oracle.Priced.Count);
        int at = 0;
        foreach (var (row, trials) in expected)
        {
            var priced = oracle.Priced.Skip(at).Take(trials.Count).ToList();
            at += trials.Count;
            Assert.All(priced, v => Assert.Equal(row, MovedRow(v, own.V)));
            var key = (Vector<double> v) => v[row];
            Assert.Equal(trials.Select(key).Order(), priced.Select(key).Order());
        }
        // The zero row and the rows past the 16 longest: never moved.
        Assert.Equal(Math.Min(rows - 1, DualPointSearch.Rows), expected.Count);
        Assert.DoesNotContain(expected, r => r.Row == 1 || rows == 19 && r.Row is 0 or 18);
    }

    /// <summary>A loss that is the squared loss but claims no curvature bound (the step sizes are then undefined).</summary>
    private sealed class NoCurvature() : Loss(1.0)
    {
        private readonly SquaredLoss _inner = new();
        public override TargetDomain Targets => _inner.Targets;
        public override double Value(Vector<double> z, Vector<double> y) => _inner.Value(z, y);
        public override Vector<double> Gradient(Vector<double> z, Vector<double> y) => _inner.Gradient(z, y);
        public override Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y) => _inner.HessianDiagonal(z, y);
        public override double NegConjugate(Vector<double> v, Vector<double> y) => _inner.NegConjugate(v, y);
        public override double BestDualScale(Vector<double> v, Vector<double> y, double tMax) => _inner.BestDualScale(v, y, tMax);
        public override double CurvatureBound => 0;
        public override double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower) => _inner.LowerRounding(v, y, t, lower);
        public override double DualScaleCap => _inner.DualScaleCap;
    }

    [Fact]
    public void A_loss_without_a_curvature_bound_is_not_searched()
    {
        var exact = SearchRows(new SquaredLoss(), 2);
        var oracle = new RecordingOracle(exact.Oracle);
        var problem = new ConvexProblem(exact.Data, new NoCurvature(), exact.Beta, oracle);
        var w = ConvexPoint.Zero(2);
        var own = problem.Certify(w);
        oracle.Priced.Clear();
        Assert.Null(DualPointSearch.Search(problem, w, own, 1e-300, Later));
        Assert.Empty(oracle.Priced);
    }

    [Fact]
    public void A_deadline_reached_after_an_improving_trial_returns_that_trial()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        // The full first step scale of the longest row (70 trials, both directions) raises the bound; the deadline passes
        // during the 70th pricing.
        oracle.Priced.Clear();
        var deadline = DateTime.UtcNow.AddSeconds(1);
        oracle.StallAtCall = 2 * (DualPointSearch.LargestStep - DualPointSearch.SmallestStep + 1);
        oracle.StallUntil = deadline;
        var found = DualPointSearch.Search(problem, w, own, 1e-300, deadline);
        Assert.NotNull(found);
        Assert.True(found.Value.Certificate.Lower > own.Lower, $"lower bound {found.Value.Certificate.Lower:R} not above W's own {own.Lower:R}");
        Assert.True(oracle.Priced.Count <= oracle.StallAtCall, $"{oracle.Priced.Count} pricings after the deadline passed at pricing {oracle.StallAtCall}");
    }

    [Fact]
    public void The_search_ends_after_the_first_sweep_that_raises_nothing_and_its_result_is_a_fixed_point()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        oracle.Priced.Clear();
        var found = DualPointSearch.Search(problem, w, own, 1e-300, Later);
        Assert.NotNull(found);
        int sweepSize = OneSweep(problem, w.Predict(problem.Data.X), own.V).Sum(r => r.Trials.Count);
        int pricings = oracle.Priced.Count;
        Assert.True(pricings % sweepSize == 0, $"{pricings} pricings, not whole sweeps of {sweepSize}");
        int sweeps = pricings / sweepSize;
        Assert.InRange(sweeps, 2, DualPointSearch.Sweeps);
        // Every sweep but the last raised the bound, so no two consecutive sweeps price the same trials.
        var sweepsPriced = Enumerable.Range(0, sweeps).Select(s => oracle.Priced.Skip(s * sweepSize).Take(sweepSize).ToList()).ToList();
        for (int s = 1; s < sweeps; s++)
            Assert.False(sweepsPriced[s].Zip(sweepsPriced[s - 1]).All(p => p.First.Equals(p.Second)),
                $"sweep {s + 1} of {sweeps} repeats sweep {s}: a sweep that raised nothing did not end the search");
        // The last sweep raised nothing: from the result, a new search finds nothing (unless the sweeps ran out).
        if (sweeps < DualPointSearch.Sweeps)
            Assert.Null(DualPointSearch.Search(problem, w, found.Value.Certificate, 1e-300, Later, found.Value.Prediction));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DualPolish: the guards and the stopping rules.

    [Fact]
    public void A_point_without_blocks_is_not_polished()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var w = ConvexPoint.Zero(problem.Data.D);
        var own = problem.Certify(w);
        oracle.Priced.Clear();
        Assert.Null(DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1e-300, Later));
        Assert.Empty(oracle.Priced);
    }

    [Fact]
    public void A_past_deadline_polishes_nothing()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        oracle.Priced.Clear();
        Assert.Null(DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1e-300, DateTime.UtcNow.AddSeconds(-1)));
        Assert.Empty(oracle.Priced);
    }

    [Fact]
    public void A_system_larger_than_the_dense_limit_is_not_polished()
    {
        // n = MaxUnknowns rows and one block: n + 1 unknowns.
        int n = DualPolish.MaxUnknowns;
        var data = Dataset.Create(Enumerable.Range(0, n).Select(j => new[] { 1.0 + j }).ToArray(),
            Enumerable.Range(0, n).Select(j => Math.Sin(j)).ToArray(), "dense limit");
        var exact = new ConvexProblem(data, new SquaredLoss(), 1, CellEnumerator.Enumerate(data.X));
        var oracle = new RecordingOracle(exact.Oracle);
        var problem = new ConvexProblem(data, exact.Loss, exact.Beta, oracle);
        var block = new Block(ActivationPattern.FromBools(Enumerable.Repeat(true, n).ToArray()), 1);
        var w = new ConvexPoint([new BlockValue(block, Vector<double>.Build.Dense([1e-3]))], 1);
        var own = problem.Certify(w);
        oracle.Priced.Clear();
        Assert.Null(DualPolish.Polish(problem, w, own, w.Predict(data.X), 1e-300, Later));
        Assert.Empty(oracle.Priced);
    }

    [Fact]
    public void The_polish_stops_after_the_stall_steps_when_nothing_can_be_raised()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        oracle.Priced.Clear();
        Assert.Null(DualPolish.Polish(problem, w, Unbeatable(own), w.Predict(problem.Data.X), 1e-300, Later));
        Assert.Equal(DualPolish.StallSteps, oracle.Priced.Count);
    }

    [Fact]
    public void The_polish_stops_at_its_first_certificate_within_the_tolerance()
    {
        var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        oracle.Priced.Clear();
        // Any lower bound above 0 is within a relative gap of 1.
        var found = DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1, Later);
        Assert.NotNull(found);
        Assert.Single(oracle.Priced);
        Assert.True(found.Value.Certificate.Lower > own.Lower, $"lower bound {found.Value.Certificate.Lower:R} not above W's own {own.Lower:R}");
    }

    /// <summary>
    /// From the optimum scaled by 1 + δ, Newton on the dual's conditions reaches a lower bound equal to P* within the
    /// objective tolerance in at most 10 pricings (a few Newton steps and the stall steps). With loss scale c = 2 the loss's
    /// Hessian is 2I (its factor in the Jacobian is seen), and a start 5 % off the optimum needs the Newton step itself:
    /// the bound's error is second order in the error of v, so a start 0.1 % off is within 1e-6 of P* before any step
    /// (ref02 from 5 % off needs 15 pricings: its late steps raise the bound by rounding, each restarting the stall count).
    /// </summary>
    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1", 1.0, 1e-3)]
    [InlineData("ref04_n7_d3_int_f0.5", 1.0, 1e-3)]
    [InlineData("ref02_n5_d3_gauss_f0.1", 2.0, 1e-3)]
    [InlineData("ref04_n7_d3_int_f0.5", 2.0, 5e-2)]
    public void Newton_on_the_dual_conditions_reaches_the_optimum_in_a_few_steps(string name, double lossScale, double delta)
    {
        var exact = ReferenceInstance.Load(name).ExactProblem();
        var oracle = new RecordingOracle(exact.Oracle);
        var problem = new ConvexProblem(exact.Data, new SquaredLoss(lossScale), exact.Beta, oracle);
        var (w, own, optimum) = ScaledOptimum(problem, delta);
        oracle.Priced.Clear();
        var found = DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1e-300, Later);
        Assert.NotNull(found);
        var c = found.Value.Certificate;
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(c.Lower, optimum) && tol.AtMost(optimum, c.Lower),
            $"{name}, c = {lossScale}, δ = {delta}: lower bound {c.Lower:R} against P* = {optimum:R} (W's own {own.Lower:R}) after {oracle.Priced.Count} pricings (tolerance {tol})");
        Assert.Equal(problem.Certify(w, found.Value.Prediction).Lower, c.Lower);
        Assert.True(oracle.Priced.Count <= 10, $"{name}, c = {lossScale}, δ = {delta}: {oracle.Priced.Count} Newton steps");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DualPoints: the polish, then the search from the best point so far, only over an oracle that lists every block.

    [Fact]
    public void The_search_runs_over_an_oracle_that_does_not_list_every_block_too()
    {
        // W = 0 has no block to polish; the search raises its bound over either oracle (THEORY.md §9: the check searches over
        // branch and bound too). At a tolerance of 1 the search stops at its first improving trial (any positive lower bound
        // is within a relative gap of 1).
        foreach (bool lists in new[] { false, true })
        {
            var (problem, oracle) = Recorded("ref02_n5_d3_gauss_f0.1", lists);
            var w = ConvexPoint.Zero(problem.Data.D);
            var own = problem.Certify(w);
            oracle.Priced.Clear();
            var found = DualPoints.Improve(problem, w, own, w.Predict(problem.Data.X), 1, Later);
            Assert.NotNull(found);
            Assert.True(found.Value.Certificate.Lower > own.Lower,
                $"lists every block: {lists}; lower bound {found.Value.Certificate.Lower:R} not above W's own {own.Lower:R}");
            Assert.NotEmpty(oracle.Priced);
        }
    }

    [Fact]
    public void A_polish_within_the_tolerance_is_returned_without_a_search()
    {
        var data = Dataset.Create([[-0.00390625, 0], [0, 0.03125], [-16384, -16384]], [3, 2, 0], "cancelling long row");
        var exact = new ConvexProblem(data, new SquaredLoss(), 0.00081143066968778334, CellEnumerator.Enumerate(data.X));
        var oracle = new RecordingOracle(exact.Oracle);
        var problem = new ConvexProblem(data, exact.Loss, exact.Beta, oracle);
        var w = ConvexSolver.Solve(problem).W;
        var own = problem.Certify(w);
        var z = w.Predict(data.X);
        double eps = Tolerances.DefaultSolverGap;
        Assert.False(own.WithinGap(eps), $"W's own certificate already proves {own.RelativeGap:E2}");
        oracle.Priced.Clear();
        var polished = DualPolish.Polish(problem, w, own, z, eps, Later);
        int polishPricings = oracle.Priced.Count;
        Assert.NotNull(polished);
        Assert.True(polished.Value.Certificate.WithinGap(eps), $"polish ends at {polished.Value.Certificate.RelativeGap:E2}, ε = {eps}");
        oracle.Priced.Clear();
        var improved = DualPoints.Improve(problem, w, own, z, eps, Later);
        Assert.NotNull(improved);
        Assert.Equal(polishPricings, oracle.Priced.Count);
        Assert.Equal(polished.Value.Prediction, improved.Value.Prediction);
        Assert.Equal(polished.Value.Certificate.Lower, improved.Value.Certificate.Lower);
    }

    [Fact]
    public void The_search_starts_from_the_polished_point_and_keeps_it_when_it_finds_nothing_better()
    {
        var (problem, oracle) = Recorded("ref04_n7_d3_int_f0.5");
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        var z = w.Predict(problem.Data.X);
        oracle.Priced.Clear();
        var polished = DualPolish.Polish(problem, w, own, z, 1e-300, Later);
        int polishPricings = oracle.Priced.Count;
        Assert.NotNull(polished);

        // The search's first trial moves one row of the polished prediction.
        oracle.Priced.Clear();
        var improved = DualPoints.Improve(problem, w, own, z, 1e-300, Later);
        Assert.NotNull(improved);
        Assert.True(oracle.Priced.Count > polishPricings, "no search after a polish short of the tolerance");
        var polishedV = DualVector(problem, polished.Value.Prediction);
        Assert.True(MovedRow(oracle.Priced[polishPricings], polishedV) >= 0, "the search's first trial is not one row away from the polished prediction");
        Assert.True(improved.Value.Certificate.Lower >= polished.Value.Certificate.Lower,
            $"lower bound {improved.Value.Certificate.Lower:R} below the polish's {polished.Value.Certificate.Lower:R}");

        // A search stopped by the deadline before it improves anything leaves the polish's result.
        var deadline = DateTime.UtcNow.AddSeconds(1);
        var stalled = new RecordingOracle(ReferenceInstance.Load("ref04_n7_d3_int_f0.5").ExactProblem().Oracle)
            { StallAtCall = polishPricings, StallUntil = deadline };
        var again = new ConvexProblem(problem.Data, problem.Loss, problem.Beta, stalled);
        var cut = DualPoints.Improve(again, w, own, z, 1e-300, deadline);
        Assert.NotNull(cut);
        Assert.Equal(polishPricings, stalled.Priced.Count);
        Assert.Equal(polished.Value.Prediction, cut.Value.Prediction);
    }
}
