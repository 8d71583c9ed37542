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

    /// <summary>Sweeps of <see cref="SolveEquilibrated"/>'s scaling: each halves the spread of the row and column maxima in log scale.</summary>
    internal const int EquilibrationSweeps = 20;

    /// <summary>
    /// x = C y with y the minimum-norm least-squares solution (<see cref="Solve"/>) of (R m C) y ≈ R rhs, where R and C are
    /// diagonal and scale every row and column of m to a largest entry near 1 (Ruiz's equilibration: each sweep divides
    /// row i by √max_j |m_ij| and column j by √max_i |m_ij|; powers of two, so the scaling itself is exact). Why: a relative
    /// cutoff on the singular values of a badly scaled system drops whole directions that scaling would make well
    /// conditioned — rows 10⁸ apart in norm give a Newton system whose singular values span 10²⁸ while its equilibrated
    /// form spans a few orders. Unchanged by a diagonal rescaling of m's rows or columns (up to rounding), so it does not
    /// depend on units either. Zero rows and columns are left as they are.
    /// </summary>
    public static Vector<double> SolveEquilibrated(Matrix<double> m, Vector<double> rhs, double relativeCutoff)
    {
        var scaled = m.Clone();
        int rows = m.RowCount, cols = m.ColumnCount;
        var r = Vector<double>.Build.Dense(rows, 1.0);
        var c = Vector<double>.Build.Dense(cols, 1.0);
        for (int sweep = 0; sweep < EquilibrationSweeps; sweep++)
        {
            bool rowsChanged = ScaleEach(rows, scaled.Row, scaled.SetRow, r);
            bool columnsChanged = ScaleEach(cols, scaled.Column, scaled.SetColumn, c);
            if (!rowsChanged && !columnsChanged) break;
        }
        return Solve(scaled, rhs.PointwiseMultiply(r), relativeCutoff).PointwiseMultiply(c);
    }

    /// <summary>One half-sweep: every line (row or column) of the matrix scaled by <see cref="ScaleOf"/> its largest entry, the factor kept in <paramref name="factors"/>; true when any line changed.</summary>
    private static bool ScaleEach(int count, Func<int, Vector<double>> line, Action<int, Vector<double>> setLine, Vector<double> factors)
    {
        bool changed = false;
        for (int i = 0; i < count; i++)
        {
            var current = line(i);
            double f = ScaleOf(current.AbsoluteMaximum());
            if (f == 1) continue;
            setLine(i, current * f);
            factors[i] *= f;
            changed = true;
        }
        return changed;
    }

    /// <summary>The power of two nearest 1/√largest (1 for a zero or non-finite largest entry): exact to apply.</summary>
    private static double ScaleOf(double largest) =>
        largest > 0 && double.IsFinite(largest) ? Math.ScaleB(1.0, -(int)Math.Round(Math.Log2(largest) / 2)) : 1;
}
