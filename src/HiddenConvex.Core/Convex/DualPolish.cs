using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// A dual point for the certificate of W found by Newton's method on the dual's optimality conditions restricted to W's
/// blocks and their faces (THEORY.md §4.2): every prediction z′ gives a lower bound, and this one is solved for instead of
/// read off W.
/// <para>
/// Why: where the optimum cancels large terms on a long row (two blocks whose contributions x_j·w_b of size 1e7 cancel to
/// fit y_j = 0), W's own prediction z_j carries an error of about 1e-16·1e7 from the rounding of W's entries, so v_j =
/// −∇ℓ(z)_j is off by as much and prices the blocks on that row 1e-3 away from β; a coordinate search over single entries
/// of z′ (<see cref="DualPointSearch"/>) cannot follow the ridge where several blocks price at β together. In v-space the
/// conditions ‖π_b(v)‖ = β pin v_j on the long row to its own precision, whatever the cancellation in z.
/// </para>
/// <para>
/// Conditions, for the blocks b of W with mass, their faces F_b (the rows on whose kink w_b lies) and
/// M_b = D_b X P_b Xᵀ D_b (P_b the orthogonal projector onto the complement of span{x_j : j ∈ F_b}, so that
/// π_b(v) = P_b s_b Xᵀ D_b v on the face): with v = −∇ℓ(z) (so that ∇_v[−ℓ*(−v)] = z),
/// z − Σ_b λ_b M_b v = 0 and ½(vᵀ M_b v − β²) = 0, unknowns (z, λ) from (z_W, ‖w_b‖/β) — the KKT system of
/// max −ℓ*(−v) s.t. ‖π_b(v)‖ ≤ β on W's blocks, with w_b = λ_b π_b(v). Full Newton steps (dense, n + |blocks| unknowns, least squares: blocks on one face share M_b);
/// each iterate's z is certified over every block of the program and the best lower bound is kept, so the result is never
/// worse than the start. Stops at a certificate within ε, after <see cref="MaxSteps"/> steps, after
/// <see cref="StallSteps"/> steps that did not raise the lower bound, or at the deadline. Equilibrated (the second try of
/// <see cref="DualPoints"/>), the step solves the system after scaling its rows and columns
/// (<see cref="MinimumNormLeastSquares.SolveEquilibrated"/>): with rows 10⁸ apart in norm its singular values spanned 1.4e16
/// to 6e-13, and the relative cutoff dropped every direction but the long row's.
/// </para>
/// <para>
/// The best iterate also gives a primal point, W′ with w′_b = λ_b γ_b B_b B_bᵀ Xᵀ D_b v (B_b an orthonormal basis of the
/// face): at a solution of the conditions its prediction is z and its objective the dual bound, so W′ is the optimum
/// restricted to W's blocks and faces, with no rounding of W's entries in it. Why: where blocks cancel 1e7 on a long row the
/// face polish and the barrier stop 4e-9 above P* (their Newton systems in W have condition ~cond(X)²), while these conditions
/// in (z, λ) converge quadratically once equilibrated (seed 2160000005's T6: the dual bound and W′'s objective meet to
/// 1e-11 where the best W was 4.1e-9 above the bound). The caller judges W′ by its own certificate (THEORY.md §4).
/// </para>
/// </summary>
internal static class DualPolish
{
    /// <summary>The primal point W′ of an iterate of the conditions (class comment) with the iterate's prediction z′, its pair.</summary>
    internal sealed record DualConditionsPoint(ConvexPoint Point, Vector<double> Prediction);

    /// <summary>
    /// A better dual point for W: the prediction z′, W's certificate at z′, and the primal point of the dual's conditions
    /// when the polish found one (null from the coordinate search).
    /// </summary>
    internal readonly record struct Found(Vector<double> Prediction, Certificate Certificate, DualConditionsPoint? Primal);

    /// <summary>Most Newton steps.</summary>
    internal const int MaxSteps = 30;

    /// <summary>The polish stops after this many steps in a row that did not raise the lower bound.</summary>
    internal const int StallSteps = 3;

