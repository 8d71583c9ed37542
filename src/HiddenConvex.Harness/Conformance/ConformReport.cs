using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Harness.Conformance;

/// <summary>
/// Turns a conformance result into the suite's report model (<see cref="RunReport"/>): one entry
/// per check, the failing check with its shrunk counterexample (the exact request line, the answer,
/// and for d = 2 a drawing of the arrangement with the answer's neurons as rays).
/// </summary>
public static class ConformReport
{
    /// <summary>The checks that apply to a task, with the law each one states.</summary>
    public static IReadOnlyList<(string Id, string Law)> Checks(ConformTask task) => task == ConformTask.SolveConvex
        ?
        [
            (CheckIds.Protocol, "every request gets a well-formed, finite answer in time"),
            (CheckIds.Status, "the answer claims an optimal solution"),
            (CheckIds.Pattern, "every block's pattern is in S(X) and appears once per sign"),
            (CheckIds.Feasibility, "every block lies in its cone C_s"),
            (CheckIds.Objective, "the claimed objective equals L^c_β(W) recomputed"),
            (CheckIds.Gap, "the certified gap over the exact S(X) meets the requested tolerance, and no looser tolerance is declared"),
            (CheckIds.Psi, "the returned network is ψ(W)"),
            (CheckIds.Invariance, "objectives of related requests agree (rows permuted, X→XQ, (y,β)→(κy,κβ))"),
        ]
        :
        [
            (CheckIds.Protocol, "every request gets a well-formed, finite answer in time"),
            (CheckIds.Objective, "the claimed objective equals L_β(θ) recomputed"),
            (CheckIds.WeakDuality, "the claimed objective is not below the proven lower bound"),
            (CheckIds.NearMinimal, "a network claimed ε-stationary is ε-stationary, scaled and nearly minimal"),
        ];

    /// <summary>The report of a run.</summary>
    public static RunReport Build(ConformResult result, DateTimeOffset started)
    {
        var o = result.Options;
        var classes = result.PassedSizes.Select(s => s.Split('|'))
            .SelectMany(p => new[] { "data=" + p[0], "n=" + p[1], "d=" + p[2] })
            .GroupBy(s => s).Select(g => new ClassCount(g.Key, g.Count())).ToList();
        var failure = result.Failure;
        var failedChecks = failure?.Original.Violations.Select(v => v.Check).ToHashSet() ?? [];
        var props = new List<PropertyReport>();
        foreach (var (id, law) in Checks(o.Task))
        {
            var status = failedChecks.Contains(id) ? PropertyStatus.Failed : PropertyStatus.Passed;
            Counterexample? ce = null;
            if (failure is not null && status == PropertyStatus.Failed)
                ce = id == failure.Check ? Shrunk(result, failure) : Unshrunk(result, failure, id);
            props.Add(new PropertyReport(id, law, result.TestsRun, result.Elapsed, status, classes, ce,
                ce is null ? null : $"the run stopped at the first failing instance (test {failure!.TestIndex + 1} of {o.MaxTests}); {result.Requests} requests were sent in all"));
        }
        string config = string.Create(CultureInfo.InvariantCulture,
            $"hcv conform --solver \"{o.Command}\" --task {ConformTasks.Name(o.Task)} --max-tests {o.MaxTests} --seed {o.Seed}; instances: {o.Filter}; " +
            $"timeout {o.Timeout.TotalSeconds:G4} s per request; requested tolerance {o.Tolerance:G3} (loosest declared by the answers: " +
            $"{(result.LoosestClaimedTolerance is { } c ? c.ToString("G3", CultureInfo.InvariantCulture) : "none declared")}); cone tolerance {o.Cone}; " +
            $"objective tolerance {Tolerances.Objective}; implementation: {result.Implementation ?? "unnamed"}; " +
            $"{result.TestsRun} instances, {result.Requests} requests ({string.Join(", ", result.Statuses.Select(kv => $"{kv.Value} answered {kv.Key}"))}); " +
            $"{result.ProcessStarts} process start(s){(result.ProcessEvents.Count == 0 ? ", no process ended early" : "; process events: " + string.Join("; ", result.ProcessEvents))}; " +
            $"largest certified relative gap {result.WorstRelativeGap:G3}; verdict: {(result.Conforms ? "conforms" : "does NOT conform")}");
        return new RunReport($"Conformance of {o.Command}", started, result.Elapsed, config, props, "check");
    }

