using HiddenConvex.Core.Certificates;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// A better dual point for the certificate of a point W (THEORY.md §4.2): every prediction z′ gives a lower bound
/// −ℓ*(−t v′) with v′ = −∇ℓ(z′) and t ρ̄(v′) ≤ β, so the lower bound of W need not come from W's own prediction.
/// <para>
/// Why: next to a row a million times longer than the others, ρ(v) moves by ‖x_j‖·|δv_j| when v_j moves by δv_j, so a
/// primal point exact to 1e-12 in z_j can have a dual vector that prices 5e-9 above β, and its own certificate misses
/// ε = 1e-9 (the widely scaled instances of the property suite end with numerical-error while L^c_β(W) is exact to
/// rounding). A prediction a few ulps of the long rows' terms away prices at β and proves the gap.
/// </para>
/// <para>
/// Method: coordinate search over z′, one row at a time, longest rows first (<see cref="Rows"/> of them), in
/// <see cref="Sweeps"/> sweeps; on row j the trial steps are ±2^k·s/c_ℓ for k = <see cref="SmallestStep"/> …
/// <see cref="LargestStep"/> and s ∈ {|v_j|, β/‖x_j‖} (<see cref="StepScales"/>; c_ℓ the loss's curvature bound, so a
/// step moves v_j by about 2^k·s), and a step is kept when it raises the
/// lower bound. It stops at the first certificate within ε, at the deadline, after a sweep that raised nothing, or after
/// the sweeps (measured on widely scaled soak instances: a third sweep took one from 1.25e-9 to 7.1e-10, another went from
/// 5.1e-8 to 9.9e-9 in five and no further). Each trial is one
/// pricing of the program; the search runs only when a solve would otherwise end uncertified.
/// </para>
/// </summary>
internal static class DualPointSearch
{
    /// <summary>At most this many rows (the longest) are searched.</summary>
    internal const int Rows = 16;

    /// <summary>Most sweeps over the rows; the search also ends after a sweep that did not raise the lower bound.</summary>
    internal const int Sweeps = 8;

    /// <summary>Smallest and largest exponent k of the trial steps ±2^k·s/c_ℓ.</summary>
    internal const int SmallestStep = -30, LargestStep = 4;

    /// <summary>
    /// The prediction z′ whose certificate of W has the largest lower bound found, with that certificate; null when no
    /// trial improved on the certificate <paramref name="own"/> of W at <paramref name="start"/> (W's own prediction when
    /// null). W's objective and its rounding bound are those of <paramref name="own"/> (they do not depend on the dual
    /// point), so a trial is one pricing and nothing of W is recomputed.
    /// </summary>
    public static (Vector<double> Prediction, Certificate Certificate)? Search(ConvexProblem problem, ConvexPoint w, Certificate own,
        double tolerance, DateTime deadline, Vector<double>? start = null)
    {
        var data = problem.Data;
        var loss = problem.Loss;
        var best = start ?? w.Predict(data.X);
        var bestCertificate = own;
        bool improved = false;
        double curvature = loss.CurvatureBound;
        if (!(curvature > 0)) return null;
        for (int sweep = 0; sweep < Sweeps; sweep++)
        {
            double before = bestCertificate.Lower;
            foreach (var (j, rowNorm) in LongestRows(data.X))
            foreach (double scale in StepScales(Math.Abs(bestCertificate.V[j]), problem.Beta / rowNorm))
                for (int k = SmallestStep; k <= LargestStep; k++)
                    foreach (int sign in new[] { 1, -1 })
                    {
                        if (DateTime.UtcNow > deadline) return improved ? (best, bestCertificate) : null;
                        var trial = best.Clone();
                        trial[j] += sign * Math.ScaleB(scale, k) / curvature;
                        var certificate = CertificateChecker.ForPrediction(data, loss, problem.Beta, problem.Oracle, trial,
                            own.Objective, own.ObjectiveRounding);
                        if (!(certificate.Lower > bestCertificate.Lower)) continue;
                        (best, bestCertificate, improved) = (trial, certificate, true);
                        if (certificate.WithinGap(tolerance)) return (best, bestCertificate);
                    }
            if (!(bestCertificate.Lower > before)) break;
        }
        return improved ? (best, bestCertificate) : null;
    }

    /// <summary>
    /// The scales of the steps on v_j: |v_j| (a relative move) and β/‖x_j‖ (a move that shifts the price of a block
    /// holding row j by about β). The second is needed where v_j is 0: with y_j = 0 next to a short row carrying the
    /// fit, the optimal v_j is about −β/‖x_j‖ (it keeps the blocks that activate row j priced at β), and steps
    /// relative to |v_j| = 0 are all 0.
    /// </summary>
    private static IEnumerable<double> StepScales(double absVj, double pricingScale)
    {
        if (absVj > 0) yield return absVj;
        if (pricingScale > 0 && double.IsFinite(pricingScale) && pricingScale != absVj) yield return pricingScale;
    }

    /// <summary>The nonzero rows in decreasing norm with their norms, at most <see cref="Rows"/> of them.</summary>
    private static IEnumerable<(int Row, double Norm)> LongestRows(Matrix<double> x) =>
        Enumerable.Range(0, x.RowCount).Select(j => (Row: j, Norm: Norms.OfRow(x, j)))
            .Where(r => r.Norm > 0).OrderByDescending(r => r.Norm).ThenBy(r => r.Row).Take(Rows);
}
