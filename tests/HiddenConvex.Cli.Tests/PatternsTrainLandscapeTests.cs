using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Cli.Tests;

/// <summary>hcv patterns (cell counts of the reference instances), and hcv train / landscape on tiny data.</summary>
public sealed class PatternsTrainLandscapeTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void PatternsJsonCountsTheReferenceCells(string name)
    {
        var r = ReferenceInstance.Load(name);
        var run = Hcv.Run("patterns", r.Path, "--json", "--list");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(run.Stderr.Length == 0, $"patterns wrote to stderr on a small instance\n{run}");
        var o = run.Json();
        Assert.Equal(r.N, o.GetProperty("n").GetInt32());
        Assert.Equal(r.D, o.GetProperty("d").GetInt32());
        Assert.Equal(r.Cells, o.GetProperty("cells").GetInt32());
        Assert.True(o.GetProperty("exact").GetBoolean(), run.ToString());
        var patterns = o.GetProperty("patterns").EnumerateArray().ToList();
        Assert.Equal(r.Cells, patterns.Count);
        Assert.Equal(r.Cells, patterns.Select(p => p.GetProperty("pattern").GetString()).Distinct().Count());
        Assert.All(patterns, p =>
        {
            Assert.Matches("^[01]+$", p.GetProperty("pattern").GetString()!);
            Assert.Equal(r.N, p.GetProperty("pattern").GetString()!.Length);
            Assert.Equal(r.D, p.GetProperty("witness").GetArrayLength());
        });
    }

    [Fact]
    public void PatternsWitnessesProduceTheirPatterns()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var data = SolveCommandTests.DataOf(r.Path);
        var o = Hcv.Run("patterns", r.Path, "--json", "--list").Json();
        foreach (var p in o.GetProperty("patterns").EnumerateArray())
        {
            var u = p.GetProperty("witness").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var expected = new string(Enumerable.Range(0, data.N).Select(j => Enumerable.Range(0, data.D).Sum(k => data.X[j, k] * u[k]) >= 0 ? '1' : '0').ToArray());
            Assert.Equal(expected, p.GetProperty("pattern").GetString());
        }
    }

    [Fact]
    public void PatternsTextAndOptions()
    {
        var r = ReferenceInstance.Load("ref01_n5_d2_int_f0.1");
        var text = Hcv.Run("patterns", r.Path);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"cells    {r.Cells} (exact", text.Stdout);

        var withBias = Hcv.Run("patterns", r.Path, "--hidden-bias", "--json").Json();
        Assert.Equal(r.D + 1, withBias.GetProperty("d").GetInt32());

        var sampled = Hcv.Run("patterns", r.Path, "--sampled", "40", "--seed", "2", "--json").Json();
        Assert.False(sampled.GetProperty("exact").GetBoolean());
        Assert.InRange(sampled.GetProperty("cells").GetInt32(), 1, r.Cells);

        Hcv.Run("patterns", r.Path, "--seed", "2").AssertBadInput("--seed", "--sampled");
        Hcv.Run("patterns", r.Path, "--sampled", "0").AssertBadInput("--sampled");
        Hcv.Run("patterns", r.Path, "--frobnicate").AssertBadInput("unknown option", "--frobnicate");
        Hcv.Run("patterns").AssertBadInput("missing argument", "DATA");
        Hcv.Run("patterns", _tmp.File("nothing.csv")).AssertBadInput("nothing.csv");
    }

    [Fact]
    public void PatternsTargetColumnOfCsv()
    {
        // y first: with --target-column 0 the two other columns are X (d = 2); by default y is the last column (d = 2 too, other X).
        var csv = _tmp.Write("ycol.csv", "y,a,b\n1,1,0\n2,0,1\n3,1,1\n");
        var o = Hcv.Run("patterns", csv, "--target-column", "0", "--json").Json();
        Assert.Equal(3, o.GetProperty("n").GetInt32());
        Assert.Equal(2, o.GetProperty("d").GetInt32());
        Hcv.Run("patterns", csv, "--target-column", "7").AssertBadInput("ycol.csv");
    }

    private string TinyData() =>
        _tmp.Write("tiny.json", """{"X": [[1.0, 0.2], [-0.4, 1.0], [0.3, -0.9], [-1.0, -0.5]], "y": [0.5, -0.2, 0.8, 0.1]}""");

    [Fact]
    public void TrainWritesANetworkAndReportsItsObjective()
    {
        var data = TinyData();
        var net = _tmp.File("trained.json");
        var run = Hcv.Run("train", data, "--beta", "0.05", "--width", "3", "--optimizer", "lbfgs", "--max-iter", "300", "--seed", "2", "--out", net, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var o = run.Json();
        run.AssertOnlyProgressOnStderr("hcv train: ", "  ");
        Assert.Equal("lbfgs", o.GetProperty("optimizer").GetString());
        Assert.Equal(2, o.GetProperty("seed").GetInt32());
        Assert.Equal(3, o.GetProperty("width").GetInt32());
        Assert.InRange(o.GetProperty("iterations").GetInt32(), 0, 300);
        Assert.Equal(net, o.GetProperty("out").GetString());
        // The network is in the JSON too, as the NET file 'hcv check' reads.
        var printed = _tmp.Write("printed.json", o.GetProperty("network").GetRawText());
        var checkPrinted = Hcv.Run("check", data, printed, "--beta", "0.05", "--json");
        Assert.True(checkPrinted.ExitCode is 0 or 1, checkPrinted.ToString());

        // The objective reported is L_β of the network written (recomputed by hcv check).
        var check = Hcv.Run("check", data, net, "--beta", "0.05", "--json");
        Assert.True(check.ExitCode is 0 or 1, check.ToString());
        Assert.True(Tolerances.Objective.Agree(o.GetProperty("objective").GetDouble(), check.Json().GetProperty("objective").GetDouble()), $"{run}\n{check}");
        Assert.Equal(check.Json().GetProperty("objective").GetDouble(), checkPrinted.Json().GetProperty("objective").GetDouble());

        // Equal seeds give identical runs.
        var again = Hcv.Run("train", data, "--beta", "0.05", "--width", "3", "--optimizer", "lbfgs", "--max-iter", "300", "--seed", "2", "--json");
        Assert.Equal(o.GetProperty("objective").GetDouble(), again.Json().GetProperty("objective").GetDouble());

        File.WriteAllText(net, "keep me");
        Hcv.Run("train", data, "--beta", "0.05", "--width", "3", "--max-iter", "10", "--out", net).AssertBadInput(net, "--force");
        Assert.Equal("keep me", File.ReadAllText(net));
        var forced = Hcv.Run("train", data, "--beta", "0.05", "--width", "3", "--max-iter", "10", "--out", net, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("\"alpha\"", File.ReadAllText(net));
    }

    [Fact]
    public void TrainRejectsBadInput()
    {
        var data = TinyData();
        Hcv.Run("train", data, "--beta", "0.1").AssertBadInput("--width", "required");
        Hcv.Run("train", data, "--beta", "0.1", "--width", "0").AssertBadInput("--width");
        Hcv.Run("train", data, "--beta", "-0.1", "--width", "2").AssertBadInput("--beta");
        Hcv.Run("train", data, "--beta", "0.1", "--width", "2", "--optimizer", "sgd").AssertBadInput("sgd");
        Hcv.Run("train", data, "--beta", "0.1", "--width", "2", "--loss", "logistic").AssertBadInput("logistic", "-1 or +1");
        Hcv.Run("train", data, "--beta", "0.1", "--width", "two").AssertBadInput("--width", "integer");
    }

    [Fact]
    public void LandscapeTrainsFromTheSeedsItIsGiven()
    {
        // --seed S --seeds 2: the runs of width 1 are those of 'hcv train --width 1' with seeds S and S + 1.
        var data = TinyData();
        string[] training = ["--beta", "0.05", "--optimizer", "lbfgs", "--max-iter", "150"];
        var landscape = Hcv.Run(["landscape", data, .. training, "--seed", "7", "--seeds", "2", "--max-width", "1", "--plot", _tmp.File("seeded.png"), "--json"]);
        Assert.True(landscape.ExitCode == 0, landscape.ToString());
        var all = landscape.Json().GetProperty("widths")[0].GetProperty("all").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var trained = new[] { "7", "8" }.Select(seed =>
        {
            var run = Hcv.Run(["train", data, .. training, "--width", "1", "--seed", seed, "--json"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            return run.Json().GetProperty("objective").GetDouble();
        }).ToList();
        Assert.Equal(trained, all);
    }

    [Fact]
    public void LandscapeComparesWidthsWithTheConvexOptimumAndWritesItsPlotOnce()
    {
        var data = TinyData();
        var plot = _tmp.File("landscape.png");
        var run = Hcv.Run("landscape", data, "--beta", "0.05", "--seeds", "2", "--max-width", "2", "--max-iter", "200", "--plot", plot, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var o = run.Json();
        run.AssertOnlyProgressOnStderr("hcv landscape: ", "  ");
        double pUpper = o.GetProperty("p_star_upper").GetDouble(), pLower = o.GetProperty("p_star_lower").GetDouble();
        Assert.Equal("optimal", o.GetProperty("solver_status").GetString());
        Assert.True(pLower <= pUpper, run.ToString());
        var widths = o.GetProperty("widths").EnumerateArray().ToList();
        Assert.Equal([1, 2], widths.Select(w => w.GetProperty("width").GetInt32()));
        foreach (var w in widths)
        {
            var all = w.GetProperty("all").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(2, all.Count);
            Assert.Equal(all.Min(), w.GetProperty("best").GetDouble());
            // No network beats the proven lower bound on the optimum (THEORY.md §4).
            Assert.True(Tolerances.Objective.AtMost(pLower, all.Min()), $"width {w.GetProperty("width")}: {all.Min():R} below the proven lower bound {pLower:R}");
        }
        var bytes = File.ReadAllBytes(plot);
        Assert.True(bytes.Length > 8 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', "the plot is not a PNG file");

        var refused = Hcv.Run("landscape", data, "--beta", "0.05", "--seeds", "1", "--max-width", "1", "--max-iter", "10", "--plot", plot);
        refused.AssertBadInput(plot, "--force");
        Assert.Equal(bytes, File.ReadAllBytes(plot));
        Hcv.Run("landscape", data, "--beta", "0.05", "--seeds", "0", "--plot", _tmp.File("other.png")).AssertBadInput("--seeds");
    }
}
