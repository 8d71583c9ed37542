using System.Diagnostics;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Harness.Conformance;

/// <summary>Settings of a conformance run (`hcv conform`).</summary>
public sealed record ConformOptions
{
    /// <summary>The implementation's command line, run with /bin/sh -c.</summary>
    public required string Command { get; init; }
    /// <summary>Which task to ask for.</summary>
    public ConformTask Task { get; init; } = ConformTask.SolveConvex;
    /// <summary>Number of generated instances (each may add one related request for I1).</summary>
    public int MaxTests { get; init; } = 100;
    /// <summary>Seed of the instance generator.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Per-request timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Relative gap (solve-convex) or stationarity (train) tolerance asked for in each request.</summary>
    public double Tolerance { get; init; } = ConformTolerances.RequestedGap;
    /// <summary>Maximum number of implementation runs spent on shrinking a counterexample.</summary>
    public int ShrinkBudget { get; init; } = 300;
    /// <summary>Wall-clock limit of shrinking (a hanging implementation costs a timeout per run).</summary>
    public TimeSpan ShrinkTime { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>Whether to send a related request per instance and check I1.</summary>
    public bool CheckInvariances { get; init; } = true;
    /// <summary>
    /// Cone feasibility of a returned block (default <see cref="ConformTolerances.Cone"/>): a violation of
    /// (2s_j − 1) x_j·w ≥ 0 up to Absolute + Relative·‖x_j‖·‖w‖ is accepted, so that a first-order solver can be validated
    /// at its own accuracy.
    /// </summary>
    public Tolerance Cone { get; init; } = ConformTolerances.Cone;
    /// <summary>Which instances to generate (default: every loss, n in 2..8, d in 1..3).</summary>
    public InstanceFilter Filter { get; init; } = InstanceFilter.All;
}

/// <summary>Everything known about one instance after asking the implementation.</summary>
public sealed record Evaluation(
    ConformInstance Instance,
    IReadOnlyList<Violation> Violations,
    string Request,
    string? Answer,
    TimeSpan Elapsed,
    Network? Network,
    double? Objective,
    double? Lower,
    string? Relation,
    double Tolerance = ConformTolerances.RequestedGap)
{
    /// <summary>True when no check failed.</summary>
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// A failing instance, its shrunk form and the evaluation of the shrunk form. <see cref="Replay"/> is the instance offered
/// for replay: one confirmed to fail alone in a fresh process (the shrunk one, else the original one); when neither fails
/// alone, the failure depends on the requests sent before it: <see cref="Confirmed"/> is false and <see cref="History"/>
/// holds every request line the failing process received, in order.
/// </summary>
public sealed record ConformFailure(
    int TestIndex,
    string Check,
    Evaluation Original,
    Evaluation Shrunk,
    ShrinkResult Shrinking,
    Evaluation Replay,
    bool Confirmed,
    string ReplayNote,
    IReadOnlyList<string> History);

/// <summary>The outcome of a conformance run.</summary>
public sealed record ConformResult(
    ConformOptions Options,
    int TestsRun,
    int TestsPassed,
    int Requests,
    ConformFailure? Failure,
    TimeSpan Elapsed,
    string? Implementation,
    int ProcessStarts,
    IReadOnlyList<string> PassedSizes,
    IReadOnlyDictionary<string, int> Statuses,
    double WorstRelativeGap,
    IReadOnlyList<string> ProcessEvents,
    double? LoosestClaimedTolerance = null)
{
    /// <summary>True when every instance passed every check.</summary>
    public bool Conforms => Failure is null;
}

/// <summary>
/// Runs a conformance test: generates instances (<see cref="InstanceGenerator"/>), asks the
/// external implementation through the protocol, checks each answer (<see cref="ConformChecks"/>),
/// checks I1 on a related request, stops at the first failing instance and shrinks it
/// (<see cref="Shrinker"/>) to a small counterexample.
/// </summary>
public sealed class ConformRunner(ConformOptions options, Action<string>? progress = null)
{
    private int _requests;
    private string? _implementation;
    private readonly SortedDictionary<string, int> _statuses = new(StringComparer.Ordinal);

    private double _worstRelativeGap;
    private double? _loosestClaimed;
    private readonly List<string> _history = [];
    private DateTime? _deadline;

    private void CountStatus(string status) => _statuses[status] = _statuses.GetValueOrDefault(status) + 1;

    /// <summary>Runs the whole test.</summary>
    public ConformResult Run(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        using var process = new ExternalProcess(options.Command, options.Timeout);
        var generator = new InstanceGenerator(options.Seed, options.Filter);
        int passed = 0, run = 0;
        var sizes = new List<string>();
        ConformFailure? failure = null;
        for (int k = 0; k < options.MaxTests && failure is null; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var inst = generator.Next(k);
            string relation = Invariances.Relations[k % Invariances.Relations.Length];
            var e = Evaluate(process, inst, $"t{k}", relation);
            run++;
            if (e.Passed)
            {
                passed++;
                sizes.Add(inst.Kind + "|" + inst.N + "|" + inst.D);
                progress?.Invoke($"[{k + 1}/{options.MaxTests}] {inst.Describe()}: ok ({e.Elapsed.TotalSeconds:F2} s)");
                continue;
            }
            string check = e.Violations[0].Check;
            progress?.Invoke($"[{k + 1}/{options.MaxTests}] {inst.Describe()}: FAILED {check}: {e.Violations[0].Message}");
            var history = _history.ToList();
            progress?.Invoke($"shrinking (budget {options.ShrinkBudget} runs, {options.ShrinkTime.TotalSeconds:G4} s) ...");
            int shrinkId = 0;
            // Every request of the shrink phase ends by its deadline: a hanging implementation cannot stretch it.
            _deadline = DateTime.UtcNow + options.ShrinkTime;
            // Shrinking stays within the instances the implementation was declared to support (--loss, --n, --d).
            var shrink = Shrinker.Shrink(inst, c => options.Filter.Allows(c) && Evaluate(process, c, $"t{k}-s{shrinkId++}", relation).Violations.Any(v => v.Check == check),
                options.ShrinkBudget, progress, _deadline);
            _deadline = null;
            var shrunk = Evaluate(process, shrink.Instance, $"t{k}-min", relation);
            failure = Confirm(k, check, e, shrunk, shrink, relation, history);
            progress?.Invoke($"counterexample of size {shrink.Instance.Size} after {shrink.Steps} steps ({shrink.Evaluations} runs); {failure.ReplayNote}");
        }
        foreach (var ev in process.Events) progress?.Invoke("process: " + ev);
        return new ConformResult(options, run, passed, _requests, failure, clock.Elapsed, _implementation, process.Starts, sizes,
            new SortedDictionary<string, int>(_statuses), _worstRelativeGap, process.Events.ToList(), _loosestClaimed);
    }

    /// <summary>
    /// Replays the shrunk instance, then if need be the original one, each alone in a fresh process: a counterexample is
    /// offered for replay only when it fails without the requests that came before it.
    /// </summary>
    private ConformFailure Confirm(int k, string check, Evaluation original, Evaluation shrunk, ShrinkResult shrink, string relation,
        IReadOnlyList<string> history)
    {
        Evaluation? Alone(ConformInstance inst, string id)
        {
            using var fresh = new ExternalProcess(options.Command, options.Timeout);
            var e = Evaluate(fresh, inst, id, relation);
            return e.Violations.Any(v => v.Check == check) ? e : null;
        }
        if (Alone(shrink.Instance, $"t{k}-replay") is { } s)
            return new ConformFailure(k, check, original, shrunk, shrink, s, true, "the shrunk instance fails alone in a fresh process", history);
        if (Alone(original.Instance, $"t{k}-replay-original") is { } o)
            return new ConformFailure(k, check, original, shrunk, shrink, o, true,
                "the shrunk instance passes alone in a fresh process (its failure depended on the requests before it); the original instance fails alone and is the replay", history);
        return new ConformFailure(k, check, original, shrunk, shrink, original, false,
            $"neither the shrunk nor the original instance fails alone in a fresh process: the failure depends on the request history, kept whole ({history.Count} requests)", history);
    }

    /// <summary>Asks for one instance and checks the answer; with a relation, also checks I1 against the related instance.</summary>
    public Evaluation Evaluate(ExternalProcess process, ConformInstance inst, string id, string? relation)
    {
        var e = EvaluateSingle(process, inst, id);
        if (!e.Passed || relation is null || !options.CheckInvariances || options.Task != ConformTask.SolveConvex)
            return e with { Relation = null };
        var related = Invariances.Relate(inst, relation);
        var r = EvaluateSingle(process, related.Instance, id + "-" + related.Relation);
        var violations = new List<Violation>();
        if (!r.Passed)
            violations.AddRange(r.Violations.Select(v => v with { Message = $"on the related instance ({related.Relation}) the answer fails {v.Check}: {v.Message}" }));
        else
        {
            double p = e.Objective!.Value, q = r.Objective!.Value;
            // Both answers are certified at the requested ε (relative to their own objectives): their optima may differ by that much.
            double allowed = options.Tolerance * (Math.Abs(q) + related.Factor * Math.Abs(p)) + Tolerances.Objective.Relative * Math.Abs(q);
            if (Math.Abs(q - related.Factor * p) > allowed)
                violations.Add(new(CheckIds.Invariance, string.Create(CultureInfo.InvariantCulture,
                    $"{related.Relation}: objective {q:G10} on the related instance, expected {related.Factor:G4} × {p:G10} = {related.Factor * p:G10} " +
                    $"(allowed difference {allowed:G4} from the requested tolerance {options.Tolerance:G3})")));
        }
        return e with
        {
            Violations = violations,
            Relation = related.Relation,
            Elapsed = e.Elapsed + r.Elapsed,
            Request = violations.Count > 0 && !r.Passed ? r.Request : e.Request,
            Answer = violations.Count > 0 && !r.Passed ? r.Answer : e.Answer,
        };
    }

    private Evaluation EvaluateSingle(ExternalProcess process, ConformInstance inst, string id)
    {
        var data = inst.ToDataset();
        var loss = inst.ToLoss();
        var patterns = CellEnumerator.Enumerate(data.X);
        string request = Protocol.Request(id, options.Task, inst, patterns, options.Tolerance);
        Evaluation Skipped() => new(inst, [], request, null, TimeSpan.Zero, null, null, null, null);
        TimeSpan? timeLeft = _deadline is { } d ? d - DateTime.UtcNow : null;
        if (timeLeft is { } left && left <= TimeSpan.Zero) return Skipped();
        _requests++;
        _history.Add(request);
        var ex = process.Send(request, timeLeft);
        Evaluation Fail(string message, string? answer) =>
            new(inst, [new Violation(CheckIds.Protocol, message)], request, answer, ex.Elapsed, null, null, null, null);
        if (ex.Outcome != ExchangeOutcome.Answered) return Fail(ex.Explain(options.Timeout), null);
        try
        {
            if (options.Task == ConformTask.SolveConvex)
            {
                var answer = Protocol.ParseConvexAnswer(ex.Line, id, inst.N, inst.D);
                _implementation ??= answer.Solver;
                CountStatus(answer.Status);
                var problem = new ConvexProblem(data, loss, inst.Beta, patterns);
                var c = ConformChecks.CheckConvex(problem, answer, options.Tolerance, options.Cone);
                if (c.Certificate is { } cc) _worstRelativeGap = Math.Max(_worstRelativeGap, cc.RelativeGap);
                if (answer.GapTolerance is { } claimed) _loosestClaimed = Math.Max(_loosestClaimed ?? claimed, claimed);
                var net = answer.Network ?? (c.W is { } w ? Maps.Psi(w) : null);
                return new(inst, c.Violations, request, ex.Line, ex.Elapsed, net, c.RecomputedObjective, c.Certificate?.Lower, null, c.ClaimedTolerance);
            }
            var t = Protocol.ParseTrainAnswer(ex.Line, id, inst.D);
            _implementation ??= t.Solver;
            CountStatus(t.Status);
            var tc = ConformChecks.CheckTrain(data, loss, inst.Beta, patterns, t, options.Tolerance);
            return new(inst, tc.Violations, request, ex.Line, ex.Elapsed, t.Network, tc.RecomputedObjective, tc.Certificate?.Lower, null,
                t.StationarityTolerance ?? options.Tolerance);
        }
        catch (ProtocolException pe) { process.Restart(); return Fail(pe.Message, ex.Line); }
        catch (InvalidInputException ie) { process.Restart(); return Fail("the answer is not a valid value: " + ie.Message, ex.Line); }
    }
}
