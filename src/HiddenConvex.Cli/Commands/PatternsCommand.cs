using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv patterns DATA [--json] [--list]: the activation patterns of a data set (THEORY.md §2).</summary>
public sealed class PatternsCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "patterns";
    /// <inheritdoc />
    public string Summary => "enumerate the activation patterns (cells) of a data set";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "list", "hidden-bias"];
    /// <inheritdoc />
    public string Help => """
        hcv patterns DATA [options]

        Enumerates S(X): the activation patterns s = 1[X u >= 0] of the full-dimensional cells of the
        central arrangement {u : x_j.u = 0}, each with an interior witness direction u (THEORY.md section 2).
        Zero rows are always active; duplicate, opposite and positively scaled rows add no cell.
        In general position the count is Cover's 2 * sum_{k<d} C(n-1, k).

        Options:
          --json              one JSON object on stdout: n, d, rank, cells, exact, method, seconds
                              (and patterns with --list)
          --list              also list every pattern (0/1 string, row 0 first) with its witness u
          --hidden-bias       append a column of ones to X (a hidden-layer bias, THEORY.md section 1)
          --target-column K   .csv and .npy only: the column holding y (default: the last; negative counts
                              from the end); the other columns are X
          --sampled K         sample K Gaussian directions instead of the exact enumeration; the result is
                              marked inexact (a subset of S(X))
          --seed S            seed of --sampled (default 1)

        Data files (chosen by extension; y is read but not used here):
          .json   {"X": [[x11, x12, ...], ...], "y": [y1, ...]} (other fields are ignored)
          .csv    one sample per line, comma-separated numbers; y is the last column unless
                  --target-column says otherwise; a first line that is not numbers is a header
          .npy    a 2-D array (float64, float32 or integer; C or Fortran order) whose last column is y
          .npz    arrays "X" (n x d) and "y" (n or n x 1), float64, float32 or integer

        Exit codes: 0 success, 2 bad input (file, format, options).

        """;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        bool json = args.Flag("json");
        bool list = args.Flag("list");
        bool hiddenBias = args.Flag("hidden-bias");
        int targetColumn = args.Int("target-column", -1);
        int? sampled = args.Get("sampled") is null ? null : args.Int("sampled", 0);
        bool seedGiven = args.Get("seed") is not null;
        int seed = args.Int("seed", 1);
        args.Done(1, 1, "DATA");
        if (sampled is < 1) throw new UsageException($"option --sampled expects a number of directions >= 1, got {sampled}");
        if (seedGiven && sampled is null) throw new UsageException("option --seed only applies with --sampled");

        var path = args.Positional[0];
        var data = DataLoader.Load(path, new DataLoadOptions { TargetColumn = targetColumn });
        if (hiddenBias) data = data.WithHiddenBias();
        WarnWhenLarge(data, sampled);

        var clock = Stopwatch.StartNew();
        var set = sampled is { } k ? PatternSampler.Sample(data.X, k, seed) : CellEnumerator.Enumerate(data.X);
        double seconds = clock.Elapsed.TotalSeconds;

        if (json) WriteJson(data, set, seconds, list);
        else WriteText(path, data, set, seconds, list, hiddenBias);
        return 0;
    }

    /// <summary>Exact enumeration grows like n^(rank−1): say so on stderr before a long run.</summary>
    private static void WarnWhenLarge(Dataset data, int? sampled)
    {
        if (sampled is not null) return;
        double bound;
        try { bound = CoverCount.GeneralPosition(data.N, data.D); }
        catch (OverflowException) { bound = double.PositiveInfinity; }
        if (bound > 1e6)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"hcv patterns: up to {bound:G3} cells for n = {data.N}, d = {data.D}; this may take long (--sampled K samples instead)"));
    }

    private static void WriteText(string path, Dataset data, PatternSet set, double seconds, bool list, bool hiddenBias)
    {
        var o = Console.Out;
        o.WriteLine($"data     {path}{(hiddenBias ? " (with a hidden-bias column)" : "")}");
        o.WriteLine($"n        {data.N}");
        o.WriteLine($"d        {data.D}");
        o.WriteLine($"rank     {set.Rank}");
        o.WriteLine($"cells    {set.Count} ({(set.IsExact ? "exact" : "sampled, a subset of S(X)")}; method {set.Method})");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seconds  {seconds:F3}"));
        if (!list) return;
        o.WriteLine();
        o.WriteLine("pattern\twitness");
        foreach (var cell in set.Cells)
            o.WriteLine($"{cell.Pattern}\t{string.Join(" ", cell.Witness.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
    }

    private static void WriteJson(Dataset data, PatternSet set, double seconds, bool list)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            w.WriteNumber("n", data.N);
            w.WriteNumber("d", data.D);
            w.WriteNumber("rank", set.Rank);
            w.WriteNumber("cells", set.Count);
            w.WriteBoolean("exact", set.IsExact);
            w.WriteString("method", set.Method);
            w.WriteNumber("seconds", seconds);
            if (list)
            {
                w.WriteStartArray("patterns");
                foreach (var cell in set.Cells)
                {
                    w.WriteStartObject();
                    w.WriteString("pattern", cell.Pattern.ToString());
                    w.WriteStartArray("witness");
                    foreach (var v in cell.Witness) w.WriteNumberValue(v);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }
}
