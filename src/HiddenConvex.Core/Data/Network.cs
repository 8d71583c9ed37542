using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Data;

/// <summary>
/// A two-layer ReLU network of width m (THEORY.md §1): θ = {(u_i, α_i)}, U ∈ R^{m×d} with
/// row i = u_i, α ∈ R^m. Prediction f_θ(X) = Σ_i σ(X u_i) α_i. Zero neurons are allowed and
/// count in the width. Immutable and validated (finite entries, |α| = rows of U).
/// </summary>
public sealed class Network
{
    /// <summary>First-layer weights, m×d (row i is u_i).</summary>
    public Matrix<double> U { get; }
    /// <summary>Second-layer weights α, length m.</summary>
    public Vector<double> Alpha { get; }
    /// <summary>Width m (zero neurons included).</summary>
    public int Width => U.RowCount;
    /// <summary>Input dimension d.</summary>
    public int InputDim => U.ColumnCount;

    private Network(Matrix<double> u, Vector<double> alpha) { U = u; Alpha = alpha; }

    /// <summary>Validates and copies; width 0 is allowed only with an explicit input dimension.</summary>
    public static Network Create(Matrix<double> u, Vector<double> alpha, string source = "network")
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(alpha);
        InvalidInputException.Require(alpha.Count == u.RowCount,
            $"{source}: alpha has {alpha.Count} entries but U has {u.RowCount} rows");
        InvalidInputException.Require(u.ColumnCount > 0, $"{source}: U has no columns");
        Guard.Finite(u, source, "U");
        Guard.Finite(alpha, source, "alpha");
        return new Network(u.Clone(), alpha.Clone());
    }

    /// <summary>A network from a list of neurons (u_i, α_i), each u_i of length d.</summary>
    public static Network FromNeurons(IEnumerable<(Vector<double> U, double Alpha)> neurons, int inputDim, string source = "network")
    {
        var list = neurons.ToList();
        var u = Matrix<double>.Build.Dense(list.Count, inputDim);
        var a = Vector<double>.Build.Dense(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            InvalidInputException.Require(list[i].U.Count == inputDim,
                $"{source}: neuron {i} has {list[i].U.Count} inputs, expected {inputDim}");
            u.SetRow(i, list[i].U);
            a[i] = list[i].Alpha;
        }
        return Create(u, a, source);
    }

    /// <summary>The empty network (width 0) on inputs of dimension d: predicts 0.</summary>
    public static Network Empty(int inputDim) =>
        new(Matrix<double>.Build.Dense(0, inputDim), Vector<double>.Build.Dense(0));

    /// <summary>Neuron i as (u_i, α_i); u_i is a copy.</summary>
    public (Vector<double> U, double Alpha) Neuron(int i) => (U.Row(i), Alpha[i]);

    /// <summary>All neurons in order.</summary>
    public IEnumerable<(Vector<double> U, double Alpha)> Neurons()
    {
        for (int i = 0; i < Width; i++) yield return Neuron(i);
    }

    /// <summary>f_θ(X) = Σ_i σ(X u_i) α_i (THEORY.md §1).</summary>
    public Vector<double> Predict(Matrix<double> x)
    {
        InvalidInputException.Require(x.ColumnCount == InputDim,
            $"network has input dimension {InputDim} but X has {x.ColumnCount} columns");
        var z = Vector<double>.Build.Dense(x.RowCount);
        if (Width == 0) return z;
        var pre = x * U.Transpose(); // n×m
        for (int j = 0; j < x.RowCount; j++)
        {
            double s = 0;
            for (int i = 0; i < Width; i++)
            {
                double a = pre[j, i];
                if (a > 0) s += a * Alpha[i];
            }
            z[j] = s;
        }
        return z;
    }

    /// <summary>Σ_i (‖u_i‖² + α_i²): the weight-decay term without the factor β/2.</summary>
    public double SquaredNorm()
    {
        double s = Alpha.DotProduct(Alpha);
        for (int i = 0; i < Width; i++) s += U.Row(i).DotProduct(U.Row(i));
        return s;
    }

    /// <summary>The network with neurons reordered: neuron k of the result is neuron perm[k].</summary>
    public Network PermuteNeurons(IReadOnlyList<int> perm)
    {
        InvalidInputException.Require(perm.Count == Width, $"permutation has {perm.Count} entries, network has {Width} neurons");
        return FromNeurons(perm.Select(Neuron), InputDim);
    }

    /// <summary>The network with k zero neurons appended.</summary>
    public Network PadWithZeros(int k) =>
        FromNeurons(Neurons().Concat(Enumerable.Range(0, k).Select(_ => (Vector<double>.Build.Dense(InputDim), 0.0))), InputDim);
}