    private static Counterexample Shrunk(ConformResult result, ConformFailure f)
    {
        var e = f.Replay;
        bool shrunkIsReplay = ReferenceEquals(f.Replay.Instance, f.Shrunk.Instance) || f.Replay.Instance == f.Shrunk.Instance;
        var v = e.Violations.FirstOrDefault(x => x.Check == f.Check) ?? e.Violations.FirstOrDefault() ?? f.Original.Violations[0];
        string history = f.Confirmed ? "" : $" Request history (every line the failing process received, in order):\n{string.Join("\n", f.History)}";
        return new Counterexample(
            InputJson: e.Request,
            Check: f.Check,
            Observed: Protocol.Clip(e.Answer ?? "(no answer)", 4000),
            Expected: Expected(f.Check),
            Tolerance: ToleranceOf(f.Check, result.Options),
            Message: $"{f.ReplayNote}. Shrinking reached n×d = {f.Shrunk.Instance.Size} ({f.Shrunk.Instance.Describe()}) in {f.Shrinking.Steps} steps, {f.Shrinking.Evaluations} runs" +
                     (e.Relation is null ? "" : $"; related request: {e.Relation}") + $": {v.Message}" +
                     (f.Shrinking.Log.Count > 0 ? $" [shrinking: {string.Join("; ", f.Shrinking.Log)}]" : "") + history,
            ReplayCommand: f.Confirmed ? Replay(result.Options, e.Request) : ReplayAll(result.Options, f.History),
            Seed: result.Options.Seed.ToString(CultureInfo.InvariantCulture),
            Shrinks: shrunkIsReplay ? f.Shrinking.Steps : 0,
            OriginalInputJson: shrunkIsReplay && f.Shrinking.Steps > 0 ? f.Original.Request : null,
            Figures: Figures(e));
    }

    private static string ReplayAll(ConformOptions o, IReadOnlyList<string> history) =>
        $"printf '%s\\n' {string.Join(" ", history.Select(h => "'" + h.Replace("'", "'\\''") + "'"))} | {o.Command}";

    private static Counterexample Unshrunk(ConformResult result, ConformFailure f, string check)
    {
        var e = f.Original;
        var v = e.Violations.First(x => x.Check == check);
        return new Counterexample(e.Request, check, Protocol.Clip(e.Answer ?? "(no answer)", 4000), Expected(check), ToleranceOf(check, result.Options),
            $"(not shrunk; found on the same instance as the shrunk {f.Check} failure, n×d = {e.Instance.Size}): {v.Message}",
            Replay(result.Options, e.Request), result.Options.Seed.ToString(CultureInfo.InvariantCulture), 0, null, Figures(e));
    }

    private static IReadOnlyList<Figure> Figures(Evaluation e)
    {
        if (e.Instance.D != 2) return [];
        var neurons = e.Network is { } n ? n.Neurons().Select(x => (x.U.ToArray(), x.Alpha)).ToList() : [];
        return [new Figure($"Arrangement of the {e.Instance.N} rows (d = 2) with the answer's {neurons.Count} neurons as rays",
            SvgPlot.Arrangement2D(e.Instance.X, neurons, "cells of X and neurons of the answer"))];
    }

    private static string Replay(ConformOptions o, string request) =>
        $"printf '%s\\n' '{request.Replace("'", "'\\''")}' | {o.Command}";

    private static string Expected(string check) => check switch
    {
        CheckIds.Protocol => "one JSON object line with the same id, finite numbers, within the timeout",
        CheckIds.Status => "status \"optimal\" (or \"converged\" for train)",
        CheckIds.Pattern => "patterns from the request's list S(X), each (pattern, sign) once",
        CheckIds.Feasibility => "(2s_j − 1) x_j·w_b ≥ 0 for every row and block",
        CheckIds.Objective => "claimed objective = objective recomputed from the answer",
        CheckIds.Gap => "certified at the requested ε by the certificate's test (THEORY.md §4.1), declared tolerance ≤ requested",
        CheckIds.Psi => "network = {(w/√‖w‖, γ√‖w‖)} over the nonzero blocks",
        CheckIds.Invariance => "P*(related) = factor × P*(original)",
        CheckIds.WeakDuality => "claimed L_β ≥ proven lower bound",
        CheckIds.NearMinimal => "Clarke measure ≤ ε; ||u_i‖ − |α_i|| ≤ ε/β; neurons of a slot colinear within 4ε/(β·min|α|·max‖u/α‖)",
        _ => "",
    };

