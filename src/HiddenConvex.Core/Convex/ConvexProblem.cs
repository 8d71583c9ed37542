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
