using System.Globalization;
using System.Text.RegularExpressions;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Arrangements.CellEnumeratorMutationTests;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// The fallbacks of the exact cell enumeration (THEORY.md §2) on data built so that each is reached: rows closer to
/// parallel than the witness floor (the first enumeration fails its self-check and the merge tolerance decides), a
/// singular value above rounding but below the tolerance (truncated), both at once, a chain of rows about the
/// tolerance apart (only a coarser tolerance succeeds), and chains at every tolerance (the enumeration gives up). The
/// method string of each set must say what was merged; every returned cell must be genuine. Also the witnesses'
/// relative margin against a direct computation. Written against the survivors of a mutation run
/// (docs/mutation/arrangements.md).
/// </summary>
public class CellEnumeratorMutationTests2
{
    private static Matrix<double> Rows(params double[][] rows) => Matrix<double>.Build.DenseOfRowArrays(rows);

    private static double[] At(double angle) => [Math.Cos(angle), Math.Sin(angle)];

    /// <summary>σ_{k+1}/σ₁ of X with every nonzero row scaled to unit length, by a plain SVD.</summary>
    private static double RowNormalisedSingularRatio(Matrix<double> x, int k)
    {
        var unit = Matrix<double>.Build.DenseOfRowVectors(
            Enumerable.Range(0, x.RowCount).Select(x.Row).Where(r => r.L2Norm() > 0).Select(r => r / r.L2Norm()));
        var s = unit.Svd(computeVectors: false).S;
        return s[k] / s[0];
    }

    /// <summary>Each witness gives its cell's pattern on X and lies off every nonzero row's hyperplane.</summary>
    private static void AssertGenuineCells(Matrix<double> x, PatternSet set)
    {
        Assert.Equal(x.RowCount, set.N);
        foreach (var cell in set.Cells)
        {
            Assert.Equal(cell.Pattern, ActivationPattern.OfDirection(x, cell.Witness));
            for (int j = 0; j < x.RowCount; j++)
                Assert.True(x.Row(j).L2Norm() == 0 || x.Row(j).DotProduct(cell.Witness) != 0,
                    $"cell {cell.Pattern}: the witness lies on the hyperplane of row {j}");
        }
        var strings = set.Patterns.Select(p => p.ToString()).ToList();
        Assert.Equal(strings.Order(StringComparer.Ordinal), strings);
    }

