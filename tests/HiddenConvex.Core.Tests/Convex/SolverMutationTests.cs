using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The solver group judged by what it returns (THEORY.md §3, §4, §4.2), written against the survivors of a mutation run
/// (docs/mutation/solver.md).
/// </summary>
public class SolverMutationTests
{
    /// <summary>The optimum scaled by 1 + δ (still in its cones) with its own certificate, and the optimum's objective.</summary>
    private static (ConvexPoint W, Certificate Own, double Optimum) ScaledOptimum(ConvexProblem problem, double delta)
    {
        var solved = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, solved.Status);
        var w = new ConvexPoint(solved.W.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * (1 + delta))), problem.Data.D);
        return (w, problem.Certify(w), solved.Objective);
    }

    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    public void The_dual_point_search_raises_a_valid_lower_bound_and_returns_the_certificate_of_its_prediction(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (w, own, optimum) = ScaledOptimum(problem, 1e-3);
        var found = DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddMinutes(5));
        Assert.NotNull(found);
        var (prediction, certificate) = found.Value;
        Assert.True(certificate.Lower > own.Lower, $"lower bound {certificate.Lower:R} not above W's own {own.Lower:R}");
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(certificate.Lower, optimum), $"lower bound {certificate.Lower:R} above P* = {optimum:R} (tolerance {tol})");
        Assert.Equal(own.Objective, certificate.Objective);
        Assert.Equal(own.ObjectiveRounding, certificate.ObjectiveRounding);
        // The certificate is the one of the returned prediction, priced afresh.
        var again = CertificateChecker.ForPrediction(problem.Data, problem.Loss, problem.Beta, problem.Oracle, prediction,
            own.Objective, own.ObjectiveRounding);
        Assert.Equal(again.Lower, certificate.Lower);
        // Only the searched rows (the longest, at most DualPointSearch.Rows) moved away from W's own prediction.
        var z = w.Predict(problem.Data.X);
        int moved = Enumerable.Range(0, z.Count).Count(j => prediction[j] != z[j]);
        Assert.InRange(moved, 1, Math.Min(DualPointSearch.Rows, z.Count));
    }

    [Fact]
    public void The_search_stops_at_the_first_certificate_within_the_tolerance()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        // Any raise of the lower bound is within a relative gap of 1: the first improving trial is returned, a single
        // step on one row.
        var first = DualPointSearch.Search(problem, w, own, 1, DateTime.UtcNow.AddMinutes(5));
        var full = DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddMinutes(5));
        Assert.NotNull(first);
        Assert.NotNull(full);
        Assert.True(first.Value.Certificate.WithinGap(1));
        var z = w.Predict(problem.Data.X);
        Assert.Equal(1, Enumerable.Range(0, z.Count).Count(j => first.Value.Prediction[j] != z[j]));
        Assert.True(full.Value.Certificate.Lower > first.Value.Certificate.Lower,
            $"the full search ({full.Value.Certificate.Lower:R}) found no more than its first step ({first.Value.Certificate.Lower:R})");
    }

    [Fact]
    public void A_search_past_its_deadline_returns_nothing()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (w, own, _) = ScaledOptimum(problem, 1e-3);
        Assert.Null(DualPointSearch.Search(problem, w, own, 1e-300, DateTime.UtcNow.AddSeconds(-1)));
    }
}
