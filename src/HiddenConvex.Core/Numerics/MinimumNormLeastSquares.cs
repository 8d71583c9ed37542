using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Numerics;

/// <summary>The minimum-norm least-squares solution of m x ≈ rhs by the SVD, for systems that may be singular.</summary>
internal static class MinimumNormLeastSquares
{
    /// <summary>
    /// x = V Σ⁺ Uᵀ rhs, singular values at most <paramref name="relativeCutoff"/>·σ_max taken as 0 (all of them when
    /// σ_max = 0, so a zero matrix gives x = 0).
    /// </summary>
    public static Vector<double> Solve(Matrix<double> m, Vector<double> rhs, double relativeCutoff)
    {
        var svd = m.Svd(true);
        var s = svd.S;
        double cutoff = relativeCutoff * (s.Count > 0 ? s.Maximum() : 0);
        var utb = svd.U.TransposeThisAndMultiply(rhs);
        var w = Vector<double>.Build.Dense(m.ColumnCount);
        for (int i = 0; i < s.Count; i++)
            if (s[i] > cutoff) w[i] = utb[i] / s[i];
        return svd.VT.TransposeThisAndMultiply(w);
    }
}
