using System.Globalization;
using System.Text.Json;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Cli.Tests;

/// <summary>hcv solve on the reference instances (certified optima known) and on bad input.</summary>
public sealed class SolveCommandTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>The fields hcv solve --help promises for --json (and its text describes).</summary>
    private static readonly string[] PromisedFields =
        ["status", "objective", "lower", "gap", "relative_gap", "patterns", "exact_patterns", "active_blocks", "support", "seconds", "network"];

    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void JsonObjectiveMatchesTheReferenceOptimumWithinTheRequestedGap(string name)
    {
        var r = ReferenceInstance.Load(name);
        const double requested = Tolerances.DefaultSolverGap;
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--tolerance", requested.ToString("R", CultureInfo.InvariantCulture), "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        foreach (var field in PromisedFields)
            Assert.True(json.TryGetProperty(field, out _), $"--json lacks '{field}'\n{run}");

        Assert.Equal("optimal", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("exact_patterns").GetBoolean(), run.ToString());
        Assert.Equal(r.Cells, json.GetProperty("patterns").GetInt32());
        double objective = json.GetProperty("objective").GetDouble(), lower = json.GetProperty("lower").GetDouble();
        double gap = json.GetProperty("gap").GetDouble(), relativeGap = json.GetProperty("relative_gap").GetDouble();

        // The certified intervals overlap: ours [lower, objective] and the reference [Lower, Upper].
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(r.Lower, objective), $"{name}: objective {objective:R} below the reference's certified lower bound {r.Lower:R} ({nameof(Tolerances.Objective)}: {tol})");
        Assert.True(tol.AtMost(lower, r.Upper), $"{name}: our lower bound {lower:R} above the reference optimum's upper bound {r.Upper:R} ({nameof(Tolerances.Objective)}: {tol})");
        // The gap printed is objective − lower, and it is certified within the requested tolerance.
        Assert.True(tol.Agree(gap, objective - lower), $"{name}: gap {gap:R} is not objective − lower = {objective - lower:R} ({tol})");
        Assert.True(tol.AtMost(lower, objective), $"{name}: lower bound {lower:R} above the objective {objective:R} ({tol})");
        Assert.True(relativeGap <= requested, $"{name}: relative gap {relativeGap:R} above the requested {requested:R}");
        Assert.True(gap <= requested * Math.Max(1, Math.Abs(objective)), $"{name}: gap {gap:R} above ε·max(1, |objective|) = {requested * Math.Max(1, Math.Abs(objective)):R}");
        Assert.Equal(requested, json.GetProperty("tolerance").GetDouble());

        // The support (pruned: a vertex of the optimal set) is at most n (THEORY.md §6), and ψ has one neuron per block.
        int support = json.GetProperty("support").GetInt32();
        Assert.InRange(support, 0, r.N);
        var network = NetworkOf(json.GetProperty("network"), r.D);
        Assert.Equal(support, network.Width);
        if (json.GetProperty("m_star").ValueKind == JsonValueKind.Number)
            Assert.InRange(json.GetProperty("m_star").GetInt32(), 0, support);

        // The network ψ printed attains the optimum: L_β(ψ) lies in [lower, lower + requested gap].
        var data = DataOf(r.Path);
        double networkObjective = NetworkObjective.Value(network, data, Loss.Parse(r.Loss, r.LossScale), r.Beta);
        Assert.True(tol.AtMost(lower, networkObjective), $"{name}: L_β(network) = {networkObjective:R} below the proven lower bound {lower:R} ({tol})");
        Assert.True(tol.AtMost(networkObjective, lower + requested * Math.Max(1, Math.Abs(objective))),
            $"{name}: L_β(network) = {networkObjective:R} exceeds lower + ε·max(1,|objective|) = {lower + requested * Math.Max(1, Math.Abs(objective)):R} ({tol})");
    }

    [Fact]
    public void ALargeWorkingSetIsStillPrunedToAtMostNNeurons()
    {
        // 50 × 3 Gaussian data: the solver's working set grows to hundreds of blocks and its answer is certified without
        // a face polish, every block slightly nonzero; the reported network must still be a vertex of 𝒲* (THEORY.md §6).
        var rng = new Random(5);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var rows = Enumerable.Range(0, 50).Select(_ => new[] { Normal(), Normal(), Normal() }).ToArray();
        var y = Enumerable.Range(0, 50).Select(_ => Normal()).ToArray();
        var data = _tmp.Write("gauss50x3.json", JsonSerializer.Serialize(new { X = rows, y }));

        var run = Hcv.Run(["solve", data, "--beta", "0.05", "--json", "--quiet"], timeout: TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal("optimal", json.GetProperty("status").GetString());
        int support = json.GetProperty("support").GetInt32();
        Assert.True(support <= 50, $"pruned support {support} > n = 50\n{run}");
        Assert.Equal(support, NetworkOf(json.GetProperty("network"), 3).Width);
        Assert.True(json.GetProperty("relative_gap").GetDouble() <= Tolerances.DefaultSolverGap, run.ToString());
    }

    [Fact]
    public void StderrHoldsOnlyProgressLinesAndQuietSilencesThem()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        run.Json();
        Assert.NotEmpty(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        run.AssertOnlyProgressOnStderr("solve: ");

        var quiet = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.True(quiet.Stderr.Length == 0, $"--quiet still wrote to stderr\n{quiet}");
        Assert.Equal(run.Json().GetProperty("objective").GetDouble(), quiet.Json().GetProperty("objective").GetDouble());
    }

    [Fact]
    public void TextOutputReportsTheCertifiedOptimum()
    {
        var r = ReferenceInstance.Load("ref01_n5_d2_int_f0.5");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        var fields = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (Key: l[..Math.Min(20, l.Length)].Trim(), Value: l.Length > 21 ? l[21..].Trim() : ""))
            .ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("optimal", fields["status"]);
        double objective = double.Parse(fields["objective"], CultureInfo.InvariantCulture);
        Assert.True(Tolerances.Objective.AtMost(r.Lower, objective), $"objective {objective:R} below the reference lower bound {r.Lower:R}\n{run}");
        Assert.True(Tolerances.Objective.AtMost(double.Parse(fields["lower bound"], CultureInfo.InvariantCulture), r.Upper), run.ToString());
        Assert.StartsWith($"{r.Cells} (exact)", fields["patterns"]);
    }

    [Fact]
    public void LooserToleranceIsStillMetAndEchoed()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--tolerance", "1e-4", "--json", "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(1e-4, json.GetProperty("tolerance").GetDouble());
        Assert.True(json.GetProperty("relative_gap").GetDouble() <= 1e-4, run.ToString());
        Assert.True(Tolerances.Objective.AtMost(json.GetProperty("lower").GetDouble(), r.Upper), run.ToString());
        Assert.True(Tolerances.Objective.AtMost(r.Lower, json.GetProperty("objective").GetDouble()), run.ToString());
    }

    [Fact]
    public void OutRefusesToOverwriteWithoutForceAndOverwritesWithIt()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.5");
        var solution = _tmp.File("solution.json");
        var first = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--out", solution, "--quiet");
        Assert.True(first.ExitCode == 0, first.ToString());
        using (var doc = JsonDocument.Parse(File.ReadAllText(solution)))
        {
            var root = doc.RootElement;
            Assert.Equal("optimal", root.GetProperty("status").GetString());
            Assert.Equal(r.Beta, root.GetProperty("beta").GetDouble());
            var blocks = root.GetProperty("blocks");
            Assert.True(blocks.GetArrayLength() > 0, "the solution has no block although β < β_max");
            foreach (var b in blocks.EnumerateArray())
            {
                Assert.Equal(r.N, b.GetProperty("pattern").GetString()!.Length);
                Assert.Contains(b.GetProperty("sign").GetInt32(), new[] { -1, 1 });
                Assert.Equal(r.D, b.GetProperty("w").GetArrayLength());
            }
        }

        File.WriteAllText(solution, "keep me");
        var refused = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--out", solution, "--quiet");
        refused.AssertBadInput(solution, "--force");
        Assert.Equal("keep me", File.ReadAllText(solution));

        var forced = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--out", solution, "--force", "--quiet");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        using var again = JsonDocument.Parse(File.ReadAllText(solution));
        Assert.Equal("optimal", again.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void NonPositiveOrNonFiniteBetaIsBadInput(string beta)
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--beta", beta, "--json").AssertBadInput("--beta", "> 0");
    }

    [Fact]
    public void NaNInTheDataIsBadInputNamingThePosition()
    {
        var csv = _tmp.Write("nan.csv", "1,2,3\nnan,1,2\n");
        var run = Hcv.Run("solve", csv, "--beta", "0.1", "--json");
        run.AssertBadInput("nan.csv", "X[1,0]", "NaN");
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void InfinityInTheTargetsIsBadInput()
    {
        var csv = _tmp.Write("inf.csv", "1,2,3\n1,1,inf\n");
        Hcv.Run("solve", csv, "--beta", "0.1").AssertBadInput("inf.csv", "y[1]");
    }

    [Fact]
    public void MismatchedShapesAreBadInput()
    {
        var json = _tmp.Write("shape.json", """{"X": [[1, 2], [3, 4], [5, 6]], "y": [1, 2]}""");
        Hcv.Run("solve", json, "--beta", "0.1").AssertBadInput("shape.json", "y has 2 entries", "3 rows");
    }

    [Fact]
    public void RaggedRowsAreBadInput()
    {
        var json = _tmp.Write("ragged.json", """{"X": [[1, 2], [3]], "y": [1, 2]}""");
        Hcv.Run("solve", json, "--beta", "0.1").AssertBadInput("ragged.json");
    }

    [Theory]
    [InlineData("empty.json", """{"X": [], "y": []}""", "empty")]
    [InlineData("empty.csv", "", "empty")]
    [InlineData("header-only.csv", "a,b,y\n", "")]
    public void EmptyDataIsBadInput(string file, string content, string fragment)
    {
        var path = _tmp.Write(file, content);
        Hcv.Run("solve", path, "--beta", "0.1").AssertBadInput(file, fragment);
    }

    [Fact]
    public void LogisticLossWithLabelsOtherThanPlusMinusOneIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--beta", "0.1", "--loss", "logistic").AssertBadInput("y[0]", "logistic", "-1 or +1");
    }

    [Fact]
    public void LogisticLossWithPlusMinusOneLabelsIsSolved()
    {
        var json = _tmp.Write("labels.json", """{"X": [[1, 0.5], [-0.3, 1], [0.7, -1.2], [-1, -0.2]], "y": [1, -1, 1, -1]}""");
        var run = Hcv.Run("solve", json, "--beta", "0.05", "--loss", "logistic", "--json", "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        var o = run.Json();
        Assert.Equal("logistic", o.GetProperty("loss").GetString());
        Assert.True(o.GetProperty("relative_gap").GetDouble() <= Tolerances.DefaultSolverGap, run.ToString());
    }

    [Fact]
    public void MissingFileIsBadInput() =>
        Hcv.Run("solve", _tmp.File("does-not-exist.json"), "--beta", "0.1").AssertBadInput("does-not-exist.json", "no such file");

    [Fact]
    public void UnknownOptionIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--beta", "0.1", "--bogus", "3").AssertBadInput("unknown option", "--bogus");
    }

    [Fact]
    public void MisspeltRequiredOptionIsNamed()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--betta", "0.1", "--json").AssertBadInput("--beta", "required", "--betta");
        var far = Hcv.Run("solve", r.Path, "--lambda", "0.1");
        far.AssertBadInput("--beta", "required");
        Assert.DoesNotContain("did you mean", far.Stderr);
    }

    [Fact]
    public void MissingBetaIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path).AssertBadInput("--beta", "required");
    }

    [Fact]
    public void UnknownLossAndPatternSpecAreBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--beta", "0.1", "--loss", "hinge").AssertBadInput("hinge");
        Hcv.Run("solve", r.Path, "--beta", "0.1", "--patterns", "sampled:0").AssertBadInput("--patterns");
    }

    [Fact]
    public void SampledPatternsAreMarkedInexact()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.5");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--patterns", "sampled:50", "--seed", "3", "--json", "--quiet");
        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        var o = run.Json();
        Assert.False(o.GetProperty("exact_patterns").GetBoolean(), run.ToString());
        Assert.InRange(o.GetProperty("patterns").GetInt32(), 1, r.Cells);
        // The sampled program is a restriction: its optimum is not below the true one.
        Assert.True(Tolerances.Objective.AtMost(r.Lower, o.GetProperty("objective").GetDouble()), run.ToString());
    }

    [Fact]
    public void NotCertifiedIsExitOneWithAStatusAndStillAProvenLowerBound()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--max-iterations", "1", "--tolerance", "1e-15", "--json", "--quiet");
        Assert.True(run.ExitCode == 1, $"an uncertified result exits with 1\n{run}");
        var o = run.Json();
        Assert.Equal("max-iterations", o.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, o.GetProperty("active_blocks").ValueKind);
        Assert.Equal(JsonValueKind.Null, o.GetProperty("m_star").ValueKind);
        Assert.False(string.IsNullOrEmpty(o.GetProperty("optimal_set").GetString()));
        // Without a certificate the bounds still bracket the optimum.
        Assert.True(Tolerances.Objective.AtMost(o.GetProperty("lower").GetDouble(), r.Upper), run.ToString());
        Assert.True(Tolerances.Objective.AtMost(r.Lower, o.GetProperty("objective").GetDouble()), run.ToString());
        Assert.True(o.GetProperty("relative_gap").GetDouble() > 1e-15, run.ToString());
    }

    [Theory]
    [InlineData("--tolerance", "0", "tolerance")]
    [InlineData("--time-limit", "0", "time limit")]
    [InlineData("--max-iterations", "many", "--max-iterations")]
    [InlineData("--loss-scale", "-2", "scale")]
    public void BadSolverSettingsAreBadInput(string option, string value, string fragment)
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        Hcv.Run("solve", r.Path, "--beta", r.BetaText, option, value).AssertBadInput(fragment);
    }

    internal static Network NetworkOf(JsonElement network, int d)
    {
        var alpha = network.GetProperty("alpha").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var rows = network.GetProperty("U").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        Assert.Equal(alpha.Length, rows.Length);
        if (alpha.Length == 0) return Network.Empty(d);
        return Network.Create(Matrix<double>.Build.DenseOfRowArrays(rows), Vector<double>.Build.DenseOfArray(alpha));
    }

    internal static Dataset DataOf(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var rows = doc.RootElement.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var y = doc.RootElement.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return Dataset.Create(rows, y, path);
    }

    /// <summary>
    /// --init NET starts column generation from the blocks of NET's neurons (THEORY.md §5): from its own solution's network
    /// the solve certifies the same optimum in fewer outer iterations, and says on stderr where it started.
    /// </summary>
    [Fact]
    public void InitStartsFromTheNetworksBlocksAndCertifiesTheSameOptimum()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var net = _tmp.File("init.json");
        var cold = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--out", net, "--json", "--quiet");
        Assert.True(cold.ExitCode == 0, cold.ToString());
        var warm = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--init", net, "--json");
        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.Contains("solve: starting from the ", warm.Stderr);
        warm.AssertOnlyProgressOnStderr("solve: ");
        var (c, w) = (cold.Json(), warm.Json());
        Assert.Equal("optimal", w.GetProperty("status").GetString());
        Assert.True(Tolerances.Objective.AtMost(r.Lower, w.GetProperty("objective").GetDouble()), warm.ToString());
        Assert.True(Tolerances.Objective.AtMost(w.GetProperty("lower").GetDouble(), r.Upper), warm.ToString());
        Assert.True(w.GetProperty("iterations").GetInt32() < c.GetProperty("iterations").GetInt32(),
            $"outer iterations from --init {w.GetProperty("iterations").GetInt32()}, from W = 0 {c.GetProperty("iterations").GetInt32()}");
    }

    /// <summary>An --init network whose U does not have the data's d columns is an error naming the option and both sizes.</summary>
    [Fact]
    public void InitWithTheWrongInputDimensionIsAClearError()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var net = _tmp.Write("wide.json", "{\"U\": [[1, 2]], \"alpha\": [1]}");
        var run = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--init", net, "--quiet");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--init", run.Stderr);
        Assert.Contains("U has 2 columns but the data has d = 3", run.Stderr);
    }
}
