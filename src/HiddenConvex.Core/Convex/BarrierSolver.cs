using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// One block of a reduced program: its sign γ, its mask s, the irredundant rows (facets) of its cone
/// C_s = {u : a_j·u ≥ 0} and a unit direction strictly inside the cone.
/// </summary>
internal sealed class ReducedBlock
{
    /// <summary>Index in the <see cref="PricingEngine"/> order.</summary>
    public int Index { get; }
    /// <summary>γ_b.</summary>
    public int Sign { get; }
    /// <summary>Rows with s_j = 1.</summary>
    public int[] ActiveRows { get; }
    /// <summary>Facet rows a_j = (2s_j − 1) x_j, row-major f×d.</summary>
    public double[] Facets { get; }
    /// <summary>Number of facets f.</summary>
    public int FacetCount { get; }
    /// <summary>A unit vector with a_j·u &gt; 0 on every facet.</summary>
    public double[] Interior { get; }

    private ReducedBlock(int index, int sign, int[] activeRows, double[] facets, int facetCount, double[] interior)
    {
        Index = index; Sign = sign; ActiveRows = activeRows; Facets = facets; FacetCount = facetCount; Interior = interior;
    }

    /// <summary>Relative threshold under which a row counts as implied by the others (‖Π_{C'}(−a_j)‖ ≤ this·‖a_j‖).</summary>
    private const double RedundancyTolerance = 1e-11;

    /// <summary>
    /// Builds the block and drops redundant rows one at a time: a_j is implied by the remaining rows
    /// iff a_j·u ≥ 0 on their cone C', i.e. max_{u∈C',‖u‖≤1} −a_j·u = ‖Π_{C'}(−a_j)‖ = 0 (Farkas).
    /// Removing rows one at a time keeps the cone unchanged even with duplicate rows.
    /// </summary>
    public static ReducedBlock Create(PricingEngine engine, int b)
    {
        int n = engine.N, d = engine.D;
        var x = engine.XRowMajor;
        var signs = engine.Signs(b >> 1).ToArray();
        var projector = new ConeProjector(x, n, d);
        var work = (double[])signs.Clone();
        var g = new double[d];
        var q = new double[d];
        var kept = new List<int>();
        for (int j = 0; j < n; j++)
        {
            double rn = 0;
            for (int k = 0; k < d; k++) rn += x[j * d + k] * x[j * d + k];
            rn = Math.Sqrt(rn);
            if (rn == 0) { work[j] = 0; continue; }
            work[j] = 0;
            for (int k = 0; k < d; k++) g[k] = -signs[j] * x[j * d + k];
            double norm = projector.Project(work, g, q);
            if (norm <= RedundancyTolerance * rn) continue; // implied by the rows still kept
            work[j] = signs[j];
        }
        for (int j = 0; j < n; j++) if (work[j] != 0) kept.Add(j);
        var facets = new double[kept.Count * d];
        for (int i = 0; i < kept.Count; i++)
            for (int k = 0; k < d; k++) facets[i * d + k] = signs[kept[i]] * x[kept[i] * d + k];
        var active = Enumerable.Range(0, n).Where(j => signs[j] > 0).ToArray();
        var interior = InteriorDirection(engine, b, facets, kept.Count, d);
        return new ReducedBlock(b, PricingEngine.SignOf(b), active, facets, kept.Count, interior);
    }

    /// <summary>
    /// The block of the same pattern with the other sign γ: the cone, its facets and interior direction depend on the
    /// pattern only, so they are shared rather than computed again (n cone projections per block).
    /// </summary>
    public ReducedBlock Sibling()
    {
        int other = Index ^ 1;
        return new ReducedBlock(other, PricingEngine.SignOf(other), ActiveRows, Facets, FacetCount, Interior);
    }

