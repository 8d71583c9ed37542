using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Networks.NetworkAsserts;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>
/// The parts of the stationarity report of THEORY.md §7 besides the measure itself: the per-neuron shares,
/// the minimum-norm element, the lower bound, the threshold and the kink rule.
/// </summary>
public class StationarityReportTests
{
    private static readonly Tolerance Tight = Tolerances.Objective;

    private static double Stacked(Matrix<double> gu, Vector<double> ga)
    {
        double s = ga.DotProduct(ga);
        foreach (var e in gu.Enumerate()) s += e * e;
        return Math.Sqrt(s);
    }

    [Fact]
    public void Away_from_kinks_the_element_is_the_gradient_and_the_lower_bound_is_exact()
    {
        var rng = new Random(5);
        var data = TestPatterns.Data(rng, 8, 3);
        var net = Trainer.Initialise(4, 3, 7);
        var loss = new SquaredLoss(0.8);
        var report = Stationarity.Measure(net, data, loss, 0.15);
        Assert.Equal(0, report.KinkRows);
        var (_, gu, ga) = ObjectiveGradient.Evaluate(net, data, loss, 0.15);
        for (int i = 0; i < net.Width; i++)
        {
            SameVector(gu.Row(i), report.MinNormGradU.Row(i), Tight, $"∂L/∂u_{i}");
            Close(ga[i], report.MinNormGradAlpha[i], Tight, $"∂L/∂α_{i}");
            Close(Math.Abs(ga[i]), report.Neurons[i].AlphaPartial, Tight, $"|∂L/∂α_{i}|");
            Close(gu.Row(i).L2Norm(), report.Neurons[i].UPartial, Tight, $"‖∂L/∂u_{i}‖");
        }
        // No kink coefficient to choose: the Clarke set is the gradient, so the bounds coincide.
        Close(report.Measure, report.MeasureLowerBound, Tight, "lower bound without kinks");
    }

    [Fact]
    public void The_measure_stacks_the_neuron_shares_and_is_the_norm_of_the_reported_element()
    {
        // Neuron 0 sits on a kink (row 0 ⟂ u_0), so its share is a box-constrained minimum.
        var data = TestPatterns.Data(new double[,] { { 1, -1 }, { 1, 2 }, { 2, 1 }, { -1, 0.5 } }, [3, 1, -0.5, 0.2]);
        var net = Network.FromNeurons([(V(1, 1), 0.8), (V(-1, 0.3), -0.5), (V(0.2, 1), 1.7)], 2);
        var report = Stationarity.Measure(net, data, new SquaredLoss(), 0.3);
        Assert.Equal(1, report.Neurons[0].KinkRows);
        Assert.Equal(1, report.KinkRows);
        Close(report.Measure, Math.Sqrt(report.Neurons.Sum(n => n.Norm * n.Norm)), Tight, "measure vs Σ shares²");
        Close(report.Measure, Stacked(report.MinNormGradU, report.MinNormGradAlpha), Tight, "measure vs ‖element‖");
        foreach (var n in report.Neurons)
            Close(Math.Sqrt(n.AlphaPartial * n.AlphaPartial + n.UPartial * n.UPartial), n.Norm, Tight, $"share of neuron {n.Index}");
        var worst = report.Neurons.OrderByDescending(n => n.Norm).First();
        Assert.Same(worst, report.Worst);
        Close(report.Measure / report.Scale, report.RelativeMeasure, Tight, "relative measure");
    }

    [Fact]
    public void Share_of_a_neuron_is_the_euclidean_norm_of_its_partials()
    {
        Assert.Equal(5.0, new NeuronStationarity(0, 3, 4, 0).Norm);
        Assert.Equal(5.0, new NeuronStationarity(0, -3, 4, 0).Norm);
    }

