using System.Diagnostics;
using HiddenConvex.Harness.Conformance;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Harness.Tests.Conformance;

/// <summary>Shared helpers of the conformance tests: repository paths, fake adapters, small instances.</summary>
internal static class ConformFixtures
{
    /// <summary>The repository root (the folder holding HiddenConvex.Verify.sln).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HiddenConvex.Verify.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find HiddenConvex.Verify.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>A shell loop answering every request with a fixed JSON text where ID is replaced by the request's id.</summary>
    public static string EchoAdapter(string answerTemplate) =>
        "while IFS= read -r line; do id=$(printf '%s' \"$line\" | sed 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/'); " +
        $"printf '%s\\n' '{answerTemplate}' | sed \"s/ID/$id/\"; done";

    /// <summary>The instance X = [[1]], y = [1], β = 0.5, squared loss: optimum w = 0.5 in block (1, +), P* = 0.375.</summary>
    public static ConformInstance OneByOne() =>
        new([[1.0]], [1.0], 0.5, "squared", 1.0, 2, 0, "int");

    /// <summary>Python with cvxopt and numpy, or a failure explaining what is missing.</summary>
    public static string RequirePython()
    {
        const string python = "/usr/bin/python3";
        string why;
        if (!File.Exists(python)) why = $"{python} does not exist";
        else
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import cvxopt, numpy");
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return python;
            why = $"'{python} -c \"import cvxopt, numpy\"' failed: {err.Trim()}";
        }
        Assert.Fail($"The conformance integration tests need Debian's {python} with cvxopt and numpy " +
                    $"(apt-get install -y python3-cvxopt python3-numpy): {why}");
        return python;
    }

    /// <summary>The command running the reference adapter, optionally as a mutant.</summary>
    public static string AdapterCommand(string? mutant = null) =>
        $"{RequirePython()} {Path.Combine(RepoRoot(), "adapters", "cvxopt_solver.py")}" + (mutant is null ? "" : $" --mutant {mutant}");
}
