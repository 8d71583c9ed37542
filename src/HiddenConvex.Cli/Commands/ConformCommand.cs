using System.CommandLine;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Harness.Conformance;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv conform: validate an external solver or trainer against the properties.</summary>
public sealed class ConformCommand : HcvCommand
{
    private readonly Option<string> _solver = new("--solver") { Description = "the implementation's command line, run with /bin/sh -c", HelpName = "CMD", Required = true };
    private readonly Option<string> _task = Opts.Text("--task", "T", "solve-convex or train", "solve-convex");
    private readonly Option<int> _maxTests = Opts.Integer("--max-tests", "N", "number of instances", 100);
    private readonly Option<int> _seed = Opts.Integer("--seed", "S", "seed of the instance generator", 1);
    private readonly Option<double> _timeout = Opts.Number("--timeout", "SEC", "per-request timeout in seconds", 30);
    private readonly Option<double> _tolerance = Opts.Number("--tolerance", "EPS",
        "the relative certified gap every request asks for (solve-convex) or the relative stationarity (train); an answer is judged " +
        "against it: a claimed tolerance looser than EPS fails, a tighter one is fine", ConformTolerances.RequestedGap);
    private readonly Option<double> _coneTol = Opts.Number("--cone-tol", "REL",
        "cone feasibility of every returned block: (2s_j − 1) x_j·w ≥ −(abs + REL·‖x_j‖‖w‖), row by row, with abs " +
        $"{ConformTolerances.Cone.Absolute:G3}; raise it to validate a first-order solver at its own accuracy (scnn's constraint_tol bounds " +
        "the squared norm of all violations instead: a per-row REL of about √constraint_tol / (‖x_j‖‖w‖) matches it)", ConformTolerances.Cone.Relative);
    private readonly Option<string?> _loss = Opts.Text("--loss", "L", "generate only instances of these losses (comma-separated: squared, logistic)");
    private readonly Option<string> _n = Opts.Text("--n", "MIN:MAX", "generate only instances with n in MIN..MAX (within 2..8)", "2:8");
    private readonly Option<string> _d = Opts.Text("--d", "MIN:MAX", "generate only instances with d in MIN..MAX (within 1..3)", "1:3");
    private readonly Option<int> _shrinkBudget = Opts.Integer("--shrink-budget", "K", "implementation runs spent on shrinking", 300);
    private readonly Option<double> _shrinkTime = Opts.Number("--shrink-time", "SEC", "wall-clock limit of shrinking", 180);
    private readonly Option<bool> _noInvariances = Opts.Flag("--no-invariances", "do not send related requests (I1)");
    private readonly Option<string?> _report = Opts.Text("--report", "DIR", "write summary.md, summary.html, junit.xml and counterexamples/*.json into DIR (must not exist or be empty)");
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON with the verdict on stdout");

    /// <inheritdoc />
    public override string Name => "conform";

    /// <inheritdoc />
    public override string Summary => "validate an external solver or trainer against the properties (JSON lines protocol)";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols =>
        [_solver, _task, _maxTests, _seed, _timeout, _tolerance, _coneTol, _loss, _n, _d, _shrinkBudget, _shrinkTime, _noInvariances, _report, _json];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes =>
        [(ExitCode.Success, "conforms"), (ExitCode.Negative, "does not conform")];

