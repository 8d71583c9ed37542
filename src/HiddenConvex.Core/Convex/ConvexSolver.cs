using System.Diagnostics;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Certified solver of the cone-constrained group lasso of THEORY.md §3.
/// <para>
/// Algorithm: column generation. From W = 0, each outer iteration prices the blocks at the dual vector v = −∇ℓ(z) of the
/// last inner solution (<see cref="IPricingOracle.BlocksAbove"/>), adds the most violated ones to the
/// <see cref="WorkingSet"/> and drops those the last solution leaves empty while they price well below β
/// (<see cref="WorkingSet.Prune"/>), then solves the program reduced to the working set with an inner solver
/// (<see cref="IInnerSolver"/>; the log barrier, <see cref="BarrierSolver"/>), warm-started from the last solution. While
/// the working set is clearly incomplete (<see cref="IsFarFromOptimal"/>) the inner solve is loose
/// (<see cref="LooseBarrierRelativeGap"/>: it only ranks the violated blocks), then tight
/// (<see cref="BarrierRelativeGap"/>; over branch and bound, graded by the violation while blocks are being added,
/// <see cref="GradedTarget"/>; on a small program, first one quick attempt at <see cref="QuickBarrierRelativeGap"/>
/// whose polish decides, <see cref="IsSmallProgram"/>); once no block is missing the inner target is tightened by 100× down to
/// <see cref="MinBarrierRelativeGap"/> (<see cref="ShouldRetighten"/>). Near the optimum a face polish
/// (<see cref="FacePolisher"/>: Newton on the faces read off the dual) often certifies at once
/// (<see cref="WorthEarlyPolish"/>); a certified point is polished once more so that v* is accurate for the optimal set
/// when nothing is left to add or tighten, a thorough polish is the last resort.
/// Dense polishes are skipped above <see cref="PolishVariableLimit"/> variables.
/// </para>
/// <para>
/// Stopping rule (the certificate decides, never the inner solver): with lower = −ℓ*(−t v) the THEORY.md §4 certificate of
/// the best point computed over every block of the program (<see cref="ConvexProblem.Certify(ConvexPoint)"/>) with its rounding bounds
/// (THEORY.md §4.1), the solve stops when
/// <see cref="IsCertified"/> holds and the point is accurate — its polish did not fail and, on a working set that can be
/// polished, its relative gap is ≤ <see cref="AccurateRelativeGap"/> — or no tighter inner target is left
/// (<see cref="StopsCertified"/>), with <see cref="SolverStatus.Optimal"/> when the oracle bounds the full program and
/// <see cref="SolverStatus.OptimalRestricted"/> otherwise. Otherwise it ends on the iteration or time limit, on
/// cancellation, or with <see cref="SolverStatus.NumericalError"/> when nothing can be added or tightened and the thorough
/// polish no longer lowers the certified gap — always returning the best certified point seen. An oracle that stops at a
/// limit before it finds a block above β or proves that none exists (<see cref="PricedBlocks.Undecided"/>) has not shown
/// that nothing can be added: the same v is priced again, longer, until a limit ends the solve.
/// </para>
/// </summary>
public static class ConvexSolver
{
    /// <summary>Solves the program with default settings.</summary>
    public static SolverResult Solve(ConvexProblem problem) => Solve(problem, new SolverSettings());

    /// <summary>Solves the program; see the class comment for the algorithm and the stopping rule.</summary>
    public static SolverResult Solve(ConvexProblem problem, SolverSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new Run(problem, (settings ?? new SolverSettings()).Validated(), ct).Execute();
    }

    /// <summary>Relative duality-gap target of a tight inner solve; the face polish takes over from there.</summary>
    internal const double BarrierRelativeGap = 1e-8;

    /// <summary>Tightest inner target tried before the face polish takes over.</summary>
    internal const double MinBarrierRelativeGap = 1e-12;

    /// <summary>Factor by which the inner target is tightened when no block is missing.</summary>
    internal const double RetightenFactor = 100;

    /// <summary>Inner target while the working set is clearly incomplete (<see cref="IsFarFromOptimal"/>).</summary>
    internal const double LooseBarrierRelativeGap = 1e-1;

    /// <summary>ρ(v)/β − 1 above which the working set is treated as clearly incomplete.</summary>
    internal const double FarFromOptimal = 1e-2;

    /// <summary>A tight inner solve whose point prices within β(1 + this) is followed by a face polish.</summary>
    internal const double PolishThreshold = 1e-4;

    /// <summary>
    /// The last-resort polish goes on only while each round lowers the certified gap by at least this fraction: a round that
    /// moves it by less has stalled (it ends the iterations as `numerical-error`, and the end's dual searches take over).
    /// Why: on widely scaled rows (2^-20 and 2^18 long, seed 2420000004) the polish lowered the objective by 1e-12 per
    /// round at a gap of 3.2e-2 and spent 30 of the 50 iterations so, ending at the iteration limit.
    /// </summary>
    internal const double LastResortProgress = 1e-2;

    /// <summary>
    /// Working sets with more variables (K·d) than this are polished only as the last resort: the polish is a dense
    /// Newton method, O((K d)³) per step, and with hundreds of nearly active blocks it rarely beats the barrier.
    /// </summary>
    internal const int PolishVariableLimit = 600;

    /// <summary>
    /// Relative certified gap of an accurate point (<see cref="IsAccurate"/>). A point certified at ε is known only to about
    /// √ε in the directions the objective hardly sees (a block's component along a face costs β‖δ‖²/(2‖w_b‖)): measured, a
    /// point certified at 1.1e-11 had a block 1e-4 off the face of its optimum, and its network ψ(W) a Clarke measure 2.6×
    /// the stationarity threshold, where the optimum is stationary to 1e-12.
    /// </summary>
    internal const double AccurateRelativeGap = 1e-12;

    /// <summary>
    /// The point is accurate: relative gap ≤ <see cref="AccurateRelativeGap"/>, or it cannot be polished — the oracle does not
    /// list every block (branch and bound: each further iteration is one more search, and no optimal set is read) or the
    /// working set is too large (K·d &gt; <see cref="PolishVariableLimit"/>); there only the barrier's own tightening is left,
    /// and ε decides.
    /// </summary>
    internal static bool IsAccurate(Certificate c, int variables, bool listsEveryBlock) =>
        c.RelativeGap <= AccurateRelativeGap || !listsEveryBlock || !IsPolishable(variables);

