using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HiddenConvex.Cli.Tests;

/// <summary>
/// What a new user found surprising, each pinned: --json contracts (one line, field names and types), files written only
/// when asked and checked before the work, pruned improvements, consistent tolerances, consistent number formats.
/// </summary>
public sealed class CliContractTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private string TinyData() =>
        _tmp.Write("tiny.json", """{"X": [[1.0, 0.2], [-0.4, 1.0], [0.3, -0.9], [-1.0, -0.5]], "y": [0.5, -0.2, 0.8, 0.1]}""");

    /// <summary>stdout is exactly one line holding one JSON object.</summary>
    private static JsonElement OneLine(HcvRun run)
    {
        Assert.True(run.Stdout.EndsWith('\n') && run.Stdout.TrimEnd('\n').Split('\n').Length == 1, $"--json is not one line\n{run}");
        return run.Json();
    }

    private static void Fields(JsonElement o, HcvRun run, params (string Name, JsonValueKind Kind)[] fields)
    {
        foreach (var (name, kind) in fields)
        {
            Assert.True(o.TryGetProperty(name, out var v), $"field {name} is missing\n{run}");
            Assert.True(v.ValueKind == kind || (kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False),
                $"field {name} is {v.ValueKind}, expected {kind}\n{run}");
        }
    }

    private const JsonValueKind Num = JsonValueKind.Number, Str = JsonValueKind.String, Bool = JsonValueKind.True,
        Obj = JsonValueKind.Object, Arr = JsonValueKind.Array, Null = JsonValueKind.Null;

    [Fact]
    public void EveryCommandsJsonIsOneLineWithItsDocumentedFields()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.5");
        var patterns = Hcv.Run("patterns", r.Path, "--json", "--list");
        Fields(OneLine(patterns), patterns, ("n", Num), ("d", Num), ("rank", Num), ("cells", Num), ("exact", Bool), ("method", Str), ("seconds", Num), ("patterns", Arr));

        var solve = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet");
        var s = OneLine(solve);
        Fields(s, solve, ("status", Str), ("objective", Num), ("lower", Num), ("gap", Num), ("relative_gap", Num), ("tolerance", Num),
            ("patterns", Num), ("exact_patterns", Bool), ("support", Num), ("m_star", Num), ("network", Obj), ("hidden_bias", Bool));
        Fields(s.GetProperty("network"), solve, ("U", Arr), ("alpha", Arr));

        var net = _tmp.Write("opt.json", s.GetProperty("network").GetRawText());
        var check = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--json");
        var c = OneLine(check);
        Fields(c, check, ("verdict", Str), ("decided_by", Str), ("explanation", Str), ("objective", Num), ("lower", Num), ("gap", Num),
            ("relative_gap", Num), ("lower_proven", Bool), ("rho", Num), ("stationarity", Num), ("scaled", Bool), ("scaled_tolerance", Num),
            ("nearly_minimal", Bool), ("colinearity_tolerance", Num), ("escape_neuron", Null), ("tolerances", Obj), ("cells", Num));
        Fields(c.GetProperty("tolerances"), check, ("gap", Num), ("time_limit", Num));

        var data = TinyData();
        var train = Hcv.Run("train", data, "--beta", "0.05", "--width", "2", "--max-iter", "50", "--json");
        var t = OneLine(train);
        Fields(t, train, ("status", Str), ("objective", Num), ("iterations", Num), ("width", Num), ("out", Null), ("network", Obj));

        var landscape = Hcv.Run("landscape", data, "--beta", "0.05", "--seeds", "1", "--max-width", "1", "--max-iter", "50", "--json");
        Fields(OneLine(landscape), landscape, ("p_star_upper", Num), ("p_star_lower", Num), ("support", Num), ("m_star", Num),
            ("fraction_nearly_minimal", Num), ("scaled_tolerance", Num), ("widths", Arr), ("plot", Null));
    }

    [Fact]
    public void TextOutputPrintsEachKindOfFigureInOneFormat()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5");
        var zeros = string.Join(", ", Enumerable.Repeat("0", r.D));
        var net = _tmp.Write("zero.json", $$"""{"U": [[{{zeros}}]], "alpha": [0]}""");
        foreach (var run in new[] { Hcv.Run("check", r.Path, net, "--beta", r.BetaText), Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--quiet") })
        {
            Assert.True(run.ExitCode is 0 or 1, run.ToString());
            // .NET's "E3"/"G10" spellings (8.327E-017, 7E-11, 2.775557562E-16) are not used for figures, in the table or the prose.
            Assert.DoesNotMatch(@"\dE[-+]\d", run.Stdout);
            Assert.Matches(@"\d\.\d\de-\d\d|\b0\b", run.Stdout);
        }
    }

    [Fact]
    public void LandscapeWritesAPictureOnlyWhenAskedAndRunsTwice()
    {
        var data = TinyData();
        string[] args = ["landscape", data, "--beta", "0.05", "--seeds", "1", "--max-width", "1", "--max-iter", "20", "--json"];
        var first = Hcv.Run(args, _tmp.Path);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Empty(Directory.GetFiles(_tmp.Path, "*.png"));
        var second = Hcv.Run(args, _tmp.Path);
        Assert.True(second.ExitCode == 0, second.ToString());
    }

    [Fact]
    public void LandscapeReportsTheSameSupportAndMStarAsSolve()
    {
        var r = ReferenceInstance.Load("ref03_n7_d2_dup_f0.5");
        var solve = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet").Json();
        var landscape = Hcv.Run("landscape", r.Path, "--beta", r.BetaText, "--seeds", "1", "--max-width", "1", "--max-iter", "20", "--json");
        Assert.True(landscape.ExitCode == 0, landscape.ToString());
        var l = landscape.Json();
        Assert.Equal(solve.GetProperty("support").GetInt32(), l.GetProperty("support").GetInt32());
        Assert.Equal(solve.GetProperty("m_star").GetInt32(), l.GetProperty("m_star").GetInt32());
        Assert.Equal(solve.GetProperty("objective").GetDouble(), l.GetProperty("p_star_upper").GetDouble());
    }

    [Fact]
    public void SolveAcceptsHiddenBiasAndItsOutIsANetFileThatCheckReads()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        foreach (var (file, bias) in new[] { ("net.json", false), ("net.npz", false), ("bias.json", true) })
        {
            string[] extra = bias ? ["--hidden-bias"] : [];
            var outFile = _tmp.File(file);
            var solve = Hcv.Run(["solve", r.Path, "--beta", r.BetaText, "--quiet", "--out", outFile, "--json", .. extra]);
            Assert.True(solve.ExitCode == 0, solve.ToString());
            Assert.Equal(bias, solve.Json().GetProperty("hidden_bias").GetBoolean());
            var check = Hcv.Run(["check", r.Path, outFile, "--beta", r.BetaText, "--json", .. extra]);
            Assert.True(check.ExitCode == 0, $"solve --out is not a network check certifies\n{solve}\n{check}");
            Assert.Equal(r.D + (bias ? 1 : 0), NetworkColumns(outFile));
        }
    }

    private static int NetworkColumns(string path)
    {
        if (path.EndsWith(".npz", StringComparison.Ordinal)) return HiddenConvex.Core.IO.NetworkIO.Load(path).InputDim;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("U")[0].GetArrayLength();
    }

    [Fact]
    public void ImproveWritesAnOptimalNetworkPrunedToAVertexOfTheOptimalSet()
    {
        // ψ(W*) split into five equal pieces per neuron: optimal, but wider than n + 1.
        var r = ReferenceInstance.Load("ref03_n7_d2_dup_f0.5");
        var s = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet").Json().GetProperty("network");
        var u = s.GetProperty("U").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToList();
        var alpha = s.GetProperty("alpha").EnumerateArray().Select(e => e.GetDouble()).ToList();
        const int pieces = 5;
        double k = Math.Sqrt(1.0 / pieces);
        var wideU = u.SelectMany(row => Enumerable.Repeat(row.Select(x => x * k).ToArray(), pieces)).ToList();
        var wideA = alpha.SelectMany(a => Enumerable.Repeat(a * k, pieces)).ToList();
        Assert.True(wideU.Count > r.N + 1, "the split network must be wider than n + 1 for this test");
        var wide = _tmp.Write("wide.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["U"] = wideU, ["alpha"] = wideA }));
        var improved = _tmp.File("pruned.json");
        var run = Hcv.Run("check", r.Path, wide, "--beta", r.BetaText, "--improve", improved, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var o = run.Json();
        Assert.Equal("optimal", o.GetProperty("verdict").GetString());
        int width = o.GetProperty("improved_width").GetInt32();
        Assert.True(width <= r.N + 1 && width < wideU.Count, $"--improve wrote width {width} (n = {r.N})\n{run}");
        Assert.Contains("vertex of the optimal set", o.GetProperty("improved_by").GetString());
        Assert.Contains($"wrote {improved}", run.Stderr);
        var again = Hcv.Run("check", r.Path, improved, "--beta", r.BetaText, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(width, again.Json().GetProperty("width").GetInt32());
    }

    [Fact]
    public void ImproveOfANonOptimalNetworkIsMinimalised()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        // Three copies of one neuron: one slot, not optimal.
        var net = _tmp.Write("copies.json", """{"U": [[1, -0.5, 0.25], [1, -0.5, 0.25], [1, -0.5, 0.25]], "alpha": [0.7, 0.7, 0.7]}""");
        var improved = _tmp.File("better.npz");
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", improved, "--no-solve", "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        var o = run.Json();
        Assert.True(o.GetProperty("improved_objective").GetDouble() < o.GetProperty("objective").GetDouble(), run.ToString());
        Assert.True(o.GetProperty("improved_width").GetInt32() <= r.N + 1, run.ToString());
        Assert.Contains("minimalised", o.GetProperty("improved_by").GetString());
        var asFound = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", _tmp.File("raw.npz"), "--no-solve", "--no-prune", "--json");
        Assert.Contains("as found", asFound.Json().GetProperty("improved_by").GetString());
    }

    [Fact]
    public void WriteTargetsAreCheckedBeforeTheWorkAndNoFolderIsCreated()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.5");
        var net = _tmp.Write("n.json", """{"U": [[1, 0]], "alpha": [1]}""");
        var missing = Path.Combine(_tmp.Path, "no", "such", "dir");
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", Path.Combine(missing, "x.npz"));
        run.AssertBadInput("does not exist");
        Assert.False(Directory.Exists(Path.Combine(_tmp.Path, "no")), "the folder was created");
        Assert.DoesNotContain("activation cells", run.Stderr); // refused before the work
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", _tmp.Path).AssertBadInput("is a directory");
        Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--out", Path.Combine(missing, "s.json")).AssertBadInput("does not exist");
        Hcv.Run("train", r.Path, "--beta", r.BetaText, "--width", "1", "--out", Path.Combine(missing, "t.json")).AssertBadInput("does not exist");
        Hcv.Run("landscape", r.Path, "--beta", r.BetaText, "--plot", Path.Combine(missing, "l.png")).AssertBadInput("does not exist");
    }

    [Fact]
    public void ScaledAndNearlyMinimalUseTheToleranceTheNetworksStationarityImplies()
    {
        // An optimal network unbalanced by a factor 1 + 1e-6: ‖u‖ − |α| ≈ 2e-6 |α|, far above the old fixed 1e-8, yet within
        // ε_i/β (THEORY.md §7.2, T4a) of its own stationarity.
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var s = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet").Json().GetProperty("network");
        const double f = 1 + 1e-6;
        var u = s.GetProperty("U").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble() * f).ToArray()).ToList();
        var alpha = s.GetProperty("alpha").EnumerateArray().Select(e => e.GetDouble() / f).ToList();
        var net = _tmp.Write("unbalanced.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["U"] = u, ["alpha"] = alpha }));
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--json");
        var o = run.Json();
        Assert.True(o.GetProperty("stationarity").GetDouble() > 1e-9, run.ToString());
        Assert.True(o.GetProperty("scaled").GetBoolean(), $"a network unbalanced within its stationarity is reported unscaled\n{run}");
        Assert.True(o.GetProperty("scaled_tolerance").GetDouble() > 1e-8, run.ToString());
        Assert.True(o.GetProperty("nearly_minimal").GetBoolean(), run.ToString());
        Assert.Contains("T4a", Hcv.Run("check", r.Path, net, "--beta", r.BetaText).Stdout);

        // The §7 counterexample (THEORY.md §7.2, T4e): Clarke-stationary and scaled, but not nearly minimal.
        var data = _tmp.Write("i2.json", """{"X": [[1, 0], [0, 1]], "y": [1, 3]}""");
        double a = Math.Sqrt(1 - 0.5), b = Math.Sqrt(3 - 0.5);
        var counter = _tmp.Write("counter.json", $$"""{"U": [[{{R(a)}}, 0], [0, {{R(b)}}]], "alpha": [{{R(a)}}, {{R(b)}}]}""");
        var c = Hcv.Run("check", data, counter, "--beta", "0.5", "--json").Json();
        Assert.True(c.GetProperty("scaled").GetBoolean());
        Assert.False(c.GetProperty("nearly_minimal").GetBoolean());
        Assert.NotEqual("optimal", c.GetProperty("verdict").GetString());
    }

    [Fact]
    public void TheEscapeNeuronReportsItsExactDecreaseAndTheFirstOrderRate()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var net = _tmp.Write("zero.json", """{"U": [[0, 0]], "alpha": [0]}""");
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--no-solve", "--json");
        var e = run.Json().GetProperty("escape_neuron");
        Assert.True(e.ValueKind == JsonValueKind.Object, run.ToString());
        double decrease = e.GetProperty("decrease").GetDouble(), t = e.GetProperty("t").GetDouble(), rate = e.GetProperty("first_order_rate").GetDouble();
        // Squared loss: L_β along the added neuron is quadratic in t², so the exact best decrease is half the first-order one.
        Assert.True(Math.Abs(decrease - rate * t * t / 2) <= 1e-9 * decrease, run.ToString());
        var text = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--no-solve").Stdout;
        Assert.DoesNotContain("predicted decrease", text);
        Assert.Contains("exact, at the best step", text);
    }

    [Fact]
    public void CheckAndSolveTakeTimeLimitAndEveryPatternChoice()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.5");
        var net = _tmp.Write("n.json", """{"U": [[1, 0]], "alpha": [1]}""");
        var sampled = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--patterns", "sampled:50", "--seed", "3", "--time-limit", "30", "--json");
        var o = sampled.Json();
        Assert.False(o.GetProperty("lower_proven").GetBoolean(), sampled.ToString());
        Assert.Equal(30, o.GetProperty("tolerances").GetProperty("time_limit").GetDouble());
        var auto = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--patterns", "auto", "--json").Json();
        Assert.True(auto.GetProperty("patterns_exact").GetBoolean());
        Assert.Equal(JsonValueKind.Null, auto.GetProperty("pricing").ValueKind);
        var exact = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--patterns", "exact", "--json").Json();
        var bnbRun = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--patterns", "bnb", "--json");
        var bnb = bnbRun.Json();
        Assert.Equal("bnb", bnb.GetProperty("pattern_method").GetString());
        Assert.True(bnb.GetProperty("lower_proven").GetBoolean(), bnbRun.ToString());
        Assert.Equal(exact.GetProperty("verdict").GetString(), bnb.GetProperty("verdict").GetString());
        var bracket = bnb.GetProperty("pricing");
        Assert.True(bracket.GetProperty("rho_lower").GetDouble() <= bracket.GetProperty("rho_upper").GetDouble(), bnbRun.ToString());
        var solved = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--patterns", "bnb", "--json", "--quiet");
        var s = solved.Json();
        Assert.Equal("optimal", s.GetProperty("status").GetString());
        Assert.True(s.GetProperty("lower_proven").GetBoolean(), solved.ToString());
        // The certified bracket meets the independently certified one of the reference instance.
        Assert.True(s.GetProperty("lower").GetDouble() <= r.Upper && s.GetProperty("objective").GetDouble() >= r.Lower, solved.ToString());
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--patterns", "bnb2").AssertBadInput("--patterns", "auto, exact, bnb or sampled:K");
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--time-limit", "0").AssertBadInput("--time-limit");
    }

    [Fact]
    public void AnExplicitExactPathAboveTheGuardFailsWithItsNumbersAndAutoTakesBranchAndBound()
    {
        // 400 Gaussian rows in d = 8: about 10^17 cells, far above the memory bound; the check must answer at once.
        var rng = new Random(5);
        var rows = Enumerable.Range(0, 400).Select(_ => Enumerable.Range(0, 9).Select(_ => Math.Round(rng.NextDouble() * 2 - 1, 6)).ToArray()).ToArray();
        var data = _tmp.Write("big.csv", string.Join("\n", rows.Select(r => string.Join(",", r.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))) + "\n");
        var net = _tmp.Write("big-net.json", """{"U": [[1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0]], "alpha": [0.5, -0.5]}""");
        Hcv.Run("check", data, net, "--beta", "0.01", "--patterns", "exact").AssertBadInput("cells", "--patterns bnb");
        var run = Hcv.Run("check", data, net, "--beta", "0.01", "--json", "--time-limit", "20");
        var o = run.Json();
        Assert.Equal("bnb", o.GetProperty("pattern_method").GetString());
        Assert.Contains("auto", run.Stderr);
        Assert.True(o.GetProperty("lower_proven").GetBoolean(), run.ToString());
        Assert.True(o.GetProperty("lower").GetDouble() <= o.GetProperty("objective").GetDouble(), run.ToString());
    }

    [Fact]
    public void Float16NpyIsReadAsDocumentedAndAJsonSyntaxErrorIsOneClearMessage()
    {
        // A 3×3 float16 .npy (last column y), C order.
        var values = new Half[] { (Half)1, (Half)0, (Half)0.5, (Half)0, (Half)1, (Half)(-1), (Half)(-1), (Half)1, (Half)2 };
        const string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 3), }";
        var header = dict.PadRight(128 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        foreach (var h in values) bytes.AddRange(BitConverter.GetBytes(h));
        var npy = Path.Combine(_tmp.Path, "half.npy");
        File.WriteAllBytes(npy, bytes.ToArray());
        var run = Hcv.Run("patterns", npy, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, run.Json().GetProperty("n").GetInt32());
        Assert.Contains("float16", Hcv.Run("patterns", "--help").Stdout);

        var bad = _tmp.Write("bad.json", """{"X": [[1, 2], [3, 4]], "y" [1, 2]}""");
        var err = Hcv.Run("patterns", bad);
        err.AssertBadInput("bad.json", "line 1");
        var lines = err.Stderr.Trim().Split('\n');
        Assert.Single(lines);
        Assert.DoesNotMatch("LineNumber|BytePositionInLine|reader options", err.Stderr);
    }
}
