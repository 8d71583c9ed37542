using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The anytime m* search of THEORY.md §6 (<see cref="OptimalSet.SearchMinimumSupport"/>): exact where it finishes (against a
/// brute-force QR search that shares nothing with it), and a proven bracket AtLeast ≤ m* ≤ AtMost, with a point of 𝒲* of
/// support AtMost, wherever its limits stop it.
/// </summary>
public class MinimumSupportSearchTests
{
    /// <summary>Integer data with a zero row, β = 0.1 β_max: 12 active blocks of rank 5 (see OptimalSetMutationTests).</summary>
    private static OptimalSet TwelveActiveBlocks()
    {
        var data = Dataset.Create([[-1, -2], [2, 0], [0, 0], [3, -2], [-2, 1], [-3, 1]], [-3, -2, 3, 3, -1, 3]);
        var loss = new SquaredLoss(1);
        var patterns = CellEnumerator.Enumerate(data.X);
        double betaMax = ExactPricing.Price(data.X, patterns, -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;
        var problem = new ConvexProblem(data, loss, 0.1 * betaMax, patterns);
        return OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
    }

    private static void AssertPointOfTheSet(OptimalSet set, MinimumSupportBounds b, string what)
    {
        Assert.True(b.T.Minimum() >= 0, $"{what}: negative entry {b.T.Minimum()}");
        Assert.Equal(b.AtMost, b.T.Count(v => v > 0));
        double deviation = (set.A * b.T - set.Z).AbsoluteMaximum();
        Assert.True(deviation <= Tolerances.Prediction.At(set.Z.AbsoluteMaximum()),
            $"{what}: the point of support {b.AtMost} misses z* by {deviation:E3} (tolerance {Tolerances.Prediction})");
    }

    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void Without_limits_the_search_finds_the_brute_force_minimum(string name)
    {
        var (_, _, set) = OptimalSetTests.Solve(name);
        var b = set.SearchMinimumSupport(new MinimumSupportLimits());
        Assert.True(b.Exact, $"{name}: bracket [{b.AtLeast}, {b.AtMost}], stopped by {b.Stop}");
        Assert.Equal(MinimumSupportStop.Exact, b.Stop);
        int expected = set.Z.L2Norm() == 0 ? 0 : OptimalSetMutationTests.BruteForceMinimumSupport(set.A, set.Z);
        Assert.Equal(expected, b.MStar);
        if (expected > 0) AssertPointOfTheSet(set, b, name);
    }

    [Fact]
    public void Every_support_budget_gives_a_bracket_around_m_star_that_narrows_as_the_budget_grows()
    {
        var set = TwelveActiveBlocks();
        int mStar = OptimalSetMutationTests.BruteForceMinimumSupport(set.A, set.Z);
        Assert.True(mStar >= 3, $"m* = {mStar}: the instance should need several blocks");
        int lastLower = 0;
        bool sawBracket = false;
        foreach (long budget in new long[] { 0, 1, 5, 12, 30, 78, 100, 300, 1000, 5000 })
        {
            var b = set.SearchMinimumSupport(new MinimumSupportLimits(MaxSupports: budget));
            Assert.InRange(mStar, b.AtLeast, b.AtMost);
            AssertPointOfTheSet(set, b, $"budget {budget}");
            Assert.True(b.SupportsTried <= budget, $"tried {b.SupportsTried} supports with a budget of {budget}");
            Assert.True(b.AtLeast >= lastLower, $"budget {budget}: lower bound {b.AtLeast} fell below {lastLower}");
            lastLower = b.AtLeast;
            if (!b.Exact)
            {
                sawBracket = true;
                Assert.Equal(MinimumSupportStop.SupportLimit, b.Stop);
                Assert.Null(b.MStar);
            }
        }
        Assert.True(sawBracket, "no budget was small enough to stop the search");
        var full = set.SearchMinimumSupport(new MinimumSupportLimits());
        Assert.Equal(mStar, full.MStar);
    }

    [Fact]
    public void A_search_out_of_time_stops_at_once_with_the_known_point_as_its_upper_bound()
    {
        var set = TwelveActiveBlocks();
        var pruned = set.Prune(set.Point);
        var b = set.SearchMinimumSupport(new MinimumSupportLimits(MaxSeconds: 0), pruned);
        Assert.Equal(MinimumSupportStop.TimeLimit, b.Stop);
        Assert.Equal(0, b.SupportsTried);
        Assert.Equal(1, b.AtLeast);
        Assert.Equal(pruned.Count(v => v > 0), b.AtMost);
        Assert.Equal(pruned, b.T);
    }

    [Fact]
    public void The_exhaustive_wrapper_keeps_its_refusal_rule()
    {
        var set = TwelveActiveBlocks();
        int mStar = OptimalSetMutationTests.BruteForceMinimumSupport(set.A, set.Z);
        long throughMStar = Enumerable.Range(1, mStar).Sum(s => Combinations.Count(12, s));
        Assert.Equal(mStar, set.MinimumSupport(throughMStar)?.MStar);
        Assert.Null(set.MinimumSupport(throughMStar - Combinations.Count(12, mStar)));
    }
}
