using BigInteger = System.Numerics.BigInteger;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// Activation patterns, pattern sets, the cones C_s and Cover's count (THEORY.md §2) against values
/// computed by hand or by an independent recursion.
/// </summary>
public class PatternAndConeTests
{
    private static Matrix<double> M(double[,] a) => Matrix<double>.Build.DenseOfArray(a);
    private static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);

    [Fact]
    public void APatternReadsBackAsBooleansIntegersSignsAndItsString()
    {
        var s = ActivationPattern.Parse("0110");
        Assert.Equal(4, s.Length);
        Assert.Equal([false, true, true, false], s.ToBools());
        Assert.Equal([0, 1, 1, 0], s.ToInts());
        Assert.Equal([-1.0, 1.0, 1.0, -1.0], Enumerable.Range(0, 4).Select(s.Sign));
        Assert.Equal("0110", s.ToString());
        Assert.Equal(s, ActivationPattern.FromBools([false, true, true, false]));
    }

    [Fact]
    public void PatternsLongerThanOneWordKeepEveryRow()
    {
        // Rows 0, 63, 64 and 129 sit at the edges of the 64-bit words.
        int[] active = [0, 63, 64, 129];
        var bools = Enumerable.Range(0, 130).Select(active.Contains).ToArray();
        var s = ActivationPattern.FromBools(bools);
        Assert.Equal(bools, s.ToBools());
        Assert.Equal(s, ActivationPattern.Parse(s.ToString()));
        Assert.Equal(active, Enumerable.Range(0, 130).Where(j => s[j]));

        // The same pattern as the sign pattern of a direction: row j is ±e_0.
        var x = Matrix<double>.Build.Dense(130, 2, (j, k) => k == 0 ? (bools[j] ? 1 : -1) : 0);
        Assert.Equal(s, ActivationPattern.OfDirection(x, V(1, 0)));
    }

    [Fact]
    public void ParseRejectsOtherCharactersNamingThePattern()
    {
        var e = Assert.Throws<InvalidInputException>(() => ActivationPattern.Parse("01x0"));
        Assert.Contains("'01x0'", e.Message);
        Assert.Contains("0 or 1", e.Message);
    }

    [Fact]
    public void ARowOnTheHyperplaneOrZeroIsActive()
    {
        // Partition convention s(u) = 1[Xu ≥ 0]: x_j·u = 0 counts as active.
        var x = M(new double[,] { { 1, 0 }, { 0, 1 }, { -1, 0 }, { 0, 0 }, { -1, 1e-300 } });
        Assert.Equal("11010", ActivationPattern.OfDirection(x, V(1, 0)).ToString());
        Assert.Equal("10110", ActivationPattern.OfDirection(x, V(0, -1)).ToString());
    }

    [Fact]
    public void PermutingAPatternReadsTheGivenRows()
    {
        var s = ActivationPattern.Parse("0110");
        Assert.Equal("0011", s.Permute([3, 0, 1, 2]).ToString());
        Assert.Equal("1100", s.Permute([1, 2, 0, 3]).ToString());
    }

    [Fact]
    public void PatternsAreEqualOnlyWithTheSameLengthAndRows()
    {
        var a = ActivationPattern.Parse("0");
        Assert.NotEqual(a, ActivationPattern.Parse("00")); // same bits, different n
        Assert.NotEqual(a, ActivationPattern.Parse("1"));
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)"0"));
        Assert.True(a.Equals((object)ActivationPattern.Parse("0")));
        Assert.Equal(ActivationPattern.Parse("10110").GetHashCode(), ActivationPattern.FromBools([true, false, true, true, false]).GetHashCode());
    }

    [Fact]
    public void HashCodesSpreadThePatternsOfOneLength()
    {
        // Pattern sets and the solvers key dictionaries by pattern: equal lengths must not collide wholesale.
        var hashes = Enumerable.Range(0, 256)
            .Select(m => ActivationPattern.FromBools(Enumerable.Range(0, 8).Select(j => (m >> j & 1) != 0).ToArray()).GetHashCode())
            .Distinct().Count();
        Assert.True(hashes >= 250, $"only {hashes} distinct hash codes for the 256 patterns of length 8");
    }

    [Fact]
    public void RelativeViolationHasItsHandComputedValue()
    {
        // Row 0 = (3, 4) must have x·u ≥ 0, row 2 = (1, 0) must have x·u ≤ 0, row 1 is zero.
        var x = M(new double[,] { { 3, 4 }, { 0, 0 }, { 1, 0 } });
        var s = ActivationPattern.Parse("110");
        Assert.Equal(0.6, Cones.RelativeViolation(x, s, V(-2, 0)), 15);              // 6 / (5·2)
        Assert.Equal(2 / Math.Sqrt(5), Cones.RelativeViolation(x, s, V(2, 1)), 15);  // 2 / (1·√5)
        Assert.Equal(0.0, Cones.RelativeViolation(x, s, V(-1, 1)));                // inside: 1 ≥ 0 and −1 ≤ 0
        Assert.Equal(0.0, Cones.RelativeViolation(x, s, V(0, 0)));
    }

    [Fact]
    public void ConeMatricesAndMaskedProductsHaveTheirHandComputedValues()
    {
        var x = M(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var s = ActivationPattern.Parse("101");
        Assert.Equal(M(new double[,] { { 1, 2 }, { -3, -4 }, { 5, 6 } }), Cones.ConstraintMatrix(x, s));
        Assert.Equal(V(3, 0, 11), Cones.MaskedProduct(x, s, V(1, 1)));
        // X^T diag(s) v = 2·(1, 2) + 0·(5, 6); the inactive row 1 contributes nothing.
        Assert.Equal(V(2, 4), Cones.MaskedTransposeProduct(x, s, V(2, 7, 0)));
        Assert.Equal(V(2 + 21 - 5, 4 + 28 - 6), Cones.MaskedTransposeProduct(x, ActivationPattern.Parse("111"), V(2, 7, -1)));
    }

    [Fact]
    public void CoversCountFollowsItsRecursion()
    {
        // Independent oracle: c(n, d) = c(n−1, d) + c(n−1, d−1), c(1, d) = 2, c(n, 1) = 2 (adding a
        // hyperplane in general position splits as many cells as the arrangement it cuts has).
        var c = new BigInteger[41, 9];
        for (int n = 1; n <= 40; n++)
            for (int d = 1; d <= 8; d++)
                c[n, d] = n == 1 || d == 1 ? 2 : c[n - 1, d] + c[n - 1, d - 1];
        for (int n = 1; n <= 40; n++)
            for (int d = 1; d <= 8; d++)
                Assert.True(c[n, d] == CoverCount.GeneralPosition(n, d), $"n={n}, d={d}: {CoverCount.GeneralPosition(n, d)}, recursion {c[n, d]}");
    }

    [Fact]
    public void CoversCountRejectsEmptyShapesAndOverflow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CoverCount.GeneralPosition(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoverCount.GeneralPosition(3, 0));
        Assert.Equal(1L << 62, CoverCount.GeneralPosition(62, 62)); // 2^n when n ≤ d
        Assert.Throws<OverflowException>(() => CoverCount.GeneralPosition(63, 63)); // 2^63 > long.MaxValue
        Assert.Throws<OverflowException>(() => CoverCount.GeneralPosition(70, 70));
    }

    [Fact]
    public void APatternSetIndexesItsCellsAndKeepsItsDescription()
    {
        var cells = new[] { "011", "100", "111" }.Select(p => new Cell(ActivationPattern.Parse(p), V(1, 0))).ToList();
        var set = new PatternSet(cells, isExact: false, rank: 2, "sampled:3 (seed 1)", n: 3);
        Assert.Equal(3, set.Count);
        Assert.False(set.IsExact);
        Assert.Equal(2, set.Rank);
        Assert.Equal("sampled:3 (seed 1)", set.Method);
        Assert.Equal(3, set.N);
        Assert.Equal(["011", "100", "111"], set.Patterns.Select(p => p.ToString()));
        Assert.Equal(2, set.IndexOf(ActivationPattern.Parse("111")));
        Assert.Equal(0, set.IndexOf(ActivationPattern.Parse("011")));
        Assert.Equal(-1, set.IndexOf(ActivationPattern.Parse("000")));
        Assert.True(set.Contains(ActivationPattern.Parse("100")));
        Assert.False(set.Contains(ActivationPattern.Parse("110")));
    }

    [Fact]
    public void APatternSetRejectsADuplicateNamingIt()
    {
        var cells = new[] { "01", "10", "01" }.Select(p => new Cell(ActivationPattern.Parse(p), V(1, 0))).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => new PatternSet(cells, true, 2, "exact", 2));
        Assert.Contains("pattern 01 appears twice", e.Message);
    }

    [Fact]
    public void MinimumRelativeMarginHasItsHandComputedValueAndSkipsZeroRows()
    {
        var x = M(new double[,] { { 1, 0 }, { 0, 0 }, { 0, 2 } });
        var cells = new List<Cell>
        {
            new(ActivationPattern.Parse("111"), V(3, 4)),   // margins 3/5 and 8/(2·5)
            new(ActivationPattern.Parse("110"), V(2, -2)),  // margins 2/√8 and 4/(2·√8)
        };
        var set = new PatternSet(cells, true, 2, "exact", 3);
        Assert.Equal(0.6, CellEnumerator.MinimumRelativeMargin(x, set), 15);
        var zero = Matrix<double>.Build.Dense(2, 2);
        var whole = new PatternSet([new Cell(ActivationPattern.Parse("11"), V(1, 0))], true, 0, "exact", 2);
        Assert.Equal(1.0, CellEnumerator.MinimumRelativeMargin(zero, whole));
    }
}
