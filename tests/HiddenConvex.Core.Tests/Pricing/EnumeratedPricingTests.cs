using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The enumerated pricing oracle (THEORY.md §4) on X = I₂, where every value is computed by hand: the four cones
/// C_s are the quadrants, g_s = X^T diag(s) v keeps the entries of v on the active rows, and projecting
/// on a quadrant clips the entries of the wrong sign.
/// </summary>
public class EnumeratedPricingTests
{
    // Built per test, not in static initialisers, so per-test coverage credits the pricing code to every test using it.
    private static Matrix<double> Identity => Matrix<double>.Build.DenseIdentity(2);
    private static PatternSet Quadrants => CellEnumerator.Enumerate(Identity); // 00, 01, 10, 11
    private static Vector<double> Dual => Vector<double>.Build.DenseOfArray([3.0, -5.0]);

    private static Block B(string pattern, int sign) => new(ActivationPattern.Parse(pattern), sign);

    [Fact]
    public void TheQuadrantsAreTheFourPatterns() =>
        Assert.Equal(["00", "01", "10", "11"], Quadrants.Patterns.Select(p => p.ToString()));

    [Fact]
    public void DirectionsAndBlockValuesHaveTheirHandComputedValues()
    {
        var engine = new EnumeratedPricing(Identity, Quadrants);
        var (g, norms) = engine.Directions(Dual.ToArray());
        Assert.Equal([0, 0, 0, -5, 3, 0, 3, -5], g);
        Assert.Equal([0, 5, 3, Math.Sqrt(34)], norms);
        // Blocks (s, +), (s, −) for s = 00, 01, 10, 11: ‖Π_{C_s}(±g_s)‖.
        Assert.Equal([0, 0, 0, 5, 3, 0, 3, 5], engine.Values(Dual));
        Assert.Equal(8, engine.BlockCount);
        Assert.True(engine.BoundsFullProgram);
    }

    [Fact]
    public void ValuesAboveGivesEveryValueAboveTheThresholdAndSkipsOnlyBlocksAtOrBelowIt()
    {
        var engine = new EnumeratedPricing(Identity, Quadrants);
        var values = new double[] { 0, 0, 0, 5, 3, 0, 3, 5 };
        foreach (double threshold in new[] { 0, 2.999, 3, 4, 5 })
        {
            var above = engine.ValuesAbove(Dual.ToArray(), threshold);
            for (int b = 0; b < values.Length; b++)
                Assert.True(above[b] == values[b] || (above[b] == -1 && values[b] <= threshold),
                    $"threshold {threshold}, block {b}: {above[b]} (value {values[b]})");
        }
        // ‖g_s‖ = 0, 5, 3, √34 bound the values: patterns 00 (‖g‖ = 0) and, at threshold 4, 10 (‖g‖ = 3) are not projected.
        Assert.Equal([-1, -1, 0, 5, -1, -1, 3, 5], engine.ValuesAbove(Dual.ToArray(), 4));
    }

    [Fact]
    public void PriceFindsRhoAndAUnitMaximiser()
    {
        var r = ExactPricing.Price(Identity, Quadrants, Dual);
        Assert.Equal(5, r.Rho);
        Assert.Equal(-1, r.BestBlock.Sign); // the maximiser u* = (0, 1) lies in C_01 and C_11, both with γ = −1
        Assert.Equal([0.0, 1.0], r.Maximiser.ToArray());
        Assert.True(r.UpperProven);
    }

    [Fact]
    public void ADualVectorWithZeroPriceHasAZeroMaximiser()
    {
        // Two equal rows: v = (1, −1) gives v·σ(Xu) = 0 for every u, so ρ = 0 although v ≠ 0.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1 }, { 1 } });
        var r = ExactPricing.Price(x, CellEnumerator.Enumerate(x), Vector<double>.Build.DenseOfArray([1.0, -1.0]));
        Assert.Equal(0, r.Rho);
        Assert.Equal([0.0], r.Maximiser.ToArray());
    }

    [Fact]
    public void ABlockSubsetPricesOnlyItsBlocks()
    {
        var engine = new EnumeratedPricing(Identity, Quadrants, [B("11", 1), B("01", -1)]);
        Assert.False(engine.BoundsFullProgram);
        Assert.Equal([-1, -1, -1, 5, -1, -1, 3, -1], engine.Values(Dual));
        Assert.Equal([-1, -1, -1, 5, -1, -1, 3, -1], engine.ValuesAbove(Dual.ToArray(), 0));
        var r = engine.Price(Dual);
        Assert.Equal(5, r.Rho);
        Assert.Equal(B("01", -1), r.BestBlock);
        Assert.False(r.UpperProven);

        var other = new EnumeratedPricing(Identity, Quadrants, [B("11", 1), B("10", -1)]).Price(Dual);
        Assert.Equal(3, other.Rho);
        Assert.Equal(B("11", 1), other.BestBlock);
        Assert.Equal([1.0, 0.0], other.Maximiser.ToArray());
        Assert.True(new EnumeratedPricing(Identity, Quadrants, null).BoundsFullProgram);
    }

