using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Data;

/// <summary>
/// Training data (THEORY.md §1): X ∈ R^{n×d} with rows x_j, targets y ∈ R^n.
/// Immutable and validated on construction: n ≥ 1, d ≥ 1, every entry finite, |y| = n.
/// Label checks that depend on the loss (±1 for logistic) are done by <see cref="Losses.Loss.ValidateTargets"/>.
/// </summary>
public sealed class Dataset
{
    /// <summary>The data matrix, n×d (a private copy).</summary>
    public Matrix<double> X { get; }
    /// <summary>The targets, length n (a private copy).</summary>
    public Vector<double> Y { get; }
    /// <summary>Where the data came from (file name), used in messages.</summary>
    public string Source { get; }
    /// <summary>Number of samples n.</summary>
    public int N => X.RowCount;
    /// <summary>Input dimension d.</summary>
    public int D => X.ColumnCount;

    private Dataset(Matrix<double> x, Vector<double> y, string source)
    {
        X = x; Y = y; Source = source;
    }

    /// <summary>Validates and copies X and y; throws <see cref="InvalidInputException"/> naming the problem.</summary>
    public static Dataset Create(Matrix<double> x, Vector<double> y, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        InvalidInputException.Require(x.RowCount > 0, $"{source}: X is empty (no rows)");
        InvalidInputException.Require(x.ColumnCount > 0, $"{source}: X has no columns");
        InvalidInputException.Require(y.Count == x.RowCount,
            $"{source}: y has {y.Count} entries but X has {x.RowCount} rows");
        Guard.Finite(x, source, "X");
        Guard.Finite(y, source, "y");
        return new Dataset(x.Clone(), y.Clone(), source);
    }

    /// <summary>Creates a dataset from jagged arrays (rows of X), validating raggedness too.</summary>
    public static Dataset Create(double[][] rows, double[] y, string source = "data")
    {
        InvalidInputException.Require(rows.Length > 0, $"{source}: X is empty (no rows)");
        int d = rows[0].Length;
        for (int i = 0; i < rows.Length; i++)
            InvalidInputException.Require(rows[i].Length == d,
                $"{source}: X row {i} has {rows[i].Length} entries, row 0 has {d} (ragged rows)");
        return Create(Matrix<double>.Build.DenseOfRowArrays(rows), Vector<double>.Build.DenseOfArray(y), source);
    }

    /// <summary>Appends a column of ones to X: a hidden-layer bias regularised like u (THEORY.md §1).</summary>
    public Dataset WithHiddenBias()
    {
        var ones = Matrix<double>.Build.Dense(N, 1, 1.0);
        return new Dataset(X.Append(ones), Y.Clone(), Source + "+bias");
    }

    /// <summary>The dataset with rows reordered: row k of the result is row perm[k] of this one.</summary>
    public Dataset PermuteRows(IReadOnlyList<int> perm)
    {
        InvalidInputException.Require(perm.Count == N, $"permutation has {perm.Count} entries, data has {N} rows");
        var x = Matrix<double>.Build.Dense(N, D, (i, j) => X[perm[i], j]);
        var y = Vector<double>.Build.Dense(N, i => Y[perm[i]]);
        return new Dataset(x, y, Source);
    }

    /// <summary>The same dataset with other targets (validated).</summary>
    public Dataset WithTargets(Vector<double> y) => Create(X, y, Source);

    /// <summary>The same targets with another data matrix (validated), e.g. X·Q for invariance checks.</summary>
    public Dataset WithX(Matrix<double> x) => Create(x, Y, Source);
}
