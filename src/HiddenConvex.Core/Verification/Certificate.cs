using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Verification;

/// <summary>
/// A dual certificate of a candidate (THEORY.md §4): v = −∇ℓ(z), ρ(v), the scale t, the proven
/// lower bound −ℓ*(−t v) on P*_c (and on P*_m for every m), the candidate's objective and the gap.
/// When <see cref="PatternsExact"/> is false, ρ was computed over sampled patterns and the lower
/// bound is NOT proven for the full program.
/// </summary>
public sealed record Certificate(
    Vector<double> V,
    double Rho,
    double T,
    double Lower,
    double Objective,
    bool PatternsExact)
{
    /// <summary>objective − lower (≥ 0 up to rounding when the patterns are exact).</summary>
    public double Gap => Objective - Lower;

    /// <summary>gap / max(1, |objective|) (THEORY.md §4).</summary>
    public double RelativeGap => Gap / Math.Max(1, Math.Abs(Objective));

    /// <summary>Certified optimal at ε: gap ≤ ε · max(1, |objective|), over exact patterns.</summary>
    public bool CertifiedAt(double epsilon) => PatternsExact && RelativeGap <= epsilon;
}
