using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// A priced block at a dual vector v (THEORY.md §4): its value ‖π_b‖ = ‖Π_{C_s}(γ Xᵀ diag(s) v)‖ and a witness: a
/// direction strictly inside the cell of the pattern (x_j·u ≠ 0 for every nonzero row), which the reduced program needs
/// as an interior point of the cone.
/// </summary>
public sealed record PricedBlock(Block Block, double Value, Vector<double> Witness);

/// <summary>
/// The pricing value at v (THEORY.md §4): <see cref="Best"/> is the best block found, whose value ρ̲ = <see cref="Rho"/>
/// is attained (a lower bound on ρ(v)), and <see cref="Upper"/> is ρ̄ ≥ ρ(v) over every block the oracle prices.
/// <see cref="UpperProven"/> says whether that covers all of S(X): only then is a certificate built on ρ̄ a proof
/// for the full program. An enumerated oracle returns ρ̲ = ρ̄ = ρ (exact up to the projection's rounding).
/// <see cref="Maximiser"/> is u* = π/‖π‖ of the best block (in its closed cone; zero when ρ̲ = 0).
/// </summary>
public sealed record PricingResult(PricedBlock Best, Vector<double> Maximiser, double Upper, bool UpperProven)
{
    /// <summary>ρ̲: the value of the best block found (= ρ(v) for an enumerated oracle).</summary>
    public double Rho => Best.Value;

    /// <summary>The best block found.</summary>
    public Block BestBlock => Best.Block;
}

/// <summary>
/// Blocks priced above a threshold, in the oracle's order; <see cref="Complete"/> when no other block of the oracle's program
/// is above it. <see cref="Undecided"/> when none was found and none was proven absent because the search stopped at a
/// time or node limit: asking again at the same v searches longer (<see cref="BranchAndBoundOracle.BlocksAbove"/>).
/// </summary>
public sealed record PricedBlocks(IReadOnlyList<PricedBlock> Blocks, bool Complete, bool Undecided = false);

/// <summary>
/// The seam between the convex program and the way its blocks are found (THEORY.md §4): an exact enumeration of S(X),
/// a sample of it, a block subset, or an oracle that needs no enumeration. Everything the solver, the certificate, the
/// optimal set and the check need from pricing goes through here; a block's own projection does not depend on the
/// oracle (<see cref="Geometry"/>).
/// </summary>
public interface IPricingOracle
{
    /// <summary>Rows n of X.</summary>
    int N { get; }

    /// <summary>Input dimension d.</summary>
    int D { get; }

    /// <summary>How the blocks are found, e.g. "exact" or "sampled:1000 (seed 1)".</summary>
    string Method { get; }

    /// <summary>
    /// True when <see cref="PricingResult.Upper"/> bounds ρ(v) over all of S(X) (a proof for the full program); false when
    /// the oracle prices only some blocks (sampled patterns, an enumeration that may miss thin cells, a block subset):
    /// its bounds then hold for the program restricted to those blocks.
    /// </summary>
    bool BoundsFullProgram { get; }

    /// <summary>
    /// True when <see cref="BlocksAbove"/> lists every block of the oracle's program above a threshold (an enumeration);
    /// false when it returns only some (branch and bound: column generation needs no more). The face polish and the optimal
    /// set of THEORY.md §6 need every block priced near β, so they run only over an oracle that lists them all.
    /// </summary>
    bool ListsEveryBlock { get; }

    /// <summary>The projection of any block on its cone at a dual vector.</summary>
    BlockGeometry Geometry { get; }

    /// <summary>ρ(v) with the best block and the bound ρ̄ (THEORY.md §4).</summary>
    PricingResult Price(Vector<double> v);

    /// <summary>
    /// True when <see cref="Price(Vector{double}, double)"/> can answer sooner than <see cref="Price(Vector{double})"/> (an
    /// anytime bracket); false by default, for an oracle whose answer costs the same either way, so that callers need not
    /// compute the deciding value.
    /// </summary>
    bool StopsAtDecision => false;

    /// <summary>
    /// ρ(v) for a caller that only needs to know on which side of <paramref name="decidingRho"/> it lies (a certificate's
    /// ρ_c, <see cref="Certificates.CertificateChecker.DecidingRho"/>): an anytime oracle may stop once ρ̄ ≤ ρ_c or ρ̲ &gt; ρ_c.
    /// The answer is as proven as <see cref="Price(Vector{double})"/>'s, only possibly less tight. By default the same call.
    /// </summary>
    PricingResult Price(Vector<double> v, double decidingRho) => Price(v);

    /// <summary>
    /// Searches again at v, with all the budget that is left, when the answer kept at v leaves ρ_c undecided
    /// (ρ̲ ≤ ρ_c &lt; ρ̄); the next <see cref="Price(Vector{double}, double)"/> at v then returns the combined answer (the
    /// larger ρ̲, the smaller ρ̄). The default, for an oracle whose answers are exact: <see cref="LongerSearch.NotNeeded"/>.
    /// </summary>
    LongerSearch SearchLonger(Vector<double> v, double decidingRho) => LongerSearch.NotNeeded;

    /// <summary>
    /// The blocks with ‖π_b(v)‖ ≥ <paramref name="threshold"/> (at most <paramref name="maxCount"/>), in the oracle's
    /// order; the solver adds them to its working set and the optimal set reads the active ones off them.
    /// </summary>
    PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue);

    /// <summary>Whether the block belongs to the oracle's program (its pattern is one it prices, and its sign is not excluded).</summary>
    bool Includes(Block block);
}

/// <summary>What <see cref="IPricingOracle.SearchLonger"/> did.</summary>
public enum LongerSearch
{
    /// <summary>The answer kept at v already decides ρ_c (or the oracle is exact): nothing to search.</summary>
    NotNeeded,
    /// <summary>It searched again; the combined answer is kept at v.</summary>
    Searched,
    /// <summary>ρ_c is undecided at v but the oracle's budget is spent.</summary>
    BudgetSpent,
}
