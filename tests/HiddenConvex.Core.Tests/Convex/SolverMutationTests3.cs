using System.Globalization;
using System.Text.RegularExpressions;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// <see cref="ConvexSolver"/>'s end of an uncertified solve and its newer rules (THEORY.md §4, §4.1, §4.2, §4a): the graded
/// inner target, the best bounds paired, the longer search of an anytime oracle, the time the dual point search is given,
/// the quick attempt set aside, and the end stages' bookkeeping; written against the surviving mutants of ConvexSolver.cs
/// (docs/mutation/convex-solver.md).
/// </summary>
public class SolverMutationTests3
{
    private static ConvexProblem Exact(string name) => ReferenceInstance.Load(name).ExactProblem();

    private static ConvexProblem Over(ConvexProblem exact, IPricingOracle oracle) => new(exact.Data, exact.Loss, exact.Beta, oracle);

    private static (SolverResult Result, string Log) SolveLogged(ConvexProblem problem, SolverSettings settings)
    {
        var log = new StringWriter();
        var r = ConvexSolver.Solve(problem, settings with { Verbose = true, Progress = log });
        return (r, log.ToString());
    }

    /// <summary>A stage line of the progress: iteration, stage, the point's objective and lower bound, a note.</summary>
    private static readonly Regex StageLine = new(
        @"^solve: iter +(?<iter>\d+) (?<stage>\S+) +working set +\d+ \+\d+ +newton +\d+" +
        @"  objective (?<objective>-?\d\.\d{12}E[+-]\d{3})  lower (?<lower>-?\d\.\d{12}E[+-]\d{3})  rel\.gap (?<gap>-?\d\.\d\dE[+-]\d{3})" +
        @"  ρ/β−1 -?\d\.\d\dE[+-]\d{3}  \((?<note>.*)\)$", RegexOptions.Multiline);

    private sealed record Stage(int Iteration, string Name, double Objective, double Lower, double RelativeGap, string Note);

    private static List<Stage> Stages(string log) =>
        StageLine.Matches(log.Replace("\r", "")).Select(m => new Stage(int.Parse(m.Groups["iter"].Value, CultureInfo.InvariantCulture),
            m.Groups["stage"].Value, Parse(m, "objective"), Parse(m, "lower"), Parse(m, "gap"), m.Groups["note"].Value)).ToList();

