using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Arrangements.ArrangementData;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// The exact cell enumeration (THEORY.md §2) on inputs that exercise its bookkeeping: more than 64 rows (patterns
/// packed in several 64-bit words), rows that are zero, duplicated, opposite or scaled by up to 10^±9, d = 1 and
/// d = 0, compared with an independent enumeration of planar arrangements by sorting the lines' angles.
/// </summary>
public class CellEnumeratorMutationTests
{
    /// <summary>
    /// d = 2, independently of the enumerator: the cells are the open arcs between consecutive directions
    /// perpendicular to the nonzero rows on the circle; the pattern of an arc is that of its midpoint.
    /// </summary>
    internal static SortedSet<string> PlanarPatterns(Matrix<double> x)
    {
        var cuts = new List<double>();
        for (int j = 0; j < x.RowCount; j++)
        {
            if (x[j, 0] == 0 && x[j, 1] == 0) continue;
            double t = Math.Atan2(x[j, 1], x[j, 0]) + Math.PI / 2;
            cuts.Add(Mod2Pi(t));
            cuts.Add(Mod2Pi(t + Math.PI));
        }
        cuts.Sort();
        var mids = new List<double>();
        if (cuts.Count == 0) mids.Add(0);
        for (int i = 0; i < cuts.Count; i++)
        {
            double next = i + 1 < cuts.Count ? cuts[i + 1] : cuts[0] + 2 * Math.PI;
            if (next - cuts[i] > 1e-9) mids.Add((cuts[i] + next) / 2);
        }
        return new SortedSet<string>(mids.Select(m =>
            ActivationPattern.OfDirection(x, Vector<double>.Build.DenseOfArray([Math.Cos(m), Math.Sin(m)])).ToString()), StringComparer.Ordinal);
    }

