using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Losses;

/// <summary>
/// ℓ(z) = c Σ_j log(1 + exp(−y_j z_j)), y ∈ {−1,+1}^n; −ℓ*(−v) = −c Σ_j H(v_j y_j / c) with
/// H(a) = a log a + (1−a) log(1−a) on [0, 1] and −∞ outside (THEORY.md §1, §4).
/// </summary>
[LossName("logistic", "logit")]
public sealed class LogisticLoss(double scale = 1.0) : Loss(scale)
{
    /// <inheritdoc />
    public override TargetDomain Targets => TargetDomain.SignLabels;

    /// <inheritdoc />
    public override double DualScaleCap => 1.0;

    /// <inheritdoc />
    public override double CurvatureBound => Scale / 4;

    /// <summary>γ_{n+6} |lower|: the terms −c H(·) ≥ 0 do not cancel (THEORY.md §4.1).</summary>
    public override double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower)
    {
        SameLength(v, y);
        return Rounding.Gamma(v.Count + 6) * Math.Abs(lower);
    }

    /// <summary>log(1 + exp(x)) without overflow.</summary>
    internal static double Softplus(double x) => x > 0 ? x + Log1p(Math.Exp(-x)) : Log1p(Math.Exp(x));

    /// <summary>
    /// log(1 + x) accurate for small |x| (double.LogP1 computes log(x + 1), which returns 0 for
    /// |x| below 1e-16 and loses the tail of the loss on well-classified points). Uses
    /// log(u)·x/(u − 1) with u = 1 + x, which cancels the rounding of u (Goldberg, 1991).
    /// </summary>
    internal static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1) return x;
        if (double.IsPositiveInfinity(u)) return Math.Log(x);
        return Math.Log(u) * x / (u - 1);
    }

    /// <summary>1 / (1 + exp(−x)) without overflow.</summary>
    internal static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <inheritdoc />
    public override double Value(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        double s = 0;
        for (int j = 0; j < z.Count; j++) s += Softplus(-y[j] * z[j]);
        return Scale * s;
    }

    /// <summary>∂ℓ/∂z_j = −c y_j σ(−y_j z_j).</summary>
    public override Vector<double> Gradient(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        return Vector<double>.Build.Dense(z.Count, j => -Scale * y[j] * Sigmoid(-y[j] * z[j]));
    }

    /// <summary>∂²ℓ/∂z_j² = c σ(y_j z_j) σ(−y_j z_j).</summary>
    public override Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        return Vector<double>.Build.Dense(z.Count, j => Scale * Sigmoid(y[j] * z[j]) * Sigmoid(-y[j] * z[j]));
    }

    /// <summary>H(a) = a log a + (1 − a) log(1 − a), 0 log 0 = 0; +∞ outside [0, 1].</summary>
    internal static double NegEntropy(double a)
    {
        if (a < 0 || a > 1 || double.IsNaN(a)) return double.PositiveInfinity;
        double s = 0;
        if (a > 0) s += a * Math.Log(a);
        if (a < 1) s += (1 - a) * Log1p(-a);
        return s;
    }

    /// <inheritdoc />
    public override double NegConjugate(Vector<double> v, Vector<double> y)
    {
        SameLength(v, y);
        double s = 0;
        for (int j = 0; j < v.Count; j++)
        {
            double h = NegEntropy(v[j] * y[j] / Scale);
            if (double.IsPositiveInfinity(h)) return double.NegativeInfinity;
            s += h;
        }
        return -Scale * s;
    }

    /// <summary>
    /// Maximises the concave g(t) = −ℓ*(−t v) on [0, tMax] by bisection on the sign of
    /// g'(t) = −Σ_j a_j log(t a_j / (1 − t a_j)) (a_j = v_j y_j, with a_j ∈ [0, c] required).
    /// </summary>
    public override double BestDualScale(Vector<double> v, Vector<double> y, double tMax)
    {
        var a = Vector<double>.Build.Dense(v.Count, j => v[j] * y[j] / Scale);
        double hi = tMax;
        for (int j = 0; j < a.Count; j++)
        {
            if (a[j] < 0) return 0; // no positive multiple of v is dual-feasible for the loss
            if (a[j] > 0) hi = Math.Min(hi, 1 / a[j]);
        }
        // v·y = 0 entrywise: −ℓ*(−t v) = 0 for every t, and t = 0 avoids returning tMax = ∞.
        if (a.All(aj => aj == 0)) return 0;
        if (!(hi > 0)) return 0;
        double Slope(double t)
        {
            double g = 0;
            for (int j = 0; j < a.Count; j++)
            {
                double ta = t * a[j];
                if (a[j] == 0) continue;
                if (ta >= 1) return double.NegativeInfinity;
                g -= a[j] * Math.Log(ta / (1 - ta));
            }
            return g;
        }
        if (Slope(hi) >= 0) return hi;
        double lo = 0;
        for (int it = 0; it < 200 && hi - lo > 1e-16 * Math.Max(1, hi); it++)
        {
            double mid = 0.5 * (lo + hi);
            if (Slope(mid) > 0) lo = mid; else hi = mid;
        }
        // Both ends bracket the maximiser; take the better of the two by value.
        return NegConjugate(v * lo, y) >= NegConjugate(v * hi, y) ? lo : hi;
    }

    /// <summary>Labels must be exactly −1 or +1.</summary>
    public override void ValidateTargets(Vector<double> y, string source)
    {
        base.ValidateTargets(y, source);
        for (int j = 0; j < y.Count; j++)
            if (y[j] != 1 && y[j] != -1)
                throw new InvalidInputException($"{source}: y[{j}] = {y[j]} but the logistic loss needs labels -1 or +1");
    }
}
