using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Settings of <see cref="BranchAndBoundPricing"/>. Every field has a default; use <c>with</c> to change one.
/// </summary>
public sealed record BranchAndBoundSettings
{
    /// <summary>Wall-clock limit in seconds (default 60).</summary>
    public double TimeLimitSeconds { get; init; } = 60;

    /// <summary>Limit on the nodes whose bound is computed (default 100 000 000).</summary>
    public long NodeLimit { get; init; } = 100_000_000;

    /// <summary>
    /// Bound on the memory held by the open list, in bytes (default 1 GiB; each node holds its decided-row bits, its
    /// undecided rows and its branching constraints, about n/8 + 4·(undecided + depth) + 8d + 150 bytes). The rest of the
    /// search uses O((n + depth)·d) doubles, so the process stays far below 4 GB for every n and d.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Relative closing tolerance (default 1e-9): stop with <see cref="BracketStatus.Closed"/> when
    /// Upper − Lower ≤ RelativeTolerance·Lower + floor, where floor = <see cref="Numerics.Tolerances.DecidedRow"/>·Σ_j |v_j|‖x_j‖
    /// is the rounding level of the bounds (relative to the problem's own scale; it lets ρ(v) = 0 close). Nodes whose bound
    /// is at most Lower·(1 + RelativeTolerance) + floor are closed.
    /// </summary>
    public double RelativeTolerance { get; init; } = 1e-9;

    /// <summary>
    /// Stop as soon as Upper ≤ StopBelow (default null: never), proving ρ(v) ≤ StopBelow. Nodes with a bound at most
    /// StopBelow are closed without being explored further.
    /// </summary>
    public double? StopBelow { get; init; }

    /// <summary>Stop as soon as Lower &gt; StopAbove (default null: never): a block above StopAbove refutes ρ(v) ≤ StopAbove.</summary>
    public double? StopAbove { get; init; }

    /// <summary>
    /// Candidate directions u ∈ R^d (default none), e.g. the neurons of a network being checked: the cell of each, for
    /// both signs, is evaluated and improved by local ascent before the search starts.
    /// </summary>
    public IReadOnlyList<Vector<double>> Seeds { get; init; } = [];

    /// <summary>
    /// Maximum moves of one local ascent over neighbouring cells (default 50; 0 disables the ascent). Each move prices at
    /// most d neighbouring cells, each a cone projection over all n rows.
    /// </summary>
    public int AscentSteps { get; init; } = 50;

    /// <summary>
    /// Bound the two children of a node on two threads (default true; used when the node has at least 32 undecided rows,
    /// below which the threads cost more than they save). The result does not depend on it.
    /// </summary>
    public bool ParallelChildren { get; init; } = true;

    /// <summary>Called with the search's progress at most every <see cref="ProgressIntervalSeconds"/> (default null).</summary>
    public Action<BracketProgress>? Progress { get; init; }

    /// <summary>Seconds between two progress reports (default 1; at most 2).</summary>
    public double ProgressIntervalSeconds { get; init; } = 1;

    /// <summary>Checks every field; returns this.</summary>
    /// <exception cref="InvalidInputException">A field is out of range, named in the message.</exception>
    public BranchAndBoundSettings Validated(int inputDim)
    {
        Guard.Positive(TimeLimitSeconds, "time limit (seconds)");
        InvalidInputException.Require(NodeLimit >= 1, $"node limit must be at least 1, got {NodeLimit}");
        InvalidInputException.Require(MemoryLimitBytes >= 1, $"memory limit must be at least 1 byte, got {MemoryLimitBytes}");
        InvalidInputException.Require(double.IsFinite(RelativeTolerance) && RelativeTolerance >= 0,
            $"relative tolerance must be a finite number ≥ 0, got {RelativeTolerance}");
        InvalidInputException.Require(StopBelow is null || double.IsFinite(StopBelow.Value), $"StopBelow must be finite, got {StopBelow}");
        InvalidInputException.Require(StopAbove is null || double.IsFinite(StopAbove.Value), $"StopAbove must be finite, got {StopAbove}");
        InvalidInputException.Require(AscentSteps >= 0, $"ascent steps must be ≥ 0, got {AscentSteps}");
        InvalidInputException.Require(double.IsFinite(ProgressIntervalSeconds) && ProgressIntervalSeconds > 0 && ProgressIntervalSeconds <= 2,
            $"progress interval must be in (0, 2] seconds, got {ProgressIntervalSeconds}");
        ArgumentNullException.ThrowIfNull(Seeds);
        for (int i = 0; i < Seeds.Count; i++)
        {
            var s = Seeds[i];
            InvalidInputException.Require(s is not null && s.Count == inputDim,
                $"seed direction {i} has {s?.Count ?? 0} entries but the data has d = {inputDim}");
            Guard.Finite(s!, "seed directions", $"seed{i}");
        }
        return this;
    }
}
