using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Convex.BarrierMutationTests;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier method (THEORY.md §3 restricted to a working set) judged by what its path must be: the reported gap ν/t on
/// the ladder of t from the cold or warm start, the returned point centred for that t (checked with a Newton decrement
/// assembled here), the Woodbury and dense forms taking the same path, and the dense fallback of a Woodbury solve that lost
/// every digit. Written against the survivors of a mutation run (docs/mutation/barrier.md).
/// </summary>
public class BarrierMutationTests2
{
    /// <summary>ν = Σ_b (2 + f_b).</summary>
    internal static double Nu(ReducedProgram p) => p.Blocks.Sum(b => 2.0 + b.FacetCount);

    internal static Vector<double> Stacked(ReducedProgram p, double[] w, double[] s)
    {
        int d = p.D, m = d + 1;
        var v = Vector<double>.Build.Dense(p.Blocks.Count * m);
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            for (int k = 0; k < d; k++) v[b * m + k] = w[b * d + k];
            v[b * m + d] = s[b];
        }
        return v;
    }

    /// <summary>The prediction map M: stacked (w_b, s_b) ↦ Σ_b γ_b diag(s_b) X w_b.</summary>
    internal static Matrix<double> PredictionMap(ReducedProgram p)
    {
        int d = p.D, m = d + 1;
        var map = Matrix<double>.Build.Dense(p.N, p.Blocks.Count * m);
        for (int b = 0; b < p.Blocks.Count; b++)
            foreach (int j in p.Blocks[b].ActiveRows)
                for (int k = 0; k < d; k++) map[j, b * m + k] = p.Blocks[b].Sign * p.X[j * d + k];
        return map;
    }

    /// <summary>
    /// Gradient and Hessian of f_t = t(ℓ(Mv) + βΣs) − Σ log(s_b² − ‖w_b‖²) − Σ log(a·w_b) at the stacked point v, assembled
    /// here from the formulas (dense, MathNet), independently of the solver's Newton systems.
    /// </summary>
    internal static (Vector<double> Gradient, Matrix<double> Hessian) Centring(ReducedProgram p, Vector<double> v, double t)
    {
        int d = p.D, m = d + 1, size = p.Blocks.Count * m;
        var map = PredictionMap(p);
        var z = map * v;
        var g = t * (map.TransposeThisAndMultiply(p.Loss.Gradient(z, p.Y)));
        var h = t * map.TransposeThisAndMultiply(Matrix<double>.Build.DenseOfDiagonalVector(p.Loss.HessianDiagonal(z, p.Y)) * map);
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            var blk = p.Blocks[b];
            int o = b * m;
            var w = v.SubVector(o, d);
            double sv = v[o + d], q = sv * sv - w.DotProduct(w);
            g[o + d] += t * p.Beta;
            var dq = Vector<double>.Build.Dense(m);
            for (int k = 0; k < d; k++) dq[k] = -2 * w[k];
            dq[d] = 2 * sv;
            for (int a = 0; a < m; a++)
            {
                g[o + a] -= dq[a] / q;
                for (int c = 0; c < m; c++) h[o + a, o + c] += dq[a] * dq[c] / (q * q);
                h[o + a, o + a] += (a < d ? 2 : -2) / q;
            }
            for (int i = 0; i < blk.FacetCount; i++)
            {
                var f = Vector<double>.Build.Dense(d, k => blk.Facets[i * d + k]);
                double r = f.DotProduct(w);
                for (int a = 0; a < d; a++)
                {
                    g[o + a] -= f[a] / r;
                    for (int c = 0; c < d; c++) h[o + a, o + c] += f[a] * f[c] / (r * r);
                }
            }
        }
        return (g, h);
    }

    /// <summary>λ² = ∇f_tᵀ H⁻¹ ∇f_t at the outcome's point, for t = ν/(its estimated gap).</summary>
    private static double Decrement(ReducedProgram p, InnerOutcome o)
    {
        double t = Nu(p) / o.EstimatedGap;
        var (g, h) = Centring(p, Stacked(p, o.W, o.S), t);
        // Jacobi-equilibrated: H's diagonal spans many orders of magnitude at the end of the path.
        var e = Vector<double>.Build.Dense(h.RowCount, i => 1 / Math.Sqrt(h[i, i]));
        var hs = Matrix<double>.Build.Dense(h.RowCount, h.ColumnCount, (i, j) => e[i] * h[i, j] * e[j]);
        var gs = g.PointwiseMultiply(e);
        return gs.DotProduct(hs.Cholesky().Solve(gs));
    }

    /// <summary>f_0 = ℓ(z_0) + βΣs at the cold start: w_b = κ·u_b, s_b = 2κ, κ = 0.1·max|y|/(max|x|·K).</summary>
    private static double ColdObjective(ReducedProgram p)
    {
        int d = p.D, k = p.Blocks.Count;
        double kappa = 0.1 * p.Y.AbsoluteMaximum() / (p.X.Max(Math.Abs) * Math.Max(1, k));
        var w = new double[k * d];
        var s = new double[k];
        for (int b = 0; b < k; b++)
        {
            for (int c = 0; c < d; c++) w[b * d + c] = kappa * p.Blocks[b].Interior[c];
            s[b] = 2 * kappa;
        }
        return Objective(p, w, s);
    }

    private static double Objective(ReducedProgram p, double[] w, double[] s)
    {
        var z = PredictionMap(p) * Stacked(p, w, s);
        return p.Loss.Value(z, p.Y) + p.Beta * s.Sum();
    }

    /// <summary>The instance's working set: seed, rows, dimension, blocks, loss.</summary>
    public static TheoryData<int, int, int, int, string> Instances => new()
    {
        { 1, 12, 3, 6, "squared" },
        { 2, 30, 2, 5, "logistic" },
        { 3, 9, 4, 10, "squared" },
        { 4, 15, 2, 8, "squared" },
    };

    /// <summary>
    /// The deviation allowed between the two forms' points, relative to max|w| (and max s_b): they differ by rounding only
    /// (measured 7e-17 … 4e-14 at the target 1e-6), while a wrong Newton system changes the path.
    /// </summary>
    private const double FormsAgree = 1e-12;

    /// <summary>
    /// The stopping rule ν/t ≤ target·|objective| with t = ν/f_0 at the cold start and t ← 20 t per stage: the reported gap is
    /// f_0/20^k for a whole number of stages k, it meets the target at the returned point, and the stage before did not
    /// (the objective decreases along the central path, so gap·20 above target·objective at the end means the solve did
    /// not run a stage past the target).
    /// </summary>
    [Theory]
    [MemberData(nameof(Instances))]
    public void The_gap_is_the_cold_start_objective_over_a_whole_power_of_the_growth_and_stops_at_the_first_stage_meeting_the_target(
        int seed, int n, int d, int blocks, string loss)
    {
        var instance = Make(seed, n, d, blocks, loss, NewtonForm.Cheaper);
        var p = instance.Program;
        double f0 = ColdObjective(p);
        foreach (double target in new[] { 1e-10, 1e-6, 1e-2 })
        {
            var outcome = BarrierSolver.Instance.Solve(p, Request(target));
            AssertSolved(instance, outcome, target, $"seed {seed}, target {target:E0}");
            double stages = Math.Log(f0 / outcome.EstimatedGap) / Math.Log(BarrierRun.Growth);
            Assert.True(Math.Abs(stages - Math.Round(stages)) <= WholeStages && stages > 0.5,
                $"target {target:E0}: gap {outcome.EstimatedGap:R} is f_0 = {f0:R} over {stages:R} stages of growth {BarrierRun.Growth} (not a whole number ≥ 1; allowed {WholeStages:E0})");
            double objective = Objective(p, outcome.W, outcome.S);
            Assert.True(outcome.EstimatedGap * BarrierRun.Growth > target * objective,
                $"target {target:E0}: the stage before the last had gap {outcome.EstimatedGap * BarrierRun.Growth:E3}, already below target·objective {target * objective:E3}");
        }
    }

    /// <summary>log_20 of a ratio of gaps is a whole number up to the rounding of the logarithm.</summary>
    private const double WholeStages = 1e-9;

    /// <summary>
    /// A warm start sets t = ν/gapEstimate: the reported gap is the estimate over a whole power of the growth; from the accurate
    /// solve's own point and gap the first stage already meets the target.
    /// </summary>
    [Theory]
    [MemberData(nameof(Instances))]
    public void A_warm_start_begins_at_t_equal_nu_over_the_gap_estimate(int seed, int n, int d, int blocks, string loss)
    {
        var instance = Make(seed, n, d, blocks, loss, NewtonForm.Cheaper);
        var p = instance.Program;
        foreach (double target in new[] { 1e-10, 1e-2 })
        {
            var start = BarrierSolver.Instance.Solve(p, Request(target));
            var warm = BarrierSolver.Instance.Solve(p, Request(1e-10, warm: new WarmStart(Points(p, start), start.EstimatedGap)));
            AssertSolved(instance, warm, 1e-10, $"seed {seed}, warm from target {target:E0}");
            double stages = Math.Log(start.EstimatedGap / warm.EstimatedGap) / Math.Log(BarrierRun.Growth);
            Assert.True(Math.Abs(stages - Math.Round(stages)) <= WholeStages,
                $"warm from target {target:E0}: gap {warm.EstimatedGap:R} is the estimate {start.EstimatedGap:R} over {stages:R} stages (allowed {WholeStages:E0})");
            if (target == 1e-10)
                Assert.True(Math.Round(stages) == 0, $"warm from the accurate solve's own point ran {stages:R} more stages");
        }
    }

    private static Dictionary<HiddenConvex.Core.Pricing.Block, (double[] W, double S)> Points(ReducedProgram p, InnerOutcome o) =>
        p.Blocks.Select((b, i) => (b.Block, W: o.W.Skip(i * p.D).Take(p.D).ToArray(), S: o.S[i])).ToDictionary(q => q.Block, q => (q.W, q.S));

    /// <summary>
    /// The returned point is the centre of f_t for t = ν/gap: its Newton decrement, from a gradient and Hessian assembled here
    /// (not the solver's), is within the last stage's centring tolerance (an accurate solve; target 1e-6, where t is small
    /// enough for the check's own rounding) or the loose one (target 1e-2).
    /// </summary>
    [Theory]
    [MemberData(nameof(Instances))]
    public void The_returned_point_is_centred_for_t_equal_nu_over_the_reported_gap(int seed, int n, int d, int blocks, string loss)
    {
        foreach (var form in new[] { NewtonForm.Woodbury, NewtonForm.Dense })
        {
            var p = Make(seed, n, d, blocks, loss, form).Program;
            var accurate = BarrierSolver.Instance.Solve(p, Request(1e-6));
            Assert.Equal(InnerStatus.ReachedTarget, accurate.Status);
            double lambda2 = Decrement(p, accurate);
            Assert.True(lambda2 / 2 <= BarrierRun.CenteringTolerance,
                $"{form}, target 1e-6: λ²/2 = {lambda2 / 2:E3} at t = ν/gap, above the last stage's tolerance {BarrierRun.CenteringTolerance:E0}");
            var loose = BarrierSolver.Instance.Solve(p, Request(1e-2));
            Assert.Equal(InnerStatus.ReachedTarget, loose.Status);
            lambda2 = Decrement(p, loose);
            Assert.True(lambda2 / 2 <= BarrierRun.LooseCentering,
                $"{form}, target 1e-2: λ²/2 = {lambda2 / 2:E3} at t = ν/gap, above the loose tolerance {BarrierRun.LooseCentering:E0}");
        }
    }

    /// <summary>
    /// The Woodbury and the dense Newton systems are two solves of one system: the path is the same, step for step (the same
    /// Newton steps, the same stages, the same point up to rounding).
    /// </summary>
    [Theory]
    [MemberData(nameof(Instances))]
    public void Both_forms_take_the_same_Newton_steps_to_the_same_point(int seed, int n, int d, int blocks, string loss)
    {
        foreach (double target in new[] { 1e-6, 1e-2 })
        {
            var woodbury = BarrierSolver.Instance.Solve(Make(seed, n, d, blocks, loss, NewtonForm.Woodbury).Program, Request(target));
            var dense = BarrierSolver.Instance.Solve(Make(seed, n, d, blocks, loss, NewtonForm.Dense).Program, Request(target));
            Assert.Equal(InnerStatus.ReachedTarget, woodbury.Status);
            Assert.Equal(InnerStatus.ReachedTarget, dense.Status);
            Assert.True(woodbury.NewtonSteps == dense.NewtonSteps && woodbury.EstimatedGap == dense.EstimatedGap,
                $"target {target:E0}: Woodbury {woodbury.NewtonSteps} steps to gap {woodbury.EstimatedGap:R}, dense {dense.NewtonSteps} to {dense.EstimatedGap:R}");
            double scale = woodbury.W.Max(Math.Abs);
            double dw = woodbury.W.Zip(dense.W, (a, b) => Math.Abs(a - b)).Max();
            double ds = woodbury.S.Zip(dense.S, (a, b) => Math.Abs(a - b)).Max() / woodbury.S.Max();
            Assert.True(dw <= FormsAgree * scale && ds <= FormsAgree,
                $"target {target:E0}: the forms' points differ by {dw / scale:E2} in w (relative to max|w|) and {ds:E2} in s (relative to max s_b; allowed {FormsAgree:E0})");
        }
    }

    /// <summary>f_t = t(ℓ(Mv) + βΣs) − Σ log(s_b² − ‖w_b‖²) − Σ log(a·w_b) at the stacked point v (+∞ outside the interior).</summary>
    private static double CentringValue(ReducedProgram p, Vector<double> v, double t)
    {
        int d = p.D, m = d + 1;
        double barrier = 0, sum = 0;
        for (int b = 0; b < p.Blocks.Count; b++)
        {
            var w = v.SubVector(b * m, d);
            double sv = v[b * m + d], q = sv * sv - w.DotProduct(w);
            if (!(q > 0) || !(sv > 0)) return double.PositiveInfinity;
            barrier -= Math.Log(q);
            sum += sv;
            for (int i = 0; i < p.Blocks[b].FacetCount; i++)
            {
                double r = 0;
                for (int k = 0; k < d; k++) r += p.Blocks[b].Facets[i * d + k] * w[k];
                if (!(r > 0)) return double.PositiveInfinity;
                barrier -= Math.Log(r);
            }
        }
        return t * (p.Loss.Value(PredictionMap(p) * v, p.Y) + p.Beta * sum) + barrier;
    }

    /// <summary>The Newton step −H⁻¹∇f_t at v (Jacobi-equilibrated Cholesky) and λ² = −∇f_tᵀ step.</summary>
    private static (Vector<double> Step, double Lambda2) NewtonStep(ReducedProgram p, Vector<double> v, double t)
    {
        var (g, h) = Centring(p, v, t);
        var e = Vector<double>.Build.Dense(h.RowCount, i => 1 / Math.Sqrt(h[i, i]));
        var hs = Matrix<double>.Build.Dense(h.RowCount, h.ColumnCount, (i, j) => e[i] * h[i, j] * e[j]);
        var step = -hs.Cholesky().Solve(g.PointwiseMultiply(e)).PointwiseMultiply(e);
        return (step, -g.DotProduct(step));
    }

    /// <summary>
    /// Agreement of a step with the Newton step computed here, relative to the step's size, early on a loose path (t small,
    /// H well conditioned: the two solves differ by rounding).
    /// </summary>
    private const double StepsAgree = 1e-6;

    /// <summary>
    /// Step by step (the point after k Newton steps is the outcome of a budget of k steps; its gap gives the stage's t): the
    /// w-part of every step is the Newton step of f_t computed here times α = 2^−j, the first of 1, 1/2, 1/4, … that the line
    /// search accepts (Armijo's decrease f_t(α) ≤ f_t − α λ²/4, or near the centre, λ &lt; 0.2, no increase beyond rounding; the
    /// trial 2α was infeasible or not accepted), and each s_b moved with it or was reset to its exact minimiser
    /// (1 + √(1 + (tβ‖w_b‖)²))/(tβ) by the epigraph centring.
    /// </summary>
    [Theory]
    [InlineData(1, 12, 3, 6, "squared", 0.05, 1e-2, "Woodbury,Dense")]
    [InlineData(2, 30, 2, 5, "logistic", 0.05, 1e-2, "Woodbury,Dense")]
    [InlineData(3, 9, 4, 10, "squared", 0.05, 1e-2, "Woodbury,Dense")]
    [InlineData(4, 15, 2, 8, "squared", 0.05, 1e-2, "Woodbury,Dense")]
    [InlineData(2, 30, 2, 5, "logistic", 0.5, 1e-6, "Woodbury")] // a path on which Armijo's rule turns down feasible trials
    public void Every_step_is_the_Newton_step_of_f_t_cut_back_by_the_first_power_of_one_half_the_line_search_accepts(
        int seed, int n, int d, int blocks, string loss, double beta, double target, string forms)
    {
        foreach (var form in forms.Split(',').Select(Enum.Parse<NewtonForm>))
        {
            var p = Make(seed, n, d, blocks, loss, form, beta).Program;
            int m = d + 1, size = p.Blocks.Count * m;
            var start = BarrierSolver.Instance.Solve(p, Request(target, steps: 0));
            Assert.Equal(0, start.NewtonSteps);
            var previous = Stacked(p, start.W, start.S);
            int k = 1;
            for (; k <= 400; k++)
            {
                var o = BarrierSolver.Instance.Solve(p, Request(target, steps: k));
                if (o.NewtonSteps < k) break;
                string what = $"{form}, step {k}";
                double t = Nu(p) / o.EstimatedGap;
                var next = Stacked(p, o.W, o.S);
                var (step, lambda2) = NewtonStep(p, previous, t);
                var taken = next - previous;
                var wMask = Vector<double>.Build.Dense(size, i => i % m < d ? 1 : 0);
                var stepW = step.PointwiseMultiply(wMask);
                var takenW = taken.PointwiseMultiply(wMask);
                double alpha = takenW.DotProduct(stepW) / stepW.DotProduct(stepW);
                int halvings = (int)Math.Round(-Math.Log2(alpha));
                double power = Math.Pow(0.5, halvings);
                double off = (takenW - power * stepW).L2Norm();
                Assert.True(halvings >= 0 && off <= StepsAgree * power * stepW.L2Norm(),
                    $"{what}: the w-step is {alpha:R} times the Newton step, off a power of 1/2 (2^-{halvings}) by {off:E3} (allowed {StepsAgree:E0} of |α Δw| = {power * stepW.L2Norm():E3})");
                for (int b = 0; b < p.Blocks.Count; b++)
                {
                    double moved = previous[b * m + d] + power * step[b * m + d];
                    double wn = next.SubVector(b * m, d).L2Norm(), tb = t * p.Beta;
                    double centred = (1 + Math.Sqrt(1 + tb * wn * tb * wn)) / tb;
                    double sb = next[b * m + d], scale = Math.Abs(power * step[b * m + d]) + (centred - wn);
                    // Pressed: the moved slack below a tenth of its central value (clear of that boundary by the steps' rounding).
                    double pressedBy = (moved - wn) - PressedSlack * (centred - wn);
                    if (Math.Abs(pressedBy) <= StepsAgree * scale) continue;
                    if (pressedBy < 0)
                        Assert.True(Math.Abs(sb - centred) <= StepsAgree * (centred - wn),
                            $"{what}: s_{b} = {sb:R} was pressed against its cone (moved to {moved:R}, ‖w_b‖ = {wn:R}) and not reset to its minimiser {centred:R}");
                    else
                        Assert.True(Math.Abs(sb - moved) <= StepsAgree * scale,
                            $"{what}: s_{b} = {sb:R} did not move with the step to {moved:R} (its slack was not pressed; minimiser {centred:R})");
                }
                double f0 = CentringValue(p, previous, t), f1 = CentringValue(p, previous + power * step, t);
                double rounding = StepsAgree * Math.Abs(f0);
                bool quadratic = Math.Sqrt(lambda2) < 0.2;
                Assert.True(f1 <= f0 - 0.25 * power * lambda2 + rounding || quadratic,
                    $"{what}: f_t went from {f0:R} to {f1:R} at α = {power:R}, short of Armijo's decrease α λ²/4 = {0.25 * power * lambda2:E3} outside the quadratic region (λ = {Math.Sqrt(lambda2):E3})");
                if (halvings > 0 && !quadratic)
                {
                    double f2 = CentringValue(p, previous + 2 * power * step, t);
                    Assert.True(!(f2 < f0 - 0.25 * 2 * power * lambda2 - rounding),
                        $"{what}: the trial α = {2 * power:R} decreased f_t from {f0:R} to {f2:R}, beyond Armijo's α λ²/4, and was passed over");
                }
                previous = next;
            }
            Assert.True(k > MinimumPath, $"{form}: the loose path has only {k - 1} Newton steps, fewer than {MinimumPath}");
        }
    }

    /// <summary>The epigraph centring's threshold: a slack below this fraction of its central value is pressed (BarrierRun.PressedSlack).</summary>
    private const double PressedSlack = 0.1;

    /// <summary>A loose path on these instances takes 25–34 Newton steps (measured): fewer would check almost nothing.</summary>
    private const int MinimumPath = 10;

    /// <summary>
    /// A budget of no Newton step returns the start point. Cold: w_b = κ u_b, s_b = 2κ with κ = 0.1·max|y|/(max|x|·K) (u_b the
    /// block's interior direction). Warm: t = ν/gapEstimate, scale 1/(tβ); a known block at w_b + scale·u_b with
    /// s_b = max(s_b, ‖w_b + scale·u_b‖) + 2·scale, a block without a warm value at scale·u_b with s_b = ‖scale·u_b‖ + 2·scale.
    /// </summary>
    [Theory]
    [MemberData(nameof(Instances))]
    public void No_Newton_step_returns_the_cold_or_warm_start_point(int seed, int n, int d, int blocks, string loss)
    {
        var p = Make(seed, n, d, blocks, loss, NewtonForm.Cheaper).Program;
        int k = p.Blocks.Count;
        var cold = BarrierSolver.Instance.Solve(p, Request(1e-6, steps: 0));
        Assert.True(cold.Status == InnerStatus.StepLimit && cold.NewtonSteps == 0, $"cold, no step: {cold.Status} after {cold.NewtonSteps} steps");
        double kappa = 0.1 * p.Y.AbsoluteMaximum() / (p.X.Max(Math.Abs) * k);
        var expectedW = new double[k * d];
        var expectedS = new double[k];
        for (int b = 0; b < k; b++)
        {
            for (int c = 0; c < d; c++) expectedW[b * d + c] = kappa * p.Blocks[b].Interior[c];
            expectedS[b] = 2 * kappa;
        }
        AssertPoint(expectedW, expectedS, cold, "cold start");
        Assert.True(Math.Abs(cold.EstimatedGap - ColdObjective(p)) <= StartAgrees * ColdObjective(p),
            $"cold start: gap ν/t = {cold.EstimatedGap:R}, not the start's objective {ColdObjective(p):R} (t = ν/f_0)");

        // Warm from the accurate solve, every other block without a warm value.
        var solved = BarrierSolver.Instance.Solve(p, Request(1e-6));
        var points = Points(p, solved);
        var known = p.Blocks.Where((_, b) => b % 2 == 0).Select(r => r.Block).ToHashSet();
        foreach (var block in points.Keys.Where(key => !known.Contains(key)).ToList()) points.Remove(block);
        double estimate = 1e-3;
        var warm = BarrierSolver.Instance.Solve(p, Request(1e-6, steps: 0, warm: new WarmStart(points, estimate)));
        Assert.True(warm.Status == InnerStatus.StepLimit && warm.NewtonSteps == 0, $"warm, no step: {warm.Status} after {warm.NewtonSteps} steps");
        Assert.True(Math.Abs(warm.EstimatedGap - estimate) <= StartAgrees * estimate, $"warm start: gap ν/t = {warm.EstimatedGap:R}, not the estimate {estimate:R}");
        double scale = estimate / (Nu(p) * p.Beta);
        for (int b = 0; b < k; b++)
        {
            bool has = points.TryGetValue(p.Blocks[b].Block, out var start);
            double norm = 0;
            for (int c = 0; c < d; c++)
            {
                expectedW[b * d + c] = (has ? start.W[c] : 0) + scale * p.Blocks[b].Interior[c];
                norm += expectedW[b * d + c] * expectedW[b * d + c];
            }
            expectedS[b] = Math.Max(has ? start.S : 0, Math.Sqrt(norm)) + 2 * scale;
        }
        AssertPoint(expectedW, expectedS, warm, "warm start");
    }

    /// <summary>The start points are formulas: the solver's and this test's evaluation differ by rounding only.</summary>
    private const double StartAgrees = 1e-12;

    private static void AssertPoint(double[] w, double[] s, InnerOutcome o, string what)
    {
        double wScale = w.Max(Math.Abs), sScale = s.Max(Math.Abs);
        double dw = w.Zip(o.W, (a, b) => Math.Abs(a - b)).Max(), ds = s.Zip(o.S, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(dw <= StartAgrees * wScale && ds <= StartAgrees * sScale,
            $"{what}: w off by {dw:E3} (scale {wScale:E3}), s off by {ds:E3} (scale {sScale:E3}); allowed {StartAgrees:E0} of the scale");
    }

    /// <summary>
    /// The form's cost model near its crossover (documented on BarrierRun: Woodbury ≈ n³/3 + K n² d/4 per step, dense
    /// ≈ n (K d)²/4 + (K (d + 1))³/3): at (n, d, K) = (10, 5, 2) the dense form costs 1.42 times Woodbury's (Woodbury is
    /// chosen), at (20, 3, 5) 0.91 times (dense is chosen); every term matters on one side or the other.
    /// </summary>
    [Theory]
    [InlineData(10, 5, 2, false)]
    [InlineData(20, 3, 5, true)]
    public void The_cost_model_chooses_the_cheaper_form_near_the_crossover(int n, int d, int blocks, bool dense)
    {
        double woodbury = Math.Pow(n, 3) / 3 + (double)blocks * n * n * d / 4;
        double denseCost = n * Math.Pow(blocks * d, 2) / 4 + Math.Pow(blocks * (d + 1), 3) / 3;
        Assert.True(denseCost < woodbury == dense, $"the case ({n}, {d}, {blocks}) is on the other side of the documented crossover");
        Assert.True(BarrierRun.UsesDenseForm(n, d, blocks) == dense,
            $"(n, d, K) = ({n}, {d}, {blocks}): dense costs {denseCost:R}, Woodbury {woodbury:R}; expected the {(dense ? "dense" : "Woodbury")} form");
    }

    /// <summary>
    /// A working set too large for the block factors (2 100 000 blocks × 32²: past 2³¹ − 1 entries) is refused with an error
    /// that names the array, not only its counts.
    /// </summary>
    [Fact]
    public void Too_many_block_variables_are_refused_naming_the_block_factors()
    {
        var rng = new Random(3);
        int n = 2, d = 31;
        var xm = TestProblems.Gaussian(rng, n, d);
        var engine = new HiddenConvex.Core.Pricing.EnumeratedPricing(xm, HiddenConvex.Core.Arrangements.CellEnumerator.Enumerate(xm));
        var block = ReducedBlock.Create(engine.Geometry, engine.BlockAt(new HiddenConvex.Core.Pricing.BlockId(0)), engine.Patterns.Cells[0].Witness);
        var blocks = Enumerable.Repeat(block, 2_100_000).ToList();
        var e = Assert.Throws<HiddenConvex.Core.Data.InvalidInputException>(() =>
            new BarrierRun(new ReducedProgram(engine.Geometry.XRowMajor, n, d, TestProblems.Gaussian(rng, n), new SquaredLoss(), 1.0, blocks)));
        Assert.True(e.Message.Contains("block factors") && e.Message.Contains("2100000×32×32"), $"the error does not name the block factors: {e.Message}");
    }

    /// <summary>
    /// The requested form is the one used: the dense form allocates no n×n coupling (so 46 341 rows, past the coupling's
    /// 2³¹ − 1 entries, are accepted in it), the Woodbury form does (refused, naming the coupling).
    /// </summary>
    [Fact]
    public void The_requested_form_decides_whether_the_n_by_n_coupling_is_allocated()
    {
        int n = 46_341, d = 1;
        var x = Enumerable.Range(0, n).Select(j => 1.0 + j).ToArray();
        var y = Vector<double>.Build.Dense(n, 1.0);
        _ = new BarrierRun(new ReducedProgram(x, n, d, y, new SquaredLoss(), 1.0, [], NewtonForm.Dense));
        var e = Assert.Throws<HiddenConvex.Core.Data.InvalidInputException>(() =>
            new BarrierRun(new ReducedProgram(x, n, d, y, new SquaredLoss(), 1.0, [], NewtonForm.Woodbury)));
        Assert.True(e.Message.Contains("n×n"), $"the Woodbury form's error does not name the coupling: {e.Message}");
    }

    /// <summary>
    /// The five rows of the regression NearParallelRowsOfNormThreeThousandInThreeDimensions (norms 1.4 to 4 124, the two long
    /// ones nearly parallel), their targets, oracle and the reduced block of every one of their 32 blocks.
    /// </summary>
    internal static (Vector<double> Y, HiddenConvex.Core.Pricing.EnumeratedPricing Oracle, List<ReducedBlock> All) NearParallelRows()
    {
        double[][] rows = [[-3, -2, 2], [-3000, -2001, 2001], [0, -1, 1], [-2999, -2001, 2001], [-2, 1, 1]];
        var x = Matrix<double>.Build.DenseOfRowArrays(rows);
        var y = Vector<double>.Build.DenseOfArray([-1, -1, 1, 1, 1]);
        var patterns = HiddenConvex.Core.Arrangements.CellEnumerator.Enumerate(x);
        var oracle = new HiddenConvex.Core.Pricing.EnumeratedPricing(x, patterns);
        var all = Enumerable.Range(0, oracle.BlockCount).Select(b => oracle.BlockAt(new HiddenConvex.Core.Pricing.BlockId(b)))
            .Select(b => ReducedBlock.Create(oracle.Geometry, b, patterns.Cells[patterns.IndexOf(b.Pattern)].Witness)).ToList();
        return (y, oracle, all);
    }

    /// <summary>
    /// Near-parallel rows of norm ~3 600 in three dimensions (the regression NearParallelRowsOfNormThreeThousandInThreeDimensions):
    /// near t ≈ 1e9 the Woodbury solve loses every digit (non-positive Newton decrement) and the step is taken from the
    /// equilibrated dense Hessian. On these working sets (random halves of the 32 blocks) the solve in the Woodbury form reaches
    /// its target; without the fallback three of the four end on a singular system.
    /// </summary>
    [Fact]
    public void Near_parallel_long_rows_reach_the_target_in_the_Woodbury_form_through_the_dense_fallback()
    {
        var (y, oracle, all) = NearParallelRows();
        var rng = new Random(1);
        for (int trial = 0; trial < 4; trial++)
        {
            var subset = all.Where(_ => rng.Next(2) == 0).ToList();
            var p = new ReducedProgram(oracle.Geometry.XRowMajor, 5, 3, y, new SquaredLoss(), 0.018432537180746392, subset, NewtonForm.Woodbury);
            var o = BarrierSolver.Instance.Solve(p, Request(1e-10));
            Assert.True(o.Status == InnerStatus.ReachedTarget,
                $"working set {trial} ({subset.Count} blocks): {o.Status} after {o.NewtonSteps} Newton steps at gap {o.EstimatedGap:E3}");
        }
    }
}
