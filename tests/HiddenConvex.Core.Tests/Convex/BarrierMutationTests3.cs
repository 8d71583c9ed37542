using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Convex.BarrierMutationTests;
using static HiddenConvex.Core.Tests.Convex.BarrierMutationTests2;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier method's stages (THEORY.md §3 restricted to a working set) judged by the centring rule they must follow: a
/// Newton step is taken only from a point that is not yet centred for the stage's t, and a stage ends at the first point that
/// is, to the stage's own tolerance (every stage of a loose solve to λ²/2 ≤ <see cref="BarrierRun.LooseCentering"/>, every
/// stage but the last of an accurate one to <see cref="BarrierRun.IntermediateCentering"/>, the last to
/// <see cref="BarrierRun.CenteringTolerance"/>; a target of exactly <see cref="BarrierRun.AccurateTarget"/> is accurate), with
/// the Newton decrement assembled here from THEORY.md §3's formulas; and the stopping rule ν/t ≤ target·(ℓ + βΣs_b) at every
/// stage end. Also the cold start with all targets zero, a warm epigraph variable above its block's norm, the end of a solve
/// whose Woodbury step lost every digit above the dense fallback's limit, and a last stage at the rounding floor of f_t.
/// Written against the survivors of a mutation run of Convex/BarrierSolver.cs (docs/mutation/barrier.md).
/// </summary>
public class BarrierMutationTests3
{
    /// <summary>ℓ(Mv) + βΣs, the epigraph objective, at the stacked point v.</summary>
    private static double Objective(ReducedProgram p, Vector<double> v)
    {
        int m = p.D + 1;
        double sum = 0;
        for (int b = 0; b < p.Blocks.Count; b++) sum += v[b * m + p.D];
        return p.Loss.Value(PredictionMap(p) * v, p.Y) + p.Beta * sum;
    }

    /// <summary>
    /// λ² = ∇f_tᵀ H⁻¹ ∇f_t of f_t = t(ℓ(Mv) + βΣs) − Σ log(s_b² − ‖w_b‖²) − Σ log(a·w_b) at the stacked point v, gradient and
    /// Hessian assembled independently of the solver's Newton systems (<see cref="BarrierMutationTests2.Centring"/>), solved Jacobi-equilibrated.
    /// </summary>
    private static double Decrement(ReducedProgram p, Vector<double> v, double t)
    {
        var (g, h) = Centring(p, v, t);
        var e = Vector<double>.Build.Dense(h.RowCount, i => 1 / Math.Sqrt(h[i, i]));
        var hs = Matrix<double>.Build.Dense(h.RowCount, h.ColumnCount, (i, j) => e[i] * h[i, j] * e[j]);
        var gs = g.PointwiseMultiply(e);
        return gs.DotProduct(hs.Cholesky().Solve(gs));
    }

    /// <summary>
    /// The relative margin by which a decrement must clear a stage's tolerance for the test to judge it: the solver's λ² and
    /// the one assembled here differ by rounding (early on the path, H well conditioned), far below this.
    /// </summary>
    private const double Margin = 1e-6;

    /// <summary>
    /// The path replayed step by step: the point after k Newton steps is the outcome of a budget of k steps, and the stage
    /// t in which step k was taken is ν over that outcome's gap (a budget that runs out ends the solve inside the stage of
    /// its last step). Returns the points P_0 … P_K and the t of each step 1 … K (entry 0: the start's t), P_K the point the
    /// unlimited solve returned.
    /// </summary>
    private static (List<Vector<double>> Points, List<double> T, InnerOutcome Final) Path(ReducedProgram p, double target)
    {
        var points = new List<Vector<double>>();
        var ts = new List<double>();
        for (int k = 0; k <= 400; k++)
        {
            var o = BarrierSolver.Instance.Solve(p, Request(target, steps: k));
            if (o.NewtonSteps < k)
            {
                Assert.Equal(InnerStatus.ReachedTarget, o.Status);
                Assert.True(Stacked(p, o.W, o.S).Equals(points[^1]), "the unlimited solve did not return the point of its last step");
                return (points, ts, o);
            }
            points.Add(Stacked(p, o.W, o.S));
            ts.Add(Nu(p) / o.EstimatedGap);
        }
        throw new InvalidOperationException("the path did not end within 400 Newton steps");
    }

