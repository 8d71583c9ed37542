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
        int d = u.Count;
        double un = Norms.Euclidean(u);
        double dAlpha = beta * alpha;
        var a = u * beta;
        var kinkRows = new List<int>();
        for (int j = 0; j < pre.Count; j++)
        {
            if (pre[j] > 0) dAlpha += pre[j] * g[j];
            if (Math.Abs(pre[j]) <= kink.At(rowNorms[j] * un)) { kinkRows.Add(j); continue; }
            if (pre[j] > 0)
                for (int k = 0; k < d; k++) a[k] += alpha * g[j] * x[j, k];
        }
        if (kinkRows.Count == 0 || alpha == 0)
            return (new NeuronStationarity(index, Math.Abs(dAlpha), Norms.Euclidean(a), kinkRows.Count), Norms.Euclidean(a), a, dAlpha);
        var b = Matrix<double>.Build.Dense(d, kinkRows.Count, (k, c) => alpha * g[kinkRows[c]] * x[kinkRows[c], k]);
        var (norm, lower, coefficients) = BoxLeastSquares.MinNorm(a, b);
        return (new NeuronStationarity(index, Math.Abs(dAlpha), norm, kinkRows.Count), lower, a + b * coefficients, dAlpha);
    }
}

/// <summary>
/// √(Σ a_k²) accumulated with a running scale (LAPACK's dnrm2 scheme), so that entries below ~1e-154 do not
/// underflow to 0 when squared and entries above ~1e154 do not overflow.
/// </summary>
internal sealed class ScaledSumOfSquares
{
    private double _scale;
    private double _sum = 1;

    public void Add(double a)
    {
        double x = Math.Abs(a);
        if (x == 0) return;
        if (x > _scale)
        {
            _sum = 1 + _sum * (_scale / x) * (_scale / x);
            _scale = x;
        }
        else _sum += (x / _scale) * (x / _scale);
    }

    public double Norm => _scale * Math.Sqrt(_sum);
}

/// <summary>
/// min_{c ∈ [0,1]^k} ‖a + B c‖ as the minimum-norm point of the zonotope a + B[0,1]^k, by Wolfe's
/// minimum-norm-point algorithm (finite; the linear oracle over the zonotope is a sign test).
/// Works in R^d with at most d + 1 corral points, so it is insensitive to k ≫ d and to a singular BᵀB.
/// </summary>
internal static class BoxLeastSquares
{
    private const int MaxIterations = 10_000;
    private const double Precision = 1e-15;

    /// <summary>Returns ‖a + B c‖ at the feasible c found, a lower bound on the minimum, and c.</summary>
    public static (double Norm, double Lower, Vector<double> C) MinNorm(Vector<double> a, Matrix<double> b)
    {
        int k = b.ColumnCount;
        var points = new List<(Vector<double> P, Vector<double> C)> { Vertex(a, b, a) };
        var lambda = new List<double> { 1.0 };
        var xpt = points[0].P.Clone();
        double maxSq = points[0].P.DotProduct(points[0].P);
        double lower = 0;
        for (int it = 0; it < MaxIterations; it++)
        {
            var (p, c) = Vertex(a, b, xpt);
            maxSq = Math.Max(maxSq, p.DotProduct(p));
            double xx = xpt.DotProduct(xpt), xp = xpt.DotProduct(p);
            lower = xx > 0 ? Math.Max(0, xp / Math.Sqrt(xx)) : 0;
            if (xx - xp <= Precision * maxSq || xx <= Precision * Precision * maxSq) break;
            if (points.Any(q => q.C.Equals(c))) break; // no new vertex: rounding floor reached
            points.Add((p, c));
            lambda.Add(0.0);
            MinorCycle(points, lambda);
            xpt = Combine(points.Select(q => q.P).ToList(), lambda, a.Count);
        }
        var cMix = Combine(points.Select(q => q.C).ToList(), lambda, k);
        double norm = Norms.Euclidean(a + b * cMix);
        return (norm, Math.Min(lower, norm), cMix);
    }

    private static (Vector<double> P, Vector<double> C) Vertex(Vector<double> a, Matrix<double> b, Vector<double> direction)
    {
        var slope = b.TransposeThisAndMultiply(direction);
        var c = Vector<double>.Build.Dense(b.ColumnCount, j => slope[j] < 0 ? 1.0 : 0.0);
        return (a + b * c, c);
    }

    private static void MinorCycle(List<(Vector<double> P, Vector<double> C)> points, List<double> lambda)
    {
        for (int guard = 0; guard < 4 * (points.Count + 2); guard++)
        {
            var mu = AffineMinimiser(points.Select(q => q.P).ToList());
            if (mu.All(m => m > 1e-14)) { for (int i = 0; i < mu.Length; i++) lambda[i] = mu[i]; return; }
            double theta = 1;
            for (int i = 0; i < mu.Length; i++)
                if (mu[i] <= 1e-14 && lambda[i] - mu[i] > 0) theta = Math.Min(theta, lambda[i] / (lambda[i] - mu[i]));
            for (int i = 0; i < mu.Length; i++) lambda[i] = theta * mu[i] + (1 - theta) * lambda[i];
            int drop = Enumerable.Range(0, lambda.Count).MinBy(i => lambda[i]);
            for (int i = lambda.Count - 1; i >= 0; i--)
                if (lambda[i] <= 1e-14 || i == drop) { points.RemoveAt(i); lambda.RemoveAt(i); }
            double total = lambda.Sum();
            for (int i = 0; i < lambda.Count; i++) lambda[i] /= total;
            if (points.Count == 1) { lambda[0] = 1; return; }
        }
    }

    /// <summary>argmin ‖Σ μ_i s_i‖ subject to Σ μ_i = 1 (least squares in the differences s_i − s_0).</summary>
    private static double[] AffineMinimiser(List<Vector<double>> s)
    {
        int r = s.Count;
        if (r == 1) return [1.0];
        var diff = Matrix<double>.Build.Dense(s[0].Count, r - 1, (k, i) => s[i + 1][k] - s[0][k]);
        var xi = MinimumNormLeastSquares.Solve(diff, -s[0], 1e-12);
        var mu = new double[r];
        mu[0] = 1 - xi.Sum();
        for (int i = 1; i < r; i++) mu[i] = xi[i - 1];
        return mu;
    }

    private static Vector<double> Combine(List<Vector<double>> vs, List<double> weights, int dim)
    {
        var r = Vector<double>.Build.Dense(dim);
        for (int i = 0; i < vs.Count; i++) r += vs[i] * weights[i];
        return r;
    }
}
