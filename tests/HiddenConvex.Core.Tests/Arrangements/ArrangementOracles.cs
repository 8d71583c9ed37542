using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// Cell counts of central arrangements computed independently of the enumerator: by counting lines
/// (d = 2), by Euler's formula on the sphere (d = 3) and by Whitney's subset sum with exact integer
/// ranks (any d, small n). THEORY.md §2.
/// </summary>
internal static class ArrangementOracles
{
    /// <summary>d = 1: the hyperplane {0} exists iff some row is nonzero.</summary>
    public static int CountLine(Matrix<double> x) =>
        Enumerable.Range(0, x.RowCount).Any(j => x[j, 0] != 0) ? 2 : 1;

    /// <summary>
    /// d = 2: 2 × the number of distinct lines through the origin (1 when all rows vanish).
    /// Two rows give one line when |x_i × x_j| ≤ 1e-12 ‖x_i‖ ‖x_j‖ (exact zero for integer data).
    /// </summary>
    public static int CountPlane(Matrix<double> x)
    {
        var lines = new List<(double A, double B)>();
        for (int j = 0; j < x.RowCount; j++)
        {
            double a = x[j, 0], b = x[j, 1];
            if (a == 0 && b == 0) continue;
            bool known = lines.Any(l => Math.Abs(l.A * b - l.B * a) <= 1e-12 * Math.Sqrt((l.A * l.A + l.B * l.B) * (a * a + b * b)));
            if (!known) lines.Add((a, b));
        }
        return lines.Count == 0 ? 1 : 2 * lines.Count;
    }

    /// <summary>
    /// d = 3, integer rows: Euler's formula for the great circles on the sphere,
    /// regions = 2 + 2 Σ_L (m_L − 1) over the intersection lines L of the distinct planes,
    /// m_L = number of planes containing L (1 region without planes, 2 with one plane).
    /// </summary>
    public static int CountSpaceEuler(long[][] rows)
    {
        var planes = DistinctHyperplanes(rows);
        if (planes.Count == 0) return 1;
        var lines = new List<long[]>();
        for (int a = 0; a < planes.Count; a++)
            for (int b = a + 1; b < planes.Count; b++)
            {
                var l = Cross(planes[a], planes[b]);
                if (!lines.Any(m => IsZero(Cross(m, l)))) lines.Add(l);
            }
        int regions = 2;
        foreach (var l in lines)
        {
            int m = planes.Count(p => p[0] * l[0] + p[1] * l[1] + p[2] * l[2] == 0);
            regions += 2 * (m - 1);
        }
        return regions;
    }

    /// <summary>
    /// Any d, integer rows, at most 16 distinct hyperplanes: Whitney's formula for the characteristic
    /// polynomial with Zaslavsky's theorem, regions = Σ_{B ⊆ A} (−1)^{|B| − rank B}, ranks exact.
    /// </summary>
    public static long CountWhitney(long[][] rows)
    {
        var planes = DistinctHyperplanes(rows);
        if (planes.Count > 16) throw new ArgumentException("Whitney's sum is exponential: at most 16 hyperplanes");
        long regions = 0;
        for (int mask = 0; mask < 1 << planes.Count; mask++)
        {
            var subset = Enumerable.Range(0, planes.Count).Where(i => (mask >> i & 1) != 0).Select(i => planes[i]).ToArray();
            int excess = subset.Length - ExactRank(subset);
            regions += excess % 2 == 0 ? 1 : -1;
        }
        return regions;
    }

    /// <summary>Rows of the integer matrix that span distinct lines (exact: rank of the pair is 2); zero rows dropped.</summary>
    public static List<long[]> DistinctHyperplanes(long[][] rows)
    {
        var planes = new List<long[]>();
        foreach (var r in rows)
        {
            if (r.All(v => v == 0)) continue;
            if (!planes.Any(p => ExactRank([p, r]) == 1)) planes.Add(r);
        }
        return planes;
    }

    /// <summary>
    /// Rank over the rationals by division-free elimination in arbitrary precision (row i becomes
    /// pivot·row i − a_i,col·pivot row, which keeps the rank; entries grow, but d is small).
    /// </summary>
    public static int ExactRank(long[][] rows)
    {
        if (rows.Length == 0) return 0;
        int n = rows.Length, d = rows[0].Length;
        var a = rows.Select(r => r.Select(v => new BigInteger(v)).ToArray()).ToArray();
        int rank = 0;
        for (int col = 0; col < d && rank < n; col++)
        {
            int pivot = -1;
            for (int i = rank; i < n; i++) if (!a[i][col].IsZero) { pivot = i; break; }
            if (pivot < 0) continue;
            (a[rank], a[pivot]) = (a[pivot], a[rank]);
            for (int i = rank + 1; i < n; i++)
            {
                for (int k = col + 1; k < d; k++)
                    a[i][k] = a[rank][col] * a[i][k] - a[i][col] * a[rank][k];
                a[i][col] = BigInteger.Zero;
            }
            rank++;
        }
        return rank;
    }

    private static long[] Cross(long[] a, long[] b) =>
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

    private static bool IsZero(long[] v) => v.All(e => e == 0);
}
