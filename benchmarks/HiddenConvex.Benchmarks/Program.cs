using HiddenConvex.Benchmarks;

// A benchmark program prints figures; it is not a test. Usage: dotnet run -c Release --project benchmarks/HiddenConvex.Benchmarks -- <name>
// As in hcv (src/HiddenConvex.Cli/Program.cs): MathNet's managed provider runs single-threaded, so that the figures are hcv's.
MathNet.Numerics.Control.UseSingleThread();
var benchmarks = new Dictionary<string, (string Summary, Func<string[], int> Run)>
{
    ["patterns"] = ("cells/second of exact enumeration at (n, d) = (100,3), (50,4), (200,3)", ArrangementBenchmark.Run),
    ["solve"] = ("certified solve times and gaps, and peak memory", SolverBenchmark.Run),
    ["check"] = ("hcv check time at n = 100, d = 3, m = 200", CheckBenchmark.Run),
    ["edge"] = ("hcv solve phase by phase at the edge of the exact path (planted teacher); --tiny: n ≤ 10", EdgeBenchmark.Run),
    ["bnb"] = ("branch-and-bound pricing brackets on planted-teacher data, (200,3) to (1000,20)", BranchAndBoundBenchmark.Run),
};
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine("usage: HiddenConvex.Benchmarks <name> [options]\n");
    foreach (var (name, b) in benchmarks) Console.Error.WriteLine($"  {name,-10} {b.Summary}");
    return args.Length == 0 ? 0 : 2;
}
return bench.Run(args[1..]);
