using BitOperations = System.Numerics.BitOperations;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// Exact enumeration of the full-dimensional cells S(X) of the central arrangement
/// {u : x_j·u = 0} (THEORY.md §2), with an interior witness per cell, for any X.
/// </summary>
/// <remarks>
/// The nonzero rows are normalised, expressed in an orthonormal basis of the row space (rank r)
/// and grouped into distinct hyperplanes up to sign (<see cref="Tolerances.HyperplaneDirection"/>);
/// zero rows, duplicates, opposite and positively scaled rows thereby add no cell. The cells of the
/// distinct hyperplanes in R^r are built incrementally (<see cref="IncrementalArrangement"/>); the
/// witness of a cell is mapped back to R^d, where it is orthogonal to every direction on which all
/// rows vanish. Every witness is checked against <see cref="ActivationPattern.OfDirection"/>.
/// Cells are ordered by their pattern string ("0" before "1", row 0 first).
/// </remarks>
public static class CellEnumerator
{
    /// <summary>Enumerates S(X) exactly.</summary>
    /// <exception cref="InvalidInputException">X has a NaN or infinite entry, or its hyperplanes are
    /// too close to one another to be separated in double precision (the self-check failed).</exception>
    public static PatternSet Enumerate(Matrix<double> x, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        Guard.Finite(x, "data", "X");
        var space = RowSpace.Of(x);
        if (space.Rank == 0) return AllRowsZero(x);

        var hyperplanes = DistinctHyperplanes(space, out var rowGroup, out var rowOpposite);
        var arrangement = IncrementalArrangement.Build(hyperplanes, space.Rank, cancellationToken);

        var rows = x.ToRowArrays();
        var cells = new List<(ulong[] Bits, Cell Cell)>(arrangement.Count);
        for (int c = 0; c < arrangement.Count; c++)
        {
            var expected = RowPattern(arrangement.Signs(c), rowGroup, rowOpposite);
            var witness = space.FromCoordinates(arrangement.Witness(c));
            witness = witness.Divide(witness.L2Norm());
            var actual = PatternOf(rows, witness.AsArray());
            if (!actual.AsSpan().SequenceEqual(expected))
                throw SelfCheckFailed(x, $"the witness of cell {FromBits(expected, x.RowCount)} has pattern {FromBits(actual, x.RowCount)}");
            cells.Add((expected, new Cell(FromBits(expected, x.RowCount), witness)));
        }
        if (arrangement.Inconsistencies > 0)
            throw SelfCheckFailed(x, $"{arrangement.Inconsistencies} inconsistent split(s) while inserting hyperplanes");

        cells.Sort((a, b) => ComparePatterns(a.Bits, b.Bits));
        for (int i = 1; i < cells.Count; i++)
            if (ComparePatterns(cells[i - 1].Bits, cells[i].Bits) == 0)
                throw SelfCheckFailed(x, $"pattern {cells[i].Cell.Pattern} was found twice");
        return new PatternSet(cells.Select(c => c.Cell).ToList(), isExact: true, space.Rank, "exact", x.RowCount);
    }

