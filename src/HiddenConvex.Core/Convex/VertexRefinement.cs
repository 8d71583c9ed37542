namespace HiddenConvex.Core.Convex;

/// <summary>
/// Refines a pruned vertex of 𝒲* by solving the program again on the vertex's own blocks (THEORY.md §6).
/// Why: a vertex read off a solution that is certified but not polished onto its faces (large working sets leave
/// every block slightly nonzero) inherits that solution's small perturbation of z*, and its own certificate can be
/// orders of magnitude weaker than the solution's. The optimal prediction z* is unique (ℓ strictly convex), and a
/// vertex of {t ≥ 0 : A t = z*} carries an optimal solution on at most rank(A) ≤ n blocks, so the program restricted
/// to those blocks has the optimum P*_c; it is small, and the solver polishes it onto its faces.
/// </summary>
public static class VertexRefinement
{
    /// <summary>
    /// The optimum of the program restricted to the blocks of <paramref name="vertex"/>, when its certificate over
    /// the whole program (recomputed by <see cref="ConvexProblem.Certify(ConvexPoint)"/>) has relative gap ≤ <paramref name="tolerance"/>;
    /// otherwise null (the restricted solve did not converge, the support does not carry P*_c, or the program's blocks are not
    /// enumerated).
    /// </summary>
    public static ConvexPoint? Refine(ConvexProblem problem, ConvexPoint vertex, SolverSettings settings, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(vertex);
        var blocks = vertex.NonZeroBlocks.Select(b => b.Block).Distinct().ToList();
        if (blocks.Count == 0) return null;
        // The restricted program needs each block's cell with its witness: without an enumeration the vertex is kept as read.
        if (problem.Patterns is not { } patterns) return null;
        var restricted = new ConvexProblem(problem.Data, problem.Loss, problem.Beta, patterns, blocks);
        var result = ConvexSolver.Solve(restricted, settings);
        if (result.Status is not (SolverStatus.Optimal or SolverStatus.OptimalRestricted)) return null;
        return problem.Certify(result.W).RelativeGap <= tolerance ? result.W : null;
    }
}
