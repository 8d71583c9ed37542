using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The dual of the squared loss solved in v-space by cutting planes, with the primal point its multipliers build
/// (THEORY.md §4.2, "The squared loss's dual is a projection"): with ℓ(z) = (c/2)‖z − y‖², −ℓ*(−v) = v·y − ‖v‖²/(2c), so
/// the dual optimum is v* = Proj_K(c y) over K = {v : ‖π_b(v)‖ ≤ β for every block b}. For the unit maximiser u_b of a
/// block at any v, a_b = s_b D_b X u_b gives a valid cut a_b·v′ ≤ ‖π_b(v′)‖ ≤ β for every v′ ∈ K. The projection onto
/// the cuts found so far, v = c y − Σ_k λ_k a_k with multipliers λ ≥ 0, is solved by a primal active-set method in
/// row-scaled coordinates (<see cref="Project"/>), the blocks that price above β at its v give new cuts, and the rounds repeat until none does. Then z′ = y − v/c, and W′ with w_b = Σ_{k of b} (λ_k/c) u_k predicts z′
/// (Σ_k λ_k a_k / c = y − v/c) with L(W′) = D(v) at the projection's optimality conditions: a primal–dual pair that the
/// certificate of §4 judges independently.
/// <para>
/// Why: on widely scaled data (rows 1e-5 and 1e4 to 1e6 long, y = 0 on the long rows, β ~ 1e-6) the barrier and the face
/// polish iterate in W, where the Newton systems have condition ~cond(X)² ≈ 1e18, and the solves ended `numerical-error`
/// at relative gaps from 1.2e-9 to 0.22 (nine soak seeds; all nine certified by this at 5e-15 to 5e-10). In v-space the
/// long row is one cut, v_j ≤ β/‖x_j‖, taken exactly; the variables are the n entries of v, whatever the scale of W.
/// </para>
/// </summary>
internal static class DualCuttingPlanes
{
    /// <summary>Most rounds of pricing and projection.</summary>
    internal const int MaxRounds = 200;

    /// <summary>No round starts once this many cuts are held.</summary>
    internal const int MaxCuts = 400;

    /// <summary>Programs with more rows than this are not solved this way (the projections are dense in n).</summary>
    internal const int MaxRows = 200;

    /// <summary>At most this many new cuts per round, the blocks priced highest.</summary>
    internal const int CutsPerRound = 16;

    /// <summary>
    /// The first round cuts the blocks priced above β(1 − this) at the start (relative): from a dual vector that is already
    /// feasible, those are the blocks the optimum's cuts come from.
    /// </summary>
    internal const double StartMargin = 1e-2;

    /// <summary>
    /// A cut joins the working set only when its unit row (in the scaled coordinates of <see cref="Project"/>) keeps more than
    /// this norm outside the set's span: a cut that rounding alone sets apart from the set would make its basis singular.
    /// </summary>
    internal const double IndependentCut = 1e-13;

    /// <summary>
    /// A working cut leaves the projection's active set only when its multiplier is below −this × the largest |μ|: a
    /// multiplier that rounding alone makes negative would otherwise leave and re-enter at once, for ever (seed 2460000038's
    /// D2: μ = −6.7e-14 beside 23, 200 steps without end). Such a cut keeps multiplier 0.
    /// </summary>
    internal const double MultiplierRounding = 1e-12;

    /// <summary>A primal–dual pair: the prediction z′ whose dual vector is the projection, and the primal point W′ of its multipliers.</summary>
    internal sealed record Pair(Vector<double> Prediction, ConvexPoint Point);