    private static double Mod2Pi(double t) => ((t % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);

    private static void AssertUnitWitnesses(PatternSet set)
    {
        foreach (var cell in set.Cells)
            Assert.True(Math.Abs(cell.Witness.L2Norm() - 1) <= Tolerances.Balance.At(1),
                $"cell {cell.Pattern}: witness norm {cell.Witness.L2Norm()} (tolerance {Tolerances.Balance})");
    }

    [Theory]
    [InlineData(65, 1)]
    [InlineData(64, 2)]
    [InlineData(100, 3)]
    [InlineData(130, 4)]
    public void PlanarDataWithMoreThanOneWordOfRowsMatchesTheAngleOracle(int n, int seed)
    {
        var x = Gaussian(n, 2, seed);
        var rng = new Random(seed);
        // Past row 64, copies, opposites, multiples (by up to 10^±9) and zero rows of earlier rows, so that a
        // row in the second word shares its hyperplane with one in the first.
        for (int j = 60; j < n; j += 1 + rng.Next(3))
        {
            int source = rng.Next(j);
            x.SetRow(j, (rng.Next(5)) switch
            {
                0 => x.Row(source),
                1 => -x.Row(source),
                2 => x.Row(source) * Math.Pow(10, rng.Next(-9, 10)),
                3 => -x.Row(source) * Math.Pow(10, rng.Next(-9, 10)),
                _ => Vector<double>.Build.Dense(2),
            });
        }
        var set = CellEnumerator.Enumerate(x);
        AssertWellFormed(x, set);
        AssertUnitWitnesses(set);
        var oracle = PlanarPatterns(x);
        Assert.Equal(ArrangementOracles.CountPlane(x), oracle.Count);
        Assert.Equal(oracle.ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        Assert.True(CellEnumerator.MinimumRelativeMargin(x, set) >= Tolerances.WitnessMargin(2),
            $"margin {CellEnumerator.MinimumRelativeMargin(x, set)} below {Tolerances.WitnessMargin(2)}");
    }

    [Theory]
    [InlineData(70, 3, 11)]
    [InlineData(129, 2, 12)]
    [InlineData(66, 4, 13)]
    public void GeneralPositionWithMoreThan64RowsHasTheCoverCountAndEverySampledPattern(int n, int d, int seed)
    {
        // Regions of n central hyperplanes in general position in R^d: 2 Σ_{k<d} C(n−1, k).
        var x = Gaussian(n, d, seed);
        var set = CellEnumerator.Enumerate(x);
        Assert.Equal(CoverCount.GeneralPosition(n, d), set.Count);
        AssertWellFormed(x, set);
        AssertUnitWitnesses(set);
        var rng = new Random(seed);
        for (int k = 0; k < 3000; k++)
        {
            var u = Direction(d, rng);
            var s = ActivationPattern.OfDirection(x, u);
            Assert.True(set.Contains(s), $"sampled pattern {s} is missing");
        }
        // The bits past row 63 of each witness's pattern are those of the data (not of a neighbouring word).
        foreach (var cell in set.Cells)
            for (int j = 0; j < n; j++)
                Assert.Equal(x.Row(j).DotProduct(cell.Witness) >= 0, cell.Pattern[j]);
    }

    [Fact]
    public void RowsScaledByTenToThePlusMinusNineKeepTheExactSet()
    {
        // The witness margin is relative to ‖x_j‖: scaling rows changes neither the cells nor exactness.
        var x = Gaussian(40, 3, seed: 31);
        var reference = CellEnumerator.Enumerate(x);
        var rng = new Random(31);
        var scaled = Matrix<double>.Build.Dense(40, 3, (j, k) => x[j, k] * Math.Pow(10, j % 2 == 0 ? -9 : 9));
        var set = CellEnumerator.Enumerate(scaled);
        Assert.True(set.IsExact, set.Method);
        Assert.Equal(reference.Patterns, set.Patterns);
        AssertWellFormed(scaled, set);
    }

    [Fact]
    public void OneColumnDataHasTheTwoHalfLinesAsCells()
    {
        var x = Matrix<double>.Build.DenseOfColumnArrays(Enumerable.Range(0, 70).Select(j => (double)((j * 7) % 5 - 2)).ToArray());
        var set = CellEnumerator.Enumerate(x);
        var up = string.Concat(Enumerable.Range(0, 70).Select(j => x[j, 0] >= 0 ? '1' : '0'));
        var down = string.Concat(Enumerable.Range(0, 70).Select(j => x[j, 0] <= 0 ? '1' : '0'));
        Assert.Equal(new[] { down, up }.Order(StringComparer.Ordinal), set.Patterns.Select(p => p.ToString()));
        Assert.Equal([1.0], set.Cells.Select(c => Math.Abs(c.Witness[0])).Distinct());
        AssertWellFormed(x, set);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(70, 3)]
    [InlineData(0, 2)]
    public void AllZeroDataIsOneCellWithAUnitWitness(int n, int d)
    {
        var x = Matrix<double>.Build.Dense(n, d);
        var set = CellEnumerator.Enumerate(x);
        var cell = Assert.Single(set.Cells);
        Assert.Equal(new string('1', n), cell.Pattern.ToString());
        Assert.Equal(d, cell.Witness.Count);
        Assert.Equal(1.0, cell.Witness.L2Norm());
        Assert.True(set.IsExact);
        Assert.Equal(0, set.Rank);
    }

    [Fact]
    public void DataWithoutColumnsIsOneCellWithAnEmptyWitness()
    {
        var x = Matrix<double>.Build.Dense(3, 0);
        var set = CellEnumerator.Enumerate(x);
        var cell = Assert.Single(set.Cells);
        Assert.Equal("111", cell.Pattern.ToString());
        Assert.Empty(cell.Witness);
    }

    [Fact]
    public void MissingOrNonFiniteDataIsNamed()
    {
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => CellEnumerator.Enumerate(null!)).ParamName);
        var x = Matrix<double>.Build.DenseOfArray(new[,] { { 1.0, 0 }, { 0, double.PositiveInfinity } });
        Assert.Equal("data: X[1,1] is +Inf", Assert.Throws<InvalidInputException>(() => CellEnumerator.Enumerate(x)).Message);
    }
}