    /// <summary>Largest system (n + number of W's blocks) solved densely; larger programs are not polished.</summary>
    internal const int MaxUnknowns = 600;

    /// <summary>
    /// The prediction z′ whose certificate of W has the largest lower bound found, with that certificate and the primal point
    /// W′ of that iterate (the class comment; null when no λ_b is positive); null when no iterate improved on
    /// <paramref name="own"/> (W's certificate at <paramref name="start"/>).
    /// </summary>
    public static Found? Polish(ConvexProblem problem, ConvexPoint w, Certificate own, Vector<double> start, double tolerance, DateTime deadline, bool equilibrated = false)
    {
        var data = problem.Data;
        var blocks = w.NonZeroBlocks.ToList();
        int n = data.N, k = blocks.Count;
        if (k == 0 || n + k > MaxUnknowns) return null;
        var faces = blocks.Select(b => FaceOf(data.X, b)).ToList();
        var operators = faces.Select(f => f.Operator).ToList();
        var z = start.Clone();
        var lambda = Vector<double>.Build.Dense(k, b => Norms.Euclidean(blocks[b].W) / problem.Beta);
        Found? best = null;
        double bestLower = own.Lower;
        int stalled = 0;
        for (int step = 0; step < MaxSteps && stalled < StallSteps && DateTime.UtcNow <= deadline; step++)
        {
            // A plain local, not a deconstruction pattern: mutation testing cannot compile mutants of a method whose
            // pattern variables it cannot prove assigned, and this loop is the file's substance.
            var newton = NewtonStep(problem, operators, z, lambda, equilibrated);
            if (newton is null) break;
            z += newton.Value.Dz;
            lambda += newton.Value.Dl;
            if (!z.All(double.IsFinite)) break;
            var certificate = CertificateChecker.ForPrediction(data, problem.Loss, problem.Beta, problem.Oracle, z,
                own.Objective, own.ObjectiveRounding);
            if (!(certificate.Lower > bestLower)) { stalled++; continue; }
            var point = PrimalOf(problem, blocks, faces, certificate.V, lambda);
            var primal = point is null ? null : new DualConditionsPoint(point, z.Clone());
            (best, bestLower, stalled) = (new Found(z.Clone(), certificate, primal), certificate.Lower, 0);
            if (certificate.WithinGap(tolerance)) break;
        }
        return best;
    }