    private static string ToleranceOf(string check, ConformOptions o) => check switch
    {
        CheckIds.Feasibility => o.Cone.ToString(),
        CheckIds.Objective or CheckIds.WeakDuality => Tolerances.Objective.ToString(),
        CheckIds.Gap => $"requested ε = {o.Tolerance:G3}",
        CheckIds.Invariance => $"requested ε = {o.Tolerance:G3} on each objective + rel {Tolerances.Objective.Relative:G3}",
        CheckIds.Psi => Tolerances.Prediction.ToString(),
        CheckIds.NearMinimal => $"claimed ε + {Tolerances.Stationarity}; ε/β + {Tolerances.Balance}; colinearity + {Tolerances.Colinearity}",
        CheckIds.Protocol => $"timeout {o.Timeout.TotalSeconds:G4} s",
        CheckIds.Pattern or CheckIds.Status => "exact (no tolerance)",
        _ => "",
    };

    /// <summary>The one-line verdict printed at the end of a run.</summary>
    public static string Verdict(ConformResult r)
    {
        string time = r.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        string deaths = r.ProcessEvents.Count == 0 ? "" : $"; {r.ProcessEvents.Count} process event(s): {string.Join("; ", r.ProcessEvents)}";
        if (r.Failure is not { } f) return $"conforms: {r.TestsPassed}/{r.TestsRun} instances passed every check ({r.Requests} requests, {time} s){deaths}";
        return $"does NOT conform: check {f.Check} failed on instance {f.TestIndex + 1}; shrunk n×d = {f.Shrunk.Instance.Size} " +
               $"(from {f.Original.Instance.Size}, {f.Shrinking.Steps} steps); {f.ReplayNote} ({r.Requests} requests, {time} s){deaths}";
    }

    /// <summary>The verdict of a run as a record (serialised with snake_case names by `hcv conform --json`).</summary>
    public static ConformSummary Summary(ConformResult r) => new(
        r.Conforms, r.Options.Command, ConformTasks.Name(r.Options.Task), r.Options.Seed, r.Options.Filter.ToString(), r.TestsRun, r.TestsPassed,
        r.Requests, r.Options.Tolerance, r.LoosestClaimedTolerance, r.Options.Cone.Relative, r.ProcessStarts, r.ProcessEvents,
        Math.Round(r.Elapsed.TotalSeconds, 3), r.Implementation, r.WorstRelativeGap, r.Statuses,
        r.Failure is not { } f ? null : new ConformFailureSummary(f.Check, f.TestIndex, f.Original.Instance.Size, f.Shrunk.Instance.Size,
            f.Shrunk.Instance.N, f.Shrunk.Instance.D, f.Shrinking.Steps, f.Shrinking.Evaluations, f.Confirmed, f.ReplayNote, f.History.Count,
            (f.Replay.Violations.FirstOrDefault(v => v.Check == f.Check) ?? f.Original.Violations[0]).Message, JsonNode.Parse(f.Replay.Request)));

    /// <summary>The summary as one line of JSON with snake_case names.</summary>
    public static string SummaryJson(ConformResult r) =>
        JsonSerializer.Serialize(Summary(r), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
}

/// <summary>The verdict of a conformance run: what was run, how many instances and requests, the tolerances, process events.</summary>
public sealed record ConformSummary(
    bool Conforms, string Command, string Task, int Seed, string Instances, int TestsRun, int TestsPassed, int Requests,
    double RequestedTolerance, double? LoosestDeclaredTolerance, double ConeTolerance, int ProcessStarts, IReadOnlyList<string> ProcessEvents,
    double Seconds, string? Implementation, double WorstRelativeGap, IReadOnlyDictionary<string, int> Statuses, ConformFailureSummary? Failure);

/// <summary>The failing check of a run and its replay (confirmed alone in a fresh process, or the whole history).</summary>
public sealed record ConformFailureSummary(
    string Check, int Test, string OriginalSize, string ShrunkSize, int ShrunkN, int ShrunkD, int ShrinkSteps, int ShrinkRuns,
    bool ConfirmedAlone, string ReplayNote, int HistoryRequests, string Message, JsonNode? Request);
