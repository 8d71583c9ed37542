using System.Diagnostics;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Networks;

namespace HiddenConvex.Core.Pipeline;

/// <summary>
/// Settings of <see cref="CertifiedPipeline"/> (Problem → Settings → Result). Every field states its default.
/// </summary>
public sealed record PipelineSettings
{
    /// <summary>Settings of the certified solve (default: <see cref="SolverSettings"/>'s defaults).</summary>
    public SolverSettings Solver { get; init; } = new();

    /// <summary>Read the optimal set 𝒲* off the solution's dual vector (THEORY.md §6; default true). Without it nothing below runs.</summary>
    public bool DescribeOptimalSet { get; init; } = true;

    /// <summary>Prune the solution to a vertex of 𝒲* with at most n blocks (Carathéodory, THEORY.md §6; default true).</summary>
    public bool Prune { get; init; } = true;

    /// <summary>
    /// Largest number of candidate supports the exact m* search of THEORY.md §6 may try (default 200 000; 0 skips the
    /// search). The search is exponential in the number of active blocks, hence bounded.
    /// </summary>
    public long MaxSupportsForMStar { get; init; } = 200_000;

    /// <summary>
    /// The m* search stops after <see cref="CertifiedPipeline.MStarSeconds"/> = max(this × T, min(<see cref="MinSecondsForMStar"/>, T/2))
    /// seconds of wall clock, T the solve's seconds (default 0.25), and reports the bracket it proved
    /// (<see cref="MinimumSupportBounds"/>): post-solve work stays within the solve's own time.
    /// </summary>
    public double MStarTimeShare { get; init; } = 0.25;

    /// <summary>
    /// The m* search may take this many seconds (default 0.05) even when <see cref="MStarTimeShare"/> of the solve is less,
    /// but never more than half the solve's own time: on small programs it then usually finishes, and the post-solve work
    /// still stays within the solve's time (a 9 ms solve at n = 10, d = 3 was followed by a 50 ms search that stopped at its
    /// limit).
    /// </summary>
    public double MinSecondsForMStar { get; init; } = 0.05;

    /// <summary>Progress lines (stderr in the CLI); null for silence (default).</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>Seconds spent in each phase of the pipeline (0 for a phase that did not run).</summary>
public sealed record PipelineTimings(double Solve, double OptimalSet, double Prune, double Refine, double MStar, double Psi)
{
    /// <summary>Everything after the solve.</summary>
    public double PostSolve => OptimalSet + Prune + Refine + MStar + Psi;