    /// <summary>
    /// The cell's witness (interior by construction of the enumeration), normalised; if rounding put it
    /// on a facet, it is nudged inwards along the sum of the normalised facet rows.
    /// </summary>
    private static double[] InteriorDirection(PricingEngine engine, int b, double[] facets, int f, int d)
    {
        var witness = engine.Patterns.Cells[b >> 1].Witness;
        var u = new double[d];
        double nrm = witness.L2Norm();
        for (int k = 0; k < d; k++) u[k] = nrm > 0 ? witness[k] / nrm : 0;
        for (int attempt = 0; attempt < 20 && MinMargin(facets, f, d, u) <= 1e-12; attempt++)
        {
            var push = new double[d];
            for (int i = 0; i < f; i++)
            {
                double an = 0, au = 0;
                for (int k = 0; k < d; k++) { an += facets[i * d + k] * facets[i * d + k]; au += facets[i * d + k] * u[k]; }
                an = Math.Sqrt(an);
                if (au / an > 1e-12) continue;
                for (int k = 0; k < d; k++) push[k] += facets[i * d + k] / an;
            }
            for (int k = 0; k < d; k++) u[k] += 1e-6 * Math.Pow(4, attempt) * push[k];
            nrm = Math.Sqrt(u.Sum(a => a * a));
            for (int k = 0; k < d; k++) u[k] /= nrm;
        }
        return u;
    }

    /// <summary>min_i a_i·u/‖a_i‖ over the facets (+∞ without facets).</summary>
    public static double MinMargin(double[] facets, int f, int d, double[] u)
    {
        double m = double.PositiveInfinity;
        for (int i = 0; i < f; i++)
        {
            double an = 0, au = 0;
            for (int k = 0; k < d; k++) { an += facets[i * d + k] * facets[i * d + k]; au += facets[i * d + k] * u[k]; }
            m = Math.Min(m, au / Math.Sqrt(an));
        }
        return m;
    }
}

/// <summary>Outcome of one interior-point solve of a reduced program.</summary>
internal sealed record BarrierOutcome(double[] W, double[] S, int NewtonSteps, bool ReachedTarget, double BarrierGap, string? Failure);

/// <summary>
/// Log-barrier interior-point method for the reduced program over a working set of blocks
/// (THEORY.md §3 restricted to the working set), in epigraph form:
/// minimise ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b s_b subject to ‖w_b‖ ≤ s_b and a_j·w_b ≥ 0 on the facets.
/// Centering problems f_t = t·(ℓ + βΣs) − Σ log(s_b² − ‖w_b‖²) − Σ log(a_j·w_b) are solved by damped
/// Newton (to λ²/2 ≤ 1e-3 for every stage but the last of an accurate solve, which goes to 1e-10; every stage of a
/// loose solve, whose target is above 1e-4, to λ²/2 ≤ 0.1); the Newton system is block-diagonal plus the rank-n loss coupling, solved through an n×n
/// system (Woodbury), so a step costs O(K n² d + n³) for K blocks. The stage duality gap is ν/t with
/// ν = Σ_b (2 + f_b); t grows by <see cref="Growth"/> until ν/t ≤ target. This solver's own gap is only a
/// stopping heuristic: optimality is decided by the certificate of THEORY.md §4 over all blocks.
/// </summary>
internal sealed class BarrierSolver
{
    private const double Growth = 20;
    private const int MaxStageSteps = 60; // a stage that does not centre in this many steps has hit rounding
    private const double CenteringTolerance = 1e-10; // Newton decrement λ²/2 at which the last stage counts as centred
    private const double IntermediateCentering = 1e-3; // λ²/2 at which a stage before the last counts as centred
    private const double LooseCentering = 0.1; // λ²/2 at which a stage of a loose solve (target above AccurateTarget) counts as centred
    private const double AccurateTarget = 1e-4; // relative gap targets up to this get a tightly centred last stage
    private const double RoundingCentred = 1e-3; // λ² below which a stalled stage counts as centred at rounding level (λ ≈ 0.03: f_t within 1e-3 of its centre)
    private const int StallSteps = 4; // steps without halving λ² that count as a stall

    private readonly double[] _x;
    private readonly int _n, _d;
    private readonly Vector<double> _y;
    private readonly Loss _loss;
    private readonly double _beta;
    private readonly List<ReducedBlock> _blocks;
    private readonly int _k, _m; // blocks, variables per block (d + 1)

