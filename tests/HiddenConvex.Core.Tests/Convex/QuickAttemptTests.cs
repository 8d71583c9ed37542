using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>The quick attempt of <see cref="ConvexSolver"/> on small programs (<see cref="ConvexSolver.IsSmallProgram"/>).</summary>
public class QuickAttemptTests
{
    [Theory]
    [InlineData("ref00_n3_d2_gauss_f0.5")]
    [InlineData("ref01_n5_d2_int_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    [InlineData("ref06_n6_d1_gauss_f0.1")]
    public void TheQuickAttemptCertifiesWithFewerNewtonStepsAndTheSameOptimum(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        Assert.True(ConvexSolver.IsSmallProgram(problem.Oracle, problem.Data.D));
        var quick = ConvexSolver.Solve(problem);
        var usual = ConvexSolver.Solve(problem, new SolverSettings { QuickAttempt = false });
        Assert.Equal(SolverStatus.Optimal, quick.Status);
        Assert.Equal(SolverStatus.Optimal, usual.Status);
        Assert.True(quick.NewtonSteps < usual.NewtonSteps, $"Newton steps: quick {quick.NewtonSteps}, usual {usual.NewtonSteps}");
        Assert.True(quick.RelativeGap <= ConvexSolver.QuickAttemptAccuracy, $"relative gap {quick.RelativeGap:E3}");
        // Both brackets [lower, objective] hold P*: each lower bound is at most the other's objective.
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(quick.Lower, usual.Objective) && tol.AtMost(usual.Lower, quick.Objective),
            $"brackets [{quick.Lower:R}, {quick.Objective:R}] and [{usual.Lower:R}, {usual.Objective:R}] are disjoint (tolerance {tol})");
    }

    [Fact]
    public void AProgramIsSmallWhenAllItsBlocksFitOnePolish()
    {
        // 2p·d: 12 blocks in R^2 fit; the arrangement of 30 generic rows in R^3 has 2p = 1 744 blocks, 5 232 variables.
        var small = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1").ExactProblem();
        Assert.True(ConvexSolver.IsSmallProgram(small.Oracle, small.Data.D));
        var (data, patterns) = TestProblems.GaussianProblem(7, 30, 3, labels: false);
        var large = new ConvexProblem(data, new SquaredLoss(), 0.1, patterns);
        Assert.False(ConvexSolver.IsSmallProgram(large.Oracle, large.Data.D));
    }

    [Fact]
    public void AQuickPointIsKeptOnlyWhenCertifiedToRoundingLevel()
    {
        var problem = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1").ExactProblem();
        var solved = ConvexSolver.Solve(problem);
        Assert.True(ConvexSolver.AcceptsQuickAttempt(solved.Certificate, Tolerances.DefaultSolverGap, needsAccuracy: false));
        Assert.False(ConvexSolver.AcceptsQuickAttempt(solved.Certificate, Tolerances.DefaultSolverGap, needsAccuracy: true));
        var zero = problem.Certify(ConvexPoint.Zero(problem.Data.D));
        Assert.False(ConvexSolver.AcceptsQuickAttempt(zero, Tolerances.DefaultSolverGap, needsAccuracy: false));
    }
}
