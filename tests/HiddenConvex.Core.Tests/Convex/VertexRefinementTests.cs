using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Core.Tests.Convex;

public class VertexRefinementTests
{
    private const double Target = 1e-9;

    private static (ConvexProblem Problem, SolverResult Result, OptimalSet Set) Solve(string name) => OptimalSetTests.Solve(name);

    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void APerturbedVertexIsRefinedBackToACertifiedOptimumOnItsOwnBlocks(string name)
    {
        var (problem, result, set) = Solve(name);
        var vertex = set.Prune(set.Point);
        if (vertex.Sum() == 0) return; // W* = 0: no block to refine on
        // A vertex off the optimum: every block norm 1 % too large (a first-order stationary direction, so the
        // objective moves only to second order, as it does for the perturbation an unpolished solution leaves).
        var perturbed = set.ToPoint(vertex * 1.01);
        Assert.True(problem.Certify(perturbed).RelativeGap > Target,
            "the perturbed vertex should not be certified before refinement");

        var refined = VertexRefinement.Refine(problem, perturbed, new SolverSettings(), Target);

        Assert.NotNull(refined);
        var certificate = problem.Certify(refined!);
        Assert.True(certificate.RelativeGap <= Target, $"refined relative gap {certificate.RelativeGap:E3} > {Target:E1}");
        Assert.True(Tolerances.Objective.Agree(problem.Objective(refined!), result.Objective),
            $"refined objective {problem.Objective(refined!):R} vs solver {result.Objective:R} (tolerance {Tolerances.Objective})");
        var vertexBlocks = perturbed.NonZeroBlocks.Select(b => b.Block).ToHashSet();
        Assert.All(refined!.NonZeroBlocks, b => Assert.Contains(b.Block, vertexBlocks));
    }

    [Fact]
    public void ASupportThatCannotCarryTheOptimumIsRefused()
    {
        var (problem, _, set) = ReferenceInstance.Names().Select(o => Solve((string)o[0])).First(s => s.Set.Active.Count > 0);
        // A block priced well below β by the optimal dual vector carries no optimal solution (THEORY.md §6).
        var v = set.V.ToArray();
        var inactive = problem.AllBlocks().First(b =>
        {
            problem.Oracle.Geometry.Projection(b, v, out double price);
            return price < 0.9 * problem.Beta;
        });
        var point = new ConvexPoint([new BlockValue(inactive, MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(problem.Data.D, 1.0))],
            problem.Data.D);

        Assert.Null(VertexRefinement.Refine(problem, point, new SolverSettings(), Target));
    }
}
