using System.Text.Json;

namespace HiddenConvex.Cli.Tests;

/// <summary>
/// hcv conform against a stand-in that answers W = 0 with the right objective ℓ(0) and declares "gap_tolerance": 1e6 —
/// the verdict such a claim used to buy. Needs /usr/bin/python3 (standard library only), like the other conform tests.
/// </summary>
[Trait("Category", "Conform")]
public sealed class ConformCommandTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string ZeroSolver(double declared) => "/usr/bin/python3 " + _tmp.Write($"zero-{declared}.py", $$"""
        import sys, json
        for line in sys.stdin:
            r = json.loads(line)
            objective = 0.5 * r["loss_scale"] * sum(v * v for v in r["y"])
            print(json.dumps({"id": r["id"], "status": "optimal", "blocks": [], "objective": objective,
                              "gap_tolerance": {{declared.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}, "patterns_exact": True}), flush=True)
        """);

    [Fact]
    public void AZeroAnswerDeclaringAHugeToleranceDoesNotConformAndTheJsonIsOneLine()
    {
        var run = Hcv.Run("conform", "--solver", ZeroSolver(1e6), "--loss", "squared", "--n", "3:5", "--d", "1:2", "--max-tests", "5",
            "--shrink-budget", "10", "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Single(run.Stdout.TrimEnd('\n').Split('\n'));
        var o = run.Json();
        Assert.False(o.GetProperty("conforms").GetBoolean());
        Assert.Equal(1e-6, o.GetProperty("requested_tolerance").GetDouble());
        Assert.Equal(1e6, o.GetProperty("loosest_declared_tolerance").GetDouble());
        var failure = o.GetProperty("failure");
        Assert.Equal("gap", failure.GetProperty("check").GetString());
        Assert.Contains("looser than the requested", failure.GetProperty("message").GetString());
        Assert.True(failure.GetProperty("confirmed_alone").GetBoolean(), run.ToString());
        Assert.Equal(JsonValueKind.Array, o.GetProperty("process_events").ValueKind);
        Assert.True(o.GetProperty("requests").GetInt32() >= o.GetProperty("tests_run").GetInt32());
        // Every generated request honoured the filter.
        var request = failure.GetProperty("request");
        Assert.Equal("squared", request.GetProperty("loss").GetString());
        Assert.InRange(request.GetProperty("X")[0].GetArrayLength(), 1, 2);
    }

    [Fact]
    public void HelpSaysWhatEachToleranceGoverns()
    {
        var help = Hcv.Run("conform", "--help").Stdout;
        Assert.Contains("--cone-tol", help);
        Assert.Contains("a claimed tolerance looser than EPS fails", help);
        Assert.Contains("scnn", help);
    }

    [Fact]
    public void BadFiltersAreBadInput()
    {
        Hcv.Run("conform", "--solver", "true", "--n", "1:9").AssertBadInput("n must range within 2..8");
        Hcv.Run("conform", "--solver", "true", "--loss", "hinge").AssertBadInput("hinge");
        Hcv.Run("conform", "--solver", "true", "--d", "two").AssertBadInput("--d");
    }
}
