using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>The pricing value ρ(v), the best block and its unit maximiser u* (THEORY.md §4).</summary>
public sealed record PricingResult(double Rho, Block BestBlock, Vector<double> Maximiser, bool PatternsExact);

/// <summary>
/// Exact pricing ρ(v) = max_{‖u‖≤1} |v·σ(Xu)| = max_{s ∈ S(X), γ = ±1} ‖Π_{C_s}(γ X^T diag(s) v)‖ (THEORY.md §4).
/// </summary>
public static class Pricing
{
    /// <summary>ρ(v) over the given pattern set, with the best block and u* = Π/‖Π‖.</summary>
    public static PricingResult Price(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        throw new NotImplementedException("pricing");

    /// <summary>‖Π_{C_s}(γ X^T diag(s) v)‖ for every block b of the set, in <see cref="ConvexProblem.AllBlocks"/> order.</summary>
    public static double[] BlockValues(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        throw new NotImplementedException("pricing");
}
