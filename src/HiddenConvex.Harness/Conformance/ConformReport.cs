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
            (CheckIds.Gap, "the certified gap over the exact S(X) is within the claimed tolerance"),
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
                ce is null ? null : $"the run stopped at the first failing instance (test {failure!.TestIndex + 1} of {o.MaxTests})"));
        }
        string config = string.Create(CultureInfo.InvariantCulture,
            $"hcv conform --solver \"{o.Command}\" --task {ConformTasks.Name(o.Task)} --max-tests {o.MaxTests} --seed {o.Seed}; " +
            $"timeout {o.Timeout.TotalSeconds:G4} s per request; requested tolerance {o.Tolerance:G3}; cone tolerance {ConformTolerances.Cone}; " +
            $"objective tolerance {Tolerances.Objective}; implementation: {result.Implementation ?? "unnamed"}; " +
            $"{result.Requests} requests ({string.Join(", ", result.Statuses.Select(kv => $"{kv.Value} answered {kv.Key}"))}), {result.ProcessStarts} process start(s); largest certified relative gap {result.WorstRelativeGap:G3}; verdict: {(result.Conforms ? "conforms" : "does NOT conform")}");
        return new RunReport($"Conformance of {o.Command}", started, result.Elapsed, config, props);
    }

    private static Counterexample Shrunk(ConformResult result, ConformFailure f)
    {
        var e = f.Shrunk;
        var v = e.Violations.FirstOrDefault(x => x.Check == f.Check) ?? e.Violations.FirstOrDefault() ?? f.Original.Violations[0];
        return new Counterexample(
            InputJson: e.Request,
            Check: f.Check,
            Observed: Protocol.Clip(e.Answer ?? "(no answer)", 4000),
            Expected: Expected(f.Check),
            Tolerance: ToleranceOf(f.Check, result.Options),
            Message: $"shrunk to n×d = {e.Instance.Size} ({e.Instance.Describe()}) in {f.Shrinking.Steps} steps, {f.Shrinking.Evaluations} runs" +
                     (e.Relation is null ? "" : $"; related request: {e.Relation}") + $": {v.Message}" +
                     (f.Shrinking.Log.Count > 0 ? $" [shrinking: {string.Join("; ", f.Shrinking.Log)}]" : ""),
            ReplayCommand: Replay(result.Options, e.Request),
            Seed: result.Options.Seed.ToString(CultureInfo.InvariantCulture),
            Shrinks: f.Shrinking.Steps,
            OriginalInputJson: f.Original.Request,
            Figures: Figures(e));
    }

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
        CheckIds.Gap => "objective − certified lower bound ≤ ε·max(1, |objective|)",
        CheckIds.Psi => "network = {(w/√‖w‖, γ√‖w‖)} over the nonzero blocks",
        CheckIds.Invariance => "P*(related) = factor × P*(original)",
        CheckIds.WeakDuality => "claimed L_β ≥ proven lower bound",
        CheckIds.NearMinimal => "Clarke measure ≤ ε; ||u_i‖ − |α_i|| ≤ ε/β; neurons of a slot colinear within 4ε/(β·min|α|·max‖u/α‖)",
        _ => "",
    };

    private static string ToleranceOf(string check, ConformOptions o) => check switch
    {
        CheckIds.Feasibility => ConformTolerances.Cone.ToString(),
        CheckIds.Objective or CheckIds.WeakDuality => Tolerances.Objective.ToString(),
        CheckIds.Gap or CheckIds.Invariance => $"claimed ε (requested {o.Tolerance:G3}) + {Tolerances.Objective}",
        CheckIds.Psi => Tolerances.Prediction.ToString(),
        CheckIds.NearMinimal => $"claimed ε + {Tolerances.Stationarity}; ε/β + {Tolerances.Balance}; colinearity + {Tolerances.Colinearity}",
        CheckIds.Protocol => $"timeout {o.Timeout.TotalSeconds:G4} s",
        CheckIds.Pattern or CheckIds.Status => "exact (no tolerance)",
        _ => "",
    };

    /// <summary>A one-object JSON summary for --json: verdict, counts, time and the shrunk counterexample.</summary>
    public static string SummaryJson(ConformResult r)
    {
        var o = new JsonObject
        {
            ["conforms"] = r.Conforms,
            ["command"] = r.Options.Command,
            ["task"] = ConformTasks.Name(r.Options.Task),
            ["seed"] = r.Options.Seed,
            ["tests_run"] = r.TestsRun,
            ["tests_passed"] = r.TestsPassed,
            ["requests"] = r.Requests,
            ["seconds"] = Math.Round(r.Elapsed.TotalSeconds, 3),
            ["implementation"] = r.Implementation,
            ["worst_relative_gap"] = r.WorstRelativeGap,
            ["statuses"] = new JsonObject(r.Statuses.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
        };
        if (r.Failure is { } f)
        {
            o["failure"] = new JsonObject
            {
                ["check"] = f.Check,
                ["test"] = f.TestIndex,
                ["original_size"] = f.Original.Instance.Size,
                ["shrunk_size"] = f.Shrunk.Instance.Size,
                ["shrunk_n"] = f.Shrunk.Instance.N,
                ["shrunk_d"] = f.Shrunk.Instance.D,
                ["shrink_steps"] = f.Shrinking.Steps,
                ["shrink_runs"] = f.Shrinking.Evaluations,
                ["message"] = (f.Shrunk.Violations.FirstOrDefault(v => v.Check == f.Check) ?? f.Original.Violations[0]).Message,
                ["request"] = JsonNode.Parse(f.Shrunk.Request),
            };
        }
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
