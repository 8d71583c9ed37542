using System.Diagnostics;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;

namespace HiddenConvex.Benchmarks;

/// <summary>
/// Exact cell enumeration (THEORY.md §2) on seeded Gaussian data at (n, d) = (100, 3), (50, 4), (200, 3):
/// cells, Cover's count, best and median seconds over repetitions, cells per second, and the smallest
/// relative witness margin. Options: --reps K (default 5), --seed S (default 1).
/// </summary>
public static class ArrangementBenchmark
{
    private static readonly (int N, int D)[] Sizes = [(100, 3), (50, 4), (200, 3)];

    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        int reps = IntOption(args, "--reps", 5);
        int seed = IntOption(args, "--seed", 1);
        if (reps < 1) { Console.Error.WriteLine("--reps must be at least 1"); return 2; }

        Console.WriteLine("wall-clock seconds (best and median); CPU seconds of the process (includes the runtime's GC threads)");
        Console.WriteLine($"exact cell enumeration, Gaussian X (seed {seed}), {reps} repetitions, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"n",5} {"d",3} {"cells",9} {"Cover",9} {"best s",9} {"median s",9} {"cells/s (best)",15} {"min margin",11} {"best CPU s",11}");
        bool allMatch = true;
        foreach (var (n, d) in Sizes)
        {
            var x = Matrix<double>.Build.Random(n, d, new Normal(0, 1, new MersenneTwister(seed)));
            CellEnumerator.Enumerate(x); // warm-up (JIT)
            var times = new double[reps];
            var cpu = new double[reps];
            PatternSet set = null!;
            var process = Process.GetCurrentProcess();
            for (int r = 0; r < reps; r++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                set = CellEnumerator.Enumerate(x);
                times[r] = sw.Elapsed.TotalSeconds;
                process.Refresh();
                cpu[r] = (process.TotalProcessorTime - cpu0).TotalSeconds;
            }
            Array.Sort(times);
            Array.Sort(cpu);
            double best = times[0], median = times[reps / 2];
            long cover = CoverCount.GeneralPosition(n, d);
            allMatch &= set.Count == cover;
            double margin = CellEnumerator.MinimumRelativeMargin(x, set);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n,5} {d,3} {set.Count,9} {cover,9} {best,9:F4} {median,9:F4} {set.Count / best,15:F0} {margin,11:E2} {cpu[0],11:F4}"));
        }
        if (!allMatch) Console.WriteLine("MISMATCH: a cell count differs from Cover's formula");
        return allMatch ? 0 : 1;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }
}
