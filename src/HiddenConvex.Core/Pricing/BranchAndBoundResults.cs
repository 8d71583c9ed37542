using HiddenConvex.Core.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>Why a branch-and-bound pricing search stopped.</summary>
public enum BracketStatus
{
    /// <summary>Closed to tolerance: Upper − Lower ≤ RelativeTolerance·Lower + floor (see <see cref="BranchAndBoundSettings.RelativeTolerance"/>).</summary>
    Closed,
    /// <summary>Upper ≤ StopBelow: ρ(v) ≤ StopBelow is proven.</summary>
    ReachedStopBelow,
    /// <summary>Lower &gt; StopAbove: a block with value above StopAbove was found (a refutation of ρ(v) ≤ StopAbove).</summary>
    ReachedStopAbove,
    /// <summary>Every node was closed but the bracket is wider than the tolerance (a leaf's bound exceeded every block found near it).</summary>
    Exhausted,
    /// <summary>The time limit was reached; the bracket is valid.</summary>
    TimeLimit,
    /// <summary>The node limit was reached; the bracket is valid.</summary>
    NodeLimit,
    /// <summary>The open list reached its memory bound; the bracket is valid.</summary>
    MemoryLimit,
    /// <summary>Cancelled by the caller; the bracket is valid.</summary>
    Cancelled,
}

/// <summary>
/// A block (s, γ) found by the search (THEORY.md §2, §4) with its value ‖Π_{C_s}(γ X^T diag(s) v)‖, computed with the
/// exact engine's arithmetic (<see cref="EnumeratedPricing"/>), so it is the number exact pricing gives for that block.
/// </summary>
/// <param name="Block">The pattern s and the sign γ.</param>
/// <param name="Value">‖Π_{C_s}(γ X^T diag(s) v)‖.</param>
/// <param name="Maximiser">u* = Π/‖Π‖: a unit vector of the closed cone C_s with γ v·σ(X u*) = Value up to rounding (the
/// direction of a neuron that lowers the objective when Value &gt; β, THEORY.md §9); zero when Value = 0. It may lie on a
/// face of C_s, where its own pattern 1[X u* ≥ 0] can differ from s.</param>
/// <param name="Witness">A unit vector strictly inside C_s: |x_j·w| ≥ WitnessMargin(d)·‖x_j‖ at every nonzero row and
/// 1[X w ≥ 0] = s, which proves s ∈ S(X) (a full-dimensional cell, usable as a <see cref="Arrangements.Cell"/>).</param>
public sealed record FoundBlock(Block Block, double Value, Vector<double> Maximiser, Vector<double> Witness)
{
    /// <summary>The block as every pricing oracle reports it (value and interior witness).</summary>
    public PricedBlock Priced => new(Block, Value, Witness);
}

/// <summary>
/// A proven bracket Lower ≤ ρ(v) ≤ Upper on the pricing value ρ(v) = max_{‖u‖≤1} |v·σ(Xu)| (THEORY.md §4).
/// </summary>
/// <param name="Lower">The best block value found (the value of <see cref="Best"/>; 0 when no block was evaluated).</param>
/// <param name="Upper">A proven upper bound on ρ(v) over all of R^d, rounded outward (sound in floating point).</param>
/// <param name="Best">The block attaining <see cref="Lower"/>, with its maximiser and an interior witness.</param>
/// <param name="Status">Why the search stopped.</param>
/// <param name="Nodes">Nodes whose bound was computed (roots and children).</param>
/// <param name="MaxOpenNodes">The largest size of the open list.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="FirstBracketSeconds">Time until the first proven bracket (the two root bounds and the seeds).</param>
/// <param name="Projections">Full cone projections on the lower-bound side (block values of cells).</param>
public sealed record PricingBracket(
    double Lower,
    double Upper,
    FoundBlock? Best,
    BracketStatus Status,
    long Nodes,
    int MaxOpenNodes,
    double Seconds,
    double FirstBracketSeconds,
    long Projections)
{
    /// <summary>
    /// The blocks that were the incumbent in turn (the last 16 improvements, best first; <see cref="Best"/> first): distinct
    /// cells of S(X) with exact values, which column generation can add together.
    /// </summary>
    public IReadOnlyList<FoundBlock> Incumbents { get; init; } = [];

    /// <summary>Upper − Lower.</summary>
    public double Width => Upper - Lower;

    /// <summary>Upper / Lower − 1 (0 when Upper = 0, +∞ when Lower = 0 &lt; Upper).</summary>
    public double RelativeWidth => Upper == 0 ? 0 : Lower > 0 ? Upper / Lower - 1 : double.PositiveInfinity;
}

/// <summary>Progress of a running search, reported through <see cref="BranchAndBoundSettings.Progress"/>.</summary>
public sealed record BracketProgress(long Nodes, int OpenNodes, double Lower, double Upper, double Seconds);

/// <summary>
/// The blocks whose value exceeds a threshold (THEORY.md §4, §6), largest first.
/// </summary>
/// <param name="Blocks">Blocks with value &gt; threshold found, largest first, at most the requested count.</param>
/// <param name="Complete">True when every block of S(X) with value &gt; threshold is in <see cref="Blocks"/>: the search
/// closed every node (proven bound ≤ threshold, or a single cell evaluated), no block above the threshold was dropped for
/// the count limit, and no leaf above the threshold was too thin to carry an interior witness.</param>
/// <param name="RemainderUpper">A proven upper bound on the value of every block not listed (the threshold when
/// complete; otherwise the largest bound of an unexplored node or value of a dropped block).</param>
/// <param name="Status">Exhausted when the search closed every node; otherwise the limit that stopped it.</param>
/// <param name="Nodes">Nodes whose bound was computed.</param>
/// <param name="MaxOpenNodes">The largest size of the open list.</param>
/// <param name="ThinLeaves">Leaves with a bound above the threshold whose cone had no interior witness.</param>
/// <param name="Seconds">Wall-clock time.</param>
public sealed record BlocksAboveResult(
    IReadOnlyList<FoundBlock> Blocks,
    bool Complete,
    double RemainderUpper,
    BracketStatus Status,
    long Nodes,
    int MaxOpenNodes,
    int ThinLeaves,
    double Seconds);
