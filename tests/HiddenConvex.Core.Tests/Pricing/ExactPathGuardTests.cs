using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>The guard of the exact path: Cov(N, r) bounds |S(X)| before any cell is built (THEORY.md §2).</summary>
public class ExactPathGuardTests
{
    [Theory]
    [InlineData(10, 3, 1)]
    [InlineData(25, 2, 2)]
    [InlineData(12, 4, 3)]
    [InlineData(3, 5, 4)]
    public void InGeneralPositionTheBoundIsTheCount(int n, int d, int seed)
    {
        var x = TestProblems.Gaussian(new Random(seed), n, d);
        var estimate = ExactPathGuard.Estimate(x);
        Assert.Equal(CellEnumerator.Enumerate(x).Count, estimate.CellBound, 6);
        Assert.Equal(Math.Min(n, d), estimate.Rank);
        Assert.Equal(n, estimate.DistinctRows);
    }

    public static TheoryData<string, double[][]> Degenerate() => new()
    {
        { "duplicate and opposite rows", [[1, 2], [2, 4], [-1, -2], [0, 1], [3, -1]] },
        { "zero rows", [[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1], [1, 1, 0]] },
        { "rank-deficient", [[1, 0, 1], [0, 1, 1], [1, 1, 2], [2, 1, 3], [1, -1, 0]] },
        { "three coplanar normals of four", [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]] },
        { "all zero", [[0, 0], [0, 0]] },
    };

    [Theory]
    [MemberData(nameof(Degenerate))]
    public void ForDegenerateDataTheBoundIsAnUpperBound(string kind, double[][] rows)
    {
        var x = Matrix<double>.Build.DenseOfRowArrays(rows);
        double bound = ExactPathGuard.Estimate(x).CellBound;
        int count = CellEnumerator.Enumerate(x).Count;
        Assert.True(count <= bound, $"{kind}: {count} cells above the bound {bound}");
    }

    [Fact]
    public void TheFourNormalsWithThreeCoplanarHaveFewerCellsThanTheirBound()
    {
        // THEORY.md §2: equality only in general position (12 cells against Cov(4, 3) = 14).
        var x = Matrix<double>.Build.DenseOfRowArrays([[1.0, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]]);
        Assert.Equal(12, CellEnumerator.Enumerate(x).Count);
        Assert.Equal(14, ExactPathGuard.Estimate(x).CellBound, 9);
    }

    [Fact]
    public void AUsersThousandByTenIsRefusedBeforeAnyCellIsBuiltAndSaysWhy()
    {
        var x = TestProblems.Gaussian(new Random(7), 1000, 10);
        var estimate = ExactPathGuard.Estimate(x);
        Assert.True(estimate.CellBound > 1e20, $"Cov(1000, 10) = {estimate.CellBound}");
        Assert.False(ExactPathGuard.Fits(estimate));
        Assert.Contains("cells (n = 1000, 1000 distinct nonzero rows, rank 10)", estimate.Describe());
    }

    [Fact]
    public void SmallProblemsFitAndTheMemoryGrowsWithTheCells()
    {
        var small = ExactPathGuard.Estimate(TestProblems.Gaussian(new Random(2), 20, 3));
        var larger = ExactPathGuard.Estimate(TestProblems.Gaussian(new Random(2), 200, 3));
        Assert.True(ExactPathGuard.Fits(small) && ExactPathGuard.Fits(larger));
        Assert.True(larger.BytesNeeded > small.BytesNeeded && small.BytesNeeded > 0);
        Assert.False(ExactPathGuard.Fits(larger, memoryBound: larger.BytesNeeded)); // only a share of the bound is the path's
    }

    [Fact]
    public void NonFiniteDataIsRejected()
    {
        var x = Matrix<double>.Build.DenseOfRowArrays([[1.0, double.NaN]]);
        Assert.Throws<InvalidInputException>(() => ExactPathGuard.Estimate(x));
    }
}
