using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Certificates;

/// <summary>
/// B: a bound on |L̂ − L| for an objective L = ℓ(z) + penalty computed in floating point (THEORY.md §4.1):
/// <code>
/// B = 2 (γ_{n+5} ℓ(ẑ) + Σ_j |∇ℓ_j(ẑ)| e_j + (ℓ''_max/2) Σ_j e_j² + γ_{p+2} R + u L̂)
/// </code>
/// with e_j a bound on the error of the computed prediction ẑ_j, R the penalty and p its number of terms; doubled to cover
/// O(u²) and the evaluation of B itself. B transforms like L under the unit laws U1–U3.
/// </summary>
public static class RoundingBound
{
    /// <summary>B from the computed prediction, the per-row error bounds of ẑ, the penalty value R and its term count p.</summary>
    public static double Objective(Loss loss, Vector<double> z, Vector<double> y, IReadOnlyList<double> rowErrors,
        double penalty, long penaltyTerms, double objective)
    {
        ArgumentNullException.ThrowIfNull(loss);
        int n = z.Count;
        var gradient = loss.Gradient(z, y);
        double propagated = 0, second = 0;
        for (int j = 0; j < n; j++)
        {
            propagated += Math.Abs(gradient[j]) * rowErrors[j];
            second += rowErrors[j] * rowErrors[j];
        }
        double bound = Rounding.Gamma(n + 5) * Math.Abs(loss.Value(z, y)) + propagated + loss.CurvatureBound / 2 * second
                       + Rounding.Gamma(penaltyTerms + 2) * Math.Abs(penalty) + Rounding.Unit * Math.Abs(objective);
        return 2 * bound;
    }

    /// <summary>
    /// e_j = γ_{d+k+1} ‖x_j‖ S for a prediction summed over k terms whose magnitudes at row j are at most ‖x_j‖ times
    /// their share of S (S = Σ_i |α_i|‖u_i‖ for a network of k neurons, Σ_b ‖w_b‖ for a convex point of k blocks).
    /// </summary>
    public static double[] PredictionErrors(Matrix<double> x, long terms, double magnitude) =>
        PredictionErrors(x, terms, _ => magnitude);

    /// <summary>
    /// e_j = γ_{d+k+1} ‖x_j‖ S_j with a magnitude per row: for a convex point S_j = Σ_{b : s_b(j) = 1} ‖w_b‖, the blocks
    /// whose pattern contains row j (the others add exact zeros to ẑ_j; THEORY.md §4.1).
    /// </summary>
    public static double[] PredictionErrors(Matrix<double> x, long terms, Func<int, double> magnitudeOfRow)
    {
        ArgumentNullException.ThrowIfNull(magnitudeOfRow);
        double g = Rounding.Gamma(x.ColumnCount + terms + 1);
        var e = new double[x.RowCount];
        for (int j = 0; j < e.Length; j++) e[j] = g * Norms.OfRow(x, j) * magnitudeOfRow(j);
        return e;
    }
}