    // Work arrays of Factor, reused by every Newton step (a step's system is used and dropped before the next one):
    // on small programs allocating them each step cost as much as the arithmetic.
    private readonly double[] _chol, _blockHessian, _gradient, _coupling, _couplingChol, _sqrt, _curvature, _xc, _cww;

    // The working set's blocks grouped by pattern (one or both signs): the coupling term of a block,
    // (diag(s) X) C_b (diag(s) X)ᵀ, does not depend on its sign, so a pattern's two blocks add C_b first and
    // pay for the O(|s|² d) update once.
    private readonly int[][] _patternGroups;

    public BarrierSolver(double[] x, int n, int d, Vector<double> y, Loss loss, double beta, List<ReducedBlock> blocks)
    {
        _x = x; _n = n; _d = d; _y = y; _loss = loss; _beta = beta; _blocks = blocks;
        _k = blocks.Count; _m = d + 1;
        _chol = new double[ArraySize.Product("the barrier's block factors (blocks × (d+1)²)", _k, _m, _m)];
        _blockHessian = new double[_k * _m * _m];
        _gradient = new double[_k * _m];
        _coupling = new double[ArraySize.Product("the barrier's n×n loss coupling", n, n)];
        _couplingChol = new double[n * n];
        _sqrt = new double[n];
        _curvature = new double[n];
        _xc = new double[n * d];
        _cww = new double[_k * d * d];
        _patternGroups = Enumerable.Range(0, _k).GroupBy(bi => blocks[bi].Index >> 1).Select(g => g.ToArray()).ToArray();
    }

    /// <summary>z = Σ_b γ_b diag(s_b) X w_b.</summary>
    public double[] Predict(double[] w) => Predict(w, _d);

    /// <summary>Σ_b γ_b diag(s_b) X v_b with block b's d entries starting at b·stride of v.</summary>
    private double[] Predict(double[] v, int stride)
    {
        var z = new double[_n];
        for (int bi = 0; bi < _k; bi++)
        {
            var blk = _blocks[bi];
            int o = bi * stride;
            foreach (int j in blk.ActiveRows)
            {
                double a = 0;
                for (int k = 0; k < _d; k++) a += _x[j * _d + k] * v[o + k];
                z[j] += blk.Sign * a;
            }
        }
        return z;
    }

    /// <summary>Barrier value −Σ log(s² − ‖w‖²) − Σ log(a·w), +∞ outside the interior.</summary>
    private double Barrier(double[] w, double[] s)
    {
        double total = 0;
        for (int bi = 0; bi < _k; bi++)
        {
            var blk = _blocks[bi];
            int o = bi * _d;
            double ww = 0;
            for (int k = 0; k < _d; k++) ww += w[o + k] * w[o + k];
            double wn = Math.Sqrt(ww), q = (s[bi] - wn) * (s[bi] + wn);
            if (!(q > 0) || !(s[bi] > 0)) return double.PositiveInfinity;
            total -= Math.Log(q);
            for (int i = 0; i < blk.FacetCount; i++)
            {
                double r = 0;
                for (int k = 0; k < _d; k++) r += blk.Facets[i * _d + k] * w[o + k];
                if (!(r > 0)) return double.PositiveInfinity;
                total -= Math.Log(r);
            }
        }
        return total;
    }

    private double CenteringObjective(double t, double[] w, double[] s)
    {
        double bar = Barrier(w, s);
        if (double.IsPositiveInfinity(bar)) return bar;
        var z = Vector<double>.Build.DenseOfArray(Predict(w));
        return t * (_loss.Value(z, _y) + _beta * s.Sum()) + bar;
    }

