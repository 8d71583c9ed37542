using HiddenConvex.Core.Arrangements;

namespace HiddenConvex.Core.Pricing;

/// <summary>A block (s, γ) of the convex program (THEORY.md §2): a pattern and a sign γ ∈ {+1, −1}.</summary>
public sealed record Block(ActivationPattern Pattern, int Sign)
{
    /// <summary>Validates γ ∈ {+1, −1}.</summary>
    public int Sign { get; } = Sign is 1 or -1 ? Sign : throw new ArgumentOutOfRangeException(nameof(Sign), "block sign must be +1 or -1");

    /// <summary>The block of the same pattern with the other sign (it shares the cone C_s).</summary>
    public Block Sibling => new(Pattern, -Sign);

    /// <inheritdoc />
    public override string ToString() => $"({Pattern}, {(Sign > 0 ? "+" : "-")})";
}

/// <summary>
/// The number of a block in an enumerated pattern set (THEORY.md §2: blocks (s, +1) and (s, −1) for each pattern, in
/// pattern order): 2·pattern + 0 for γ = +1, 2·pattern + 1 for γ = −1. The one place that knows this numbering.
/// </summary>
public readonly record struct BlockId(int Value)
{
    /// <summary>The block of pattern number <paramref name="pattern"/> with sign <paramref name="sign"/>.</summary>
    public static BlockId Of(int pattern, int sign) => new(2 * pattern + (sign > 0 ? 0 : 1));

    /// <summary>Number of blocks of p patterns (2p), checked against overflow.</summary>
    public static int Count(int patterns) => checked(2 * patterns);

    /// <summary>The pattern's number in its set.</summary>
    public int Pattern => Value >> 1;

    /// <summary>The block's sign γ.</summary>
    public int Sign => (Value & 1) == 0 ? +1 : -1;

    /// <summary>The block of the same pattern with the other sign.</summary>
    public BlockId Sibling => new(Value ^ 1);
}