    [Fact]
    public void RowsCloserThanTheWitnessFloorAreMergedAndTheSetSaysOneMerge()
    {
        // Rows 1 and 2 are 1e-14 apart in direction: farther than their error bounds (≈ 7e-15 in R²), so the first
        // enumeration keeps both and the thin cell between them has a witness margin below the floor 1e-14; the merge
        // tolerance 1e-10 makes them one line. They have norm 1e9 and rows 0 and 3, far from them, norms 1 and √2, so the
        // smallest margin is neither the first nor the last row's, and only as a margin relative to ‖x_j‖ is it small.
        var x = Rows([0, 1], [1e9, 0], [1e9, 1e-5], [1, 1]);
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        Assert.Equal(2, set.Rank);
        Assert.Equal("exact up to the merge tolerance 1E-10 (1 nearly coincident hyperplane(s) or intersection(s) merged); thinner cells may be missing",
            set.Method);
        Assert.Equal(PlanarPatterns(Rows([0, 1], [1, 0], [1, 0], [1, 1])).ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void ASingularValueAboveRoundingButBelowTheToleranceIsNamedWhenTruncated()
    {
        // σ₃/σ₁ ≈ 3.3e-12 is above rounding, so the first enumeration is in rank 3, where rows 2 and 3 (3e-14 apart)
        // bound a cell thinner than the witness floor. At the tolerance the third singular value counts as zero; in the
        // remaining plane rows 2 and 3 coincide within their error bounds (no tolerance merge): the cells of the lines
        // x, y and x + y.
        var x = Rows([1, 0, 0], [0, 1, 0], [1, 1, 1e-11], [1, 1, 1e-11 + 3e-14]);
        double ratio = RowNormalisedSingularRatio(x, 2);
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        Assert.Equal(2, set.Rank);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture,
            $"exact up to the merge tolerance 1E-10 (a singular value {ratio:G2}·σ₁ counted as zero); thinner cells may be missing"), set.Method);
        Assert.Equal(PlanarPatterns(Rows([1, 0], [0, 1], [1, 1], [1, 1])).ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void ATruncationAndAMergeAreBothNamed()
    {
        // As above with σ₃/σ₁ ≈ 3e-13, and the thin cell comes from row 3, 2e-14 from row 0 in the plane that remains,
        // which the tolerance merges: both decisions are listed, in that order.
        var x = Rows([1, 0, 0], [0, 1, 0], [1, 1, 1e-12], [1, 2e-14, 0]);
        double ratio = RowNormalisedSingularRatio(x, 2);
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        Assert.Equal(2, set.Rank);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture,
                $"exact up to the merge tolerance 1E-10 (a singular value {ratio:G2}·σ₁ counted as zero, 1 nearly coincident hyperplane(s) or intersection(s) merged); thinner cells may be missing"),
            set.Method);
        Assert.Equal(PlanarPatterns(Rows([1, 0], [0, 1], [1, 1], [1, 0])).ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void ThreePlanesThroughNearlyOneLineAreMergedAtTheirIntersectionAndTheSetSaysSo()
    {
        // Rows 0, 2 and 3 meet in one line for ε = 0 (12 cells); ε = 4e-13 separates the lines of rows 0 ∩ 2 and 0 ∩ 3 by
        // more than their error bounds, and the two thin cells between them are below the witness floor, so the first
        // enumeration fails. No two rows are nearly parallel: the one merge at the tolerance is of intersections.
        var x = Rows([1, 0, 0], [0, 1, 0], [1, 1, 0.1], [1, 2, 0.2 * (1 + 4e-13)]);
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        Assert.Equal(3, set.Rank);
        Assert.Equal("exact up to the merge tolerance 1E-10 (1 nearly coincident hyperplane(s) or intersection(s) merged); thinner cells may be missing",
            set.Method);
        var concurrent = CellEnumerator.Enumerate(Rows([1, 0, 0], [0, 1, 0], [1, 1, 0.1], [1, 2, 0.2]));
        Assert.Equal(12, concurrent.Count);
        Assert.Equal(concurrent.Patterns, set.Patterns);
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void RowsThatAreMultiplesOfOthersUpToTheRoundingOfTheProductKeepTheSetExact()
    {
        // Rows 3 and 4 are 3 times rows 0 and 1 as computed in double (0.3·3 = 0.8999999999999999, not 0.9): their unit
        // normals differ from those of rows 0 and 1 by rounding, within the error bounds of normalising the rows and
        // changing to row-space coordinates, so they are the same hyperplanes and the set is exact with 2³ cells.
        const double k = 3;
        var x = Rows([1, 0.3, 0], [0, 1, 0.7], [0.3, 1, 1], [k, 0.3 * k, 0], [0, k, 0.7 * k]);
        Assert.NotEqual(0.9, 0.3 * k);
        var set = CellEnumerator.Enumerate(x);
        Assert.True(set.IsExact, set.Method);
        Assert.Equal("exact", set.Method);
        Assert.Equal(8, set.Count);
        foreach (var p in set.Patterns)
            Assert.True(p[3] == p[0] && p[4] == p[1], $"pattern {p}: rows 3 and 4 must follow rows 0 and 1");
        AssertGenuineCells(x, set);
    }

    /// <summary>A failure of the self-check as <see cref="CellEnumerator"/> words it, at one tolerance.</summary>
    private const string MarginFailure = @"at (?<tol>[0-9E.+-]+): the witness of cell (?<cell>[01]+) is within (?<margin>[0-9E.+-]+) of the hyperplane of row (?<row>\d+) \(needs (?<floor>[0-9E.+-]+)\)";

    private static void AssertMarginFailure(Match m, int n, double tolerance, int[] rowsOfTheChain)
    {
        Assert.True(m.Success);
        Assert.Equal(tolerance.ToString("G1", CultureInfo.InvariantCulture), m.Groups["tol"].Value);
        Assert.Equal(n, m.Groups["cell"].Value.Length);
        double margin = double.Parse(m.Groups["margin"].Value, CultureInfo.InvariantCulture);
        Assert.True(margin < Tolerances.WitnessMargin(2), $"reported margin {margin} is not below the floor {Tolerances.WitnessMargin(2)}");
        Assert.Contains(int.Parse(m.Groups["row"].Value, CultureInfo.InvariantCulture), rowsOfTheChain);
        Assert.Equal(Tolerances.WitnessMargin(2).ToString("G2", CultureInfo.InvariantCulture), m.Groups["floor"].Value);
    }

    [Fact]
    public void AChainOfRowsAboutTheToleranceApartNeedsTheNextTolerance()
    {
        // Rows 0 and 1 (1e-14 apart) fail the first enumeration. Rows 2, 3, 4 are 0.9e-10 apart in turn: at 1e-10, row 3
        // joins row 2 but row 4 stays, so the witness between rows 2 and 4 lies on row 3's line and fails; at 1e-8 the
        // chain is one line. Two lines, four cells, and the method quotes the failure at 1e-10.
        const double step = 0.9e-10;
        var x = Rows([1, 0], [1, 1e-14], At(1), At(1 + step), At(1 + 2 * step));
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        Assert.Equal(2, set.Rank);
        var m = Regex.Match(set.Method, $"^exact with hyperplanes within 1E-08 merged \\({MarginFailure}\\); thinner cells may be missing$");
        Assert.True(m.Success, set.Method);
        AssertMarginFailure(m, 5, Tolerances.HyperplaneDirection, [2, 3, 4]);
        Assert.Equal(PlanarPatterns(Rows([1, 0], [1, 0], At(1), At(1), At(1))).ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void ARowMergedPastTheBisectorGivesAWitnessOnItsOtherSideAndTheNextToleranceIsUsed()
    {
        // Lines at 0, 0.7e-10 and 1.05e-10 from the normal (0, 1) (rows 2, 3, 4; rows 0 and 1 fail the first enumeration).
        // At 1e-10 row 3 joins row 2 and takes its signs, row 4 stays; the witness of the thin cell between rows 2 and 4 is
        // their bisector at 0.525e-10, short of row 3's line by 0.175e-10 — far above the witness floor — so row 3's sign
        // there is not the one its merge gave it: the pattern differs from the cell's exactly at row 3.
        var x = Rows([1, 0], [1, 1e-14], [0, 1], [0.7e-10, 1], [1.05e-10, 1]);
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        var m = Regex.Match(set.Method,
            @"^exact with hyperplanes within 1E-08 merged \(at 1E-10: the witness of cell (?<cell>[01]{5}) has pattern (?<actual>[01]{5})\); thinner cells may be missing$");
        Assert.True(m.Success, set.Method);
        var differing = Enumerable.Range(0, 5).Where(j => m.Groups["cell"].Value[j] != m.Groups["actual"].Value[j]).ToList();
        Assert.Equal([3], differing);
        Assert.Equal(PlanarPatterns(Rows([1, 0], [1, 0], [0, 1], [0, 1], [0, 1])).ToList(), set.Patterns.Select(p => p.ToString()).ToList());
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void AnInconsistentInsertionIsNamedAsTheFailure()
    {
        // Twelve Gaussian rows in R⁴, some replaced by copies of others turned by 0.3e-10 … 2.3e-10 or
        // 0.3e-8 … 2.3e-8 (seeded): at 1e-10 the restricted arrangement of an inserted hyperplane disagrees with the cells
        // already built, and the enumeration says so; a coarser tolerance succeeds.
        const int d = 4;
        var rng = new Random(6 * 7 + d);
        int n = 6 + rng.Next(8);
        var x = ArrangementData.Gaussian(n, d, 1006);
        int copies = 3 + rng.Next(4);
        for (int c = 0; c < copies; c++)
        {
            int source = rng.Next(n);
            double turn = (0.3 + 2.0 * rng.NextDouble()) * (rng.Next(3) == 0 ? 1e-8 : 1e-10);
            var direction = ArrangementData.Direction(d, rng);
            var row = x.Row(source) + turn * x.Row(source).L2Norm() * direction / direction.L2Norm();
            x.SetRow(rng.Next(n), row);
        }
        var set = CellEnumerator.Enumerate(x);
        Assert.False(set.IsExact, set.Method);
        var m = Regex.Match(set.Method,
            @"^exact with hyperplanes within (1E-08|1E-06) merged \(at 1E-10: (?<count>\d+) inconsistent split\(s\) while inserting hyperplanes\); thinner cells may be missing$");
        Assert.True(m.Success, set.Method);
        Assert.True(int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) > 0, set.Method);
        AssertGenuineCells(x, set);
    }

    [Fact]
    public void ChainsAtEveryToleranceMakeTheEnumerationGiveUpNamingEachFailure()
    {
        // Chains of three rows with steps 0.9e-10, 0.9e-8 and 0.9e-6 fail at 1e-10, 1e-8 and 1e-6 in turn (a coarser
        // tolerance merges the finer chains but splits its own), after rows 0 and 1 failed the first enumeration.
        const double step = 0.9e-10;
        double[][] rows =
        [
            [1, 0], [1, 1e-14],
            At(1), At(1 + step), At(1 + 2 * step),
            At(2), At(2 + 100 * step), At(2 + 200 * step),
            At(2.5), At(2.5 + 1e4 * step), At(2.5 + 2e4 * step),
        ];
        var x = Rows(rows);
        var e = Assert.Throws<InvalidInputException>(() => CellEnumerator.Enumerate(x));
        var m = Regex.Match(e.Message,
            $"^X \\(11x2\\): exact cell enumeration failed its self-check at every merge tolerance \\({MarginFailure}; (?<second>{MarginFailure.Replace("?<", "?<s")}); (?<third>{MarginFailure.Replace("?<", "?<t")})\\): " +
            "some distinct rows are too close to parallel to be separated in double precision; de-duplicate or round the data, or sample the patterns instead$");
        Assert.True(m.Success, e.Message);
        AssertMarginFailure(m, 11, 1e-10, [2, 3, 4]);
        AssertMarginFailure(Regex.Match(m.Groups["second"].Value, MarginFailure), 11, 1e-8, [5, 6, 7]);
        AssertMarginFailure(Regex.Match(m.Groups["third"].Value, MarginFailure), 11, 1e-6, [8, 9, 10]);
    }

    /// <summary>min over cells and nonzero rows of |x_j·u| / (‖x_j‖‖u‖), directly.</summary>
    private static double DirectMargin(Matrix<double> x, IEnumerable<Vector<double>> witnesses) =>
        witnesses.SelectMany(u => Enumerable.Range(0, x.RowCount).Where(j => x.Row(j).L2Norm() > 0)
            .Select(j => Math.Abs(x.Row(j).DotProduct(u)) / (x.Row(j).L2Norm() * u.L2Norm()))).DefaultIfEmpty(1).Min();

    [Fact]
    public void MinimumRelativeMarginIsRelativeToTheRowAndWitnessNormsAndSkipsZeroRows()
    {
        // Rows of norms 0, 5, √5 and √2 and witnesses of norms √10, so that no norm is 1; the zero row comes first, and
        // the smallest margin, |−3 + 2| / (√5·√10) = 1/√50 (row 2, witness 0), is at neither the first nor the last row.
        var x = Rows([0, 0], [3, 4], [-1, 2], [1, 1]);
        var witnesses = new[] { Vector<double>.Build.DenseOfArray([3, 1]), Vector<double>.Build.DenseOfArray([-1, -3]) };
        var set = new PatternSet(witnesses.Select(u => new Cell(ActivationPattern.OfDirection(x, u), u)).ToList(),
            isExact: false, rank: 2, "hand-made", x.RowCount);
        double expected = DirectMargin(x, witnesses);
        Assert.True(Tolerances.Cone.Agree(1 / Math.Sqrt(50), expected), $"direct margin {expected}, by hand {1 / Math.Sqrt(50)}");
        double actual = CellEnumerator.MinimumRelativeMargin(x, set);
        Assert.True(Tolerances.Cone.Agree(expected, actual), $"margin {actual}, directly {expected} (tolerance {Tolerances.Cone})");
    }

    [Fact]
    public void MinimumRelativeMarginOfDataWithoutNonzeroRowsIsOne()
    {
        var x = Matrix<double>.Build.Dense(3, 2);
        Assert.Equal(1.0, CellEnumerator.MinimumRelativeMargin(x, CellEnumerator.Enumerate(x)));
    }
}
