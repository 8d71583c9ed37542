using System.Diagnostics;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Training;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Benchmarks;

/// <summary>
/// Time of the global optimality check (what 'hcv check' does after loading the files: exact cell
/// enumeration + THEORY.md §9 check, without the optional convex solve) at n = 100, d = 3, m = 200, for a
/// trained and an untrained network; --solve adds the untrained check with the convex solve.
/// Usage: check [--n N] [--d D] [--m M] [--seed S] [--train-iterations K] [--solve]
/// </summary>
public static class CheckBenchmark
{
    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        int n = Arg(args, "--n", 100), d = Arg(args, "--d", 3), m = Arg(args, "--m", 200), seed = Arg(args, "--seed", 1);
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => Gauss()).ToArray()).ToArray();
        var y = x.Select(r => Math.Sin(2 * r[0]) + Math.Abs(r[1]) + 0.1 * Gauss()).ToArray();
        var data = Dataset.Create(x, y, $"gaussian(n={n}, d={d}, seed={seed})");
        var loss = new SquaredLoss(2.0 / n);
        double beta = 1e-3;
        Console.WriteLine($"check benchmark: n = {n}, d = {d}, m = {m}, squared loss c = 2/n, beta = {beta}");
        var trained = Trainer.Train(data, loss, beta, m, new TrainingSettings { Seed = seed, MaxIterations = Arg(args, "--train-iterations", 300) });
        Console.WriteLine($"  (training, not timed: {trained.Status}, {trained.Iterations} iterations, {trained.Seconds:F1} s)");
        var untrained = Trainer.Initialise(m, d, seed);

        Measure("trained (as 'hcv check')", () => Check(data, loss, beta, trained.Network, new CheckSettings()));
        Measure("untrained (as 'hcv check')", () => Check(data, loss, beta, untrained, new CheckSettings()));
        if (args.Contains("--solve"))
            Measure("untrained, with the convex solve (--solve)", () => Check(data, loss, beta, untrained, new CheckSettings { SolveConvex = true }));
        return 0;
    }

    private static OptimalityReport Check(Dataset data, Loss loss, double beta, Network net, CheckSettings settings)
    {
        var patterns = CellEnumerator.Enumerate(data.X);
        return OptimalityCheck.Check(net, data, loss, beta, patterns, settings);
    }

    private static void Measure(string label, Func<OptimalityReport> run)
    {
        var clock = Stopwatch.StartNew();
        var report = run();
        double s = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-45} {s,7:F3} s   verdict {report.VerdictName}, relative gap {report.RelativeGap:G3}"));
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