    /// <summary>
    /// Runs the barrier method until ν/t ≤ gapTarget·max(1, |objective|), the step limit, the deadline or a
    /// numerical stall. Cold start: every block at a small multiple of its interior direction, t = ν/objective.
    /// Warm start (<paramref name="warm"/>, keyed by engine block index, with <paramref name="gapEstimate"/> an
    /// upper bound on the reduced program's duality gap at that point, e.g. the §4 certificate gap over all
    /// blocks): t = ν/gapEstimate, and every block is moved into the interior by the central-path slack scale
    /// 1/(tβ) (blocks without a warm value start there), so centring starts close to the path.
    /// </summary>
    public BarrierOutcome Solve(double relativeGapTarget, int maxNewton, DateTime deadline, CancellationToken ct,
        IReadOnlyDictionary<int, (double[] W, double S)>? warm = null, double gapEstimate = 0)
    {
        int d = _d;
        double nu = _blocks.Sum(b => 2.0 + b.FacetCount);
        var w = new double[_k * d];
        var s = new double[_k];
        double t;
        if (warm is not null && gapEstimate > 0 && double.IsFinite(gapEstimate))
        {
            t = nu / gapEstimate;
            double scale = 1 / (t * _beta);
            for (int bi = 0; bi < _k; bi++)
            {
                var interior = _blocks[bi].Interior;
                bool known = warm.TryGetValue(_blocks[bi].Index, out var start);
                double norm = 0;
                for (int k = 0; k < d; k++)
                {
                    double v = (known ? start.W[k] : 0) + scale * interior[k];
                    w[bi * d + k] = v;
                    norm += v * v;
                }
                norm = Math.Sqrt(norm);
                s[bi] = Math.Max(known ? start.S : 0, norm) + 2 * scale;
            }
        }
        else
        {
            double yScale = Math.Max(_y.AbsoluteMaximum(), 1e-3);
            double xScale = 0;
            for (int i = 0; i < _x.Length; i++) xScale = Math.Max(xScale, Math.Abs(_x[i]));
            double kappa = 0.1 * yScale / (Math.Max(xScale, 1e-300) * Math.Max(1, _k));
            for (int bi = 0; bi < _k; bi++)
            {
                for (int k = 0; k < d; k++) w[bi * d + k] = kappa * _blocks[bi].Interior[k];
                s[bi] = 2 * kappa;
            }
            var z0 = Vector<double>.Build.DenseOfArray(Predict(w));
            double obj0 = _loss.Value(z0, _y) + _beta * s.Sum();
            t = nu / Math.Max(obj0, 1e-8);
        }
        int steps = 0;
        bool loose = relativeGapTarget > AccurateTarget;
        _refineAbove = loose ? LooseSolveResidual : AccurateSolve;
        while (true)
        {
            // Only the last stage of an accurate solve is centred to the end: an intermediate centre is left at once
            // by the next t, and a loose solve only ranks blocks (λ ≤ 0.45 keeps its point inside the region where
            // damped Newton converges quadratically, so its dual vector ranks them as well as a tighter centre).
            bool last = !loose && nu / t <= relativeGapTarget * Math.Max(1, Math.Abs(Objective(w, s)));
            var (ok, used, why) = Center(t, w, s, Math.Min(maxNewton - steps, MaxStageSteps), deadline, ct,
                last ? CenteringTolerance : loose ? LooseCentering : IntermediateCentering);
            steps += used;
            double obj = Objective(w, s);
            double gap = nu / t;
            if (!ok) return new BarrierOutcome(w, s, steps, false, gap, why);
            if (gap <= relativeGapTarget * Math.Max(1, Math.Abs(obj))) return new BarrierOutcome(w, s, steps, true, gap, null);
            if (steps >= maxNewton) return new BarrierOutcome(w, s, steps, false, gap, "Newton step limit");
            t *= Growth;
        }
    }

    /// <summary>ℓ(z) + β Σ s_b, the reduced program's epigraph objective.</summary>
    private double Objective(double[] w, double[] s) =>
        _loss.Value(Vector<double>.Build.DenseOfArray(Predict(w)), _y) + _beta * s.Sum();