    /// <summary>Polish rounds of one polish (each from the last round's result, while that improves the gap).</summary>
    internal const int PolishRounds = 3;

    /// <summary>
    /// Time the dual point search may take at least (<see cref="DualPoints"/>), in seconds: a safety net, not its budget. The
    /// search is bounded by its own count (<see cref="DualPointSearch.Sweeps"/> sweeps of at most <see cref="DualPointSearch.Rows"/>
    /// rows, each trial one pricing) and ends after a sweep that does not raise the bound, so a result that depends on this
    /// limit depends on the machine's load. Measured at 0.5 s: seed 2290000003's I2 (8 × 3, near-duplicate rows, logistic),
    /// run alone, certified the check's network at 7.8e-7 for every k; with another soak running (load 5 on two cores) the
    /// search at k = 1e-3 was cut and proved only 1.7e-5, so the verdict changed with the units. At 5 s it passes under that load.
    /// </summary>
    internal const double MinDualSearchSeconds = 5;

    /// <summary>
    /// The deadline of a last search after <paramref name="secondsSoFar"/> of work: max(<see cref="MinDualSearchSeconds"/>,
    /// secondsSoFar) from now, never past <paramref name="limit"/> (a last step, never the bulk of the work).
    /// </summary>
    internal static DateTime LastSearchDeadline(double secondsSoFar, DateTime limit)
    {
        var own = DateTime.UtcNow.AddSeconds(Math.Max(MinDualSearchSeconds, secondsSoFar));
        return own < limit ? own : limit;
    }

    /// <summary>Narrower active margins a thorough polish tries after the default one.</summary>
    private static readonly double?[] ThoroughMargins = [null, 1e-7, 1e-8, 1e-9];

    /// <summary>
    /// The certificate's test (THEORY.md §4.1): Ḡ ≤ ε (L̂ − B) with Ḡ = (objective − lower) + B + B_low the proven gap, B and
    /// B_low the rounding bounds of the objective and of the lower bound, and ε = <see cref="SolverSettings.Tolerance"/>.
    /// Relative to the point's own objective, so the test is unchanged by units.
    /// </summary>
    internal static bool IsCertified(Certificate c, double tolerance) => c.WithinGap(tolerance);

    /// <summary>
    /// Stop with a certified point: <see cref="IsCertified"/>(best) ∧ (¬needsAccuracy ∨ target ≤ <see cref="MinBarrierRelativeGap"/>),
    /// where needsAccuracy says that the face polish of the last certified point failed (its v* is then only as accurate as
    /// the barrier left it, and the optimal set of THEORY.md §6 is read off v*) or that the point is not accurate
    /// (<see cref="IsAccurate"/>; THEORY.md §6, accuracy of what is read off a certified point).
    /// </summary>
    internal static bool StopsCertified(Certificate best, double tolerance, bool needsAccuracy, double tightTarget) =>
        IsCertified(best, tolerance) && (!needsAccuracy || tightTarget <= MinBarrierRelativeGap);

    /// <summary>
    /// The working set is clearly incomplete: (added &gt; 0 ∨ no inner solve yet) ∧ ρ̲(v) &gt; β(1 + <see cref="FarFromOptimal"/>),
    /// with ρ̲ the largest value of a block priced at v (ρ itself for an enumeration); more blocks will be needed anyway, and
    /// a loose inner solve ranks the violated blocks just as well. Why ρ̲ and not the certificate's ρ̄: an anytime oracle's
    /// ρ̄ can stay far above β at a point that is nearly optimal (its bracket stops once the certificate is decided), and
    /// read as "far" it made every solve after an addition loose (measured at (n, d) = (5000, 5): 37 iterations alternating
    /// between a loose and a tight point 0.7 % apart).
    /// </summary>
    internal static bool IsFarFromOptimal(int added, bool solvedOnce, double rhoLower, double beta) =>
        (added > 0 || !solvedOnce) && rhoLower > beta * (1 + FarFromOptimal);

    /// <summary>Factor κ of <see cref="GradedTarget"/>: the inner target is κ times the violation ρ̲/β − 1.</summary>
    internal const double GradedTargetFactor = 0.1;

    /// <summary>
    /// The inner target of a round that added blocks over an oracle that does not list every block (branch and bound),
    /// when the working set is not far from optimal: κ(ρ̲/β − 1) with κ = <see cref="GradedTargetFactor"/>, clamped to
    /// [tight target, <see cref="LooseBarrierRelativeGap"/>]; the tight target otherwise (every enumerated program, and
    /// any round that added nothing). Why: at n = 1000 a tight inner solve takes 100–190 Newton steps, and while blocks
    /// still price above β the next round replaces the point anyway; measured at (n, d) = (1000, 10) (Gaussian teacher):
    /// certified in 206 s instead of 254 s, the same optimum to 6e-8. Over an enumeration the solve is unchanged.
    /// </summary>
    internal static double GradedTarget(bool listsEveryBlock, int added, double largestPriced, double beta, double tightTarget) =>
        listsEveryBlock || added == 0
            ? tightTarget
            : Math.Max(tightTarget, Math.Min(LooseBarrierRelativeGap, GradedTargetFactor * (largestPriced / beta - 1)));

    /// <summary>
    /// Tighten the inner target by <see cref="RetightenFactor"/>: added = 0 ∧ an inner solve was done ∧ it was tight ∧
    /// target &gt; <see cref="MinBarrierRelativeGap"/> (only the inner solve's accuracy limits the gap; warm-started, a
    /// tighter solve costs a few centring stages).
    /// </summary>
    internal static bool ShouldRetighten(int added, bool solvedOnce, bool lastWasLoose, double tightTarget) =>
        added == 0 && solvedOnce && !lastWasLoose && tightTarget > MinBarrierRelativeGap;

