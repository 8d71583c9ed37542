using System.CommandLine;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Training;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv landscape: train widths 1..n+2 from several seeds and compare with the convex optimum (THEORY.md §6).</summary>
public sealed class LandscapeCommand : HcvCommand
{
    /// <summary>A width "reaches" P*_c when its best run is within this relative distance of P*_c: (best − P*_c) ≤ this · P*_c.</summary>
    public const double ReachedRelative = 1e-6;

    private readonly Argument<string> _data = Opts.Positional("DATA", "the data set (.json, .csv, .npy, .npz; see 'hcv patterns --help')");
    private readonly ProblemOptions _problem = new();
    private readonly Option<int> _seeds = Opts.Integer("--seeds", "K", "training runs per width, with the seeds S, S+1, …, S+K−1", 5);
    private readonly Option<int?> _maxWidth = Opts.OptionalInteger("--max-width", "M", "largest width trained (default n + 2)");
    private readonly TrainingOptions _training = new();
    private readonly Option<string?> _plot = Opts.Text("--plot", "PNG", "also draw the landscape into this PNG file (no picture without it)");
    private readonly Option<bool> _force = Opts.Flag("--force", "allow --plot to overwrite an existing file");
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON on stdout");

    /// <inheritdoc />
    public override string Name => "landscape";

    /// <inheritdoc />
    public override string Summary => "train widths 1..n+2 and compare with the convex optimum";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols => [_data, .. _problem.Symbols, _seeds, _maxWidth, .. _training.Symbols, _plot, _force, _json];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes => [(ExitCode.Success, "success")];

    /// <inheritdoc />
    public override string Details => $"""
        Trains networks of every width m = 1 … M from K seeds and reports the best L_β per width against the certified
        convex optimum P*_c (THEORY.md §3, §6): P*_m decreases to P*_c, which it reaches at m*. The convex side is the
        certified pipeline of 'hcv solve' (same P*_c, pruned support and m*). 'reached' is the smallest width whose
        best run is within {ReachedRelative:G3}·P*_c of P*_c (an upper bound on m* only if the trainer found the optimum).
        Also reports the fraction of runs ending scaled and nearly minimal (§5), each judged with the tolerance its own
        stationarity implies (THEORY.md §7.2: T4a, and T4b under (K)); the largest tolerance used is printed.
        With --plot the PNG shows the best and all runs per width, P*_c and the widths above.
        """;

    /// <inheritdoc />
    public override IEnumerable<string> Validate(ParseResult parse)
    {
        if (parse.GetValue(_seeds) < 1) yield return $"--seeds must be at least 1, got {parse.GetValue(_seeds)}";
        if (parse.GetValue(_maxWidth) is < 1) yield return $"--max-width must be at least 1, got {parse.GetValue(_maxWidth)}";
    }

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var loss = _problem.ReadLoss(parse);
        double beta = _problem.ReadBeta(parse);
        int seeds = parse.GetValue(_seeds);
        var settings = _training.Read(parse);
        var plotPath = OutputTarget.Check(parse.GetValue(_plot), parse.GetValue(_force));
        var data = _problem.LoadData(parse, parse.GetValue(_data)!, loss);
        int maxWidth = parse.GetValue(_maxWidth) ?? data.N + 2;

        Console.Error.WriteLine($"hcv landscape: n = {data.N}, d = {data.D}, widths 1..{maxWidth}, {seeds} seeds, {settings.Optimizer}");
        PatternChoice.EnsureExactFits(data, "hcv landscape", "hcv check --patterns bnb on the trained networks (landscape needs S(X))");
        var patterns = CellEnumerator.Enumerate(data.X);
        // The same certified pipeline as 'hcv solve': the reported support is the pruned vertex's, next to m*.
        var solution = CertifiedPipeline.Run(new ConvexProblem(data, loss, beta, patterns), new PipelineSettings { MaxSupportsForMStar = SolveCommand.MaxSupportsForMStar });
        var solved = solution.Solve;
        double pStar = solved.Objective;
        int support = solution.Final.NonZeroBlocks.Count();
        Console.Error.WriteLine($"  P*_c in [{Fmt.Value(solved.Lower)}, {Fmt.Value(pStar)}] ({solved.StatusName}), pruned support {support}, m* = {MStarText(solution.MStar)}");