    /// <summary>The whole pipeline.</summary>
    public double Total => Solve + PostSolve;
}

/// <summary>
/// The result of the certified pipeline: the solve with its certificate, the optimal set (or why it could not be read), the
/// pruned vertex and its own certificate, m*, and the network ψ of the reported point. <see cref="Final"/> is the pruned
/// vertex when its own certificate meets the solve's target and it is feasible, else the solver's point.
/// </summary>
public sealed record CertifiedSolution(
    ConvexProblem Problem,
    SolverResult Solve,
    OptimalSet? OptimalSet,
    string? OptimalSetFailure,
    ConvexPoint? Pruned,
    Certificate? PrunedCertificate,
    bool UsedPruned,
    ConvexPoint Final,
    int? MStar,
    Network Network,
    PipelineTimings Timings)
{
    /// <summary>
    /// The bracket AtLeast ≤ m* ≤ AtMost proven by the m* search (THEORY.md §6), with the supports tried and why it stopped;
    /// null when it did not run (no optimal set, or <see cref="PipelineSettings.MaxSupportsForMStar"/> = 0).
    /// <see cref="MStar"/> is its exact value when the two bounds agree.
    /// </summary>
    public MinimumSupportBounds? MStarBounds { get; init; }

    /// <summary>The solve ended certified (status optimal or optimal-restricted).</summary>
    public bool Certified => Solve.Status is SolverStatus.Optimal or SolverStatus.OptimalRestricted;
}

/// <summary>
/// The certified pipeline of THEORY.md §3–§6 as one call: solve with a certified gap → read the optimal set 𝒲* off v* →
/// prune to a vertex → refine the vertex on its own blocks when its certificate is weaker than the solve's → m* → ψ.
/// Used by `hcv solve`, `hcv check`, `hcv landscape`, the properties and the benchmarks.
/// </summary>
public static class CertifiedPipeline
{
    /// <summary>Runs the pipeline on a program.</summary>
    public static CertifiedSolution Run(ConvexProblem problem, PipelineSettings? settings = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        settings ??= new PipelineSettings();
        var phase = Stopwatch.StartNew();
        var result = ConvexSolver.Solve(problem, settings.Solver, ct);
        double solveSeconds = Lap(phase);
        bool certified = result.Status is SolverStatus.Optimal or SolverStatus.OptimalRestricted;
        double tolerance = settings.Solver.Tolerance;

        // 𝒲* is read off the optimal dual vector: without a certified optimum there is no optimal set to describe.
        OptimalSet? set = null;
        string? setFailure = certified ? null : "not certified optimal";
        if (certified && settings.DescribeOptimalSet) (set, setFailure) = ReadOptimalSet(problem, result, tolerance, settings.Log);
        else if (certified) setFailure = "not described";
        double setSeconds = Lap(phase);
        // The second solve and its reading count as solve time: post-solve work is what follows a certified point.
        if (certified && settings.DescribeOptimalSet && set is null or { HasStationaryDirections: false }
            && ReadAgainMoreAccurately(problem, result, settings, solveSeconds + setSeconds, ct) is { } again)
            (result, set, setFailure) = (again.Result, again.Set, null);
        if (certified && settings.DescribeOptimalSet && set is null
            && ReadAtTheProjectedDual(problem, result, settings, solveSeconds + setSeconds + phase.Elapsed.TotalSeconds) is { } projected)
            (set, setFailure) = (projected, null);
        solveSeconds += Lap(phase);

        var prunedT = set is not null && settings.Prune ? set.Prune(set.Point) : null;
        var pruned = prunedT is null ? null : set!.ToPoint(prunedT);
        double pruneSeconds = Lap(phase);
        // m* by support search is exponential in the number of active blocks: bounded in supports and by the solve's time,
        // starting from the pruned vertex's support as the upper bound.
        var mStar = set is not null && settings.MaxSupportsForMStar > 0
            ? set.SearchMinimumSupport(new MinimumSupportLimits(settings.MaxSupportsForMStar,
                MStarSeconds(settings, solveSeconds)), prunedT)
            : null;
        double mStarSeconds = Lap(phase);

        double target = Math.Max(tolerance, result.RelativeGap);
        var (vertex, vertexCertificate) = pruned is null ? (null, null) : RefinedVertex(problem, pruned, settings, target);
        double refineSeconds = Lap(phase);
        // The pruned vertex is reported when its own certificate meets the target too.
        bool usePruned = vertex is not null && vertexCertificate!.RelativeGap <= target
                         && vertex.MaxConeViolation(problem.Data.X) <= Numerics.Tolerances.Cone.At(1);
        var final = usePruned ? vertex! : result.W;
        var network = Maps.Psi(final);
        double psiSeconds = Lap(phase);
        return new CertifiedSolution(problem, result, set, setFailure, vertex, vertexCertificate, usePruned, final, mStar?.MStar, network,
            new PipelineTimings(solveSeconds, setSeconds, pruneSeconds, refineSeconds, mStarSeconds, psiSeconds)) { MStarBounds = mStar };
    }

    /// <summary>
    /// The m* search's time limit after a solve of <paramref name="solveSeconds"/> = T:
    /// max(<see cref="PipelineSettings.MStarTimeShare"/>·T, min(<see cref="PipelineSettings.MinSecondsForMStar"/>, T/2)).
    /// </summary>
    internal static double MStarSeconds(PipelineSettings settings, double solveSeconds) =>
        Math.Max(settings.MStarTimeShare * solveSeconds, Math.Min(settings.MinSecondsForMStar, solveSeconds / 2));

    /// <summary>Seconds since the last lap, restarting the watch.</summary>
    private static double Lap(Stopwatch watch)
    {
        double seconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return seconds;
    }

    /// <summary>𝒲* around the solution, or why it could not be read (the certificate still stands; only the description is withheld).</summary>
    private static (OptimalSet? Set, string? Failure) ReadOptimalSet(ConvexProblem problem, SolverResult result, double tolerance, TextWriter? log)
    {
        try { return (OptimalSet.FromSolution(problem, result.W, tolerance, result.DualPrediction), null); }
        catch (OptimalSetException e)
        {
            log?.WriteLine($"solve: {e.Message}");
            return (null, e.Message);
        }
    }