    /// <summary>
    /// Polish an uncertified point early: ¬far ∧ ¬(added &gt; 0 ∧ ρ(v) &gt; β(1 + <see cref="PolishThreshold"/>)) ∧
    /// K·d ≤ <see cref="PolishVariableLimit"/>. Near the optimum the face polish often certifies at once where the barrier
    /// would still alternate between working sets (large near-parallel rows make ρ(v) sensitive to v far beyond the
    /// objective's gap).
    /// </summary>
    internal static bool WorthEarlyPolish(bool far, int added, double rho, double beta, int variables) =>
        !far && !(added > 0 && rho > beta * (1 + PolishThreshold)) && variables <= PolishVariableLimit;

    /// <summary>
    /// Blocks added per outer iteration by default: max(10, min(n, ⌈3√n⌉)). Adding n at once (the former default) filled the
    /// working set with blocks that price above β only at the first, far-off dual vectors (1612 blocks for 96 active at
    /// n = 200), and a Newton step costs O(K n² d) in the working-set size K; a few more iterations with the most violated
    /// blocks cost less (n = 400, d = 2: 3.3 s CPU instead of 5.0 s). Up to n = 10 this is 10, as before.
    /// </summary>
    internal static int DefaultBlocksPerIteration(int n) => Math.Max(10, Math.Min(n, (int)Math.Ceiling(3 * Math.Sqrt(n))));

    /// <summary>A working set of K blocks in R^d is polished (other than as the last resort) when K·d ≤ <see cref="PolishVariableLimit"/>.</summary>
    internal static bool IsPolishable(int variables) => variables <= PolishVariableLimit;

    /// <summary>
    /// Target of the quick attempt's tight inner solve on a small program (<see cref="IsSmallProgram"/>): a point this close
    /// to the reduced optimum usually reads the optimum's faces off its dual vector already, and the face polish certifies
    /// from it.
    /// </summary>
    internal const double QuickBarrierRelativeGap = 1e-3;

    /// <summary>
    /// The quick attempt is kept only when its point is certified to this relative gap (and its polish did not fail): a
    /// polish from a point 1e-3 off can settle on a neighbouring face (a block on the kink of a row, with or without that
    /// row) where it stalls just inside ε, with a dual vector too coarse for the optimal set of THEORY.md §6.
    /// </summary>
    internal const double QuickAttemptAccuracy = 1e-12;

    /// <summary>
    /// A small program: the oracle lists every block and all of them together (2p blocks in R^d) fit one polish
    /// (2p·d ≤ <see cref="PolishVariableLimit"/>). There a polish costs less than the centring stages from
    /// <see cref="QuickBarrierRelativeGap"/> to <see cref="BarrierRelativeGap"/>, so the first tight inner solve stops at
    /// the quick target and the polish decides (<see cref="AcceptsQuickAttempt"/>); otherwise the solve continues exactly as
    /// on a large program, from <see cref="BarrierRelativeGap"/>. Measured on the 16 reference instances: 13–79 Newton
    /// steps instead of 29–106. On large programs a failed polish costs more than the stages it saves.
    /// </summary>
    internal static bool IsSmallProgram(IPricingOracle oracle, int d) =>
        oracle is EnumeratedPricing e && (long)e.BlockCount * d <= PolishVariableLimit;

    /// <summary>
    /// The quick attempt's point is kept: IsCertified(best) ∧ relative gap ≤ <see cref="QuickAttemptAccuracy"/> ∧ ¬needsAccuracy.
    /// Otherwise the solve goes on from the target <see cref="BarrierRelativeGap"/> with the best point of before the
    /// attempt, as if the attempt had not been made (its point is returned only if the rest of the solve certifies nothing better).
    /// </summary>
    internal static bool AcceptsQuickAttempt(Certificate best, double tolerance, bool needsAccuracy) =>
        IsCertified(best, tolerance) && best.RelativeGap <= QuickAttemptAccuracy && !needsAccuracy;

    /// <summary>
    /// A point with its independent certificate (THEORY.md §4), at the point's own dual vector or, when
    /// <paramref name="DualPrediction"/> is given, at v = −∇ℓ(z′) for that prediction z′ (<see cref="DualPoints"/>).
    /// </summary>
    private sealed record Candidate(ConvexPoint Point, Certificate Certificate, double ConeViolation, Vector<double>? DualPrediction = null)
    {
        /// <summary>The point lies in its cones: max relative cone violation ≤ <see cref="Numerics.Tolerances.Cone"/> at scale 1.</summary>
        public bool Feasible => ConeViolation <= Numerics.Tolerances.Cone.At(1);

        /// <summary>
        /// This candidate replaces <paramref name="than"/> as the best point: it is feasible and either the other is not or
        /// this one's certified gap is smaller. An infeasible point's objective is no upper bound on P*_c, so its
        /// "certificate" proves nothing (a barrier that cannot start returns its infeasible start point).
        /// </summary>
        public bool Improves(Candidate than) => Feasible && (!than.Feasible || Certificate.Gap < than.Certificate.Gap);
    }

    /// <summary>One solve: the loop state of the column generation and its phases.</summary>
    private sealed class Run
    {
        private readonly ConvexProblem _problem;
        private readonly SolverSettings _settings;
        private readonly CancellationToken _ct;
        private readonly IInnerSolver _inner = BarrierSolver.Instance;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly DateTime _deadline;
        private readonly TextWriter? _progress;
        private readonly WorkingSet _working = new();
        private readonly int _perIteration;
        private Candidate _best, _last;
        // Over every feasible candidate evaluated: the lowest objective and the highest lower bound (PairBestBounds).
        private Candidate? _lowestObjective, _highestLower;
        private int _iteration, _newtonTotal;
        private bool _solvedOnce, _lastWasLoose, _needsAccuracy;
        private double _tightTarget = BarrierRelativeGap;
        // The quick attempt of a small program (IsSmallProgram): pending until its tight inner solve, then kept or set aside.
        private bool _quickPending, _resumeTight;
        private Candidate? _quickPoint, _bestBeforeQuick;

