using System.Globalization;
using HiddenConvex.Harness.Conformance;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv conform: validate an external solver or trainer against the properties.</summary>
public sealed class ConformCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "conform";
    /// <inheritdoc />
    public string Summary => "validate an external solver or trainer against the properties (JSON lines protocol)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "no-invariances"];
    /// <inheritdoc />
    public string Help => """
        hcv conform --solver "CMD" [options]

        Runs CMD (with /bin/sh -c) as an external implementation speaking the line-oriented JSON
        protocol of docs/conform-protocol.md, sends it generated instances (n <= 8, d <= 3, many
        degenerate), checks every answer with the suite's own code and, at the first failing
        instance, shrinks it to a small counterexample.

        Checks (solve-convex): protocol (timeouts, crashes, malformed answers, NaN), status,
        patterns in S(X), cone feasibility of every block, claimed objective = recomputed,
        certified gap over the exact pattern set within the claimed tolerance, network = psi(W),
        and the invariances I1 on one related request per instance.
        Checks (train): protocol, claimed objective = L_beta recomputed, D1 (not below the proven
        lower bound), scaledness of networks claimed converged (T4).

        Options:
          --solver CMD        the implementation's command line (required)
          --task T            solve-convex (default) or train
          --max-tests N       number of instances (default 100)
          --seed S            seed of the instance generator (default 1)
          --timeout SEC       per-request timeout in seconds (default 30)
          --tolerance EPS     relative gap / stationarity tolerance asked for (default 1e-6)
          --shrink-budget K   implementation runs spent on shrinking (default 300)
          --shrink-time SEC   wall-clock limit of shrinking (default 180)
          --no-invariances    do not send related requests (I1)
          --report DIR        write summary.md, summary.html, junit.xml and counterexamples/*.json
                              into DIR (must not exist or be empty)
          --json              print one JSON object with the verdict on stdout

        Exit codes: 0 conforms, 1 does not conform, 2 bad input.
        Example: hcv conform --solver "/usr/bin/python3 adapters/cvxopt_solver.py" --report reports/conform

        """;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        var options = new ConformOptions
        {
            Command = args.Require("solver"),
            Task = ConformTasks.Parse(args.Get("task") ?? "solve-convex"),
            MaxTests = Positive(args.Int("max-tests", 100), "max-tests"),
            Seed = args.Int("seed", 1),
            Timeout = TimeSpan.FromSeconds(PositiveDouble(args.Double("timeout", 30), "timeout")),
            Tolerance = PositiveDouble(args.Double("tolerance", ConformTolerances.RequestedGap), "tolerance"),
            ShrinkBudget = Positive(args.Int("shrink-budget", 300), "shrink-budget"),
            ShrinkTime = TimeSpan.FromSeconds(PositiveDouble(args.Double("shrink-time", 180), "shrink-time")),
            CheckInvariances = !args.Flag("no-invariances"),
        };
        string? reportDir = args.Get("report");
        bool json = args.Flag("json");
        args.Done(0, 0, "no positional arguments");
        if (string.IsNullOrWhiteSpace(options.Command)) throw new UsageException("option --solver needs a command");
        if (reportDir is not null && Directory.Exists(reportDir) && Directory.EnumerateFileSystemEntries(reportDir).Any())
            throw new UsageException($"report folder {reportDir} already exists and is not empty; choose another one");

        var started = DateTimeOffset.UtcNow;
        var result = new ConformRunner(options, line => Console.Error.WriteLine(line)).Run();
        if (reportDir is not null)
        {
            var written = ReportDirectory.Write(ConformReport.Build(result, started), reportDir);
            Console.Error.WriteLine($"report: {string.Join(", ", written)}");
        }
        Console.Error.WriteLine(Verdict(result));
        if (json) Console.Out.WriteLine(ConformReport.SummaryJson(result));
        return result.Conforms ? 0 : 1;
    }

    private static string Verdict(ConformResult r)
    {
        string time = r.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        if (r.Failure is not { } f) return $"conforms: {r.TestsPassed}/{r.TestsRun} instances passed every check ({r.Requests} requests, {time} s)";
        return $"does NOT conform: check {f.Check} failed on instance {f.TestIndex + 1}; shrunk counterexample n×d = {f.Shrunk.Instance.Size} " +
               $"(from {f.Original.Instance.Size}, {f.Shrinking.Steps} steps) ({time} s)";
    }

    private static int Positive(int v, string name) => v > 0 ? v : throw new UsageException($"option --{name} must be positive, got {v}");

    private static double PositiveDouble(double v, string name) =>
        double.IsFinite(v) && v > 0 ? v : throw new UsageException($"option --{name} must be a positive number, got {v}");
}
