using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Certificates;

/// <summary>
/// Recomputes a certificate from a candidate's prediction alone (THEORY.md §4), independently of any solver:
/// v = −∇ℓ(z), ρ̄(v) ≥ ρ(v) from a pricing oracle (exact for an enumerated one), t ∈ [0, min(cap, β/ρ̄)] maximising
/// −ℓ*(−t v) with the computed t rounded down so that t·ρ̄ ≤ β holds, lower = −ℓ*(−t v) with its rounding bound B_low
/// (THEORY.md §4.1). The candidate's objective comes with its own rounding bound B, which the caller computes because it
/// knows how the prediction was summed (<see cref="RoundingBound"/>).
/// </summary>
public static class CertificateChecker
{
    /// <summary>Certificate for a prediction z with a given objective value and its rounding bound, priced over a pattern set.</summary>
    public static Certificate ForPrediction(Dataset data, Loss loss, double beta, PatternSet patterns, Vector<double> z, double objective,
        double objectiveRounding) =>
        ForPrediction(data, loss, beta, new EnumeratedPricing(data.X, patterns), z, objective, objectiveRounding);

    /// <summary>
    /// Certificate for a prediction z, reusing a pricing oracle built for X (the solver's termination test calls this
    /// once per outer iteration).
    /// </summary>
    public static Certificate ForPrediction(Dataset data, Loss loss, double beta, IPricingOracle pricing, Vector<double> z, double objective,
        double objectiveRounding)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(pricing);
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(z.Count == data.N, $"prediction has {z.Count} entries but the data has {data.N} rows");
        var v = -loss.Gradient(z, data.Y);
        var priced = pricing.Price(v);
        double rho = priced.Upper;
        double tMax = rho > 0 ? Math.Min(loss.DualScaleCap, FeasibleScale(beta, rho)) : loss.DualScaleCap;
        double t = loss.BestDualScale(v, data.Y, tMax);
        double lower = loss.NegConjugate(v * t, data.Y);
        return new Certificate(v, rho, t, lower, objective, priced.UpperProven, objectiveRounding, loss.LowerRounding(v, data.Y, t, lower));
    }

    /// <summary>
    /// The largest double t with t·ρ̄ ≤ β in exact arithmetic, i.e. β/ρ̄ rounded down (THEORY.md §4.1: the computed t must be
    /// dual feasible). The product is tested with one rounding of t·ρ̄ − β, whose sign is exact; a rounded t·ρ̄ can equal β
    /// while t·ρ̄ exceeds it.
    /// </summary>
    public static double FeasibleScale(double beta, double rhoUpper)
    {
        double t = beta / rhoUpper;
        while (t > 0 && Math.FusedMultiplyAdd(t, rhoUpper, -beta) > 0) t = Math.BitDecrement(t);
        return t;
    }
}