    /// <summary>
    /// Damped Newton on f_t from (w, s), in place, until λ²/2 ≤ <paramref name="tolerance"/>. Returns false with a
    /// reason on a numerical stall or a limit.
    /// </summary>
    private (bool Ok, int Steps, string? Why) Center(double t, double[] w, double[] s, int budget, DateTime deadline, CancellationToken ct,
        double tolerance)
    {
        int steps = 0;
        var dw = new double[w.Length];
        var ds = new double[s.Length];
        var wTrial = new double[w.Length];
        var sTrial = new double[s.Length];
        double bestLambda2 = double.PositiveInfinity;
        int sinceBest = 0;
        double current = CenteringObjective(t, w, s); // f_t at (w, s): the accepted trial value of the last step
        for (; steps < Math.Max(budget, 0); steps++)
        {
            if (ct.IsCancellationRequested) return (false, steps, "cancelled");
            if (DateTime.UtcNow > deadline) return (false, steps, "time limit");
            double lambda2 = NewtonDirection(t, w, s, dw, ds);
            // A solve that lost every digit right after λ² reached the rounding floor is that floor, not a failure.
            if (double.IsNaN(lambda2)) return bestLambda2 <= RoundingCentred ? (true, steps, null) : (false, steps, "singular Newton system");
            if (lambda2 / 2 <= tolerance) return (true, steps, null);
            // Rounding floor: inside the quadratic region λ² stops decreasing when the Newton system's rounding
            // (condition ~ t²) dominates; the point is then as central as floating point allows.
            if (lambda2 < bestLambda2 / 2) { bestLambda2 = lambda2; sinceBest = 0; }
            else if (++sinceBest >= StallSteps && bestLambda2 <= RoundingCentred) return (true, steps, null);
            double alpha = 1;
            double f0 = current;
            bool accepted = false;
            for (int ls = 0; ls < 60; ls++, alpha *= 0.5)
            {
                for (int i = 0; i < w.Length; i++) wTrial[i] = w[i] + alpha * dw[i];
                for (int i = 0; i < s.Length; i++) sTrial[i] = s[i] + alpha * ds[i];
                double f1 = CenteringObjective(t, wTrial, sTrial);
                if (double.IsPositiveInfinity(f1)) continue;
                // Near the centre the decrease is below the rounding of f_t ~ t·objective: take the
                // feasible Newton step (quadratic-convergence region of a self-concordant barrier).
                if (f1 <= f0 - 0.25 * alpha * lambda2 || (Math.Sqrt(lambda2) < 0.2 && f1 <= f0 + 1e-14 * Math.Abs(f0)))
                { accepted = true; current = f1; break; }
            }
            if (!accepted) return (false, steps, "line search failed");
            Array.Copy(wTrial, w, w.Length);
            Array.Copy(sTrial, s, s.Length);
        }
        return (false, steps, "Newton step limit");
    }

    /// <summary>
    /// Newton direction of f_t at (w, s) into (dw, ds); returns the squared Newton decrement λ² (NaN if
    /// a factorisation fails). H = B + t Mᵀ Λ M with B block-diagonal (barrier), M the prediction map and
    /// Λ = diag ℓ''(z): H⁻¹r = B⁻¹r − B⁻¹MᵀS (I + S M B⁻¹ Mᵀ S)⁻¹ S M B⁻¹ r, S = (tΛ)^{1/2}.
    /// Near the end of the path H has condition ~ t², so one step of iterative refinement (residual
    /// −∇f_t − H·d computed with H applied directly, then solved again) recovers the digits the
    /// Woodbury solve loses: without it centring stalls with λ² far above rounding of the iterate.
    /// </summary>
    private double NewtonDirection(double t, double[] w, double[] s, double[] dw, double[] ds)
    {
        var system = Factor(t, w, s);
        if (system is null) return double.NaN;
        int km = _k * _m;
        var rhs = new double[km];
        for (int i = 0; i < km; i++) rhs[i] = -system.Gradient[i];
        var step = system.Solve(rhs);
        var plain = step;
        var residual = Residual(system, rhs, step);
        double residualNorm = Norm(residual);
        // Early on the path the Woodbury solve is accurate to rounding; refinement only pays once H's condition
        // (~ t²) has eaten digits.
        int refinements = residualNorm <= _refineAbove * Norm(rhs) ? 0 : Refinements;
        for (int refinement = 0; refinement < refinements; refinement++)
        {
            var correction = system.Solve(residual);
            var refined = (double[])step.Clone();
            for (int i = 0; i < km; i++) refined[i] += correction[i];
            var refinedResidual = Residual(system, rhs, refined);
            double refinedNorm = Norm(refinedResidual);
            // A solve whose relative error exceeds one makes refinement diverge: keep the better step only.
            if (!(refinedNorm < residualNorm)) break;
            step = refined;
            residual = refinedResidual;
            residualNorm = refinedNorm;
        }
        double lambda2 = Decrement(system, step);
        // H is positive definite: a non-positive decrement means the solve has lost every digit (the unrefined
        // step is kept if it at least points downhill).
        if (!(lambda2 > 0) && !ReferenceEquals(step, plain) && Decrement(system, plain) > 0)
        {
            step = plain;
            lambda2 = Decrement(system, plain);
        }
        if (!(lambda2 > 0)) return double.NaN;
        for (int bi = 0; bi < _k; bi++)
            for (int a = 0; a < _m; a++)
            {
                double v = step[bi * _m + a];
                if (a < _d) dw[bi * _d + a] = v; else ds[bi] = v;
            }
        return lambda2;
    }

