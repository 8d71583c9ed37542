using System.Diagnostics;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Training;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Benchmarks;

/// <summary>
/// Branch-and-bound pricing (<see cref="BranchAndBoundPricing"/>, THEORY.md §4) on planted-teacher data: how fast the
/// proven bracket ρ̲ ≤ ρ(v) ≤ ρ̄ forms and narrows for realistic dual vectors v.
/// <code>
/// bnb                                  all sizes (n, d) ∈ {(200,3), (1000,10), (5000,5), (2000,3), (1000,20)}, 60 s per case
/// bnb --sizes 200x3,1000x10            chosen sizes
/// bnb --time 10                        time limit per case in seconds (the widths are printed at 1 s, 10 s, 60 s)
/// bnb --beta 1e-3                      a fixed β instead of the default 0.1·β_max
/// bnb --cases net50,net2,init,sampled  chosen dual vectors
/// </code>
/// Data (seed 1000·n + d): X with i.i.d. N(0,1) entries; y = σ(X t₁) − σ(X t₂) + 0.1·N(0,1) with Gaussian teacher directions
/// t₁, t₂. Squared loss with c = 2/n. β_max = ρ(−∇ℓ(0)) is itself bracketed by the search (20 s; its lower value is used).
/// Dual vectors v = −∇ℓ(z): net50 / net2 = z of a width-50 / width-2 network trained by our trainer (L-BFGS, 2000
/// iterations, seed 1); init = z of the untrained width-50 initialisation; sampled = z of the convex program's solution over
/// a sampled pattern set (<see cref="PatternSampler"/>, 200 directions, completed with the cells of the width-50 network's
/// neurons; solver time limit 120 s), whose own pricing over those patterns is ≤ β once solved: v is near an optimum, and
/// ρ(v) ≤ β would certify it. Seeds of the search: the network's neurons, or the solution's nonzero blocks.
/// Printed per case: time to the first proven bracket; ρ̄/ρ̲ − 1 and ρ̄/β − 1 at 1 s, 10 s and the time limit (the
/// bracket of the last progress report before each mark; Lower only grows and Upper only shrinks); when ρ̲ first exceeded β
/// (a refutation) and when ρ̄ first fell to β(1 + 1e−6) (a certificate); nodes, open-list peak, status and the process's
/// peak working set so far. At (200, 3) the exact ρ by enumeration is printed for comparison.
/// </summary>
public static class BranchAndBoundBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly (int N, int D)[] DefaultSizes = [(200, 3), (1000, 10), (5000, 5), (2000, 3), (1000, 20)];
    private const double CertificateMargin = 1e-6;

    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        var sizes = Option(args, "--sizes") is { } s ? s.Split(',').Select(ParseSize).ToArray() : DefaultSizes;
        double time = Option(args, "--time") is { } t ? double.Parse(t, Inv) : 60;
        double? fixedBeta = Option(args, "--beta") is { } b ? double.Parse(b, Inv) : null;
        var cases = (Option(args, "--cases") ?? "net50,net2,init,sampled").Split(',');
        Console.WriteLine(string.Create(Inv,
            $"branch-and-bound pricing: planted two-neuron teacher, squared loss c = 2/n, β = {(fixedBeta is { } fb ? fb.ToString("G3", Inv) : "0.1·β_max")}, time limit {time} s per case, tolerance 1e-9, {Environment.ProcessorCount} cores"));
        Console.WriteLine($"{"n",5} {"d",3} {"case",-8} {"β",10} {"first s",8} {"ρ̄/ρ̲−1 @1s",11} {"@10s",9} {"@end",9} {"ρ̄/β−1 @1s",11} {"@10s",9} {"@end",9} {"ρ̲>β at",8} {"ρ̄≤β(1+1e-6)",12} {"ρ̲/β",9} {"nodes",9} {"open",8} {"status",-16} {"peak MB",8}");
        foreach (var (n, d) in sizes) RunSize(n, d, time, fixedBeta, cases);
        return 0;
    }

    private static void RunSize(int n, int d, double time, double? fixedBeta, string[] cases)
    {
        var (data, loss) = Planted(n, d);
        var pricing = new BranchAndBoundPricing(data.X);
        var atZero = -loss.Gradient(Vector<double>.Build.Dense(n), data.Y);
        var betaMax = pricing.Bracket(atZero, new BranchAndBoundSettings { TimeLimitSeconds = 20 });
        double beta = fixedBeta ?? 0.1 * betaMax.Lower;
        Console.WriteLine(string.Create(Inv,
            $"  ({n}, {d}): β_max ∈ [{betaMax.Lower:G8}, {betaMax.Upper:G8}] ({betaMax.Status}, {betaMax.Seconds:F1} s); β = {beta:G6}"));
        double? exactRho = null;
        EnumeratedPricing? exact = null;
        if (n * d <= 600)
        {
            var clock = Stopwatch.StartNew();
            exact = new EnumeratedPricing(data.X, CellEnumerator.Enumerate(data.X));
            Console.WriteLine(string.Create(Inv, $"  ({n}, {d}): exact enumeration of {exact.Patterns.Count} cells in {clock.Elapsed.TotalSeconds:F1} s"));
        }
        foreach (var name in cases)
        {
            var (v, seeds, note) = DualVector(name, data, loss, beta);
            Console.WriteLine($"  {name}: {note}");
            if (exact is not null) exactRho = exact.Price(v).Rho;
            Measure(n, d, name, beta, pricing, v, seeds, time, exactRho);
        }
    }

    private static void Measure(int n, int d, string name, double beta, BranchAndBoundPricing pricing, Vector<double> v,
        IReadOnlyList<Vector<double>> seeds, double time, double? exactRho)
    {
        var reports = new List<BracketProgress>();
        var settings = new BranchAndBoundSettings
        {
            TimeLimitSeconds = time, Seeds = seeds, Progress = reports.Add, ProgressIntervalSeconds = 0.1,
        };
        var r = pricing.Bracket(v, settings);
        BracketProgress At(double seconds) => reports.LastOrDefault(p => p.Seconds <= seconds) ?? reports[0];
        string Rel(BracketProgress p) => double.IsInfinity(p.Upper) ? "-" : p.Lower > 0 ? (p.Upper / p.Lower - 1).ToString("G3", Inv) : "inf";
        string Over(BracketProgress p) => double.IsInfinity(p.Upper) ? "-" : (p.Upper / beta - 1).ToString("G3", Inv);
        string When(Func<BracketProgress, bool> f) => reports.FirstOrDefault(f) is { } p ? p.Seconds.ToString("F2", Inv) : "-";
        var end = reports[^1];
        long peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        Console.WriteLine(string.Create(Inv,
            $"{n,5} {d,3} {name,-8} {beta,10:G4} {r.FirstBracketSeconds,8:F2} {Rel(At(1)),11} {Rel(At(10)),9} {Rel(end),9} {Over(At(1)),11} {Over(At(10)),9} {Over(end),9} {When(p => p.Lower > beta),8} {When(p => p.Upper <= beta * (1 + CertificateMargin)),12} {r.Lower / beta,9:F6} {r.Nodes,9} {r.MaxOpenNodes,8} {r.Status,-16} {peak,8}"));
        if (exactRho is { } rho)
            Console.WriteLine(string.Create(Inv,
                $"        exact ρ/β = {rho / beta:R}; bracket/β = [{r.Lower / beta:R}, {r.Upper / beta:R}]; contains it: {r.Lower <= rho && rho <= r.Upper * (1 + 1e-9)}"));
    }

    /// <summary>The dual vector of a case, the seed directions and a line describing how it was obtained.</summary>
    private static (Vector<double> V, IReadOnlyList<Vector<double>> Seeds, string Note) DualVector(string name, Dataset data, Loss loss, double beta)
    {
        int n = data.N, d = data.D;
        var clock = Stopwatch.StartNew();
        switch (name)
        {
            case "net50":
            case "net2":
            {
                int width = name == "net50" ? 50 : 2;
                var trained = Trainer.Train(data, loss, beta, width, new TrainingSettings { Seed = 1, MaxIterations = 2000 });
                var net = trained.Network;
                return (-loss.Gradient(net.Predict(data.X), data.Y), Neurons(net),
                    string.Create(Inv, $"width-{width} network trained: {trained.Status} after {trained.Iterations} iterations, L_β = {trained.Objective:G8}, {clock.Elapsed.TotalSeconds:F1} s"));
            }
            case "init":
            {
                var net = Trainer.Initialise(50, d, 1);
                return (-loss.Gradient(net.Predict(data.X), data.Y), Neurons(net), "untrained width-50 initialisation (seed 1)");
            }
            case "sampled":
            {
                // The sample is completed with the cells of a trained width-50 network's neurons, so that the restricted
                // program contains cells near the optimum (plain sampling at these sizes misses them).
                var net = Trainer.Train(data, loss, beta, 50, new TrainingSettings { Seed = 1, MaxIterations = 2000 }).Network;
                var sample = PatternSampler.Sample(data.X, 200, 7);
                var cells = sample.Cells.ToDictionary(c => c.Pattern);
                foreach (var u in Neurons(net).Where(u => u.L2Norm() > 0))
                    cells.TryAdd(ActivationPattern.OfDirection(data.X, u), new Cell(ActivationPattern.OfDirection(data.X, u), u / u.L2Norm()));
                var set = new PatternSet(cells.Values.OrderBy(c => c.Pattern.ToString(), StringComparer.Ordinal).ToList(), isExact: false,
                    sample.Rank, "sampled:200 + width-50 network cells", n);
                var problem = new ConvexProblem(data, loss, beta, set);
                var solved = ConvexSolver.Solve(problem, new SolverSettings { TimeLimitSeconds = 120 });
                var seeds = solved.W.NonZeroBlocks.Select(b => b.W).ToList();
                var vStar = -loss.Gradient(solved.W.Predict(data.X), data.Y);
                double sampledRho = problem.Oracle.Price(vStar).Rho;
                return (vStar, seeds,
                    string.Create(Inv, $"convex program over {set.Count} patterns (200 sampled directions + the width-50 network's cells): {solved.StatusName}, {seeds.Count} nonzero blocks, ρ over those patterns / β = {sampledRho / beta:R}, {clock.Elapsed.TotalSeconds:F1} s"));
            }
            default:
                throw new ArgumentException($"unknown case '{name}' (net50, net2, init, sampled)");
        }
    }

    private static List<Vector<double>> Neurons(Network net) => Enumerable.Range(0, net.Width).Select(i => net.U.Row(i)).ToList();

    /// <summary>X Gaussian, y = σ(X t₁) − σ(X t₂) + 0.1·noise, seed 1000·n + d; squared loss with c = 2/n.</summary>
    private static (Dataset Data, Loss Loss) Planted(int n, int d)
    {
        var rng = new Random(1000 * n + d);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => Gauss());
        var t1 = Vector<double>.Build.Dense(d, _ => Gauss());
        var t2 = Vector<double>.Build.Dense(d, _ => Gauss());
        var y = Vector<double>.Build.Dense(n, j => Math.Max(0, x.Row(j) * t1) - Math.Max(0, x.Row(j) * t2) + 0.1 * Gauss());
        return (Dataset.Create(x, y, string.Create(Inv, $"planted teacher n={n} d={d}")), new SquaredLoss(2.0 / n));
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
}
