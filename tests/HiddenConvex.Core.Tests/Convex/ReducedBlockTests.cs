using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The facets of a reduced block (THEORY.md §3: the cone C_s = {u : a_j·u ≥ 0}, a_j = (2s_j − 1) x_j, without its implied
/// rows): every row of the pattern is implied by the facets (same cone), no facet is implied by the others (irredundant),
/// and away from near-degeneracy their number is that of the one-row-at-a-time reduction over all n rows (Farkas: a implied ⇔ ‖Π_{C'}(−a)‖ = 0). Which of
/// two parallel rows is kept may differ between the two reductions (integer data), so the rows themselves are not compared.
/// </summary>
public class ReducedBlockTests
{
    /// <summary>Relative level at which a projection counts as zero here (the reduction's own threshold is 1e-11).</summary>
    private const double Implied = 1e-9;

    /// <summary>
    /// A facet is not implied by the other facets at the reduction's own threshold (ReducedBlock.RedundancyTolerance): nearly
    /// dependent Gaussian rows give facets at 1.5e-11 (n = 400, d = 2, cell 30), so no wider margin is a property.
    /// </summary>
    private const double NotImplied = 1e-11;

    /// <summary>Facets whose relative distance from being implied is below this are near-degenerate (see the count check).</summary>
    private const double NearlyImplied = 1e-9;

    public static TheoryData<string, int, int, int> Cases => new()
    {
        { "gaussian", 60, 2, 1 }, { "gaussian", 40, 3, 2 }, { "gaussian", 14, 5, 3 },
        { "gaussian", 400, 2, 9 }, // cell 30 has a facet implied by the others only up to 1.5e-11
        { "integer", 20, 3, 4 },  // small integers: repeated, parallel and anti-parallel rows
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FacetsDescribeTheSameConeWithoutRedundantRows(string kind, int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = kind == "integer"
            ? Matrix<double>.Build.Dense(n, d, (_, _) => rng.Next(-2, 3))
            : TestProblems.Gaussian(rng, n, d);
        var oracle = new EnumeratedPricing(x, CellEnumerator.Enumerate(x));
        var cells = oracle.Patterns.Cells;
        foreach (int c in Enumerable.Range(0, cells.Count).Where(i => i % Math.Max(1, cells.Count / 80) == 0))
        {
            var block = ReducedBlock.Create(oracle.Geometry, new Block(cells[c].Pattern, 1), cells[c].Witness);
            var facets = Matrix<double>.Build.Dense(block.FacetCount, d, (i, k) => block.Facets[i * d + k]);
            var signs = BlockGeometry.Signs(cells[c].Pattern);
            for (int j = 0; j < n; j++)
            {
                var a = x.Row(j) * signs[j];
                if (a.L2Norm() == 0) continue;
                double p = ConeProjection.Project(facets, -a).L2Norm();
                Assert.True(p <= Implied * a.L2Norm(), $"{kind} cell {c}: row {j} is not implied by the {block.FacetCount} facets (‖Π(−a)‖ = {p:E2}, threshold {Implied:E0}·‖a‖)");
            }
            double leastMargin = double.PositiveInfinity;
            for (int i = 0; i < block.FacetCount; i++)
            {
                var others = facets.RemoveRow(i);
                var a = facets.Row(i);
                double p = others.RowCount == 0 ? a.L2Norm() : ConeProjection.Project(others, -a).L2Norm();
                Assert.True(p > NotImplied * a.L2Norm(), $"{kind} cell {c}: facet {i} is implied by the others (‖Π(−a)‖ = {p:E2}, threshold {NotImplied:E0}·‖a‖)");
                leastMargin = Math.Min(leastMargin, p / a.L2Norm());
            }
            // Rows implied only up to ~1e-11 may be kept by one reduction and dropped by the other (both describe the cone
            // to that level); away from such near-degeneracy both find the same number of facets.
            if (leastMargin > NearlyImplied) Assert.Equal(OneAtATimeFacetCount(x, signs), block.FacetCount);
        }
    }

    /// <summary>The reference reduction: over all rows in index order, drop a row implied by every row not dropped yet.</summary>
    private static int OneAtATimeFacetCount(Matrix<double> x, double[] signs)
    {
        var kept = Enumerable.Range(0, x.RowCount).Where(j => x.Row(j).L2Norm() > 0).ToList();
        foreach (int j in kept.ToList())
        {
            var rest = kept.Where(i => i != j).ToList();
            var a = x.Row(j) * signs[j];
            if (rest.Count == 0) continue;
            var cone = Matrix<double>.Build.Dense(rest.Count, x.ColumnCount, (r, k) => signs[rest[r]] * x[rest[r], k]);
            if (ConeProjection.Project(cone, -a).L2Norm() <= 1e-11 * a.L2Norm()) kept.Remove(j);
        }
        return kept.Count;
    }
}
