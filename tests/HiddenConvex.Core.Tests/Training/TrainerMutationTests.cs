using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Training.TrainingMutationTests;

namespace HiddenConvex.Core.Tests.Training;

/// <summary>
/// The trainer's line searches, its fallback along the minimum-norm Clarke element at a kink (THEORY.md §7), L-BFGS's
/// two-loop recursion with its memory and curvature rule, the stalled status and the progress log, each checked against
/// the rule its doc comment states, on instances where that rule decides the outcome.
/// </summary>
public class TrainerMutationTests
{
    private static readonly SquaredLoss Squared = new();

    /// <summary>Armijo's constant of both line searches: L(θ + s d) ≤ L(θ) + c s (∇L·d).</summary>
    private const double Armijo = 1e-4;

    /// <summary>
    /// An instance on which L_β is a known quadratic along the search: every row inactive (x_j·u &lt; 0) and α = 0, so
    /// f_θ(X) = 0, ∇_u L = βu, ∇_α L = σ(Xu)·∇ℓ + βα = 0, and L(θ) = ℓ(0) + (β/2)‖u‖² for every u that keeps the rows inactive.
    /// No row is a kink, so the minimum-norm Clarke element is the gradient (βu, 0).
    /// </summary>
    private static (Dataset Data, Network Net) InactiveQuadratic()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.5 }, { 0.3, 1 }, { 0.7, 0.2 } });
        var y = Vector<double>.Build.DenseOfArray([0.4, -1.1, 0.8]);
        var net = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { -1, -0.5 } }), Vector<double>.Build.DenseOfArray([0.0]));
        return (Dataset.Create(x, y), net);
    }

    /// <summary>The first of s₀, s₀/2, s₀/4, … (at most <paramref name="tries"/>) with Armijo's condition and L(θ') &lt; L(θ) along d, or null.</summary>
    /// <remarks>The slope is ∇L·d unless given (the kink step uses −measure², the slope of the Clarke element).</remarks>
    private static double? FirstArmijoStep(Dataset data, double beta, double[] theta, double[] d, double s0, int tries, double? slopeOf = null)
    {
        var g = Gradient(data, Squared, beta, theta, theta.Length / (data.D + 1));
        double f = Objective(data, Squared, beta, theta, theta.Length / (data.D + 1));
        double slope = slopeOf ?? g.Select((e, k) => e * d[k]).Sum();
        double s = s0;
        for (int k = 0; k < tries; k++, s *= 0.5)
        {
            double fs = Objective(data, Squared, beta, Along(theta, d, s), theta.Length / (data.D + 1));
            if (double.IsFinite(fs) && fs <= f + Armijo * s * slope && fs < f) return s;
        }
        return null;
    }

    private static double[] Along(double[] theta, double[] d, double s) => theta.Select((t, k) => t + s * d[k]).ToArray();

    private static TrainingResult Run(Dataset data, double beta, Network start, TrainingSettings settings, int iterations) =>
        Trainer.Train(data, Squared, beta, start, settings with { MaxIterations = iterations });

    // ---------------------------------------------------------------- the kink step (gradient descent's fallback)

    [Fact]
    public void When_no_gradient_step_changes_L_gradient_descent_steps_along_the_minimum_norm_Clarke_element_from_1e_3()
    {
        // A first trial step of 1e-300 leaves θ unchanged to the bit, so no halving of it decreases L: the fallback steps
        // along −(min-norm Clarke element) = −(βu, 0) from max(last step, 1e-3) = 1e-3, halving until Armijo's condition
        // holds. With 1e-3·β = 1.9999, the step 1e-3 decreases L (|1 − sβ| < 1) but by less than Armijo asks
        // (sβ > 2 − 2c), so 5e-4 is taken: u₁ = (1 − 5e-4 β) u.
        var (data, start) = InactiveQuadratic();
        double beta = 1999.9;
        var settings = Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = 1e-300 };
        var theta0 = Theta(start);
        var d0 = Gradient(data, Squared, beta, theta0, 1).Select(e => -e).ToArray();
        Assert.Equal([-beta * theta0[0], -beta * theta0[1], 0], d0);
        double f0 = Objective(data, Squared, beta, theta0, 1);
        Assert.True(Objective(data, Squared, beta, Along(theta0, d0, 1e-3), 1) < f0, "the step 1e-3 decreases L (the instance needs it)");
        Assert.Equal(5e-4, FirstArmijoStep(data, beta, theta0, d0, 1e-3, 80));

        var path = Enumerable.Range(0, 3).Select(k => Run(data, beta, start, settings, k)).ToList();
        for (int k = 1; k < path.Count; k++)
        {
            Assert.Equal(TrainingStatus.MaxIterations, path[k].Status);
            Assert.Equal(k, path[k].Iterations);
            var prev = Theta(path[k - 1].Network);
            var d = Gradient(data, Squared, beta, prev, 1).Select(e => -e).ToArray();
            double s = FirstArmijoStep(data, beta, prev, d, 1e-3, 80) ?? throw new InvalidOperationException("no Armijo step");
            AssertClose(Along(prev, d, s), Theta(path[k].Network), 1e-14, $"θ_{k} after the kink step {s}");
            Assert.Equal(Objective(data, Squared, beta, Theta(path[k].Network), 1), path[k].History[^1]);
        }
        Assert.True(path[2].Objective < path[1].Objective && path[1].Objective < path[0].Objective);
    }

    [Fact]
    public void The_kink_step_starts_at_the_last_step_when_it_is_longer_than_1e_3()
    {
        // β = 1: a step s decreases L by Armijo's measure iff 0 < s ≤ 2 − 2c. Gradient descent's 60 halvings of 1e20 stop
        // at 1e20·2^-59 ≈ 173 (all too long); the fallback starts again at the last step 1e20 and halves 80 times, so it
        // reaches 1e20·2^-k ≤ 2 − 2c — a step far longer than 1e-3.
        var (data, start) = InactiveQuadratic();
        var settings = Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = 1e20 };
        var theta0 = Theta(start);
        var d0 = Gradient(data, Squared, 1, theta0, 1).Select(e => -e).ToArray();
        Assert.Null(FirstArmijoStep(data, 1, theta0, d0, 1e20, 60));
        double s = FirstArmijoStep(data, 1, theta0, d0, 1e20, 80) ?? throw new InvalidOperationException("no Armijo step");
        Assert.InRange(s, 0.9, 2);
        var res = Run(data, 1, start, settings, 1);
        Assert.Equal(1, res.Iterations);
        AssertClose(Along(theta0, d0, s), Theta(res.Network), 1e-14, $"θ₁ after the kink step {s}");
    }

    [Fact]
    public void The_kink_step_halves_at_most_80_times_then_the_run_stalls()
    {
        // β = 1 and a first step 1.5·2^80: gradient descent's 60 trials and the fallback's 80 trials (down to 1.5·2 = 3)
        // are all longer than 2 − 2c, so nothing decreases L and the run stops as stalled, θ unchanged. The 81st halving,
        // 1.5, would have been accepted.
        var (data, start) = InactiveQuadratic();
        double first = 1.5 * Math.Pow(2, 80);
        var theta0 = Theta(start);
        var d0 = Gradient(data, Squared, 1, theta0, 1).Select(e => -e).ToArray();
        Assert.Null(FirstArmijoStep(data, 1, theta0, d0, first, 80));
        Assert.Equal(1.5, FirstArmijoStep(data, 1, theta0, d0, first, 81));
        var settings = Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = first };
        var res = Run(data, 1, start, settings, 10);
        Assert.Equal(TrainingStatus.Stalled, res.Status);
        Assert.Equal(1, res.Iterations);
        Assert.Equal(theta0, Theta(res.Network));
        Assert.Equal(2, res.History.Count);
        Assert.Equal(res.History[0], res.History[1]);
    }

    /// <summary>
    /// A kink that is not Clarke stationary: x_1·u = 0 for u = (1, 1), with α∇ℓ_1 ≠ 0, so the minimum-norm Clarke element
    /// (its kink coefficient c_1 ∈ [0, 1] chosen to shorten it) differs from the gradient (c_1 = 0).
    /// </summary>
    private static (Dataset Data, Network Net) KinkNotStationary()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 1, -1 }, { 0, 1 } });
        var y = Vector<double>.Build.DenseOfArray([2.0, -1.0, -1.0]);
        var net = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 } }), Vector<double>.Build.DenseOfArray([1.0]));
        return (Dataset.Create(x, y), net);
    }

    [Fact]
    public void At_a_kink_the_fallback_steps_along_the_minimum_norm_Clarke_element_with_slope_minus_measure_squared_after_60_gradient_trials()
    {
        // The first trial step is s*·2^60, s* the longest accepted step of the halvings of 1 along −∇L: gradient descent's
        // 60 trials stop at 2s* (all rejected); its 61st would be s*. The fallback then starts at the last step s*·2^60
        // along −m, m the minimum-norm Clarke element, with Armijo's slope −‖m‖², and halves at most 80 times.
        var (data, start) = KinkNotStationary();
        double beta = 0.5;
        var theta0 = Theta(start);
        var g = Gradient(data, Squared, beta, theta0, 1);
        var report = Stationarity.Measure(start, data, Squared, beta);
        Assert.Equal(1, report.KinkRows);
        var m = Theta(Network.Create(report.MinNormGradU, report.MinNormGradAlpha));
        Assert.True(Norm(m) < Norm(g) - 0.1, $"‖m‖ = {Norm(m)} is not shorter than ‖∇L‖ = {Norm(g)}: the kink must matter");
        var minusG = g.Select(e => -e).ToArray();
        var minusM = m.Select(e => -e).ToArray();
        double sStar = FirstArmijoStep(data, beta, theta0, minusG, 1, 60) ?? throw new InvalidOperationException("no step along −∇L");
        double first = sStar * Math.Pow(2, 60);
        Assert.Null(FirstArmijoStep(data, beta, theta0, minusG, first, 60));
        double s = FirstArmijoStep(data, beta, theta0, minusM, first, 80, -report.Measure * report.Measure)
            ?? throw new InvalidOperationException("no step along −m");
        var res = Run(data, beta, start, Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = first }, 1);
        Assert.Equal(1, res.Iterations);
        AssertClose(Along(theta0, minusM, s), Theta(res.Network), 1e-12, $"θ₁ after the kink step {s} along −m");
        Assert.True(Norm(Along(theta0, minusG, sStar).Select((e, k) => e - Theta(res.Network)[k]).ToArray()) > 1e-3,
            "the gradient step s* would have led elsewhere");
    }

    // ---------------------------------------------------------------- gradient descent's Armijo test

    [Fact]
    public void A_gradient_step_that_decreases_L_by_less_than_Armijo_asks_is_halved()
    {
        // On the quadratic, the first trial step 1.9999/β decreases L by a factor 1 − (1 − 1.9999)² ≈ 2e-4 of (β/2)‖u‖²,
        // less than Armijo's c·s‖∇L‖² = 2e-4 (β/2)‖u‖²·(1.9999/2)·2: rejected; the half, 0.99995/β, is taken and doubled
        // for the next first trial.
        var (data, start) = InactiveQuadratic();
        double beta = 3;
        double lr = 1.9999 / beta;
        var theta0 = Theta(start);
        var d0 = Gradient(data, Squared, beta, theta0, 1).Select(e => -e).ToArray();
        Assert.True(Objective(data, Squared, beta, Along(theta0, d0, lr), 1) < Objective(data, Squared, beta, theta0, 1));
        Assert.Equal(lr / 2, FirstArmijoStep(data, beta, theta0, d0, lr, 60));
        var res = Run(data, beta, start, Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = lr }, 1);
        AssertClose(Along(theta0, d0, lr / 2), Theta(res.Network), 1e-14, "θ₁ after the step lr/2");
    }

    [Fact]
    public void An_accepted_gradient_step_doubles_the_next_first_trial()
    {
        // On the quadratic with β = 100 and a first trial 0.003 (sβ = 0.3, accepted): u₁ = 0.7 u₀; the next first trial is
        // 0.006 (sβ = 0.6, accepted): u₂ = 0.4 u₁, then 0.012 (sβ = 1.2): u₃ = −0.2 u₂. Without the doubling the second step
        // would be 0.003 again (u₂ = 0.7 u₁).
        var (data, start) = InactiveQuadratic();
        double beta = 100;
        var settings = Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = 0.003 };
        var theta = Theta(start);
        double trial = settings.LearningRate;
        for (int k = 1; k <= 3; k++)
        {
            var d = Gradient(data, Squared, beta, theta, 1).Select(e => -e).ToArray();
            double s = FirstArmijoStep(data, beta, theta, d, trial, 60) ?? throw new InvalidOperationException("no Armijo step");
            Assert.Equal(trial, s);
            theta = Along(theta, d, s);
            AssertClose(theta, Theta(Run(data, beta, start, settings, k).Network), 1e-14, $"θ_{k} after the step {s}");
            trial = 2 * s;
        }
        Assert.Equal(0.7 * 0.4 * -0.2 * start.U[0, 0], theta[0], 14);
    }

    // ---------------------------------------------------------------- stalled, and stationary after all

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_run_that_stalls_at_a_Clarke_stationary_kink_is_reported_stationary_only_when_the_final_measure_says_so(bool defaultTolerance)
    {
        // At the kink of ClarkeStationaryAtAKink the gradient (ReLU'(0) = 0) is not small, so the per-iteration check
        // does not stop; no step along −g decreases L, and the Clarke measure is 0 up to rounding, so the fallback finds
        // no descent either: the run stalls. The final exact measure then decides: stationary with the default
        // tolerance, stalled with tolerance 0 (the measure is a rounding error, not 0).
        var (data, net) = ClarkeStationaryAtAKink();
        var settings = new TrainingSettings
        {
            Optimizer = OptimizerKind.GradientDescent, MaxIterations = 50, CheckEvery = 0,
            Stationarity = defaultTolerance ? Tolerances.Stationarity : new Tolerance(0, 0),
        };
        var res = Trainer.Train(data, Squared, 0.5, net, settings);
        var (_, gu, ga) = ObjectiveGradient.Evaluate(res.Network, data, Squared, 0.5);
        Assert.True(Math.Sqrt(gu.Enumerate().Sum(e => e * e) + ga.DotProduct(ga)) > 0.4, "the gradient at the end is not small");
        Assert.Equal(defaultTolerance ? TrainingStatus.Stationary : TrainingStatus.Stalled, res.Status);
        Assert.True(res.Iterations < 50, $"stopped after {res.Iterations} iterations");
        Assert.Equal(res.Iterations + 1, res.History.Count);
        Assert.Equal(res.History[^2], res.History[^1]);
        Assert.Equal(defaultTolerance, res.Stationarity.IsStationary);
        Assert.True(res.Stationarity.Measure > 0 && res.Stationarity.Measure < 1e-12 * res.Stationarity.Scale,
            $"measure {res.Stationarity.Measure:G3} at scale {res.Stationarity.Scale:G3}");
    }

    // ---------------------------------------------------------------- the stopping rule, divergence, bad input

    [Theory]
    [InlineData(false, 1 + 1e-9, true)]
    [InlineData(false, 1 - 1e-9, false)]
    [InlineData(true, 1 + 1e-9, true)]
    [InlineData(true, 1 - 1e-9, false)]
    public void The_gradient_test_stops_exactly_at_its_threshold_abs_plus_rel_times_theta_norm_times_beta_plus_X_norm_times_loss_gradient_norm(
        bool absolute, double factor, bool stops)
    {
        // ε_stat = abs + rel·‖θ‖·(β + ‖X‖₂‖∇ℓ(f_θ(X))‖) (the class comment); a tolerance set a hair above or below ‖g‖ at θ₀
        // decides whether the run stops at iteration 0.
        var data = RandomData(21, 7, 3);
        var start = RandomNetwork(new Random(22), 3, 3);
        double beta = 0.3;
        var theta = Theta(start);
        double g = Norm(Gradient(data, Squared, beta, theta, 3));
        double scale = Norm(theta) * (beta + data.X.L2Norm() * Squared.Gradient(start.Predict(data.X), data.Y).L2Norm());
        Assert.True(Math.Abs(scale - g) > 0.5 * g, $"scale {scale} and ‖g‖ {g} must differ for the test to tell the terms apart");
        var tolerance = absolute ? new Tolerance(factor * g, 0) : new Tolerance(0, factor * g / scale);
        var res = Trainer.Train(data, Squared, beta, start, Exact(OptimizerKind.Adam, 0) with { Stationarity = tolerance });
        Assert.Equal(stops ? TrainingStatus.Stationary : TrainingStatus.MaxIterations, res.Status);
        Assert.Equal(0, res.Iterations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Near_a_kink_the_Clarke_check_stops_the_run_at_the_first_multiple_of_CheckEvery_where_the_measure_is_within_tolerance(int every)
    {
        // From just off the Clarke stationary kink of ClarkeStationaryAtAKink, L-BFGS approaches the kink while the
        // gradient (ReLU'(0) = 0) stays large; the exact measure, taken at iterations 0, every, 2·every, …, stops the run
        // at the first of them where it is ≤ ε_stat, long before the gradient test alone would.
        var (data, kink) = ClarkeStationaryAtAKink();
        var start = Network.Create(kink.U + Matrix<double>.Build.DenseOfArray(new double[,] { { 0, -0.01 } }), kink.Alpha);
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Lbfgs, MaxIterations = 200, CheckEvery = every };
        var res = Trainer.Train(data, Squared, 0.5, start, settings);
        var unchecked_ = Trainer.Train(data, Squared, 0.5, start, settings with { CheckEvery = 0 });
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.Equal(0, res.Iterations % every);
        Assert.True(res.Iterations + 5 < unchecked_.Iterations, $"stopped at {res.Iterations}, without the check at {unchecked_.Iterations}");
        for (int j = 0; j <= res.Iterations; j += every)
        {
            var at = Trainer.Train(data, Squared, 0.5, start, settings with { CheckEvery = 0, MaxIterations = j }).Network;
            var report = Stationarity.Measure(at, data, Squared, 0.5);
            Assert.True(report.IsStationary == (j == res.Iterations),
                $"iteration {j}: measure {report.Measure:G3}, threshold {report.Threshold:G3} (stopped at {res.Iterations})");
        }
    }

    [Fact]
    public void A_start_whose_objective_overflows_while_its_gradient_is_finite_is_reported_diverged_at_once()
    {
        // Inactive rows and α = 0: f_θ(X) = 0 and ∇L = (βu, 0) is finite, but (β/2)‖u‖² overflows for ‖u‖ ~ 1e155.
        var (data, quadratic) = InactiveQuadratic();
        var start = Network.Create(quadratic.U * 1e155, quadratic.Alpha);
        Assert.True(Norm(Gradient(data, Squared, 0.1, Theta(start), 1)) < double.MaxValue);
        var res = Trainer.Train(data, Squared, 0.1, start, Exact(OptimizerKind.Adam, 5));
        Assert.Equal(TrainingStatus.Diverged, res.Status);
        Assert.Equal(0, res.Iterations);
        Assert.Equal(Theta(start), Theta(res.Network));
        Assert.True(double.IsPositiveInfinity(res.History[0]));
    }

    [Fact]
    public void A_run_that_diverges_after_some_iterations_returns_the_network_of_the_last_finite_iteration()
    {
        // Adam's rate grows geometrically from 1e-3 towards 1e300 over 60 iterations (×1e5 per iteration): θ overflows after
        // a few dozen finite iterations. The result is θ of the last iteration whose objective was finite.
        var data = RandomData(6, 5, 2);
        var start = Trainer.Initialise(3, 2, 4);
        var settings = Exact(OptimizerKind.Adam, 60) with { LearningRate = 1e-3, FinalLearningRate = 1e300 };
        var res = Trainer.Train(data, Squared, 0.1, start, settings);
        Assert.Equal(TrainingStatus.Diverged, res.Status);
        Assert.True(res.Iterations > 5, $"diverged after {res.Iterations} iterations: the test needs several finite ones");
        Assert.False(double.IsFinite(res.History[^1]));
        Assert.True(double.IsFinite(res.History[^2]));
        Assert.True(Tolerances.Objective.Agree(res.History[^2], res.Objective),
            $"returned objective {res.Objective:R}, last finite one {res.History[^2]:R} (tolerance {Tolerances.Objective})");
        Assert.NotEqual(res.History[0], res.Objective);
    }

    [Fact]
    public void Bad_beta_is_reported_before_bad_targets_and_a_non_finite_initialisation_is_named()
    {
        var data = RandomData(3, 5, 2);
        var start = Trainer.Initialise(3, 2, 4);
        Assert.Contains("beta must be a finite number > 0, got -1", Assert.Throws<InvalidInputException>(() =>
            Trainer.Train(data, new LogisticLoss(), -1, start, new TrainingSettings())).Message);
        Assert.Contains("initialisation", Assert.Throws<InvalidInputException>(() =>
            Trainer.Initialise(2, 3, 1, double.PositiveInfinity)).Message);
    }

    [Theory]
    [InlineData(OptimizerKind.GradientDescent)]
    [InlineData(OptimizerKind.Lbfgs)]
    public void At_a_kink_whose_minimum_norm_Clarke_element_is_exactly_zero_the_run_stalls_and_is_reported_stationary(OptimizerKind kind)
    {
        // u = (1, 0), α = 1, β = ½, rows x₀ = (1, 0), x₂ = (1, 1) active and x₁ = (0, −1) a kink (x₁·u = 0), with ∇ℓ =
        // (−1, 1, ½) (every figure a dyadic rational): ∂L/∂α = −1 + ½ + ½ = 0 and ∂L/∂u = (0, ½) + c₁(0, −1) = 0 at c₁ = ½,
        // while the gradient (c₁ = 0) is (0, ½). Along −∇L row 1 turns active and L rises (slope −¼ + ½ = ¼), so no step
        // is accepted; the fallback's slope −‖m‖² is 0, so it gives up at once; the run stalls after one iteration with θ
        // unchanged, and the final measure (0) makes it stationary.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, -1 }, { 1, 1 } });
        var data = Dataset.Create(x, Vector<double>.Build.DenseOfArray([2.0, -1.0, 0.5]));
        var start = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 } }), Vector<double>.Build.DenseOfArray([1.0]));
        Assert.Equal([0, 0.5, 0], Gradient(data, Squared, 0.5, Theta(start), 1));
        Assert.Equal(0, Stationarity.Measure(start, data, Squared, 0.5).Measure);
        var res = Trainer.Train(data, Squared, 0.5, start, new TrainingSettings { Optimizer = kind, MaxIterations = 20, CheckEvery = 0 });
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.Equal(1, res.Iterations);
        Assert.Equal(Theta(start), Theta(res.Network));
        Assert.Equal(0, res.Stationarity.Measure);
    }

    // ---------------------------------------------------------------- the progress log

    [Fact]
    public void The_log_has_a_progress_line_every_LogEvery_iterations_with_L_and_the_gradient_norm()
    {
        var data = RandomData(8, 6, 3);
        var start = Trainer.Initialise(4, 3, 2);
        var log = new StringWriter();
        var settings = Exact(OptimizerKind.Adam, 7) with { Log = log, LogEvery = 3, LearningRate = 0.05 };
        var res = Trainer.Train(data, Squared, 0.1, start, settings);
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        foreach (var (line, it) in new[] { (lines[0], 3), (lines[1], 6) })
        {
            var at = Run(data, 0.1, start, settings with { Log = null }, it);
            var (_, gu, ga) = ObjectiveGradient.Evaluate(at.Network, data, Squared, 0.1);
            double g = Math.Sqrt(gu.Enumerate().Sum(e => e * e) + ga.DotProduct(ga));
            Assert.StartsWith(FormattableString.Invariant($"  Adam it {it,7}  L = {res.History[it]:G12}  |g| = {g:G3}  ("), line);
            Assert.EndsWith(" s)", line.TrimEnd('\r'));
        }
        Assert.StartsWith("  Adam stopped: MaxIterations after 7 iterations, L = ", lines[2]);
        Assert.Contains(FormattableString.Invariant($"stationarity {res.Stationarity.Measure:G3} (threshold {res.Stationarity.Threshold:G3})"), lines[2]);
        // LogEvery = 0 writes no progress line (and does not divide by zero); no writer, no output.
        var quiet = new StringWriter();
        Trainer.Train(data, Squared, 0.1, start, settings with { Log = quiet, LogEvery = 0 });
        Assert.Single(quiet.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    // ---------------------------------------------------------------- L-BFGS

    /// <summary>
    /// L-BFGS as Nocedal and Wright (Algorithm 7.4, two-loop recursion with H₀ = (s·y)/(y·y) I from the newest pair) state
    /// it, with the trainer's documented choices: the first direction is −∇L scaled to length at most 1, the line search
    /// halves from 1 under Armijo's condition with a strict decrease (60 trials), a pair is kept only when
    /// s·y &gt; 1e-12‖s‖‖y‖, and the oldest pair is dropped beyond the memory. Returns θ after each iteration.
    /// </summary>
    /// <remarks>
    /// When no step along the direction is accepted, the pairs are dropped and the step is taken along −m, m the
    /// minimum-norm Clarke element, from max(<paramref name="fallbackStart"/>, 1e-3) with slope −‖m‖² (80 trials), if a
    /// fallback start is given; otherwise the instance is expected to need none.
    /// </remarks>
    private static List<double[]> ReferenceLbfgs(Dataset data, double beta, Network start, int memory, int steps, double? fallbackStart = null)
    {
        int m = start.Width;
        var theta = Theta(start);
        var pairs = new List<(double[] S, double[] Y)>();
        var path = new List<double[]> { theta };
        static double Dot(double[] a, double[] b) => a.Select((e, k) => e * b[k]).Sum();
        for (int it = 0; it < steps; it++)
        {
            var g = Gradient(data, Squared, beta, theta, m);
            double[] d;
            if (pairs.Count == 0)
            {
                double scale = Math.Min(1, 1 / Norm(g));
                d = g.Select(e => -scale * e).ToArray();
            }
            else
            {
                var q = (double[])g.Clone();
                var a = new double[pairs.Count];
                for (int i = pairs.Count - 1; i >= 0; i--)
                {
                    a[i] = Dot(pairs[i].S, q) / Dot(pairs[i].Y, pairs[i].S);
                    for (int k = 0; k < q.Length; k++) q[k] -= a[i] * pairs[i].Y[k];
                }
                var (sl, yl) = pairs[^1];
                double gamma = Dot(sl, yl) / Dot(yl, yl);
                var r = q.Select(e => gamma * e).ToArray();
                for (int i = 0; i < pairs.Count; i++)
                {
                    double b = Dot(pairs[i].Y, r) / Dot(pairs[i].Y, pairs[i].S);
                    for (int k = 0; k < r.Length; k++) r[k] += (a[i] - b) * pairs[i].S[k];
                }
                d = r.Select(e => -e).ToArray();
            }
            double? accepted = FirstArmijoStep(data, beta, theta, d, 1, 60);
            if (accepted is null)
            {
                if (fallbackStart is not { } s0)
                    throw new InvalidOperationException($"iteration {it}: no Armijo step along the L-BFGS direction (the instance must keep it)");
                pairs.Clear();
                var report = Stationarity.Measure(FromTheta(theta, m, data.D), data, Squared, beta, new Tolerance(0, 0));
                var minusM = Theta(Network.Create(report.MinNormGradU, report.MinNormGradAlpha)).Select(e => -e).ToArray();
                double kink = FirstArmijoStep(data, beta, theta, minusM, Math.Max(s0, 1e-3), 80, -report.Measure * report.Measure)
                    ?? throw new InvalidOperationException($"iteration {it}: no step along −m either");
                theta = Along(theta, minusM, kink);
                path.Add(theta);
                continue;
            }
            double step = accepted.Value;
            var next = Along(theta, d, step);
            var sk = next.Select((e, k) => e - theta[k]).ToArray();
            var yk = Gradient(data, Squared, beta, next, m).Select((e, k) => e - g[k]).ToArray();
            if (Dot(sk, yk) > 1e-12 * Norm(sk) * Norm(yk))
            {
                pairs.Add((sk, yk));
                if (pairs.Count > memory) pairs.RemoveAt(0);
            }
            theta = next;
            path.Add(theta);
        }
        return path;
    }

    /// <summary>
    /// Positive data and a positive start, so every x_j·u_i stays positive and L_β is smooth along the run; the targets are
    /// the start's predictions plus offsets of the given size (which sets ‖∇L(θ₀)‖). <paramref name="unit"/> scales θ (and
    /// the targets by its square, THEORY.md §4.1's unit law; β is scaled alike by the caller).
    /// </summary>
    private static (Dataset Data, Network Start) SmoothInstance(double offset, double unit = 1)
    {
        var rng = new Random(2);
        var x = Matrix<double>.Build.Dense(8, 3, (_, _) => 0.5 + rng.NextDouble());
        var start = Network.Create(Matrix<double>.Build.Dense(2, 3, (i, k) => unit * (0.3 + 0.1 * i + 0.05 * k)),
            Vector<double>.Build.Dense(2, i => unit * (0.5 + 0.2 * i)));
        var y = start.Predict(x) + Vector<double>.Build.Dense(8, _ => unit * unit * offset * (1 + rng.NextDouble()));
        return (Dataset.Create(x, y), start);
    }

    [Fact]
    public void When_no_step_along_the_Lbfgs_direction_decreases_L_it_steps_along_the_minimum_norm_Clarke_element()
    {
        // KinkNotStationary with y₁ = −10: α∇ℓ₁ = 10 on the kink row, and −∇L (c₁ = 0) moves u to x₁·u &gt; 0 where that
        // row's term raises L faster than the gradient lowers it; no halving of the first direction −∇L/‖∇L‖ from 1 is
        // accepted, so L-BFGS falls back to −m (m the minimum-norm Clarke element) from max(learning rate, 1e-3) with
        // Armijo's slope −‖m‖², and keeps going.
        var (kink, start) = KinkNotStationary();
        var y = kink.Y.Clone();
        y[1] = -10;
        var data = kink.WithTargets(y);
        double beta = 0.5;
        var theta0 = Theta(start);
        var g = Gradient(data, Squared, beta, theta0, 1);
        var d0 = g.Select(e => -e / Math.Max(1, Norm(g))).ToArray();
        Assert.Null(FirstArmijoStep(data, beta, theta0, d0, 1, 60));
        var report = Stationarity.Measure(start, data, Squared, beta);
        var minusM = Theta(Network.Create(report.MinNormGradU, report.MinNormGradAlpha)).Select(e => -e).ToArray();
        var settings = Exact(OptimizerKind.Lbfgs, 0) with { LearningRate = 0.25 };
        double s = FirstArmijoStep(data, beta, theta0, minusM, 0.25, 80, -report.Measure * report.Measure)
            ?? throw new InvalidOperationException("no step along −m");
        var one = Run(data, beta, start, settings, 1);
        Assert.Equal(TrainingStatus.MaxIterations, one.Status);
        AssertClose(Along(theta0, minusM, s), Theta(one.Network), 1e-12, $"θ₁ after the kink step {s}");
        var more = Run(data, beta, start, settings, 5);
        Assert.Equal(TrainingStatus.MaxIterations, more.Status);
        Assert.True(more.History[^1] < one.History[^1], "L-BFGS goes on after the kink step");
        // The whole run against the reference that falls back the same way (dropping its pairs).
        var expected = ReferenceLbfgs(data, beta, start, 10, 12, 0.25);
        for (int k = 1; k < expected.Count; k++)
            AssertClose(expected[k], Theta(Run(data, beta, start, settings, k).Network), 1e-9, $"θ_{k} of L-BFGS with its fallback");
    }

    [Theory]
    [InlineData(0.02, 3, 8, 1.0)]    // ‖∇L(θ₀)‖ < 1: the first direction is −∇L itself
    [InlineData(3.0, 3, 8, 1.0)]     // ‖∇L(θ₀)‖ > 1: the first direction is −∇L/‖∇L‖
    [InlineData(0.02, 1, 8, 1.0)]    // a memory of one pair
    [InlineData(0.02, 5, 40, 1.0)]   // a longer run
    [InlineData(0.02, 3, 8, 1e-6)]   // θ ~ 1e-6, steps ~ 1e-18: the curvature rule s·y > 1e-12‖s‖‖y‖ is relative, pairs are kept
    public void Lbfgs_follows_the_two_loop_recursion_with_its_memory(double offset, int memory, int steps, double unit)
    {
        var (data, start) = SmoothInstance(offset, unit);
        double beta = 0.05 * unit * unit;
        double g0 = Norm(Gradient(data, Squared, beta, Theta(start), 2));
        Assert.True(offset > 1 ? g0 > 1 : g0 < 1, $"‖∇L(θ₀)‖ = {g0}: the instance must exercise its case");
        var expected = ReferenceLbfgs(data, beta, start, memory, steps);
        var settings = Exact(OptimizerKind.Lbfgs, 0) with { LbfgsMemory = memory };
        for (int k = 1; k <= steps; k++)
        {
            var res = Run(data, beta, start, settings, k);
            Assert.Equal(TrainingStatus.MaxIterations, res.Status);
            AssertClose(expected[k], Theta(res.Network), 1e-9, $"θ_{k} of L-BFGS (memory {memory})");
        }
    }
}
