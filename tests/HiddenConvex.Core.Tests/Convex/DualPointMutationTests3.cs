using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The Newton polish of the dual point (THEORY.md §4.2, <see cref="DualPolish"/>): its stopping rules, its start and the
/// units of its Newton system, written against the survivors of a mutation run of DualPolish.cs (docs/mutation/solver.md).
/// Every Newton step is one pricing of the program, so an oracle that records what it prices shows each step's dual
/// vector and when the polish stopped.
/// </summary>
public class DualPointMutationTests3
{
    /// <summary>
    /// The pricing of another oracle, recording every dual vector priced. When it tightens, its proven bound ρ̄ is widened
    /// by the factor 1 + 1/c at its c-th call (c = 1, 2, …): still an upper bound of ρ(v), looser the earlier it is asked,
    /// so that at a dual vector that no longer moves every call proves a larger lower bound than the one before (as a
    /// pricing that searches longer at every call would). At call <see cref="StallAtCall"/> it waits until
    /// <see cref="StallUntil"/> has passed (a deadline reached during a known step).
    /// </summary>
    private sealed class PricingLog(IPricingOracle inner, bool tightens) : DelegatingOracle(inner)
    {
        public IPricingOracle Exact => Inner;
        public List<Vector<double>> Priced { get; } = [];
        public int StallAtCall { get; set; } = int.MaxValue;
        public DateTime StallUntil { get; set; }

        public override PricingResult Price(Vector<double> v)
        {
            Priced.Add(v.Clone());
            if (Priced.Count == StallAtCall)
                while (DateTime.UtcNow <= StallUntil) Thread.Sleep(5);
            var priced = Inner.Price(v);
            return tightens ? priced with { Upper = priced.Upper * (1 + 1.0 / Priced.Count) } : priced;
        }
    }

    /// <summary>The program of <paramref name="data"/> at <paramref name="beta"/> over the exact enumeration, priced through a log.</summary>
    private static (ConvexProblem Problem, PricingLog Log) Logged(Dataset data, Loss loss, double beta, bool tightens = false)
    {
        var exact = new ConvexProblem(data, loss, beta, CellEnumerator.Enumerate(data.X));
        var log = new PricingLog(exact.Oracle, tightens);
        return (new ConvexProblem(data, loss, beta, log), log);
    }

    private static (ConvexProblem Problem, PricingLog Log) Logged(string name, bool tightens = false)
    {
        var instance = ReferenceInstance.Load(name);
        return Logged(instance.Data, instance.Loss, instance.Beta, tightens);
    }

    /// <summary>The optimum W* of the program (solved to optimality over the log's own oracle) and its objective P*.</summary>
    private static (ConvexPoint W, double Optimum) Optimum(ConvexProblem problem, PricingLog log)
    {
        var solved = ConvexSolver.Solve(new ConvexProblem(problem.Data, problem.Loss, problem.Beta, log.Exact));
        Assert.Equal(SolverStatus.Optimal, solved.Status);
        return (solved.W, solved.Objective);
    }

    /// <summary>
    /// ref02 f0.1 priced through a tightening log, W* scaled by 1 + 1e-3 and W's own certificate; the log is cleared before
    /// that certificate, which is its first call.
    /// </summary>
    private static (ConvexProblem Problem, PricingLog Log, ConvexPoint W, Certificate Own) TighteningFromOffTheOptimum()
    {
        var (problem, log) = Logged("ref02_n5_d3_gauss_f0.1", tightens: true);
        var (optimum, _) = Optimum(problem, log);
        var w = Scaled(optimum, 1 + 1e-3);
        log.Priced.Clear();
        return (problem, log, w, problem.Certify(w));
    }

    /// <summary>Every block of W scaled by <paramref name="factor"/> (a positive factor keeps each in its cone).</summary>
    private static ConvexPoint Scaled(ConvexPoint w, double factor) =>
        new(w.NonZeroBlocks.Select(b => new BlockValue(b.Block, b.W * factor)), w.InputDim);

    private static Vector<double> DualVector(ConvexProblem problem, Vector<double> z) => -problem.Loss.Gradient(z, problem.Data.Y);

    /// <summary>Entrywise agreement of two dual vectors at the scale of the larger's ‖·‖∞; the first row that differs, or -1.</summary>
    private static int FirstDifference(Vector<double> a, Vector<double> b, Tolerance tol)
    {
        double scale = Math.Max(a.AbsoluteMaximum(), b.AbsoluteMaximum());
        return Enumerable.Range(0, a.Count).FirstOrDefault(j => Math.Abs(a[j] - b[j]) > tol.At(scale), -1);
    }