    /// <summary>
    /// The pair for a squared-loss program whose oracle lists every block; null for another loss, an oracle that does not
    /// list every block, more than <see cref="MaxRows"/> rows, or no cut found before the deadline. Every block that prices
    /// above β(1 − <see cref="StartMargin"/>) at the start <paramref name="start"/> (a dual vector, e.g. the best point's)
    /// is cut first.
    /// </summary>
    public static Pair? Solve(ConvexProblem problem, Vector<double> start, DateTime deadline)
    {
        if (problem.Loss is not SquaredLoss || !problem.Oracle.ListsEveryBlock || problem.Data.N > MaxRows) return null;
        double c = problem.Loss.Scale, beta = problem.Beta;
        var y = problem.Data.Y;
        var target = y * c;
        var cuts = new List<Cut>();
        var lambda = new List<double>();
        var v = start.Clone();
        var scale = Vector<double>.Build.Dense(problem.Data.N, j => Numerics.Norms.OfRow(problem.Data.X, j) is var r && r > 0 ? 1 / r : 1);
        for (int round = 0; round < MaxRounds && cuts.Count < MaxCuts && DateTime.UtcNow <= deadline; round++)
        {
            int added = AddCuts(problem, v, round == 0 ? beta * (1 - StartMargin) : beta, cuts, lambda);
            // From a start where no block prices near β (a dual vector well inside K), the first cuts are those at c y, the
            // projection's own first iterate (an empty working set projects c y to itself).
            if (added == 0 && round == 0)
            {
                v = target.Clone();
                added = AddCuts(problem, v, beta, cuts, lambda);
            }
            if (added == 0) break;
            // A projection that does not end keeps the last one's v and multipliers (the new cuts' are 0).
            if (Project(target, scale, cuts, lambda, beta, deadline) is not { } projected || projected.Equals(v)) break;
            v = projected;
        }
        if (cuts.Count == 0) return null;
        return new Pair(y - v / c, PrimalOf(cuts, lambda, c, problem.Data.D));
    }

    /// <summary>One cut a·v ≤ β of block <see cref="Block"/>, from its unit maximiser <see cref="U"/>; <see cref="NormSquared"/> = ‖a‖².</summary>
    private sealed record Cut(Block Block, Vector<double> U, double[] A, double NormSquared);

    /// <summary>Cuts for the blocks priced above the threshold at v (the highest <see cref="CutsPerRound"/>), each with multiplier 0; how many were added.</summary>
    private static int AddCuts(ConvexProblem problem, Vector<double> v, double threshold, List<Cut> cuts, List<double> lambda)
    {
        var priced = problem.Oracle.BlocksAbove(v, threshold).Blocks.OrderByDescending(p => p.Value).Take(CutsPerRound);
        var x = problem.Data.X;
        int added = 0;
        foreach (var p in priced)
        {
            var u = problem.Oracle.Geometry.Maximiser(p.Block, v.AsArray() ?? v.ToArray());
            var a = new double[x.RowCount];
            Arrangements.Cones.AddMaskedProduct(x, p.Block.Pattern, u, p.Block.Sign, a);
            double normSquared = a.Sum(e => e * e);
            if (!(normSquared > 0)) continue;
            cuts.Add(new Cut(p.Block, u, a, normSquared));
            lambda.Add(0);
            added++;
        }
        return added;
    }

