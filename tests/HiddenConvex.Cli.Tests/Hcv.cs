using System.Diagnostics;
using System.Text.Json;

namespace HiddenConvex.Cli.Tests;

/// <summary>What one run of hcv left behind: exit code, stdout, stderr and wall time.</summary>
public sealed record HcvRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, string CommandLine)
{
    /// <summary>Exit code, command and both streams, for assertion messages.</summary>
    public override string ToString() =>
        $"hcv {CommandLine}\nexit code {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>stdout parsed as exactly one JSON object (fails the test otherwise).</summary>
    public JsonElement Json()
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(Stdout), new JsonReaderOptions { AllowTrailingCommas = false });
        JsonElement root;
        try
        {
            root = JsonElement.ParseValue(ref reader);
            // Anything after the object other than whitespace is a second document or stray text.
            Assert.False(reader.Read(), $"stdout holds more than one JSON value\n{this}");
        }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"stdout is not one JSON object: {e.Message}\n{this}"); }
        Assert.True(root.ValueKind == JsonValueKind.Object, $"stdout is a JSON {root.ValueKind}, not an object\n{this}");
        return root.Clone();
    }

    /// <summary>Asserts a bad-input exit: code 2, a message on stderr containing every fragment, no stack trace.</summary>
    public void AssertBadInput(params string[] fragments)
    {
        Assert.True(ExitCode == 2, $"expected exit code 2 (bad input)\n{this}");
        AssertNoStackTrace();
        Assert.False(string.IsNullOrWhiteSpace(Stderr), $"bad input without a message on stderr\n{this}");
        foreach (var f in fragments)
            Assert.True(Stderr.Contains(f, StringComparison.OrdinalIgnoreCase), $"stderr does not name the problem ('{f}')\n{this}");
    }

    /// <summary>stderr holds progress only: every line starts with one of the prefixes, and none reports an error.</summary>
    public void AssertOnlyProgressOnStderr(params string[] prefixes)
    {
        foreach (var line in Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(prefixes.Any(p => line.StartsWith(p, StringComparison.Ordinal)), $"stderr line is not progress: '{line}'\n{this}");
            Assert.False(line.Contains("error", StringComparison.OrdinalIgnoreCase), $"stderr reports an error: '{line}'\n{this}");
        }
        AssertNoStackTrace();
    }

    /// <summary>A stack trace ("   at Namespace.Type.Method") never reaches the user.</summary>
    public void AssertNoStackTrace()
    {
        Assert.False(Stdout.Contains("   at ") || Stderr.Contains("   at "), $"a stack trace was printed\n{this}");
        Assert.False(Stderr.Contains("internal error"), $"bad input reported as an internal error\n{this}");
    }
}

/// <summary>
/// Runs the built hcv (src/HiddenConvex.Cli, assembly hcv) as a real process through the dotnet host,
/// with a timeout after which the process tree is killed and the test fails.
/// </summary>
public static class Hcv
{
    /// <summary>Per-run limit; generous because the machine running the tests may be loaded.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(180);

    private static readonly Lazy<string> DllPath = new(FindDll);

    /// <summary>Path of hcv.dll: next to the tests (the project reference builds it there), else the CLI's own output.</summary>
    public static string Dll => DllPath.Value;

    /// <summary>Runs hcv with the arguments in the working directory (default: a fresh temporary one is not implied).</summary>
    public static HcvRun Run(string[] args, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // hcv lets stack traces through only under HCV_DEBUG: make sure the tests see what users see.
        psi.Environment.Remove("HCV_DEBUG");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"hcv {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s (killed)\n--- stderr so far ---\n{(stderr.Wait(2000) ? stderr.Result : "")}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new HcvRun(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed, string.Join(' ', args));
    }

    /// <summary>Runs hcv with the arguments.</summary>
    public static HcvRun Run(params string[] args) => Run(args, null, null);

    private static string DotnetHost()
    {
        // The host that runs the tests is the one to use (DOTNET_HOST_PATH is set by dotnet test).
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    private static string FindDll()
    {
        var here = AppContext.BaseDirectory;
        var candidates = new List<string> { Path.Combine(here, "hcv.dll") };
        // Fall back to the CLI project's own output of the same configuration and framework.
        var framework = new DirectoryInfo(here).Name;                        // net10.0
        var configuration = new DirectoryInfo(here).Parent?.Name ?? "Release"; // Release or Debug
        var root = RepoFiles.Root;
        foreach (var config in new[] { configuration, "Release", "Debug" }.Distinct())
            candidates.Add(Path.Combine(root, "src", "HiddenConvex.Cli", "bin", config, framework, "hcv.dll"));
        var found = candidates.FirstOrDefault(p => File.Exists(p) && File.Exists(Path.ChangeExtension(p, ".runtimeconfig.json")));
        return found ?? throw new FileNotFoundException(
            "hcv.dll with its hcv.runtimeconfig.json was not found; looked at:\n" + string.Join("\n", candidates) +
            "\nBuild the solution (dotnet build HiddenConvex.Verify.sln) first.");
    }
}

/// <summary>Files of the repository and of the test output.</summary>
public static class RepoFiles
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HiddenConvex.Verify.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no HiddenConvex.Verify.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (the folder holding HiddenConvex.Verify.sln).</summary>
    public static string Root => RootPath.Value;

    /// <summary>The reference instances with certified optima (copied from the core tests' Data/reference).</summary>
    public static string ReferenceDirectory => Path.Combine(AppContext.BaseDirectory, "Data", "reference");

    /// <summary>Path of one reference instance by name (without .json).</summary>
    public static string Reference(string name) => Path.Combine(ReferenceDirectory, name + ".json");
}

/// <summary>A temporary folder per test class, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>The folder's full path.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("hcv-cli-tests-").FullName;

    /// <summary>A path inside the folder (not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes text to a new file in the folder and returns its path.</summary>
    public string Write(string name, string text)
    {
        var p = File(name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
