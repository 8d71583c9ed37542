using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;
using HiddenConvex.Core.Tests.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Training;

/// <summary>
/// The objective's generalised gradient (THEORY.md §1, §7) against finite differences and its documented formula, and the
/// trainer's documented behaviour on small instances (a few iterations each): PyTorch's initialisation ranges, Adam as
/// Kingma and Ba define it, gradient descent's Armijo backtracking with a doubling step, the stopping statuses.
/// </summary>
public class TrainingMutationTests
{
    internal static Dataset RandomData(int seed, int n, int d, bool labels = false)
    {
        var rng = new Random(seed);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => LossNumerics.Gaussian(rng, 1)[0]);
        var y = labels ? Vector<double>.Build.Dense(n, j => j % 2 == 0 ? 1.0 : -1.0) : LossNumerics.Gaussian(rng, n);
        return Dataset.Create(x, y);
    }

    internal static Network RandomNetwork(Random rng, int m, int d) =>
        Network.Create(Matrix<double>.Build.Dense(m, d, (_, _) => LossNumerics.Gaussian(rng, 1)[0]), LossNumerics.Gaussian(rng, m));

    /// <summary>The parameters θ = (U row-major, α) as one vector.</summary>
    internal static double[] Theta(Network n) =>
        Enumerable.Range(0, n.Width).SelectMany(i => n.U.Row(i).ToArray()).Concat(n.Alpha.ToArray()).ToArray();

    internal static Network FromTheta(double[] theta, int m, int d) =>
        Network.Create(Matrix<double>.Build.Dense(m, d, (i, k) => theta[i * d + k]), Vector<double>.Build.Dense(m, i => theta[m * d + i]));

    internal static double[] Gradient(Dataset data, Loss loss, double beta, double[] theta, int m)
    {
        var (_, gu, ga) = ObjectiveGradient.Evaluate(FromTheta(theta, m, data.D), data, loss, beta);
        return Theta(Network.Create(gu, ga));
    }

    /// <summary>L_β(θ) as the trainer evaluates it (<see cref="ObjectiveGradient"/>), so that comparisons agree to the bit.</summary>
    internal static double Objective(Dataset data, Loss loss, double beta, double[] theta, int m) =>
        ObjectiveGradient.Evaluate(FromTheta(theta, m, data.D), data, loss, beta).Value;

    internal static double Norm(double[] a) => Math.Sqrt(a.Sum(e => e * e));

    internal static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Norm(expected);
        for (int k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(expected[k] - actual[k]) <= relative * scale,
                $"{what}[{k}]: expected {expected[k]:R}, got {actual[k]:R} (relative {relative} of ‖·‖ = {scale:G6})");
    }

    // ---------------------------------------------------------------- ObjectiveGradient

    [Theory]
    [InlineData("squared", 1.0, 1)]
    [InlineData("squared", 0.3, 2)]
    [InlineData("logistic", 1.0, 3)]
    [InlineData("logistic", 2.5, 4)]
    public void The_gradient_matches_finite_differences_away_from_kinks_and_the_value_is_L_beta(string lossName, double c, int seed)
    {
        var loss = Loss.Parse(lossName, c);
        var data = RandomData(seed, 7, 3, labels: lossName == "logistic");
        var rng = new Random(seed + 100);
        double beta = 0.37;
        int compared = 0;
        for (int trial = 0; trial < 8; trial++)
        {
            var net = RandomNetwork(rng, 4, 3);
            // Away from kinks: the finite-difference step must not cross x_j·u_i = 0.
            var pre = data.X * net.U.Transpose();
            if (pre.Enumerate().Any(p => Math.Abs(p) < 1e-2)) continue;
            var (value, gu, ga) = ObjectiveGradient.Evaluate(net, data, loss, beta);
            Assert.True(Tolerances.Objective.Agree(NetworkObjective.Value(net, data, loss, beta), value),
                $"value {value:R} is not L_β = {NetworkObjective.Value(net, data, loss, beta):R} (tolerance {Tolerances.Objective})");
            var theta = Theta(net);
            var grad = Theta(Network.Create(gu, ga));
            for (int k = 0; k < theta.Length; k++)
            {
                double At(double h) { var t = (double[])theta.Clone(); t[k] += h; return Objective(data, loss, beta, t, 4); }
                const double h = 1e-4;
                double fd = (-At(2 * h) + 8 * At(h) - 8 * At(-h) + At(-2 * h)) / (12 * h);
                Assert.True(Tolerances.FiniteDifference.Agree(fd, grad[k]),
                    $"∂L/∂θ_{k}: finite difference {fd:R}, gradient {grad[k]:R} (tolerance {Tolerances.FiniteDifference})");
            }
            compared++;
        }
        Assert.True(compared >= 4, $"only {compared} networks away from kinks");
    }

    [Fact]
    public void At_a_kink_the_ReLU_derivative_is_taken_as_zero()
    {
        // Rows x_0 = (1, 0) with x_0·u = 0 exactly (a kink), x_1 = (0, 1) active, x_2 = (0, −1) inactive, for u = (0, 2):
        // ∂L/∂u = α Σ_{x_j·u > 0} ∇ℓ_j x_j + β u and ∂L/∂α = σ(Xu)·∇ℓ + β α (THEORY.md §7, c_j = 1[x_j·u > 0]).
        var data = Dataset.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { 0, -1 } }),
            Vector<double>.Build.DenseOfArray([1.0, 3.0, -2.0]));
        var net = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 2 } }), Vector<double>.Build.DenseOfArray([1.5]));
        double beta = 0.5;
        var (value, gu, ga) = ObjectiveGradient.Evaluate(net, data, new SquaredLoss(), beta);
        // z = (0, 3, 0), ∇ℓ = z − y = (−1, 0, 2).
        Assert.Equal(0.5 * (1 + 0 + 4) + 0.5 * beta * (4 + 2.25), value, 14);
        Assert.Equal(1.5 * 0 * 1 + beta * 0, gu[0, 0], 14);     // row 0 is a kink: left out
        Assert.Equal(1.5 * 0 * 1 + beta * 2, gu[0, 1], 14);     // row 1 active with ∇ℓ_1 = 0; row 2 inactive
        Assert.Equal(3 * 0 + beta * 1.5, ga[0], 14);
        // Moving the kink row to the active side adds its term α ∇ℓ_0 x_0.
        var tilted = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1e-3, 2 } }), Vector<double>.Build.DenseOfArray([1.5]));
        var (_, gu2, _) = ObjectiveGradient.Evaluate(tilted, data, new SquaredLoss(), beta);
        Assert.True(gu2[0, 0] < -1, $"an active row 0 contributes α∇ℓ_0 = −1.5·(1 − 1.5e-3): got {gu2[0, 0]}");
    }

    [Fact]
    public void The_gradient_scales_under_the_unit_laws()
    {
        // U1 with k = 4: (y, β) → (4y, 4β), θ → 2θ: L_β → 16 L_β and ∇_θ L → 8 ∇_θ L, bit for bit (powers of two).
        var data = RandomData(11, 6, 2);
        var net = RandomNetwork(new Random(12), 3, 2);
        var (v1, gu1, ga1) = ObjectiveGradient.Evaluate(net, data, new SquaredLoss(), 0.2);
        var scaled = Network.Create(net.U * 2, net.Alpha * 2);
        var (v4, gu4, ga4) = ObjectiveGradient.Evaluate(scaled, data.WithTargets(data.Y * 4), new SquaredLoss(), 0.8);
        Assert.Equal(16 * v1, v4);
        Assert.Equal((gu1 * 8).ToColumnMajorArray(), gu4.ToColumnMajorArray());
        Assert.Equal((ga1 * 8).ToArray(), ga4.ToArray());
    }

    [Fact]
    public void Bad_input_to_the_gradient_names_the_problem()
    {
        var data = RandomData(1, 4, 3);
        var net = RandomNetwork(new Random(2), 2, 3);
        Assert.Contains("beta", Assert.Throws<InvalidInputException>(() => ObjectiveGradient.Evaluate(net, data, new SquaredLoss(), 0)).Message);
        var wrong = RandomNetwork(new Random(3), 2, 2);
        Assert.Contains("network has input dimension 2 but the data has d = 3",
            Assert.Throws<InvalidInputException>(() => ObjectiveGradient.Evaluate(wrong, data, new SquaredLoss(), 0.1)).Message);
    }

    // ---------------------------------------------------------------- Initialise

    [Fact]
    public void Initialisation_draws_from_PyTorchs_uniform_ranges()
    {
        // nn.Linear(d, m): u_ik ~ U(−1/√d, 1/√d); nn.Linear(m, 1): α_i ~ U(−1/√m, 1/√m); times the scale.
        const int m = 400, d = 5;
        foreach (double scale in new[] { 1.0, 3.0 })
        {
            var net = Trainer.Initialise(m, d, seed: 9, scale);
            double bu = scale / Math.Sqrt(d), ba = scale / Math.Sqrt(m);
            var u = net.U.Enumerate().ToArray();
            var a = net.Alpha.ToArray();
            Assert.All(u, e => Assert.InRange(e, -bu, bu));
            Assert.All(a, e => Assert.InRange(e, -ba, ba));
            // Both ends of the range are reached (2000 and 400 uniform draws) and the mean is 0 within 5 standard errors.
            Assert.True(u.Max() > 0.99 * bu && u.Min() < -0.99 * bu, $"u spans [{u.Min()}, {u.Max()}], expected ±{bu}");
            Assert.True(a.Max() > 0.95 * ba && a.Min() < -0.95 * ba, $"α spans [{a.Min()}, {a.Max()}], expected ±{ba}");
            Assert.True(Math.Abs(u.Average()) < 5 * bu / Math.Sqrt(3 * u.Length), $"mean of u {u.Average()}");
            Assert.True(Math.Abs(a.Average()) < 5 * ba / Math.Sqrt(3 * a.Length), $"mean of α {a.Average()}");
        }
        Assert.Equal(Trainer.Initialise(3, 2, 5).U.ToColumnMajorArray(), Trainer.Initialise(3, 2, 5).U.ToColumnMajorArray());
        Assert.Equal(1, Trainer.Initialise(1, 2, 5).Width);
        Assert.Contains("width must be at least 1, got 0", Assert.Throws<InvalidInputException>(() => Trainer.Initialise(0, 2, 5)).Message);
    }

    // ---------------------------------------------------------------- Trainer: statuses

    internal static TrainingSettings Exact(OptimizerKind kind, int iterations) => new()
    {
        Optimizer = kind, MaxIterations = iterations, Seed = 1,
        // Never stationary before the budget: threshold 0 and no periodic Clarke measure.
        Stationarity = new Tolerance(0, 0), CheckEvery = 0,
    };

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.GradientDescent)]
    [InlineData(OptimizerKind.Lbfgs)]
    public void A_zero_budget_returns_the_initial_network(OptimizerKind kind)
    {
        var data = RandomData(3, 5, 2);
        var start = Trainer.Initialise(3, 2, 4);
        var log = new StringWriter();
        var res = Trainer.Train(data, new SquaredLoss(), 0.1, start, Exact(kind, 0) with { Log = log });
        Assert.Equal(TrainingStatus.MaxIterations, res.Status);
        Assert.Equal(0, res.Iterations);
        Assert.Equal(start.U.ToColumnMajorArray(), res.Network.U.ToColumnMajorArray());
        Assert.Equal(start.Alpha.ToArray(), res.Network.Alpha.ToArray());
        double l0 = NetworkObjective.Value(start, data, new SquaredLoss(), 0.1);
        Assert.Equal([l0], res.History);
        Assert.Equal(l0, res.Objective);
        Assert.Equal(kind, res.Optimizer);
        Assert.Equal(1, res.Seed);
        Assert.Contains($"{kind} stopped: MaxIterations after 0 iterations", log.ToString());
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.GradientDescent)]
    [InlineData(OptimizerKind.Lbfgs)]
    public void The_zero_network_is_stationary_at_once(OptimizerKind kind)
    {
        // θ = 0: every gradient term carries a factor α_i or u_i, so ∇L = 0 and the threshold 0 is met (THEORY.md §7).
        var data = RandomData(5, 5, 2);
        var zero = Network.Create(Matrix<double>.Build.Dense(2, 2), Vector<double>.Build.Dense(2));
        var res = Trainer.Train(data, new SquaredLoss(), 0.1, zero, Exact(kind, 100));
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.Equal(0, res.Iterations);
        Assert.True(res.Stationarity.IsStationary);
    }

    /// <summary>
    /// A network at a kink that is Clarke stationary while its gradient with ReLU'(0) = 0 is not small (THEORY.md §7):
    /// x_0 = (1, 0), x_1 = (1, −1), u = (1, 1) (so x_1·u = 0), α = √2, β = ½, and targets with ∇ℓ = (−√2 β, 1). Then
    /// ∂L/∂α = x_0·u ∇ℓ_0 + βα = 0 and ∂L/∂u = α∇ℓ_0 x_0 + c α∇ℓ_1 x_1 + βu vanishes for c = β/(√2∇ℓ_1) ∈ [0, 1], while the
    /// gradient's c = 0 leaves βu_2 = ½.
    /// </summary>
    internal static (Dataset Data, Network Net) ClarkeStationaryAtAKink()
    {
        double a = Math.Sqrt(2);
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 1, -1 } });
        var y = Vector<double>.Build.DenseOfArray([a + a / 2, -1.0]);
        var net = Network.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 } }), Vector<double>.Build.DenseOfArray([a]));
        return (Dataset.Create(x, y), net);
    }

    [Fact]
    public void The_periodic_Clarke_check_stops_at_a_stationary_kink_that_the_gradient_misses()
    {
        var (data, net) = ClarkeStationaryAtAKink();
        var loss = new SquaredLoss();
        var (_, gu, ga) = ObjectiveGradient.Evaluate(net, data, loss, 0.5);
        Assert.True(Math.Sqrt(gu.Enumerate().Sum(e => e * e) + ga.DotProduct(ga)) > 0.4, "the ReLU'(0) = 0 gradient is not small here");
        Assert.True(Stationarity.Measure(net, data, loss, 0.5).IsStationary, "the Clarke measure is 0 up to rounding here");
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Adam, MaxIterations = 10, Seed = 1, CheckEvery = 1 };
        var res = Trainer.Train(data, loss, 0.5, net, settings);
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.Equal(0, res.Iterations);
        // Without the periodic check the gradient moves θ off the kink.
        var moved = Trainer.Train(data, loss, 0.5, net, settings with { CheckEvery = 0 });
        Assert.NotEqual(0, moved.Iterations);
        // Checked every 4 iterations: at iteration 0 already.
        Assert.Equal(0, Trainer.Train(data, loss, 0.5, net, settings with { CheckEvery = 4 }).Iterations);
    }

    [Fact]
    public void A_diverging_run_reports_it_and_returns_the_last_finite_network()
    {
        // Adam moves every coordinate by about the learning rate: 1e300 overflows the prediction at the first step.
        var data = RandomData(6, 5, 2);
        var start = Trainer.Initialise(3, 2, 4);
        var settings = Exact(OptimizerKind.Adam, 50) with { LearningRate = 1e300 };
        var res = Trainer.Train(data, new SquaredLoss(), 0.1, start, settings);
        Assert.Equal(TrainingStatus.Diverged, res.Status);
        Assert.Equal(1, res.Iterations);
        Assert.Equal(start.U.ToColumnMajorArray(), res.Network.U.ToColumnMajorArray());
        Assert.Equal(NetworkObjective.Value(start, data, new SquaredLoss(), 0.1), res.Objective);
        Assert.False(double.IsFinite(res.History[^1]));
    }

    [Fact]
    public void Bad_input_to_the_trainer_names_the_problem()
    {
        var data = RandomData(3, 5, 2);
        var start = Trainer.Initialise(3, 2, 4);
        Assert.Contains("iteration budget", Assert.Throws<InvalidInputException>(() =>
            Trainer.Train(data, new SquaredLoss(), 0.1, start, new TrainingSettings { MaxIterations = -1 })).Message);
        Assert.Contains("network has input dimension 3 but the data has d = 2", Assert.Throws<InvalidInputException>(() =>
            Trainer.Train(data, new SquaredLoss(), 0.1, Trainer.Initialise(3, 3, 4), new TrainingSettings())).Message);
        Assert.Contains("beta", Assert.Throws<InvalidInputException>(() =>
            Trainer.Train(data, new SquaredLoss(), -1, start, new TrainingSettings())).Message);
        Assert.Contains("-1 or +1", Assert.Throws<InvalidInputException>(() =>
            Trainer.Train(data, new LogisticLoss(), 0.1, start, new TrainingSettings())).Message);
    }

    // ---------------------------------------------------------------- Adam

    /// <summary>Adam as Kingma and Ba (2015) state it, with the optional geometric decay of the rate.</summary>
    private static double[] ReferenceAdam(Dataset data, Loss loss, double beta, Network start, TrainingSettings s, int steps)
    {
        int m = start.Width;
        var theta = Theta(start);
        var first = new double[theta.Length];
        var second = new double[theta.Length];
        for (int t = 1; t <= steps; t++)
        {
            var g = Gradient(data, loss, beta, theta, m);
            double rate = s.FinalLearningRate is { } final
                ? s.LearningRate * Math.Pow(final / s.LearningRate, (t - 1) / (double)s.MaxIterations)
                : s.LearningRate;
            for (int k = 0; k < theta.Length; k++)
            {
                first[k] = s.AdamBeta1 * first[k] + (1 - s.AdamBeta1) * g[k];
                second[k] = s.AdamBeta2 * second[k] + (1 - s.AdamBeta2) * g[k] * g[k];
                double mHat = first[k] / (1 - Math.Pow(s.AdamBeta1, t));
                double vHat = second[k] / (1 - Math.Pow(s.AdamBeta2, t));
                theta[k] -= rate * mHat / (Math.Sqrt(vHat) + s.AdamEpsilon);
            }
        }
        return theta;
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1e-4)]
    public void Adam_follows_Kingma_and_Ba(double? finalRate)
    {
        var data = RandomData(8, 6, 3);
        var loss = new SquaredLoss();
        var start = Trainer.Initialise(4, 3, 2);
        const int steps = 40;
        var settings = Exact(OptimizerKind.Adam, steps) with
        {
            LearningRate = 0.05, FinalLearningRate = finalRate, AdamBeta1 = 0.8, AdamBeta2 = 0.99, AdamEpsilon = 1e-3,
        };
        var res = Trainer.Train(data, loss, 0.1, start, settings);
        Assert.Equal(TrainingStatus.MaxIterations, res.Status);
        Assert.Equal(steps, res.Iterations);
        Assert.Equal(steps + 1, res.History.Count);
        AssertClose(ReferenceAdam(data, loss, 0.1, start, settings, steps), Theta(res.Network), 1e-12, "θ after Adam");
        Assert.Equal(Objective(data, loss, 0.1, Theta(res.Network), 4), res.History[^1]);
    }

    // ---------------------------------------------------------------- gradient descent

    [Fact]
    public void Gradient_descent_takes_the_longest_Armijo_step_of_a_halving_search_that_starts_at_twice_the_last_step()
    {
        // Each accepted step θ' = θ − s∇L satisfies Armijo's condition L(θ') ≤ L(θ) − c s ‖∇L‖² (c = 1e-4) and L(θ') < L(θ);
        // s is the first of s₀, s₀/2, s₀/4, … that does, with s₀ the learning rate at the first iteration and twice the
        // previous step after.
        var data = RandomData(4, 6, 2);
        var loss = new SquaredLoss();
        double beta = 0.1;
        var start = Trainer.Initialise(3, 2, 7);
        const int steps = 6;
        var settings = Exact(OptimizerKind.GradientDescent, 0) with { LearningRate = 4.0 };
        var path = Enumerable.Range(0, steps + 1)
            .Select(k => Theta(Trainer.Train(data, loss, beta, start, settings with { MaxIterations = k }).Network)).ToList();
        double trial = settings.LearningRate;
        for (int k = 0; k < steps; k++)
        {
            var g = Gradient(data, loss, beta, path[k], 3);
            double f = Objective(data, loss, beta, path[k], 3), gg = g.Sum(e => e * e);
            bool Accepts(double s)
            {
                var next = path[k].Select((t, i) => t - s * g[i]).ToArray();
                double fn = Objective(data, loss, beta, next, 3);
                return fn <= f - 1e-4 * s * gg && fn < f;
            }
            double expected = trial;
            while (!Accepts(expected)) expected *= 0.5;
            // The step taken: θ_{k+1} = θ_k − s ∇L(θ_k) with s read off along ∇L.
            double s = path[k].Select((t, i) => (t - path[k + 1][i]) * g[i]).Sum() / gg;
            Assert.True(Math.Abs(s - expected) <= 1e-9 * expected,
                $"iteration {k}: step {s:R}, expected the first accepted of {trial:R}·2^-j, {expected:R}");
            AssertClose(path[k].Select((t, i) => t - s * g[i]).ToArray(), path[k + 1], 1e-12, $"θ_{k + 1} on the ray −∇L");
            trial = 2 * expected;
        }
    }

    // ---------------------------------------------------------------- L-BFGS

    [Fact]
    public void Lbfgs_converges_superlinearly_where_every_row_stays_active()
    {
        // Positive data and a positive start keep every x_j·u_i > 0 along the run, so L_β is smooth there and L-BFGS
        // converges superlinearly: relative stationarity 1e-8 in about 50 iterations (gradient descent has not reached it
        // after 3000; a memory of one pair needs about 260). Every iteration decreases L_β.
        var rng = new Random(2);
        var x = Matrix<double>.Build.Dense(8, 3, (_, _) => 0.5 + rng.NextDouble());
        var y = Vector<double>.Build.Dense(8, _ => 1 + rng.NextDouble());
        var data = Dataset.Create(x, y);
        var start = Network.Create(Matrix<double>.Build.Dense(2, 3, (i, k) => 0.3 + 0.1 * i + 0.05 * k), Vector<double>.Build.Dense(2, i => 0.5 + 0.2 * i));
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Lbfgs, MaxIterations = 80, Stationarity = new Tolerance(0, 1e-8), CheckEvery = 0 };
        var res = Trainer.Train(data, new SquaredLoss(), 0.05, start, settings);
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.True(res.Stationarity.IsStationary, $"measure {res.Stationarity.Measure:G3} above {res.Stationarity.Threshold:G3}");
        Assert.Equal(0, res.Stationarity.KinkRows);
        for (int k = 1; k < res.History.Count; k++)
            Assert.True(res.History[k] < res.History[k - 1], $"L-BFGS did not decrease L at iteration {k}: {res.History[k - 1]:R} → {res.History[k]:R}");
    }
}