    private static double Parse(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    /// <summary>Two numbers agree to the 13 significant digits a progress line prints.</summary>
    private static bool AgreesWithPrinted(double value, double printed) => Math.Abs(value - printed) <= 1e-12 * Math.Abs(printed);

    // ---------------------------------------------------------------------------------------------------------------
    // The graded inner target (branch and bound while blocks are being added).

    [Fact]
    public void The_graded_inner_target_is_a_tenth_of_the_violation_clamped_between_the_tight_target_and_1e_1_only_for_an_oracle_that_does_not_list_every_block_and_added_blocks()
    {
        const double beta = 2, tight = ConvexSolver.BarrierRelativeGap;
        double loose = ConvexSolver.LooseBarrierRelativeGap, kappa = ConvexSolver.GradedTargetFactor;
        Assert.Equal(0.1, kappa);
        // Within the clamp: κ(ρ̲/β − 1).
        double near = beta * 1.05;
        Assert.Equal(kappa * (near / beta - 1), ConvexSolver.GradedTarget(false, 3, near, beta, tight), 15);
        Assert.InRange(ConvexSolver.GradedTarget(false, 3, near, beta, tight), 4.99e-3, 5.01e-3);
        // A second tight target: the graded one is still κ(ρ̲/β − 1) when above it.
        Assert.Equal(kappa * (near / beta - 1), ConvexSolver.GradedTarget(false, 1, near, beta, 1e-4), 15);
        // Clamped above at the loose target, and at exactly ρ̲ = 2β (κ · 1 = 1e-1).
        Assert.Equal(loose, ConvexSolver.GradedTarget(false, 3, 3 * beta, beta, tight));
        Assert.Equal(loose, ConvexSolver.GradedTarget(false, 3, 2 * beta, beta, tight));
        // Clamped below at the tight target: a violation of 1e-9 (κ · 1e-9 = 1e-10 < 1e-8), none, or a block below β.
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 3, beta * (1 + 1e-9), beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 3, beta, beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 3, 0.5 * beta, beta, tight));
        Assert.Equal(1e-4, ConvexSolver.GradedTarget(false, 3, beta * (1 + 1e-4), beta, 1e-4));
        // The tight target whenever the oracle lists every block or nothing was added, however large the violation.
        Assert.Equal(tight, ConvexSolver.GradedTarget(true, 3, near, beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(true, 3, 3 * beta, beta, tight));
        Assert.Equal(tight, ConvexSolver.GradedTarget(false, 0, near, beta, tight));
        Assert.Equal(1e-10, ConvexSolver.GradedTarget(false, 0, 3 * beta, beta, 1e-10));
        Assert.Equal(1e-10, ConvexSolver.GradedTarget(true, 0, 3 * beta, beta, 1e-10));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The best bounds paired at an uncertified end (THEORY.md §4.2: every prediction gives a lower bound).

    /// <summary>
    /// Over an oracle that hides that it lists every block there is no polish and no dual point search, so the end of a
    /// solve stopped at the iteration limit is the pairing alone: on these instances one iterate has the lowest objective
    /// and another (or W = 0) the highest lower bound, and the result is the first certified at the second's dual point.
    /// </summary>
    [Theory]
    [InlineData("ref04_n7_d3_int_f0.5", 2)]
    [InlineData("ref04_n7_d3_int_f0.5", 3)]
    [InlineData("ref05_n8_d3_gauss_f0.5", 2)]
    public void At_an_uncertified_end_the_lowest_objective_seen_is_certified_at_the_dual_point_of_the_highest_lower_bound_seen(string name, int iterations)
    {
        var exact = Exact(name);
        var problem = Over(exact, new DelegatingOracle(exact.Oracle, listsEveryBlock: false));
        var (r, log) = SolveLogged(problem, new SolverSettings { MaxIterations = iterations, Tolerance = 1e-300 });
        Assert.Equal(SolverStatus.MaxIterations, r.Status);
        var stages = Stages(log);
        var barriers = stages.Where(s => s.Name == "barrier").ToList();
        Assert.Equal(iterations, barriers.Count);
        var zero = problem.Certify(ConvexPoint.Zero(problem.Data.D));
        double lowestObjective = barriers.Min(s => s.Objective);
        double highestLower = Math.Max(zero.Lower, barriers.Max(s => s.Lower));
        var own = barriers.MinBy(s => s.Objective - s.Lower)!;
        Assert.True(own.Objective != lowestObjective || own.Lower != highestLower, $"the test needs two candidates to pair\n{log}");
        Assert.True(AgreesWithPrinted(r.Objective, lowestObjective), $"objective {r.Objective:R}, lowest seen {lowestObjective:R}\n{log}");
        Assert.True(AgreesWithPrinted(r.Lower, highestLower), $"lower {r.Lower:R}, highest seen {highestLower:R}\n{log}");
        Assert.Equal("paired", stages[^1].Name);
        // The pair is a certificate of the returned point at the returned prediction, recomputed independently.
        Assert.NotNull(r.DualPrediction);
        var again = problem.Certify(r.W, r.DualPrediction);
        Assert.Equal(again.Objective, r.Objective);
        Assert.Equal(again.Lower, r.Lower);
        Assert.True(r.Certificate.ProvenGap < (own.Objective - own.Lower) * (1 - 1e-9), $"the pair proves no less than the best iterate's own bracket\n{log}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The longer search of an anytime oracle before an uncertified end (THEORY.md §4a).

    /// <summary>
    /// An anytime oracle in miniature: every bracket it returns is ρ̲ exact and ρ̄ = ρ(1 + <paramref name="widen"/>) (it
    /// stopped before closing the bracket), except at the v it was asked to search longer at, which it answers exactly
    /// when <paramref name="answer"/> is <see cref="LongerSearch.Searched"/>. It records every longer search.
    /// </summary>
    private sealed class AnytimeOracle(IPricingOracle inner, LongerSearch answer, double widen = 1e-6) : DelegatingOracle(inner), IPricingOracle
    {
        private readonly List<Vector<double>> _searched = [];
        public List<(Vector<double> V, double DecidingRho)> Searches { get; } = [];
        public bool StopsAtDecision => true;
        public override PricingResult Price(Vector<double> v) => Bracket(v);
        public PricingResult Price(Vector<double> v, double decidingRho) => Bracket(v);

        public LongerSearch SearchLonger(Vector<double> v, double decidingRho)
        {
            Searches.Add((v.Clone(), decidingRho));
            if (answer == LongerSearch.Searched) _searched.Add(v.Clone());
            return answer;
        }

        private PricingResult Bracket(Vector<double> v)
        {
            var exact = Inner.Price(v);
            return _searched.Any(s => s.Equals(v)) ? exact : exact with { Upper = exact.Upper * (1 + widen) };
        }
    }

    /// <summary>
    /// ref04 (β = 0.5 β_max) over the anytime oracle at ε = 1e-9: no bracket of 1e-6 certifies, so the solve runs until
    /// nothing is left to add or tighten and the thorough polish lowers the gap no more; then the oracle is asked once to
    /// search longer at the best point's v with its deciding value ρ_c. Searched: the point is certified again from the
    /// closed bracket and the solve ends optimal with it; a spent budget ends it on the time limit; an oracle that had
    /// nothing to search ends it with a numerical error.
    /// </summary>
    [Theory]
    [InlineData(LongerSearch.Searched, SolverStatus.Optimal)]
    [InlineData(LongerSearch.BudgetSpent, SolverStatus.TimeLimit)]
    [InlineData(LongerSearch.NotNeeded, SolverStatus.NumericalError)]
    public void Before_an_uncertified_end_an_anytime_oracle_searches_longer_once_at_the_best_point_and_its_answer_decides_the_status(
        LongerSearch answer, SolverStatus expected)
    {
        var exact = Exact("ref04_n7_d3_int_f0.5");
        var oracle = new AnytimeOracle(exact.Oracle, answer);
        var problem = Over(exact, oracle);
        const double eps = 1e-9;
        var (r, log) = SolveLogged(problem, new SolverSettings { Tolerance = eps });
        Assert.True(r.Status == expected, $"status {r.StatusName}, expected {expected}\n{log}");
        Assert.Single(oracle.Searches);
        Assert.Contains("solve: nothing left to add or tighten; the best point's bound is undecided", log);
        var (v, decidingRho) = oracle.Searches[0];
        var stages = Stages(log);
        if (answer != LongerSearch.Searched)
        {
            Assert.DoesNotContain(stages, s => s.Name == "decide");
            Assert.False(r.Certificate.WithinGap(eps), $"relative gap {r.RelativeGap:E3}");
            return;
        }
        // Certified again at the same point and v, now from the closed bracket ρ̄ = ρ(v), which is at most ρ_c.
        Assert.Equal(v, r.Certificate.V);
        Assert.Equal(exact.Oracle.Price(v).Upper, r.Certificate.Rho);
        Assert.True(r.Certificate.WithinGap(eps), $"relative gap {r.RelativeGap:E3}\n{log}");
        double rhoC = CertificateChecker.DecidingRho(problem.Loss, problem.Beta, v, problem.Data.Y, r.Certificate.Objective,
            r.Certificate.ObjectiveRounding, eps);
        Assert.Equal(rhoC, decidingRho);
        Assert.True(r.Certificate.Rho <= rhoC && rhoC < r.Certificate.Rho * (1 + 1e-6), $"ρ = {r.Certificate.Rho:R}, ρ_c = {rhoC:R}: the widened bracket was undecided");
        var decide = stages.Single(s => s.Name == "decide");
        Assert.Equal(r.Iterations, decide.Iteration);
        Assert.True(AgreesWithPrinted(r.Lower, decide.Lower), $"the decide line's lower {decide.Lower:R}, the result's {r.Lower:R}\n{log}");
        Assert.Matches(@"^\d+[.,]\d\ds$", decide.Note);
        // The line before the longer search's names the best point's ρ̄ and the deciding value it was searched with.
        Assert.Matches(@"\(rho <= \S+, deciding value " + Regex.Escape(decidingRho.ToString("G6", CultureInfo.InvariantCulture)) + @"\)", log);
    }

    /// <summary>
    /// A longer search that leaves the best point uncertified (ε = 1e-300) does not end the solve while time is left: the
    /// next iteration has nothing to add either: the last resort's thorough polish runs again, then the oracle is asked
    /// again, once per iteration, until the iteration limit.
    /// </summary>
    [Fact]
    public void A_longer_search_that_does_not_certify_is_followed_by_further_iterations_until_a_limit()
    {
        var exact = Exact("ref04_n7_d3_int_f0.5");
        var oracle = new AnytimeOracle(exact.Oracle, LongerSearch.Searched);
        const int limit = 10;
        var (r, log) = SolveLogged(Over(exact, oracle), new SolverSettings { Tolerance = 1e-300, MaxIterations = limit });
        Assert.True(r.Status == SolverStatus.MaxIterations, $"status {r.StatusName}\n{log}");
        Assert.Equal(limit, r.Iterations);
        var decided = Stages(log).Where(s => s.Name == "decide").Select(s => s.Iteration).ToList();
        Assert.True(decided.Count >= 2, $"{decided.Count} longer searches\n{log}");
        Assert.Equal(oracle.Searches.Count, decided.Count);
        Assert.Equal(Enumerable.Range(decided[0], decided.Count), decided);
        Assert.Equal(limit, decided[^1]);
        // Each longer search follows the last resort's thorough polish of the same iteration, which found nothing better.
        var stages = Stages(log);
        for (int i = 0; i < stages.Count; i++)
            if (stages[i].Name == "decide")
                Assert.True(i > 0 && stages[i - 1].Name == "polish" && stages[i - 1].Iteration == stages[i].Iteration,
                    $"the longer search of iteration {stages[i].Iteration} does not follow a last-resort polish\n{log}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The time the dual point search is given.

    /// <summary>
    /// An exact oracle whose first pricing without a deciding value takes <paramref name="delay"/>: the solver's own
    /// certificates all pass a deciding value (the oracle says it stops at decisions), and with one iteration and no
    /// polish before the end, the first pricing without one is the dual point search's first trial.
    /// </summary>
    private sealed class SlowFirstTrialOracle(IPricingOracle inner, TimeSpan delay) : DelegatingOracle(inner), IPricingOracle
    {
        private bool _slept;
        public bool StopsAtDecision => true;
        public PricingResult Price(Vector<double> v, double decidingRho) => Inner.Price(v);

        public override PricingResult Price(Vector<double> v)
        {
            if (!_slept)
            {
                _slept = true;
                Thread.Sleep(delay);
            }
            return Inner.Price(v);
        }
    }

    /// <summary>
    /// The dual point search may take at least <see cref="ConvexSolver.MinDualSearchSeconds"/> however short the solve
    /// before it: a first trial slower than the whole solve so far (1 s after a first iteration of milliseconds) does
    /// not cut the search, and the result is the one without the delay. On ref00 the search and the polish at its dual
    /// point certify the first iterate's optimum.
    /// </summary>
    [Theory]
    [InlineData("ref00_n3_d2_gauss_f0.1", true)]
    [InlineData("ref02_n5_d3_gauss_f0.1", false)]
    public void A_slow_first_trial_does_not_cut_the_dual_point_search_short(string name, bool certifies)
    {
        Assert.True(ConvexSolver.MinDualSearchSeconds >= 2, "the test's delay of 1 s must lie well within the search's minimum time");
        var exact = Exact(name);
        var settings = new SolverSettings { MaxIterations = 1 };
        var (fast, fastLog) = SolveLogged(Over(exact, new SlowFirstTrialOracle(exact.Oracle, TimeSpan.Zero)), settings);
        var (slow, slowLog) = SolveLogged(Over(exact, new SlowFirstTrialOracle(exact.Oracle, TimeSpan.FromSeconds(1))), settings);
        Assert.Contains("dual", Stages(slowLog).Select(s => s.Name));
        Assert.True(slow.Status == fast.Status && slow.Objective == fast.Objective && slow.Lower == fast.Lower,
            $"slow first trial: {slow.StatusName} [{slow.Lower:R}, {slow.Objective:R}]\n{slowLog}\nwithout delay: {fast.StatusName} [{fast.Lower:R}, {fast.Objective:R}]\n{fastLog}");
        Assert.Equal(certifies ? SolverStatus.Optimal : SolverStatus.MaxIterations, slow.Status);
        Assert.Equal(1, slow.Iterations);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The quick attempt set aside.

    /// <summary>
    /// On ref03 (ε = 1e-9) and ref04 (β = 0.1 β_max) the quick attempt's point is not certified and is set aside. The next
    /// iteration solves at the tight target 1e-8 (not yet tightened: its point's relative gap lies above 1e-10, a barrier
    /// solve stopping within a factor BarrierSolver.Growth = 20 of its target), and the solve ends with that
    /// iteration — the attempt left no need of accuracy behind (its polish is not the resumed point's).
    /// </summary>
    [Theory]
    [InlineData("ref03_n7_d2_dup_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.1")]
    public void After_the_quick_attempt_is_set_aside_the_next_iteration_solves_at_1e_8_and_its_certified_point_ends_the_solve(string name)
    {
        var (r, log) = SolveLogged(Exact(name), new SolverSettings());
        Assert.Equal(SolverStatus.Optimal, r.Status);
        var lines = log.Replace("\r", "").Split('\n').ToList();
        int aside = lines.FindIndex(l => l.StartsWith("solve: quick attempt set aside", StringComparison.Ordinal));
        Assert.True(aside > 0, $"the test needs a quick attempt that is set aside\n{log}");
        Assert.EndsWith("tight target 1E-008", lines[aside]);
        var before = Stages(string.Join('\n', lines.Take(aside)));
        var after = Stages(string.Join('\n', lines.Skip(aside + 1)));
        int quickIteration = before[^1].Iteration;
        var resumed = after.First(s => s.Name == "barrier");
        Assert.Equal(quickIteration + 1, resumed.Iteration);
        double next = ConvexSolver.BarrierRelativeGap / ConvexSolver.RetightenFactor;
        Assert.True(resumed.RelativeGap > next && resumed.RelativeGap <= ConvexSolver.BarrierRelativeGap,
            $"the resumed solve's relative gap {resumed.RelativeGap:E2}: it was not solved at {ConvexSolver.BarrierRelativeGap:E0}\n{log}");
        Assert.Equal(quickIteration + 1, r.Iterations);
        Assert.True(r.RelativeGap <= ConvexSolver.AccurateRelativeGap, $"relative gap {r.RelativeGap:E3}\n{log}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The end stages of an uncertified solve, over an oracle that lists every block.

    /// <summary>
    /// After one iteration (the iteration limit), the end of the solve tries the kink rows left out, the best bounds paired,
    /// a better dual point, the polish at that dual point and the primal point of the dual's conditions: each stage line
    /// other than the polish's (which is printed before it is judged) states a new best point, proving a smaller gap than
    /// the best before it, and the result is the last of them. On these instances the first iterate's blocks sit on kinks
    /// of rows, and the end closes with the kink-free point certified at the best dual point found (a "kinks" line); where
    /// the polish at the best dual point is kept, the dual point search runs again from it and raises the bound (ref02,
    /// ref04 at β = 0.5 β_max).
    /// </summary>
    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1", true)]
    [InlineData("ref05_n8_d3_gauss_f0.1", false)]
    [InlineData("ref04_n7_d3_int_f0.5", true)]
    public void Each_end_stage_of_an_uncertified_solve_lowers_the_proven_gap_and_the_result_is_the_last_one(string name, bool searchedAgain)
    {
        var problem = Exact(name);
        var (r, log) = SolveLogged(problem, new SolverSettings { MaxIterations = 1 });
        Assert.Equal(SolverStatus.MaxIterations, r.Status);
        var stages = Stages(log);
        Assert.Equal(["barrier"], stages.Where(s => s.Iteration == 1 && s.Name == "barrier").Select(s => s.Name));
        var barrier = stages[0];
        var ends = stages.Skip(1).Where(s => s.Name != "polish").ToList();
        Assert.True(ends.Count >= 3, $"the test needs an end of several stages\n{log}");
        Assert.Contains("dual", ends.Select(s => s.Name));
        Assert.Contains("paired", ends.Select(s => s.Name));
        double gap = barrier.Objective - barrier.Lower;
        foreach (var s in ends)
        {
            double g = s.Objective - s.Lower;
            Assert.True(g <= gap + 2e-12 * Math.Abs(s.Objective), $"the {s.Name} line ({s.Note}) proves {g:R}, more than the best before it {gap:R}\n{log}");
            gap = g;
        }
        Assert.True(AgreesWithPrinted(r.Objective, ends[^1].Objective) && AgreesWithPrinted(r.Lower, ends[^1].Lower),
            $"result [{r.Lower:R}, {r.Objective:R}] is not the last stage's\n{log}");
        Assert.True(ends[^1].Name == "kinks", $"the end does not close with the kink-free point\n{log}");
        // The polish at the best dual point, kept (a paired line follows it), and the search again from it.
        int polish = stages.FindIndex(s => s.Note.EndsWith("faces of the best dual point", StringComparison.Ordinal));
        Assert.True(polish > 0 && stages[polish + 1].Name == "paired", $"the polish at the best dual point was not kept\n{log}");
        if (searchedAgain) Assert.Equal("dual", stages[polish + 2].Name);
        var again = problem.Certify(r.W, r.DualPrediction);
        Assert.Equal(again.Lower, r.Lower);
        Assert.Equal(again.Objective, r.Objective);
    }

    /// <summary>
    /// On one-block optima (ref00 at β = 0.5 β_max, ref06 in R¹) the first iterate, stopped by the iteration limit, is
    /// certified at the end by the primal point of the dual's conditions (Newton on them from the iterate's blocks and
    /// faces, THEORY.md §4.2), paired with its own prediction z′: a "primal" line, and the result is that point. It is
    /// certified at z′ or at its own dual vector, whichever proves less: the two differ by rounding only, so either may win.
    /// </summary>
    [Theory]
    [InlineData("ref00_n3_d2_gauss_f0.5")]
    [InlineData("ref06_n6_d1_gauss_f0.1")]
    [InlineData("ref06_n6_d1_gauss_f0.5")]
    public void The_primal_point_of_the_dual_conditions_certifies_a_first_iterate_at_the_end(string name)
    {
        var problem = Exact(name);
        var (r, log) = SolveLogged(problem, new SolverSettings { MaxIterations = 1 });
        Assert.True(r.Status == SolverStatus.Optimal, $"status {r.StatusName}\n{log}");
        Assert.Equal(1, r.Iterations);
        var stages = Stages(log);
        Assert.False(Tolerances.DefaultSolverGap >= stages[0].RelativeGap, $"the first iterate is certified already\n{log}");
        var primal = stages[^1];
        Assert.True(primal.Name == "primal" && primal.Note.EndsWith(", from the dual's conditions", StringComparison.Ordinal), $"the end is not the dual's primal point\n{log}");
        Assert.True(AgreesWithPrinted(r.Objective, primal.Objective) && AgreesWithPrinted(r.Lower, primal.Lower), $"result [{r.Lower:R}, {r.Objective:R}]\n{log}");
        var again = problem.Certify(r.W, r.DualPrediction);
        Assert.Equal(again.Lower, r.Lower);
        Assert.True(again.WithinGap(Tolerances.DefaultSolverGap));
    }

    /// <summary>
    /// At ε = 1e-300 the quick attempt of ref03 (ε never met) is set aside; the solve then goes on exactly as one without
    /// it: the inner target 1e-8, tightened by 100× while above 1e-12 (three tight solves, the last at 1e-12), and then the
    /// thorough polish as the last resort, which ends the solve with a numerical error well before the iteration limit.
    /// </summary>
    [Fact]
    public void After_a_quick_attempt_set_aside_the_inner_target_is_tightened_down_to_1e_12_before_the_last_resort()
    {
        var (r, log) = SolveLogged(Exact("ref03_n7_d2_dup_f0.1"), new SolverSettings { Tolerance = 1e-300 });
        Assert.True(r.Status == SolverStatus.NumericalError, $"status {r.StatusName}\n{log}");
        var lines = log.Replace("\r", "").Split('\n').ToList();
        int aside = lines.FindIndex(l => l.StartsWith("solve: quick attempt set aside", StringComparison.Ordinal));
        Assert.True(aside > 0, $"the test needs a quick attempt that is set aside\n{log}");
        var after = Stages(string.Join('\n', lines.Skip(aside + 1)));
        int tightenings = (int)Math.Round(Math.Log10(ConvexSolver.BarrierRelativeGap / ConvexSolver.MinBarrierRelativeGap) / Math.Log10(ConvexSolver.RetightenFactor));
        Assert.Equal(1 + tightenings, after.Count(s => s.Name == "barrier"));
        Assert.True(r.Iterations < new SolverSettings().MaxIterations, $"{r.Iterations} iterations\n{log}");
    }
}
