using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
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
        throw new NotImplementedException("certificate");

    /// <summary>Certificate of a convex point W (objective L^c_β(W)).</summary>
    public static Certificate ForConvexPoint(ConvexProblem problem, ConvexPoint w) =>
        ForPrediction(problem.Data, problem.Loss, problem.Beta, problem.Patterns, w.Predict(problem.Data.X), problem.Objective(w));
}
