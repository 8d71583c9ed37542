using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Training;

/// <summary>
/// L_β(θ) and one element of its generalised gradient (THEORY.md §1, §7):
/// ∂L/∂α_i = σ(Xu_i)·∇ℓ + β α_i and ∂L/∂u_i = α_i X^T (c ⊙ ∇ℓ) + β u_i with c_j = 1[x_j·u_i &gt; 0]
/// (the ReLU derivative taken as 0 at the kink, as PyTorch does). Away from kinks this is the gradient.
/// </summary>
public static class ObjectiveGradient
{
    /// <summary>Value and gradient (dU, dα) of L_β at (U, α).</summary>
    public static (double Value, Matrix<double> GradU, Vector<double> GradAlpha) Evaluate(
        Dataset data, Loss loss, double beta, Matrix<double> u, Vector<double> alpha)
    {
        var (value, gu, ga, _) = EvaluateWithLossGradient(data, loss, beta, u, alpha);
        return (value, gu, ga);
    }

    /// <summary>As <see cref="Evaluate(Dataset, Loss, double, Matrix{double}, Vector{double})"/>, also returning ∇ℓ(f_θ(X)).</summary>
    internal static (double Value, Matrix<double> GradU, Vector<double> GradAlpha, Vector<double> LossGradient) EvaluateWithLossGradient(
        Dataset data, Loss loss, double beta, Matrix<double> u, Vector<double> alpha)
    {
        var x = data.X;
        var pre = x.TransposeAndMultiply(u); // n×m, entry (j, i) = x_j·u_i
        var act = pre.PointwiseMaximum(0.0);
        var z = act * alpha;
        var g = loss.Gradient(z, data.Y);
        double value = loss.Value(z, data.Y) + 0.5 * beta * (SquaredFrobenius(u) + alpha.DotProduct(alpha));
        var gradAlpha = act.TransposeThisAndMultiply(g) + beta * alpha;
        var weighted = Matrix<double>.Build.Dense(pre.RowCount, pre.ColumnCount,
            (j, i) => pre[j, i] > 0 ? g[j] * alpha[i] : 0.0);
        var gradU = weighted.TransposeThisAndMultiply(x) + beta * u;
        return (value, gradU, gradAlpha, g);
    }

    /// <summary>Value and gradient of L_β at a network; the gradient is returned in the network's shape (dU, dα).</summary>
    public static (double Value, Matrix<double> GradU, Vector<double> GradAlpha) Evaluate(
        Network network, Dataset data, Loss loss, double beta)
    {
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(network.InputDim == data.D,
            $"network has input dimension {network.InputDim} but the data has d = {data.D}");
        return Evaluate(data, loss, beta, network.U, network.Alpha);
    }

    internal static double SquaredFrobenius(Matrix<double> m)
    {
        double s = 0;
        foreach (var e in m.Enumerate()) s += e * e;
        return s;
    }
}
