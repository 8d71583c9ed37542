using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier's dense work arrays at sizes whose int products wrap around: n·n past n = 46 340 rows (reachable with
/// sampled patterns) and blocks·(d+1)² past 2³¹. Before, the allocation threw OverflowException (an internal error
/// of hcv); now the error names the array and the counts.
/// </summary>
public class BarrierSolverSizeTests
{
    [Fact]
    public void TooManyRowsForTheDenseCouplingAreNamed()
    {
        int n = 46_341, d = 1;
        var x = Enumerable.Range(0, n).Select(j => 1.0 + j).ToArray();
        var y = Vector<double>.Build.Dense(n, 1.0);
        var e = Assert.Throws<InvalidInputException>(() =>
            new BarrierRun(new ReducedProgram(x, n, d, y, new SquaredLoss(), 1.0, [], NewtonForm.Woodbury)));
        Assert.Contains("n×n", e.Message);
        Assert.Contains("46341×46341", e.Message);
        // The cheaper form for that many rows over a small working set is the dense one, which needs no n×n array.
        _ = new BarrierRun(new ReducedProgram(x, n, d, y, new SquaredLoss(), 1.0, []));
    }

    [Fact]
    public void TooManyBlockVariablesForTheBlockFactorsAreNamed()
    {
        var rng = new Random(3);
        int n = 2, d = 31;
        var xm = TestProblems.Gaussian(rng, n, d);
        var engine = new EnumeratedPricing(xm, CellEnumerator.Enumerate(xm));
        var block = ReducedBlock.Create(engine.Geometry, engine.BlockAt(new BlockId(0)), engine.Patterns.Cells[0].Witness);
        // 2 100 000 blocks × 32² = 2.15·10⁹ entries: past 2³¹ − 1 (the same block repeated: only the count matters).
        var blocks = Enumerable.Repeat(block, 2_100_000).ToList();
        var e = Assert.Throws<InvalidInputException>(() =>
            new BarrierRun(new ReducedProgram(engine.Geometry.XRowMajor, n, d, TestProblems.Gaussian(rng, n), new SquaredLoss(), 1.0, blocks)));
        Assert.Contains("2100000×32×32", e.Message);
    }
}
