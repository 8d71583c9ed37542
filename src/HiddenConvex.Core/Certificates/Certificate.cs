using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Certificates;

/// <summary>
/// A dual certificate of a candidate (THEORY.md §4, §4.1): v = −∇ℓ(z), the bound ρ̄ ≥ ρ(v) it was scaled with, the scale t,
/// the lower bound −ℓ*(−t v) on P*_c (and on P*_m for every m), the candidate's computed objective, and the rounding bounds B
/// of the objective and B_low of the lower bound. When <see cref="LowerProven"/> is false, ρ̄ bounds only the blocks a
/// sampled or restricted oracle prices, and the lower bound is NOT proven for the full program.
/// </summary>
public sealed record Certificate(
    Vector<double> V,
    double Rho,
    double T,
    double Lower,
    double Objective,
    bool LowerProven,
    double ObjectiveRounding = 0,
    double LowerRounding = 0)
{
    /// <summary>objective − lower as computed (≥ 0 up to rounding when the lower bound is proven).</summary>
    public double Gap => Objective - Lower;

    /// <summary>Ḡ = (L̂ − lower̂) + B + B_low: an upper bound on L − P*_c that survives rounding (THEORY.md §4.1).</summary>
    public double ProvenGap => Gap + ObjectiveRounding + LowerRounding;

    /// <summary>Ḡ / |L̂|: relative to the candidate's own objective, hence unchanged by units (THEORY.md §4.1); 0 when Ḡ = L̂ = 0.</summary>
    public double RelativeGap => Numerics.Relative.To(ProvenGap, Objective);

    /// <summary>The certified test at ε, whatever the lower bound covers: Ḡ ≤ ε (|L̂| − B) (THEORY.md §4.1; L_β ≥ 0 for both losses).</summary>
    public bool WithinGap(double epsilon) => ProvenGap <= epsilon * (Math.Abs(Objective) - ObjectiveRounding);

    /// <summary>Certified optimal at ε: <see cref="WithinGap"/> with a lower bound proven for the full program.</summary>
    public bool CertifiedAt(double epsilon) => LowerProven && WithinGap(epsilon);
}