    /// <summary>One Newton step (δz, δλ) on the conditions of the class comment, or null when it is not finite.</summary>
    private static (Vector<double> Dz, Vector<double> Dl)? NewtonStep(ConvexProblem problem, IReadOnlyList<Matrix<double>> operators,
        Vector<double> z, Vector<double> lambda, bool equilibrated)
    {
        int n = z.Count, k = operators.Count;
        var y = problem.Data.Y;
        var v = -problem.Loss.Gradient(z, y);
        var h = problem.Loss.HessianDiagonal(z, y);
        var jacobian = Matrix<double>.Build.Dense(n + k, n + k);
        var residual = Vector<double>.Build.Dense(n + k);
        var sum = Vector<double>.Build.Dense(n);
        for (int i = 0; i < n; i++) jacobian[i, i] = 1;
        for (int b = 0; b < k; b++)
        {
            var mv = operators[b] * v;
            sum += lambda[b] * mv;
            // d/dz of λ_b M_b v(z) = −λ_b M_b H, and of ½ vᵀ M_b v = −(M_b v)ᵀ H (H = ∇²ℓ diagonal, dv/dz = −H).
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) jacobian[i, j] += lambda[b] * operators[b][i, j] * h[j];
                jacobian[i, n + b] = -mv[i];
                jacobian[n + b, i] = -mv[i] * h[i];
            }
            residual[n + b] = 0.5 * (v.DotProduct(mv) - problem.Beta * problem.Beta);
        }
        for (int i = 0; i < n; i++) residual[i] = z[i] - sum[i];
        // In units of the problem (z by its size, ½ vᵀMv − ½β² by β², λ as it is), so that the threshold of the least-squares
        // solve, and with it the step, do not change with the units of y: under (y, β) → (ky, kβ) the unscaled columns of λ
        // shrink by k and rows by k², and at k = 1e-3 a λ fell under the threshold and was never moved.
        double zScale = z.AbsoluteMaximum() > 0 ? z.AbsoluteMaximum() : problem.Beta;
        double conditionScale = problem.Beta * problem.Beta;
        for (int i = 0; i < n + k; i++)
        {
            double row = i < n ? 1 / zScale : 1 / conditionScale;
            residual[i] *= row;
            for (int j = 0; j < n + k; j++) jacobian[i, j] *= row * (j < n ? zScale : 1);
        }
        // Least squares: two blocks of W on the same face have the same M_b, and the system is then singular.
        if (!jacobian.Enumerate().All(double.IsFinite) || !residual.All(double.IsFinite)) return null;
        Vector<double> delta;
        // MathNet's SVD gives up (NonConvergenceException) on systems whose entries span hundreds of orders of magnitude:
        // no step, as for a non-finite one (seed 2210000015's B3, rows 98 304 and 1 536 long, logistic loss).
        try
        {
            delta = equilibrated
                ? MinimumNormLeastSquares.SolveEquilibrated(jacobian, -residual, Tolerances.RelativeRank)
                : MinimumNormLeastSquares.Solve(jacobian, -residual, Tolerances.RelativeRank);
        }
        catch (MathNet.Numerics.NonConvergenceException) { return null; }
        if (!delta.All(double.IsFinite)) return null;
        return (delta.SubVector(0, n) * zScale, delta.SubVector(n, k));
    }

    /// <summary>
    /// W′ of the class comment at the dual vector v and multipliers λ: w′_b = λ_b γ_b B_b G_bᵀ v (G_b = D_b X B_b), for the
    /// blocks with λ_b &gt; 0; null when none has.
    /// </summary>
    private static ConvexPoint? PrimalOf(ConvexProblem problem, List<BlockValue> blocks, List<Face> faces, Vector<double> v, Vector<double> lambda)
    {
        var values = new List<BlockValue>();
        for (int b = 0; b < blocks.Count; b++)
        {
            if (!(lambda[b] > 0) || faces[b].Basis.ColumnCount == 0) continue;
            var wb = faces[b].Basis * (faces[b].Rows.TransposeThisAndMultiply(v) * (lambda[b] * blocks[b].Sign));
            if (Norms.Euclidean(wb) > 0 && wb.All(double.IsFinite)) values.Add(new BlockValue(blocks[b].Block, wb));
        }
        return values.Count == 0 ? null : new ConvexPoint(values, problem.Data.D);
    }

    /// <summary>A block's face: its orthonormal basis B_b, the rows G_b = D_b X B_b and the operator M_b = G_b G_bᵀ.</summary>
    private sealed record Face(Matrix<double> Basis, Matrix<double> Rows, Matrix<double> Operator);

    /// <summary>
    /// M_b = D_b X P_b Xᵀ D_b = G Gᵀ with G = D_b X B_b, B_b an orthonormal basis of the block's face
    /// (<see cref="FacePolisher.FaceBasis"/>), the face read off the rows on whose kink w_b lies (<see cref="Tolerances.Kink"/>).
    /// </summary>
    private static Face FaceOf(Matrix<double> x, BlockValue block)
    {
        int n = x.RowCount;
        double norm = Norms.Euclidean(block.W);
        var kinkRows = Enumerable.Range(0, n).Where(j =>
        {
            double rowNorm = Norms.OfRow(x, j);
            return rowNorm > 0 && Math.Abs(x.Row(j).DotProduct(block.W)) <= Tolerances.Kink.At(rowNorm * norm);
        }).ToArray();
        var basis = FacePolisher.FaceBasis(x, Pricing.BlockGeometry.Signs(block.Pattern), kinkRows, x.ColumnCount);
        var g = x * basis;
        for (int j = 0; j < n; j++)
            if (!block.Pattern[j]) g.ClearRow(j);
        return new Face(basis, g, g.TransposeAndMultiply(g));
    }
}
