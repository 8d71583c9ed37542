using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Arrangements;

/// <summary>The cones C_s = {u : (2 diag(s) − I) X u ≥ 0} of THEORY.md §2.</summary>
public static class Cones
{
    /// <summary>
    /// Largest violation max_j (−(2s_j − 1) x_j·u)_+ of u ∈ C_s, relative to ‖x_j‖·‖u‖ (0 when inside;
    /// 0 for u = 0 or zero rows).
    /// </summary>
    public static double RelativeViolation(Matrix<double> x, ActivationPattern s, Vector<double> u)
    {
        double un = Norms.Euclidean(u);
        if (un == 0) return 0;
        double worst = 0;
        for (int j = 0; j < x.RowCount; j++)
        {
            double a = 0, xn = 0;
            for (int k = 0; k < x.ColumnCount; k++) { a += x[j, k] * u[k]; xn += x[j, k] * x[j, k]; }
            if (xn == 0) continue;
            double viol = -s.Sign(j) * a / (Math.Sqrt(xn) * un);
            if (viol > worst) worst = viol;
        }
        return worst;
    }

    /// <summary>The constraint matrix A = (2 diag(s) − I) X of C_s = {u : A u ≥ 0}.</summary>
    public static Matrix<double> ConstraintMatrix(Matrix<double> x, ActivationPattern s) =>
        Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (j, k) => s.Sign(j) * x[j, k]);

    /// <summary>diag(s) X u: the masked prediction of one block (σ(Xu) when u ∈ C_s).</summary>
    public static Vector<double> MaskedProduct(Matrix<double> x, ActivationPattern s, Vector<double> u)
    {
        var r = new double[x.RowCount];
        AddMaskedProduct(x, s, u, 1, r);
        return Vector<double>.Build.Dense(r);
    }

    /// <summary>
    /// into_j += sign·(x_j·u) for the rows j of s, each x_j·u summed over k = 0..d−1: the one loop behind
    /// <see cref="MaskedProduct"/> (sign 1 into zeros gives x_j·u exactly) and a convex point's prediction summed in place.
    /// </summary>
    internal static void AddMaskedProduct(Matrix<double> x, ActivationPattern s, Vector<double> u, int sign, double[] into)
    {
        for (int j = 0; j < x.RowCount; j++)
        {
            if (!s[j]) continue;
            double a = 0;
            for (int k = 0; k < x.ColumnCount; k++) a += x[j, k] * u[k];
            into[j] += a * sign;
        }
    }

    /// <summary>X^T diag(s) v: the gradient direction of a block against a dual vector v (THEORY.md §4).</summary>
    public static Vector<double> MaskedTransposeProduct(Matrix<double> x, ActivationPattern s, Vector<double> v)
    {
        var r = Vector<double>.Build.Dense(x.ColumnCount);
        for (int j = 0; j < x.RowCount; j++)
        {
            if (!s[j] || v[j] == 0) continue;
            for (int k = 0; k < x.ColumnCount; k++) r[k] += x[j, k] * v[j];
        }
        return r;
    }
}
