using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>A block (s, γ) of the convex program (THEORY.md §2): a pattern and a sign γ ∈ {+1, −1}.</summary>
public sealed record Block(ActivationPattern Pattern, int Sign)
{
    /// <summary>Validates γ ∈ {+1, −1}.</summary>
    public int Sign { get; } = Sign is 1 or -1 ? Sign : throw new ArgumentOutOfRangeException(nameof(Sign), "block sign must be +1 or -1");

    /// <inheritdoc />
    public override string ToString() => $"({Pattern}, {(Sign > 0 ? "+" : "-")})";
}

/// <summary>One block's value w_b ∈ C_{s_b}.</summary>
public sealed record BlockValue(Block Block, Vector<double> W)
{
    /// <summary>Shortcut for the block's pattern.</summary>
    public ActivationPattern Pattern => Block.Pattern;
    /// <summary>Shortcut for the block's sign γ.</summary>
    public int Sign => Block.Sign;
}
