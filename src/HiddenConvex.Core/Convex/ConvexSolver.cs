using System.Diagnostics;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Certified solver of the cone-constrained group lasso of THEORY.md §3.
/// <para>
/// Design: an outer working-set loop priced by the exact ρ of §4 and an inner log-barrier
/// interior-point solve of the program reduced to the working set (<see cref="BarrierSolver"/>).
/// Start from W = 0; price every block at v = −∇ℓ(z); add the blocks with the largest ‖Π_b‖ &gt; β;
/// re-solve; repeat. Each inner solve is warm-started from the last barrier point (t = ν/gap, with gap the
/// certificate gap of that point), and blocks that point leaves empty (‖w_b‖ ≤ 1e-3·max‖w‖) while they price
/// below 0.8·β leave a working set of more than 2n blocks, once each (optimal solutions use at most n blocks;
/// a Newton step costs O(K n² d)).
/// While the point still prices far above β (ρ/β − 1 &gt; 1e-2) the inner solve is loose (relative barrier gap
/// 1e-1, each stage centred loosely: it only ranks the violated blocks), then tight (1e-8), and with no block left to add it is tightened by 100× down to 1e-12.
/// After a tight inner solve near the optimum (no block added, or ρ ≤ β(1 + 1e-4)) a face polish
/// (<see cref="FacePolisher"/>: Newton on the faces read off the dual) is tried; when no block can be added and
/// the inner target is at its tightest, a thorough polish (narrower active margins) is the last resort. A point
/// already certified is polished once more so that v* is accurate to rounding. Both optional polishes are
/// skipped for working sets of more than 600 variables (K·d), where the dense polish costs more than the barrier.
/// </para>
/// <para>
/// Stopping rule (the certificate decides, never the inner solver): with lower = −ℓ*(−t v) the §4
/// certificate of the current W computed over ALL blocks of the program,
/// stop with <see cref="SolverStatus.Optimal"/> when objective − lower ≤ ε · max(1, |objective|)
/// (ε = <see cref="SolverSettings.Tolerance"/>), once the certified point also has an accurate v* or the inner target
/// is at its tightest: accurate means that its face polish did not fail and objective − lower ≤ ε·|objective| (below
/// |objective| = 1 the first test is absolute, and the optimal set of §6 is read off v*). Over a sampled pattern set or a block subset the same
/// test gives <see cref="SolverStatus.OptimalRestricted"/>. Otherwise the loop ends on the iteration
/// or time limit, or with <see cref="SolverStatus.NumericalError"/> when no block can be added, the inner
/// target is at its tightest and the face polish no longer lowers the certified gap, always returning the
/// best certified point seen.
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
        settings = (settings ?? new SolverSettings()).Validated();
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow.AddSeconds(settings.TimeLimitSeconds);
        var progress = settings.Verbose ? settings.Progress ?? Console.Error : null;
        var data = problem.Data;
        int n = data.N, d = data.D;
        var engine = PricingEngine.For(problem);
        int perIteration = settings.BlocksPerIteration > 0 ? settings.BlocksPerIteration : Math.Max(10, n);

        var zero = ConvexPoint.Zero(d);
        var best = Evaluate(problem, engine, zero);
        var last = best;
        var working = new List<ReducedBlock>();
        Dictionary<int, (double[] W, double S)>? warm = null; // last barrier point by engine block index
        var inWorking = new HashSet<int>();
        var built = new Dictionary<int, ReducedBlock>();
        var prunedBefore = new HashSet<int>();
        int newtonTotal = 0, iteration = 0;
        bool solvedOnce = false, lastWasLoose = false;
        bool needsAccuracy = false; // a certified point whose v* is not yet accurate enough to read the optimal set off
        double tightTarget = BarrierRelativeGap;
        SolverStatus? status = null;
        progress?.WriteLine($"solve: n={n} d={d} blocks={engine.BlockCount} β={problem.Beta:G6} loss={problem.Loss}");

        while (status is null)
        {
            bool certified = best.Certificate.RelativeGap <= settings.Tolerance;
            if (certified && (!needsAccuracy || tightTarget <= MinBarrierRelativeGap)) { status = Certified(problem); break; }
            SolverStatus? limit = ct.IsCancellationRequested ? SolverStatus.Cancelled
                : DateTime.UtcNow > deadline ? SolverStatus.TimeLimit
                : iteration >= settings.MaxIterations ? SolverStatus.MaxIterations
                : null;
            // A limit reached while a certified point is only being made more accurate still returns it as certified.
            if (limit is not null) { status = certified ? Certified(problem) : limit; break; }
            iteration++;

            // Price at the reduced optimum (the last barrier point): column generation needs its dual vector.
            int pruned = warm is null ? 0 : PruneWorkingSet(engine, problem.Beta, last.Certificate.V, working, inWorking, warm, prunedBefore);
            int added = AddViolatedBlocks(engine, problem.Beta, last.Certificate.V, working, inWorking, built, perIteration);
            // No new block and the last inner solve was tight: only its accuracy limits the gap, so tighten it
            // (warm-started from the last point, a tighter solve costs a few centring stages).
            bool retighten = added == 0 && solvedOnce && !lastWasLoose && tightTarget > MinBarrierRelativeGap;
            if (retighten) tightTarget /= 100;
            if (added > 0 || !solvedOnce || lastWasLoose || retighten)
            {
                // While the last point still prices far above β, more blocks will be needed anyway: a loose
                // inner solve ranks the violated blocks just as well.
                bool far = (added > 0 || !solvedOnce) && last.Certificate.Rho > problem.Beta * (1 + FarFromOptimal);
                lastWasLoose = far;
                var barrier = new BarrierSolver(engine.XRowMajor, n, d, data.Y, problem.Loss, problem.Beta, working);
                double target = far ? LooseBarrierRelativeGap : tightTarget;
                var inner = barrier.Solve(target, settings.MaxNewtonSteps, deadline, ct, warm, last.Certificate.Gap);
                newtonTotal += inner.NewtonSteps;
                if (warm is not null && inner.Failure is not null && inner.Failure is not ("cancelled" or "time limit"))
                {
                    // The warm start can sit too close to the boundary for damped Newton: retry from the cold start.
                    inner = barrier.Solve(target, settings.MaxNewtonSteps, deadline, ct);
                    newtonTotal += inner.NewtonSteps;
                }
                warm = Snapshot(working, inner, d);
                solvedOnce = true;
                last = Evaluate(problem, engine, ToPoint(engine, working, inner.W, d));
                if (last.Certificate.Gap < best.Certificate.Gap) best = last;
                Report(progress, iteration, "barrier", working.Count, added, inner.NewtonSteps, last, problem.Beta,
                    $"{clock.Elapsed.TotalSeconds:F2}s" + (pruned > 0 ? $", −{pruned} pruned" : "") + (inner.Failure is null ? "" : ", " + inner.Failure));
                if (inner.Failure == "cancelled") { status = SolverStatus.Cancelled; break; }
                if (inner.Failure == "time limit") { status = SolverStatus.TimeLimit; break; }
                if (last.Certificate.RelativeGap > settings.Tolerance)
                {
                    // Near the optimum (no block was missing, or the point prices within β(1 + 1e-4)) the face
                    // polish often certifies at once where the barrier would still alternate between working sets
                    // (large near-parallel rows make ρ(v) sensitive to v far beyond the objective's gap).
                    if (far || (added > 0 && last.Certificate.Rho > problem.Beta * (1 + PolishThreshold))) continue;
                    if (working.Count * d > PolishVariableLimit) continue;
                    var early = PolishFrom(problem, engine, last.Certificate.Gap <= best.Certificate.Gap ? last : best,
                        settings.Tolerance, thorough: false, withEmpty: false);
                    if (early is null) continue;
                    Report(progress, iteration, "polish", working.Count, 0, 0, early, problem.Beta, $"{clock.Elapsed.TotalSeconds:F2}s");
                    if (early.Certificate.Gap < best.Certificate.Gap) best = early;
                    continue;
                }
                // A certified point is polished once more (default active margin only), so that the optimal set
                // (§6) is read off an accurate v*; the better of the two certified points is kept.
                bool polishable = working.Count * d <= PolishVariableLimit;
                var refined = polishable ? PolishFrom(problem, engine, last, settings.Tolerance, thorough: false) : null;
                if (refined is not null)
                    Report(progress, iteration, "polish", working.Count, 0, 0, refined, problem.Beta, $"{clock.Elapsed.TotalSeconds:F2}s");
                bool polishFailed = polishable && !(refined is not null && refined.Certificate.Gap <= best.Certificate.Gap);
                if (refined is not null && refined.Certificate.Gap < best.Certificate.Gap) best = refined;
                // A failed polish (the faces read off v were wrong) leaves v* as inaccurate as the barrier left it, and
                // below |objective| = 1 the test is absolute, so v* (hence the optimal set) is only as accurate as the gap
                // relative to the objective: then tighten the inner solve while a tighter target is left.
                // (The loop's first test decides whether to stop.)
                needsAccuracy = polishFailed || !AccurateForOptimalSet(best, settings.Tolerance);
                continue;
            }
            // Neither a new block nor a tighter inner solve is left: near a degenerate optimum the barrier's
            // rounding floor sits above ε, and the face polish (Newton on the identified faces) takes over.
            var polished = PolishFrom(problem, engine, best, settings.Tolerance, thorough: true);
            if (polished is not null)
                Report(progress, iteration, "polish", working.Count, 0, 0, polished, problem.Beta, $"{clock.Elapsed.TotalSeconds:F2}s");
            if (polished is null || !(polished.Certificate.Gap < best.Certificate.Gap))
            {
                status = best.Certificate.RelativeGap <= settings.Tolerance ? Certified(problem) : SolverStatus.NumericalError;
                break;
            }
            best = polished;
        }
        return new SolverResult(status.Value, iteration, newtonTotal, best.Certificate.Objective, best.Certificate.Lower,
            best.Point.MaxConeViolation(data.X), clock.Elapsed.TotalSeconds, best.Point, best.Certificate,
            engine.CoversExactSet, working.Count);
    }

    /// <summary>Relative duality-gap target of the inner barrier solve; the face polish takes over from there.</summary>
    private const double BarrierRelativeGap = 1e-8;

    /// <summary>A tight inner solve whose point prices within β(1 + this) is followed by a face polish.</summary>
    private const double PolishThreshold = 1e-4;

    /// <summary>
    /// Working sets with more variables (K·d) than this are polished only as the last resort: the polish is a dense
    /// Newton method, O((K d)³) per step, and with hundreds of nearly active blocks it rarely beats the barrier.
    /// </summary>
    private const int PolishVariableLimit = 600;

    /// <summary>Tightest inner target tried before the face polish takes over.</summary>
    private const double MinBarrierRelativeGap = 1e-12;

    /// <summary>Inner target while the working set is clearly incomplete (ρ/β − 1 above <see cref="FarFromOptimal"/>).</summary>
    private const double LooseBarrierRelativeGap = 1e-1;

    /// <summary>ρ(v)/β − 1 above which the working set is treated as clearly incomplete.</summary>
    private const double FarFromOptimal = 1e-2;

    private static void Report(TextWriter? progress, int iteration, string stage, int working, int added, int newton,
        Candidate c, double beta, string? note) =>
        progress?.WriteLine($"solve: iter {iteration,3} {stage,-7} working set {working,5} +{added,-4} newton {newton,4}" +
                            $"  objective {c.Certificate.Objective:E12}  lower {c.Certificate.Lower:E12}" +
                            $"  rel.gap {c.Certificate.RelativeGap:E2}  ρ/β−1 {c.Certificate.Rho / beta - 1:E2}" +
                            (note is null ? "" : $"  ({note})"));

    /// <summary>
    /// Face polish (<see cref="FacePolisher"/>) started from a candidate, repeated from its own result while that
    /// improves the certified gap: a polished point that prices above β on a block the first face set missed reads
    /// that block off its own, more accurate, dual vector. Thorough (the fallback when the barrier cannot reach ε):
    /// each round also tries narrower active margins, and stops at the first certified point. Without
    /// <paramref name="withEmpty"/> (the early polish of an uncertified point) the retry that keeps the blocks the start
    /// leaves empty is skipped: from a point that is not yet certified it rarely helps and costs as much again. Null when
    /// no block is active.
    /// </summary>
    private static Candidate? PolishFrom(ConvexProblem problem, PricingEngine engine, Candidate from, double tolerance, bool thorough,
        bool withEmpty = true)
    {
        Candidate? best = null;
        for (int round = 0; round < PolishRounds; round++)
        {
            var next = PolishOnce(problem, engine, best ?? from, tolerance, thorough, withEmpty);
            if (next is null || (best is not null && !(next.Certificate.Gap < best.Certificate.Gap))) break;
            best = next;
            if (best.Certificate.Gap <= 0) break;
        }
        return best;
    }

    /// <summary>Polish rounds of <see cref="PolishFrom"/>.</summary>
    private const int PolishRounds = 3;

    private static Candidate? PolishOnce(ConvexProblem problem, PricingEngine engine, Candidate from, double tolerance, bool thorough,
        bool withEmpty)
    {
        var start = new Dictionary<int, Vector<double>>();
        foreach (var bv in from.Point.Blocks) start[engine.IndexOf(bv.Block)] = bv.W;
        Candidate? result = null;
        // First without the blocks the start leaves empty (fast); if that misses an active block, with all of them.
        // Then with narrower active margins: next to a near-duplicate row two blocks can price within 1e-8 of each
        // other, and one that belongs to no optimum keeps mass that Newton on the faces moves only slowly.
        foreach (double? margin in thorough ? new double?[] { null, 1e-7, 1e-8, 1e-9 } : new double?[] { null })
            foreach (bool dropEmpty in withEmpty ? new[] { true, false } : new[] { true })
            {
                var polished = FacePolisher.Polish(engine, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta,
                    from.Certificate.V, start, dropEmpty, activeMargin: margin);
                if (polished is null) continue;
                var point = new ConvexPoint(polished.Select(p => new BlockValue(engine.BlockAt(p.Block), p.W)), problem.Data.D);
                var candidate = Evaluate(problem, engine, point);
                if (result is null || candidate.Certificate.Gap < result.Certificate.Gap) result = candidate;
                if (thorough && result.Certificate.RelativeGap <= tolerance) return result;
                if (margin is null && result.Certificate.Gap < from.Certificate.Gap) break;
            }
        return result;
    }

    /// <summary>objective − lower ≤ ε·|objective|: the certificate's test without its floor max(1, ·).</summary>
    private static bool AccurateForOptimalSet(Candidate c, double tolerance) =>
        c.Certificate.Gap <= tolerance * Math.Abs(c.Certificate.Objective);

    private static SolverStatus Certified(ConvexProblem problem) =>
        problem.IsFullExactProgram ? SolverStatus.Optimal : SolverStatus.OptimalRestricted;

    private sealed record Candidate(ConvexPoint Point, Certificate Certificate);

    /// <summary>Objective L^c_β(W) and its independent certificate (THEORY.md §4).</summary>
    private static Candidate Evaluate(ConvexProblem problem, PricingEngine engine, ConvexPoint w)
    {
        var z = w.Predict(problem.Data.X);
        double objective = problem.Objective(w);
        var cert = CertificateChecker.ForPrediction(problem.Data, problem.Loss, problem.Beta, engine, z, objective);
        return new Candidate(w, cert);
    }

    /// <summary>
    /// Adds up to k blocks with ‖Π_b(v)‖ &gt; β not yet in the working set, largest first; <paramref name="built"/> holds
    /// every block built so far, by engine index (a block of the other sign shares its cone).
    /// </summary>
    private static int AddViolatedBlocks(PricingEngine engine, double beta, Vector<double> v, List<ReducedBlock> working,
        HashSet<int> inWorking, Dictionary<int, ReducedBlock> built, int k)
    {
        var values = engine.ValuesAbove(v.AsArray() ?? v.ToArray(), beta);
        var candidates = new List<(double Value, int Block)>();
        for (int b = 0; b < values.Length; b++)
            if (values[b] > beta && !inWorking.Contains(b)) candidates.Add((values[b], b));
        candidates.Sort((a, c) => c.Value.CompareTo(a.Value));
        int added = 0;
        foreach (var (_, b) in candidates.Take(k))
        {
            if (!built.TryGetValue(b, out var block))
                built[b] = block = built.TryGetValue(b ^ 1, out var sibling) ? sibling.Sibling() : ReducedBlock.Create(engine, b);
            working.Add(block);
            inWorking.Add(b);
            added++;
        }
        return added;
    }

    /// <summary>The barrier point (w_b, s_b) by engine block index, the warm start of the next inner solve.</summary>
    private static Dictionary<int, (double[] W, double S)> Snapshot(List<ReducedBlock> working, BarrierOutcome inner, int d)
    {
        var snapshot = new Dictionary<int, (double[] W, double S)>(working.Count);
        for (int i = 0; i < working.Count; i++) snapshot[working[i].Index] = (inner.W.AsSpan(i * d, d).ToArray(), inner.S[i]);
        return snapshot;
    }

    /// <summary>Working-set blocks dropped when ‖w_b‖ ≤ this times the largest ‖w_b‖ of the last barrier point …</summary>
    private const double PruneNormRatio = 1e-3;

    /// <summary>
    /// … and ‖Π_b(v)‖ ≤ β(1 − this) at its dual vector v. Wide: next to large near-parallel rows a block's value moves
    /// by ‖X‖·‖Δv‖ between inner solves, and a block priced 2% below β at a loose point can be active at v*.
    /// </summary>
    private const double PruneMargin = 0.2;

    /// <summary>
    /// Drops working-set blocks that the last barrier point leaves (numerically) empty and that price clearly
    /// below β: an optimum uses at most n blocks, and every Newton step costs O(K n² d) in the working-set size K.
    /// A dropped block re-enters through pricing if it ever prices above β again, and is never dropped twice (with
    /// widely scaled rows ‖w_b‖ says little about a block's weight, and dropping and adding it again would cycle);
    /// working sets of at most 2n blocks are left alone. The certificate always prices every block of the program.
    /// </summary>
    private static int PruneWorkingSet(PricingEngine engine, double beta, Vector<double> v, List<ReducedBlock> working,
        HashSet<int> inWorking, Dictionary<int, (double[] W, double S)> warm, HashSet<int> prunedBefore)
    {
        if (working.Count <= 2 * engine.N) return 0;
        double largest = 0;
        foreach (var (w, _) in warm.Values) largest = Math.Max(largest, Norm(w));
        var vArr = v.AsArray() ?? v.ToArray();
        int before = working.Count;
        working.RemoveAll(blk =>
        {
            if (prunedBefore.Contains(blk.Index)) return false;
            if (!warm.TryGetValue(blk.Index, out var point) || Norm(point.W) > PruneNormRatio * largest) return false;
            engine.BlockProjection(blk.Index, vArr, out double value);
            if (value > beta * (1 - PruneMargin)) return false;
            inWorking.Remove(blk.Index);
            prunedBefore.Add(blk.Index);
            return true;
        });
        return before - working.Count;
    }

    private static double Norm(double[] w) => Math.Sqrt(w.Sum(a => a * a));

    /// <summary>The reduced solution as a sparse point (exactly zero blocks are left out).</summary>
    private static ConvexPoint ToPoint(PricingEngine engine, List<ReducedBlock> working, double[] w, int d)
    {
        var blocks = new List<BlockValue>();
        for (int i = 0; i < working.Count; i++)
        {
            var wb = Vector<double>.Build.Dense(d, k => w[i * d + k]);
            if (wb.L2Norm() == 0) continue;
            blocks.Add(new BlockValue(engine.BlockAt(working[i].Index), wb));
        }
        return new ConvexPoint(blocks, d);
    }
}
