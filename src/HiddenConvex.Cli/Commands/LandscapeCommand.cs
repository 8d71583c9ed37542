using System.Globalization;
using System.Text;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Training;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv landscape: train widths 1..n+2 from several seeds and compare with the convex optimum (THEORY.md §6).</summary>
public sealed class LandscapeCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "landscape";
    /// <inheritdoc />
    public string Summary => "train widths 1..n+2 and compare with the convex optimum";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "hidden-bias", "force"];

    /// <inheritdoc />
    public string Help => """
        hcv landscape DATA --beta B [--seeds K] [--max-width M] [--plot PNG [--force]] [--optimizer O]
                      [--max-iter N] [--loss ..] [--loss-scale C] [--hidden-bias] [--json]

        Trains networks of every width m = 1 … M (default n + 2) from K seeds (default 5) and reports the
        best L_β per width against the certified convex optimum P*_c (THEORY.md §3, §6): P*_m decreases to
        P*_c, which it reaches at m*. Also reports the fraction of runs ending nearly minimal (§5, §7).
        m* is bracketed: 'reached' is the smallest width whose best run is within 1e-6 (relative) of P*_c
        (an upper bound on m* only if the trainer found the optimum), 'support' = |supp W*| of the
        solver's solution (≥ m*). The PNG (default landscape.png) plots the best and all runs per width,
        P*_c and the widths above.

        Options:
          --beta B             regularisation β > 0 (required)
          --seeds K            training runs per width (default 5), with the seeds S, S+1, …, S+K−1
          --seed S             first seed (default 0)
          --max-width M        largest width trained (default n + 2)
          --plot PNG           where to write the plot (default landscape.png); refuses to overwrite
          --force              allow --plot to overwrite an existing file
          --optimizer, --max-iter, --lr, --final-lr, --stat-tol   the trainer's settings, as in 'hcv train'
          --loss, --loss-scale, --hidden-bias                     as in 'hcv check'
          --json               one JSON object on stdout

        Exit codes: 0 success, 2 bad input.

        """;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        double beta = Guard.PositiveBeta(args.RequireDouble("beta"), "--beta");
        var loss = Loss.Parse(args.Get("loss") ?? "squared", args.Double("loss-scale", 1.0));
        int seeds = args.Int("seeds", 5);
        if (seeds < 1) throw new UsageException($"--seeds must be at least 1, got {seeds}");
        int maxWidthArg = args.Int("max-width", 0);
        var settings = TrainCommand.Settings(args);
        bool hiddenBias = args.Flag("hidden-bias"), json = args.Flag("json"), force = args.Flag("force");
        string plotPath = args.Get("plot") ?? "landscape.png";
        args.Done(1, 1, "DATA");
        if (File.Exists(plotPath) && !force) throw new InvalidInputException($"{plotPath} already exists; pass --force to overwrite it");
        var data = DataLoader.Load(args.Positional[0]);
        if (hiddenBias) data = data.WithHiddenBias();
        loss.ValidateTargets(data.Y, args.Positional[0]);
        int maxWidth = maxWidthArg > 0 ? maxWidthArg : data.N + 2;

        Console.Error.WriteLine($"hcv landscape: n = {data.N}, d = {data.D}, widths 1..{maxWidth}, {seeds} seeds, {settings.Optimizer}");
        var patterns = CellEnumerator.Enumerate(data.X);
        // The same certified pipeline as 'hcv solve': the reported support is the pruned vertex's, next to m*.
        var solution = CertifiedPipeline.Run(new ConvexProblem(data, loss, beta, patterns));
        var solved = solution.Solve;
        double pStar = solved.Objective;
        int support = solution.Final.NonZeroBlocks.Count();
        int? mStar = solution.MStar;
        Console.Error.WriteLine($"  P*_c in [{solved.Lower:G12}, {solved.Objective:G12}] ({solved.StatusName}), |supp W*| = {support}, m* = {MStarText(mStar)}");

        var rows = new List<WidthRow>();
        int runs = 0, nearlyMinimal = 0;
        for (int m = 1; m <= maxWidth; m++)
        {
            var losses = new List<double>();
            for (int s = 0; s < seeds; s++)
            {
                var r = Trainer.Train(data, loss, beta, m, settings with { Seed = settings.Seed + s });
                losses.Add(r.Objective);
                runs++;
                if (NeuronOps.IsNearlyMinimal(r.Network, data, patterns)) nearlyMinimal++;
            }
            rows.Add(new WidthRow(m, losses.Min(), losses));
            Console.Error.WriteLine($"  m = {m,3}: best L = {losses.Min():G12}  (P*_c + {losses.Min() - pStar:G3})");
        }
        int? reached = rows.FirstOrDefault(r => (r.Best - pStar) / Math.Max(1, Math.Abs(pStar)) <= 1e-6)?.Width;
        double fraction = (double)nearlyMinimal / runs;
        Plot(rows, pStar, reached, support, plotPath);
        Console.Error.WriteLine($"  wrote {plotPath}");
        Console.Out.Write(json ? ToJson(rows, solved, support, mStar, reached, fraction, plotPath) : ToText(rows, solved, support, mStar, reached, fraction, plotPath));
        return 0;
    }

    private sealed record WidthRow(int Width, double Best, IReadOnlyList<double> All);

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
        sLine.LegendText = $"|supp W*| = {support}";
        sLine.LinePattern = ScottPlot.LinePattern.Dashed;
        plt.XLabel("width m");
        plt.YLabel("L_beta");
        plt.Title("Best trained objective per width vs the convex optimum");
        plt.ShowLegend();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        plt.SavePng(path, 900, 600);
    }

    private static string MStarText(int? mStar) => mStar?.ToString(CultureInfo.InvariantCulture) ?? "not searched (too many supports)";

    private static string ToText(List<WidthRow> rows, SolverResult s, int support, int? mStar, int? reached, double fraction, string plot)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"P*_c in [{s.Lower:G12}, {s.Objective:G12}] ({s.StatusName})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"|supp W*| = {support} (a pruned vertex of the optimal set), m* = {MStarText(mStar)}; first width reaching P*_c: {(reached?.ToString(CultureInfo.InvariantCulture) ?? "none")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"fraction of runs ending nearly minimal: {fraction:F3}");
        sb.AppendLine(" width  best L_beta            excess over P*_c");
        foreach (var r in rows) sb.AppendLine(CultureInfo.InvariantCulture, $" {r.Width,5}  {r.Best,-20:G12}  {r.Best - s.Objective:G3}");
        sb.AppendLine($"plot: {plot}");
        return sb.ToString();
    }

    private static string ToJson(List<WidthRow> rows, SolverResult s, int support, int? mStar, int? reached, double fraction, string plot)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("p_star_upper", s.Objective);
            w.WriteNumber("p_star_lower", s.Lower);
            w.WriteString("solver_status", s.StatusName);
            w.WriteNumber("support_w_star", support);
            if (mStar is { } minimum) w.WriteNumber("m_star", minimum); else w.WriteNull("m_star");
            if (reached is { } m) w.WriteNumber("first_width_reaching_p_star", m); else w.WriteNull("first_width_reaching_p_star");
            w.WriteNumber("fraction_nearly_minimal", fraction);
            w.WriteStartArray("widths");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteNumber("width", r.Width);
                w.WriteNumber("best", r.Best);
                JsonArrays.WriteVector(w, "all", r.All);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("plot", plot);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + Environment.NewLine;
    }
}
