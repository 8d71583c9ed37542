using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// What the exact path (enumerate S(X), price every block) would cost, known before a single cell is built
/// (THEORY.md §2): an upper bound on |S(X)| from the numbers of distinct nonzero rows N and the rank r,
/// Cov(N, r) = 2 Σ_{k&lt;r} C(N−1, k) (Cover/Whitney; equal in general position, an upper bound for degenerate data), and
/// the memory its enumeration and pricing tables take.
/// </summary>
public sealed record ExactPathEstimate(int Rows, int DistinctRows, int Rank, double CellBound, double BytesNeeded)
{
    /// <summary>The estimate in words, e.g. "at most 9 902 cells (n = 100, 100 distinct rows, rank 3), 21 MB".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"at most {FormatCount(CellBound)} cells (n = {Rows}, {DistinctRows} distinct nonzero rows, rank {Rank}), about {FormatBytes(BytesNeeded)}");

    private static string FormatCount(double c) => c < 1e9 ? c.ToString("N0", CultureInfo.InvariantCulture) : c.ToString("E2", CultureInfo.InvariantCulture);

    private static string FormatBytes(double b)
    {
        var inv = CultureInfo.InvariantCulture;
        if (b < 1 << 20) return (b / 1024).ToString("F0", inv) + " kB";
        if (b < 1L << 30) return (b / (1 << 20)).ToString("F0", inv) + " MB";
        double gb = b / (1L << 30);
        return gb.ToString(gb < 1e6 ? "F1" : "E2", inv) + " GB";
    }
}

/// <summary>
/// The guard of the exact path (THEORY.md §2): <see cref="Estimate"/> before enumerating, and whether the enumeration fits
/// a memory bound. Above it the exact path is not started: `--patterns auto` then picks the scalable method, and an
/// explicit request for the exact path fails with the numbers.
/// </summary>
public static class ExactPathGuard
{
    /// <summary>Default memory bound of the whole process (4 GiB), of which the exact path may take <see cref="ExactShare"/>.</summary>
    public const double DefaultMemoryBound = 4.0 * (1L << 30);

    /// <summary>Share of the memory bound the enumeration and its pricing tables may take (the solver needs the rest).</summary>
    public const double ExactShare = 0.5;

    /// <summary>
    /// Bytes per cell: the enumeration's witness (8r) and sign bits (8⌈n/64⌉) with the table's growth by doubling, the
    /// pattern set's cell (pattern object, witness vector, record: ≈ 200 bytes + 8⌈n/64⌉ + 8d), and the pricing oracle's
    /// sign table (8n) and per-call memo: direction and its norm (8d + 8), and per block (two a cell) value, bound and
    /// multiplier mass (48).
    /// </summary>
    public static double BytesPerCell(int n, int d, int rank)
    {
        double words = Math.Ceiling(n / 64.0);
        return 2 * (8 * rank + 8 * words + 8) + (200 + 8 * words + 8 * d) + (8 * n + 8 * d + 56);
    }

    /// <summary>The estimate for data X: distinct nonzero rows (up to sign and positive scale, exactly), the numerical rank, Cov(N, r).</summary>
    public static ExactPathEstimate Estimate(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Guard.Finite(x, "data", "X");
        int rank = RowSpace.Of(x).Rank;
        int distinct = DistinctNonzeroRows(x);
        double cells = rank == 0 ? 1 : CoverBound(distinct, rank);
        return new ExactPathEstimate(x.RowCount, distinct, rank, cells, cells * BytesPerCell(x.RowCount, x.ColumnCount, rank));
    }

    /// <summary>Whether the exact path fits in <paramref name="memoryBound"/> bytes (its share <see cref="ExactShare"/> of it).</summary>
    public static bool Fits(ExactPathEstimate estimate, double memoryBound = DefaultMemoryBound) =>
        estimate.BytesNeeded <= ExactShare * memoryBound;

    /// <summary>Cov(N, r) = 2 Σ_{k=0}^{r−1} C(N−1, k) in floating point (exact below 2^53, an over-estimate never an under-estimate beyond).</summary>
    public static double CoverBound(int hyperplanes, int rank)
    {
        if (hyperplanes <= 0) return 1;
        double sum = 0, binomial = 1;
        for (int k = 0; k < rank && k <= hyperplanes - 1; k++)
        {
            sum += binomial;
            binomial = binomial * (hyperplanes - 1 - k) / (k + 1);
        }
        return 2 * sum * (1 + 1e-15);
    }

    /// <summary>
    /// Nonzero rows counted once per hyperplane: rows equal after normalisation up to sign are one hyperplane. Only exact
    /// coincidences are merged, so the count is an upper bound on the enumerator's (which also merges near-duplicates).
    /// </summary>
    private static int DistinctNonzeroRows(Matrix<double> x)
    {
        var seen = new HashSet<string>();
        for (int j = 0; j < x.RowCount; j++)
        {
            var row = x.Row(j);
            double norm = Norms.Euclidean(row);
            if (norm == 0) continue;
            int lead = 0;
            while (row[lead] == 0) lead++;
            double sign = row[lead] > 0 ? 1 : -1;
            seen.Add(string.Join(",", row.Select(v => (sign * v / norm).ToString("R", CultureInfo.InvariantCulture))));
        }
        return seen.Count;
    }
}