    /// <summary>λ² = −∇f_t·d for a stacked step d.</summary>
    private static double Decrement(NewtonSystem system, double[] step)
    {
        double lambda2 = 0;
        for (int i = 0; i < step.Length; i++) lambda2 -= system.Gradient[i] * step[i];
        return lambda2;
    }

    private static double[] Residual(NewtonSystem system, double[] rhs, double[] step)
    {
        var hd = system.Apply(step);
        var residual = new double[rhs.Length];
        for (int i = 0; i < rhs.Length; i++) residual[i] = rhs[i] - hd[i];
        return residual;
    }

    private static double Norm(double[] v)
    {
        double sum = 0;
        foreach (double a in v) sum += a * a;
        return Math.Sqrt(sum);
    }

    /// <summary>Iterative-refinement steps of the Newton solve.</summary>
    private const int Refinements = 1;

    /// <summary>Relative residual ‖H d + ∇f_t‖/‖∇f_t‖ below which the Newton solve is not refined.</summary>
    private const double AccurateSolve = 1e-14;

    /// <summary>
    /// The same in a loose solve: its path stops at a relative gap of about 0.1, where H's condition (~ t²) is mild, and a
    /// step with this residual is accurate far beyond what its centring tolerance needs (inexact Newton).
    /// </summary>
    private const double LooseSolveResidual = 1e-10;

    private double _refineAbove = AccurateSolve; // the residual test of this Solve call: loose or accurate

    /// <summary>Gradient and factored Hessian of f_t at one point (see <see cref="NewtonDirection"/>).</summary>
    private sealed class NewtonSystem
    {
        public required BarrierSolver Owner;
        public required double[] Gradient;   // k·m
        public required double[] BlockHessian; // k·m·m, B_b
        public required double[] BlockCholesky; // k·m·m
        public required double[] CouplingCholesky; // n×n, I + S K S
        public required double[] Sqrt; // n, S
        public required double[] Curvature; // n, tΛ

        /// <summary>H⁻¹ r by the Woodbury identity.</summary>
        public double[] Solve(double[] r)
        {
            var o = Owner;
            int n = o._n, d = o._d, m = o._m, k = o._k;
            var y = (double[])r.Clone();
            for (int bi = 0; bi < k; bi++) CholeskySolve(BlockCholesky.AsSpan(bi * m * m, m * m), y.AsSpan(bi * m, m), m);
            var zeta = o.PredictStacked(y);
            for (int j = 0; j < n; j++) zeta[j] *= Sqrt[j];
            CholeskySolve(CouplingCholesky, zeta, n);
            for (int j = 0; j < n; j++) zeta[j] *= Sqrt[j];
            Span<double> corr = stackalloc double[m];
            for (int bi = 0; bi < k; bi++)
            {
                o.TransposeBlock(bi, zeta, corr);
                CholeskySolve(BlockCholesky.AsSpan(bi * m * m, m * m), corr, m);
                for (int a = 0; a < m; a++) y[bi * m + a] -= corr[a];
            }
            return y;
        }