        public Run(ConvexProblem problem, SolverSettings settings, CancellationToken ct)
        {
            _problem = problem; _settings = settings; _ct = ct;
            _deadline = DateTime.UtcNow.AddSeconds(settings.TimeLimitSeconds);
            _progress = settings.Verbose ? settings.Progress ?? Console.Error : null;
            _perIteration = settings.BlocksPerIteration > 0 ? settings.BlocksPerIteration : DefaultBlocksPerIteration(problem.Data.N);
            _quickPending = settings.QuickAttempt && IsSmallProgram(problem.Oracle, problem.Data.D);
            _best = _last = Evaluate(ConvexPoint.Zero(problem.Data.D));
            _working.AddInitial(problem.Oracle, settings.InitialBlocks);
        }

        private double Beta => _problem.Beta;
        private double Tolerance => _settings.Tolerance;
        private int D => _problem.Data.D;

        public SolverResult Execute()
        {
            _progress?.WriteLine($"solve: n={_problem.Data.N} d={D} blocks={BlockCountText()} β={Beta:G6} loss={_problem.Loss}");
            while (true)
            {
                if (StopBeforeIteration() is { } stop) return Result(Finish(stop));
                _iteration++;
                if (Iterate() is { } end) return Result(Finish(end));
            }
        }

        private string BlockCountText() =>
            _problem.Oracle is EnumeratedPricing e ? e.BlockCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : _problem.Oracle.Method;

        /// <summary>The status to stop with before the next iteration: certified (<see cref="StopsCertified"/>), or a limit.</summary>
        private SolverStatus? StopBeforeIteration()
        {
            bool certified = IsCertified(_best.Certificate, Tolerance);
            bool accurate = IsAccurate(_best.Certificate, _working.Count * D, _problem.Oracle.ListsEveryBlock);
            if (StopsCertified(_best.Certificate, Tolerance, _needsAccuracy || !accurate, _tightTarget)) return CertifiedStatus();
            SolverStatus? limit = _ct.IsCancellationRequested ? SolverStatus.Cancelled
                : DateTime.UtcNow > _deadline ? SolverStatus.TimeLimit
                : _iteration >= _settings.MaxIterations ? SolverStatus.MaxIterations
                : null;
            // A limit reached while a certified point is only being made more accurate still returns it as certified.
            return limit is null ? null : certified ? CertifiedStatus() : limit;
        }

        /// <summary>One outer iteration: pricing, then an inner solve, or the last-resort polish when there is nothing to solve.</summary>
        private SolverStatus? Iterate()
        {
            // Price at the reduced optimum (the last inner solution): column generation needs its dual vector.
            var v = _last.Certificate.V;
            int pruned = _working.Prune(_problem.Oracle.Geometry, Beta, v);
            var column = _working.AddViolated(_problem.Oracle, Beta, v, _perIteration);
            int added = column.Added;
            bool retighten = !_resumeTight && ShouldRetighten(added, _solvedOnce, _lastWasLoose, _tightTarget);
            if (retighten) _tightTarget /= RetightenFactor;
            if (!(added > 0 || !_solvedOnce || _lastWasLoose || retighten || _resumeTight))
                return column.PricingUndecided ? PriceAgain() : LastResortPolish();
            _resumeTight = false;
            return InnerSolvePhase(added, pruned, column.LargestPriced);
        }

        /// <summary>Solves the reduced program, certifies its point, and polishes when worthwhile.</summary>
        private SolverStatus? InnerSolvePhase(int added, int pruned, double largestPriced)
        {
            bool far = IsFarFromOptimal(added, _solvedOnce, largestPriced, Beta);
            _lastWasLoose = far;
            bool quick = _quickPending && !far;
            if (quick) _bestBeforeQuick = _best;
            var inner = SolveReduced(far ? LooseBarrierRelativeGap : quick ? QuickBarrierRelativeGap
                : GradedTarget(_problem.Oracle.ListsEveryBlock, added, largestPriced, Beta, _tightTarget));
            _working.Remember(inner, D);
            _solvedOnce = true;
            _last = Evaluate(_working.ToPoint(inner.W, D));
            if (_last.Improves(_best)) _best = _last;
            Report("barrier", added, inner.NewtonSteps, _last,
                $"{_clock.Elapsed.TotalSeconds:F2}s" + (pruned > 0 ? $", −{pruned} pruned" : "") + (inner.Failure is null ? "" : ", " + inner.Failure));
            if (inner.Status == InnerStatus.Cancelled) return SolverStatus.Cancelled;
            if (inner.Status == InnerStatus.TimeLimit) return SolverStatus.TimeLimit;
            if (!IsCertified(_last.Certificate, Tolerance)) EarlyPolish(far, added);
            else AccuracyPolish();
            if (quick) EndQuickAttempt();
            return null;
        }

        /// <summary>
        /// After the quick attempt's inner solve and polish: its point is kept (<see cref="AcceptsQuickAttempt"/>), or set
        /// aside, and the next iteration solves at <see cref="BarrierRelativeGap"/> from the best point of before the attempt.
        /// </summary>
        private void EndQuickAttempt()
        {
            _quickPending = false;
            if (AcceptsQuickAttempt(_best.Certificate, Tolerance, _needsAccuracy)) return;
            _quickPoint = _best;
            _best = _bestBeforeQuick!;
            _needsAccuracy = false;
            _resumeTight = true;
            _progress?.WriteLine($"solve: quick attempt set aside (rel.gap {_quickPoint.Certificate.RelativeGap:E2}); tight target {_tightTarget:E0}");
        }

        /// <summary>
        /// The inner solve at a target, warm-started from the last solution; a warm start that failed numerically (it can sit
        /// too close to the boundary for damped Newton) is retried from the cold start.
        /// </summary>
        private InnerOutcome SolveReduced(double target)
        {
            var program = new ReducedProgram(_problem.Oracle.Geometry.XRowMajor, _problem.Data.N, D, _problem.Data.Y, _problem.Loss, Beta, _working.Blocks);
            var warm = _working.LastSolution is { } points ? new WarmStart(points, _last.Certificate.Gap) : null;
            var inner = _inner.Solve(program, new InnerRequest(target, _settings.MaxNewtonSteps, _deadline, _ct, warm));
            _newtonTotal += inner.NewtonSteps;
            if (warm is null || !inner.FailedNumerically) return inner;
            inner = _inner.Solve(program, new InnerRequest(target, _settings.MaxNewtonSteps, _deadline, _ct));
            _newtonTotal += inner.NewtonSteps;
            return inner;
        }

