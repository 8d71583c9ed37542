using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// The row space of X as the arrangement sees it (THEORY.md §2): the hyperplanes x_j·u = 0 only
/// depend on the directions of the nonzero rows, so the rank and the basis are those of the
/// row-normalised matrix (scaling rows never changes the rank). <see cref="Of(Matrix{double})"/> counts a singular
/// value as zero only when it is rounding of an exactly rank-deficient X (at most <see cref="RankRounding"/>·σ₁);
/// <see cref="Of(Matrix{double}, double)"/> truncates at a given relative threshold (the enumerator's fallback,
/// <see cref="Tolerances.HyperplaneDirection"/>).
/// </summary>
public sealed class RowSpace
{
    /// <summary>Numerical rank r of X.</summary>
    public int Rank { get; }

    /// <summary>An orthonormal basis of the row space, d×r (columns).</summary>
    public Matrix<double> Basis { get; }

    /// <summary>Per row of X: its unit direction x_j/‖x_j‖, or null for a zero row.</summary>
    public IReadOnlyList<double[]?> UnitRows { get; }

    /// <summary>σ_{r+1}/σ_1 of the row-normalised matrix: the largest singular value counted as zero, relative (0 if none).</summary>
    public double TruncatedRatio { get; }

    private RowSpace(int rank, Matrix<double> basis, IReadOnlyList<double[]?> unitRows, double truncatedRatio = 0)
    {
        Rank = rank; Basis = basis; UnitRows = unitRows; TruncatedRatio = truncatedRatio;
    }

    /// <summary>
    /// Singular values of the row-normalised X up to this, relative to σ_1, are rounding of an exactly rank-deficient X
    /// (a backward-stable SVD of an n×d matrix errs by a small multiple of max(n, d)·2^−53·σ_1).
    /// </summary>
    public static double RankRounding(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return 64 * Math.Max(x.RowCount, x.ColumnCount) * Math.Pow(2, -53);
    }

    /// <summary>
    /// The row space of X at its numerical rank: singular values above <see cref="RankRounding"/>·σ₁ count. This is the
    /// largest rank the data can be told to have, so Cov(N, r) at this r bounds every enumeration (THEORY.md §2, guard).
    /// </summary>
    public static RowSpace Of(Matrix<double> x) => Of(x, RankRounding(x));

    /// <summary>The row space of X with singular values up to <paramref name="relativeThreshold"/>·σ₁ counted as zero.</summary>
    public static RowSpace Of(Matrix<double> x, double relativeThreshold)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = x.ColumnCount;
        var unitRows = new double[]?[x.RowCount];
        var nonzero = new List<double[]>();
        for (int j = 0; j < x.RowCount; j++)
        {
            unitRows[j] = UnitNormals.Normalized(x.Row(j).ToArray());
            if (unitRows[j] is { } r) nonzero.Add(r);
        }
        if (nonzero.Count == 0 || d == 0)
            return new RowSpace(0, Matrix<double>.Build.Dense(d, 0), unitRows);

        var (singular, vt) = SingularValuesAndRightVectors(Matrix<double>.Build.DenseOfRowArrays(nonzero));
        int rank = 0;
        while (rank < singular.Length && singular[rank] > relativeThreshold * singular[0]) rank++;
        var basis = Matrix<double>.Build.Dense(d, rank, (i, k) => vt[k, i]);
        return new RowSpace(rank, basis, unitRows, rank < singular.Length ? singular[rank] / singular[0] : 0);
    }

    /// <summary>
    /// Singular values (descending) and V^T of an m×d matrix. For m ≥ d a thin QR comes first, so
    /// the cost stays O(m d²) instead of forming an m×m factor.
    /// </summary>
    private static (double[] Singular, Matrix<double> Vt) SingularValuesAndRightVectors(Matrix<double> n)
    {
        var m = n.RowCount >= n.ColumnCount ? n.QR(QRMethod.Thin).R : n;
        var svd = m.Svd(computeVectors: true);
        return (svd.S.ToArray(), svd.VT);
    }

    /// <summary>Coordinates B^T v of a vector of R^d in the basis.</summary>
    public double[] Coordinates(ReadOnlySpan<double> v)
    {
        var r = new double[Rank];
        for (int k = 0; k < Rank; k++)
        {
            double s = 0;
            for (int i = 0; i < v.Length; i++) s += Basis[i, k] * v[i];
            r[k] = s;
        }
        return r;
    }

    /// <summary>The vector B w of R^d with coordinates w.</summary>
    public Vector<double> FromCoordinates(ReadOnlySpan<double> w)
    {
        var u = Vector<double>.Build.Dense(Basis.RowCount);
        for (int i = 0; i < Basis.RowCount; i++)
        {
            double s = 0;
            for (int k = 0; k < Rank; k++) s += Basis[i, k] * w[k];
            u[i] = s;
        }
        return u;
    }
}