    /// <inheritdoc />
    public override string Details => """
        Runs CMD as an external implementation speaking the line-oriented JSON protocol of docs/conform-protocol.md,
        sends it generated instances (n <= 8, d <= 3, many degenerate), checks every answer with the suite's own code
        and, at the first failing instance, shrinks it to a small counterexample.

        Tolerances: --tolerance is the certified relative gap every request asks for; each answer is judged at it (THEORY.md
        §4.1, the certificate's own test): a declared gap_tolerance looser than requested fails, a tighter one is fine,
        and the report shows both. --cone-tol governs cone feasibility of the returned blocks, row by row. The claimed
        objective must equal the recomputed one within the objective tolerance (rounding only). With --task train,
        --tolerance is the relative stationarity asked for.

        Every request of the shrink phase ends by --shrink-time. A counterexample is replayed alone in a fresh process
        before it is offered; if neither the shrunk nor the original instance fails alone, the report says the failure
        depends on the request history and keeps every request line. Every end of a process (an exit after answering,
        a crash, a timeout, a kill after an unusable answer) is reported.

        Checks (solve-convex): protocol (timeouts, crashes, malformed answers, NaN), status, patterns in S(X), cone
        feasibility of every block, claimed objective = recomputed, certified gap over the exact pattern set within the
        requested tolerance, network = psi(W), and the invariances I1 on one related request per instance.
        Checks (train): protocol, claimed objective = L_beta recomputed, D1 (not below the proven lower bound),
        scaledness of networks claimed converged (T4).

        Example: hcv conform --solver "/usr/bin/python3 adapters/cvxopt_solver.py" --report reports/conform
        """;

    /// <inheritdoc />
    public override IEnumerable<string> Validate(ParseResult parse)
    {
        if (string.IsNullOrWhiteSpace(parse.GetValue(_solver))) yield return "option --solver needs a command";
        foreach (var (option, value) in new[] { (_maxTests, parse.GetValue(_maxTests)), (_shrinkBudget, parse.GetValue(_shrinkBudget)) })
            if (value <= 0) yield return $"option {option.Name} must be positive, got {value}";
        foreach (var (option, value) in new[] { (_timeout, parse.GetValue(_timeout)), (_tolerance, parse.GetValue(_tolerance)), (_coneTol, parse.GetValue(_coneTol)), (_shrinkTime, parse.GetValue(_shrinkTime)) })
            if (!(double.IsFinite(value) && value > 0)) yield return $"option {option.Name} must be a positive number, got {value}";
        if (parse.GetValue(_report) is { } dir && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            yield return $"report folder {dir} already exists and is not empty; choose another one";
    }

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var options = new ConformOptions
        {
            Command = parse.GetValue(_solver)!,
            Task = ConformTasks.Parse(parse.GetValue(_task)!),
            MaxTests = parse.GetValue(_maxTests),
            Seed = parse.GetValue(_seed),
            Timeout = TimeSpan.FromSeconds(parse.GetValue(_timeout)),
            Tolerance = parse.GetValue(_tolerance),
            ShrinkBudget = parse.GetValue(_shrinkBudget),
            ShrinkTime = TimeSpan.FromSeconds(parse.GetValue(_shrinkTime)),
            CheckInvariances = !parse.GetValue(_noInvariances),
            Cone = ConformTolerances.Cone with { Relative = parse.GetValue(_coneTol) },
            Filter = Filter(parse),
        };
        string? reportDir = parse.GetValue(_report);
        var started = DateTimeOffset.UtcNow;
        var result = new ConformRunner(options, line => Console.Error.WriteLine(line)).Run();
        if (reportDir is not null)
        {
            var written = ReportDirectory.Write(ConformReport.Build(result, started), reportDir);
            Console.Error.WriteLine($"report: {string.Join(", ", written)}");
        }
        Console.Error.WriteLine(ConformReport.Verdict(result));
        if (parse.GetValue(_json)) JsonOutput.Print(ConformReport.Summary(result));
        return result.Conforms ? ExitCode.Success : ExitCode.Negative;
    }

    private InstanceFilter Filter(ParseResult parse)
    {
        var (nMin, nMax) = Range(parse.GetValue(_n)!, "--n");
        var (dMin, dMax) = Range(parse.GetValue(_d)!, "--d");
        var losses = parse.GetValue(_loss)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (losses is { Length: 0 }) throw new UsageException("--loss needs at least one loss name");
        return InstanceFilter.Create(losses, nMin, nMax, dMin, dMax);
    }

    private static (int Min, int Max) Range(string text, string option)
    {
        var parts = text.Split(':');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            int lo = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            int hi = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
            return (lo, hi);
        }
        throw new UsageException($"{option} expects MIN:MAX or one number, got '{text}'");
    }
}
