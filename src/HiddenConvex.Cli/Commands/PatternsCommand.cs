using System.CommandLine;
using System.Diagnostics;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv patterns DATA: the activation patterns of a data set (THEORY.md §2).</summary>
public sealed class PatternsCommand : HcvCommand
{
    private readonly Argument<string> _data = Opts.Positional("DATA", "the data set (.json, .csv, .npy, .npz; see below)");
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON on stdout: n, d, rank, cells, exact, method, seconds (and patterns with --list)");
    private readonly Option<bool> _list = Opts.Flag("--list", "also list every pattern (0/1 string, row 0 first) with its witness u");
    private readonly Option<bool> _hiddenBias = Opts.Flag("--hidden-bias", "append a column of ones to X (a hidden-layer bias, THEORY.md §1)");
    private readonly Option<int> _targetColumn = Opts.Integer("--target-column", "K",
        ".csv and .npy only: the column holding y (negative counts from the end: -1 is the last); the other columns are X", -1);
    private readonly Option<int?> _sampled = Opts.OptionalInteger("--sampled", "K",
        "sample K Gaussian directions instead of the exact enumeration; the result is marked inexact (a subset of S(X))");
    private readonly Option<int> _seed = Opts.Integer("--seed", "S", "seed of --sampled", 1);

    /// <inheritdoc />
    public override string Name => "patterns";

    /// <inheritdoc />
    public override string Summary => "enumerate the activation patterns (cells) of a data set";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols => [_data, _json, _list, _hiddenBias, _targetColumn, _sampled, _seed];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes => [(ExitCode.Success, "success")];

    /// <inheritdoc />
    public override string Details => """
        Enumerates S(X): the activation patterns s = 1[X u >= 0] of the full-dimensional cells of the central
        arrangement {u : x_j.u = 0}, each with an interior witness direction u (THEORY.md §2). Zero rows are always
        active; duplicate, opposite and positively scaled rows add no cell. In general position the count is Cover's
        2 * sum_{k<d} C(n-1, k).

        Data files (chosen by extension; y is read but not used here):
          .json   {"X": [[x11, x12, ...], ...], "y": [y1, ...]} (other fields are ignored)
          .csv    one sample per line, comma-separated numbers; y is the last column unless --target-column says
                  otherwise; a first line that is not numbers is a header
          .npy    a 2-D array (float64, float32, float16 or integer; C or Fortran order) whose last column is y
          .npz    arrays "X" (n x d) and "y" (n or n x 1), float64, float32, float16 or integer
        Other dtypes (complex, object, strings, structured) are rejected.
        """;

    /// <inheritdoc />
    public override IEnumerable<string> Validate(ParseResult parse)
    {
        if (parse.GetValue(_sampled) is < 1) yield return $"option --sampled expects a number of directions >= 1, got {parse.GetValue(_sampled)}";
        if (parse.Given(_seed) && parse.GetValue(_sampled) is null) yield return "option --seed only applies with --sampled";
    }

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var path = parse.GetValue(_data)!;
        bool hiddenBias = parse.GetValue(_hiddenBias), list = parse.GetValue(_list);
        int? sampled = parse.GetValue(_sampled);
        var data = DataLoader.Load(path, new DataLoadOptions { TargetColumn = parse.GetValue(_targetColumn) });
        if (hiddenBias) data = data.WithHiddenBias();
        WarnWhenLarge(data, sampled);

        var clock = Stopwatch.StartNew();
        if (sampled is null) PatternChoice.EnsureExactFits(data, "hcv patterns", "--sampled K (the cells of K random directions)");
        var set = sampled is { } k ? PatternSampler.Sample(data.X, k, parse.GetValue(_seed)) : CellEnumerator.Enumerate(data.X);
        double seconds = clock.Elapsed.TotalSeconds;

        if (parse.GetValue(_json))
            JsonOutput.Print(new PatternsJson(data.N, data.D, set.Rank, set.Count, set.IsExact, set.Method, seconds,
                list ? set.Cells.Select(c => new CellJson(c.Pattern.ToString(), c.Witness.ToArray())).ToList() : null));
        else WriteText(path, data, set, seconds, list, hiddenBias);
        return ExitCode.Success;
    }

    /// <summary>The --json record.</summary>
    public sealed record PatternsJson(int N, int D, int Rank, int Cells, bool Exact, string Method, double Seconds, IReadOnlyList<CellJson>? Patterns);

    /// <summary>One cell: its pattern (row 0 first) and an interior witness.</summary>
    public sealed record CellJson(string Pattern, double[] Witness);

    /// <summary>Exact enumeration grows like n^(rank−1): say so on stderr before a long run.</summary>
    private static void WarnWhenLarge(Dataset data, int? sampled)
    {
        if (sampled is not null) return;
        double bound;
        try { bound = CoverCount.GeneralPosition(data.N, data.D); }
        catch (OverflowException) { bound = double.PositiveInfinity; }
        if (bound > 1e6)
            Console.Error.WriteLine($"hcv patterns: up to {Fmt.Small(bound)} cells for n = {data.N}, d = {data.D}; this may take long (--sampled K samples instead)");
    }

    private static void WriteText(string path, Dataset data, PatternSet set, double seconds, bool list, bool hiddenBias)
    {
        var o = Console.Out;
        o.WriteLine($"data     {path}{(hiddenBias ? " (with a hidden-bias column)" : "")}");
        o.WriteLine($"n        {data.N}");
        o.WriteLine($"d        {data.D}");
        o.WriteLine($"rank     {set.Rank}");
        o.WriteLine($"cells    {set.Count} ({(set.IsExact ? "exact" : "sampled, a subset of S(X)")}; method {set.Method})");
        o.WriteLine($"seconds  {Fmt.Seconds(seconds)}");
        if (!list) return;
        o.WriteLine();
        o.WriteLine("pattern\twitness");
        foreach (var cell in set.Cells)
            o.WriteLine($"{cell.Pattern}\t{string.Join(" ", cell.Witness.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}