        /// <summary>H d = B d + t Mᵀ Λ M d, applied without factorising.</summary>
        public double[] Apply(double[] dv)
        {
            var o = Owner;
            int n = o._n, m = o._m, k = o._k;
            var result = new double[k * m];
            for (int bi = 0; bi < k; bi++)
                for (int a = 0; a < m; a++)
                {
                    double acc = 0;
                    for (int c = 0; c < m; c++) acc += BlockHessian[bi * m * m + a * m + c] * dv[bi * m + c];
                    result[bi * m + a] = acc;
                }
            var md = o.PredictStacked(dv);
            for (int j = 0; j < n; j++) md[j] *= Curvature[j];
            Span<double> back = stackalloc double[m];
            for (int bi = 0; bi < k; bi++)
            {
                o.TransposeBlock(bi, md, back);
                for (int a = 0; a < m; a++) result[bi * m + a] += back[a];
            }
            return result;
        }
    }

    /// <summary>M applied to a stacked (w, s) vector: Σ_b γ_b diag(s_b) X w_b.</summary>
    private double[] PredictStacked(double[] v) => Predict(v, _m);

    /// <summary>The block's rows of Mᵀ applied to an n-vector (zero in the epigraph coordinate).</summary>
    private void TransposeBlock(int bi, double[] u, Span<double> into)
    {
        into.Clear();
        var blk = _blocks[bi];
        foreach (int j in blk.ActiveRows)
        {
            double uj = blk.Sign * u[j];
            for (int c = 0; c < _d; c++) into[c] += uj * _x[j * _d + c];
        }
    }

