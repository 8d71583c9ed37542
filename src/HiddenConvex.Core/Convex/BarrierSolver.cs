using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Log-barrier interior-point method for the reduced program over a working set of blocks (THEORY.md §3 restricted to
/// the working set), in epigraph form: minimise ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b s_b subject to ‖w_b‖ ≤ s_b and
/// a_j·w_b ≥ 0 on the facets. Centering problems f_t = t·(ℓ + βΣs) − Σ log(s_b² − ‖w_b‖²) − Σ log(a_j·w_b) are solved by
/// damped Newton (every stage but the last of an accurate solve to λ²/2 ≤ <see cref="BarrierRun.IntermediateCentering"/>,
/// the last to <see cref="BarrierRun.CenteringTolerance"/>; every stage of a loose solve, whose target is above
/// <see cref="BarrierRun.AccurateTarget"/>, to <see cref="BarrierRun.LooseCentering"/>); the Newton system is block-diagonal
/// plus the rank-n loss coupling, solved through an n×n system (Woodbury), so a step costs O(K n² d + n³) for K blocks; a
/// step whose Woodbury solve lost every digit (non-positive Newton decrement: rows whose norms are orders of magnitude
/// apart) is recomputed from the Jacobi-equilibrated dense Hessian (up to <see cref="BarrierRun.DenseFallbackLimit"/> variables).
/// The stage duality gap is ν/t with ν = Σ_b (2 + f_b); t grows by <see cref="BarrierRun.Growth"/> until
/// ν/t ≤ target·|objective| (relative: unchanged by units). This solver's own gap is only a stopping heuristic: optimality is decided by the
/// certificate of THEORY.md §4 over all blocks.
/// </summary>
internal sealed class BarrierSolver : IInnerSolver
{
    /// <summary>The method has no state of its own: one instance serves every solve.</summary>
    public static readonly BarrierSolver Instance = new();

    /// <inheritdoc />
    public InnerOutcome Solve(ReducedProgram program, InnerRequest request) => new BarrierRun(program).Solve(request);
}

/// <summary>One barrier solve of one reduced program: the program's data, the work arrays of its Newton systems, the path.</summary>
internal sealed partial class BarrierRun
{
    /// <summary>Factor by which t grows between centring stages.</summary>
    internal const double Growth = 20;
    /// <summary>A stage that does not centre in this many Newton steps has hit rounding.</summary>
    private const int MaxStageSteps = 60;
    /// <summary>Newton decrement λ²/2 at which the last stage counts as centred.</summary>
    internal const double CenteringTolerance = 1e-10;
    /// <summary>λ²/2 at which a stage before the last counts as centred.</summary>
    internal const double IntermediateCentering = 1e-3;
    /// <summary>λ²/2 at which a stage of a loose solve (target above <see cref="AccurateTarget"/>) counts as centred.</summary>
    internal const double LooseCentering = 0.1;
    /// <summary>Relative gap targets up to this get a tightly centred last stage.</summary>
    internal const double AccurateTarget = 1e-4;
    /// <summary>λ² below which a stalled stage counts as centred at rounding level (λ ≈ 0.03: f_t within 1e-3 of its centre).</summary>
    private const double RoundingCentred = 1e-3;
    /// <summary>Steps without halving λ² that count as a stall.</summary>
    private const int StallSteps = 4;
    /// <summary>Halvings of the centring line search.</summary>
    private const int LineSearchSteps = 60;
    /// <summary>Armijo's sufficient-decrease fraction of λ² in the centring line search.</summary>
    private const double Armijo = 0.25;
    /// <summary>
    /// λ below which the point is in the quadratic-convergence region of the self-concordant barrier (λ &lt; 0.2): a
    /// feasible full Newton step is taken when f_t changes within <see cref="ValueRounding"/> of itself.
    /// </summary>
    private const double QuadraticRegion = 0.2;
    /// <summary>Relative rounding of f_t ~ t·objective, within which a step in the quadratic region counts as no increase.</summary>
    private const double ValueRounding = 1e-14;
    /// <summary>Cold start: every block starts at this fraction of max|y|/(max|x|·max(1, K)) along its interior direction.</summary>
    private const double ColdStartFraction = 0.1;

    private readonly double[] _x;
    private readonly int _n, _d;
    private readonly Vector<double> _y;
    private readonly Loss _loss;
    private readonly double _beta;
    private readonly IReadOnlyList<ReducedBlock> _blocks;
    private readonly int _k, _m; // blocks, variables per block (d + 1)

    // Work arrays of Factor, reused by every Newton step (a step's system is used and dropped before the next one):
    // on small programs allocating them each step cost as much as the arithmetic.
    private readonly double[] _chol, _blockHessian, _gradient, _sqrt, _curvature, _cww;

    // The prediction z = Σ_b γ_b diag(s_b) X w_b of the point last evaluated, and the loss's view of it (bound to the same
    // array): every f_t evaluation of the line search and every Newton step writes it again instead of allocating.
    private readonly double[] _z;
    private readonly Vector<double> _zVector;

    // The path's own work arrays (see StepBuffers): the Newton direction and the line search's trial point, reused by
    // every stage; the stacked vectors of one Newton solve.
    private readonly double[] _dw, _ds, _trialW, _trialS;
    private readonly StepBuffers _buffers;

    private readonly double _nu;

    // The n×n Woodbury coupling (allocated only when the Woodbury form is used) or the dense (K·m)² Hessian.
    private readonly double[]? _coupling, _couplingChol;
    private double[]? _dense, _denseChol; // allocated on first use: the dense form, or the fallback of a failed Woodbury step

    /// <summary>
    /// Which form of the Newton system is cheaper for this program (THEORY.md §3): Woodbury through an n×n system, costing
    /// about n³/3 + K n² d / 4 per step, or the dense (K·m)×(K·m) Hessian, costing about n (K d)²/4 + (K m)³/3. Many rows and
    /// a small working set (the scale path) take the dense form; many blocks over few rows take Woodbury.
    /// </summary>
    private readonly bool _denseForm;

    // The working set's blocks grouped by pattern (one or both signs): the coupling term of a block,
    // (diag(s) X) C_b (diag(s) X)ᵀ, does not depend on its sign, so a pattern's two blocks add C_b first and
    // pay for the O(|s|² d) update once.
    private readonly int[][] _patternGroups;

    public BarrierRun(ReducedProgram program)
    {
        _x = program.X; _n = program.N; _d = program.D; _y = program.Y; _loss = program.Loss; _beta = program.Beta;
        _blocks = program.Blocks;
        int n = _n, d = _d;
        _k = _blocks.Count; _m = d + 1;
        _chol = new double[ArraySize.Product("the barrier's block factors (blocks × (d+1)²)", _k, _m, _m)];
        _blockHessian = new double[_chol.Length];
        _gradient = new double[_k * _m];
        _denseForm = program.Form switch
        {
            NewtonForm.Dense => true,
            NewtonForm.Woodbury => false,
            _ => UsesDenseForm(n, d, _k),
        };
        if (!_denseForm)
        {
            _coupling = new double[ArraySize.Product("the barrier's n×n loss coupling", n, n)];
            _couplingChol = new double[_coupling.Length];
        }
        _sqrt = new double[n];
        _curvature = new double[n];
        _cww = new double[ArraySize.Product("the barrier's block inverses (blocks × d²)", _k, d, d)];
        _z = new double[n];
        _zVector = Vector<double>.Build.Dense(_z); // bound to _z (DenseOfArray would copy it)
        _dw = new double[ArraySize.Product("the barrier's iterate (blocks × d)", _k, d)];
        _trialW = new double[_dw.Length];
        _ds = new double[_k];
        _trialS = new double[_k];
        _buffers = new StepBuffers(_k * _m, n);
        _nu = _blocks.Sum(b => 2.0 + b.FacetCount);
        _patternGroups = Enumerable.Range(0, _k).GroupBy(bi => _blocks[bi].Block.Pattern).Select(g => g.ToArray()).ToArray();
    }

    /// <summary>The cost model of <see cref="_denseForm"/>: true when the dense Hessian is the cheaper Newton system.</summary>
    internal static bool UsesDenseForm(int n, int d, int blocks)
    {
        double woodbury = (double)n * n * n / 3 + (double)blocks * n * n * d / 4;
        double kd = (double)blocks * d, km = (double)blocks * (d + 1);
        double dense = n * kd * kd / 4 + km * km * km / 3;
        return dense < woodbury;
    }

    /// <summary>
    /// z = Σ_b γ_b diag(s_b) X w_b as a vector for the loss, written into this run's prediction array: valid until the next
    /// call (the loss's value, gradient and curvature are read from it at once).
    /// </summary>
    private Vector<double> Predict(double[] w)
    {
        Predict(w, _d, _z);
        return _zVector;
    }

    /// <summary>Σ_b γ_b diag(s_b) X v_b with block b's d entries starting at b·stride of v, into <paramref name="z"/> (n).</summary>
    private void Predict(double[] v, int stride, double[] z)
    {
        Array.Clear(z);
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
        return t * (_loss.Value(Predict(w), _y) + _beta * s.Sum()) + bar;
    }

    /// <summary>ℓ(z) + β Σ s_b, the reduced program's epigraph objective.</summary>
    private double Objective(double[] w, double[] s) =>
        _loss.Value(Predict(w), _y) + _beta * s.Sum();

    /// <summary>ν = Σ_b (2 + f_b), the barrier parameter: the stage gap is ν/t.</summary>
    private double Nu => _nu;

    /// <summary>
    /// Runs the barrier method until ν/t ≤ target·|objective|, the step limit, the deadline or a numerical stall,
    /// from the request's warm start (<see cref="WarmStartPoint"/>) or a cold start (<see cref="ColdStartPoint"/>).
    /// </summary>
    public InnerOutcome Solve(InnerRequest request)
    {
        var w = new double[_k * _d];
        var s = new double[_k];
        double t = request.Warm is { IsUsable: true } warm ? WarmStartPoint(warm, w, s) : ColdStartPoint(w, s);
        double target = request.RelativeGapTarget, nu = Nu;
        int steps = 0;
        bool loose = target > AccurateTarget;
        _refineAbove = loose ? LooseSolveResidual : AccurateSolve;
        while (true)
        {
            // Only the last stage of an accurate solve is centred to the end: an intermediate centre is left at once
            // by the next t, and a loose solve only ranks blocks (λ ≤ 0.45 keeps its point inside the region where
            // damped Newton converges quadratically, so its dual vector ranks them as well as a tighter centre).
            bool last = !loose && nu / t <= target * Math.Abs(Objective(w, s));
            var (status, used) = Center(t, w, s, Math.Min(request.MaxNewtonSteps - steps, MaxStageSteps), request,
                last ? CenteringTolerance : loose ? LooseCentering : IntermediateCentering);
            steps += used;
            double gap = nu / t;
            if (status is { } failed) return new InnerOutcome(w, s, steps, failed, gap);
            if (gap <= target * Math.Abs(Objective(w, s))) return new InnerOutcome(w, s, steps, InnerStatus.ReachedTarget, gap);
            if (steps >= request.MaxNewtonSteps) return new InnerOutcome(w, s, steps, InnerStatus.StepLimit, gap);
            t *= Growth;
        }
    }

    /// <summary>
    /// Warm start: t = ν/gapEstimate, and every block is moved into the interior by the central-path slack scale 1/(tβ)
    /// (blocks without a warm value start there), so centring starts close to the path. Returns t.
    /// </summary>
    private double WarmStartPoint(WarmStart warm, double[] w, double[] s)
    {
        double t = Nu / warm.GapEstimate;
        double scale = 1 / (t * _beta);
        for (int bi = 0; bi < _k; bi++)
        {
            var interior = _blocks[bi].Interior;
            bool known = warm.Points.TryGetValue(_blocks[bi].Block, out var start);
            double norm = 0;
            for (int k = 0; k < _d; k++)
            {
                double v = (known ? start.W[k] : 0) + scale * interior[k];
                w[bi * _d + k] = v;
                norm += v * v;
            }
            norm = Math.Sqrt(norm);
            s[bi] = Math.Max(known ? start.S : 0, norm) + 2 * scale;
        }
        return t;
    }

    /// <summary>
    /// Cold start: every block at a small multiple of its interior direction on the instance's own scale max|y|/max|x| (which
    /// transforms like w under the unit laws; labels have max|y| = 1), t = ν/objective. Returns t.
    /// </summary>
    private double ColdStartPoint(double[] w, double[] s)
    {
        double xScale = 0;
        for (int i = 0; i < _x.Length; i++) xScale = Math.Max(xScale, Math.Abs(_x[i]));
        xScale = Math.Max(xScale, Numerics.Tolerances.ZeroNorm);
        // y = 0 has the optimum W = 0 whatever the start: any positive scale will do.
        double yScale = _y.AbsoluteMaximum() > 0 ? _y.AbsoluteMaximum() : 1;
        double kappa = ColdStartFraction * yScale / (xScale * Math.Max(1, _k));
        for (int bi = 0; bi < _k; bi++)
        {
            for (int k = 0; k < _d; k++) w[bi * _d + k] = kappa * _blocks[bi].Interior[k];
            s[bi] = 2 * kappa;
        }
        double obj0 = _loss.Value(Predict(w), _y) + _beta * s.Sum();
        return Nu / obj0;
    }

    /// <summary>
    /// Damped Newton on f_t from (w, s), in place, until λ²/2 ≤ <paramref name="tolerance"/> (null) or a numerical stall,
    /// the step budget, the deadline or a cancellation (that status).
    /// </summary>
    private (InnerStatus? Status, int Steps) Center(double t, double[] w, double[] s, int budget, InnerRequest request, double tolerance)
    {
        double[] dw = _dw, ds = _ds;
        var trial = (W: _trialW, S: _trialS);
        double bestLambda2 = double.PositiveInfinity;
        int sinceBest = 0, steps = 0;
        double current = CenteringObjective(t, w, s); // f_t at (w, s): the accepted trial value of the last step
        for (; steps < Math.Max(budget, 0); steps++)
        {
            if (request.Cancellation.IsCancellationRequested) return (InnerStatus.Cancelled, steps);
            if (DateTime.UtcNow > request.Deadline) return (InnerStatus.TimeLimit, steps);
            double lambda2 = NewtonDirection(t, w, s, dw, ds);
            // A solve that lost every digit right after λ² reached the rounding floor is that floor, not a failure.
            if (double.IsNaN(lambda2)) return (bestLambda2 <= RoundingCentred ? null : InnerStatus.SingularSystem, steps);
            if (lambda2 / 2 <= tolerance) return (null, steps);
            // Rounding floor: inside the quadratic region λ² stops decreasing when the Newton system's rounding
            // (condition ~ t²) dominates; the point is then as central as floating point allows.
            if (lambda2 < bestLambda2 / 2) { bestLambda2 = lambda2; sinceBest = 0; }
            else if (++sinceBest >= StallSteps && bestLambda2 <= RoundingCentred) return (null, steps);
            if (!LineSearch(t, w, s, dw, ds, lambda2, trial, ref current)) return (InnerStatus.LineSearchFailed, steps);
            Array.Copy(trial.W, w, w.Length);
            Array.Copy(trial.S, s, s.Length);
            // Damped steps can press a block's (w_b, s_b) against its second-order cone (s_b − ‖w_b‖ a thousand times
            // below its central value ≈ 1/(tβ)); Newton then creeps along the cone, its tangential step limited to about
            // √(s_b (s_b − ‖w_b‖)), for hundreds of steps (the stalls at d ≥ 4). The exact minimiser in s restores the slack.
            if (CentreEpigraph(t, w, s)) current = CenteringObjective(t, w, s);
        }
        return (InnerStatus.StepLimit, steps);
    }

    /// <summary>
    /// Backtracking from (w, s) along (dw, ds) into <paramref name="trial"/>: Armijo's decrease of f_t, or near the centre
    /// (λ &lt; <see cref="QuadraticRegion"/>) any feasible step that does not raise f_t beyond its rounding (the decrease is
    /// below the rounding of f_t ~ t·objective). False when no trial is accepted.
    /// </summary>
    private bool LineSearch(double t, double[] w, double[] s, double[] dw, double[] ds, double lambda2,
        (double[] W, double[] S) trial, ref double current)
    {
        double alpha = 1, f0 = current;
        for (int ls = 0; ls < LineSearchSteps; ls++, alpha *= 0.5)
        {
            for (int i = 0; i < w.Length; i++) trial.W[i] = w[i] + alpha * dw[i];
            for (int i = 0; i < s.Length; i++) trial.S[i] = s[i] + alpha * ds[i];
            double f1 = CenteringObjective(t, trial.W, trial.S);
            if (double.IsPositiveInfinity(f1)) continue;
            if (f1 <= f0 - Armijo * alpha * lambda2 || (Math.Sqrt(lambda2) < QuadraticRegion && f1 <= f0 + ValueRounding * Math.Abs(f0)))
            {
                current = f1;
                return true;
            }
        }
        return false;
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
        double lambda2 = NewtonDirection(Factor(t, w, s), dw, ds);
        if (lambda2 > 0 || _denseForm || _k * _m > DenseFallbackLimit) return lambda2;
        // The Woodbury solve cancels B⁻¹r against its correction; with rows of very different norms (1e9 apart) the
        // correction is 1e18 times the step and no digit survives. The equilibrated dense Hessian does not cancel.
        return NewtonDirection(Factor(t, w, s, dense: true), dw, ds);
    }

    /// <summary>Working sets with more variables K(d + 1) than this get no dense fallback (its factorisation is O((K(d+1))³)).</summary>
    internal const int DenseFallbackLimit = 1200;

    /// <summary>The refined Newton step of a factored system into (dw, ds), and λ² (NaN when the system failed or lost every digit).</summary>
    private double NewtonDirection(INewtonSystem? system, double[] dw, double[] ds)
    {
        if (system is null) return double.NaN;
        int km = _k * _m;
        double[] rhs = _buffers.Rhs, plain = _buffers.Plain;
        for (int i = 0; i < km; i++) rhs[i] = -system.Gradient[i];
        system.Solve(rhs, plain);
        var step = Refined(system, rhs, plain);
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

    /// <summary>
    /// The step after at most <see cref="Refinements"/> rounds of iterative refinement, each kept only if it lowers the
    /// residual (a solve whose relative error exceeds one makes refinement diverge). Early on the path the Woodbury solve
    /// is accurate to rounding; refinement only pays once H's condition (~ t²) has eaten digits.
    /// </summary>
    private double[] Refined(INewtonSystem system, double[] rhs, double[] step)
    {
        var b = _buffers;
        double[] residual = b.Residual, spareResidual = b.RefinedResidual;
        Residual(system, rhs, step, residual);
        double residualNorm = Norm(residual);
        int refinements = residualNorm <= _refineAbove * Norm(rhs) ? 0 : Refinements;
        for (int refinement = 0; refinement < refinements; refinement++)
        {
            system.Solve(residual, b.Correction);
            // Two steps alternate: the refined one is never the step it refines (nor the unrefined solve, which the caller keeps).
            var refined = ReferenceEquals(step, b.RefinedA) ? b.RefinedB : b.RefinedA;
            for (int i = 0; i < refined.Length; i++) refined[i] = step[i] + b.Correction[i];
            Residual(system, rhs, refined, spareResidual);
            double refinedNorm = Norm(spareResidual);
            if (!(refinedNorm < residualNorm)) break;
            step = refined;
            (residual, spareResidual) = (spareResidual, residual);
            residualNorm = refinedNorm;
        }
        return step;
    }

    /// <summary>λ² = −∇f_t·d for a stacked step d.</summary>
    private static double Decrement(INewtonSystem system, double[] step)
    {
        double lambda2 = 0;
        for (int i = 0; i < step.Length; i++) lambda2 -= system.Gradient[i] * step[i];
        return lambda2;
    }

    /// <summary>rhs − H·step into <paramref name="residual"/>.</summary>
    private void Residual(INewtonSystem system, double[] rhs, double[] step, double[] residual)
    {
        var hd = _buffers.Applied;
        system.Apply(step, hd);
        for (int i = 0; i < rhs.Length; i++) residual[i] = rhs[i] - hd[i];
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

    private double _refineAbove = AccurateSolve; // the residual test of this solve: loose or accurate

    /// <summary>A block whose cone slack s_b − ‖w_b‖ is below this fraction of its centred value is pressed against its cone.</summary>
    private const double PressedSlack = 0.1;

    /// <summary>
    /// Each pressed block's epigraph variable (<see cref="PressedSlack"/>) at its exact minimiser for the block's w: s_b only enters f_t through tβ s_b − log(s_b² − ‖w_b‖²),
    /// minimal at s_b = (1 + √(1 + (tβ‖w_b‖)²))/(tβ), so this never raises f_t and puts the slack s_b − ‖w_b‖ at its
    /// central value ≈ 1/(tβ). True when some block moved.
    /// </summary>
    private bool CentreEpigraph(double t, double[] w, double[] s)
    {
        double tb = t * _beta;
        bool moved = false;
        for (int bi = 0; bi < _k; bi++)
        {
            double ww = 0;
            for (int k = 0; k < _d; k++) ww += w[bi * _d + k] * w[bi * _d + k];
            double wn = Math.Sqrt(ww), a = tb * wn;
            double centred = (1 + Math.Sqrt(1 + a * a)) / tb;
            if (!(s[bi] - wn < PressedSlack * (centred - wn))) continue;
            s[bi] = centred;
            moved = true;
        }
        return moved;
    }
}
