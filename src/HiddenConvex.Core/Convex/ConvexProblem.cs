using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The convex program of THEORY.md §3: min over W ∈ 𝒲 of ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖,
/// over the 2p blocks of a pattern set. Immutable and validated (β &gt; 0, targets fit the loss,
/// patterns belong to the data).
/// </summary>
public sealed class ConvexProblem
{
    /// <summary>The data (X, y).</summary>
    public Dataset Data { get; }
    /// <summary>The loss ℓ with its scale.</summary>
    public Loss Loss { get; }
    /// <summary>The regularisation β &gt; 0.</summary>
    public double Beta { get; }
    /// <summary>The patterns whose 2p blocks the program ranges over.</summary>
    public PatternSet Patterns { get; }

    /// <summary>
    /// When not null, the program ranges only over these blocks (a subsampled program, THEORY.md §7):
    /// every other block is fixed at zero. Certificates then price only these blocks, so their lower
    /// bounds hold for the restricted program, not for P*_c.
    /// </summary>
    public IReadOnlyList<Block>? BlockSubset { get; }

    /// <summary>Validates and builds the restricted problem over the given blocks (their patterns must be in the set).</summary>
    public ConvexProblem(Dataset data, Loss loss, double beta, PatternSet patterns, IEnumerable<Block> blocks)
        : this(data, loss, beta, patterns)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var list = blocks.Distinct().ToList();
        foreach (var b in list)
            InvalidInputException.Require(patterns.Contains(b.Pattern), $"block {b} has a pattern outside the pattern set");
        BlockSubset = list;
    }

    /// <summary>The blocks the program ranges over: <see cref="BlockSubset"/> when given, else <see cref="AllBlocks"/>.</summary>
    public IEnumerable<Block> Blocks() => BlockSubset ?? AllBlocks();

    /// <summary>True when certificates of this program bound P*_c itself: exact patterns and no block subset.</summary>
    public bool IsFullExactProgram => Patterns.IsExact && BlockSubset is null;

    /// <summary>Validates and builds the problem.</summary>
    public ConvexProblem(Dataset data, Loss loss, double beta, PatternSet patterns)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Beta = Guard.PositiveBeta(beta);
        Patterns = patterns ?? throw new ArgumentNullException(nameof(patterns));
        loss.ValidateTargets(data.Y, data.Source);
        InvalidInputException.Require(patterns.N == data.N,
            $"pattern set is for n = {patterns.N} rows but the data has {data.N}");
    }

    /// <summary>All 2p blocks: (s, +1) and (s, −1) for each pattern, in pattern order.</summary>
    public IEnumerable<Block> AllBlocks()
    {
        foreach (var c in Patterns.Cells)
        {
            yield return new Block(c.Pattern, +1);
            yield return new Block(c.Pattern, -1);
        }
    }

    /// <summary>L^c_β(W) = ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖ (THEORY.md §3). Feasibility is not checked here.</summary>
    public double Objective(ConvexPoint w) =>
        Loss.Value(w.Predict(Data.X), Data.Y) + Beta * w.GroupNorm();
}