    /// <summary>
    /// The solve repeated at relative gap <see cref="Numerics.Tolerances.RereadGap"/>, started from the first solve's blocks, and 𝒲*
    /// read off it, when the set read at ε has a direction that is not Clarke stationary at z* (THEORY.md §6, "The optimal
    /// set's directions are stationary") or could not be read at all: every network of the exact 𝒲* is stationary, so such
    /// a reading holds a block that prices below β at v*, which the first point's dual vector could not tell from an active
    /// one; and a set that cannot be read needs a block that prices below the set's margins at that dual vector. The second
    /// solve replaces the first when its point is certified at the requested ε (its own status may say it missed 1e-13; the
    /// result keeps the first's certified status and counts the iterations, Newton steps and seconds of both) and its set is
    /// read with stationary directions. Null (the first reading
    /// stands) when the first solve is already that accurate, the problem lists no patterns, no time is left, or the second
    /// solve or its set does not qualify. Why: near-duplicate rows 4 243 long (squared loss, seed 2310000008's T3):
    /// certified at 6.7e-13, the set read with a block priced 4.2e-8 (relative) below β whose direction, on two kink rows,
    /// is 2.3e-4 from the active ones of its sign — its neuron's Clarke measure 2.3× the threshold; solved to 1e-13, that
    /// block is gone and every direction is stationary. Near-duplicate rows 3 600 long (logistic, seed 2330000026's T2):
    /// certified at 3.6e-12, no set could be read (dropping the blocks priced below β(1 − 1e-7) raised the objective by
    /// 1.2e-8, and none of the margins down to 1e-5 kept them); solved again (6.4e-13, the solve ending `numerical-error`
    /// short of 1e-13), the set is read and stationary.
    /// </summary>
    private static (SolverResult Result, OptimalSet Set)? ReadAgainMoreAccurately(ConvexProblem problem, SolverResult first,
        PipelineSettings settings, double secondsSoFar, CancellationToken ct)
    {
        double gap = Numerics.Tolerances.RereadGap, secondsLeft = settings.Solver.TimeLimitSeconds - secondsSoFar;
        if (!(first.RelativeGap > gap) || problem.Patterns is not { } patterns || !(secondsLeft > 0)) return null;
        var start = SampledWarmStart.SupportBlocks(first.W, patterns);
        settings.Log?.WriteLine($"solve: the optimal set read at rel.gap {first.RelativeGap:E2} is missing or not stationary; solving again to {gap:E0} ...");
        var again = ConvexSolver.Solve(problem, settings.Solver with { Tolerance = gap, InitialBlocks = start, TimeLimitSeconds = secondsLeft }, ct);
        if (!(again.W.MaxConeViolation(problem.Data.X) <= Numerics.Tolerances.Cone.At(1)) || !again.Certificate.WithinGap(settings.Solver.Tolerance)) return null;
        var (set, _) = ReadOptimalSet(problem, again, settings.Solver.Tolerance, settings.Log);
        if (set is not { HasStationaryDirections: true }) return null;
        // The result is the second solve's point under the first's certified status, with the work of both solves.
        return (again with
        {
            Status = first.Status, Iterations = first.Iterations + again.Iterations, NewtonSteps = first.NewtonSteps + again.NewtonSteps,
            Seconds = first.Seconds + again.Seconds,
        }, set);
    }

    /// <summary>
    /// For the squared loss, when no set could be read off the solve nor off a finer one: 𝒲* read off the exact dual optimum
    /// v* = Proj_K(c y), found by the dual's cutting planes (<see cref="DualCuttingPlanes"/>, THEORY.md §4.2), with W certified
    /// at its prediction z′ = y − v*/c (THEORY.md §6 reads the set off v*, which the projection gives to rounding whatever the
    /// accuracy of W). Null when the loss is not squared, the cuts find nothing within the time left, or the set read there
    /// has a direction that is not stationary. Why: two rows 1.2e-4 and 3.8e6 long (seed 2280000013's T4c): the solve is
    /// certified at a dual point 20 % inside K, W's own v prices its blocks at 1.6 β, and no set is read off either; at v*
    /// the set is read with stationary directions.
    /// </summary>
    private static OptimalSet? ReadAtTheProjectedDual(ConvexProblem problem, SolverResult result, PipelineSettings settings, double secondsSoFar)
    {
        double secondsLeft = settings.Solver.TimeLimitSeconds - secondsSoFar;
        if (!(secondsLeft > 0)) return null;
        var deadline = ConvexSolver.LastSearchDeadline(secondsSoFar, DateTime.UtcNow.AddSeconds(secondsLeft));
        if (DualCuttingPlanes.Solve(problem, result.Certificate.V, deadline) is not { } pair) return null;
        settings.Log?.WriteLine("solve: no optimal set read off the solution; reading it at the dual's projection (cutting planes) ...");
        var (set, _) = ReadOptimalSet(problem, result with { DualPrediction = pair.Prediction }, settings.Solver.Tolerance, settings.Log);
        return set is { HasStationaryDirections: true } ? set : null;
    }

    /// <summary>
    /// The pruned vertex with its own certificate; when that is weaker than the target (a vertex read off an unpolished
    /// solution inherits its perturbation of z*), the vertex refined on its own blocks (<see cref="VertexRefinement"/>).
    /// </summary>
    private static (ConvexPoint? Point, Certificate? Certificate) RefinedVertex(ConvexProblem problem, ConvexPoint pruned,
        PipelineSettings settings, double target)
    {
        var certificate = problem.Certify(pruned);
        if (certificate.RelativeGap <= target) return (pruned, certificate);
        settings.Log?.WriteLine($"solve: refining the pruned vertex on its {pruned.NonZeroBlocks.Count()} blocks ...");
        var refined = VertexRefinement.Refine(problem, pruned, settings.Solver with { Verbose = false }, target);
        return refined is null ? (pruned, certificate) : (refined, problem.Certify(refined));
    }
}
