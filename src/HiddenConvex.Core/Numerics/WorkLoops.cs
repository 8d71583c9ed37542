namespace HiddenConvex.Core.Numerics;

/// <summary>
/// Loops over independent items that run on every core when there are many of them and as a plain loop otherwise: on the
/// few items of a small program (a dozen patterns) the scheduling of <see cref="Parallel.For(int, int, Action{int})"/>
/// costs more than the work, even with one degree of parallelism.
/// </summary>
internal static class WorkLoops
{
    /// <summary>Fewer items than this run as a plain loop on the calling thread.</summary>
    internal const int ParallelFrom = 256;

    /// <summary>body(i) for i in [0, count): in parallel from <see cref="ParallelFrom"/> items, else in order.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count < ParallelFrom)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, Options, body);
    }

    /// <summary>
    /// body(i, scratch) for i in [0, count), with one scratch value per thread from <paramref name="scratch"/> (a work array
    /// the body reuses): in parallel from <see cref="ParallelFrom"/> items, else in order with one scratch value.
    /// </summary>
    public static void For<TScratch>(int count, Func<TScratch> scratch, Action<int, TScratch> body)
    {
        if (count < ParallelFrom)
        {
            var local = scratch();
            for (int i = 0; i < count; i++) body(i, local);
            return;
        }
        Parallel.For(0, count, Options, scratch, (i, _, local) => { body(i, local); return local; }, _ => { });
    }

    private static ParallelOptions Options => new() { MaxDegreeOfParallelism = Environment.ProcessorCount };
}
