using System.Text.Json;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Cli.Tests;

/// <summary>hcv check on optimal, zero and arbitrary networks: the verdict follows the decision rule of its --help.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>The network ψ(W*) printed by hcv solve --json, saved as a network file.</summary>
    private string OptimalNetworkFile(ReferenceInstance r)
    {
        var solve = Hcv.Run("solve", r.Path, "--beta", r.BetaText, "--json", "--quiet");
        Assert.True(solve.ExitCode == 0, solve.ToString());
        return _tmp.Write($"{r.Name}-optimal.json", solve.Json().GetProperty("network").GetRawText());
    }

    [Theory]
    [InlineData("ref00_n3_d2_gauss_f0.1")]
    [InlineData("ref02_n5_d3_gauss_f0.1")]
    [InlineData("ref03_n7_d2_dup_f0.5")]
    [InlineData("ref07_n6_d3_zero-row_f0.1")]
    public void OptimalNetworkFromSolveIsCertifiedOptimal(string name)
    {
        var r = ReferenceInstance.Load(name);
        var net = OptimalNetworkFile(r);
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--json");
        Assert.True(run.ExitCode == 0, $"an optimal network is not reported optimal\n{run}");
        var o = run.Json();
        Assert.Equal("optimal", o.GetProperty("verdict").GetString());
        run.AssertOnlyProgressOnStderr("hcv check: ", "  ");
        AssertVerdictFollowsTheDecisionRule(o, run);
        Assert.True(o.GetProperty("lower_proven").GetBoolean(), run.ToString());
        // The lower bound is a proven bound on P*_c: it cannot exceed the reference's upper bound.
        Assert.True(Tolerances.Objective.AtMost(o.GetProperty("lower").GetDouble(), r.Upper), run.ToString());
        Assert.True(Tolerances.Objective.AtMost(r.Lower, o.GetProperty("objective").GetDouble()), run.ToString());
    }

    [Fact]
    public void AboveBetaMaxTheZeroOptimumOfSolveIsAReadableNetworkThatCheckCertifies()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        string beta = (1.5 * r.BetaMax).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var solve = Hcv.Run("solve", r.Path, "--beta", beta, "--json", "--quiet");
        Assert.True(solve.ExitCode == 0, solve.ToString());
        var o = solve.Json();
        Assert.Equal(0, o.GetProperty("support").GetInt32());
        var network = SolveCommandTests.NetworkOf(o.GetProperty("network"), r.D);
        Assert.True(network.Alpha.All(a => a == 0) && network.U.Enumerate().All(u => u == 0), $"W* = 0 but the network is not zero\n{solve}");
        // L_β(0) = ℓ(0): the printed objective is the loss of the zero prediction.
        var data = SolveCommandTests.DataOf(r.Path);
        double zeroLoss = HiddenConvex.Core.Losses.Loss.Parse(r.Loss, r.LossScale).Value(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(r.N), data.Y);
        Assert.True(Tolerances.Objective.Agree(zeroLoss, o.GetProperty("objective").GetDouble()), solve.ToString());

        var net = _tmp.Write("zero-optimum.json", o.GetProperty("network").GetRawText());
        var check = Hcv.Run("check", r.Path, net, "--beta", beta, "--json");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal("optimal", check.Json().GetProperty("verdict").GetString());

        // --improve writes the minimal equivalent network, here the zero network, readable again as a NET file.
        var improved = _tmp.File("zero-minimal.json");
        var withImprove = Hcv.Run("check", r.Path, net, "--beta", beta, "--improve", improved, "--json");
        Assert.True(withImprove.ExitCode == 0, withImprove.ToString());
        var again = Hcv.Run("check", r.Path, improved, "--beta", beta, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("optimal", again.Json().GetProperty("verdict").GetString());
    }

    [Theory]
    [InlineData("ref00_n3_d2_gauss_f0.1")]
    [InlineData("ref02_n5_d3_gauss_f0.5")]
    [InlineData("ref06_n6_d1_gauss_f0.1")]
    public void ZeroNetworkIsNotOptimalAndTheVerdictFollowsTheDecisionRule(string name)
    {
        var r = ReferenceInstance.Load(name);
        var zeros = string.Join(", ", Enumerable.Repeat("0", r.D));
        var net = _tmp.Write($"{name}-zero.json", $$"""{"U": [[{{zeros}}]], "alpha": [0]}""");
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--json");
        Assert.True(run.ExitCode == 1, $"a negative verdict exits with 1\n{run}");
        var o = run.Json();
        var verdict = o.GetProperty("verdict").GetString();
        Assert.Contains(verdict, new[] { "not-stationary", "stationary-not-optimal" });
        AssertVerdictFollowsTheDecisionRule(o, run);
        // β < β_max for every reference instance, so the zero network is priced out: ρ(v) > β.
        Assert.True(r.Beta < r.BetaMax);
        Assert.True(o.GetProperty("rho").GetDouble() > r.Beta, run.ToString());
        if (verdict == "stationary-not-optimal")
        {
            var escape = o.GetProperty("escape_neuron");
            Assert.True(escape.ValueKind == JsonValueKind.Object, $"no escape neuron\n{run}");
            Assert.True(escape.GetProperty("decrease").GetDouble() > 0, $"the escape neuron does not decrease L_β\n{run}");
        }
    }

    [Fact]
    public void ArbitraryNetworkGetsTheVerdictOfTheDecisionRule()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var net = _tmp.Write("arbitrary.json", """{"U": [[1, -0.5, 0.25], [-0.3, 0.8, 1.1]], "alpha": [0.7, -1.3]}""");
        var run = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        var o = run.Json();
        Assert.NotEqual("optimal", o.GetProperty("verdict").GetString());
        AssertVerdictFollowsTheDecisionRule(o, run);
    }

    /// <summary>
    /// The rule printed by hcv check --help (THEORY.md §9), applied to the fields of its JSON output: optimal if certified
    /// (Ḡ ≤ ε_gap (L̂ − B) over the exact pattern set); else stationary-not-optimal if stationary (measure or own-slot gap) and
    /// refuted; else not-stationary if not stationary; else undecided. Every relative figure is relative to |objective|.
    /// </summary>
    private static void AssertVerdictFollowsTheDecisionRule(JsonElement o, HcvRun run)
    {
        var tol = o.GetProperty("tolerances");
        double objective = o.GetProperty("objective").GetDouble(), gap = o.GetProperty("gap").GetDouble();
        double relativeGap = o.GetProperty("relative_gap").GetDouble(), proven = o.GetProperty("proven_gap").GetDouble();
        double b = o.GetProperty("objective_rounding").GetDouble(), bLow = o.GetProperty("lower_rounding").GetDouble();
        Assert.True(Tolerances.Objective.Agree(gap, objective - o.GetProperty("lower").GetDouble()), $"gap ≠ objective − lower\n{run}");
        Assert.True(Tolerances.Objective.Agree(proven, gap + b + bLow), $"proven_gap ≠ gap + B + B_low\n{run}");
        Assert.True(Tolerances.Objective.Agree(relativeGap, proven / Math.Abs(objective)), $"relative_gap ≠ proven_gap / |objective|\n{run}");

        bool certified = o.GetProperty("lower_proven").GetBoolean() && proven <= tol.GetProperty("gap").GetDouble() * (objective - b);
        Assert.Equal(certified, o.GetProperty("certified").GetBoolean());
        double measure = o.GetProperty("stationarity").GetDouble(), threshold = o.GetProperty("stationarity_threshold").GetDouble();
        Assert.True(o.GetProperty("stationary").GetBoolean() == (measure <= threshold), $"'stationary' disagrees with measure ≤ threshold\n{run}");
        bool local = o.GetProperty("local_relative_gap").GetDouble() <= tol.GetProperty("local_gap").GetDouble();
        bool stationary = measure <= threshold || local;
        bool refuted = o.GetProperty("refuted").GetBoolean();
        string expected = certified ? "optimal"
            : stationary && refuted ? "stationary-not-optimal"
            : !stationary ? "not-stationary"
            : "undecided";
        Assert.True(expected == o.GetProperty("verdict").GetString(),
            $"decision rule gives {expected} (certified {certified}, stationary {stationary}, refuted {refuted}, local {local})\n{run}");
        Assert.Equal(expected switch { "optimal" => 0, "undecided" => 4, _ => 1 }, run.ExitCode);
    }

    [Fact]
    public void ImproveRefusesToOverwriteWithoutForceAndWritesANetworkWithIt()
    {
        var r = ReferenceInstance.Load("ref01_n5_d2_int_f0.1");
        var net = _tmp.Write("zero.json", """{"U": [[0, 0]], "alpha": [0]}""");
        var improved = _tmp.Write("improved.json", "keep me");
        var refused = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", improved);
        refused.AssertBadInput(improved, "--force");
        Assert.Equal("keep me", File.ReadAllText(improved));

        var forced = Hcv.Run("check", r.Path, net, "--beta", r.BetaText, "--improve", improved, "--force", "--json");
        Assert.True(forced.ExitCode == 1, forced.ToString());
        Assert.Equal(improved, forced.Json().GetProperty("improved").GetString());
        using var doc = JsonDocument.Parse(File.ReadAllText(improved));
        int width = doc.RootElement.GetProperty("alpha").GetArrayLength();
        Assert.True(width > 0, "the improved network is empty");
        Assert.Equal(width, doc.RootElement.GetProperty("U").GetArrayLength());

        // The improved network is better than the zero network.
        var after = Hcv.Run("check", r.Path, improved, "--beta", r.BetaText, "--json");
        Assert.True(after.ExitCode is 0 or 1, after.ToString());
        Assert.True(after.Json().GetProperty("objective").GetDouble() < forced.Json().GetProperty("objective").GetDouble(), after.ToString());
    }

    [Fact]
    public void NetworkOfTheWrongInputDimensionIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var net = _tmp.Write("wide.json", """{"U": [[1, 2, 3]], "alpha": [1]}""");
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText).AssertBadInput("wide.json", "3 columns", "d = 2", "--hidden-bias");
    }

    [Fact]
    public void NetworkWithMismatchedAlphaIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var net = _tmp.Write("mismatch.json", """{"U": [[1, 2], [3, 4]], "alpha": [1]}""");
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText).AssertBadInput("mismatch.json", "alpha");
    }

    [Fact]
    public void NaNInTheNetworkIsBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var net = _tmp.Write("nan.json", """{"U": [[1, "NaN"]], "alpha": [1]}""");
        Hcv.Run("check", r.Path, net, "--beta", r.BetaText).AssertBadInput("nan.json");
    }

    [Fact]
    public void BadBetaLabelsAndToleranceAreBadInput()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var net = _tmp.Write("one.json", """{"U": [[1, 2]], "alpha": [1]}""");
        Hcv.Run("check", r.Path, net, "--beta", "0").AssertBadInput("--beta");
        Hcv.Run("check", r.Path, net, "--beta", "0.1", "--loss", "logistic").AssertBadInput("logistic", "-1 or +1");
        Hcv.Run("check", r.Path, net, "--beta", "0.1", "--gap-tol", "-1").AssertBadInput("--gap-tol");
        Hcv.Run("check", r.Path, net, "--beta", "0.1", "--solve", "--no-solve").AssertBadInput("--solve", "--no-solve");
        Hcv.Run("check", r.Path, _tmp.File("missing.npz"), "--beta", "0.1").AssertBadInput("missing.npz");
        Hcv.Run("check", r.Path, "--beta", "0.1").AssertBadInput("DATA NET");
    }
}
