namespace HiddenConvex.Benchmarks;

/// <summary>Not yet written.</summary>
public static class ArrangementBenchmark
{
    /// <summary>Runs the benchmark and prints its figures.</summary>
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("not yet available");
        return 1;
    }
}
