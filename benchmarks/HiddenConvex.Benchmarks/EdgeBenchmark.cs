using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Benchmarks;

/// <summary>
/// The exact path at its edge: the whole of 'hcv solve' (enumeration, certified solve, optimal set, pruning, vertex
/// refinement, m* search, ψ) timed phase by phase on planted-teacher data, and the in-process path on tiny problems.
/// <code>
/// edge                                  the table: (100,3), (200,3), (60,4) both losses; (30,5), (400,2) squared
/// edge --sizes 200x3:logistic,30x5      chosen instances (loss squared when not given)
/// edge --data FILE --beta B [--loss L]  one data file (e.g. /work/shared/repro/n30_d5_gauss_overflow.json)
/// edge --export DIR                     write each instance of the table (or of --sizes) as DIR/NAME.json for 'hcv solve'
///                                       and print its command line (refuses to overwrite)
/// edge --tiny [--repeats R]             n ≤ 10, d ≤ 3: the cold first call of the process, then warm calls (median, best)
/// edge ... --verbose                    the solver's progress lines on stderr
/// </code>
/// Data (seed = 1000·n + d, one System.Random): X with i.i.d. N(0,1) entries; a planted teacher of two ReLU neurons,
/// f(x) = σ(x·u₁) − σ(x·u₂) with u₁, u₂ ~ N(0, I_d); squared loss: y = f(X) + 0.1·ε, ε ~ N(0,1) i.i.d.;
/// logistic loss: y = sign(f(X) + 0.1·ε) (0 ↦ +1). Loss scale c = 1; β = 0.01·β_max with β_max = ρ(−∇ℓ(0)) (the smallest β
/// with W* = 0), as in 'hcv solve' with default settings (tolerance 1e-9, m* searched up to 200000 supports).
/// Post-solve phases follow SolveCommand after ConvexSolver.Solve: optimal set (OptimalSet.FromSolution), prune
/// (Prune + ToPoint + the pruned vertex's certificate), refine (VertexRefinement, only when that certificate misses
/// the target), m* (MinimumSupport), ψ (Maps.Psi). Peak MB is the process's peak working set so far (monotone over
/// the table); alloc MB is what the instance allocated; cpu is the process's CPU seconds over the instance (pricing runs on
/// every core from 256 patterns; on a shared machine it is the steadier figure).
/// </summary>
public static class EdgeBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The instances of the table, as measured with 'hcv solve --json'.</summary>
    private static readonly (int N, int D, string Loss)[] Table =
    [
        (100, 3, "squared"), (100, 3, "logistic"), (200, 3, "squared"), (200, 3, "logistic"),
        (60, 4, "squared"), (60, 4, "logistic"), (30, 5, "squared"), (400, 2, "squared"),
    ];

    /// <summary>Tiny instances of the in-process path (n ≤ 10, d ≤ 3).</summary>
    private static readonly (int N, int D, string Loss)[] Tiny =
    [
        (4, 2, "squared"), (4, 2, "logistic"), (6, 2, "squared"), (8, 3, "squared"), (8, 3, "logistic"), (10, 3, "squared"), (10, 3, "logistic"),
    ];

    private const double BetaFraction = 0.01;
    private const double NoiseLevel = 0.1;
    private const double Tolerance = 1e-9;
    private const long MaxSupportsForMStar = 200_000;

    /// <summary>Solver progress on stderr (--verbose).</summary>
    private static bool _verbose;

    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        string? sizes = Option(args, "--sizes"), export = Option(args, "--export"), file = Option(args, "--data");
        _verbose = args.Contains("--verbose");
        var list = sizes is null ? Table : sizes.Split(',').Select(ParseInstance).ToArray();
        if (export is not null) return Export(export, list);
        if (args.Contains("--tiny")) return TinyTable(int.Parse(Option(args, "--repeats") ?? "50", Inv));
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}, {Environment.ProcessorCount} cores");
        Console.WriteLine("hcv solve, phase by phase (tolerance 1e-9; planted two-neuron teacher, noise 0.1, β = 0.01·β_max; seconds of wall clock)");
        Console.WriteLine(Header);
        bool ok = true;
        if (file is not null)
        {
            var data = DataLoader.Load(file);
            var loss = Loss.Parse(Option(args, "--loss") ?? "squared");
            double beta = double.Parse(Option(args, "--beta") ?? throw new ArgumentException("--data needs --beta"), Inv);
            ok &= Print(Path.GetFileName(file), Measure(data, loss, beta));
            return ok ? 0 : 1;
        }
        foreach (var (n, d, lossName) in list)
        {
            var (data, loss, beta) = Instance(n, d, lossName);
            var clock = Stopwatch.StartNew();
            try { ok &= Print($"{n}x{d} {lossName}", Measure(data, loss, beta)); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // What 'hcv solve' reports as an internal error (exit 3): the row says where, and the table goes on.
                var frame = new StackTrace(e, fNeedFileInfo: true).GetFrames().FirstOrDefault(fr => fr.GetFileName() is not null);
                Console.WriteLine(string.Create(Inv, $"{$"{n}x{d} {lossName}",-16} internal error after {clock.Elapsed.TotalSeconds:F2} s: {e.GetType().Name} in {frame?.GetMethod()?.DeclaringType?.Name}.{frame?.GetMethod()?.Name} ({Path.GetFileName(frame?.GetFileName())}:{frame?.GetFileLineNumber()})"));
                ok = false;
            }
        }
        return ok ? 0 : 1;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>"NxD" or "NxD:loss".</summary>
    private static (int, int, string) ParseInstance(string s)
    {
        var parts = s.Split(':');
        var nd = parts[0].Split('x');
        return (int.Parse(nd[0], Inv), int.Parse(nd[1], Inv), parts.Length > 1 ? parts[1] : "squared");
    }

    /// <summary>The planted-teacher data set of the class comment and β = 0.01·β_max.</summary>
    public static (Dataset Data, Loss Loss, double Beta) Instance(int n, int d, string lossName)
    {
        var rng = new Random(1000 * n + d);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => Normal(rng));
        var u1 = Vector<double>.Build.Dense(d, _ => Normal(rng));
        var u2 = Vector<double>.Build.Dense(d, _ => Normal(rng));
        var f = (x * u1).PointwiseMaximum(0) - (x * u2).PointwiseMaximum(0);
        var noisy = f + Vector<double>.Build.Dense(n, _ => NoiseLevel * Normal(rng));
        var loss = Loss.Parse(lossName);
        var y = loss.Targets == TargetDomain.SignLabels ? noisy.Map(t => t >= 0 ? 1.0 : -1.0) : noisy;
        var data = Dataset.Create(x, y, $"teacher n={n} d={d} {lossName}");
        return (data, loss, BetaFraction * BetaMax(data, loss));
    }

    /// <summary>β_max = ρ(−∇ℓ(0)) over the exact pattern set.</summary>
    private static double BetaMax(Dataset data, Loss loss) =>
        ExactPricing.Price(data.X, CellEnumerator.Enumerate(data.X), -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Figures of one run of the 'hcv solve' sequence.</summary>
    private sealed record Figures(int Cells, double Enumerate, SolverResult Result, double CertifiedGap, double OptimalSet, double Prune,
        double Refine, double MStarSeconds, double Psi, double Total, double Cpu, int? Active, string MStar, int Support, string Note, long AllocatedMb, long PeakMb)
    {
        public double PostSolve => OptimalSet + Prune + Refine + MStarSeconds + Psi;
    }

    /// <summary>The enumeration and the certified pipeline of 'hcv solve' (<see cref="CertifiedPipeline"/>), each phase timed.</summary>
    private static Figures Measure(Dataset data, Loss loss, double beta)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var patterns = CellEnumerator.Enumerate(data.X);
        double enumerate = clock.Elapsed.TotalSeconds;
        var problem = new ConvexProblem(data, loss, beta, patterns);
        var solution = CertifiedPipeline.Run(problem, new PipelineSettings
        {
            Solver = new SolverSettings { Tolerance = Tolerance, Verbose = _verbose, Progress = _verbose ? Console.Error : null }.Validated(), MaxSupportsForMStar = MaxSupportsForMStar,
        });
        double total = clock.Elapsed.TotalSeconds;
        var t = solution.Timings;
        string note = solution.OptimalSetFailure ?? (solution.Pruned is not null && !solution.UsedPruned ? "pruned vertex not used" : "");
        // The certified gap is recomputed independently of the solver, as the solve benchmark does.
        double gap = problem.Certify(solution.Solve.W).RelativeGap;
        using var process = Process.GetCurrentProcess();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new Figures(patterns.Count, enumerate, solution.Solve, gap, t.OptimalSet, t.Prune, t.Refine, t.MStar, t.Psi, total, cpu,
            solution.OptimalSet?.Active.Count, MStarText(solution.MStarBounds), solution.Final.NonZeroBlocks.Count(), note,
            (GC.GetTotalAllocatedBytes(precise: false) - allocated) >> 20, process.PeakWorkingSet64 >> 20);
    }

    private static readonly string Header =
        $"{"instance",-16} {"cells",7} {"enum",6} {"solver",7} {"optset",6} {"prune",6} {"refine",6} {"m*",6} {"ψ",5} {"post",6} {"total",7} {"cpu",7} " +
        $"{"outer",5} {"newton",6} {"wset",5} {"active",6} {"m*",6} {"supp",4} {"status",-15} {"rel.gap",8} {"alloc MB",8} {"peak MB",7}  note";

    private static bool Print(string name, Figures f)
    {
        var r = f.Result;
        Console.WriteLine(string.Create(Inv,
            $"{name,-16} {f.Cells,7} {f.Enumerate,6:F2} {r.Seconds,7:F2} {f.OptimalSet,6:F2} {f.Prune,6:F2} {f.Refine,6:F2} {f.MStarSeconds,6:F2} {f.Psi,5:F2} {f.PostSolve,6:F2} {f.Total,7:F2} {f.Cpu,7:F2} " +
            $"{r.Iterations,5} {r.NewtonSteps,6} {r.WorkingSetSize,5} {Show(f.Active),6} {f.MStar,6} {f.Support,4} {r.StatusName,-15} {f.CertifiedGap,8:E1} {f.AllocatedMb,8} {f.PeakMb,7}  {f.Note}"));
        return r.Status == SolverStatus.Optimal && f.CertifiedGap <= Tolerance;
    }

    /// <summary>m* when the search proved it, else its bracket "lo..hi"; "-" when it did not run.</summary>
    private static string MStarText(MinimumSupportBounds? b) =>
        b is null ? "-" : b.Exact ? b.AtMost.ToString(Inv) : string.Create(Inv, $"{b.AtLeast}..{b.AtMost}");

    private static string Show(int? value) => value is int v ? v.ToString(Inv) : "-";

    /// <summary>
    /// The in-process path on tiny problems: the first call of the process (JIT compilation included) once, then
    /// <paramref name="repeats"/> warm calls of each instance (median and best, with the solver's share).
    /// </summary>
    private static int TinyTable(int repeats)
    {
        Console.WriteLine($"in-process 'hcv solve' sequence on tiny problems (planted teacher, β = 0.01·β_max); warm: {repeats} calls after 3 untimed ones");
        var (d0, l0, b0) = Instance(Tiny[0].N, Tiny[0].D, Tiny[0].Loss);
        var first = Stopwatch.StartNew();
        var cold = Measure(d0, l0, b0);
        Console.WriteLine(string.Create(Inv,
            $"cold first call ({Tiny[0].N}x{Tiny[0].D} {Tiny[0].Loss}): {first.Elapsed.TotalSeconds * 1000:F1} ms (enumeration {cold.Enumerate * 1000:F1}, solver {cold.Result.Seconds * 1000:F1}, post-solve {cold.PostSolve * 1000:F1}), status {cold.Result.StatusName}"));
        Console.WriteLine("alloc KB: bytes allocated per call on the calling thread (the pipeline runs single-threaded below 256 patterns); gen0: " +
            "Gen0 collections per 100 calls; GC ms: the runtime's GC pause time per call; solver KB / solver gen0: the same for the certified solve alone (ConvexSolver.Solve, same settings)");
        Console.WriteLine($"{"instance",-16} {"cells",5} {"median ms",9} {"best ms",8} {"enum ms",8} {"solver ms",9} {"post ms",8} {"outer",5} {"newton",6} {"alloc KB",8} {"gen0",5} {"GC ms",6} {"solver KB",9} {"solver gen0",11} {"status",-10}");
        bool ok = true;
        foreach (var (n, d, lossName) in Tiny)
        {
            var (data, loss, beta) = Instance(n, d, lossName);
            for (int i = 0; i < 3; i++) Measure(data, loss, beta);
            var (perCall, gen0, pause) = Allocations(repeats, out var runs, () => Measure(data, loss, beta));
            runs = runs.OrderBy(f => f.Total).ToList();
            var problem = new ConvexProblem(data, loss, beta, CellEnumerator.Enumerate(data.X));
            var (solverPerCall, solverGen0, _) = Allocations(repeats, out _, () => ConvexSolver.Solve(problem, SolverSettingsOfTable()));
            var median = runs[runs.Count / 2];
            ok &= median.Result.Status == SolverStatus.Optimal;
            Console.WriteLine(string.Create(Inv,
                $"{$"{n}x{d} {lossName}",-16} {median.Cells,5} {median.Total * 1000,9:F2} {runs[0].Total * 1000,8:F2} {median.Enumerate * 1000,8:F2} {median.Result.Seconds * 1000,9:F2} {median.PostSolve * 1000,8:F2} {median.Result.Iterations,5} {median.Result.NewtonSteps,6} {perCall >> 10,8} {gen0 * 100.0 / repeats,5:F1} {pause.TotalMilliseconds / repeats,6:F3} {solverPerCall >> 10,9} {solverGen0 * 100.0 / repeats,11:F1} {median.Result.StatusName,-10}"));
        }
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Runs <paramref name="call"/> <paramref name="repeats"/> times: bytes allocated per call on this thread (deterministic,
    /// unlike the times on a shared machine), the Gen0 collections and the GC pause time over all calls.
    /// </summary>
    private static (long PerCall, int Gen0, TimeSpan Pause) Allocations<T>(int repeats, out List<T> results, Func<T> call)
    {
        int gen0 = GC.CollectionCount(0);
        var pause = GC.GetTotalPauseDuration();
        long before = GC.GetAllocatedBytesForCurrentThread();
        results = new List<T>(repeats);
        for (int i = 0; i < repeats; i++) results.Add(call());
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / repeats;
        return (perCall, GC.CollectionCount(0) - gen0, GC.GetTotalPauseDuration() - pause);
    }

    /// <summary>The solver settings <see cref="Measure"/> gives the pipeline (without progress output).</summary>
    private static SolverSettings SolverSettingsOfTable() => new SolverSettings { Tolerance = Tolerance }.Validated();

    /// <summary>Writes each instance as a data file for 'hcv solve' and prints the command that solves it.</summary>
    private static int Export(string dir, (int N, int D, string Loss)[] list)
    {
        Directory.CreateDirectory(dir);
        foreach (var (n, d, lossName) in list)
        {
            var (data, _, beta) = Instance(n, d, lossName);
            string path = Path.Combine(dir, $"teacher_n{n}_d{d}_{lossName}.json");
            using (var fs = SafeFile.Create(path, force: false))
            using (var w = new Utf8JsonWriter(fs))
            {
                w.WriteStartObject();
                JsonArrays.WriteMatrix(w, "X", data.X);
                JsonArrays.WriteVector(w, "y", data.Y);
                w.WriteEndObject();
            }
            Console.WriteLine(string.Create(Inv, $"hcv solve {path} --beta {beta:R} --loss {lossName} --json"));
        }
        return 0;
    }
}