        var rows = new List<WidthRow>();
        int runs = 0, stationary = 0, scaled = 0, nearlyMinimal = 0;
        double maxBalance = 0, maxColinearity = 0;
        for (int m = 1; m <= maxWidth; m++)
        {
            var losses = new List<double>();
            for (int s = 0; s < seeds; s++)
            {
                var r = Trainer.Train(data, loss, beta, m, settings with { Seed = settings.Seed + s });
                losses.Add(r.Objective);
                runs++;
                var stationarity = Stationarity.Measure(r.Network, data, loss, beta, settings.Stationarity, Tolerances.Kink);
                var balance = BalanceAtStationarity.Of(r.Network, data, loss, beta, patterns, stationarity, Tolerances.Kink);
                if (stationarity.IsStationary) stationary++;
                if (balance.Scaled) scaled++;
                if (balance.NearlyMinimal) nearlyMinimal++;
                maxBalance = Math.Max(maxBalance, balance.MaxBalanceAllowance);
                maxColinearity = Math.Max(maxColinearity, balance.MaxColinearityAllowance);
            }
            rows.Add(new WidthRow(m, losses.Min(), losses, losses.Min() - pStar));
            Console.Error.WriteLine($"  m = {m,3}: best L = {Fmt.Value(losses.Min())}  (P*_c + {Fmt.Small(losses.Min() - pStar)})");
        }
        int? reached = rows.FirstOrDefault(r => r.Best - pStar <= ReachedRelative * Math.Abs(pStar))?.Width;
        if (plotPath is not null)
        {
            Plot(rows, pStar, reached, support, plotPath);
            Console.Error.WriteLine($"  wrote {plotPath}");
        }
        var record = new LandscapeJson(pStar, solved.Lower, solved.StatusName, support, solution.MStar, reached, ReachedRelative, runs,
            (double)stationary / runs, (double)scaled / runs, (double)nearlyMinimal / runs, maxBalance, maxColinearity, rows, plotPath);
        if (parse.GetValue(_json)) JsonOutput.Print(record);
        else Console.Out.Write(Text(record));
        return ExitCode.Success;
    }

    /// <summary>One width: its best objective, all runs, and the best's excess over P*_c.</summary>
    public sealed record WidthRow(int Width, double Best, IReadOnlyList<double> All, double Excess);

    /// <summary>The --json record.</summary>
    public sealed record LandscapeJson(double PStarUpper, double PStarLower, string SolverStatus, int Support, int? MStar,
        int? FirstWidthReachingPStar, double ReachedRelative, int Runs, double FractionStationary, double FractionScaled, double FractionNearlyMinimal,
        double ScaledTolerance, double ColinearityTolerance, IReadOnlyList<WidthRow> Widths, string? Plot);

    private static void Plot(List<WidthRow> rows, double pStar, int? reached, int support, string path)
    {
        var plt = new ScottPlot.Plot();
        var all = plt.Add.ScatterPoints(rows.SelectMany(r => r.All.Select(_ => (double)r.Width)).ToArray(), rows.SelectMany(r => r.All).ToArray());
        all.LegendText = "all runs";
        var best = plt.Add.Scatter(rows.Select(r => (double)r.Width).ToArray(), rows.Select(r => r.Best).ToArray());
        best.LegendText = "best run per width (P*_m estimate)";
        var h = plt.Add.HorizontalLine(pStar);
        h.LegendText = "P*_c (convex optimum)";
        if (reached is { } m) { var v = plt.Add.VerticalLine(m); v.LegendText = $"first width reaching P*_c: {m}"; }
        var sLine = plt.Add.VerticalLine(support);
        sLine.LegendText = $"pruned support of W* = {support}";
        sLine.LinePattern = ScottPlot.LinePattern.Dashed;
        plt.XLabel("width m");
        plt.YLabel("L_beta");
        plt.Title("Best trained objective per width vs the convex optimum");
        plt.ShowLegend();
        plt.SavePng(path, 900, 600);
    }

    private static string MStarText(int? mStar) => mStar?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not searched (too many supports)";

    private static string Text(LandscapeJson j)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append($"P*_c in [{Fmt.Value(j.PStarLower)}, {Fmt.Value(j.PStarUpper)}] ({j.SolverStatus})\n");
        sb.Append($"pruned support of W* = {j.Support} (a vertex of the optimal set), m* = {MStarText(j.MStar)}; first width reaching P*_c " +
                  $"(within {Fmt.Small(j.ReachedRelative)} relative): {j.FirstWidthReachingPStar?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}\n");
        sb.Append($"of {j.Runs} runs, fraction ending ε-stationary: {j.FractionStationary:F3}; scaled: {j.FractionScaled:F3}; nearly minimal: {j.FractionNearlyMinimal:F3}\n" +
                  $"  (scaled and nearly minimal judged at the tolerance each run's own stationarity implies, THEORY.md §7.2; the loosest used: " +
                  $"| ‖u‖ − |α| | ≤ {Fmt.Small(j.ScaledTolerance)}, 1 − cos ≤ {Fmt.Small(j.ColinearityTolerance)}: a run far from stationary is judged loosely)\n");
        sb.Append(" width  best L_beta         excess over P*_c\n");
        foreach (var r in j.Widths) sb.Append($" {r.Width,5}  {Fmt.Value(r.Best),-18}  {Fmt.Small(r.Excess)}\n");
        if (j.Plot is not null) sb.Append($"plot: {j.Plot}\n");
        return sb.ToString();
    }
}
