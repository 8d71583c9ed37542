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
        double objectiveRounding) => ForPrediction(data, loss, beta, pricing, z, objective, objectiveRounding, aim: null);

    /// <summary>
    /// The certificate for a prediction z, for a caller that only needs to know whether it meets ε = <paramref name="aim"/>:
    /// an oracle that can stop once that is decided (<see cref="IPricingOracle.StopsAtDecision"/>) is given
    /// <see cref="DecidingRho"/>. The certificate is computed from the returned ρ̄ exactly as without an aim: the aim changes
    /// how long the oracle searches, never what the certificate proves. A null aim prices as <see cref="IPricingOracle.Price(Vector{double})"/>.
    /// </summary>
    public static Certificate ForPrediction(Dataset data, Loss loss, double beta, IPricingOracle pricing, Vector<double> z, double objective,
        double objectiveRounding, double? aim)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(pricing);
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(z.Count == data.N, $"prediction has {z.Count} entries but the data has {data.N} rows");
        var v = -loss.Gradient(z, data.Y);
        var priced = aim is { } epsilon && pricing.StopsAtDecision
            ? pricing.Price(v, DecidingRho(loss, beta, v, data.Y, objective, objectiveRounding, epsilon))
            : pricing.Price(v);
        double rho = priced.Upper;
        double tMax = rho > 0 ? Math.Min(loss.DualScaleCap, FeasibleScale(beta, rho)) : loss.DualScaleCap;
        double t = loss.BestDualScale(v, data.Y, tMax);
        double lower = loss.NegConjugate(v * t, data.Y);
        return new Certificate(v, rho, t, lower, objective, priced.UpperProven, objectiveRounding, loss.LowerRounding(v, data.Y, t, lower));
    }

    /// <summary>
    /// ρ_c, the value of ρ̄ that decides the certified test Ḡ ≤ ε(|L̂| − B) (THEORY.md §4.1, §4a) for a point with computed
    /// objective L̂ and rounding bound B at v: the lower bound −ℓ*(−t v) is concave in t and rises up to its maximiser t*
    /// (within the loss's cap), so the test holds exactly for t ≥ t_ε, the smallest such t (found by bisection, with ε
    /// shrunk by <see cref="Numerics.Tolerances.DecidingRhoMargin"/> so that rounding β/ρ̄ down cannot undo it). Hence ρ̄ ≤ ρ_c = β/t_ε certifies,
    /// and ρ̲ &gt; ρ_c refutes the test (every ρ̄ ≥ ρ̲ forces t &lt; t_ε). ρ_c = 0 when no scale meets ε (the point is not
    /// good enough whatever ρ(v) is), +∞ when t = 0 does (L̂ within ε of 0).
    /// </summary>
    public static double DecidingRho(Loss loss, double beta, Vector<double> v, Vector<double> y, double objective, double objectiveRounding,
        double epsilon)
    {
        ArgumentNullException.ThrowIfNull(loss);
        double target = epsilon * (1 - Numerics.Tolerances.DecidingRhoMargin) * (Math.Abs(objective) - objectiveRounding);
        bool Meets(double t)
        {
            double lower = loss.NegConjugate(v * t, y);
            return objective - lower + objectiveRounding + loss.LowerRounding(v, y, t, lower) <= target;
        }
        if (Meets(0)) return double.PositiveInfinity;
        double best = loss.BestDualScale(v, y, loss.DualScaleCap);
        if (!(best > 0) || !Meets(best)) return 0;
        double lo = 0, hi = best;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Meets(mid)) hi = mid; else lo = mid;
        }
        return Math.BitDecrement(beta / hi);
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