        /// <summary>An uncertified point near the optimum is polished from the better of the last and the best point (<see cref="WorthEarlyPolish"/>).</summary>
        private void EarlyPolish(bool far, int added)
        {
            if (!WorthEarlyPolish(far, added, _last.Certificate.Rho, Beta, _working.Count * D)) return;
            var from = _last.Feasible && _last.Certificate.Gap <= _best.Certificate.Gap ? _last : _best;
            var early = PolishFrom(from, thorough: false, withEmpty: false);
            if (early is null) return;
            Report("polish", 0, 0, early, $"{_clock.Elapsed.TotalSeconds:F2}s");
            if (early.Improves(_best)) _best = early;
        }

        /// <summary>
        /// A certified point is polished once more (default active margin only), so that the optimal set (§6) is read off an
        /// accurate v*; the better of the two certified points is kept. A failed polish (the faces read off v were wrong)
        /// leaves v* as inaccurate as the barrier left it: the point then needs accuracy, and the inner solve is tightened
        /// while a tighter target is left.
        /// </summary>
        private void AccuracyPolish()
        {
            bool polishable = _problem.Oracle.ListsEveryBlock && IsPolishable(_working.Count * D);
            var refined = polishable ? PolishFrom(_last, thorough: false) : null;
            if (refined is not null) Report("polish", 0, 0, refined, $"{_clock.Elapsed.TotalSeconds:F2}s");
            bool polishFailed = polishable && !(refined is not null && refined.Certificate.Gap <= _best.Certificate.Gap);
            if (refined is not null && refined.Improves(_best)) _best = refined;
            _needsAccuracy = polishFailed;
        }

        /// <summary>
        /// The oracle stopped at a limit before it found a block above β or proved that none exists: nothing is known to be
        /// missing or complete, so the next iteration prices the same v again (the oracle searches longer there) until a
        /// block is found, the bound certifies, or a limit ends the solve — never a numerical error.
        /// </summary>
        private SolverStatus? PriceAgain()
        {
            _progress?.WriteLine($"solve: pricing undecided at a limit (rho <= {_last.Certificate.Rho:G6}, beta = {Beta:G6}); searching longer at the same v");
            return null;
        }

        /// <summary>
        /// Neither a new block nor a tighter inner solve is left: near a degenerate optimum the barrier's rounding floor sits
        /// above ε, and the thorough face polish takes over; when it no longer lowers the gap the solve ends.
        /// </summary>
        private SolverStatus? LastResortPolish()
        {
            var polished = PolishFrom(_best, thorough: true);
            if (!(polished is not null && IsCertified(polished.Certificate, Tolerance)) && OwnFacePolish() is { } own
                && (polished is null || own.Certificate.ProvenGap < polished.Certificate.ProvenGap))
                polished = own;
            if (polished is not null) Report("polish", 0, 0, polished, $"{_clock.Elapsed.TotalSeconds:F2}s");
            if (polished is not null && polished.Improves(_best))
            {
                bool stalled = !(polished.Certificate.Gap < (1 - LastResortProgress) * _best.Certificate.Gap);
                _best = polished;
                if (!stalled) return null;
            }
            if (IsCertified(_best.Certificate, Tolerance)) return CertifiedStatus();
            return SearchLongerAtBest() switch
            {
                LongerSearch.NotNeeded => SolverStatus.NumericalError,
                LongerSearch.BudgetSpent => SolverStatus.TimeLimit,
                _ => IsCertified(_best.Certificate, Tolerance) ? CertifiedStatus() : DateTime.UtcNow > _deadline ? SolverStatus.TimeLimit : null,
            };
        }

