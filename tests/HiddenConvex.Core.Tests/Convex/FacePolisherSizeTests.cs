using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The face polish's dense Newton system over a dual vector that prices tens of thousands of blocks near β
/// (the thorough polish of a point far from v*, as on the n = 30, d = 5 Gaussian instance): (Σ rank)² doubles
/// overflowed an array's length and threw OverflowException out of the solver.
/// </summary>
public class FacePolisherSizeTests
{
    [Fact]
    public void AFaceSetBeyondTheDenseLimitIsNotPolished()
    {
        var rng = new Random(5);
        int n = 28, d = 5;
        var x = TestProblems.Gaussian(rng, n, d);
        var y = TestProblems.Gaussian(rng, n);
        var engine = new EnumeratedPricing(x, CellEnumerator.Enumerate(x));
        var v = TestProblems.Gaussian(rng, n);
        // β far below every block's value: every block whose projection is non-zero is a candidate.
        double beta = 1e-9 * engine.Price(v).Rho;
        int candidates = engine.Values(v).Count(value => value >= beta);
        // Σ rank ≤ d·candidates: the old dense system overflowed once Σ rank exceeded 46 340.
        Assert.True(candidates > 46_340 / d, $"only {candidates} candidate blocks: the case cannot reach the overflow");
        var polished = FacePolisher.Polish(engine, x, y, new SquaredLoss(), beta, v, new Dictionary<Block, Vector<double>>());
        Assert.Null(polished);
    }

    [Fact]
    public void AFaceSetWithinTheLimitIsStillPolished()
    {
        var rng = new Random(6);
        int n = 8, d = 2;
        var x = TestProblems.Gaussian(rng, n, d);
        var y = TestProblems.Gaussian(rng, n);
        var engine = new EnumeratedPricing(x, CellEnumerator.Enumerate(x));
        var v = -new SquaredLoss().Gradient(Vector<double>.Build.Dense(n), y);
        double beta = 0.5 * engine.Price(v).Rho;
        var polished = FacePolisher.Polish(engine, x, y, new SquaredLoss(), beta, v, new Dictionary<Block, Vector<double>>());
        Assert.NotNull(polished);
        Assert.NotEmpty(polished);
    }
}
