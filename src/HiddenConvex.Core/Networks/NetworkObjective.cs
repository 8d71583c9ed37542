using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Networks;

/// <summary>The non-convex objective L_β(θ) = ℓ(f_θ(X)) + (β/2) Σ_i (‖u_i‖² + α_i²) (THEORY.md §1).</summary>
public static class NetworkObjective
{
    /// <summary>L_β(θ).</summary>
    public static double Value(Network network, Dataset data, Loss loss, double beta)
    {
        Guard.PositiveBeta(beta);
        return loss.Value(network.Predict(data.X), data.Y) + 0.5 * beta * network.SquaredNorm();
    }

    /// <summary>
    /// B(θ): a bound on the rounding error of the computed L_β(θ) (THEORY.md §4.1), with e_j = γ_{d+m+1} ‖x_j‖ Σ_i |α_i|‖u_i‖
    /// and the penalty (β/2)‖θ‖² of m(d + 1) terms.
    /// </summary>
    public static double Rounding(Network network, Dataset data, Loss loss, double beta, Vector<double> z, double objective)
    {
        double magnitude = 0;
        for (int i = 0; i < network.Width; i++)
        {
            var (u, alpha) = network.Neuron(i);
            magnitude += Math.Abs(alpha) * Norms.Euclidean(u);
        }
        var errors = RoundingBound.PredictionErrors(data.X, network.Width, magnitude);
        return RoundingBound.Objective(loss, z, data.Y, errors, 0.5 * beta * network.SquaredNorm(), (long)network.Width * (data.D + 1), objective);
    }

    /// <summary>B(θ) of L_β(θ) computed now (THEORY.md §4.1).</summary>
    public static double Rounding(Network network, Dataset data, Loss loss, double beta) =>
        Rounding(network, data, loss, beta, network.Predict(data.X), Value(network, data, loss, beta));

    /// <summary>L_β(θ) for the data, loss and β of a convex problem (to compare with <see cref="ConvexProblem.Objective"/>).</summary>
    public static double Value(Network network, ConvexProblem problem) =>
        Value(network, problem.Data, problem.Loss, problem.Beta);
}

/// <summary>The dual certificate of a network (THEORY.md §4, §9): objective L_β(θ), prediction f_θ(X).</summary>
public static class NetworkCertificate
{
    /// <summary>Certificate of θ priced over a pattern set.</summary>
    public static Certificate For(Dataset data, Loss loss, double beta, PatternSet patterns, Network network) =>
        For(data, loss, beta, new EnumeratedPricing(data.X, patterns), network);

    /// <summary>Certificate of θ priced by an oracle (a proof for P*_c when the oracle bounds the full program).</summary>
    public static Certificate For(Dataset data, Loss loss, double beta, IPricingOracle oracle, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        double objective = NetworkObjective.Value(network, data, loss, beta);
        var z = network.Predict(data.X);
        return CertificateChecker.ForPrediction(data, loss, beta, oracle, z, objective, NetworkObjective.Rounding(network, data, loss, beta, z, objective));
    }
}
