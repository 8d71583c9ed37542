using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Tests.Numerics;

/// <summary>
/// <see cref="AccurateDot"/> (THEORY.md §4.1, "Predictions summed accurately", "Underflow") where its bound is all that
/// separates the computed sum from the exact one: cancellation that leaves less than the working precision, and products
/// below the subnormal range.
/// </summary>
public class AccurateDotTests
{
    [Fact]
    public void Terms_that_cancel_to_below_the_working_precision_are_summed_exactly()
    {
        // 1·1 + 2^-60·1 − 1·1: a plain sum returns 0 or 2^-60 depending on the order; Dot2 keeps 2^-60 in the compensation.
        var dot = new AccurateDot();
        dot.Add(1, 1);
        dot.Add(Math.Pow(2, -60), 1);
        dot.Add(-1, 1);
        Assert.Equal(Math.Pow(2, -60), dot.Value);
        Assert.InRange(dot.ErrorBound, 0, 1e-30);
    }

    [Fact]
    public void A_product_that_underflows_to_zero_is_covered_by_the_bound()
    {
        // 2^-600 · 2^-600 = 2^-1200 is below the smallest subnormal: the computed product and its FMA remainder are both 0,
        // so the computed sum is 0 while the exact one is 2^-1200; the bound's 2^-1074 per product covers it.
        var dot = new AccurateDot();
        dot.Add(Math.Pow(2, -600), Math.Pow(2, -600));
        Assert.Equal(0, dot.Value);
        Assert.True(dot.ErrorBound >= Math.Pow(2, -1200), $"error bound {dot.ErrorBound:E3} below the exact sum 2^-1200");
        Assert.Equal(2 * double.Epsilon, dot.ErrorBound);
    }
}
