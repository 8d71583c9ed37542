using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Numerics;

/// <summary>
/// The smallest element of one ReLU neuron's kink-enlarged Clarke set of L_β (THEORY.md §7): ∂L/∂α = σ(Xu)·g + βα and
/// ∂L/∂u ∈ { α X^T (c ⊙ g) + βu : c_j = 1 if x_j·u &gt; 0, 0 if &lt; 0, c_j ∈ [0, 1] on kink rows }, g = ∇ℓ at the prediction,
/// rows with |x_j·u| ≤ kink·‖x_j‖‖u‖ counting as kinks. Shared by the network's stationarity measure (Networks.Stationarity)
/// and the optimal set's check of its directions (Convex.OptimalSet, §6), which measures them at z* without a network.
/// </summary>
internal static class NeuronClarkeSet
{
    /// <summary>
    /// ∂L/∂α (signed), the norm of the smallest ∂L/∂u and a lower bound on it (equal without kink rows), the number of kink
    /// rows, and that element of ∂L/∂u.
    /// </summary>
    public readonly record struct Element(double AlphaPartial, double UNorm, double ULower, int KinkRows, Vector<double> U);

    /// <summary>The element of smallest ∂L/∂u for the neuron (u, α) with pre-activations <paramref name="pre"/> = X u.</summary>
    public static Element Smallest(Vector<double> u, double alpha, Vector<double> pre, Matrix<double> x, Vector<double> g, double[] rowNorms,
        double beta, Tolerance kink)
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
            return new Element(dAlpha, Norms.Euclidean(a), Norms.Euclidean(a), kinkRows.Count, a);
        var b = Matrix<double>.Build.Dense(d, kinkRows.Count, (k, c) => alpha * g[kinkRows[c]] * x[kinkRows[c], k]);
        var (norm, lower, coefficients) = BoxLeastSquares.MinNorm(a, b);
        return new Element(dAlpha, norm, lower, kinkRows.Count, a + b * coefficients);
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
