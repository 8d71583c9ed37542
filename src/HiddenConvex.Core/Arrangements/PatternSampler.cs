using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// Random-direction sampling of patterns, for when exact enumeration is too large. The result
/// is marked <see cref="PatternSet.IsExact"/> = false and every result built on it must say so.
/// </summary>
public static class PatternSampler
{
    /// <summary>Samples <paramref name="directions"/> Gaussian directions and keeps the distinct full-dimensional patterns.</summary>
    /// <remarks>
    /// A direction u is kept only when |x_j·u| &gt; <see cref="Tolerances.SampledDirectionMargin"/>·‖x_j‖‖u‖
    /// for every nonzero row, so it lies strictly inside a full-dimensional cell (THEORY.md §2); the
    /// cell's witness is the first such u, normalised. The same seed gives the same set; cells are
    /// ordered by pattern string like <see cref="CellEnumerator"/>.
    /// </remarks>
    public static PatternSet Sample(Matrix<double> x, int directions, int seed)
    {
        ArgumentNullException.ThrowIfNull(x);
        InvalidInputException.Require(directions >= 1, $"the number of sampled directions must be at least 1, got {directions}");
        Guard.Finite(x, "data", "X");
        int d = x.ColumnCount;
        var rowNorms = Enumerable.Range(0, x.RowCount).Select(j => UnitNormals.Norm(x.Row(j).ToArray())).ToArray();
        var rng = new Random(seed);
        var found = new Dictionary<ActivationPattern, Vector<double>>();
        var u = new double[d];
        for (int t = 0; t < directions; t++)
        {
            for (int k = 0; k < d; k++) u[k] = StandardNormal(rng);
            // Stryker disable once Equality,Statement : not compilable: `is { } unit` or a removed continue leaves unit unassigned where it is read (CS0165), and Stryker, unable to name the mutant, would drop every mutant of Sample
            if (UnitNormals.Normalized(u) is not { } unit) continue;
            var direction = Vector<double>.Build.DenseOfArray(unit);
            if (!StrictlyInsideACell(x, rowNorms, direction)) continue;
            found.TryAdd(ActivationPattern.OfDirection(x, direction), direction);
        }
        var cells = found.Select(kv => new Cell(kv.Key, kv.Value))
            .OrderBy(c => c.Pattern.ToString(), StringComparer.Ordinal).ToList();
        return new PatternSet(cells, isExact: false, RowSpace.Of(x).Rank, $"sampled:{directions} (seed {seed})", x.RowCount);
    }

    private static bool StrictlyInsideACell(Matrix<double> x, double[] rowNorms, Vector<double> unit)
    {
        for (int j = 0; j < x.RowCount; j++)
        {
            if (rowNorms[j] == 0) continue;
            double a = 0;
            for (int k = 0; k < x.ColumnCount; k++) a += x[j, k] * unit[k];
            if (Math.Abs(a) <= Tolerances.SampledDirectionMargin * rowNorms[j]) return false;
        }
        return true;
    }

    /// <summary>A standard normal draw (Box–Muller), from the seeded generator only, so runs are reproducible.</summary>
    internal static double StandardNormal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
