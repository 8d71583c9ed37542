using System.Diagnostics;
using System.Globalization;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Training;

/// <summary>The first-order method used on the non-convex objective L_β.</summary>
public enum OptimizerKind
{
    /// <summary>Full-batch gradient descent with an Armijo backtracking step (the step grows by 2 after each accepted one).</summary>
    GradientDescent,
    /// <summary>Adam (Kingma &amp; Ba) with a fixed learning rate, full batch.</summary>
    Adam,
    /// <summary>Limited-memory BFGS (two-loop recursion) with an Armijo backtracking line search.</summary>
    Lbfgs,
}

/// <summary>Why training stopped.</summary>
public enum TrainingStatus
{
    /// <summary>The Clarke stationarity measure reached its tolerance (THEORY.md §7).</summary>
    Stationary,
    /// <summary>The iteration budget ran out first.</summary>
    MaxIterations,
    /// <summary>No step along the search direction or the negative gradient decreased L_β any more.</summary>
    Stalled,
    /// <summary>L_β became non-finite.</summary>
    Diverged,
}

/// <summary>Settings of <see cref="Trainer"/>. Every field has a default; use <c>with</c> to change one.</summary>
public sealed record TrainingSettings
{
    /// <summary>The method (default L-BFGS).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Lbfgs;
    /// <summary>Seed of the initialisation; equal seeds give bit-identical runs.</summary>
    public int Seed { get; init; }
    /// <summary>Iteration budget.</summary>
    public int MaxIterations { get; init; } = 20_000;
    /// <summary>Adam's learning rate; the first trial step of gradient descent.</summary>
    public double LearningRate { get; init; } = 1e-2;
    /// <summary>
    /// Adam's learning rate at the last iteration: the rate decays geometrically from <see cref="LearningRate"/>
    /// to this over <see cref="MaxIterations"/> (default null: constant rate).
    /// </summary>
    public double? FinalLearningRate { get; init; }
    /// <summary>Adam's first-moment decay rate.</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    /// <summary>Adam's second-moment decay rate.</summary>
    public double AdamBeta2 { get; init; } = 0.999;
    /// <summary>Adam's ε.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>L-BFGS memory (pairs kept).</summary>
    public int LbfgsMemory { get; init; } = 10;
    /// <summary>Stop when the stationarity measure is ≤ this tolerance at the gradient scale (THEORY.md §7).</summary>
    public Tolerance Stationarity { get; init; } = Tolerances.Stationarity;
    /// <summary>The exact (kink-aware) measure is computed every this many iterations; the gradient norm is checked every iteration.</summary>
    public int CheckEvery { get; init; } = 25;
    /// <summary>Progress lines go here (e.g. Console.Error); null for silence.</summary>
    public TextWriter? Log { get; init; }
    /// <summary>A progress line every this many iterations.</summary>
    public int LogEvery { get; init; } = 500;
    /// <summary>Multiplies the default initialisation (PyTorch's nn.Linear uniform ranges).</summary>
    public double InitScale { get; init; } = 1.0;
}

/// <summary>The outcome of a training run.</summary>
public sealed record TrainingResult(
    Network Network,
    TrainingStatus Status,
    int Iterations,
    double Objective,
    StationarityReport Stationarity,
    double Seconds,
    IReadOnlyList<double> History,
    OptimizerKind Optimizer,
    int Seed);