    private static DateTime Later => DateTime.UtcNow.AddSeconds(30);

    [Fact]
    public void Over_a_pricing_that_proves_more_at_every_call_the_polish_takes_MaxSteps_steps()
    {
        // Every step raises the bound (the pricing tightens), none reaches a relative gap of 1e-300: only the step limit ends it.
        var (problem, log, w, own) = TighteningFromOffTheOptimum();
        var found = DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1e-300, Later);
        Assert.NotNull(found);
        Assert.Equal(1 + DualPolish.MaxSteps, log.Priced.Count);
        Assert.True(found.Value.Certificate.Lower > own.Lower, $"lower bound {found.Value.Certificate.Lower:R} not above W's own {own.Lower:R}");
        // The last step's dual vector is the result's.
        Assert.Equal(DualVector(problem, found.Value.Prediction), log.Priced[^1]);
    }

    [Fact]
    public void A_deadline_passed_during_a_step_ends_the_polish_after_that_step()
    {
        var (problem, log, w, own) = TighteningFromOffTheOptimum();
        // 2 s: the certificate and the first step must both end before the deadline, on a loaded machine too.
        var deadline = DateTime.UtcNow.AddMilliseconds(2000);
        log.StallAtCall = 3; // the polish's second step
        log.StallUntil = deadline;
        var found = DualPolish.Polish(problem, w, own, w.Predict(problem.Data.X), 1e-300, deadline);
        Assert.NotNull(found);
        Assert.Equal(3, log.Priced.Count);
        Assert.Equal(DualVector(problem, found.Value.Prediction), log.Priced[^1]);
    }

    [Fact]
    public void A_step_that_only_equals_the_best_bound_so_far_is_not_progress()
    {
        // At a tolerance of 1 the polish stops at its first step (any lower bound above 0 is within a relative gap of 1).
        // Told that bound as the best so far, the same first step (same start, same arithmetic) raises nothing, so the
        // polish goes on.
        var (problem, log) = Logged("ref02_n5_d3_gauss_f0.1");
        var (optimum, _) = Optimum(problem, log);
        var w = Scaled(optimum, 1 + 1e-3);
        var z = w.Predict(problem.Data.X);
        var own = problem.Certify(w);
        log.Priced.Clear();
        var first = DualPolish.Polish(problem, w, own, z, 1, Later);
        Assert.NotNull(first);
        Assert.Single(log.Priced);

        var level = own with { Lower = first.Value.Certificate.Lower };
        log.Priced.Clear();
        var again = DualPolish.Polish(problem, w, level, z, 1, Later);
        Assert.Equal(DualVector(problem, first.Value.Prediction), log.Priced[0]);
        Assert.True(log.Priced.Count >= 2, $"{log.Priced.Count} pricing(s): a step that only equals the best bound {level.Lower:R} ended the polish");
        Assert.True(again is null || again.Value.Certificate.Lower > level.Lower,
            $"result's lower bound {again?.Certificate.Lower:R} not above the best so far {level.Lower:R}");
    }

    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    public void At_the_optimum_the_Newton_step_stays_at_the_optimum(string name)
    {
        // At W* and its prediction z*, with λ_b = ‖w_b‖/β, the conditions z − Σ λ_b M_b v = 0 and ‖π_b(v)‖ = β hold, so
        // the Newton step is zero to rounding and the first dual vector priced is W*'s own (β = 0.095 and 0.98: a start
        // λ_b = ‖w_b‖·β would move it).
        var (problem, log) = Logged(name);
        var (optimum, _) = Optimum(problem, log);
        var z = optimum.Predict(problem.Data.X);
        var own = problem.Certify(optimum);
        log.Priced.Clear();
        DualPolish.Polish(problem, optimum, own, z, 1e-300, Later);
        Assert.NotEmpty(log.Priced);
        var v = DualVector(problem, z);
        var tol = Tolerances.Prediction;
        int row = FirstDifference(log.Priced[0], v, tol);
        Assert.True(row < 0, $"{name}: the first step moved v_{row} from {v[Math.Max(row, 0)]:R} to {log.Priced[0][Math.Max(row, 0)]:R} (tolerance {tol} at ‖v‖∞ = {v.AbsoluteMaximum():R})");
    }

    [Fact]
    public void A_Newton_step_that_is_not_finite_ends_the_polish_before_any_pricing()
    {
        // β = 1e200: β² overflows, so the conditions ½(vᵀM_b v − β²) in units of β² are −∞·0 = NaN and so is the step
        // (the rows of the Jacobian in those units are 0, so the least-squares solve itself goes through).
        var instance = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var (reference, referenceLog) = Logged(instance.Data, instance.Loss, instance.Beta);
        var (optimum, _) = Optimum(reference, referenceLog);
        var (problem, log) = Logged(instance.Data, instance.Loss, 1e200);
        var own = problem.Certify(optimum);
        log.Priced.Clear();
        Assert.Null(DualPolish.Polish(problem, optimum, own, optimum.Predict(problem.Data.X), 1e-300, Later));
        Assert.Empty(log.Priced);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void From_a_zero_prediction_the_polish_reaches_the_optimum(double lossScale)
    {
        // z = 0: the Newton system is put in units of β instead of max|z| (which is 0). With loss scale c = 2 the loss's
        // Hessian is 2I, and from this far the steps need its factor in the Jacobian.
        var instance = ReferenceInstance.Load("ref04_n7_d3_int_f0.5");
        var (problem, log) = Logged(instance.Data, new SquaredLoss(lossScale), instance.Beta);
        var (optimum, pStar) = Optimum(problem, log);
        var w = Scaled(optimum, 1 + 1e-3);
        var zero = Vector<double>.Build.Dense(problem.Data.N);
        var own = problem.Certify(w, zero);
        log.Priced.Clear();
        var found = DualPolish.Polish(problem, w, own, zero, 1e-300, Later);
        Assert.NotNull(found);
        var tol = Tolerances.Objective;
        double lower = found.Value.Certificate.Lower;
        Assert.True(tol.Agree(lower, pStar), $"c = {lossScale}: lower bound {lower:R} from z = 0 against P* = {pStar:R} after {log.Priced.Count} steps (tolerance {tol})");
    }

    [Theory]
    [InlineData("ref04_n7_d3_int_f0.5", -40)]
    [InlineData("ref04_n7_d3_int_f0.5", 40)]
    [InlineData("ref02_n5_d3_gauss_f0.1", -40)]
    [InlineData("ref02_n5_d3_gauss_f0.1", 40)]
    [InlineData("ref04_n7_d3_int_f0.5", -13)]
    [InlineData("ref04_n7_d3_int_f0.5", 13)]
    [InlineData("ref02_n5_d3_gauss_f0.1", -13)]
    [InlineData("ref02_n5_d3_gauss_f0.1", 13)]
    public void Every_Newton_step_scales_with_the_units_of_y(string name, int log2K)
    {
        // (y, β) → (ky, kβ) scales W*, z and v by k and leaves λ and M_b as they are, so every Newton step scales by k: from
        // W* scaled by 1.05 the dual vectors priced at units k are k times those at units 1, entrywise (k = 2^±13, about
        // 1e∓4, so that the scaling itself rounds nothing).
        double k = Math.ScaleB(1, log2K);
        var instance = ReferenceInstance.Load(name);
        var rows = instance.Data.X.ToRowArrays();
        var (unscaled, unscaledLog) = Logged(instance.Data, instance.Loss, instance.Beta);
        var (optimum, _) = Optimum(unscaled, unscaledLog);
        var steps = new List<List<Vector<double>>>();
        foreach (double units in new[] { 1, k })
        {
            var data = Dataset.Create(rows, (instance.Data.Y * units).ToArray(), $"{name} in units {units}");
            var (problem, log) = Logged(data, instance.Loss, instance.Beta * units);
            var w = Scaled(optimum, 1.05 * units);
            var own = problem.Certify(w);
            log.Priced.Clear();
            DualPolish.Polish(problem, w, own, w.Predict(data.X), 1e-300, Later);
            steps.Add(log.Priced);
        }
        var tol = Tolerances.Prediction;
        int compared = Math.Min(steps[0].Count, steps[1].Count);
        Assert.True(compared >= 2, $"{name}: {steps[0].Count} and {steps[1].Count} steps");
        for (int s = 0; s < compared; s++)
        {
            var expected = steps[0][s] * k;
            int row = FirstDifference(steps[1][s], expected, tol);
            Assert.True(row < 0, $"{name}, k = {k:G3}, step {s + 1}: v_{row} = {steps[1][s][Math.Max(row, 0)]:R} against k·{steps[0][s][Math.Max(row, 0)]:R} (tolerance {tol})");
        }
    }
}
