using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>
/// Pattern sets for tests, built independently of the production enumerator: exactly for d ≤ 2
/// (cells of a central line arrangement in the plane are the arcs between consecutive boundary
/// angles), and by random sampling for any d.
/// </summary>
public static class TestPatterns
{
    /// <summary>The exact S(X) for d = 1 or d = 2, one interior witness per cell, ordered by angle.</summary>
    public static PatternSet Exact(Matrix<double> x)
    {
        int rank = x.Rank();
        if (x.ColumnCount == 1)
        {
            var cells = new List<Cell>();
            foreach (double sign in new[] { 1.0, -1.0 })
            {
                var w = Vector<double>.Build.Dense(1, sign);
                var s = ActivationPattern.OfDirection(x, w);
                if (!cells.Any(c => c.Pattern.Equals(s))) cells.Add(new Cell(s, w));
            }
            return new PatternSet(cells, true, rank, "exact (test, d = 1)", x.RowCount);
        }
        if (x.ColumnCount != 2) throw new ArgumentException("exact test enumeration is for d ≤ 2");
        var angles = new List<double>();
        for (int j = 0; j < x.RowCount; j++)
        {
            if (x[j, 0] == 0 && x[j, 1] == 0) continue;
            double a = Math.Atan2(x[j, 1], x[j, 0]);
            angles.Add(Wrap(a + Math.PI / 2));
            angles.Add(Wrap(a - Math.PI / 2));
        }
        angles.Sort();
        var distinct = new List<double>();
        foreach (var a in angles) if (distinct.Count == 0 || a - distinct[^1] > 1e-12) distinct.Add(a);
        if (distinct.Count > 1 && distinct[0] + 2 * Math.PI - distinct[^1] <= 1e-12) distinct.RemoveAt(distinct.Count - 1);
        var mids = new List<double>();
        if (distinct.Count == 0) mids.Add(0.3);
        for (int k = 0; k < distinct.Count; k++)
        {
            double next = k + 1 < distinct.Count ? distinct[k + 1] : distinct[0] + 2 * Math.PI;
            mids.Add(0.5 * (distinct[k] + next));
        }
        var result = new List<Cell>();
        foreach (var m in mids)
        {
            var w = Vector<double>.Build.DenseOfArray([Math.Cos(m), Math.Sin(m)]);
            var s = ActivationPattern.OfDirection(x, w);
            if (!result.Any(c => c.Pattern.Equals(s))) result.Add(new Cell(s, w));
        }
        return new PatternSet(result, true, rank, "exact (test, d = 2)", x.RowCount);
    }

    /// <summary>Patterns of random Gaussian directions that are strictly inside a cell (not exact).</summary>
    public static PatternSet Sampled(Matrix<double> x, int directions, int seed)
    {
        var rng = new Random(seed);
        var cells = new Dictionary<ActivationPattern, Cell>();
        var order = new List<ActivationPattern>();
        for (int k = 0; k < directions; k++)
        {
            var w = Gaussian(rng, x.ColumnCount);
            var z = x * w;
            bool interior = true;
            for (int j = 0; j < x.RowCount; j++)
                if (x.Row(j).L2Norm() > 0 && Math.Abs(z[j]) <= 1e-9 * x.Row(j).L2Norm()) interior = false;
            if (!interior) continue;
            var s = ActivationPattern.OfDirection(x, w);
            if (cells.TryAdd(s, new Cell(s, w))) order.Add(s);
        }
        return new PatternSet(order.Select(s => cells[s]).ToList(), false, x.Rank(), $"sampled:{directions} (test, seed {seed})", x.RowCount);
    }

    /// <summary>A pattern set with the given cells in the given order (for order-dependent rules).</summary>
    public static PatternSet Reordered(PatternSet set, IEnumerable<int> order) =>
        new(order.Select(i => set.Cells[i]).ToList(), set.IsExact, set.Rank, set.Method + " reordered", set.N);

    public static Vector<double> Gaussian(Random rng, int d) =>
        Vector<double>.Build.Dense(d, _ => Normal(rng));

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public static Matrix<double> GaussianMatrix(Random rng, int n, int d) =>
        Matrix<double>.Build.Dense(n, d, (_, _) => Normal(rng));

    /// <summary>Random data in general position (Gaussian), targets Gaussian or ±1.</summary>
    public static Dataset Data(Random rng, int n, int d, bool labels = false) =>
        Dataset.Create(GaussianMatrix(rng, n, d),
            Vector<double>.Build.Dense(n, _ => labels ? (rng.NextDouble() < 0.5 ? -1 : 1) : Normal(rng)), "test");

    public static Dataset Data(double[,] x, double[] y) =>
        Dataset.Create(Matrix<double>.Build.DenseOfArray(x), Vector<double>.Build.DenseOfArray(y), "test");

    private static double Wrap(double a)
    {
        while (a < 0) a += 2 * Math.PI;
        while (a >= 2 * Math.PI) a -= 2 * Math.PI;
        return a;
    }
}
