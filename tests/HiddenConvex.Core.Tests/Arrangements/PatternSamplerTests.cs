using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Arrangements.ArrangementData;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>The random-direction pattern sampler: an inexact subset of S(X) (THEORY.md §2).</summary>
public class PatternSamplerTests
{
    [Fact]
    public void SampledPatternsAreASubsetOfTheExactSetAndMarkedInexact()
    {
        var x = Gaussian(40, 3, seed: 2).Stack(Matrix<double>.Build.Dense(1, 3));
        var exact = CellEnumerator.Enumerate(x);
        var sampled = PatternSampler.Sample(x, 3000, seed: 5);
        Assert.False(sampled.IsExact);
        Assert.Equal("sampled:3000 (seed 5)", sampled.Method);
        Assert.Equal(exact.Rank, sampled.Rank);
        Assert.Equal(x.RowCount, sampled.N);
        Assert.InRange(sampled.Count, 1, exact.Count);
        foreach (var cell in sampled.Cells)
        {
            Assert.True(exact.Contains(cell.Pattern), $"sampled pattern {cell.Pattern} is not a full-dimensional cell");
            Assert.Equal(cell.Pattern, ActivationPattern.OfDirection(x, cell.Witness));
            Assert.Equal(1.0, cell.Witness.L2Norm(), 12);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameSet()
    {
        var x = Gaussian(20, 4, seed: 3);
        var a = PatternSampler.Sample(x, 500, seed: 11);
        var b = PatternSampler.Sample(x, 500, seed: 11);
        var c = PatternSampler.Sample(x, 500, seed: 12);
        Assert.Equal(a.Patterns, b.Patterns);
        Assert.Equal(a.Cells.Select(k => k.Witness), b.Cells.Select(k => k.Witness));
        Assert.NotEqual(a.Cells.Select(k => k.Witness), c.Cells.Select(k => k.Witness));
    }

    [Fact]
    public void ManySamplesOfASmallArrangementFindEveryCell()
    {
        // 6 lines in the plane at angles kπ/6: 12 sectors of 30° each, all hit by 2000 directions.
        var x = Matrix<double>.Build.Dense(6, 2, (j, k) => k == 0 ? Math.Cos(j * Math.PI / 6) : Math.Sin(j * Math.PI / 6));
        var sampled = PatternSampler.Sample(x, 2000, seed: 1);
        var exact = CellEnumerator.Enumerate(x);
        Assert.Equal(12, exact.Count);
        Assert.Equal(exact.Patterns, sampled.Patterns);
    }

    [Fact]
    public void OneDimensionalDataGivesTheTwoHalfLines()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1 }, { -1 }, { 0 } });
        var sampled = PatternSampler.Sample(x, 100, seed: 3);
        Assert.Equal(["011", "101"], sampled.Patterns.Select(p => p.ToString()));
    }

    [Fact]
    public void ANonPositiveNumberOfDirectionsIsRejected()
    {
        Assert.Throws<InvalidInputException>(() => PatternSampler.Sample(Gaussian(3, 2, 1), 0, seed: 1));
    }
}
