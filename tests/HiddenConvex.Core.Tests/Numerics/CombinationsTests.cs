using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Tests.Numerics;

public class CombinationsTests
{
    [Fact]
    public void CountEqualsTheNumberOfSubsetsEnumerated()
    {
        for (int n = 0; n <= 9; n++)
            for (int k = -1; k <= n + 1; k++)
                Assert.Equal(Combinations.Of(n, k).LongCount(), Combinations.Count(n, k));
    }

    [Fact]
    public void CountIsExactForLargeArgumentsAndSaturatesInsteadOfOverflowing()
    {
        Assert.Equal(1_848_224L, Combinations.Count(224, 3));
        Assert.Equal(118_264_581_564_861_424L, Combinations.Count(60, 30)); // 1.2e17: exact in a long
        Assert.Equal(long.MaxValue, Combinations.Count(1000, 500));
    }
}
