using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Losses;

/// <summary>Independent numerical references for the losses: finite differences, a numerical conjugate, a grid search.</summary>
public static class LossNumerics
{
    /// <summary>5-point central difference of f at x along coordinate j.</summary>
    public static double Derivative(Func<Vector<double>, double> f, Vector<double> x, int j, double h = 1e-3)
    {
        double At(double delta) { var y = x.Clone(); y[j] += delta; return f(y); }
        return (-At(2 * h) + 8 * At(h) - 8 * At(-h) + At(-2 * h)) / (12 * h);
    }

    /// <summary>Minimum of a convex function of one variable on [lo, hi] by golden-section search.</summary>
    public static (double Arg, double Value) MinimiseConvex(Func<double, double> f, double lo, double hi, int iterations = 300)
    {
        double r = (Math.Sqrt(5) - 1) / 2;
        double a = lo, b = hi, c = b - r * (b - a), d = a + r * (b - a);
        double fc = f(c), fd = f(d);
        for (int k = 0; k < iterations && b - a > 1e-15 * (1 + Math.Abs(a) + Math.Abs(b)); k++)
        {
            if (fc <= fd) { b = d; d = c; fd = fc; c = b - r * (b - a); fc = f(c); }
            else { a = c; c = d; fc = fd; d = a + r * (b - a); fd = f(d); }
        }
        double best = fc <= fd ? c : d;
        // The ends matter when the infimum is approached at infinity (logistic at a = 0 or 1).
        foreach (var t in new[] { lo, hi }) if (f(t) < f(best)) best = t;
        return (best, f(best));
    }

    /// <summary>
    /// −ℓ*(−v) = inf_z ℓ(z) + v·z computed numerically: ℓ is separable, so coordinate by
    /// coordinate on [−R, R] (R large enough that the tail of the logistic loss is below 1e-40).
    /// </summary>
    public static double NumericalNegConjugate(Loss loss, Vector<double> v, Vector<double> y, double radius = 100)
    {
        double total = 0;
        for (int j = 0; j < v.Count; j++)
        {
            var yj = Vector<double>.Build.Dense(1, y[j]);
            double vj = v[j];
            double Phi(double z) => loss.Value(Vector<double>.Build.Dense(1, z), yj) + vj * z;
            total += MinimiseConvex(Phi, -radius, radius).Value;
        }
        return total;
    }

    /// <summary>max over a uniform grid of [0, tMax] of −ℓ*(−t v), with its argument.</summary>
    public static (double Arg, double Value) GridMax(Loss loss, Vector<double> v, Vector<double> y, double tMax, int points = 20001)
    {
        double bestT = 0, best = loss.NegConjugate(v * 0, y);
        for (int k = 1; k < points; k++)
        {
            double t = tMax * k / (points - 1);
            double g = loss.NegConjugate(v * t, y);
            if (g > best) { best = g; bestT = t; }
        }
        return (bestT, best);
    }

    public static Vector<double> Gaussian(Random rng, int n, double scale = 1) =>
        Vector<double>.Build.Dense(n, _ => scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));

    public static Vector<double> Labels(Random rng, int n) =>
        Vector<double>.Build.Dense(n, _ => rng.NextDouble() < 0.5 ? -1.0 : 1.0);
}
