using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>The generalised gradient and the Clarke stationarity measure of THEORY.md §7.</summary>
public class StationarityTests
{
    private static readonly Tolerance FiniteDifference = new(1e-7, 1e-6);

    private static Dataset RandomData(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => Gauss(rng)).ToArray()).ToArray();
        return Dataset.Create(rows, Enumerable.Range(0, n).Select(_ => Gauss(rng)).ToArray(), $"random(n={n},d={d},seed={seed})");
    }

    private static double Gauss(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void GradientMatchesCentralDifferencesAwayFromKinks()
    {
        var data = RandomData(7, 3, 1);
        var loss = new SquaredLoss(0.7);
        double beta = 0.13;
        var net = Trainer.Initialise(4, 3, 5);
        var (value, gu, ga) = ObjectiveGradient.Evaluate(net, data, loss, beta);
        Assert.True(Tolerances.Objective.Agree(value, NetworkObjective.Value(net, data, loss, beta)));
        const double h = 1e-6;
        for (int i = 0; i < net.Width; i++)
        {
            for (int k = 0; k < net.InputDim; k++)
            {
                double fd = (Shift(net, i, k, h, data, loss, beta) - Shift(net, i, k, -h, data, loss, beta)) / (2 * h);
                Assert.True(FiniteDifference.Agree(fd, gu[i, k]), $"dL/du[{i},{k}]: analytic {gu[i, k]} vs central difference {fd} (tolerance {FiniteDifference})");
            }
            double fa = (ShiftAlpha(net, i, h, data, loss, beta) - ShiftAlpha(net, i, -h, data, loss, beta)) / (2 * h);
            Assert.True(FiniteDifference.Agree(fa, ga[i]), $"dL/dalpha[{i}]: analytic {ga[i]} vs central difference {fa} (tolerance {FiniteDifference})");
        }
    }

    [Fact]
    public void AwayFromKinksTheMeasureIsTheGradientNorm()
    {
        var data = RandomData(9, 2, 2);
        var loss = new LogisticLoss();
        var signs = data.Y.Map(y => y >= 0 ? 1.0 : -1.0);
        data = data.WithTargets(signs);
        var net = Trainer.Initialise(5, 2, 3);
        var report = Stationarity.Measure(net, data, loss, 0.2);
        Assert.Equal(0, report.KinkRows);
        var (_, gu, ga) = ObjectiveGradient.Evaluate(net, data, loss, 0.2);
        double norm = Math.Sqrt(ObjectiveGradientNormSquared(gu, ga));
        Assert.True(Tolerances.Objective.Agree(norm, report.Measure), $"measure {report.Measure} vs gradient norm {norm} (tolerance {Tolerances.Objective})");
        Assert.Equal(5, report.Neurons.Count);
    }

    [Fact]
    public void ZeroNetworkIsStationary()
    {
        var data = RandomData(6, 3, 4);
        var net = Network.Create(Matrix<double>.Build.Dense(3, 3), Vector<double>.Build.Dense(3));
        var report = Stationarity.Measure(net, data, new SquaredLoss(), 0.5);
        Assert.Equal(0.0, report.Measure);
        Assert.True(report.IsStationary);
        Assert.Equal(18, report.KinkRows); // u = 0: every row is a kink of every neuron
    }

    /// <summary>
    /// The u-part of the Clarke measure of one neuron (u, α) under squared loss when row 0 is its only kink (THEORY.md §7):
    /// its coefficient c ∈ [0, 1] is free, so min ‖a + c b‖ = ‖a + clamp(−a·b/‖b‖², 0, 1) b‖, with a = βu plus the
    /// active rows' terms and b = row 0's term.
    /// </summary>
    internal static (double UPartial, double C) ClosedFormOneKink(Matrix<double> x, Vector<double> y, Vector<double> u, double alpha, double beta)
    {
        var g = new SquaredLoss().Gradient(Network.FromNeurons([(u, alpha)], u.Count).Predict(x), y);
        var a = u * beta;
        for (int j = 1; j < x.RowCount; j++)
            if (x.Row(j).DotProduct(u) > 0) a += x.Row(j) * (alpha * g[j]);
        var b = x.Row(0) * (alpha * g[0]);
        double c = Math.Clamp(-a.DotProduct(b) / b.DotProduct(b), 0, 1);
        return ((a + c * b).L2Norm(), c);
    }

    [Fact]
    public void OneKinkRowMatchesTheClosedFormClamp()
    {
        // Row 0 is orthogonal to u, so its coefficient is free in [0, 1]: min ‖a + c b‖ = clamp(−a·b/‖b‖², 0, 1).
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, -1 }, { 1, 2 }, { 2, 1 }, { -1, 0.5 } });
        var y = Vector<double>.Build.DenseOfArray([3.0, 1.0, -0.5, 0.2]);
        var data = Dataset.Create(x, y);
        var u = Vector<double>.Build.DenseOfArray([1.0, 1.0]);
        double alpha = 0.8, beta = 0.3;
        var net = Network.FromNeurons([(u, alpha)], 2);
        var loss = new SquaredLoss();
        var (expectedU, c) = ClosedFormOneKink(x, y, u, alpha, beta);
        var report = Stationarity.Measure(net, data, loss, beta);
        Assert.Equal(1, report.KinkRows);
        Assert.True(Tolerances.Objective.Agree(expectedU, report.Neurons[0].UPartial),
            $"u-part {report.Neurons[0].UPartial} vs closed form {expectedU} (c = {c}, tolerance {Tolerances.Objective})");
        Assert.True(report.MeasureLowerBound <= report.Measure);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ManyKinkRowsMatchProjectedGradient(int seed)
    {
        // d = 3, u = e3, and 12 rows in the plane x_3 = 0: twelve free coefficients in R^3.
        var rng = new Random(seed);
        var rows = new List<double[]>();
        for (int j = 0; j < 12; j++) rows.Add([Gauss(rng), Gauss(rng), 0]);
        for (int j = 0; j < 5; j++) rows.Add([Gauss(rng), Gauss(rng), Gauss(rng)]);
        var data = Dataset.Create(rows.ToArray(), rows.Select(_ => 3 * Gauss(rng)).ToArray());
        var u = Vector<double>.Build.DenseOfArray([0, 0, 0.7]);
        double alpha = 1.3, beta = 0.05;
        var net = Network.FromNeurons([(u, alpha)], 3);
        var loss = new SquaredLoss();
        var report = Stationarity.Measure(net, data, loss, beta);
        Assert.Equal(12, report.KinkRows);

        var g = loss.Gradient(net.Predict(data.X), data.Y);
        var a = u * beta;
        for (int j = 12; j < rows.Count; j++)
            if (data.X.Row(j).DotProduct(u) > 0) a += data.X.Row(j) * (alpha * g[j]);
        var bm = Matrix<double>.Build.Dense(3, 12, (k, c) => alpha * g[c] * data.X[c, k]);
        double reference = ProjectedGradientMinNorm(a, bm);
        var neuron = report.Neurons[0];
        Assert.True(neuron.UPartial <= reference + 1e-9 * (1 + reference),
            $"zonotope min-norm {neuron.UPartial} above projected-gradient value {reference}");
        Assert.True(report.MeasureLowerBound <= report.Measure + 1e-15);
        Assert.True(Math.Abs(neuron.UPartial - reference) <= 1e-6 * (1 + a.L2Norm()),
            $"zonotope min-norm {neuron.UPartial} vs projected gradient {reference}");
        // The lower bound is Wolfe's x·p/‖x‖ at the end: a true lower bound on the minimum, and tight at convergence.
        double lowerU = Math.Sqrt(Math.Max(0, report.MeasureLowerBound * report.MeasureLowerBound - neuron.AlphaPartial * neuron.AlphaPartial));
        Assert.True(lowerU <= reference + 1e-9 * (1 + reference), $"lower bound {lowerU} above the projected-gradient minimum {reference}");
        Assert.True(lowerU >= reference - 1e-6 * (1 + a.L2Norm()), $"lower bound {lowerU} far below the minimum {reference}");
    }

    [Fact]
    public void ToleranceIsRelativeToTheGradientScale()
    {
        var data = RandomData(5, 2, 9);
        var net = Trainer.Initialise(3, 2, 1);
        var loss = new SquaredLoss();
        var report = Stationarity.Measure(net, data, loss, 0.1, new Tolerance(0, 1e-3));
        double scale = Stationarity.GradientScale(net, data, loss, 0.1);
        Assert.True(Tolerances.Objective.Agree(scale, report.Scale));
        Assert.True(Tolerances.Objective.Agree(1e-3 * scale, report.Threshold));
        Assert.Equal(report.Measure <= report.Threshold, report.IsStationary);
    }

    [Fact]
    public void ALargerKinkRadiusNeverIncreasesTheMeasure()
    {
        // Enlarging the kink set only enlarges the set of admissible coefficients (a Goldstein radius).
        var data = RandomData(12, 2, 11);
        var net = Trainer.Train(data, new SquaredLoss(), 0.05, 4, new TrainingSettings { Seed = 2, MaxIterations = 400 }).Network;
        double previous = double.PositiveInfinity;
        foreach (var radius in new[] { 0.0, 1e-8, 1e-4, 1e-2, 1e-1 })
        {
            var report = Stationarity.Measure(net, data, new SquaredLoss(), 0.05, Tolerances.Stationarity, new Tolerance(0, radius));
            Assert.True(report.Measure <= previous * (1 + 1e-12) + 1e-15, $"kink radius {radius}: measure {report.Measure} above {previous}");
            previous = report.Measure;
        }
    }

    private static double ProjectedGradientMinNorm(Vector<double> a, Matrix<double> b)
    {
        var c = Vector<double>.Build.Dense(b.ColumnCount, 0.5);
        double lip = Math.Pow(b.L2Norm(), 2);
        var yv = c.Clone();
        double t = 1;
        for (int it = 0; it < 200_000; it++)
        {
            var grad = b.TransposeThisAndMultiply(a + b * yv);
            var next = (yv - grad / lip).Map(v => Math.Clamp(v, 0, 1));
            double tn = 0.5 * (1 + Math.Sqrt(1 + 4 * t * t));
            yv = next + (next - c) * ((t - 1) / tn);
            c = next; t = tn;
        }
        return (a + b * c).L2Norm();
    }

    private static double ObjectiveGradientNormSquared(Matrix<double> gu, Vector<double> ga)
    {
        double s = ga.DotProduct(ga);
        foreach (var e in gu.Enumerate()) s += e * e;
        return s;
    }

    private static double Shift(Network net, int i, int k, double h, Dataset data, Loss loss, double beta)
    {
        var u = net.U.Clone();
        u[i, k] += h;
        return NetworkObjective.Value(Network.Create(u, net.Alpha), data, loss, beta);
    }

    private static double ShiftAlpha(Network net, int i, double h, Dataset data, Loss loss, double beta)
    {
        var a = net.Alpha.Clone();
        a[i] += h;
        return NetworkObjective.Value(Network.Create(net.U, a), data, loss, beta);
    }

    /// <summary>
    /// A neuron trained to u = 0, α = 8.5e-168 (regression t4a-share-underflow-trained-to-zero): its share is |∂L/∂α| = β|α|
    /// ≈ 2.9e-168, whose square underflows; the share and the stacked measure must not vanish.
    /// </summary>
    [Fact]
    public void TheShareOfANeuronBelowTheSquaringRangeDoesNotUnderflow()
    {
        var data = Dataset.Create([[1.0]], [0.0], "one row");
        double alpha = 8.479151723804770e-168, beta = 0.3375;
        var net = Network.Create(Matrix<double>.Build.Dense(1, 1), Vector<double>.Build.Dense([alpha]));
        var report = Stationarity.Measure(net, data, new SquaredLoss(), beta);
        Assert.Equal(beta * alpha, report.Neurons[0].Norm, beta * alpha * 1e-15);
        Assert.Equal(beta * alpha, report.Measure, beta * alpha * 1e-15);
        Assert.False(report.IsStationary, $"measure {report.Measure:G3} against threshold {report.Threshold:G3}");
    }
}
