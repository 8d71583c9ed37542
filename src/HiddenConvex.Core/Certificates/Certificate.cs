using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Certificates;

/// <summary>
/// A dual certificate of a candidate (THEORY.md §4): v = −∇ℓ(z), the bound ρ̄ ≥ ρ(v) it was scaled with, the scale t,
/// the lower bound −ℓ*(−t v) on P*_c (and on P*_m for every m), the candidate's objective and the gap. When
/// <see cref="LowerProven"/> is false, ρ̄ bounds only the blocks a sampled or restricted oracle prices, and the lower
/// bound is NOT proven for the full program.
/// </summary>
public sealed record Certificate(
    Vector<double> V,
    double Rho,
    double T,
    double Lower,
    double Objective,
    bool LowerProven)
{
    /// <summary>objective − lower (≥ 0 up to rounding when the lower bound is proven).</summary>
    public double Gap => Objective - Lower;

    /// <summary>gap / max(1, |objective|) (THEORY.md §4).</summary>
    public double RelativeGap => Gap / Math.Max(1, Math.Abs(Objective));

    /// <summary>Certified optimal at ε: gap ≤ ε · max(1, |objective|), with a proven lower bound.</summary>
    public bool CertifiedAt(double epsilon) => LowerProven && RelativeGap <= epsilon;
}
