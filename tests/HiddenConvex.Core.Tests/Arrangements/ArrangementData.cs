using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>Seeded test matrices and checks shared by the arrangement tests.</summary>
internal static class ArrangementData
{
    /// <summary>An n×d matrix of independent standard normal entries (Box–Muller on a seeded generator).</summary>
    public static Matrix<double> Gaussian(int n, int d, int seed)
    {
        var rng = new Random(seed);
        return Matrix<double>.Build.Dense(n, d, (_, _) => Normal(rng));
    }

    /// <summary>An n×d matrix of integers uniform in [−range, range].</summary>
    public static long[][] Integers(int n, int d, int range, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (long)rng.Next(-range, range + 1)).ToArray()).ToArray();
    }

    /// <summary>The integer matrix as doubles.</summary>
    public static Matrix<double> ToMatrix(long[][] rows) =>
        Matrix<double>.Build.Dense(rows.Length, rows[0].Length, (i, j) => rows[i][j]);

    /// <summary>A standard normal draw.</summary>
    public static double Normal(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());

    /// <summary>A random unit-free Gaussian direction of R^d.</summary>
    public static Vector<double> Direction(int d, Random rng) => Vector<double>.Build.Dense(d, _ => Normal(rng));

    /// <summary>
    /// The structural checks every exact set must pass: exact, n matches, each witness reproduces its
    /// pattern with <see cref="ActivationPattern.OfDirection"/>, lies strictly off every nonzero row's
    /// hyperplane, and the cells are sorted by pattern string.
    /// </summary>
    public static void AssertWellFormed(Matrix<double> x, PatternSet set)
    {
        Assert.True(set.IsExact);
        Assert.Equal("exact", set.Method);
        Assert.Equal(x.RowCount, set.N);
        var rows = x.ToRowArrays();
        var zeroRow = rows.Select(r => r.All(v => v == 0)).ToArray();
        foreach (var cell in set.Cells)
        {
            Assert.Equal(x.ColumnCount, cell.Witness.Count);
            Assert.Equal(cell.Pattern, ActivationPattern.OfDirection(x, cell.Witness));
            var w = cell.Witness.ToArray();
            for (int j = 0; j < rows.Length; j++)
            {
                double a = 0;
                for (int k = 0; k < w.Length; k++) a += rows[j][k] * w[k];
                if (zeroRow[j] ? !cell.Pattern[j] : a == 0)
                    Assert.Fail($"cell {cell.Pattern}, row {j}: " + (zeroRow[j] ? "a zero row must be active" : "the witness lies on the row's hyperplane"));
            }
        }
        var strings = set.Patterns.Select(p => p.ToString()).ToList();
        Assert.Equal(strings.Order(StringComparer.Ordinal), strings);
    }

    /// <summary>Directory of the reference instances (copied next to the tests, else found in the source tree).</summary>
    public static string ReferenceDirectory()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "Data", "reference");
        if (Directory.Exists(copied)) return copied;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "HiddenConvex.Core.Tests", "Data", "reference");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("Data/reference not found next to the tests or above them");
    }
}