        /// <summary>
        /// Before an uncertified end, the one proof left: when the best point's bracket stopped at a limit without deciding its
        /// test (ρ̲ ≤ ρ_c &lt; ρ̄, THEORY.md §4a), the oracle searches again at its dual vector with all the budget left
        /// (<see cref="IPricingOracle.SearchLonger"/>) and the point is certified again from the combined bracket. Returns
        /// what the oracle did (an exact one never searches; a spent budget ends the solve at its time limit). Measured at
        /// (n, d) = (1000, 10): without it the solve ended `numerical-error` with a third of its 600 s unspent; with it, the
        /// reported relative gap went from 0.16 to 0.11 and the status is `time-limit`.
        /// </summary>
        private LongerSearch SearchLongerAtBest()
        {
            if (!_problem.Oracle.StopsAtDecision) return LongerSearch.NotNeeded;
            var c = _best.Certificate;
            double rhoC = CertificateChecker.DecidingRho(_problem.Loss, Beta, c.V, _problem.Data.Y, c.Objective, c.ObjectiveRounding, Tolerance);
            _progress?.WriteLine($"solve: nothing left to add or tighten; the best point's bound is undecided (rho <= {c.Rho:G6}, deciding value {rhoC:G6}): one more search with the time left, if undecided");
            var searched = _problem.Oracle.SearchLonger(c.V, rhoC);
            if (searched != LongerSearch.Searched) return searched;
            var again = _best with { Certificate = _problem.Certify(_best.Point, _best.DualPrediction, Tolerance) };
            if (again.Certificate.ProvenGap < c.ProvenGap) _best = again;
            RecordBounds(again);
            Report("decide", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s");
            return searched;
        }

        /// <summary>
        /// The face polish on the faces the best point sits on (<see cref="FacePolisher.PolishOnOwnFaces"/>), from the best and
        /// from the last point: the fallback when the faces read off their dual vectors do not certify. Null when nothing
        /// is left to polish.
        /// </summary>
        private Candidate? OwnFacePolish()
        {
            Candidate? result = null;
            foreach (var from in new[] { _best, _last }.Where(c => c.Feasible))
            {
                var start = StartOf(from);
                if (!IsPolishable(start.Count * D)) continue;
                var polished = FacePolisher.PolishOnOwnFaces(_problem.Data.X, _problem.Data.Y, _problem.Loss, Beta, start);
                if (polished is null) continue;
                var candidate = EvaluatePolished(polished);
                if (result is null || candidate.Certificate.ProvenGap < result.Certificate.ProvenGap) result = candidate;
            }
            return result;
        }

        /// <summary>
        /// Face polish (<see cref="FacePolisher"/>) started from a candidate, repeated from its own result while that
        /// improves the certified gap and prices better than its start (<see cref="PricesBetter"/>; at most
        /// <see cref="PolishRounds"/> rounds): a polished point that prices above β on a
        /// block the first face set missed reads that block off its own, more accurate, dual vector. Thorough (the fallback
        /// when the barrier cannot reach ε): each round also tries narrower active margins, and stops at the first certified
        /// point. Without <paramref name="withEmpty"/> (the early polish of an uncertified point) the retry that keeps the
        /// blocks the start leaves empty is skipped: from a point that is not yet certified it rarely helps and costs as
        /// much again. Null when no block is active.
        /// </summary>
        private Candidate? PolishFrom(Candidate from, bool thorough, bool withEmpty = true)
        {
            Candidate? best = null;
            for (int round = 0; round < PolishRounds; round++)
            {
                var start = best ?? from;
                var next = PolishOnce(start, thorough, withEmpty);
                if (next is null || (best is not null && !(next.Certificate.Gap < best.Certificate.Gap))) break;
                best = next;
                if (best.Certificate.Gap <= 0 || !PricesBetter(next, start)) break;
            }
            return best;
        }

        /// <summary>
        /// A polished point seeds another round only when it prices no worse than its start: its certified gap is lower, or
        /// |ρ(v)/β − 1| ≤ max(|ρ(v₀)/β − 1|, <see cref="PolishThreshold"/>) with v₀ the start's dual vector. A point that prices
        /// far from β reads a huge face set off an inaccurate v (hundreds or thousands of blocks near β), whose dense polish
        /// costs minutes and returns nothing better.
        /// </summary>
        private bool PricesBetter(Candidate next, Candidate start) =>
            next.Certificate.Gap < start.Certificate.Gap
            || Math.Abs(next.Certificate.Rho / Beta - 1) <= Math.Max(Math.Abs(start.Certificate.Rho / Beta - 1), PolishThreshold);

        /// <summary>
        /// One polish round: first without the blocks the start leaves empty (fast); if that misses an active block, with all
        /// of them. Then (thorough) with narrower active margins: next to a near-duplicate row two blocks can price within
        /// 1e-8 of each other, and one that belongs to no optimum keeps mass that Newton on the faces moves only slowly.
        /// </summary>
        private Candidate? PolishOnce(Candidate from, bool thorough, bool withEmpty)
        {
            var start = StartOf(from);
            Candidate? result = null;
            foreach (double? margin in thorough ? ThoroughMargins : [null])
                foreach (bool dropEmpty in withEmpty ? new[] { true, false } : [true])
                {
                    var polished = FacePolisher.Polish(_problem.Oracle, _problem.Data.X, _problem.Data.Y, _problem.Loss, Beta,
                        from.Certificate.V, start, dropEmpty, activeMargin: margin);
                    if (polished is null) continue;
                    var candidate = EvaluatePolished(polished);
                    if (result is null || candidate.Certificate.Gap < result.Certificate.Gap) result = candidate;
                    if (thorough && IsCertified(result.Certificate, Tolerance)) return result;
                    if (margin is null && result.Certificate.Gap < from.Certificate.Gap) break;
                }
            return result;
        }

        /// <summary>A candidate's blocks as the face polish's start (w_b by block).</summary>
        private static Dictionary<Block, MathNet.Numerics.LinearAlgebra.Vector<double>> StartOf(Candidate from) =>
            from.Point.Blocks.ToDictionary(bv => bv.Block, bv => bv.W);

        /// <summary>A face polish's result as a certified candidate.</summary>
        private Candidate EvaluatePolished(List<(Block Block, MathNet.Numerics.LinearAlgebra.Vector<double> W)> polished) =>
            Evaluate(new ConvexPoint(polished.Select(p => new BlockValue(p.Block, p.W)), D));

        /// <summary>
        /// Objective L^c_β(W) and its independent certificate over every block of the program (THEORY.md §4), aimed at the
        /// tolerance: an anytime oracle searches only until the stopping test is decided.
        /// </summary>
        private Candidate Evaluate(ConvexPoint w)
        {
            var candidate = new Candidate(w, _problem.Certify(w, null, Tolerance), w.MaxConeViolation(_problem.Data.X));
            RecordBounds(candidate);
            return candidate;
        }

        /// <summary>Keeps the feasible candidate of lowest objective and the one of highest lower bound (<see cref="PairBestBounds"/>).</summary>
        private void RecordBounds(Candidate candidate)
        {
            if (!candidate.Feasible) return;
            if (_lowestObjective is null || candidate.Certificate.Objective < _lowestObjective.Certificate.Objective) _lowestObjective = candidate;
            if (_highestLower is null || candidate.Certificate.Lower > _highestLower.Certificate.Lower) _highestLower = candidate;
        }

        /// <summary>
        /// The status a solve ends with. One that would end uncertified first takes the quick attempt's point when that was
        /// set aside with a smaller gap (<see cref="EndQuickAttempt"/>), then certifies its best point with the rows its
        /// blocks sit on the kink of left out of their patterns (<see cref="ConvexPoint.WithKinkRowsLeftOut"/>, THEORY.md
        /// §4.1): the same point, whose prediction no longer carries the rounding of those rows' terms, so its proven gap
        /// can be smaller. Only at the end: fed back into the iterations, the merged blocks change the faces the polish
        /// reads (measured: certified instances of integer and duplicated data then ended at 1.2e-9). Then, while still
        /// uncertified: the best bounds paired (<see cref="PairBestBounds"/>), a better dual point (<see cref="ImproveDualPoint"/>),
        /// and the face polish at that dual point (<see cref="PolishAtBestDualPoint"/>); last, the kink-free point once more,
        /// now certified at the best dual point found (seed 2130000042's D2: a row 98 304 long on the optimum's kink, whose
        /// rounding ‖x_j‖‖w_b‖γ set a floor of 1.8e-9 under the gap; left out, the pair proves 0); after a `numerical-error`
        /// end, the dual of the squared loss solved by cutting planes (<see cref="SolveTheDualByCuts"/>); and the best point
        /// certified from its prediction summed accurately (<see cref="CertifyWithTheAccuratePrediction"/>).
        /// </summary>
        private SolverStatus Finish(SolverStatus status)
        {
            if (status == SolverStatus.Cancelled || IsCertified(_best.Certificate, Tolerance)) return status;
            if (_quickPoint is { } quick && quick.Improves(_best)) _best = quick;
            if (!IsCertified(_best.Certificate, Tolerance)) LeaveKinkRowsOut();
            if (!IsCertified(_best.Certificate, Tolerance)) PairBestBounds();
            if (!IsCertified(_best.Certificate, Tolerance)) ImproveDualPoint();
            if (!IsCertified(_best.Certificate, Tolerance)) PolishAtBestDualPoint();
            if (!IsCertified(_best.Certificate, Tolerance)) LeaveKinkRowsOut();
            if (status == SolverStatus.NumericalError && !IsCertified(_best.Certificate, Tolerance)) SolveTheDualByCuts();
            if (!IsCertified(_best.Certificate, Tolerance)) CertifyWithTheAccuratePrediction();
            return IsCertified(_best.Certificate, Tolerance) ? CertifiedStatus() : status;
        }

        /// <summary>
        /// Last, at an end that would be uncertified: the best point's certificate from its prediction summed accurately where
        /// the plain sum's rounding bound is large (<see cref="ConvexProblem.Certify(ConvexPoint, Vector{double})"/>, THEORY.md §4.1),
        /// kept when it proves less. The iterations judge their points with the plain sum (their paths are those of every
        /// solve), so only a solve that would end uncertified pays for it; only over an oracle that lists every block, where
        /// one more pricing is cheap (branch and bound would price again without an aim, past a time limit). Why: rows 1.7e-4
        /// and 3.8e6 long (seed 2280000013's T4c), where every optimum sums terms of 1e11 of opposite signs to about 0 on the
        /// long row: the dual's cutting planes had the gap at 2.6e-11, the plain sum's rounding bound alone at 5e-8 of L.
        /// </summary>
        private void CertifyWithTheAccuratePrediction()
        {
            if (!_problem.Oracle.ListsEveryBlock) return;
            var certificate = _problem.WithAccuratePrediction(_best.Certificate, _best.Point, _best.DualPrediction);
            if (!(certificate.ProvenGap < _best.Certificate.ProvenGap)) return;
            _best = _best with { Certificate = certificate };
            Report("accurate", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s, the prediction summed accurately");
        }

        /// <summary>
        /// Last, when the iterations ended without progress (`numerical-error`, not at a limit the caller set), for the squared
        /// loss over an oracle that lists every block: the dual solved in v-space by cutting planes
        /// (<see cref="DualCuttingPlanes"/>, THEORY.md §4.2), within <see cref="DualSearchDeadline"/>; the best point is
        /// certified at the projection's prediction, and the primal point of its multipliers is taken when it proves less.
        /// Why: on widely scaled rows the iterations in W stall where the Newton systems have condition ~cond(X)²
        /// (nine soak seeds ended `numerical-error` at relative gaps from 1.2e-9 to 0.22 on 3 to 6 rows; each certified by
        /// this, at 5e-15 to 5e-10), while the dual's n entries are found one cut at a time.
        /// </summary>
        private void SolveTheDualByCuts()
        {
            if (DualCuttingPlanes.Solve(_problem, _best.Certificate.V, DualSearchDeadline()) is not { } pair) return;
            var paired = CertifiedAt(_best, pair.Prediction);
            if (paired.Certificate.ProvenGap < _best.Certificate.ProvenGap)
            {
                _best = paired;
                Report("cuts", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s, at the dual's cutting planes");
            }
            if (!IsCertified(_best.Certificate, Tolerance))
                TakeIfItProvesLess(pair.Point, () => [pair.Prediction], "cuts", ", the primal point of the dual's cutting planes");
        }

        /// <summary>
        /// The dual point search ends by the solve's deadline and within max(<see cref="MinDualSearchSeconds"/>, the time
        /// the solve has taken): a last step, never the bulk of a solve.
        /// </summary>
        private DateTime DualSearchDeadline() => LastSearchDeadline(_clock.Elapsed.TotalSeconds, _deadline);

        /// <summary>
        /// The best point with the rows its blocks sit on the kink of left out of their patterns, when that proves a smaller
        /// gap, certified at its own dual vector, at the best point's dual prediction or at the highest lower bound's,
        /// whichever proves least. Why the other dual points: the optimum next to a long row can lie a hair inside it
        /// (x_j·w_b ≈ 1e-12 on a row 1e5 long, beyond what w_b's entries resolve), so the kink-free point's own v_j = 0
        /// prices 1.4β while an iterate's prediction proves it to rounding.
        /// </summary>
        private void LeaveKinkRowsOut()
        {
            var kinkFree = _best.Point.WithKinkRowsLeftOut(_problem.Data.X, _problem.Oracle.Includes);
            if (ReferenceEquals(kinkFree, _best.Point)) return;
            TakeIfItProvesLess(kinkFree, () => [_best.DualPrediction, HighestLowerPrediction()], "kinks", "");
        }

        /// <summary>
        /// Another point for the best: evaluated at its own dual vector, then paired with each of the given predictions
        /// (THEORY.md §4.2; read after the evaluation, which may raise the highest lower bound), kept when it is feasible and
        /// its smallest proven gap is below the best point's.
        /// </summary>
        private void TakeIfItProvesLess(ConvexPoint point, Func<MathNet.Numerics.LinearAlgebra.Vector<double>?[]> duals, string stage, string note)
        {
            var candidate = Evaluate(point);
            if (!candidate.Feasible) return;
            foreach (var z in duals())
                if (z is not null) candidate = WithSmallerGap(candidate, CertifiedAt(candidate, z));
            if (!(candidate.Certificate.ProvenGap < _best.Certificate.ProvenGap)) return;
            _best = candidate;
            Report(stage, 0, 0, candidate, $"{_clock.Elapsed.TotalSeconds:F2}s{note}");
        }

        /// <summary>The prediction whose dual vector gave the highest lower bound seen, or null before any feasible point.</summary>
        private MathNet.Numerics.LinearAlgebra.Vector<double>? HighestLowerPrediction() =>
            _highestLower is { } dual ? dual.DualPrediction ?? dual.Point.Predict(_problem.Data.X) : null;

        private static Candidate WithSmallerGap(Candidate a, Candidate b) =>
            b.Certificate.ProvenGap < a.Certificate.ProvenGap ? b : a;

        /// <summary>
        /// The feasible point of lowest objective certified at the dual point of the highest lower bound seen (THEORY.md
        /// §4.2: every prediction z′ gives a lower bound), when that proves a smaller gap than the best point's own pair.
        /// Why: on a widely scaled instance the face polish found the lowest objective while its own dual vector priced
        /// 2.2β, and a barrier iterate of higher objective had the dual vector that proves it to rounding; each point's
        /// own certificate missed ε (3.96e-9 and 0.55), the pair certifies.
        /// </summary>
        private void PairBestBounds()
        {
            if (_lowestObjective is not { } primal || _highestLower is null || ReferenceEquals(primal, _highestLower)) return;
            var paired = CertifiedAt(primal, HighestLowerPrediction()!);
            if (!(paired.Certificate.ProvenGap < _best.Certificate.ProvenGap)) return;
            _best = paired;
            Report("paired", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s");
        }

        /// <summary>
        /// The best point certified at a better dual point (<see cref="DualPoints"/>, THEORY.md §4.2: Newton on the dual's
        /// conditions, then the coordinate search) when its own misses ε, from its certificate's prediction, on programs
        /// whose oracle lists every block (a trial is one pricing; by branch and bound that can take seconds) and within
        /// <see cref="DualSearchDeadline"/>: the point is kept, only its lower bound improves, and the result carries the
        /// prediction z′ whose dual vector proves it, so that the certificate is recomputed independently from (W, z′).
        /// </summary>
        private void ImproveDualPoint()
        {
            if (!_problem.Oracle.ListsEveryBlock) return;
            var start = _best.DualPrediction ?? _best.Point.Predict(_problem.Data.X);
            if (DualPoints.Improve(_problem, _best.Point, _best.Certificate, start, Tolerance, DualSearchDeadline()) is not { } found) return;
            if (found.Certificate.ProvenGap < _best.Certificate.ProvenGap)
            {
                _best = _best with { Certificate = found.Certificate, DualPrediction = found.Prediction };
                Report("dual", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s");
            }
            // The primal point of the dual's conditions (DualPolish: the optimum restricted to the best point's blocks and
            // faces, built from (z′, λ) instead of iterated in W), paired with its own z′.
            if (!IsCertified(_best.Certificate, Tolerance) && found.Primal is { } primal)
                TakeIfItProvesLess(primal.Point, () => [primal.Prediction], "primal", ", from the dual's conditions");
        }

        /// <summary>
        /// The thorough face polish once more, reading the faces off the best dual point found (a paired or improved
        /// certificate's v, THEORY.md §4.2, §6) instead of an iterate's own; the polished point is kept when it proves a
        /// smaller gap, and the dual point search runs again from it. Why: on near-duplicate rows the barrier stalls near a
        /// relative gap of 1e-7 and every earlier polish read its faces off an iterate's v that priced a needed block 36 %
        /// off; the dual point found by Newton on the dual's conditions reads the right faces, and that polish certifies
        /// (8.3e-12 where the solve ended numerical-error at 1.13e-9, the primal point being 1.1e-9 above P*). The polished
        /// point is certified at its own dual vector or at the best dual point, whichever proves less (next to a long row
        /// its own v can be far off while the point is optimal to rounding).
        /// </summary>
        private void PolishAtBestDualPoint()
        {
            // Past the deadline nothing is polished: the thorough polish is the costly step a time limit is meant to stop.
            if (DateTime.UtcNow > _deadline) return;
            if (_best.DualPrediction is not { } z || !_problem.Oracle.ListsEveryBlock || !IsPolishable(_best.Point.Blocks.Count * D)) return;
            var polished = PolishFrom(_best, thorough: true);
            if (polished is null) return;
            Report("polish", 0, 0, polished, $"{_clock.Elapsed.TotalSeconds:F2}s, faces of the best dual point");
            var paired = CertifiedAt(polished, z);
            var better = WithSmallerGap(polished, paired);
            if (!(better.Certificate.ProvenGap < _best.Certificate.ProvenGap)) return;
            _best = better;
            if (ReferenceEquals(better, paired)) Report("paired", 0, 0, _best, $"{_clock.Elapsed.TotalSeconds:F2}s");
            if (!IsCertified(_best.Certificate, Tolerance)) ImproveDualPoint();
        }

        /// <summary>The candidate's point certified at the dual point of prediction z′ (THEORY.md §4.2), carrying z′.</summary>
        private Candidate CertifiedAt(Candidate primal, MathNet.Numerics.LinearAlgebra.Vector<double> z) =>
            primal with { Certificate = _problem.Certify(primal.Point, z, Tolerance), DualPrediction = z };

        private SolverStatus CertifiedStatus() =>
            _problem.BoundsFullProgram ? SolverStatus.Optimal : SolverStatus.OptimalRestricted;

        private SolverResult Result(SolverStatus status) =>
            new(status, _iteration, _newtonTotal, _best.Certificate.Objective, _best.Certificate.Lower,
                _best.ConeViolation, _clock.Elapsed.TotalSeconds, _best.Point, _best.Certificate, _working.Count)
            { DualPrediction = _best.DualPrediction };

        private void Report(string stage, int added, int newton, Candidate c, string? note) =>
            _progress?.WriteLine($"solve: iter {_iteration,3} {stage,-7} working set {_working.Count,5} +{added,-4} newton {newton,4}" +
                                 $"  objective {c.Certificate.Objective:E12}  lower {c.Certificate.Lower:E12}" +
                                 $"  rel.gap {c.Certificate.RelativeGap:E2}  ρ/β−1 {c.Certificate.Rho / Beta - 1:E2}" +
                                 (note is null ? "" : $"  ({note})"));
    }
}
