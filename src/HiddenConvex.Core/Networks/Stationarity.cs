using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Networks;

/// <summary>
/// The stationarity of one neuron (THEORY.md §7): |∂L/∂α_i|, the smallest ‖∂L/∂u_i‖ over the
/// kink coefficients c_j ∈ [0, 1], and how many rows were kinks.
/// </summary>
public sealed record NeuronStationarity(int Index, double AlphaPartial, double UPartial, int KinkRows)
{
    /// <summary>
    /// √(|∂L/∂α_i|² + min ‖∂L/∂u_i‖²): this neuron's share of the measure, evaluated scaled (hypot) because
    /// squaring a partial below ~1e-154 underflows to 0 and would report a non-stationary neuron as stationary.
    /// </summary>
    public double Norm => double.Hypot(AlphaPartial, UPartial);
}

/// <summary>
/// The Clarke stationarity measure of a network (THEORY.md §7) with its tolerance.
/// <see cref="Measure"/> is the norm of a feasible element of the (kink-enlarged) Clarke set, so it
/// is an upper bound on the exact minimum; <see cref="MeasureLowerBound"/> bounds it from below.
/// θ is ε-stationary when <c>Measure ≤ Threshold = Tolerance.At(Scale)</c>,
/// <c>Scale = ‖θ‖·(β + ‖X‖₂·‖∇ℓ(f_θ(X))‖)</c>. (<see cref="MinNormGradU"/>, <see cref="MinNormGradAlpha"/>)
/// is the element of the Clarke set whose norm is <see cref="Measure"/>; its negative is a descent direction
/// when the measure is not zero.
/// </summary>
public sealed record StationarityReport(
    double Measure,
    double MeasureLowerBound,
    double Scale,
    Tolerance Tolerance,
    IReadOnlyList<NeuronStationarity> Neurons,
    int KinkRows,
    Matrix<double> MinNormGradU,
    Vector<double> MinNormGradAlpha)
{
    /// <summary>The threshold ε_stat = Tolerance.Absolute + Tolerance.Relative·Scale.</summary>
    public double Threshold => Tolerance.At(Scale);

    /// <summary>Measure / max(Scale, tiny): the measure relative to the gradient scale.</summary>
    public double RelativeMeasure => Measure / Math.Max(Scale, double.Epsilon);

    /// <summary>Measure ≤ Threshold.</summary>
    public bool IsStationary => Measure <= Threshold;

    /// <summary>The neuron with the largest share of the measure, or null for width 0.</summary>
    public NeuronStationarity? Worst => Neurons.Count == 0 ? null : Neurons.MaxBy(n => n.Norm);
}

/// <summary>
/// The generalised gradient and the Clarke stationarity measure of L_β (THEORY.md §7):
/// ∂L/∂α_i = σ(Xu_i)·∇ℓ + β α_i, ∂L/∂u_i ∈ { α_i X^T (c ⊙ ∇ℓ) + β u_i : c_j = 1 if x_j·u_i &gt; 0,
/// 0 if &lt; 0, c_j ∈ [0, 1] on kink rows }. The measure is the smallest norm of that set, stacked
/// over neurons: per neuron a box-constrained least squares min_{c ∈ [0,1]^k} ‖a + B c‖ in the k
/// kink coefficients, solved as the minimum-norm point of the zonotope a + B[0,1]^k.
/// Rows with |x_j·u_i| ≤ <see cref="Tolerances.Kink"/>·‖x_j‖‖u_i‖ count as kinks.
/// </summary>
public static class Stationarity
{
    /// <summary>The measure with the default tolerances <see cref="Tolerances.Stationarity"/> and <see cref="Tolerances.Kink"/>.</summary>
    public static StationarityReport Measure(Network network, Dataset data, Loss loss, double beta) =>
        Measure(network, data, loss, beta, Tolerances.Stationarity, Tolerances.Kink);

    /// <summary>The measure with a given stationarity tolerance and the default kink tolerance.</summary>
    public static StationarityReport Measure(Network network, Dataset data, Loss loss, double beta, Tolerance tolerance) =>
        Measure(network, data, loss, beta, tolerance, Tolerances.Kink);

    /// <summary>The measure with given stationarity and kink tolerances.</summary>
    public static StationarityReport Measure(Network network, Dataset data, Loss loss, double beta, Tolerance tolerance, Tolerance kink)
    {
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(network.InputDim == data.D,
            $"network has input dimension {network.InputDim} but the data has d = {data.D}");
        var x = data.X;
        var z = network.Predict(x);
        var g = loss.Gradient(z, data.Y);
        var rowNorms = Enumerable.Range(0, data.N).Select(j => Norms.OfRow(x, j)).ToArray();
        var pre = x.TransposeAndMultiply(network.U);
        var neurons = new List<NeuronStationarity>(network.Width);
        var gradU = Matrix<double>.Build.Dense(network.Width, data.D);
        var gradAlpha = Vector<double>.Build.Dense(network.Width);
        var norm = new ScaledSumOfSquares();
        var normLower = new ScaledSumOfSquares();
        int kinks = 0;
        for (int i = 0; i < network.Width; i++)
        {
            var (ns, lowerU, elementU, elementAlpha) = OfNeuron(i, network.U.Row(i), network.Alpha[i], pre.Column(i), x, g, rowNorms, beta, kink);
            neurons.Add(ns);
            gradU.SetRow(i, elementU);
            gradAlpha[i] = elementAlpha;
            norm.Add(ns.AlphaPartial); norm.Add(ns.UPartial);
            normLower.Add(ns.AlphaPartial); normLower.Add(lowerU);
            kinks += ns.KinkRows;
        }
        double scale = Math.Sqrt(network.SquaredNorm()) * (beta + x.L2Norm() * Norms.Euclidean(g));
        return new StationarityReport(norm.Norm, normLower.Norm, scale, tolerance, neurons, kinks, gradU, gradAlpha);
    }

    /// <summary>The gradient scale ‖θ‖·(β + ‖X‖₂·‖∇ℓ(f_θ(X))‖) against which the relative tolerance is taken.</summary>
    public static double GradientScale(Network network, Dataset data, Loss loss, double beta)
    {
        var g = loss.Gradient(network.Predict(data.X), data.Y);
        return Math.Sqrt(network.SquaredNorm()) * (beta + data.X.L2Norm() * Norms.Euclidean(g));
    }

    private static (NeuronStationarity Neuron, double LowerU, Vector<double> ElementU, double ElementAlpha) OfNeuron(int index, Vector<double> u, double alpha,
        Vector<double> pre, Matrix<double> x, Vector<double> g, double[] rowNorms, double beta, Tolerance kink)
    {
        var e = NeuronClarkeSet.Smallest(u, alpha, pre, x, g, rowNorms, beta, kink);
        return (new NeuronStationarity(index, Math.Abs(e.AlphaPartial), e.UNorm, e.KinkRows), e.ULower, e.U, e.AlphaPartial);
    }
}
