using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>One block's value w_b ∈ C_{s_b}.</summary>
public sealed record BlockValue(Block Block, Vector<double> W)
{
    /// <summary>Shortcut for the block's pattern.</summary>
    public ActivationPattern Pattern => Block.Pattern;
    /// <summary>Shortcut for the block's sign γ.</summary>
    public int Sign => Block.Sign;
}

/// <summary>
/// A point W of the convex program (THEORY.md §3), stored sparsely: the listed blocks carry
/// their values, every other block is zero. A block appears at most once.
/// </summary>
public sealed class ConvexPoint
{
    /// <summary>The listed (possibly zero) blocks.</summary>
    public IReadOnlyList<BlockValue> Blocks { get; }
    /// <summary>Input dimension d.</summary>
    public int InputDim { get; }

    /// <summary>Builds W; listing a block twice is an error.</summary>
    public ConvexPoint(IEnumerable<BlockValue> blocks, int inputDim)
    {
        Blocks = blocks.ToList();
        InputDim = inputDim;
        var seen = new HashSet<Block>();
        foreach (var b in Blocks)
        {
            if (b.W.Count != inputDim)
                throw new Data.InvalidInputException($"block {b.Block} has {b.W.Count} entries, expected d = {inputDim}");
            if (!seen.Add(b.Block)) throw new Data.InvalidInputException($"block {b.Block} is listed twice");
        }
    }

    /// <summary>W = 0.</summary>
    public static ConvexPoint Zero(int inputDim) => new([], inputDim);

    /// <summary>The blocks with w_b ≠ 0.</summary>
    public IEnumerable<BlockValue> NonZeroBlocks => Blocks.Where(b => b.W.L2Norm() > 0);

    /// <summary>Σ_b γ_b diag(s_b) X w_b (THEORY.md §3).</summary>
    public Vector<double> Predict(Matrix<double> x)
    {
        var z = Vector<double>.Build.Dense(x.RowCount);
        foreach (var b in Blocks)
        {
            if (b.W.L2Norm() == 0) continue;
            z += Cones.MaskedProduct(x, b.Pattern, b.W) * b.Sign;
        }
        return z;
    }

    /// <summary>Σ_b ‖w_b‖₂ (the group-lasso penalty without β).</summary>
    public double GroupNorm() => Blocks.Sum(b => b.W.L2Norm());

    /// <summary>max_b of the relative cone violation of w_b ∈ C_{s_b} (0 when feasible).</summary>
    public double MaxConeViolation(Matrix<double> x) =>
        Blocks.Count == 0 ? 0 : Blocks.Max(b => Cones.RelativeViolation(x, b.Pattern, b.W));
}
