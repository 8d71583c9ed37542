using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The dual of the squared loss solved in v-space by cutting planes, with the primal point its multipliers build
/// (THEORY.md §4.2, "The squared loss's dual is a projection"): with ℓ(z) = (c/2)‖z − y‖², −ℓ*(−v) = v·y − ‖v‖²/(2c), so
/// the dual optimum is v* = Proj_K(c y) over K = {v : ‖π_b(v)‖ ≤ β for every block b}. For the unit maximiser u_b of a
/// block at any v, a_b = s_b D_b X u_b gives a valid cut a_b·v′ ≤ ‖π_b(v′)‖ ≤ β for every v′ ∈ K. The projection onto
/// the cuts found so far, v = c y − Σ_k λ_k a_k with multipliers λ ≥ 0, is solved by a primal active-set method on unit cuts
/// (<see cref="Project"/>), the blocks that price above β at its v give new cuts, and the rounds repeat until none does. Then z′ = y − v/c, and W′ with w_b = Σ_{k of b} (λ_k/c) u_k predicts z′
/// (Σ_k λ_k a_k / c = y − v/c) with L(W′) = D(v) at the projection's optimality conditions: a primal–dual pair that the
/// certificate of §4 judges independently.
/// <para>
/// Why: on widely scaled data (rows 1e-5 and 1e4 to 1e6 long, y = 0 on the long rows, β ~ 1e-6) the barrier and the face
/// polish iterate in W, where the Newton systems have condition ~cond(X)² ≈ 1e18, and the solves ended `numerical-error`
/// at relative gaps from 1.2e-9 to 0.22 (nine soak seeds). In v-space the long row is one cut, v_j ≤ β/‖x_j‖, taken
/// exactly; the variables are the n entries of v, whatever the scale of W.
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
    /// A cut joins the working set only when its unit row keeps more than this norm outside the set's span: nearly parallel
    /// cuts of a long row differ by about 1e-9 of their norm, and rounding leaves about 1e-16.
    /// </summary>
    internal const double IndependentCut = 1e-13;

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
        for (int round = 0; round < MaxRounds && cuts.Count < MaxCuts && DateTime.UtcNow <= deadline; round++)
        {
            int added = AddCuts(problem, v, round == 0 ? beta * (1 - StartMargin) : beta, cuts, lambda);
            if (added == 0) break;
            // A projection that does not end keeps the last one's v and multipliers (the new cuts' are 0).
            if (Project(target, cuts, lambda, beta, deadline) is not { } projected || projected.Equals(v)) break;
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
            var xu = x * u;
            var a = new double[xu.Count];
            double normSquared = 0;
            for (int j = 0; j < a.Length; j++)
            {
                a[j] = p.Block.Pattern[j] ? p.Block.Sign * xu[j] : 0;
                normSquared += a[j] * a[j];
            }
            if (!(normSquared > 0)) continue;
            cuts.Add(new Cut(p.Block, u, a, normSquared));
            lambda.Add(0);
            added++;
        }
        return added;
    }

    /// <summary>
    /// Proj of <paramref name="target"/> onto {v : a_k·v ≤ β} by the primal active-set method for this least-distance
    /// program, each cut scaled to a unit row â_k with bound b_k = β/‖a_k‖ (the same constraints; cuts of rows 1e-5 and 1e5
    /// long then weigh alike). From v = 0 (feasible: every bound is positive) and an empty working set S: the step
    /// p = (I − Q Qᵀ)(target − v), Q an orthonormal basis of the rows of S; when p ≠ 0, v moves along p to the first cut it
    /// meets, which joins S; when p = 0, the multipliers μ solve R μ = Qᵀ(target − v) (QR of the rows of S) and the cut
    /// of the most negative one leaves S, or, when none is negative, v is the projection. No cutoff on R: a cut that joins
    /// S has â·p > 0 with p orthogonal to S, so S stays independent, and the small differences between nearly parallel
    /// cuts of a long row (1e-9 of their norm) are what fixes v on it. Sets <paramref name="lambda"/> (per cut, unscaled:
    /// v = target − Σ λ_k a_k); null when the method does not end within its step limit or by the deadline.
    /// </summary>
    private static Vector<double>? Project(Vector<double> target, List<Cut> cuts, List<double> lambda, double beta, DateTime deadline)
    {
        int n = target.Count, m = cuts.Count;
        var rows = new Vector<double>[m];
        var bounds = new double[m];
        for (int k = 0; k < m; k++)
        {
            double norm = Math.Sqrt(cuts[k].NormSquared);
            rows[k] = Vector<double>.Build.DenseOfArray(cuts[k].A) / norm;
            bounds[k] = beta / norm;
        }
        var v = Vector<double>.Build.Dense(n);
        var working = new List<int>();
        for (int step = 0; step < 20 * (m + n) && DateTime.UtcNow <= deadline; step++)
        {
            var r = target - v;
            Matrix<double>? q = null, rFactor = null;
            if (working.Count > 0)
            {
                var qr = Matrix<double>.Build.DenseOfColumnVectors(working.Select(k => rows[k])).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                (q, rFactor) = (qr.Q, qr.R);
            }
            var p = q is null ? r : Orthogonal(r, q);
            if (p.L2Norm() > 1e-15 * r.L2Norm() + double.Epsilon)
            {
                double alpha = 1;
                int blocking = -1;
                for (int k = 0; k < m; k++)
                {
                    if (working.Contains(k)) continue;
                    double ap = rows[k].DotProduct(p);
                    if (!(ap > 0) || (q is not null && !(Orthogonal(rows[k], q).L2Norm() > IndependentCut))) continue;
                    double room = Math.Max(0, bounds[k] - rows[k].DotProduct(v));
                    if (room / ap < alpha) { alpha = room / ap; blocking = k; }
                }
                v += alpha * p;
                if (blocking >= 0) working.Add(blocking);
                else return Finish(v, working, q, rFactor, target, cuts, lambda);
                continue;
            }
            var mu = Multipliers(q!, rFactor!, r);
            int leaving = -1;
            for (int i = 0; i < mu.Count; i++)
                if (mu[i] < 0 && (leaving < 0 || mu[i] < mu[leaving])) leaving = i;
            if (leaving < 0) return Finish(v, working, q, rFactor, target, cuts, lambda);
            working.RemoveAt(leaving);
        }
        return null;
    }

    /// <summary>r with its components along the columns of q removed, twice (the second pass clears what rounding left).</summary>
    private static Vector<double> Orthogonal(Vector<double> r, Matrix<double> q)
    {
        var p = r - q * q.TransposeThisAndMultiply(r);
        return p - q * q.TransposeThisAndMultiply(p);
    }

    /// <summary>μ with Σ μ_i â_i = r over the working set: R μ = Qᵀ r.</summary>
    private static Vector<double> Multipliers(Matrix<double> q, Matrix<double> rFactor, Vector<double> r) =>
        rFactor.Solve(q.TransposeThisAndMultiply(r));

    /// <summary>The projection v with the multipliers of its working set written to <paramref name="lambda"/> (unscaled; 0 off the set).</summary>
    private static Vector<double> Finish(Vector<double> v, List<int> working, Matrix<double>? q, Matrix<double>? rFactor,
        Vector<double> target, List<Cut> cuts, List<double> lambda)
    {
        for (int k = 0; k < lambda.Count; k++) lambda[k] = 0;
        if (working.Count == 0) return v;
        if (q is null || q.ColumnCount != working.Count)
        {
            // The set changed at the last step: factor it again.
            var qr = Matrix<double>.Build.DenseOfColumnVectors(working.Select(k => Vector<double>.Build.DenseOfArray(cuts[k].A) / Math.Sqrt(cuts[k].NormSquared))).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            (q, rFactor) = (qr.Q, qr.R);
        }
        var mu = Multipliers(q, rFactor!, target - v);
        for (int i = 0; i < working.Count; i++) lambda[working[i]] = Math.Max(0, mu[i]) / Math.Sqrt(cuts[working[i]].NormSquared);
        return v;
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
