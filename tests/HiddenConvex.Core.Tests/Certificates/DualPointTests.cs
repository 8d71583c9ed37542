using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Certificates;

/// <summary>Certificates of a point at another dual point (THEORY.md §4.2) and their independent check.</summary>
public class DualPointTests
{
    private static ConvexProblem Problem()
    {
        var data = Dataset.Create([[0, -256], [-1048576, -1048576], [128, -128]], [-2, 0, 1], "dual points");
        return new ConvexProblem(data, new SquaredLoss(), 9.7603616226772658, CellEnumerator.Enumerate(data.X));
    }

    [Fact]
    public void EveryDualPointGivesALowerBoundBelowTheOptimum()
    {
        var problem = Problem();
        var r = ConvexSolver.Solve(problem);
        var rng = new Random(3);
        for (int i = 0; i < 50; i++)
        {
            var z = Vector<double>.Build.Dense(problem.Data.N, _ => 3 * (rng.NextDouble() - 0.5));
            var c = problem.Certify(r.W, z);
            Assert.True(Tolerances.Objective.AtMost(c.Lower, r.Objective),
                $"lower bound {c.Lower:R} at a random dual point exceeds the certified objective {r.Objective:R} (tolerance {Tolerances.Objective})");
        }
    }

    [Fact]
    public void AtItsOwnPredictionTheCertificateIsThePointsOwn()
    {
        var problem = Problem();
        var w = ConvexSolver.Solve(problem).W;
        var own = problem.Certify(w);
        var at = problem.Certify(w, w.Predict(problem.Data.X));
        Assert.Equal(own.Lower, at.Lower);
        Assert.Equal(own.ProvenGap, at.ProvenGap);
    }

    [Fact]
    public void TheCheckRecomputesTheLowerBoundAtTheClaimedDualPoint()
    {
        var problem = Problem();
        var r = ConvexSolver.Solve(problem);
        Assert.NotNull(r.DualPrediction);
        var claim = ClaimedSolution.Of(r);
        Assert.True(SolutionCheck.Check(problem, claim, Tolerances.DefaultSolverGap).Passed);
        // The same lower bound claimed without its dual point is not what W's own dual vector proves.
        var withoutDual = claim with { DualPrediction = null };
        var check = SolutionCheck.Check(problem, withoutDual, Tolerances.DefaultSolverGap);
        Assert.False(check.Of(SolutionAspect.Certified).Ok);
        Assert.False(check.Of(SolutionAspect.Lower).Ok);
    }

    /// <summary>
    /// Rows of norm 0.004, 0.03 and 23 000: the optimum fits y = (3, 2, 0) with blocks whose terms x_3·w_b of size 1e7
    /// cancel on the long row, so W's own v_3 carries an error of about 1e-9 and prices the blocks 1e-3 away from β.
    /// </summary>
    private static ConvexProblem CancellingProblem()
    {
        var data = Dataset.Create([[-0.00390625, 0], [0, 0.03125], [-16384, -16384]], [3, 2, 0], "cancelling long row");
        return new ConvexProblem(data, new SquaredLoss(), 0.00081143066968778334, CellEnumerator.Enumerate(data.X));
    }

    [Fact]
    public void NewtonOnTheDualConditionsCertifiesAPointWhosePredictionCancelsOnALongRow()
    {
        var problem = CancellingProblem();
        var w = ConvexSolver.Solve(problem, new SolverSettings()).W;
        var own = problem.Certify(w);
        Assert.False(own.WithinGap(Tolerances.DefaultSolverGap), $"W's own certificate already proves {own.RelativeGap:E2}");
        var found = DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), Tolerances.DefaultSolverGap, DateTime.UtcNow.AddSeconds(30));
        Assert.NotNull(found);
        Assert.True(found.Value.Certificate.WithinGap(Tolerances.DefaultSolverGap),
            $"relative gap {found.Value.Certificate.RelativeGap:E2} at the polished dual point, ε = {Tolerances.DefaultSolverGap}");
        Assert.Equal(found.Value.Certificate.Lower, problem.Certify(w, found.Value.Prediction).Lower);
    }

    [Fact]
    public void TheSolverCertifiesThePointWhosePredictionCancelsOnALongRow()
    {
        var r = ConvexSolver.Solve(CancellingProblem());
        Assert.Equal(SolverStatus.Optimal, r.Status);
        Assert.NotNull(r.DualPrediction);
    }

    [Fact]
    public void NewtonOnTheDualConditionsDoesNotDependOnTheUnitsOfY()
    {
        // (y, β) → (ky, kβ) scales W* and every lower bound by k; a point 0.1 % off W* must get the same relative gap at
        // every k (at k = 1e-3 an unscaled least-squares step once left a multiplier unmoved: 2.3e-5 against 6.2e-7).
        double[][] x = [[-2], [1], [-1]];
        double[] y = [-1, -1, 1];
        double? first = null;
        foreach (double k in new[] { 1.0, 1e-3, 1e3 })
        {
            var data = Dataset.Create(x, y.Select(t => k * t).ToArray(), "units");
            var problem = new ConvexProblem(data, new SquaredLoss(), k * 0.021986982136157903, CellEnumerator.Enumerate(data.X));
            var optimum = ConvexSolver.Solve(problem).W;
            var off = new ConvexPoint(optimum.Blocks.Select(b => b with { W = b.W * 1.001 }), 1);
            var own = problem.Certify(off);
            var found = DualPolish.Polish(problem, off, own, off.Predict(data.X), Tolerances.CheckGap, DateTime.UtcNow.AddSeconds(30));
            Assert.NotNull(found);
            double gap = found.Value.Certificate.RelativeGap;
            first ??= gap;
            Assert.True(Math.Abs(gap - first.Value) <= 1e-6 * first.Value, $"k = {k}: relative gap {gap:R} against {first.Value:R} at k = 1");
        }
    }

    [Fact]
    public void AClaimedDualPointOfTheWrongLengthIsRefusedWithItsName()
    {
        var problem = Problem();
        var r = ConvexSolver.Solve(problem);
        var claim = ClaimedSolution.Of(r) with { DualPrediction = Vector<double>.Build.Dense(2) };
        var e = Assert.Throws<InvalidInputException>(() => SolutionCheck.Check(problem, claim, Tolerances.DefaultSolverGap));
        Assert.Contains("dual prediction", e.Message);
    }
}