    /// <summary>Gradient of f_t and the factors of its Hessian at (w, s); null if a factorisation fails.</summary>
    private NewtonSystem? Factor(double t, double[] w, double[] s)
    {
        int n = _n, d = _d, m = _m;
        var z = Vector<double>.Build.DenseOfArray(Predict(w));
        var grad = _loss.Gradient(z, _y).AsArray() ?? _loss.Gradient(z, _y).ToArray();
        var hess = _loss.HessianDiagonal(z, _y);
        var chol = _chol;
        var bAll = _blockHessian;
        var gradAll = _gradient;
        var kn = _coupling;
        Array.Clear(bAll);
        Array.Clear(gradAll);
        Array.Clear(kn);
        Span<double> cww = stackalloc double[d * d];
        Span<double> col = stackalloc double[m];
        var xc = _xc;
        Span<double> hq = stackalloc double[m];
        for (int bi = 0; bi < _k; bi++)
        {
            var blk = _blocks[bi];
            int o = bi * d;
            var bmat = bAll.AsSpan(bi * m * m, m * m);
            var gb = gradAll.AsSpan(bi * m, m);
            // Loss part of the gradient: t γ (diag(s) X)ᵀ ∇ℓ, and tβ for the epigraph variable.
            foreach (int j in blk.ActiveRows)
            {
                double gj = t * blk.Sign * grad[j];
                for (int k = 0; k < d; k++) gb[k] += gj * _x[j * d + k];
            }
            gb[d] += t * _beta;
            // Second-order cone barrier −log(s² − ‖w‖²).
            double ww = 0;
            for (int k = 0; k < d; k++) ww += w[o + k] * w[o + k];
            double sv = s[bi], wn = Math.Sqrt(ww), q = (sv - wn) * (sv + wn);
            hq.Clear();
            for (int k = 0; k < d; k++) hq[k] = -2 * w[o + k];
            hq[d] = 2 * sv;
            for (int a = 0; a < m; a++)
            {
                gb[a] -= hq[a] / q;
                for (int c = 0; c < m; c++) bmat[a * m + c] += hq[a] * hq[c] / (q * q);
                bmat[a * m + a] += (a < d ? 2 : -2) / q;
            }
            // Facet barriers −log(a·w).
            for (int i = 0; i < blk.FacetCount; i++)
            {
                double r = 0;
                for (int k = 0; k < d; k++) r += blk.Facets[i * d + k] * w[o + k];
                for (int a = 0; a < d; a++)
                {
                    double fa = blk.Facets[i * d + a];
                    gb[a] -= fa / r;
                    for (int c = 0; c < d; c++) bmat[a * m + c] += fa * blk.Facets[i * d + c] / (r * r);
                }
            }
            var lb = chol.AsSpan(bi * m * m, m * m);
            if (!Cholesky(bmat, lb, m))
            {
                // Rounding made the barrier Hessian indefinite near the cone's boundary: regularise slightly.
                double tr = 0;
                for (int a = 0; a < m; a++) tr += Math.Abs(bmat[a * m + a]);
                for (int a = 0; a < m; a++) bmat[a * m + a] += 1e-14 * tr;
                if (!Cholesky(bmat, lb, m)) return null;
            }
            // C_b = [B_b⁻¹]_ww.
            var cb = _cww.AsSpan(bi * d * d, d * d);
            for (int c = 0; c < d; c++)
            {
                col.Clear();
                col[c] = 1;
                CholeskySolve(lb, col, m);
                for (int a = 0; a < d; a++) cb[a * d + c] = col[a];
            }
        }
        // Each pattern's contribution (diag(s) X) (Σ_b C_b) (diag(s) X)ᵀ to the n×n coupling.
        foreach (var group in _patternGroups)
        {
            _cww.AsSpan(group[0] * d * d, d * d).CopyTo(cww);
            for (int gi = 1; gi < group.Length; gi++)
            {
                var other = _cww.AsSpan(group[gi] * d * d, d * d);
                for (int a = 0; a < d * d; a++) cww[a] += other[a];
            }
            var rows = _blocks[group[0]].ActiveRows;
            foreach (int j in rows)
                for (int c = 0; c < d; c++)
                {
                    double acc = 0;
                    for (int a = 0; a < d; a++) acc += _x[j * d + a] * cww[a * d + c];
                    xc[j * d + c] = acc;
                }
            for (int ii = 0; ii < rows.Length; ii++)
            {
                int i = rows[ii];
                for (int jj = ii; jj < rows.Length; jj++)
                {
                    int j = rows[jj];
                    double acc = 0;
                    for (int c = 0; c < d; c++) acc += xc[i * d + c] * _x[j * d + c];
                    kn[i * n + j] += acc;
                }
            }
        }
        // Symmetrise and form I + S K S.
        var sq = _sqrt;
        var curvature = _curvature;
        for (int j = 0; j < n; j++)
        {
            curvature[j] = Math.Max(t * hess[j], 0);
            sq[j] = Math.Sqrt(curvature[j]);
        }
        // I + S K S overwrites K (its upper triangle is read before the same entry is written).
        var amat = kn;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                double v = sq[i] * kn[i * n + j] * sq[j] + (i == j ? 1 : 0);
                amat[i * n + j] = v;
                amat[j * n + i] = v;
            }
        var achol = _couplingChol;
        if (!Cholesky(amat, achol, n)) return null;
        return new NewtonSystem
        {
            Owner = this, Gradient = gradAll, BlockHessian = bAll, BlockCholesky = chol, CouplingCholesky = achol,
            Sqrt = sq, Curvature = curvature,
        };
    }

    /// <summary>Dense Cholesky A = L Lᵀ (row-major, lower triangle written to l); false if not positive definite.</summary>
    private static bool Cholesky(ReadOnlySpan<double> a, Span<double> l, int n)
    {
        l.Clear();
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (!(sum > 0)) return false;
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b in place.</summary>
    private static void CholeskySolve(ReadOnlySpan<double> l, Span<double> b, int n)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i * n + k] * b[k];
            b[i] = sum / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * b[k];
            b[i] = sum / l[i * n + i];
        }
    }
}
