using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Networks;

/// <summary>The maps ψ (convex → network) and φ (network → convex) of THEORY.md §5.</summary>
public static class Maps
{
    /// <summary>ψ: each nonzero block gives u = w/√‖w‖, α = γ√‖w‖; zero blocks give no neuron.</summary>
    public static Network Psi(ConvexPoint w) => throw new NotImplementedException("psi");

    /// <summary>φ: neurons with u ≠ 0, α ≠ 0 go to the block of their slot; w_b = Σ |α_i| u_i.</summary>
    public static ConvexPoint Phi(Network network, Dataset data, PatternSet patterns) => throw new NotImplementedException("phi");
}