    /// <summary>
    /// Targets: BarrierMutationTests' instances. A loose target (1e-2: every stage to λ²/2 ≤ 0.1) and an accurate one (1e-6:
    /// the intermediate stages to 1e-3).
    /// </summary>
    public static TheoryData<int, int, int, int, string, double> Paths => new()
    {
        { 1, 12, 3, 6, "squared", 1e-2 },
        { 2, 30, 2, 5, "logistic", 1e-2 },
        { 4, 15, 2, 8, "squared", 1e-2 },
        { 1, 12, 3, 6, "squared", 1e-6 },
        { 2, 30, 2, 5, "logistic", 1e-6 },
        { 4, 15, 2, 8, "squared", 1e-6 },
    };

    /// <summary>
    /// Centring stops at the stage's tolerance, no earlier and no later (BarrierSolver.cs: Center's test λ²/2 ≤ tolerance
    /// before every step, :306; the tolerance chosen per stage in Solve, :230–232). Every step is taken from a point with
    /// λ²/2 above the tolerance of its stage, and every stage before the last ends at a point with λ²/2 within it (including
    /// a stage the path passes through without a step, when the point is already centred for the next t). The tolerance of
    /// a loose solve (target above AccurateTarget) is LooseCentering in every stage; that of an accurate solve's stage is
    /// IntermediateCentering unless the stage starts with ν/t ≤ target·objective (the last stage, CenteringTolerance: not
    /// judged here, as its λ² nears rounding; BarrierMutationTests2 checks its end). The stall rule cannot end these stages
    /// early: it needs a best λ² ≤ 1e-3, i.e. λ²/2 ≤ 5e-4, below both tolerances, which would have ended the stage first.
    /// Targets the mutants that centre a stage to the wrong tolerance: `!loose &amp;&amp; …` → `||` (:230, every loose stage to
    /// 1e-10), the conditionals of :232 (a loose stage to 1e-3, an intermediate one to 0.1 or 1e-10), λ²/2 → λ²·2 (:306).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Each_stage_takes_Newton_steps_exactly_until_its_point_is_centred_to_the_stage_tolerance(
        int seed, int n, int d, int blocks, string loss, double target)
    {
        var p = Make(seed, n, d, blocks, loss, NewtonForm.Cheaper).Program;
        var (points, ts, final) = Path(p, target);
        bool loose = target > BarrierRun.AccurateTarget;
        double tFinal = Nu(p) / final.EstimatedGap;
        int judgedSteps = 0, judgedEnds = 0;

        // The tolerance of the stage at t that starts from the stacked point v (null: the last stage of an accurate solve,
        // or a start too close to the rule's boundary to tell).
        double? Tolerance(double t, Vector<double> v)
        {
            if (loose) return BarrierRun.LooseCentering;
            double ratio = Nu(p) / t / (target * Math.Abs(Objective(p, v)));
            if (Math.Abs(ratio - 1) <= Margin) return null;
            return ratio > 1 ? BarrierRun.IntermediateCentering : null;
        }

        for (int k = 1; k < points.Count; k++)
        {
            double t = ts[k], tBefore = ts[k - 1];
            // The stages between the one of step k − 1 and the one of step k: each ended (or was passed) at P_{k−1}.
            if (k > 1 && t > tBefore * (1 + Margin))
            {
                for (double passed = tBefore; passed < t * (1 - Margin); passed *= BarrierRun.Growth)
                {
                    // The stage at 'passed' started at some earlier point; its tolerance is judged from where it began:
                    // the first point of the path at that t.
                    int first = ts.FindIndex(x => Math.Abs(x - passed) <= Margin * passed);
                    var startPoint = first < 0 ? points[k - 1] : points[Math.Max(first - 1, 0)];
                    if (Tolerance(passed, startPoint) is not { } endTol) continue;
                    double ended = Decrement(p, points[k - 1], passed) / 2;
                    Assert.True(ended <= endTol * (1 + Margin),
                        $"the stage at t = {passed:E6} ended after step {k - 1} with λ²/2 = {ended:E6}, above its tolerance {endTol:E0}");
                    judgedEnds++;
                }
            }
            // Step k was taken at t from P_{k−1}: P_{k−1} was not centred for t.
            int stageStart = ts.FindIndex(x => Math.Abs(x - t) <= Margin * t);
            var start = points[Math.Max(stageStart - 1, 0)];
            if (Tolerance(t, start) is not { } tol) continue;
            double before = Decrement(p, points[k - 1], t) / 2;
            Assert.True(before > tol * (1 - Margin),
                $"step {k} was taken at t = {t:E6} from a point with λ²/2 = {before:E6}, already within the stage's tolerance {tol:E0}");
            judgedSteps++;
        }
        // The stage of the last step and any stage passed after it without a step ended at the returned point (the last
        // stage of an accurate solve is not judged).
        for (double passed = ts[^1]; passed <= tFinal * (1 + Margin); passed *= BarrierRun.Growth)
        {
            int first = ts.FindIndex(x => Math.Abs(x - passed) <= Margin * passed);
            var startPoint = first < 0 ? points[^1] : points[Math.Max(first - 1, 0)];
            if (Tolerance(passed, startPoint) is not { } endTol) continue;
            double ended = Decrement(p, points[^1], passed) / 2;
            Assert.True(ended <= endTol * (1 + Margin),
                $"the stage at t = {passed:E6} ended at the returned point with λ²/2 = {ended:E6}, above its tolerance {endTol:E0}");
            judgedEnds++;
        }
        Assert.True(judgedSteps >= MinimumSteps && judgedEnds >= 2,
            $"only {judgedSteps} steps and {judgedEnds} stage ends were judged on a path of {points.Count - 1} steps");
    }

    /// <summary>The paths above have 25–26 Newton steps (target 1e-2) and 43–49 (1e-6) in all (measured): fewer judged would check little.</summary>
    private const int MinimumSteps = 10;

    /// <summary>
    /// "Relative gap targets up to AccurateTarget get a tightly centred last stage" (BarrierSolver.cs: loose = target &gt;
    /// AccurateTarget, :223): at a target of exactly 1e-4 the solve is accurate, so the returned point is centred for
    /// t = ν/gap to λ²/2 ≤ CenteringTolerance (1e-10), not only to the loose 0.1. Targets `target &gt; AccurateTarget` → `&gt;=`
    /// (:223), which makes this solve loose. Measured λ²/2 at the returned points: see the assertion's message.
    /// </summary>
    [Theory]
    [InlineData(1, 12, 3, 6, "squared")]
    [InlineData(2, 30, 2, 5, "logistic")]
    [InlineData(4, 15, 2, 8, "squared")]
    public void A_target_of_exactly_the_accurate_threshold_gets_a_tightly_centred_last_stage(int seed, int n, int d, int blocks, string loss)
    {
        var p = Make(seed, n, d, blocks, loss, NewtonForm.Cheaper).Program;
        var o = BarrierSolver.Instance.Solve(p, Request(BarrierRun.AccurateTarget));
        Assert.Equal(InnerStatus.ReachedTarget, o.Status);
        double lambda2 = Decrement(p, Stacked(p, o.W, o.S), Nu(p) / o.EstimatedGap);
        Assert.True(lambda2 / 2 <= BarrierRun.CenteringTolerance,
            $"target {BarrierRun.AccurateTarget:E0}: λ²/2 = {lambda2 / 2:E3} at t = ν/gap, above the last stage's tolerance {BarrierRun.CenteringTolerance:E0}");
    }

    /// <summary>
    /// With every target zero the cold start takes the unit label scale (BarrierSolver.cs :277, "y = 0 has the optimum W = 0
    /// whatever the start: any positive scale will do"): w_b = κ u_b, s_b = 2κ with κ = 0.1·1/(max|x|·K), and t = ν/f_0 with
    /// f_0 = ℓ(z_0) + βΣs_b &gt; 0, so the gap of a budget of no step is f_0. Then the Newton steps lower the epigraph objective
    /// towards its optimum 0. Targets `max|y| &gt; 0` → `&gt;= 0` and the conditional forced true (:277): scale 0, the start
    /// w = 0, s = 0 on the cones' apex, f_0 = 0 and t = ∞.
    /// </summary>
    [Theory]
    [InlineData(1, 12, 3, 6, "Woodbury")]
    [InlineData(4, 15, 2, 8, "Dense")]
    public void With_all_targets_zero_the_cold_start_is_on_the_unit_label_scale(int seed, int n, int d, int blocks, string formName)
    {
        var form = Enum.Parse<NewtonForm>(formName);
        var made = Make(seed, n, d, blocks, "squared", form).Program;
        var p = new ReducedProgram(made.X, made.N, made.D, Vector<double>.Build.Dense(n), made.Loss, made.Beta, made.Blocks, form);
        int k = p.Blocks.Count;
        var start = BarrierSolver.Instance.Solve(p, Request(1e-6, steps: 0));
        Assert.True(start.Status == InnerStatus.StepLimit && start.NewtonSteps == 0, $"no step: {start.Status} after {start.NewtonSteps} steps");
        double kappa = 0.1 * 1.0 / (p.X.Max(Math.Abs) * k);
        for (int b = 0; b < k; b++)
        {
            for (int c = 0; c < d; c++)
                Assert.True(Math.Abs(start.W[b * d + c] - kappa * p.Blocks[b].Interior[c]) <= StartAgrees * kappa,
                    $"w_{b}[{c}] = {start.W[b * d + c]:R}, not κ u_b = {kappa * p.Blocks[b].Interior[c]:R} (κ = {kappa:R})");
            Assert.True(Math.Abs(start.S[b] - 2 * kappa) <= StartAgrees * kappa, $"s_{b} = {start.S[b]:R}, not 2κ = {2 * kappa:R}");
        }
        double f0 = Objective(p, Stacked(p, start.W, start.S));
        Assert.True(f0 > 0 && Math.Abs(start.EstimatedGap - f0) <= StartAgrees * f0,
            $"gap ν/t = {start.EstimatedGap:R} at the start, not f_0 = {f0:R}");
        var moved = BarrierSolver.Instance.Solve(p, Request(1e-6, steps: 20));
        double f20 = Objective(p, Stacked(p, moved.W, moved.S));
        Assert.True(moved.NewtonSteps == 20 && f20 < f0 / 10,
            $"after {moved.NewtonSteps} Newton steps the objective is {f20:R}, not below a tenth of the start's {f0:R} (the optimum is 0)");
    }

    /// <summary>
    /// The stopping rule ν/t ≤ target·|ℓ + βΣs_b| (BarrierSolver.cs :236, with the epigraph objective of :207), judged at
    /// every stage end of the replayed path: each stage before the last ended at a point where ν/t was still above
    /// target·(ℓ + βΣs_b), and the last at one where it is within. β = 0.5 on this instance makes βΣs_b a large part of the
    /// objective, so the objective without it, or with β·max s_b, moves the stop by a stage (found by comparing 216 solves
    /// with and without each mutant). Targets :207 `+ β s.Sum()` → `− β s.Sum()` and `s.Sum()` → `s.Max()`.
    /// </summary>
    [Theory]
    [InlineData(1e-2)]
    [InlineData(1e-6)]
    [InlineData(1e-10)]
    public void The_solve_stops_at_the_first_stage_end_where_nu_over_t_is_within_the_target_times_the_epigraph_objective(double target)
    {
        var p = Make(3, 9, 4, 10, "squared", NewtonForm.Cheaper, beta: 0.5).Program;
        var (points, ts, final) = Path(p, target);
        double tFinal = Nu(p) / final.EstimatedGap;
        // The stages in order, each with the point it ended at: a stage ends where the next stage's first step starts (or,
        // passed without a step, where it began); the last ends at the returned point.
        var ends = new List<(double T, Vector<double> End)>();
        for (int k = 1; k < points.Count; k++)
            for (double passed = ts[k - 1]; passed < ts[k] * (1 - Margin); passed *= BarrierRun.Growth)
                ends.Add((passed, points[k - 1]));
        for (double passed = ts[^1]; passed <= tFinal * (1 + Margin); passed *= BarrierRun.Growth)
            ends.Add((passed, points[^1]));
        Assert.True(ends.Count >= 3, $"only {ends.Count} stages");
        for (int i = 0; i < ends.Count; i++)
        {
            double gap = Nu(p) / ends[i].T, allowed = target * Objective(p, ends[i].End);
            if (i < ends.Count - 1)
                Assert.True(gap > allowed, $"target {target:E0}: stage {i + 1} of {ends.Count} ended with ν/t = {gap:E6} within target·objective = {allowed:E6}, yet the solve went on");
            else
                Assert.True(gap <= allowed, $"target {target:E0}: the last stage ended with ν/t = {gap:E6} above target·objective = {allowed:E6}");
        }
    }

    /// <summary>
    /// A warm block's epigraph variable keeps its own value when that is above the norm of the shifted w_b (BarrierSolver.cs
    /// :262, s_b = max(s_b, ‖w_b + u_b/(tβ)‖) + 2/(tβ), t = ν/gapEstimate): a warm point whose s_b is three times ‖w_b‖ plus
    /// one starts at s_b + 2/(tβ), every block known. BarrierMutationTests2 starts warm from the solver's own points, where
    /// s_b ≈ ‖w_b‖ and the maximum is the norm. Targets the conditional of :262 forced false (s_b dropped for the norm).
    /// </summary>
    [Fact]
    public void A_warm_epigraph_variable_above_the_norm_of_its_shifted_block_is_kept()
    {
        var p = Make(1, 12, 3, 6, "squared", NewtonForm.Cheaper).Program;
        int d = p.D, k = p.Blocks.Count;
        var solved = BarrierSolver.Instance.Solve(p, Request(1e-6));
        var points = new Dictionary<HiddenConvex.Core.Pricing.Block, (double[] W, double S)>();
        for (int b = 0; b < k; b++)
        {
            var w = solved.W.Skip(b * d).Take(d).ToArray();
            points[p.Blocks[b].Block] = (w, 3 * Math.Sqrt(w.Sum(v => v * v)) + 1);
        }
        double estimate = 1e-3, scale = estimate / (Nu(p) * p.Beta);
        var warm = BarrierSolver.Instance.Solve(p, Request(1e-6, steps: 0, warm: new WarmStart(points, estimate)));
        Assert.True(warm.Status == InnerStatus.StepLimit && warm.NewtonSteps == 0, $"no step: {warm.Status} after {warm.NewtonSteps} steps");
        for (int b = 0; b < k; b++)
        {
            var (w, sb) = points[p.Blocks[b].Block];
            double shifted = Math.Sqrt(Enumerable.Range(0, d).Sum(c => Math.Pow(w[c] + scale * p.Blocks[b].Interior[c], 2)));
            Assert.True(sb > shifted, $"block {b}: the warm s_b = {sb:R} is not above ‖w_b + scale·u_b‖ = {shifted:R}");
            Assert.True(Math.Abs(warm.S[b] - (sb + 2 * scale)) <= StartAgrees * sb,
                $"block {b}: s_b starts at {warm.S[b]:R}, not the warm s_b + 2/(tβ) = {sb + 2 * scale:R} (‖w_b + scale·u_b‖ = {shifted:R})");
        }
    }

    /// <summary>
    /// No dense fallback above <see cref="BarrierRun.DenseFallbackLimit"/> variables (BarrierSolver.cs :357: "Working sets with
    /// more variables K(d + 1) than this get no dense fallback", its factorisation being O((K(d+1))³)): a Woodbury step that
    /// lost every digit then has no replacement, λ² is NaN, and a stage that has not reached the rounding floor (best λ² above
    /// 1e-3) ends the solve <see cref="InnerStatus.SingularSystem"/> (:305). The near-parallel 5×3 rows of
    /// BarrierMutationTests2 lose every digit of the Woodbury solve near t ≈ 1e9; they have only 32 blocks, so the working
    /// set here is one random half of them (15 blocks, which reaches its target 1e-10 through the fallback) repeated 21 times:
    /// 315 blocks, 1 260 variables. Measured: SingularSystem after 76 Newton steps at gap 2e-9. Targets :357 `_k * _m` →
    /// `_k / _m` (the fallback allowed again) and :305 the floor's conditional forced true or its test inverted (a NaN
    /// decrement far from the floor taken for a centred point); these mutants of :305 had no coverage.
    /// </summary>
    [Fact]
    public void Above_the_dense_fallback_limit_a_Woodbury_step_that_lost_every_digit_ends_the_solve_on_a_singular_system()
    {
        var (y, oracle, all) = NearParallelRows();
        var rng = new Random(1);
        var half = all.Where(_ => rng.Next(2) == 0).ToList();
        var repeated = Enumerable.Range(0, 21).SelectMany(_ => half).ToList();
        Assert.True(half.Count == 15 && repeated.Count * 4 > BarrierRun.DenseFallbackLimit, $"{repeated.Count} blocks of 4 variables");
        var small = new ReducedProgram(oracle.Geometry.XRowMajor, 5, 3, y, new SquaredLoss(), 0.018432537180746392, half, NewtonForm.Woodbury);
        Assert.Equal(InnerStatus.ReachedTarget, BarrierSolver.Instance.Solve(small, Request(1e-10)).Status);
        var large = new ReducedProgram(oracle.Geometry.XRowMajor, 5, 3, y, new SquaredLoss(), 0.018432537180746392, repeated, NewtonForm.Woodbury);
        var o = BarrierSolver.Instance.Solve(large, Request(1e-10));
        Assert.True(o.Status == InnerStatus.SingularSystem,
            $"{repeated.Count} blocks ({repeated.Count * 4} variables, above the limit {BarrierRun.DenseFallbackLimit}): {o.Status} after {o.NewtonSteps} Newton steps at gap {o.EstimatedGap:E3}");
    }

    /// <summary>
    /// An accurate solve whose last stage reaches the rounding floor of f_t: there a full Newton step changes f_t by less than
    /// its rounding, and the line search accepts a feasible step that does not raise f_t beyond ValueRounding·|f_t|
    /// (BarrierSolver.cs :337, inside the quadratic region λ &lt; 0.2), so the stage ends on its tolerance or the floor rule and
    /// the solve on its target: status ReachedTarget with ν/t ≤ target·(ℓ + βΣs_b) at the returned point. (Its certificate
    /// over the working set is 4.7e-8, above the target: the barrier's own gap is a stopping heuristic, docs/mutation/barrier.md.)
    /// On this instance (40×4, 16 blocks, logistic, β = 0.005, dense form; found by comparing 216 solves with and without the
    /// mutant) the rule read as a required decrease, f0 − ValueRounding·|f0| (:337), ends the solve on the step limit after
    /// 140 steps (88 without the mutant).
    /// </summary>
    [Fact]
    public void An_accurate_solve_whose_last_stage_meets_the_rounding_floor_of_f_t_reaches_its_target()
    {
        var p = Make(11, 40, 4, 16, "logistic", NewtonForm.Dense, beta: 0.005).Program;
        var o = BarrierSolver.Instance.Solve(p, Request(1e-10));
        double objective = Objective(p, Stacked(p, o.W, o.S));
        Assert.True(o.Status == InnerStatus.ReachedTarget && o.EstimatedGap <= 1e-10 * objective,
            $"{o.Status} after {o.NewtonSteps} Newton steps at gap ν/t = {o.EstimatedGap:E3} (target·objective {1e-10 * objective:E3})");
    }

    /// <summary>The start points are formulas: the solver's and this test's evaluation differ by rounding only.</summary>
    private const double StartAgrees = 1e-12;
}
