using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Tests.Numerics;

public class ArraySizeTests
{
    [Theory]
    [InlineData(0L, 5L, 1L, 0)]
    [InlineData(293_192L, 30L, 1L, 8_795_760)]
    [InlineData(1_000L, 6L, 6L, 36_000)]
    public void AProductWithinAnArrayIsItsLength(long a, long b, long c, int expected) =>
        Assert.Equal(expected, ArraySize.Product("test array", a, b, c));

    [Theory]
    [InlineData(46_341L, 46_341L, 1L)] // n×n just past 2³¹: int arithmetic wraps to a negative length
    [InlineData(2_100_000L, 32L, 32L)] // blocks × (d+1)²
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue)] // three int counts overflow a long as well
    public void AProductBeyondAnArrayNamesTheArray(long a, long b, long c)
    {
        var e = Assert.Throws<InvalidInputException>(() => ArraySize.Product("the test table", a, b, c));
        Assert.Contains("the test table", e.Message);
        Assert.Contains($"{a}×{b}", e.Message);
    }

    [Fact]
    public void ANegativeCountIsAnError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ArraySize.Product("test array", -1, 2));
}
