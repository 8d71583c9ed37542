using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Losses;

/// <summary>
/// ℓ(z) = (c/2) Σ_j (z_j − y_j)², ∇ℓ = c (z − y), −ℓ*(−v) = v·y − ‖v‖²/(2c) (THEORY.md §1, §4).
/// </summary>
[LossName("squared", "square", "mse")]
public sealed class SquaredLoss(double scale = 1.0) : Loss(scale)
{
    /// <inheritdoc />
    public override TargetDomain Targets => TargetDomain.Real;

    /// <inheritdoc />
    public override double DualScaleCap => double.PositiveInfinity;

    /// <inheritdoc />
    public override double CurvatureBound => Scale;

    /// <summary>γ_{n+3}(t |v|·|y| + t²‖v‖²/(2c)) + u |lower| (THEORY.md §4.1).</summary>
    public override double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower)
    {
        SameLength(v, y);
        double vy = 0, vv = 0;
        for (int j = 0; j < v.Count; j++) { vy += Math.Abs(v[j] * y[j]); vv += v[j] * v[j]; }
        return Rounding.Gamma(v.Count + 3) * (t * vy + t * t * vv / (2 * Scale)) + Rounding.Unit * Math.Abs(lower);
    }

    /// <inheritdoc />
    public override double Value(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        double s = 0;
        for (int j = 0; j < z.Count; j++) { double r = z[j] - y[j]; s += r * r; }
        return 0.5 * Scale * s;
    }

    /// <inheritdoc />
    public override Vector<double> Gradient(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        return (z - y) * Scale;
    }

    /// <inheritdoc />
    public override Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y)
    {
        SameLength(z, y);
        return Vector<double>.Build.Dense(z.Count, Scale);
    }

    /// <inheritdoc />
    public override double NegConjugate(Vector<double> v, Vector<double> y)
    {
        SameLength(v, y);
        return v.DotProduct(y) - v.DotProduct(v) / (2 * Scale);
    }

    /// <summary>t = clip(c v·y / ‖v‖², 0, tMax) (THEORY.md §4).</summary>
    public override double BestDualScale(Vector<double> v, Vector<double> y, double tMax)
    {
        double vv = v.DotProduct(v);
        if (vv == 0) return 0;
        return Math.Clamp(Scale * v.DotProduct(y) / vv, 0, tMax);
    }
}
