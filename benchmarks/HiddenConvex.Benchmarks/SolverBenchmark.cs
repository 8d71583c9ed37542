using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Benchmarks;

/// <summary>
/// Certified solve times and gaps of <see cref="ConvexSolver"/> over exact pattern sets, and the data
/// side of the CVXOPT side-by-side (benchmarks/cvxopt).
/// <code>
/// solve                       scale table: (n, d) ∈ {(8,3), (10,3), (14,3), (20,2), (50,3), (100,3)}, both losses
/// solve --sizes 50x3,100x3    chosen sizes only (--loss squared|logistic: one loss; --verbose: solver progress on stderr)
/// solve --export DIR          write the side-by-side problems ((8,3), (10,3), (14,3), (20,2)) and our steady-state results
/// solve --export DIR --from R the same for the problems of R/*.json (X, y, beta, loss, loss_scale; e.g. the reference
///                             instances /work/shared/reference), each named after its file; an existing DIR/NAME.problem.json
///                             is replaced only with --force
/// solve --certify DIR         certify DIR/*.cvxopt.json with our checker, print both solvers side by side and the medians
/// </code>
/// Data: X with i.i.d. N(0,1) entries, y ~ N(0,1) (squared) or uniform ±1 (logistic), seed = 1000·n + d;
/// β = f·β_max with β_max = ρ(−∇ℓ(0)) (the smallest β with W* = 0) and f ∈ {0.1, 0.01}.
/// </summary>
public static class SolverBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly (int N, int D)[] SideBySide = [(8, 3), (10, 3), (14, 3), (20, 2)];
    private static readonly (int N, int D)[] Scale = [(8, 3), (10, 3), (14, 3), (20, 2), (50, 3), (100, 3)];
    private static readonly double[] Fractions = [0.1, 0.01];

    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        string? export = Option(args, "--export"), certify = Option(args, "--certify"), sizes = Option(args, "--sizes");
        if (export is not null) return Export(export, Option(args, "--from"), args.Contains("--force"));
        if (certify is not null) return Certify(certify);
        var list = sizes is null ? Scale : sizes.Split(',').Select(ParseSize).ToArray();
        var losses = Option(args, "--loss") is { } l ? new[] { l } : new[] { "squared", "logistic" };
        return ScaleTable(list, losses, args.Contains("--verbose"));
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static (int, int) ParseSize(string s)
    {
        var p = s.Split('x');
        return (int.Parse(p[0], Inv), int.Parse(p[1], Inv));
    }

    /// <summary>A seeded Gaussian problem with its exact pattern set and β = fraction·β_max.</summary>
    private static (ConvexProblem Problem, double EnumerationSeconds) Instance(int n, int d, string loss, double fraction)
    {
        var rng = new Random(1000 * n + d);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => Normal(rng));
        var y = loss == "logistic"
            ? Vector<double>.Build.Dense(n, _ => rng.NextDouble() < 0.5 ? -1.0 : 1.0)
            : Vector<double>.Build.Dense(n, _ => Normal(rng));
        var clock = Stopwatch.StartNew();
        var patterns = CellEnumerator.Enumerate(x);
        double enumeration = clock.Elapsed.TotalSeconds;
        var lossObj = Loss.Parse(loss);
        double betaMax = ExactPricing.Price(x, patterns, -lossObj.Gradient(Vector<double>.Build.Dense(n), y)).Rho;
        var data = Dataset.Create(x, y, $"gauss n={n} d={d}");
        return (new ConvexProblem(data, lossObj, fraction * betaMax, patterns), enumeration);
    }

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>One untimed solve, so that just-in-time compilation is not charged to the first instance.</summary>
    private static void WarmUp()
    {
        foreach (var loss in new[] { "squared", "logistic" })
            ConvexSolver.Solve(Instance(6, 2, loss, 0.05).Problem);
    }

    private static int ScaleTable((int N, int D)[] sizes, string[] losses, bool verbose)
    {
        Console.WriteLine("Certified solves over the exact pattern set (tolerance: relative gap 1e-9; gap recomputed by CertificateChecker)");
        Console.WriteLine("solve s: wall clock of the solve; cpu s: CPU time of the process over it (pricing runs on every core from 256 patterns)");
        Console.WriteLine($"{"n",4} {"d",2} {"loss",-8} {"β/βmax",6} {"patterns",8} {"status",-15} {"objective",22} {"rel.gap",9} {"outer",5} {"newton",6} {"support",7} {"enum s",7} {"solve s",8} {"cpu s",8} {"peak MB",8}");
        bool allOk = true;
        WarmUp();
        foreach (var (n, d) in sizes)
            foreach (var loss in losses)
                foreach (var f in Fractions)
                {
                    var (problem, enumSeconds) = Instance(n, d, loss, f);
                    using var process = Process.GetCurrentProcess();
                    var cpuBefore = process.TotalProcessorTime;
                    var r = ConvexSolver.Solve(problem, new SolverSettings { Progress = Console.Error, Verbose = verbose });
                    process.Refresh();
                    double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
                    var check = problem.Certify(r.W);
                    allOk &= r.Status == SolverStatus.Optimal && check.RelativeGap <= 1e-9;
                    long peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
                    Console.WriteLine(string.Create(Inv,
                        $"{n,4} {d,2} {loss,-8} {f,6} {problem.Patterns!.Count,8} {r.StatusName,-15} {r.Objective,22:R} {check.RelativeGap,9:E1} {r.Iterations,5} {r.NewtonSteps,6} {r.W.NonZeroBlocks.Count(),7} {enumSeconds,7:F2} {r.Seconds,8:F2} {cpu,8:F2} {peak,8}"));
                }
        Console.WriteLine(allOk ? "all instances certified at relative gap ≤ 1e-9" : "SOME INSTANCES NOT CERTIFIED");
        return allOk ? 0 : 1;
    }

    /// <summary>The side-by-side problems: the seeded Gaussian ones, or those of the data files in <paramref name="from"/>.</summary>
    private static IEnumerable<(string Name, ConvexProblem Problem)> SideBySideProblems(string? from)
    {
        if (from is null)
        {
            foreach (var (n, d) in SideBySide)
                foreach (var f in Fractions)
                    yield return (string.Create(Inv, $"n{n}_d{d}_f{f}"), Instance(n, d, "squared", f).Problem);
            yield break;
        }
        foreach (var file in Directory.GetFiles(from, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var p = doc.RootElement;
            if (!p.TryGetProperty("X", out var xs) || !p.TryGetProperty("beta", out var beta)) continue;
            var rows = xs.EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            var y = p.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var data = Dataset.Create(rows, y, file);
            var loss = Loss.Parse(p.TryGetProperty("loss", out var l) ? l.GetString()! : "squared",
                p.TryGetProperty("loss_scale", out var c) ? c.GetDouble() : 1.0);
            yield return (Path.GetFileNameWithoutExtension(file), new ConvexProblem(data, loss, beta.GetDouble(), CellEnumerator.Enumerate(data.X)));
        }
    }

    /// <summary>Writes each side-by-side problem (X, y, β, loss, patterns) and our solve's figures (solver and whole pipeline).</summary>
    private static int Export(string dir, string? from, bool force)
    {
        Directory.CreateDirectory(dir);
        WarmUp();
        foreach (var (name, problem) in SideBySideProblems(from))
        {
            var (r, wall, cpu, count) = BestOf(problem);
            var (pipelineWall, pipelineCount) = PipelineBestOf(problem);
            var check = problem.Certify(r.W);
            int n = problem.Data.N, d = problem.Data.D;
            using var fs = SafeFile.Create(Path.Combine(dir, name + ".problem.json"), force);
            using var w = new Utf8JsonWriter(fs);
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteStartArray("X");
            for (int i = 0; i < n; i++) { w.WriteStartArray(); for (int k = 0; k < d; k++) w.WriteNumberValue(problem.Data.X[i, k]); w.WriteEndArray(); }
            w.WriteEndArray();
            w.WriteStartArray("y");
            foreach (var v in problem.Data.Y) w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteNumber("beta", problem.Beta);
            w.WriteString("loss", problem.Loss.Name);
            w.WriteNumber("loss_scale", problem.Loss.Scale);
            w.WriteStartArray("patterns");
            foreach (var s in problem.Patterns!.Patterns) w.WriteStringValue(s.ToString());
            w.WriteEndArray();
            w.WriteStartObject("ours");
            w.WriteString("status", r.StatusName);
            w.WriteNumber("objective", r.Objective);
            w.WriteNumber("lower", check.Lower);
            w.WriteNumber("relative_gap", check.RelativeGap);
            w.WriteNumber("max_cone_violation", r.MaxConeViolation);
            w.WriteNumber("seconds", wall);
            w.WriteNumber("cpu_seconds", cpu);
            w.WriteNumber("runs", count);
            w.WriteNumber("pipeline_seconds", pipelineWall);
            w.WriteNumber("pipeline_runs", pipelineCount);
            w.WriteEndObject();
            w.WriteEndObject();
            Console.Error.WriteLine(string.Create(Inv, $"{name}: {problem.Patterns.Count} patterns, ours {r.StatusName} rel.gap {check.RelativeGap:E1}, {count} timed solves: best {wall:F4} s wall, mean {cpu:F4} s CPU; whole 'hcv solve' sequence best {pipelineWall:F4} s of {pipelineCount}"));
        }
        return 0;
    }

    /// <summary>
    /// Steady-state time of the whole in-process 'hcv solve' sequence (enumeration of S(X), then <see cref="CertifiedPipeline"/>:
    /// certified solve, optimal set, pruning, refinement, m*, ψ): best of the timed runs after <see cref="WarmUpSeconds"/> of
    /// untimed ones, at least <see cref="Repeats"/> runs and at least <see cref="TimedSeconds"/> of them.
    /// </summary>
    private static (double Wall, int Count) PipelineBestOf(ConvexProblem problem)
    {
        double Once()
        {
            var clock = Stopwatch.StartNew();
            var patterns = CellEnumerator.Enumerate(problem.Data.X);
            CertifiedPipeline.Run(new ConvexProblem(problem.Data, problem.Loss, problem.Beta, patterns));
            return clock.Elapsed.TotalSeconds;
        }
        var warm = Stopwatch.StartNew();
        do Once(); while (warm.Elapsed.TotalSeconds < WarmUpSeconds);
        double best = double.PositiveInfinity;
        int count = 0;
        var timed = Stopwatch.StartNew();
        while (count < Repeats || (timed.Elapsed.TotalSeconds < TimedSeconds && count < MaxRepeats))
        {
            best = Math.Min(best, Once());
            count++;
        }
        return (best, count);
    }

    /// <summary>At least this many timed solves of each side-by-side problem.</summary>
    private const int Repeats = 5;

    /// <summary>Timed solves continue until they have taken this much wall-clock time (or <see cref="MaxRepeats"/>).</summary>
    private const double TimedSeconds = 2.0;

    /// <summary>Upper limit on the timed solves of one problem.</summary>
    private const int MaxRepeats = 400;

    /// <summary>Untimed solves of the problem itself before timing, so that tiered JIT compilation has settled.</summary>
    private const double WarmUpSeconds = 1.0;

    /// <summary>
    /// Steady-state solve time: after <see cref="WarmUpSeconds"/> of untimed solves of the same problem, at least
    /// <see cref="Repeats"/> solves and at least <see cref="TimedSeconds"/> of them. Wall: the best solve (the solver's
    /// own clock). CPU: the process's CPU time over all timed solves divided by their number, because the kernel
    /// accounts CPU time in ticks (10 ms here) that are coarser than one small solve; the solver is single-threaded
    /// below 256 patterns, so the CPU figure mostly adds the runtime's GC and JIT threads.
    /// </summary>
    private static (SolverResult Result, double Wall, double Cpu, int Count) BestOf(ConvexProblem problem)
    {
        var warm = Stopwatch.StartNew();
        do ConvexSolver.Solve(problem); while (warm.Elapsed.TotalSeconds < WarmUpSeconds);
        SolverResult? last = null;
        double wall = double.PositiveInfinity;
        int count = 0;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (count < Repeats || (clock.Elapsed.TotalSeconds < TimedSeconds && count < MaxRepeats))
        {
            last = ConvexSolver.Solve(problem);
            wall = Math.Min(wall, last.Seconds);
            count++;
        }
        process.Refresh();
        double cpu = (process.TotalProcessorTime - before).TotalSeconds / count;
        Console.Error.WriteLine(string.Create(Inv, $"  mean wall {clock.Elapsed.TotalSeconds / count:F4} s over {count} solves"));
        return (last!, wall, cpu, count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /// <summary>A number field, NaN when absent (answers written before CPU times were recorded).</summary>
    private static double Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.GetDouble() : double.NaN;

    /// <summary>Reads each problem with its CVXOPT answer, certifies the answer with our checker, prints both.</summary>
    private static int Certify(string dir)
    {
        Console.WriteLine("Side by side on exact-pattern problems (squared loss); both certified gaps computed by CertificateChecker from each W");
        Console.WriteLine("Wall: best of several solves on each side. CPU: ours, mean CPU time of the process per solve over >= 2 s of solves after 1 s of warm-up; CVXOPT, best of its solves");
        Console.WriteLine("Pipeline: ours, best whole in-process 'hcv solve' sequence (enumeration, certified solve, optimal set, pruning, refinement, m*, ψ) after warm-up");
        Console.WriteLine($"{"problem",-30} {"blocks",6} {"ours s",8} {"ours cpu",8} {"pipeline s",10} {"ours rel.gap",12} {"cvxopt s",9} {"cvx cpu",9} {"cvxopt rel.gap",14} {"cvxopt viol",11} {"cvxopt status",-14} {"speed-up",9} {"cpu ratio",9} {"pipeline",9}");
        int missing = 0;
        var speedUps = new List<double>();
        var pipelineSpeedUps = new List<double>();
        foreach (var file in Directory.GetFiles(dir, "*.problem.json").Order(StringComparer.Ordinal))
        {
            var answer = file.Replace(".problem.json", ".cvxopt.json", StringComparison.Ordinal);
            if (!File.Exists(answer)) { Console.Error.WriteLine($"{answer} missing (run benchmarks/cvxopt/side_by_side.py first)"); missing++; continue; }
            using var pdoc = JsonDocument.Parse(File.ReadAllText(file));
            using var adoc = JsonDocument.Parse(File.ReadAllText(answer));
            var p = pdoc.RootElement;
            var rows = p.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            var y = p.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var data = Dataset.Create(rows, y, file);
            var patterns = CellEnumerator.Enumerate(data.X);
            var listed = p.GetProperty("patterns").EnumerateArray().Select(e => ActivationPattern.Parse(e.GetString()!)).ToList();
            if (listed.Count != patterns.Count || listed.Any(s => !patterns.Contains(s)))
                throw new InvalidOperationException($"{file}: stored patterns differ from the exact enumeration");
            var problem = new ConvexProblem(data, Loss.Parse(p.GetProperty("loss").GetString()!, p.GetProperty("loss_scale").GetDouble()),
                p.GetProperty("beta").GetDouble(), patterns);
            var a = adoc.RootElement;
            var blocks = a.GetProperty("blocks").EnumerateArray().Select(b => new BlockValue(
                new Block(ActivationPattern.Parse(b.GetProperty("pattern").GetString()!), b.GetProperty("sign").GetInt32()),
                Vector<double>.Build.DenseOfEnumerable(b.GetProperty("w").EnumerateArray().Select(e => e.GetDouble()))));
            var cvx = new ConvexPoint(blocks, data.D);
            var cvxCert = problem.Certify(cvx);
            var ours = p.GetProperty("ours");
            double oursSeconds = ours.GetProperty("seconds").GetDouble(), cvxSeconds = a.GetProperty("seconds").GetDouble();
            double oursCpu = Number(ours, "cpu_seconds"), cvxCpu = Number(a, "cpu_seconds"), pipeline = Number(ours, "pipeline_seconds");
            speedUps.Add(cvxSeconds / oursSeconds);
            if (!double.IsNaN(pipeline)) pipelineSpeedUps.Add(cvxSeconds / pipeline);
            Console.WriteLine(string.Create(Inv,
                $"{p.GetProperty("name").GetString(),-30} {2 * patterns.Count,6} {oursSeconds,8:F4} {oursCpu,8:F4} {pipeline,10:F4} {ours.GetProperty("relative_gap").GetDouble(),12:E1} {cvxSeconds,9:F3} {cvxCpu,9:F3} {cvxCert.RelativeGap,14:E1} {cvx.MaxConeViolation(data.X),11:E1} {a.GetProperty("status").GetString(),-14} {cvxSeconds / oursSeconds,8:F0}x {cvxCpu / oursCpu,8:F0}x {cvxSeconds / pipeline,8:F0}x"));
        }
        if (speedUps.Count > 0)
            Console.WriteLine(string.Create(Inv, $"median speed-up over {speedUps.Count} problems (wall): solver {Median(speedUps):F0}x") +
                (pipelineSpeedUps.Count > 0 ? string.Create(Inv, $", whole pipeline {Median(pipelineSpeedUps):F0}x over {pipelineSpeedUps.Count}") : ""));
        // A problem without a CVXOPT answer (not run, or timed out) is reported, not compared.
        return missing == 0 ? 0 : 1;
    }
}
