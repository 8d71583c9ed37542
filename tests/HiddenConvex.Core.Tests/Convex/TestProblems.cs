using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>Small random problems and brute-force pattern sets for the convex-program tests.</summary>
internal static class TestProblems
{
    public static Matrix<double> Gaussian(Random rng, int n, int d) =>
        Matrix<double>.Build.Dense(n, d, (_, _) => Normal(rng));

    public static Vector<double> Gaussian(Random rng, int n) => Vector<double>.Build.Dense(n, _ => Normal(rng));

    public static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Cover's count 2 Σ_{k&lt;d} C(n−1, k) of full-dimensional cells in general position.</summary>
    public static int CoverCount(int n, int d)
    {
        long s = 0;
        for (int k = 0; k < d; k++) s += Binomial(n - 1, k);
        return (int)(2 * s);
    }

    private static long Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        long r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    /// <summary>
    /// Patterns of many random directions (almost surely interiors of full-dimensional cells),
    /// marked exact only when their number reaches <paramref name="expectedCount"/>.
    /// </summary>
    public static PatternSet SampledPatterns(Matrix<double> x, int directions, int seed, int expectedCount = -1)
    {
        var rng = new Random(seed);
        var cells = new Dictionary<ActivationPattern, Vector<double>>();
        for (int i = 0; i < directions; i++)
        {
            var u = Gaussian(rng, x.ColumnCount);
            var s = ActivationPattern.OfDirection(x, u);
            cells.TryAdd(s, u);
        }
        if (expectedCount >= 0) AddCellsAroundRays(x, rng, cells);
        var list = cells.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => new Cell(c.Key, c.Value)).ToList();
        bool exact = expectedCount >= 0 && list.Count == expectedCount;
        return new PatternSet(list, exact, x.Rank(), exact ? "exact (test sampling)" : $"sampled:{directions}", x.RowCount);
    }

    /// <summary>
    /// Every pointed cell has an extreme ray, the null space of d − 1 rows: perturbing both signs of
    /// every such ray slightly in random directions reaches the thin cells that plain sampling misses.
    /// </summary>
    private static void AddCellsAroundRays(Matrix<double> x, Random rng, Dictionary<ActivationPattern, Vector<double>> cells)
    {
        int n = x.RowCount, d = x.ColumnCount;
        if (d < 2 || n < d - 1) return;
        foreach (var rows in HiddenConvex.Core.Numerics.Combinations.Of(n, d - 1))
        {
            var sub = Matrix<double>.Build.DenseOfRowVectors(rows.Select(x.Row));
            var svd = sub.Svd(true);
            if (svd.S.Count(v => v > 1e-9 * svd.S[0]) < d - 1) continue;
            var ray = svd.VT.Row(d - 1);
            foreach (var sign in new[] { 1.0, -1.0 })
                for (int k = 0; k < 64; k++)
                {
                    var u = ray * sign + Gaussian(rng, d) * 1e-5;
                    cells.TryAdd(ActivationPattern.OfDirection(x, u), u);
                }
        }
    }


    /// <summary>Every block of W multiplied by <paramref name="factor"/>.</summary>
    public static ConvexPoint Scaled(ConvexPoint w, double factor) =>
        new(w.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * factor)), w.InputDim);

    /// <summary>A general-position Gaussian problem with all its cells found (asserted).</summary>
    public static (Dataset Data, PatternSet Patterns) GaussianProblem(int seed, int n, int d, bool labels = false)
    {
        var rng = new Random(seed);
        var x = Gaussian(rng, n, d);
        var y = labels ? Vector<double>.Build.Dense(n, _ => rng.NextDouble() < 0.5 ? -1.0 : 1.0) : Gaussian(rng, n);
        var patterns = SampledPatterns(x, 20000, seed + 1, CoverCount(n, d));
        Assert.True(patterns.IsExact, $"sampling found {patterns.Count} of {CoverCount(n, d)} cells for n={n}, d={d}");
        return (Dataset.Create(x, y, $"gauss{seed}"), patterns);
    }
}
