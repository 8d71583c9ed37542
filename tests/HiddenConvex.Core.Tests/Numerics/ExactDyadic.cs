using System.Numerics;

namespace HiddenConvex.Core.Tests.Numerics;

/// <summary>
/// Exact arithmetic on doubles for tests of rounding bounds: every finite double is m·2^e with integers m and e, so sums
/// and products of doubles are exact dyadic rationals (m, e), compared without rounding.
/// </summary>
internal static class ExactDyadic
{
    /// <summary>A double as an exact rational m·2^e.</summary>
    public static (BigInteger M, int E) Exact(double a)
    {
        if (a == 0) return (BigInteger.Zero, 0);
        long bits = BitConverter.DoubleToInt64Bits(a);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++; else mantissa |= 1L << 52;
        var m = new BigInteger(mantissa);
        return (a < 0 ? -m : m, exponent - 1075);
    }

    /// <summary>Σ a_i b_i exactly, as m·2^e.</summary>
    public static (BigInteger M, int E) ExactDot(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var terms = a.Select((ai, i) => { var (ma, ea) = Exact(ai); var (mb, eb) = Exact(b[i]); return (M: ma * mb, E: ea + eb); }).ToList();
        int e = terms.Min(t => t.E);
        return (terms.Aggregate(BigInteger.Zero, (s, t) => s + (t.M << (t.E - e))), e);
    }

    /// <summary>a + b exactly.</summary>
    public static (BigInteger M, int E) Add((BigInteger M, int E) a, (BigInteger M, int E) b)
    {
        int e = Math.Min(a.E, b.E);
        return ((a.M << (a.E - e)) + (b.M << (b.E - e)), e);
    }

    public static (BigInteger M, int E) Times((BigInteger M, int E) a, (BigInteger M, int E) b) => (a.M * b.M, a.E + b.E);
}
