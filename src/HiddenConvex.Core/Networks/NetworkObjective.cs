using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;

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

    /// <summary>L_β(θ) for the data, loss and β of a convex problem (to compare with <see cref="ConvexProblem.Objective"/>).</summary>
    public static double Value(Network network, ConvexProblem problem) =>
        Value(network, problem.Data, problem.Loss, problem.Beta);
}
