using BitOperations = System.Numerics.BitOperations;
using System.Globalization;
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
/// rows vanish. Cells are ordered by their pattern string ("0" before "1", row 0 first).
/// <para>
/// Self-check: every witness u must give its cell's pattern under <see cref="ActivationPattern.OfDirection"/>
/// with |x_j·u| ≥ <see cref="Tolerances.WitnessMargin"/>(d)·‖x_j‖‖u‖ for every nonzero row (so the
/// computed signs are the true ones), the patterns must be distinct, and no insertion may meet a
/// numerical inconsistency. Exact degeneracies (duplicates, several hyperplanes through one line) pass;
/// distinct rows that are nearly parallel at about the merge tolerance can fail it. Then the enumeration
/// is repeated with the coarser merge tolerances <see cref="Tolerances.CoarserHyperplaneDirections"/>;
/// such a set still consists of genuine cells (each witness is checked) but is marked inexact, since
/// cells thinner than the tolerance may be missing.
/// </para>
/// <para>
/// The first enumeration makes only the decisions rounding forces: the numerical rank (singular values above
/// <see cref="RowSpace.RankRounding"/>·σ₁ count) and merges of normals within their error bounds only. When its
/// self-check passes the set is exact, thin cells included (X = [[1,0,0],[0,1,0],[1,1,1e-10]] has 8 cells, among them
/// 110 of u = (1e-11, 1e-11, −1); [[1,0,0],[0,1,0],[1,1,0.1],[1,2,0.2(1+1e-11)]] has 14). Otherwise singular values below
/// <see cref="Tolerances.HyperplaneDirection"/>·σ₁ count as zero and hyperplanes or intersections that nearly coincide
/// are merged at that tolerance; the cells thinner than that are not built, so the set is marked exact only when no
/// such truncation or merge went beyond rounding, and otherwise inexact with a method that says what was merged.
/// </para>
/// </remarks>
public static class CellEnumerator
{
    /// <summary>Enumerates S(X) exactly.</summary>
    /// <exception cref="InvalidInputException">X has a NaN or infinite entry, or the self-check failed at
    /// every merge tolerance (rows too close to parallel to be separated in double precision).</exception>
    public static PatternSet Enumerate(Matrix<double> x, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        Guard.Finite(x, "data", "X");
        var numerical = RowSpace.Of(x);
        if (numerical.Rank == 0) return AllRowsZero(x);

        var rows = x.ToRowArrays();
        // First with every decision forced by rounding: the numerical rank (only rounding-level singular values dropped)
        // and hyperplanes merged only within their error bounds (merge tolerance 0). A clean self-check there proves the
        // set exact. Full-rank data with a tiny σ_r (nearly dependent integer rows) has thin cells of relative width
        // ≈ σ_r/σ₁ that a truncation or a merge at the tolerance would lose.
        if (TryEnumerate(rows, numerical, 0, cancellationToken, out var cells, out _) is null)
            return new PatternSet(cells, isExact: true, numerical.Rank, "exact", x.RowCount);
        var space = RowSpace.Of(x, Tolerances.HyperplaneDirection);
        var firstFailure = TryEnumerate(rows, space, Tolerances.HyperplaneDirection, cancellationToken, out cells, out int merges);
        if (firstFailure is null)
            return new PatternSet(cells, isExact: false, space.Rank, UpToTolerance(space, merges), x.RowCount);
        var failures = new List<string> { Describe(Tolerances.HyperplaneDirection, firstFailure) };
        foreach (var tolerance in Tolerances.CoarserHyperplaneDirections)
        {
            if (TryEnumerate(rows, space, tolerance, cancellationToken, out cells, out _) is { } failure)
            {
                failures.Add(Describe(tolerance, failure));
                continue;
            }
            return new PatternSet(cells, isExact: false, space.Rank, string.Create(CultureInfo.InvariantCulture,
                $"exact with hyperplanes within {tolerance:G1} merged ({failures[0]}); thinner cells may be missing"),
                x.RowCount);
        }
        throw new InvalidInputException(
            $"X ({x.RowCount}x{x.ColumnCount}): exact cell enumeration failed its self-check at every merge tolerance ({string.Join("; ", failures)}): " +
            "some distinct rows are too close to parallel to be separated in double precision; de-duplicate or round the data, or sample the patterns instead");
    }

    /// <summary>The method of a set whose self-check passed but whose tolerance merged what the data can tell apart.</summary>
    private static string UpToTolerance(RowSpace space, int merges) =>
        string.Create(CultureInfo.InvariantCulture,
            $"exact up to the merge tolerance {Tolerances.HyperplaneDirection:G1} (") +
        string.Join(", ", new[]
        {
            space.TruncatedRatio > 0 ? string.Create(CultureInfo.InvariantCulture, $"a singular value {space.TruncatedRatio:G2}·σ₁ counted as zero") : null,
            merges > 0 ? $"{merges} nearly coincident hyperplane(s) or intersection(s) merged" : null,
        }.Where(part => part is not null)) + "); thinner cells may be missing";

    private static string Describe(double tolerance, string failure) =>
        string.Create(CultureInfo.InvariantCulture, $"at {tolerance:G1}: {failure}");