    /// <summary>
    /// Proj of <paramref name="target"/> onto {v : a_k·v ≤ β} by the primal active-set method, in the coordinates
    /// ṽ_j = ‖x_j‖ v_j (v = D ṽ, D = diag(1/‖x_j‖), 1 for a zero row), where a cut reads â_k·ṽ ≤ β with â_k = D a_k, whose
    /// entries s_b (x_j/‖x_j‖)·u_b are at most 1 whatever the rows' lengths; each â_k is scaled to a unit row with bound
    /// b_k = β/‖â_k‖. Why these coordinates: in v two cuts of a long row are parallel up to 1e-9 of their norm and what tells
    /// them apart (their short rows' entries) is lost to rounding when they are orthogonalised against each other (an error
    /// of 1e-7 relative leaked into v on the long row, where v must be right to 1e-10 of β/‖x_j‖); in ṽ they differ at
    /// O(1). From ṽ = 0 (feasible: every bound is positive) and an empty working set S, with Z an orthonormal basis of the
    /// null space of S's rows: the step p = Z p_z, p_z the least-squares solution of (D Z) p_z ≈ target − D ṽ (the distance
    /// in v, D's range left to the QR of D Z); when D p ≠ 0, ṽ moves along p to the first cut it meets, which joins S when
    /// it keeps more than <see cref="IndependentCut"/> of its norm outside S's span; when D p = 0 the multipliers μ of
    /// Σ μ_i â_i = D(target − D ṽ) decide: the most negative one's cut leaves S, or, when none is negative beyond
    /// <see cref="MultiplierRounding"/>, v = D ṽ is the projection. Sets <paramref name="lambda"/> (per cut: v = target −
    /// Σ λ_k a_k, λ_k = max(0, μ_k)/‖â_k‖); null when the method does not end within its step limit or by the deadline.
    /// </summary>
    private static Vector<double>? Project(Vector<double> target, Vector<double> scale, List<Cut> cuts, List<double> lambda, double beta, DateTime deadline)
    {
        int n = target.Count, m = cuts.Count;
        var rows = new Vector<double>[m];
        var rowNorms = new double[m];
        for (int k = 0; k < m; k++)
        {
            var scaled = Vector<double>.Build.DenseOfArray(cuts[k].A).PointwiseMultiply(scale);
            rowNorms[k] = scaled.L2Norm();
            rows[k] = scaled / rowNorms[k];
        }
        var vt = Vector<double>.Build.Dense(n);
        var working = new List<int>();
        for (int step = 0; step < 20 * (m + n) && DateTime.UtcNow <= deadline; step++)
        {
            var e = target - vt.PointwiseMultiply(scale);
            var (q, z) = Bases(working.Select(k => rows[k]).ToList(), n);
            var p = z.ColumnCount == 0 ? Vector<double>.Build.Dense(n) : z * ScaledRows(z, scale).QR().Solve(e);
            if (p.PointwiseMultiply(scale).L2Norm() > 1e-15 * e.L2Norm() + double.Epsilon)
            {
                double alpha = 1;
                int blocking = -1;
                for (int k = 0; k < m; k++)
                {
                    if (working.Contains(k)) continue;
                    double ap = rows[k].DotProduct(p);
                    if (!(ap > 0) || (q is not null && !(Orthogonal(rows[k], q).L2Norm() > IndependentCut))) continue;
                    double room = Math.Max(0, beta / rowNorms[k] - rows[k].DotProduct(vt));
                    if (room / ap < alpha) { alpha = room / ap; blocking = k; }
                }
                vt += alpha * p;
                if (blocking >= 0) { working.Add(blocking); continue; }
                e = target - vt.PointwiseMultiply(scale);
            }
            var mu = working.Count == 0 ? Vector<double>.Build.Dense(0)
                : Matrix<double>.Build.DenseOfColumnVectors(working.Select(k => rows[k])).QR().Solve(e.PointwiseMultiply(scale));
            int leaving = -1;
            double negligible = MultiplierRounding * (mu.Count == 0 ? 0 : mu.AbsoluteMaximum());
            for (int i = 0; i < mu.Count; i++)
                if (mu[i] < -negligible && (leaving < 0 || mu[i] < mu[leaving])) leaving = i;
            if (leaving >= 0) { working.RemoveAt(leaving); continue; }
            for (int k = 0; k < m; k++) lambda[k] = 0;
            for (int i = 0; i < working.Count; i++) lambda[working[i]] = Math.Max(0, mu[i]) / rowNorms[working[i]];
            return vt.PointwiseMultiply(scale);
        }
        return null;
    }

    /// <summary>
    /// An orthonormal basis Q of the span of the given rows (null when there are none) and one Z of its orthogonal
    /// complement in Rⁿ, from the full QR of the rows as columns.
    /// </summary>
    private static (Matrix<double>? Q, Matrix<double> Z) Bases(List<Vector<double>> rows, int n)
    {
        if (rows.Count == 0) return (null, Matrix<double>.Build.DenseIdentity(n));
        var full = Matrix<double>.Build.DenseOfColumnVectors(rows).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Full).Q;
        return (full.SubMatrix(0, n, 0, rows.Count), full.SubMatrix(0, n, rows.Count, n - rows.Count));
    }

    /// <summary>D Z: row j of Z times the scale of row j.</summary>
    private static Matrix<double> ScaledRows(Matrix<double> z, Vector<double> scale)
    {
        var scaled = z.Clone();
        for (int j = 0; j < z.RowCount; j++) scaled.SetRow(j, z.Row(j) * scale[j]);
        return scaled;
    }

    /// <summary>r with its components along the columns of q removed, twice (the second pass clears what rounding left).</summary>
    private static Vector<double> Orthogonal(Vector<double> r, Matrix<double> q)
    {
        var p = r - q * q.TransposeThisAndMultiply(r);
        return p - q * q.TransposeThisAndMultiply(p);
    }

    /// <summary>W′: w_b = Σ over the cuts k of block b of (λ_k/c) u_k (THEORY.md §4.2).</summary>
    private static ConvexPoint PrimalOf(List<Cut> cuts, List<double> lambda, double c, int d)
    {
        var blocks = new Dictionary<Block, Vector<double>>();
        var order = new List<Block>();
        for (int k = 0; k < cuts.Count; k++)
        {
            if (!(lambda[k] > 0)) continue;
            var w = cuts[k].U * (lambda[k] / c);
            if (blocks.TryGetValue(cuts[k].Block, out var sum)) blocks[cuts[k].Block] = sum + w;
            else { blocks[cuts[k].Block] = w; order.Add(cuts[k].Block); }
        }
        return new ConvexPoint(order.Select(b => new BlockValue(b, blocks[b])), d);
    }
}
