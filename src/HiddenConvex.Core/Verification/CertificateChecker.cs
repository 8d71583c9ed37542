using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Verification;

/// <summary>
/// Recomputes a certificate from a candidate alone (THEORY.md §4), independently of any solver:
/// v = −∇ℓ(z), ρ(v) exactly, t ∈ [0, min(cap, β/ρ)] maximising −ℓ*(−t v), lower = −ℓ*(−t v).
/// </summary>
public static class CertificateChecker
{
    /// <summary>Certificate for a prediction z with a given objective value.</summary>
    public static Certificate ForPrediction(Dataset data, Loss loss, double beta, PatternSet patterns, Vector<double> z, double objective) =>
        ForPrediction(data, loss, beta, new PricingEngine(data.X, patterns), z, objective);

    /// <summary>
    /// Certificate for a prediction z, reusing a pricing engine built for (X, S) (the solver's
    /// termination test calls this once per outer iteration).
    /// </summary>
    public static Certificate ForPrediction(Dataset data, Loss loss, double beta, PricingEngine pricing, Vector<double> z, double objective)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(pricing);
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(z.Count == data.N, $"prediction has {z.Count} entries but the data has {data.N} rows");
        var v = -loss.Gradient(z, data.Y);
        double rho = pricing.Price(v).Rho;
        double tMax = rho > 0 ? Math.Min(loss.DualScaleCap, beta / rho) : loss.DualScaleCap;
        double t = loss.BestDualScale(v, data.Y, tMax);
        double lower = loss.NegConjugate(v * t, data.Y);
        return new Certificate(v, rho, t, lower, objective, pricing.CoversExactSet);
    }

    /// <summary>Certificate of a convex point W (objective L^c_β(W)).</summary>
    /// <remarks>For a program over a block subset, ρ prices only those blocks (the restricted dual).</remarks>
    public static Certificate ForConvexPoint(ConvexProblem problem, ConvexPoint w) =>
        ForPrediction(problem.Data, problem.Loss, problem.Beta, PricingEngine.For(problem), w.Predict(problem.Data.X), problem.Objective(w));

    /// <summary>Certificate of a network θ: objective L_β(θ), prediction f_θ(X) (THEORY.md §4, §9).</summary>
    public static Certificate ForNetwork(Dataset data, Loss loss, double beta, PatternSet patterns, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        double objective = NetworkObjective.Value(network, data, loss, beta);
        return ForPrediction(data, loss, beta, patterns, network.Predict(data.X), objective);
    }
}
