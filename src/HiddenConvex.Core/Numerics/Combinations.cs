namespace HiddenConvex.Core.Numerics;

/// <summary>k-subsets of {0, …, n−1} in lexicographic order (support searches of THEORY.md §6).</summary>
internal static class Combinations
{
    /// <summary>Every increasing index array of length k drawn from 0 … n−1; each yielded array is a fresh copy.</summary>
    public static IEnumerable<int[]> Of(int n, int k)
    {
        if (k < 0 || k > n) yield break;
        var idx = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])idx.Clone();
            int i = k - 1;
            while (i >= 0 && idx[i] == n - k + i) i--;
            if (i < 0) yield break;
            idx[i]++;
            for (int j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
        }
    }

    /// <summary>The binomial coefficient C(n, k), saturated at <see cref="long.MaxValue"/>.</summary>
    public static long Count(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        k = Math.Min(k, n - k);
        long c = 1;
        for (int i = 1; i <= k; i++)
        {
            // c·(n−k+i)/i is exact (C(n−k+i, i)); saturate before it overflows.
            if (c > long.MaxValue / (n - k + i)) return long.MaxValue;
            c = c * (n - k + i) / i;
        }
        return c;
    }
}
