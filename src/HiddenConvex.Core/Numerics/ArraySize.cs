using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Numerics;

/// <summary>Lengths of dense arrays whose size is a product of problem counts (rows, patterns, blocks, variables).</summary>
internal static class ArraySize
{
    /// <summary>
    /// a·b·c as an array length. In int arithmetic such a product wraps around past 2³¹ − 1 (an OverflowException out
    /// of the allocation, or a wrong length); here a product beyond <see cref="Array.MaxLength"/> is refused with an
    /// error naming the array and the counts, so that a problem too large for a dense method says so.
    /// </summary>
    public static int Product(string what, long a, long b, long c = 1)
    {
        if (a < 0 || b < 0 || c < 0) throw new ArgumentOutOfRangeException(nameof(a), $"{what}: negative count in {a}×{b}×{c}");
        // In double the product cannot wrap (three int counts overflow a long); it is exact up to 2⁵³.
        double size = (double)a * b * c;
        if (size > Array.MaxLength)
            throw new InvalidInputException(
                $"{what} needs {a}×{b}{(c == 1 ? "" : $"×{c}")} = {size:E3} entries, more than an array can hold ({Array.MaxLength}): the problem is too large for this method");
        return (int)(a * b * c);
    }
}
