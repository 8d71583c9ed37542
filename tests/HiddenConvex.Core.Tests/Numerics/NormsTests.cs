using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Numerics;

/// <summary>
/// <see cref="Norms"/> replaces MathNet's <c>L2Norm()</c> on the solver's paths; a verdict must not move by a bit with it,
/// so its norms are compared with MathNet's for exact equality, at every scale the generators produce and beyond.
/// </summary>
public class NormsTests
{
    private static readonly double[] Scales = [1, 1e-300, 1e-160, 2e-19, 3.7e5, 1e150, 1e300];

    private static double[] RandomEntries(Random rng, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (rng.NextDouble() * 2 - 1) * scale * Math.Pow(2, rng.Next(-20, 21))).ToArray();

    [Fact]
    public void The_norm_of_a_vector_is_MathNets_to_the_last_bit_at_every_scale()
    {
        var rng = new Random(20261207);
        foreach (double scale in Scales)
            for (int count = 0; count <= 9; count++)
                for (int trial = 0; trial < 50; trial++)
                {
                    var v = Vector<double>.Build.DenseOfArray(RandomEntries(rng, count, scale));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(v.L2Norm()), BitConverter.DoubleToInt64Bits(Norms.Euclidean(v)));
                }
    }

    [Fact]
    public void The_norm_of_a_row_is_MathNets_norm_of_the_copied_row_to_the_last_bit()
    {
        var rng = new Random(7);
        foreach (double scale in Scales)
        {
            var x = Matrix<double>.Build.Dense(6, 4, (_, _) => (rng.NextDouble() * 2 - 1) * scale * Math.Pow(2, rng.Next(-30, 31)));
            for (int j = 0; j < x.RowCount; j++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(x.Row(j).L2Norm()), BitConverter.DoubleToInt64Bits(Norms.OfRow(x, j)));
        }
    }

    [Fact]
    public void A_row_of_a_matrix_not_stored_by_columns_has_the_same_norm()
    {
        var x = Matrix<double>.Build.SparseOfArray(new double[,] { { 3, 0, 4 }, { 0, 1e-200, 0 } });
        Assert.Equal(5.0, Norms.OfRow(x, 0));
        Assert.Equal(1e-200, Norms.OfRow(x, 1));
    }

    [Fact]
    public void Entries_that_would_overflow_or_underflow_a_sum_of_squares_keep_their_norm()
    {
        Assert.Equal(5e300, Norms.Euclidean(new[] { 3e300, 4e300 }), 1e286);
        Assert.Equal(5e-300, Norms.Euclidean(new[] { 3e-300, 4e-300 }), 1e-314);
        Assert.Equal(0.0, Norms.Euclidean(ReadOnlySpan<double>.Empty));
    }

    [Fact]
    public void A_NaN_or_infinite_entry_gives_what_MathNet_gives()
    {
        foreach (var entries in new[] { new[] { 1.0, double.NaN }, new[] { double.PositiveInfinity, 1.0 }, new[] { 2.0, double.NegativeInfinity, double.NaN } })
        {
            var v = Vector<double>.Build.DenseOfArray(entries);
            Assert.Equal(BitConverter.DoubleToInt64Bits(v.L2Norm()), BitConverter.DoubleToInt64Bits(Norms.Euclidean(v)));
        }
    }
}
