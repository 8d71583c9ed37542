using System.Diagnostics;
using HiddenConvex.Harness.Conformance;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Harness.Tests.Conformance;

/// <summary>Runs against fake implementations written in sh (no Python needed).</summary>
public class ConformRunnerTests
{
    private static ConformResult Run(string command, double timeoutSeconds = 10, int maxTests = 3, int budget = 40) =>
        new ConformRunner(new ConformOptions
        {
            Command = command,
            MaxTests = maxTests,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            ShrinkBudget = budget,
        }).Run();

    [Fact]
    public void AnErrorAnswerIsAProtocolFailureShrunkToTheSmallestInstance()
    {
        var r = Run(ConformFixtures.EchoAdapter("""{"id":"ID","error":"not implemented"}"""));
        Assert.False(r.Conforms);
        var f = r.Failure!;
        Assert.Equal(CheckIds.Protocol, f.Check);
        Assert.Contains("not implemented", f.Shrunk.Violations[0].Message);
        Assert.Equal("1×1", f.Shrunk.Instance.Size);
        Assert.Contains("\"task\":\"solve-convex\"", f.Shrunk.Request);
    }

    [Fact]
    public void NaNInAnAnswerIsReportedWithTheRequestThatCausedIt()
    {
        var r = Run(ConformFixtures.EchoAdapter("""{"id":"ID","status":"optimal","blocks":[],"objective":NaN}"""));
        var f = r.Failure!;
        Assert.Equal(CheckIds.Protocol, f.Check);
        Assert.Contains("NaN", f.Original.Violations[0].Message);
        Assert.Contains("\"id\":\"t0\"", f.Original.Request);
    }

    [Fact]
    public void AHangingImplementationNeverHangsTheSuite()
    {
        var clock = Stopwatch.StartNew();
        var r = Run("sleep 60", timeoutSeconds: 0.3, budget: 4);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(CheckIds.Protocol, r.Failure!.Check);
        Assert.Contains("timeout", r.Failure.Original.Violations[0].Message);
        Assert.True(r.ProcessStarts >= 2, "a fresh process is started after each timeout");
    }

    [Fact]
    public void EveryPhaseOfAHangingImplementationEndsByItsTimeLimit()
    {
        // The first request of a process gets a well-formed but wrong answer (the objective check fails, so the process is
        // kept), every later one hangs. Shrinking must end at --shrink-time, not after one full --timeout per candidate.
        const string firstThenHang = "n=0; while IFS= read -r line; do n=$((n+1)); if [ $n -gt 1 ]; then sleep 60; fi; " +
            "id=$(printf '%s' \"$line\" | sed 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/'); " +
            "printf '{\"id\":\"%s\",\"status\":\"optimal\",\"blocks\":[],\"objective\":-1}\\n' \"$id\"; done";
        var clock = Stopwatch.StartNew();
        var r = new ConformRunner(new ConformOptions
        {
            Command = firstThenHang, MaxTests = 2, Timeout = TimeSpan.FromSeconds(20), ShrinkBudget = 50, ShrinkTime = TimeSpan.FromSeconds(1.5),
        }).Run();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"the run took {clock.Elapsed} with a 1.5 s shrink limit and a 20 s timeout");
        Assert.Equal(CheckIds.Objective, r.Failure!.Check);
        Assert.Contains(r.ProcessEvents, e => e.Contains("no answer to request"));
        // The failing first request fails alone in a fresh process too: confirmed.
        Assert.True(r.Failure.Confirmed, r.Failure.ReplayNote);
    }

    [Fact]
    public void ACrashingImplementationIsRestartedAndReported()
    {
        var r = Run("read l; echo 'segmentation fault' >&2; exit 139", budget: 3);
        Assert.Contains("code 139", r.Failure!.Original.Violations[0].Message);
        Assert.Contains("segmentation fault", r.Failure.Original.Violations[0].Message);
    }

    [Fact]
    public void TheReportHasOneEntryPerCheckAndTheCounterexampleReplays()
    {
        var r = Run(ConformFixtures.EchoAdapter("""{"id":"ID","error":"nope"}"""));
        var report = ConformReport.Build(r, DateTimeOffset.UtcNow);
        Assert.Equal(ConformReport.Checks(ConformTask.SolveConvex).Count, report.Properties.Count);
        var failed = Assert.Single(report.Properties, p => p.Status == PropertyStatus.Failed);
        Assert.Equal(CheckIds.Protocol, failed.Family);
        Assert.StartsWith("printf '%s\\n' '{\"id\"", failed.Failure!.ReplayCommand);
        var dir = Path.Combine(Path.GetTempPath(), "hcv-conform-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = ReportDirectory.Write(report, dir);
            Assert.Contains(written, p => p.EndsWith("summary.html"));
            Assert.Contains(written, p => p.EndsWith(".json") && p.Contains("counterexamples"));
        }
        finally { Directory.Delete(dir, recursive: true); }
        Assert.Contains("\"conforms\":false", ConformReport.SummaryJson(r));
        Assert.DoesNotContain('\n', ConformReport.SummaryJson(r));
    }
}
