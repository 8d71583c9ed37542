using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// Pricing that projects only the blocks whose upper bound can matter (THEORY.md §4): the cone support bounds are upper
/// bounds on every block value, and ρ, its best block, and the lists above a threshold are those of
/// projecting every block, also on the adversarial families (duplicate, opposite, zero and scaled rows, rank-deficient
/// data, integer ties) and once the support table is in use.
/// </summary>
public class PrunedPricingTests
{
    public static TheoryData<string> Families => new(PricingInstances.Families);

    [Theory]
    [MemberData(nameof(Families))]
    public void SupportBoundsAreAtLeastEveryBlockValue(string family)
    {
        for (int seed = 0; seed < 4; seed++)
        {
            var inst = PricingInstances.Make(family, seed);
            var (signs, witnesses) = Table(inst.X, inst.Patterns);
            var geometry = new BlockGeometry(inst.X);
            var bounds = ConeSupportBounds.Build(geometry, signs, witnesses);
            var rng = new Random(seed);
            int n = inst.X.RowCount, d = inst.X.ColumnCount;
            var pi = new double[d];
            for (int r = 0; r < inst.Patterns.Count; r++)
            {
                var rowSigns = signs.AsSpan(r * n, n);
                foreach (var g in Directions(rng, inst, r, d))
                {
                    var (plus, minus) = bounds.Bounds(r, g);
                    double valuePlus = geometry.Project(rowSigns, +1, g, pi), valueMinus = geometry.Project(rowSigns, -1, g, pi);
                    Assert.True(plus >= valuePlus && minus >= valueMinus,
                        $"{inst}, pattern {r}, g = ({string.Join(", ", g)}): bounds ({plus:R}, {minus:R}) below values ({valuePlus:R}, {valueMinus:R})");
                }
            }
        }
    }

    [Fact]
    public void OnTheThinConesOfManyRowsTheSupportBoundIsFarBelowTheNormBound()
    {
        // 60 Gaussian rows in R³: 3 424 cells of angular radius ≈ 0.05. −w (w a cell's interior witness) points away from the
        // cell, so its value is 0; the bound ‖g‖ = 1 says nothing, the support bound must see it.
        var x = PricingInstances.Gaussian(new Random(7), 60, 3);
        var patterns = CellEnumerator.Enumerate(x);
        var (signs, witnesses) = Table(x, patterns);
        var bounds = ConeSupportBounds.Build(new BlockGeometry(x), signs, witnesses);
        var fractions = new List<double>();
        for (int r = 0; r < patterns.Count; r++)
        {
            var w = witnesses[r] / witnesses[r].L2Norm();
            var (plus, minus) = bounds.Bounds(r, w.ToArray());
            Assert.InRange(plus, 1, 1 + 1e-12); // h(w) = ‖w‖ = 1: w lies in its cell
            fractions.Add(minus);
        }
        fractions.Sort();
        Assert.True(fractions[fractions.Count / 2] < 0.1, $"median bound of h(−w) is {fractions[fractions.Count / 2]:R}, not below 0.1");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void PricesAndListsAreThoseOfProjectingEveryBlock(string family)
    {
        for (int seed = 0; seed < 3; seed++)
        {
            var inst = PricingInstances.Make(family, seed);
            var engine = new EnumeratedPricing(inst.X, inst.Patterns); // one engine for the whole sequence: its support table is built on the way
            var rng = new Random(seed);
            var sequence = new List<Vector<double>> { inst.V, 2 * inst.V, -inst.V };
            for (int i = 0; i < 2 * EnumeratedPricing.SupportTableFrom; i++)
                sequence.Add(inst.V + 0.1 * Vector<double>.Build.Dense(inst.V.Count, _ => ArrangementData.Normal(rng)));
            foreach (var v in sequence)
            {
                var all = new EnumeratedPricing(inst.X, inst.Patterns).Values(v); // every block projected
                string where = $"{inst}, v = ({string.Join(", ", v.Select(a => a.ToString("R")))})";
                var priced = engine.Price(v);
                double rho = all.Max();
                Assert.True(priced.Rho == rho, $"{where}: ρ {priced.Rho:R}, every block {rho:R}");
                if (rho > 0) Assert.Equal(engine.BlockAt(new BlockId(Array.IndexOf(all, rho))), priced.BestBlock);
                foreach (double threshold in new[] { 0, 0.5 * rho, 0.9 * rho, rho })
                {
                    var listed = engine.BlocksAbove(v, threshold).Blocks.Select(b => (engine.IdOf(b.Block)!.Value.Value, b.Value));
                    var expected = Enumerable.Range(0, all.Length).Where(b => all[b] >= threshold).Select(b => (b, all[b]));
                    Assert.True(expected.SequenceEqual(listed), $"{where}: blocks ≥ {threshold:R} differ");
                }
            }
        }
    }

    /// <summary>The sign table (patterns × n, ±1) and the witnesses of a pattern set.</summary>
    private static (double[] Signs, Vector<double>[] Witnesses) Table(Matrix<double> x, PatternSet patterns)
    {
        int n = x.RowCount;
        var signs = new double[patterns.Count * n];
        for (int r = 0; r < patterns.Count; r++)
            BlockGeometry.Signs(patterns.Cells[r].Pattern).CopyTo(signs, r * n);
        return (signs, patterns.Cells.Select(c => c.Witness).ToArray());
    }

    /// <summary>Directions to bound at pattern r: its own g_s at the instance's v, random normals at three scales, the witness and its opposite.</summary>
    private static IEnumerable<double[]> Directions(Random rng, PricingInstances.Instance inst, int r, int d)
    {
        var (g, _) = inst.Engine.Directions(inst.V.ToArray());
        yield return g.AsSpan(r * d, d).ToArray();
        foreach (double scale in new[] { 1e-20, 1.0, 1e20 })
            for (int i = 0; i < 3; i++)
                yield return Enumerable.Range(0, d).Select(_ => scale * ArrangementData.Normal(rng)).ToArray();
        var w = inst.Patterns.Cells[r].Witness.ToArray();
        yield return w;
        yield return w.Select(a => -a).ToArray();
    }
}