    [Fact]
    public void BlocksAreIndexedPatternMajorWithThePositiveSignFirst()
    {
        var engine = new EnumeratedPricing(Identity, Quadrants);
        Assert.Equal(B("11", -1), engine.BlockAt(new BlockId(7)));
        Assert.Equal(B("01", 1), engine.BlockAt(new BlockId(2)));
        Assert.Equal(new BlockId(5), engine.IdOf(B("10", -1)));
        Assert.Equal(new BlockId(0), engine.IdOf(B("00", 1)));
        Assert.Null(engine.IdOf(B("111", 1)));
        Assert.Equal([1, -1, 1, -1], Enumerable.Range(0, 4).Select(b => new BlockId(b).Sign));
        Assert.Equal(new BlockId(6), new BlockId(7).Sibling);
        Assert.Equal(new BlockId(7), BlockId.Of(3, -1));
        Assert.True(engine.Includes(new BlockId(3)));
    }

    [Fact]
    public void BlockFaceNamesTheRowsWhoseConstraintHoldsTheProjection()
    {
        var engine = new EnumeratedPricing(Identity, Quadrants);
        var v = Dual.ToArray();
        var (pi, norm, rows) = engine.Geometry.Face(engine.BlockAt(new BlockId(7)), v); // Π_{u ≥ 0}(−3, 5) = (0, 5): row 0's constraint is active
        Assert.Equal([0.0, 5.0], pi);
        Assert.Equal(5, norm);
        Assert.Equal([0], rows);
        (pi, norm, rows) = engine.Geometry.Face(engine.BlockAt(new BlockId(6)), v);     // Π_{u ≥ 0}(3, −5) = (3, 0): row 1's
        Assert.Equal([3.0, 0.0], pi);
        Assert.Equal(3, norm);
        Assert.Equal([1], rows);
        (pi, norm, rows) = engine.Geometry.Face(engine.BlockAt(new BlockId(4)), v);     // (3, 0) already lies in C_10: no active constraint
        Assert.Equal([3.0, 0.0], pi);
        Assert.Equal(3, norm);
        Assert.Empty(rows);
    }

    [Fact]
    public void MismatchedShapesAndForeignBlocksAreRejectedNamingThem()
    {
        var e = Assert.Throws<InvalidInputException>(() => new EnumeratedPricing(Matrix<double>.Build.DenseIdentity(3), Quadrants));
        Assert.Contains("pattern set is for n = 2 rows but X has 3", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ExactPricing.Price(Identity, Quadrants, Vector<double>.Build.Dense(3)));
        Assert.Contains("dual vector has 3 entries but the data has 2 rows", e.Message);
        e = Assert.Throws<InvalidInputException>(() => new EnumeratedPricing(Identity, Quadrants, [B("11", 1), B("011", 1)]));
        Assert.Contains("has a pattern outside the pattern set", e.Message);
        Assert.Contains("011", e.Message);
    }

    [Fact]
    public void ASparseDualVectorIsPricedLikeItsDenseCopy()
    {
        // MathNet vectors need not be dense: the engine must read any storage.
        var sparse = Vector<double>.Build.Sparse(2);
        sparse[0] = 3;
        sparse[1] = -5;
        Assert.Equal(ExactPricing.Price(Identity, Quadrants, Dual), ExactPricing.Price(Identity, Quadrants, sparse), PriceComparer);
        Assert.Equal([0, 0, 0, 5, 3, 0, 3, 5], ExactPricing.BlockValues(Identity, Quadrants, sparse));
    }

    [Fact]
    public void MissingArgumentsAreNamed()
    {
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => new EnumeratedPricing(null!, Quadrants)).ParamName);
        Assert.Equal("patterns", Assert.Throws<ArgumentNullException>(() => new EnumeratedPricing(Identity, null!)).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentNullException>(() => new EnumeratedPricing(Identity, Quadrants).Price(null!)).ParamName);
    }

    private static readonly IEqualityComparer<PricingResult> PriceComparer = EqualityComparer<PricingResult>.Create((a, b) =>
        a!.Rho == b!.Rho && a.BestBlock == b.BestBlock && a.Maximiser.Equals(b.Maximiser) && a.UpperProven == b.UpperProven);
}