    /// <summary>One enumeration at a merge tolerance; returns null and the sorted cells, or what failed the self-check.</summary>
    private static string? TryEnumerate(double[][] rows, RowSpace space, double tolerance, CancellationToken cancellationToken, out List<Cell> result,
        out int toleranceMerges)
    {
        result = [];
        // The unit normals carry the rounding of normalising the rows and of the change to row-space coordinates.
        double rounding = 2 * (space.Basis.RowCount + space.Rank) * Math.Pow(2, -53);
        var hyperplanes = DistinctHyperplanes(space, tolerance, rounding, out var rowGroup, out var rowOpposite, out int rowMerges);
        var errors = Enumerable.Repeat(rounding, hyperplanes.Count).ToList();
        var arrangement = IncrementalArrangement.Build(hyperplanes, errors, space.Rank, tolerance, cancellationToken);
        toleranceMerges = rowMerges + arrangement.ToleranceMerges;
        if (arrangement.Inconsistencies > 0)
            return $"{arrangement.Inconsistencies} inconsistent split(s) while inserting hyperplanes";

        var rowNorms = rows.Select(r => UnitNormals.Norm(r)).ToArray();
        double marginFloor = Tolerances.WitnessMargin(space.Basis.RowCount);
        var cells = new List<(ulong[] Bits, Vector<double> Witness)>(arrangement.Count);
        for (int c = 0; c < arrangement.Count; c++)
        {
            var expected = RowPattern(arrangement.Signs(c), rowGroup, rowOpposite);
            var witness = space.FromCoordinates(arrangement.Witness(c));
            witness = witness.Divide(Norms.Euclidean(witness));
            var actual = PatternOf(rows, rowNorms, witness.AsArray(), out int nearest, out double margin);
            if (margin < marginFloor)
                return string.Create(CultureInfo.InvariantCulture,
                    $"the witness of cell {FromBits(expected, rows.Length)} is within {margin:G2} of the hyperplane of row {nearest} (needs {marginFloor:G2})");
            if (!actual.AsSpan().SequenceEqual(expected))
                return $"the witness of cell {FromBits(expected, rows.Length)} has pattern {FromBits(actual, rows.Length)}";
            cells.Add((expected, witness));
        }
        cells.Sort((a, b) => ComparePatterns(a.Bits, b.Bits));
        for (int i = 1; i < cells.Count; i++)
            if (ComparePatterns(cells[i - 1].Bits, cells[i].Bits) == 0)
                return $"pattern {FromBits(cells[i].Bits, rows.Length)} was found twice";
        result = cells.Select(c => new Cell(FromBits(c.Bits, rows.Length), c.Witness)).ToList();
        return null;
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
            double un = Norms.Euclidean(cell.Witness);
            for (int j = 0; j < x.RowCount; j++)
            {
                if (rowNorms[j] == 0) continue;
                double a = 0;
                // Stryker disable once Assignment : a starts at 0, so -= gives exactly the negated sum (rounding to nearest is symmetric) and Math.Abs drops the sign
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
    private static List<double[]> DistinctHyperplanes(RowSpace space, double tolerance, double rounding, out int[] rowGroup, out bool[] rowOpposite,
        out int toleranceMerges)
    {
        int n = space.UnitRows.Count;
        var rowsWithNormal = new List<int>(n);
        var normals = new List<double[]>(n);
        for (int j = 0; j < n; j++)
        {
            // Plain null tests rather than `is not { } row` patterns, so that mutation testing can mutate this method.
            var row = space.UnitRows[j];
            // Stryker disable once Statement : a null row converts to an empty span, so Coordinates gives the zero vector, Normalized maps it to null and the next test skips it
            if (row is null) continue;
            var h = UnitNormals.Normalized(space.Coordinates(row));
            if (h is null) continue;
            rowsWithNormal.Add(j);
            normals.Add(h);
        }
        var distinct = UnitNormals.DistinctUpToSign(normals, Enumerable.Repeat(rounding, normals.Count).ToList(), tolerance,
            out var group, out var opposite, out _, out toleranceMerges);
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
    /// (same summation order), so the result is that pattern bit for bit; <paramref name="nearest"/> is
    /// the nonzero row with the smallest relative margin |x_j·u| / ‖x_j‖ (u is a unit vector), or −1.
    /// </summary>
    private static ulong[] PatternOf(double[][] rows, double[] rowNorms, double[] u, out int nearest, out double margin)
    {
        // Stryker disable once Unary : nearest is read only when margin < marginFloor, i.e. after margin left +∞, and every assignment of margin assigns nearest
        nearest = -1;
        margin = double.PositiveInfinity;
        var bits = new ulong[(rows.Length + 63) >> 6];
        for (int j = 0; j < rows.Length; j++)
        {
            double a = 0;
            var row = rows[j];
            for (int k = 0; k < row.Length; k++) a += row[k] * u[k];
            if (a >= 0) bits[j >> 6] |= 1UL << (j & 63);
            if (rowNorms[j] > 0 && Math.Abs(a) / rowNorms[j] < margin)
            {
                margin = Math.Abs(a) / rowNorms[j];
                nearest = j;
            }
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
}
