using System.Diagnostics;
using System.Text;

namespace HiddenConvex.Harness.Conformance;

/// <summary>How one request/answer exchange ended.</summary>
public enum ExchangeOutcome
{
    /// <summary>A line came back in time (it may still be malformed).</summary>
    Answered,
    /// <summary>No line within the per-request timeout; the process tree was killed.</summary>
    TimedOut,
    /// <summary>The process exited or closed its output before answering.</summary>
    Crashed,
    /// <summary>The command could not be started at all.</summary>
    StartFailed,
}

/// <summary>The result of one exchange: the answer line (when answered), timing and the stderr tail.</summary>
public sealed record Exchange(ExchangeOutcome Outcome, string? Line, TimeSpan Elapsed, string StderrTail, int? ExitCode)
{
    /// <summary>A one-line explanation of a failed exchange, for reports.</summary>
    public string Explain(TimeSpan timeout) => Outcome switch
    {
        ExchangeOutcome.TimedOut => $"no answer within the timeout of {timeout.TotalSeconds:G4} s; the process tree was killed",
        ExchangeOutcome.Crashed => $"the implementation exited{(ExitCode is { } c ? $" with code {c}" : "")} before answering" + Tail(),
        ExchangeOutcome.StartFailed => "the command could not be started" + Tail(),
        _ => "answered",
    };

    private string Tail() => string.IsNullOrWhiteSpace(StderrTail) ? "" : $"; its stderr ends with: {StderrTail.Trim()}";
}

/// <summary>
/// Supervises an external implementation run as `/bin/sh -c COMMAND`: writes one request line,
/// waits at most the timeout for one answer line, kills the whole process tree on timeout and
/// starts a fresh process for the next request after a timeout or a crash. Stderr is drained
/// continuously (so a chatty implementation cannot block) and its tail kept for messages.
/// </summary>
public sealed class ExternalProcess(string command, TimeSpan timeout) : IDisposable
{
    private const int StderrKeep = 2000;
    private Process? _process;
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();

    /// <summary>The command line as given.</summary>
    public string Command { get; } = command;
    /// <summary>The per-request timeout.</summary>
    public TimeSpan Timeout { get; } = timeout;
    /// <summary>How many times a process was started (1 + restarts).</summary>
    public int Starts { get; private set; }

    private readonly List<string> _events = [];
    private int _sent;

    /// <summary>
    /// Every end of a process, in order: exits after an answer (found when the next request is due), exits or timeouts
    /// before an answer, and kills by the harness. None passes silently.
    /// </summary>
    public IReadOnlyList<string> Events => _events;

    /// <summary>Sends one request line and waits for one answer line, at most <paramref name="timeout"/> (default <see cref="Timeout"/>).</summary>
    public Exchange Send(string requestLine, TimeSpan? timeout = null)
    {
        var limit = timeout is { } t && t < Timeout ? t : Timeout;
        _sent++;
        var clock = Stopwatch.StartNew();
        if (!EnsureStarted(out var startError))
            return new Exchange(ExchangeOutcome.StartFailed, null, clock.Elapsed, startError, null);
        var p = _process!;
        lock (_lock) _stderr.Clear();
        try
        {
            p.StandardInput.WriteLine(requestLine);
            p.StandardInput.Flush();
        }
        catch (IOException)
        {
            return Crash(p, clock);
        }
        var read = p.StandardOutput.ReadLineAsync();
        bool done;
        try { done = read.Wait(limit); }
        catch (AggregateException) { return Crash(p, clock); }
        if (!done)
        {
            KillTree(p);
            _process = null;
            _events.Add($"process {Starts} killed: no answer to request #{_sent} within {limit.TotalSeconds:G4} s");
            return new Exchange(ExchangeOutcome.TimedOut, null, clock.Elapsed, StderrTail(), null);
        }
        var line = read.Result;
        if (line is null) return Crash(p, clock);
        return new Exchange(ExchangeOutcome.Answered, line, clock.Elapsed, StderrTail(), null);
    }

    private Exchange Crash(Process p, Stopwatch clock)
    {
        int? code = null;
        if (p.WaitForExit(2000)) { p.WaitForExit(); code = p.ExitCode; }
        else KillTree(p);
        _process = null;
        _events.Add($"process {Starts} ended before answering request #{_sent}{(code is { } c ? $" (exit code {c})" : "")}");
        return new Exchange(ExchangeOutcome.Crashed, null, clock.Elapsed, StderrTail(), code);
    }

    private bool EnsureStarted(out string error)
    {
        error = "";
        if (_process is { HasExited: false }) return true;
        if (_process is { } gone)
        {
            gone.WaitForExit();
            _events.Add($"process {Starts} exited (code {gone.ExitCode}) after answering request #{_sent - 1}; a new process was started for request #{_sent}");
        }
        _process?.Dispose();
        _process = null;
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Command);
        try
        {
            var p = new Process { StartInfo = psi };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) AppendStderr(e.Data); };
            p.Start();
            p.BeginErrorReadLine();
            _process = p;
            Starts++;
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            error = e.Message;
            return false;
        }
    }

    private void AppendStderr(string line)
    {
        lock (_lock)
        {
            _stderr.AppendLine(line);
            if (_stderr.Length > 4 * StderrKeep) _stderr.Remove(0, _stderr.Length - StderrKeep);
        }
    }

    private string StderrTail()
    {
        lock (_lock)
        {
            var s = _stderr.ToString();
            return s.Length <= StderrKeep ? s : s[^StderrKeep..];
        }
    }

    private static void KillTree(Process p)
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
        p.WaitForExit(5000);
        p.Dispose();
    }

    /// <summary>
    /// Kills the current process tree so that the next request starts a fresh process; used after a
    /// malformed answer, when stray output could otherwise be taken as the answer to a later request.
    /// </summary>
    public void Restart()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        _events.Add($"process {Starts} killed by the harness after its answer to request #{_sent} could not be used");
        KillTree(p);
    }

    /// <summary>Closes the implementation's stdin (its signal to exit) and kills it if it lingers.</summary>
    public void Dispose()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        try { p.StandardInput.Close(); } catch (IOException) { }
        if (!p.WaitForExit(3000)) KillTree(p);
        else p.Dispose();
    }
}
