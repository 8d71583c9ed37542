using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary><see cref="DualCuttingPlanes"/>: the squared loss's dual solved as a projection (THEORY.md §4.2).</summary>
public class DualCuttingPlanesTests
{
    /// <summary>
    /// The dual's cutting planes started from a dual vector well inside K (v = 0: no block prices near β) still solve the
    /// projection: their first cuts are those at c y. They returned nothing from such a start.
    /// </summary>
    [Fact]
    public void The_duals_cutting_planes_from_a_start_well_inside_the_feasible_set_find_the_optimum()
    {
        var problem = ConvexSolverRegressionTests.Problem([[1, 0.5], [-0.3, 1], [0.7, -1.2], [-1, -0.4], [0.2, 0.9]], [1.5, -0.5, 2, 0.3, -1],
            "squared", 0.3);
        var data = problem.Data;
        var pair = DualCuttingPlanes.Solve(problem, Vector<double>.Build.Dense(data.N), DateTime.UtcNow.AddSeconds(30));
        Assert.NotNull(pair);
        var certificate = problem.Certify(pair!.Point, pair.Prediction);
        var solved = ConvexSolver.Solve(problem);
        Assert.True(certificate.WithinGap(Tolerances.DefaultSolverGap), $"relative gap {certificate.RelativeGap:E3}");
        Assert.True(Math.Abs(certificate.Lower - solved.Lower) <= 1e-9 * Math.Abs(solved.Objective),
            $"lower {certificate.Lower:R} against the solver's {solved.Lower:R}");
    }
}
