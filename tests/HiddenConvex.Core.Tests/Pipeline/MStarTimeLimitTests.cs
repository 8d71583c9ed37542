using HiddenConvex.Core.Pipeline;

namespace HiddenConvex.Core.Tests.Pipeline;

/// <summary>
/// The m* search's time limit after a solve of T seconds, max(share·T, min(floor, T/2)) (PipelineSettings): a share of long
/// solves, the floor for mid-sized ones, and never more than half of a short solve, so that the post-solve work stays
/// within the solve's own time.
/// </summary>
public class MStarTimeLimitTests
{
    [Theory]
    [InlineData(10.0, 2.5)]      // share: 0.25·T
    [InlineData(0.12, 0.05)]     // floor: 0.05 s > 0.25·T, and within T/2
    [InlineData(0.009, 0.0045)]  // a 9 ms solve (n = 10, d = 3): half of it, not the 50 ms floor
    [InlineData(0.0, 0.0)]
    public void TheLimitIsTheShareTheFloorOrHalfTheSolve(double solveSeconds, double expected) =>
        Assert.Equal(expected, CertifiedPipeline.MStarSeconds(new PipelineSettings(), solveSeconds), 12);

    [Fact]
    public void TheLimitNeverExceedsTheSolveForAnyShareUpToOne()
    {
        foreach (double share in new[] { 0.1, 0.25, 0.5, 1.0 })
            foreach (double t in new[] { 1e-4, 1e-3, 0.01, 0.08, 0.1, 1, 100 })
            {
                double limit = CertifiedPipeline.MStarSeconds(new PipelineSettings { MStarTimeShare = share }, t);
                Assert.True(limit <= t, $"share {share}, solve {t} s: m* limit {limit} s exceeds the solve");
            }
    }
}
