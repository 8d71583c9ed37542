using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier's two forms of the Newton system (Woodbury through n×n, dense over the working set's variables) solve the
/// same reduced program to the same point: the form is a matter of cost only (THEORY.md §3).
/// </summary>
public class NewtonFormTests
{
    private static ReducedProgram Program(int seed, int n, int d, int blocks, Loss loss, NewtonForm form)
    {
        var rng = new Random(seed);
        var x = TestProblems.Gaussian(rng, n, d);
        var y = loss.Targets == TargetDomain.SignLabels
            ? Vector<double>.Build.Dense(n, _ => rng.Next(2) == 0 ? -1.0 : 1.0)
            : TestProblems.Gaussian(rng, n);
        var oracle = new EnumeratedPricing(x, CellEnumerator.Enumerate(x));
        var chosen = Enumerable.Range(0, oracle.BlockCount).OrderBy(_ => rng.Next()).Take(blocks)
            .Select(b => oracle.BlockAt(new BlockId(b)))
            .Select(b => ReducedBlock.Create(oracle.Geometry, b, oracle.Patterns.Cells[oracle.Patterns.IndexOf(b.Pattern)].Witness))
            .ToList();
        return new ReducedProgram(oracle.Geometry.XRowMajor, n, d, y, loss, 0.05, chosen, form);
    }

    [Theory]
    [InlineData(1, 12, 3, 6, "squared")]
    [InlineData(2, 30, 2, 5, "logistic")]
    [InlineData(3, 9, 4, 10, "squared")]
    public void BothFormsReachTheSamePoint(int seed, int n, int d, int blocks, string lossName)
    {
        var loss = Loss.Parse(lossName);
        var request = new InnerRequest(1e-10, 400, DateTime.UtcNow.AddMinutes(1), CancellationToken.None);
        var woodbury = BarrierSolver.Instance.Solve(Program(seed, n, d, blocks, loss, NewtonForm.Woodbury), request);
        var dense = BarrierSolver.Instance.Solve(Program(seed, n, d, blocks, loss, NewtonForm.Dense), request);
        Assert.Equal(InnerStatus.ReachedTarget, woodbury.Status);
        Assert.Equal(InnerStatus.ReachedTarget, dense.Status);
        double scale = woodbury.W.Max(Math.Abs);
        double deviation = woodbury.W.Zip(dense.W, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(deviation <= 1e-6 * scale, $"the forms differ by {deviation:E2} at the scale {scale:E2} of w");
    }

    [Theory]
    [InlineData(2000, 10, 30, true)]   // the scale path: many rows, a small working set
    [InlineData(20, 3, 300, false)]    // the exact path at small n: many blocks over few rows
    [InlineData(400, 2, 400, false)]
    public void TheCheaperFormIsChosen(int n, int d, int blocks, bool dense) =>
        Assert.Equal(dense, BarrierRun.UsesDenseForm(n, d, blocks));
}
