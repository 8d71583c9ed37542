using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pipeline;

/// <summary>The exact path's cost forecast (ExactPathCost): its formula's parts, monotonicity, and its input checks.</summary>
public class ExactPathCostTests
{
    [Fact]
    public void The_forecast_is_the_sum_of_its_phases_and_uses_the_guards_cell_bound()
    {
        var rng = new Random(5);
        var x = Matrix<double>.Build.Dense(30, 3, (_, _) => rng.NextDouble() - 0.5);
        var guard = ExactPathGuard.Estimate(x);
        var e = ExactPathCost.Estimate(guard, 3);
        Assert.Equal(CoverCount.GeneralPosition(30, 3), e.Cells, 6);
        Assert.True(e.Enumeration > 0 && e.Pricing > 0 && e.WorkingSetSolve > 0, e.ToString());
        Assert.Equal(e.Enumeration + e.Pricing + e.WorkingSetSolve, e.Seconds);
        Assert.Equal(ExactPathCost.EnumerationSecondsPerCellRowDim * e.Cells * 30 * 3, e.Enumeration, 12);
    }

    [Fact]
    public void More_rows_dimensions_or_cells_never_cost_less()
    {
        var sizes = new[] { (20, 2), (60, 3), (100, 3), (200, 3), (60, 4), (30, 5), (400, 2), (1000, 6) };
        foreach (var (n, d) in sizes)
        {
            double p = CoverCount.GeneralPosition(n, d);
            var e = ExactPathCost.Estimate(n, d, p);
            Assert.True(ExactPathCost.Estimate(n + 1, d, CoverCount.GeneralPosition(n + 1, d)).Seconds >= e.Seconds, $"n = {n}, d = {d}");
            Assert.True(ExactPathCost.Estimate(n, d + 1, CoverCount.GeneralPosition(n, d + 1)).Seconds >= e.Seconds, $"n = {n}, d = {d}");
            Assert.True(ExactPathCost.Estimate(n, d, 2 * p).Seconds > e.Seconds, $"n = {n}, d = {d}");
        }
        // The scale: a few seconds at (200, 3), far beyond an hour at (1000, 6) (10¹⁴ cells).
        Assert.InRange(ExactPathCost.Estimate(200, 3, CoverCount.GeneralPosition(200, 3)).Seconds, 1, 100);
        Assert.True(ExactPathCost.Estimate(1000, 6, CoverCount.GeneralPosition(1000, 6)).Seconds > 3600);
    }

    [Fact]
    public void Meaningless_sizes_are_refused_naming_them()
    {
        var e = Assert.Throws<InvalidInputException>(() => ExactPathCost.Estimate(0, 3, 10));
        Assert.Contains("n = 0", e.Message);
        Assert.Throws<InvalidInputException>(() => ExactPathCost.Estimate(10, 3, double.PositiveInfinity));
    }
}