    /// <summary>
    /// Smallest relative margin min_j |x_j·u| / (‖x_j‖ ‖u‖) over nonzero rows and all witnesses u of
    /// the set: how far the witnesses are from the hyperplanes (1 when X has no nonzero row).
    /// </summary>
    public static double MinimumRelativeMargin(Matrix<double> x, PatternSet set)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(set);
        var rowNorms = Enumerable.Range(0, x.RowCount).Select(j => UnitNormals.Norm(x.Row(j).ToArray())).ToArray();
        double worst = 1;
        foreach (var cell in set.Cells)
        {
            double un = cell.Witness.L2Norm();
            for (int j = 0; j < x.RowCount; j++)
            {
                if (rowNorms[j] == 0) continue;
                double a = 0;
                for (int k = 0; k < x.ColumnCount; k++) a += x[j, k] * cell.Witness[k];
                worst = Math.Min(worst, Math.Abs(a) / (rowNorms[j] * un));
            }
        }
        return worst;
    }

    /// <summary>
    /// The distinct hyperplanes as unit normals in row-space coordinates; per row, its hyperplane
    /// (−1 for a zero row) and whether the row points opposite to the hyperplane's normal.
    /// </summary>
    private static List<double[]> DistinctHyperplanes(RowSpace space, out int[] rowGroup, out bool[] rowOpposite)
    {
        int n = space.UnitRows.Count;
        var rowsWithNormal = new List<int>(n);
        var normals = new List<double[]>(n);
        for (int j = 0; j < n; j++)
        {
            if (space.UnitRows[j] is not { } row) continue;
            if (UnitNormals.Normalized(space.Coordinates(row)) is not { } h) continue;
            rowsWithNormal.Add(j);
            normals.Add(h);
        }
        var distinct = UnitNormals.DistinctUpToSign(normals, out var group, out var opposite);
        rowGroup = Enumerable.Repeat(-1, n).ToArray();
        rowOpposite = new bool[n];
        for (int i = 0; i < rowsWithNormal.Count; i++)
        {
            rowGroup[rowsWithNormal[i]] = group[i];
            rowOpposite[rowsWithNormal[i]] = opposite[i];
        }
        return distinct;
    }

    /// <summary>
    /// The bits of 1[X u ≥ 0], with the arithmetic of <see cref="ActivationPattern.OfDirection"/>
    /// (same summation order), so the result is that pattern bit for bit.
    /// </summary>
    private static ulong[] PatternOf(double[][] rows, double[] u)
    {
        var bits = new ulong[(rows.Length + 63) >> 6];
        for (int j = 0; j < rows.Length; j++)
        {
            double a = 0;
            var row = rows[j];
            for (int k = 0; k < row.Length; k++) a += row[k] * u[k];
            if (a >= 0) bits[j >> 6] |= 1UL << (j & 63);
        }
        return bits;
    }

    /// <summary>s_j = 1 for a zero row, else the sign bit of its hyperplane, flipped for an opposite row.</summary>
    private static ulong[] RowPattern(ReadOnlySpan<ulong> signs, int[] rowGroup, bool[] rowOpposite)
    {
        var bits = new ulong[(rowGroup.Length + 63) >> 6];
        for (int j = 0; j < rowGroup.Length; j++)
        {
            int g = rowGroup[j];
            bool active = g < 0 || (((signs[g >> 6] >> (g & 63)) & 1UL) != 0) != rowOpposite[j];
            if (active) bits[j >> 6] |= 1UL << (j & 63);
        }
        return bits;
    }

    private static ActivationPattern FromBits(ulong[] bits, int n)
    {
        var s = new bool[n];
        for (int j = 0; j < n; j++) s[j] = ((bits[j >> 6] >> (j & 63)) & 1UL) != 0;
        return ActivationPattern.FromBools(s);
    }

    /// <summary>The order of pattern strings: the first differing row decides, 0 before 1.</summary>
    private static int ComparePatterns(ulong[] a, ulong[] b)
    {
        for (int w = 0; w < a.Length; w++)
        {
            ulong diff = a[w] ^ b[w];
            if (diff == 0) continue;
            int t = BitOperations.TrailingZeroCount(diff);
            return ((a[w] >> t) & 1UL) == 0 ? -1 : 1;
        }
        return 0;
    }

    /// <summary>Every row is zero: one cell, the whole space, with every s_j = 1.</summary>
    private static PatternSet AllRowsZero(Matrix<double> x)
    {
        var witness = Vector<double>.Build.Dense(x.ColumnCount);
        if (x.ColumnCount > 0) witness[0] = 1;
        var cell = new Cell(ActivationPattern.FromBools(Enumerable.Repeat(true, x.RowCount).ToArray()), witness);
        return new PatternSet([cell], isExact: true, rank: 0, "exact", x.RowCount);
    }

    private static InvalidInputException SelfCheckFailed(Matrix<double> x, string what) => new(
        $"X ({x.RowCount}x{x.ColumnCount}): exact cell enumeration failed its self-check: {what}. Some rows are " +
        $"distinct hyperplanes closer to one another than double precision separates reliably (rows whose " +
        $"unit directions differ by less than {Tolerances.HyperplaneDirection:G3} are merged); de-duplicate or round " +
        "the data, or sample the patterns instead");
}
