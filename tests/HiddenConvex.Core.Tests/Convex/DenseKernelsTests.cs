using HiddenConvex.Core.Convex;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The SIMD updates of the barrier's dense algebra give the scalar loops' results bit for bit (products rounded, then
/// added in the scalar order; no fused multiply-add), at every length around the lane width and every offset.
/// </summary>
public class DenseKernelsTests
{
    private static double[] Random(Random rng, int length) =>
        Enumerable.Range(0, length).Select(_ => TestProblems.Normal(rng) * Math.Pow(10, rng.Next(-8, 9))).ToArray();

    private static void AssertBitwise(double[] expected, double[] actual, string what)
    {
        int differ = Enumerable.Range(0, expected.Length).Count(i => BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]));
        Assert.True(differ == 0, $"{what}: {differ} of {expected.Length} entries differ from the scalar loop");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void AddCombinationIsTheScalarSumOfProducts(int terms)
    {
        var rng = new Random(terms);
        for (int length = 0; length <= 37; length++)
            foreach (int offset in new[] { 0, 1, 3 })
            {
                int stride = length + offset + 2;
                var x = Random(rng, terms * stride);
                var alpha = Random(rng, terms);
                var y = Random(rng, length);
                var expected = (double[])y.Clone();
                for (int j = 0; j < length; j++)
                {
                    double acc = 0;
                    for (int c = 0; c < terms; c++) acc += alpha[c] * x[c * stride + offset + j];
                    expected[j] += acc;
                }
                DenseKernels.AddCombination(y, alpha, x, stride, offset);
                AssertBitwise(expected, y, $"AddCombination, {terms} terms, length {length}, offset {offset}");
            }
    }

    [Fact]
    public void SubtractScaledIsTheScalarUpdate()
    {
        var rng = new Random(7);
        for (int length = 0; length <= 37; length++)
        {
            var x = Random(rng, length + 3);
            var y = Random(rng, length);
            double alpha = TestProblems.Normal(rng);
            var expected = (double[])y.Clone();
            for (int j = 0; j < length; j++) expected[j] -= alpha * x[j];
            DenseKernels.SubtractScaled(y, alpha, x);
            AssertBitwise(expected, y, $"SubtractScaled, length {length}");
        }
    }
}
