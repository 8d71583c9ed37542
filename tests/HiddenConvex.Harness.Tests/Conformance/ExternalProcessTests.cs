using System.Diagnostics;
using HiddenConvex.Harness.Conformance;

namespace HiddenConvex.Harness.Tests.Conformance;

public class ExternalProcessTests
{
    [Fact]
    public void AnswersAreReadLineByLineFromOneProcess()
    {
        using var p = new ExternalProcess("while IFS= read -r l; do echo \"got $l\"; done", TimeSpan.FromSeconds(10));
        var a = p.Send("one");
        var b = p.Send("two");
        Assert.Equal(ExchangeOutcome.Answered, a.Outcome);
        Assert.Equal("got one", a.Line);
        Assert.Equal("got two", b.Line);
        Assert.Equal(1, p.Starts);
    }

    [Fact]
    public void AProcessThatExitsRightAfterAnsweringIsReportedNotSilentlyRestarted()
    {
        using var p = new ExternalProcess("IFS= read -r l; echo \"got $l\"", TimeSpan.FromSeconds(10));
        Assert.Equal("got one", p.Send("one").Line);
        Thread.Sleep(200);
        Assert.Equal("got two", p.Send("two").Line);
        Assert.Equal(2, p.Starts);
        var ev = Assert.Single(p.Events);
        Assert.Contains("exited (code 0) after answering request #1", ev);
    }

    [Fact]
    public void APerRequestTimeoutShorterThanTheDefaultIsHonoured()
    {
        using var p = new ExternalProcess("sleep 30", TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        Assert.Equal(ExchangeOutcome.TimedOut, p.Send("{}", TimeSpan.FromMilliseconds(300)).Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Contains(p.Events, e => e.Contains("no answer to request #1"));
    }

    [Fact]
    public void AHangingImplementationIsKilledAtTheTimeoutAndRestarted()
    {
        var marker = Path.Combine(Path.GetTempPath(), "hcv-conform-hang-" + Guid.NewGuid().ToString("N"));
        // The child `sleep` must die with the shell: the whole process tree is killed.
        using var p = new ExternalProcess($"echo started >&2; sleep 30; touch {marker}", TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        var a = p.Send("{}");
        Assert.Equal(ExchangeOutcome.TimedOut, a.Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the timeout took {clock.Elapsed}");
        Assert.Contains("timeout of 0.5 s", a.Explain(p.Timeout));
        var b = p.Send("{}");
        Assert.Equal(ExchangeOutcome.TimedOut, b.Outcome);
        Assert.Equal(2, p.Starts);
        Thread.Sleep(300);
        Assert.False(File.Exists(marker));
        Assert.DoesNotContain(Process.GetProcesses(), q => SafeCommandLine(q).Contains(marker));
    }

    private static string SafeCommandLine(Process q)
    {
        try { return File.ReadAllText($"/proc/{q.Id}/cmdline"); }
        catch (Exception) { return ""; }
    }

    [Fact]
    public void ACrashIsReportedWithExitCodeAndStderrThenTheProcessIsRestarted()
    {
        using var p = new ExternalProcess("read l; echo 'Traceback: boom' >&2; exit 3", TimeSpan.FromSeconds(10));
        var a = p.Send("{}");
        Assert.Equal(ExchangeOutcome.Crashed, a.Outcome);
        Assert.Equal(3, a.ExitCode);
        var msg = a.Explain(p.Timeout);
        Assert.Contains("code 3", msg);
        Assert.Contains("boom", msg);
        var b = p.Send("{}");
        Assert.Equal(ExchangeOutcome.Crashed, b.Outcome);
        Assert.Equal(2, p.Starts);
    }

    [Fact]
    public void AnImplementationThatExitsWithoutReadingIsACrashNotAHang()
    {
        using var p = new ExternalProcess("exit 0", TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        var a = p.Send("{\"id\":\"x\"}");
        Assert.Equal(ExchangeOutcome.Crashed, a.Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8));
    }

    [Fact]
    public void RestartDropsStrayOutputOfTheOldProcess()
    {
        // Answers each request with two lines: the second would be read as the next answer.
        using var p = new ExternalProcess("while IFS= read -r l; do echo \"a $l\"; echo stray; done", TimeSpan.FromSeconds(10));
        Assert.Equal("a one", p.Send("one").Line);
        p.Restart();
        Assert.Equal("a two", p.Send("two").Line);
        Assert.Equal(2, p.Starts);
    }
}
