using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// <see cref="ConvexPoint.WithKinkRowsLeftOut"/>: a block on the kink of a row its pattern contains is the same point of the
/// program with that row left out (THEORY.md §3, §4.1). The solves that need it are in ConvexSolverRegressionTests.
/// </summary>
public class KinkRowsTests
{
    private static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);
    private static Block B(string pattern, int sign) => new(ActivationPattern.Parse(pattern), sign);

    [Fact]
    public void A_row_at_the_blocks_kink_is_left_out_and_blocks_landing_together_are_summed()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 1, -1 }, { 0, 1 } });
        var w = new ConvexPoint([
            new BlockValue(B("111", 1), V(2, 2)),   // x_2·w = 0: row 2 leaves the pattern
            new BlockValue(B("101", 1), V(1, 1)),   // lands on the same block (101, +)
            new BlockValue(B("110", -1), V(3, 1)),  // no kink: unchanged
        ], 2);
        var kinkFree = w.WithKinkRowsLeftOut(x, _ => true);
        Assert.Equal(2, kinkFree.Blocks.Count);
        Assert.Equal(V(3, 3), kinkFree.Blocks.Single(b => b.Block.Equals(B("101", 1))).W);
        Assert.Equal(V(3, 1), kinkFree.Blocks.Single(b => b.Block.Equals(B("110", -1))).W);
        Assert.Equal(w.Predict(x), kinkFree.Predict(x));
    }

    [Fact]
    public void Nothing_changes_without_a_kink_or_when_the_program_lacks_the_block()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 1, -1 } });
        var away = new ConvexPoint([new BlockValue(B("11", 1), V(2, 1))], 2);
        Assert.Same(away, away.WithKinkRowsLeftOut(x, _ => true));
        var onKink = new ConvexPoint([new BlockValue(B("11", 1), V(2, 2))], 2);
        Assert.Same(onKink, onKink.WithKinkRowsLeftOut(x, _ => false));
    }
}