/// <summary>
/// Trains a width-m network on L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² (THEORY.md §1) in float64, deterministic
/// given the seed. Stopping rule: stop with <see cref="TrainingStatus.Stationary"/> as soon as
/// ‖g‖ ≤ ε_stat or (every <see cref="TrainingSettings.CheckEvery"/> iterations) the Clarke measure of
/// §7 is ≤ ε_stat, where g is the gradient with ReLU'(0) = 0 and
/// ε_stat = abs + rel·‖θ‖·(β + ‖X‖₂‖∇ℓ‖) (‖g‖ bounds the measure because its coefficients are in the
/// Clarke set); otherwise stop at the iteration budget, when stalled, or when L_β is not finite.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// PyTorch's default initialisation of nn.Linear(d, m, bias=False) then nn.Linear(m, 1, bias=False):
    /// u_ik ~ U(−1/√d, 1/√d), α_i ~ U(−1/√m, 1/√m), times <paramref name="scale"/>.
    /// </summary>
    public static Network Initialise(int width, int inputDim, int seed, double scale = 1.0)
    {
        InvalidInputException.Require(width >= 1, $"width must be at least 1, got {width}");
        var rng = new Random(seed);
        double bu = scale / Math.Sqrt(inputDim), ba = scale / Math.Sqrt(width);
        var u = Matrix<double>.Build.Dense(width, inputDim, (_, _) => 0);
        for (int i = 0; i < width; i++)
            for (int k = 0; k < inputDim; k++) u[i, k] = bu * (2 * rng.NextDouble() - 1);
        var a = Vector<double>.Build.Dense(width, _ => ba * (2 * rng.NextDouble() - 1));
        return Network.Create(u, a, "initialisation");
    }

    /// <summary>Trains from the seeded initialisation of the given width.</summary>
    public static TrainingResult Train(Dataset data, Loss loss, double beta, int width, TrainingSettings settings) =>
        Train(data, loss, beta, Initialise(width, data.D, settings.Seed, settings.InitScale), settings);

    /// <summary>Trains from a given network.</summary>
    public static TrainingResult Train(Dataset data, Loss loss, double beta, Network initial, TrainingSettings settings)
    {
        Guard.PositiveBeta(beta);
        loss.ValidateTargets(data.Y, data.Source);
        InvalidInputException.Require(initial.InputDim == data.D,
            $"network has input dimension {initial.InputDim} but the data has d = {data.D}");
        InvalidInputException.Require(settings.MaxIterations >= 0, "the iteration budget must be ≥ 0");
        var run = new Run(data, loss, beta, initial.Width, settings);
        return run.Execute(initial);
    }

    /// <summary>State of one run: the flat parameter vector θ = (U row-major, α).</summary>
    private sealed class Run(Dataset data, Loss loss, double beta, int width, TrainingSettings settings)
    {
        private readonly int _d = data.D;
        private readonly double _xNorm = data.X.L2Norm();
        private readonly List<double> _history = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public TrainingResult Execute(Network initial)
        {
            var theta = Flatten(initial);
            var (f, grad, loss0) = Evaluate(theta);
            _history.Add(f);
            var status = TrainingStatus.MaxIterations;
            int it = 0;
            var state = new OptimizerState(theta.Count, settings);
            var lastFinite = theta.Clone();
            while (true)
            {
                if (!double.IsFinite(f) || grad.Exists(g => !double.IsFinite(g)))
                {
                    status = TrainingStatus.Diverged;
                    lastFinite.CopyTo(theta);
                    break;
                }
                theta.CopyTo(lastFinite);
                if (IsStationary(theta, grad, loss0, it)) { status = TrainingStatus.Stationary; break; }
                if (it >= settings.MaxIterations) break;
                bool moved = settings.Optimizer switch
                {
                    OptimizerKind.Adam => AdamStep(state, theta, grad, it),
                    OptimizerKind.GradientDescent => DescentStep(state, theta, -grad, ref f, ref grad, ref loss0, allowGrowth: true)
                        || KinkStep(state, theta, ref f, ref grad, ref loss0),
                    _ => LbfgsStep(state, theta, ref f, ref grad, ref loss0),
                };
                it++;
                if (settings.Optimizer == OptimizerKind.Adam) (f, grad, loss0) = Evaluate(theta);
                _history.Add(f);
                if (!moved) { status = TrainingStatus.Stalled; break; }
                if (settings.Log is { } log && settings.LogEvery > 0 && it % settings.LogEvery == 0)
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {settings.Optimizer} it {it,7}  L = {f:G12}  |g| = {grad.L2Norm():G3}  ({_clock.Elapsed.TotalSeconds:F1} s)"));
            }
            var net = Unflatten(theta);
            var report = Stationarity.Measure(net, data, loss, beta, settings.Stationarity);
            f = NetworkObjective.Value(net, data, loss, beta);
            if (status == TrainingStatus.Stalled && report.IsStationary) status = TrainingStatus.Stationary;
            settings.Log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {settings.Optimizer} stopped: {status} after {it} iterations, L = {f:G12}, stationarity {report.Measure:G3} (threshold {report.Threshold:G3})"));
            return new TrainingResult(net, status, it, f, report,
                _clock.Elapsed.TotalSeconds, _history, settings.Optimizer, settings.Seed);
        }

        private bool IsStationary(Vector<double> theta, Vector<double> grad, double gradLossNorm, int it)
        {
            double threshold = settings.Stationarity.At(theta.L2Norm() * (beta + _xNorm * gradLossNorm));
            if (grad.L2Norm() <= threshold) return true;
            if (settings.CheckEvery <= 0 || it % settings.CheckEvery != 0) return false;
            return Stationarity.Measure(Unflatten(theta), data, loss, beta, settings.Stationarity).IsStationary;
        }

        private bool AdamStep(OptimizerState s, Vector<double> theta, Vector<double> grad, int it)
        {
            double b1 = settings.AdamBeta1, b2 = settings.AdamBeta2;
            double c1 = 1 - Math.Pow(b1, it + 1), c2 = 1 - Math.Pow(b2, it + 1);
            double rate = settings.FinalLearningRate is { } final && settings.MaxIterations > 0
                ? settings.LearningRate * Math.Pow(final / settings.LearningRate, (double)it / settings.MaxIterations)
                : settings.LearningRate;
            for (int k = 0; k < theta.Count; k++)
            {
                s.M[k] = b1 * s.M[k] + (1 - b1) * grad[k];
                s.V[k] = b2 * s.V[k] + (1 - b2) * grad[k] * grad[k];
                theta[k] -= rate * (s.M[k] / c1) / (Math.Sqrt(s.V[k] / c2) + settings.AdamEpsilon);
            }
            return true;
        }

        /// <summary>Armijo backtracking along a descent direction; updates θ, f, g in place. False when no step decreases f.</summary>
        private bool DescentStep(OptimizerState s, Vector<double> theta, Vector<double> direction,
            ref double f, ref Vector<double> grad, ref double gradLossNorm, bool allowGrowth)
        {
            double slope = grad.DotProduct(direction);
            if (!(slope < 0)) return false;
            double step = allowGrowth ? s.Step : 1.0;
            for (int tries = 0; tries < 60; tries++, step *= 0.5)
            {
                var trial = theta + step * direction;
                var (ft, gt, lt) = Evaluate(trial);
                if (double.IsFinite(ft) && ft <= f + 1e-4 * step * slope && ft < f)
                {
                    trial.CopyTo(theta);
                    f = ft; grad = gt; gradLossNorm = lt;
                    if (allowGrowth) s.Step = 2 * step;
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// At a kink the gradient with ReLU'(0) = 0 need not be a descent direction; the negative of the
        /// minimum-norm element of the Clarke set (THEORY.md §7) is, to first order, with slope −measure².
        /// </summary>
        private bool KinkStep(OptimizerState s, Vector<double> theta, ref double f, ref Vector<double> grad, ref double gradLossNorm)
        {
            var report = Stationarity.Measure(Unflatten(theta), data, loss, beta, settings.Stationarity);
            var direction = -Join(report.MinNormGradU, report.MinNormGradAlpha);
            double slope = -report.Measure * report.Measure;
            if (!(slope < 0)) return false;
            double step = Math.Max(s.Step, 1e-3);
            for (int tries = 0; tries < 80; tries++, step *= 0.5)
            {
                var trial = theta + step * direction;
                var (ft, gt, lt) = Evaluate(trial);
                if (double.IsFinite(ft) && ft <= f + 1e-4 * step * slope && ft < f)
                {
                    trial.CopyTo(theta);
                    f = ft; grad = gt; gradLossNorm = lt;
                    return true;
                }
            }
            return false;
        }

        private bool LbfgsStep(OptimizerState s, Vector<double> theta, ref double f, ref Vector<double> grad, ref double gradLossNorm)
        {
            var direction = s.Pairs.Count == 0 ? -grad * Math.Min(1.0, 1.0 / Math.Max(grad.L2Norm(), 1e-300)) : TwoLoop(s, grad);
            var oldTheta = theta.Clone();
            var oldGrad = grad;
            if (!DescentStep(s, theta, direction, ref f, ref grad, ref gradLossNorm, allowGrowth: false))
            {
                s.Pairs.Clear(); // a stale curvature model or a kink: retry along the minimum-norm Clarke element
                if (!KinkStep(s, theta, ref f, ref grad, ref gradLossNorm)) return false;
                return true;
            }
            var sk = theta - oldTheta;
            var yk = grad - oldGrad;
            double sy = sk.DotProduct(yk);
            if (sy > 1e-12 * sk.L2Norm() * yk.L2Norm())
            {
                s.Pairs.Add((sk, yk, 1 / sy));
                if (s.Pairs.Count > settings.LbfgsMemory) s.Pairs.RemoveAt(0);
            }
            return true;
        }

        private static Vector<double> TwoLoop(OptimizerState s, Vector<double> grad)
        {
            var q = grad.Clone();
            var alphas = new double[s.Pairs.Count];
            for (int i = s.Pairs.Count - 1; i >= 0; i--)
            {
                var (sk, yk, rho) = s.Pairs[i];
                alphas[i] = rho * sk.DotProduct(q);
                q -= alphas[i] * yk;
            }
            var (sl, yl, _) = s.Pairs[^1];
            q *= sl.DotProduct(yl) / yl.DotProduct(yl);
            for (int i = 0; i < s.Pairs.Count; i++)
            {
                var (sk, yk, rho) = s.Pairs[i];
                double beta = rho * yk.DotProduct(q);
                q += (alphas[i] - beta) * sk;
            }
            return -q;
        }

        private (double Value, Vector<double> Grad, double GradLossNorm) Evaluate(Vector<double> theta)
        {
            var (u, a) = Split(theta);
            var (value, gu, ga, lossGradient) = ObjectiveGradient.EvaluateWithLossGradient(data, loss, beta, u, a);
            return (value, Join(gu, ga), lossGradient.L2Norm());
        }

        private Vector<double> Flatten(Network n) => Join(n.U, n.Alpha);

        private Vector<double> Join(Matrix<double> u, Vector<double> a)
        {
            var v = Vector<double>.Build.Dense(width * (_d + 1));
            for (int i = 0; i < width; i++)
                for (int k = 0; k < _d; k++) v[i * _d + k] = u[i, k];
            for (int i = 0; i < width; i++) v[width * _d + i] = a[i];
            return v;
        }

        private (Matrix<double> U, Vector<double> Alpha) Split(Vector<double> theta) =>
            (Matrix<double>.Build.Dense(width, _d, (i, k) => theta[i * _d + k]),
             Vector<double>.Build.Dense(width, i => theta[width * _d + i]));

        private Network Unflatten(Vector<double> theta)
        {
            var (u, a) = Split(theta);
            return Network.Create(u, a, "trained network");
        }
    }

    private sealed class OptimizerState(int size, TrainingSettings settings)
    {
        public readonly double[] M = new double[size];
        public readonly double[] V = new double[size];
        public readonly List<(Vector<double> S, Vector<double> Y, double Rho)> Pairs = [];
        public double Step = settings.LearningRate;
    }
}