    [Fact]
    public void The_empty_network_has_no_worst_neuron_and_the_zero_network_is_stationary_at_zero_tolerance()
    {
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 } }, [1, -1]);
        var empty = Stationarity.Measure(Network.Empty(2), data, new SquaredLoss(), 0.5);
        Assert.Null(empty.Worst);
        Assert.Equal(0.0, empty.Measure);
        // θ = 0 is Clarke-stationary: ∂L/∂α = σ(0)·∇ℓ = 0 and c = 0 on the kinks gives ∂L/∂u = 0, exactly.
        var zero = Network.FromNeurons([(V(0, 0), 0.0)], 2);
        var report = Stationarity.Measure(zero, data, new SquaredLoss(), 0.5, new Tolerance(0, 0));
        Assert.Equal(0.0, report.Threshold);
        Assert.True(report.IsStationary, $"measure {report.Measure} at threshold 0");
    }

    [Fact]
    public void Kink_rows_are_judged_relative_to_the_norms_of_the_row_and_of_u()
    {
        // x_0·u / (‖x_0‖‖u‖) = 5e-9 ≤ Tolerances.Kink: a kink at every scale of the neuron; rescaling
        // (u, α) → (cu, α/c) changes neither f_θ nor which rows are kinks.
        var u = V(1, 1);
        var x0 = V(1, -1) + u * 5e-9;
        var data = Dataset.Create(Matrix<double>.Build.DenseOfRowVectors(x0, V(1, 2), V(2, 1), V(-1, 0.5)), V(3, 1, -0.5, 0.2));
        Assert.True(Math.Abs(x0.DotProduct(u)) / (x0.L2Norm() * u.L2Norm()) < Tolerances.Kink.At(1));
        foreach (double c in new[] { 1e-3, 1.0, 1e3 })
        {
            var report = Stationarity.Measure(Network.FromNeurons([(u * c, 0.8 / c)], 2), data, new SquaredLoss(), 0.3);
            Assert.True(report.KinkRows == 1, $"scale {c}: {report.KinkRows} kink rows, expected 1 (tolerance {Tolerances.Kink})");
        }
    }

    [Fact]
    public void A_kink_row_on_the_active_side_enters_only_through_its_free_coefficient()
    {
        // As the exact kink (row 0 ⟂ u) but with x_0·u = +1e-10 inside the kink tolerance: c_0 is free in [0, 1],
        // the row is not also counted as active, and the u-part is the closed-form clamp.
        var u = V(1, 1);
        var x0 = V(1, -1 + 1e-10);
        var x = Matrix<double>.Build.DenseOfRowVectors(x0, V(1, 2), V(2, 1), V(-1, 0.5));
        var y = V(3, 1, -0.5, 0.2);
        double alpha = 0.8, beta = 0.3;
        var net = Network.FromNeurons([(u, alpha)], 2);
        var (expectedU, c) = StationarityTests.ClosedFormOneKink(x, y, u, alpha, beta);
        Assert.InRange(c, 1e-3, 1 - 1e-3); // an interior coefficient: counting the row as active too would move the minimum
        var report = Stationarity.Measure(net, Dataset.Create(x, y), new SquaredLoss(), beta);
        Assert.Equal(1, report.KinkRows);
        Close(expectedU, report.Neurons[0].UPartial, Tight, "u-part at a near-kink");
    }

    [Fact]
    public void Bad_beta_and_mismatched_dimensions_are_named()
    {
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 } }, [1, -1]);
        var net = Network.FromNeurons([(V(1, 0, 0), 1.0)], 3);
        var e = Assert.Throws<InvalidInputException>(() => Stationarity.Measure(net, data, new SquaredLoss(), 0.5));
        Assert.Contains("network has input dimension 3 but the data has d = 2", e.Message);
        Assert.Contains("beta", Assert.Throws<InvalidInputException>(() =>
            Stationarity.Measure(Network.FromNeurons([(V(1, 0), 1.0)], 2), data, new SquaredLoss(), -1)).Message);
    }

    [Fact]
    public void Default_tolerances_are_the_named_ones()
    {
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 } }, [1, -1]);
        var net = Network.FromNeurons([(V(1, 0.5), 1.0)], 2);
        Assert.Equal(Tolerances.Stationarity, Stationarity.Measure(net, data, new SquaredLoss(), 0.5).Tolerance);
        var custom = new Tolerance(0, 1e-3);
        Assert.Equal(custom, Stationarity.Measure(net, data, new SquaredLoss(), 0.5, custom).Tolerance);
    }

    [Fact]
    public void A_neuron_with_u_zero_and_alpha_nonzero_has_measure_beta_alpha_exactly()
    {
        // u = 0: σ(Xu) = 0, so ∂L/∂α = βα; every row is a kink and c = 0 gives ∂L/∂u = α Xᵀ(0 ⊙ ∇ℓ) + β·0 = 0 (THEORY.md §7).
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } }, [1, -1, 2]);
        var net = Network.FromNeurons([(V(0, 0), -1.5)], 2);
        var report = Stationarity.Measure(net, data, new SquaredLoss(), 0.4);
        Assert.Equal(3, report.KinkRows);
        Close(0.6, report.Measure, Tight, "measure = β|α|");
        Close(0.6, report.MeasureLowerBound, Tight, "lower bound = β|α|");
        Assert.Equal(0.0, report.Neurons[0].UPartial);
        Close(-0.6, report.MinNormGradAlpha[0], Tight, "∂L/∂α = βα");
    }
}
