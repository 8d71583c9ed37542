using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// The helpers under the exact enumeration (THEORY.md §2): scaled norms that neither overflow nor
/// underflow, grouping of normals up to sign, and the row space with its coordinates.
/// </summary>
public class RowSpaceAndNormalsTests
{
    [Theory]
    [InlineData(3, 4, 5)]
    [InlineData(-3e200, 4e200, 5e200)]     // squares overflow without scaling
    [InlineData(3e-200, -4e-200, 5e-200)]  // squares underflow without scaling
    [InlineData(-3e300, 1e-300, 3e300)]    // the scale is the largest magnitude, not the largest entry
    [InlineData(0, 0, 0)]
    public void NormsAndUnitVectorsSurviveExtremeEntries(double a, double b, double norm)
    {
        Assert.Equal(norm, UnitNormals.Norm([a, b]), norm * 1e-15);
        var unit = UnitNormals.Normalized([a, b]);
        if (norm == 0) { Assert.Null(unit); return; }
        Assert.NotNull(unit);
        Assert.Equal(a / norm, unit[0], 1e-15);
        Assert.Equal(b / norm, unit[1], 1e-15);
        Assert.Equal(1, UnitNormals.Dot(unit, unit), 1e-15);
    }

    [Fact]
    public void NormalsAreGroupedUpToSignWithinTheTolerance()
    {
        double[] Unit(double x, double y) => UnitNormals.Normalized([x, y])!;
        var normals = new List<double[]>
        {
            Unit(1, 0), Unit(-1, 0), Unit(0, 1), Unit(1, 1e-11), Unit(-1e-9, 1), Unit(-1, -5e-11),
        };
        var reps = UnitNormals.DistinctUpToSign(normals, 1e-10, out var group, out var opposite);
        Assert.Equal([0, 0, 1, 0, 2, 0], group);
        Assert.Equal([false, true, false, false, false, true], opposite);
        Assert.Equal(3, reps.Count);
        Assert.Same(normals[0], reps[0]);
        Assert.Same(normals[2], reps[1]);
        Assert.Same(normals[4], reps[2]);
    }

    [Fact]
    public void ErrorBoundsWidenTheMergeDistance()
    {
        // Two normals 1e-9 apart: distinct at tolerance 1e-10 with errors 1e-10 (allowed 1e-10 + 4·2e-10),
        // one hyperplane with errors 2e-10 (allowed 1e-10 + 4·4e-10); the representative keeps its error.
        var a = UnitNormals.Normalized([1, 0])!;
        var b = UnitNormals.Normalized([1, 1e-9])!;
        var apart = UnitNormals.DistinctUpToSign([a, b], [1e-10, 1e-10], 1e-10, out var group, out _, out var errors);
        Assert.Equal(2, apart.Count);
        Assert.Equal([0, 1], group);
        Assert.Equal([1e-10, 1e-10], errors);
        var merged = UnitNormals.DistinctUpToSign([a, b], [2e-10, 3e-10], 1e-10, out group, out _, out errors);
        Assert.Single(merged);
        Assert.Equal([0, 0], group);
        Assert.Equal([2e-10], errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheRowSpaceHasTheRankAndAnOrthonormalBasisOfTheRows(bool wide)
    {
        // Rows span e_0 and e_2 of R^3 (a zero row and a scaled copy included); the wide case has fewer rows than columns.
        var x = wide
            ? Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0, 0 }, { 0, 0, 3 } })
            : Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0, 0 }, { 2, 0, 0 }, { 0, 0, 0 }, { 0, 0, 3 } });
        var space = RowSpace.Of(x);
        Assert.Equal(2, space.Rank);
        Assert.Equal(3, space.Basis.RowCount);
        Assert.Equal(2, space.Basis.ColumnCount);
        var gram = space.Basis.TransposeThisAndMultiply(space.Basis);
        Assert.True((gram - Matrix<double>.Build.DenseIdentity(2)).InfinityNorm() < 1e-14, $"BᵀB = {gram}");
        // B Bᵀ v is the projection of v on the row space: (1, 2, 3) ↦ (1, 0, 3).
        var projected = space.FromCoordinates(space.Coordinates([1, 2, 3]));
        Assert.Equal(1, projected[0], 14);
        Assert.Equal(0, projected[1], 14);
        Assert.Equal(3, projected[2], 14);
        Assert.Equal([0.0, 0.0], space.Coordinates([0, 5, 0]).Select(c => Math.Round(c, 14)));
        if (!wide)
        {
            Assert.Null(space.UnitRows[2]);
            Assert.Equal([1.0, 0.0, 0.0], space.UnitRows[1]!);
        }
    }

    [Fact]
    public void ZeroDataAndNoColumnsHaveRankZero()
    {
        var zero = RowSpace.Of(Matrix<double>.Build.Dense(3, 2));
        Assert.Equal(0, zero.Rank);
        Assert.Equal(2, zero.Basis.RowCount);
        Assert.All(zero.UnitRows, Assert.Null);
        Assert.Equal(0, RowSpace.Of(Matrix<double>.Build.Dense(3, 0)).Rank);
    }
}
