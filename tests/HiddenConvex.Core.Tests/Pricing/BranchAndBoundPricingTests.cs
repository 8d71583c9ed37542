using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The branch-and-bound bracket (THEORY.md §4) against exact pricing by enumeration. The exact engine's value carries
/// its own rounding, so ρ_exact ≤ ρ̄ is checked up to <see cref="Tolerances.ConeProjection"/>; the lower side is compared
/// bit for bit (ρ̲ is a block value computed with the exact engine's arithmetic).
/// </summary>
public class BranchAndBoundPricingTests
{
    private static readonly Tolerance Rounding = Tolerances.ConeProjection;
    private const double Closing = 1e-9;

    private static BranchAndBoundSettings Exact => new() { RelativeTolerance = 1e-10, TimeLimitSeconds = 60 };

    public static TheoryData<string> Families() => new(PricingInstances.Families);

    [Theory]
    [MemberData(nameof(Families))]
    public void TheBracketContainsRhoAndClosesOnItGivenEnoughBudget(string family)
    {
        foreach (var inst in Enumerable.Range(0, 12).Select(s => PricingInstances.Make(family, s)))
        {
            var r = new BranchAndBoundPricing(inst.X).Bracket(inst.V, Exact);
            double rho = inst.Rho;
            Assert.True(r.Lower <= rho, $"{inst}: lower {r.Lower:R} > exact ρ {rho:R}");
            Assert.True(Rounding.AtMost(rho, r.Upper), $"{inst}: exact ρ {rho:R} > upper {r.Upper:R} (tolerance {Rounding})");
            Assert.True(r.Status == BracketStatus.Closed, $"{inst}: status {r.Status}, bracket [{r.Lower:R}, {r.Upper:R}]");
            // The closing rule's absolute part is the rounding floor DecidedRow·Σ|v_j|‖x_j‖ (it lets ρ = 0 close).
            double floor = Tolerances.DecidedRow * Enumerable.Range(0, inst.X.RowCount).Sum(j => Math.Abs(inst.V[j]) * inst.X.Row(j).L2Norm());
            Assert.True(r.Upper - rho <= Closing * rho + floor && rho - r.Lower <= Closing * rho + floor,
                $"{inst}: bracket [{r.Lower:R}, {r.Upper:R}] not within relative {Closing} (plus floor {floor:G3}) of ρ = {rho:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void TheBestBlockIsACellWithAnInteriorWitnessAndAMaximiserAttainingItsValue(string family)
    {
        foreach (var inst in Enumerable.Range(0, 8).Select(s => PricingInstances.Make(family, s)))
        {
            var r = new BranchAndBoundPricing(inst.X).Bracket(inst.V, Exact);
            var best = r.Best ?? throw new Xunit.Sdk.XunitException($"{inst}: no block reported");
            int index = (inst.Engine.IdOf(best.Block)?.Value ?? -1);
            Assert.True(index >= 0, $"{inst}: pattern {best.Block.Pattern} is not a cell of S(X)");
            Assert.Equal(inst.Values[index], r.Lower);
            Assert.Equal(best.Value, r.Lower);
            Assert.Equal(best.Block.Pattern, ActivationPattern.OfDirection(inst.X, best.Witness));
            Assert.True(CellEnumerator.MinimumRelativeMargin(inst.X, new PatternSet([new Cell(best.Block.Pattern, best.Witness)], false, 0, "witness", inst.X.RowCount))
                >= Tolerances.WitnessMargin(inst.X.ColumnCount), $"{inst}: witness closer to a hyperplane than the witness margin");
            if (best.Value == 0) continue;
            Assert.Equal(1.0, best.Maximiser.L2Norm(), 12);
            Assert.True(Cones.RelativeViolation(inst.X, best.Block.Pattern, best.Maximiser) <= Tolerances.Cone.At(1),
                $"{inst}: the maximiser leaves the closed cone of its block");
            double attained = best.Block.Sign * inst.V.DotProduct(Relu(inst.X * best.Maximiser));
            Assert.True(Tolerances.Pricing.Agree(attained, best.Value),
                $"{inst}: γ v·σ(X u*) = {attained:R} but the block value is {best.Value:R} (tolerance {Tolerances.Pricing})");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void BlocksAboveAThresholdWithACompleteFlagAreExactlyTheEnumeratedOnes(string family)
    {
        foreach (var inst in Enumerable.Range(0, 8).Select(s => PricingInstances.Make(family, s)))
        {
            foreach (double fraction in new[] { 0.05, 0.3, 0.8, 0.999 })
            {
                double threshold = fraction * inst.Rho;
                var r = new BranchAndBoundPricing(inst.X).BlocksAbove(inst.V, threshold, 100_000);
                var expected = Enumerable.Range(0, inst.Values.Length).Where(b => inst.Values[b] > threshold)
                    .Select(b => (inst.Engine.BlockAt(new BlockId(b)).ToString(), inst.Values[b])).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
                var listed = r.Blocks.Select(b => (b.Block.ToString(), b.Value)).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
                Assert.True(r.Complete, $"{inst}, threshold {threshold:R}: not complete ({r.Status}, thin leaves {r.ThinLeaves})");
                Assert.Equal(BracketStatus.Exhausted, r.Status);
                Assert.Equal(threshold, r.RemainderUpper);
                Assert.Equal(expected, listed);
                Assert.Equal(r.Blocks.Select(b => b.Value).OrderByDescending(v => v), r.Blocks.Select(b => b.Value));
                foreach (var b in r.Blocks) Assert.Equal(b.Block.Pattern, ActivationPattern.OfDirection(inst.X, b.Witness));
            }
        }
    }

    [Fact]
    public void ACountLimitKeepsTheLargestBlocksAndIsNotComplete()
    {
        var inst = PricingInstances.Make("gaussian", 3);
        var sorted = inst.Values.OrderByDescending(v => v).ToArray();
        Assert.True(sorted[4] > sorted[5], "the instance needs a strict fifth value");
        var r = new BranchAndBoundPricing(inst.X).BlocksAbove(inst.V, 0, 5);
        Assert.False(r.Complete);
        Assert.Equal(sorted.Take(5), r.Blocks.Select(b => b.Value));
        Assert.True(r.RemainderUpper >= sorted[5], $"remainder bound {r.RemainderUpper:R} below the sixth value {sorted[5]:R}");
    }

    [Fact]
    public void ZeroDualVectorAndZeroDataPriceToZero()
    {
        var inst = PricingInstances.Make("gaussian", 1);
        var r = new BranchAndBoundPricing(inst.X).Bracket(Vector<double>.Build.Dense(inst.X.RowCount), Exact);
        Assert.Equal((0.0, 0.0, BracketStatus.Closed), (r.Lower, r.Upper, r.Status));
        var zero = Matrix<double>.Build.Dense(3, 2);
        var z = new BranchAndBoundPricing(zero).Bracket(Vector<double>.Build.DenseOfArray([1.0, -2.0, 3.0]), Exact);
        Assert.Equal((0.0, 0.0, BracketStatus.Closed), (z.Lower, z.Upper, z.Status));
        Assert.Equal("111", z.Best!.Block.Pattern.ToString());
        Assert.Empty(new BranchAndBoundPricing(zero).BlocksAbove(Vector<double>.Build.DenseOfArray([1.0, -2.0, 3.0]), 0, 10).Blocks);
    }

    [Fact]
    public void ASeedAtTheMaximiserGivesTheExactLowerValueBeforeAnyBranching()
    {
        foreach (var inst in Enumerable.Range(0, 6).Select(s => PricingInstances.Make("gaussian", s)))
        {
            var exact = inst.Engine.Price(inst.V);
            var r = new BranchAndBoundPricing(inst.X).Bracket(inst.V,
                Exact with { Seeds = [exact.Maximiser], NodeLimit = 1, AscentSteps = 0 });
            Assert.True(r.Lower >= exact.Rho * (1 - 1e-12), $"{inst}: seeded lower {r.Lower:R} below ρ = {exact.Rho:R}");
        }
    }

    [Fact]
    public void TheLocalAscentNeverLosesValueAndStopsAtACellNoFaceNeighbourOfWhichIsBetter()
    {
        int moved = 0;
        foreach (var inst in Enumerable.Range(0, 10).Select(s => PricingInstances.Make("gaussian", s)))
        {
            int n = inst.X.RowCount, d = inst.X.ColumnCount;
            var x = inst.X.ToRowMajorArray();
            var norms = Enumerable.Range(0, n).Select(j => inst.X.Row(j).L2Norm()).ToArray();
            var cells = new CellSearch(x, norms, n, d, inst.V.ToArray());
            var start = new CellState(n, d);
            var seed = -inst.Engine.Price(inst.V).Maximiser; // far from the best cell
            Assert.True(cells.CellOf(seed.ToArray(), +1, start));
            double before = start.Value;
            int moves = cells.Ascend(start, new CellState(n, d), new CellState(n, d), 1000);
            Assert.True(start.Value >= before, $"{inst}: the ascent went from {before:R} down to {start.Value:R}");
            var pattern = ActivationPattern.FromBools(start.Signs.Select(v => v > 0).ToArray());
            int index = (inst.Engine.IdOf(new Block(pattern, +1))?.Value ?? -1);
            Assert.True(index >= 0, $"{inst}: the ascent ended outside S(X)");
            Assert.Equal(inst.Values[index], start.Value);
            // No cell across a face row of the final projection is better (the ascent's own stopping rule, re-checked by enumeration).
            foreach (int j in start.FaceRows)
                foreach (var cell in inst.Patterns.Cells.Where(c => Differs(c.Pattern, pattern) == 1 && c.Pattern[j] != pattern[j]))
                    Assert.True(inst.Values[(inst.Engine.IdOf(new Block(cell.Pattern, +1))?.Value ?? -1)] <= start.Value * (1 + 1e-12),
                        $"{inst}: the neighbour across row {j} is better than where the ascent stopped");
            if (moves > 0) moved++;
        }
        Assert.True(moved >= 3, $"the ascent moved on only {moved} of 10 instances");
    }

    private static int Differs(ActivationPattern a, ActivationPattern b) => Enumerable.Range(0, a.Length).Count(j => a[j] != b[j]);

    private static Vector<double> Relu(Vector<double> z) => z.Map(a => Math.Max(a, 0));
}
