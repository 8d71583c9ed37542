using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Networks.NetworkAsserts;

namespace HiddenConvex.Core.Tests.Networks;

public class NeuronOpsTests
{
    [Fact]
    public void Slots_group_active_neurons_by_pattern_and_sign()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([
            (V(1, 2), 1.0), (V(0, 0), 0.0), (V(3, 1), -2.0), (V(2, 2), 0.5), (V(-1, 1), 1.0), (V(0, 0), 4.0),
        ], 2);
        var slots = NeuronOps.Slots(net, data, patterns);
        var map = slots.ToDictionary(s => s.Block, s => s.Neurons.ToArray());
        Assert.Equal(3, slots.Count);
        Assert.Equal([0, 3], map[new Block(P("11"), 1)]);
        Assert.Equal([2], map[new Block(P("11"), -1)]);
        Assert.Equal([4], map[new Block(P("01"), 1)]);
    }

    [Fact]
    public void Balance_hand_example()
    {
        var net = Network.FromNeurons([(V(3, 4), 20.0), (V(1, 0), 0.0), (V(0, 0), -2.0), (V(0.5, 0), -0.125)], 2);
        var b = NeuronOps.Balance(net);
        // κ = √(20/5) = 2: (6, 8), α = 10.
        SameVector(V(6, 8), b.U.Row(0), Tolerances.Objective, "u_0");
        Close(10, b.Alpha[0], Tolerances.Objective, "α_0");
        // One of u, α zero: the zero neuron.
        Assert.Equal(0, b.U.Row(1).L2Norm()); Assert.Equal(0.0, b.Alpha[1]);
        Assert.Equal(0, b.U.Row(2).L2Norm()); Assert.Equal(0.0, b.Alpha[2]);
        // κ = √(0.125/0.5) = 0.5: (0.25, 0), α = −0.25.
        SameVector(V(0.25, 0), b.U.Row(3), Tolerances.Objective, "u_3");
        Close(-0.25, b.Alpha[3], Tolerances.Objective, "α_3");
        Assert.True(NeuronOps.IsScaled(b), NeuronOps.WhyNotScaled(b));
        Assert.Equal(net.Width, b.Width);
    }

    [Theory]
    [InlineData("squared", 1)]
    [InlineData("logistic", 2)]
    public void Balance_keeps_prediction_and_does_not_increase_the_objective(string kind, int seed)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 6, 3, labels: kind == "logistic");
        var loss = Loss.Parse(kind);
        for (int trial = 0; trial < 20; trial++)
        {
            var net = Network.FromNeurons(RandomNetwork(rng, 5, 3).Neurons()
                .Select((n, k) => k == 0 ? (n.U * 0, n.Alpha) : k == 1 ? (n.U, 0.0) : (n.U * Math.Exp(3 * TestPatterns.Normal(rng)), n.Alpha)), 3);
            var b = NeuronOps.Balance(net);
            Assert.True(NeuronOps.IsScaled(b), NeuronOps.WhyNotScaled(b));
            SamePrediction(net.Predict(data.X), b.Predict(data.X), "balancing keeps f_θ");
            double before = NetworkObjective.Value(net, data, loss, 0.3), after = NetworkObjective.Value(b, data, loss, 0.3);
            Assert.True(Tolerances.Objective.AtMost(after, before), $"balancing raised L_β from {before:R} to {after:R}");
            // A second balance changes nothing.
            var again = NeuronOps.Balance(b);
            for (int i = 0; i < b.Width; i++) SameVector(b.U.Row(i), again.U.Row(i), Tolerances.Objective, $"re-balanced u_{i}");
        }
    }

    [Fact]
    public void Split_hand_example_replaces_in_place_and_appends()
    {
        var net = Network.FromNeurons([(V(1, 1), 1.0), (V(2, 0), 4.0), (V(0, 1), -1.0)], 2);
        var s = NeuronOps.Split(net, 1, [0.25, 0.75]);
        Assert.Equal(4, s.Width);
        SameVector(V(1, 0), s.U.Row(1), Tolerances.Objective, "first piece u");
        Close(2, s.Alpha[1], Tolerances.Objective, "first piece α");
        SameVector(V(Math.Sqrt(3), 0), s.U.Row(3), Tolerances.Objective, "appended piece u");
        Close(2 * Math.Sqrt(3), s.Alpha[3], Tolerances.Objective, "appended piece α");
        Assert.Equal(-1.0, s.Alpha[2]);
        Assert.Equal(1.0, s.Alpha[0]);
    }

    [Theory]
    [InlineData("squared", 3)]
    [InlineData("logistic", 4)]
    public void Split_keeps_prediction_objective_and_phi_S1(string kind, int seed)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 6, 2, labels: kind == "logistic");
        var patterns = TestPatterns.Exact(data.X);
        var problem = new ConvexProblem(data, Loss.Parse(kind), 0.25, patterns);
        for (int trial = 0; trial < 20; trial++)
        {
            var net = RandomNetwork(rng, 4, 2); // any neuron, not only scaled ones
            var raw = Enumerable.Range(0, 1 + trial % 4).Select(_ => rng.NextDouble()).ToArray();
            var gammas = raw.Select(g => g / raw.Sum()).ToArray();
            var split = NeuronOps.Split(net, trial % 4, gammas);
            Assert.Equal(net.Width + gammas.Length - 1, split.Width);
            SamePrediction(net.Predict(data.X), split.Predict(data.X), "splitting keeps f_θ");
            Close(NetworkObjective.Value(net, problem), NetworkObjective.Value(split, problem), Tolerances.Objective, "splitting keeps L_β");
            SameBlocks(Maps.Phi(net, data, patterns), Maps.Phi(split, data, patterns), Tolerances.Objective, "φ(split θ) vs φ(θ)");
        }
    }

    [Fact]
    public void Split_allows_zero_weights_and_renormalises_rounding()
    {
        var net = Network.FromNeurons([(V(2, 0), 4.0)], 2);
        var s = NeuronOps.Split(net, 0, [0.0, 1.0 / 3, 1.0 / 3, 1.0 / 3]);
        Assert.Equal(0.0, s.Alpha[0]);
        Close(16, s.Alpha.Sum(a => a * a), Tolerances.Objective, "Σ α² kept");
    }

    [Fact]
    public void Split_rejects_bad_weights_and_index()
    {
        var net = Network.FromNeurons([(V(2, 0), 4.0)], 2);
        Assert.Contains("γ[1] = -0.5", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 0, [1.5, -0.5])).Message);
        Assert.Contains("sum to", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 0, [0.5, 0.4])).Message);
        Assert.Contains("sum to", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 0, [0.5, 0.5 + 1e-9])).Message);
        Assert.Contains("γ[0] = NaN", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 0, [double.NaN])).Message);
        Assert.Contains("at least one", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 0, [])).Message);
        Assert.Contains("neuron 1", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 1, [1.0])).Message);
        Assert.Contains("neuron -1", Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, -1, [1.0])).Message);
    }

    [Fact]
    public void IsScaled_tolerance_and_zero_conventions()
    {
        double inside = 0.5 * Tolerances.Balance.At(1), outside = 2 * Tolerances.Balance.At(1);
        Assert.True(NeuronOps.IsScaled(Network.FromNeurons([(V(0.6, 0.8), 1 + inside)], 2)));
        Assert.False(NeuronOps.IsScaled(Network.FromNeurons([(V(0.6, 0.8), -(1 + outside))], 2)));
        // Relative part: at magnitude 1e6 the allowance is ~1e-2.
        Assert.True(NeuronOps.IsScaled(Network.FromNeurons([(V(1e6, 0), 1e6 + 5e-3)], 2)));
        Assert.False(NeuronOps.IsScaled(Network.FromNeurons([(V(1e6, 0), 1e6 + 2e-2)], 2)));
        // Zero neurons are scaled; exactly one of u, α zero is not, however small the other.
        Assert.True(NeuronOps.IsScaled(Network.FromNeurons([(V(0, 0), 0.0)], 2)));
        Assert.True(NeuronOps.IsScaled(Network.Empty(2)));
        Assert.False(NeuronOps.IsScaled(Network.FromNeurons([(V(1e-20, 0), 0.0)], 2)));
        Assert.False(NeuronOps.IsScaled(Network.FromNeurons([(V(0, 0), -1e-20)], 2)));
        Assert.Contains("neuron 1", NeuronOps.WhyNotScaled(Network.FromNeurons([(V(1, 0), 1.0), (V(0, 0), 1e-20)], 2)));
    }

    [Fact]
    public void Minimal_and_nearly_minimal_hand_examples()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        double r2 = Math.Sqrt(2);
        // Two scaled colinear neurons in slot (11, +), one in (00, −), and zero neurons.
        var colinear = Network.FromNeurons([(V(1, 1), r2), (V(0, 0), 0.0), (V(2, 2), 2 * r2), (V(-1, 0), -1.0)], 2);
        Assert.True(NeuronOps.IsNearlyMinimal(colinear, data, patterns), NeuronOps.WhyNotNearlyMinimal(colinear, data, patterns));
        Assert.False(NeuronOps.IsMinimal(colinear, data, patterns));
        Assert.Contains("slot (11, +) holds 2 neurons (0, 2)", NeuronOps.WhyNotMinimal(colinear, data, patterns));

        // Same slot, not colinear.
        var spread = Network.FromNeurons([(V(1, 1), r2), (V(2, 1), Math.Sqrt(5))], 2);
        Assert.False(NeuronOps.IsNearlyMinimal(spread, data, patterns));
        Assert.Contains("slot (11, +): neurons 0 and 1 are not colinear", NeuronOps.WhyNotNearlyMinimal(spread, data, patterns));

        // Opposite signs are different slots: minimal.
        var signs = Network.FromNeurons([(V(1, 1), r2), (V(2, 1), -Math.Sqrt(5)), (V(0, 0), 0.0)], 2);
        Assert.True(NeuronOps.IsMinimal(signs, data, patterns), NeuronOps.WhyNotMinimal(signs, data, patterns));

        // Not scaled: neither.
        var unscaled = Network.FromNeurons([(V(1, 1), 1.0)], 2);
        Assert.False(NeuronOps.IsMinimal(unscaled, data, patterns));
        Assert.False(NeuronOps.IsNearlyMinimal(unscaled, data, patterns));
        Assert.StartsWith("not scaled", NeuronOps.WhyNotNearlyMinimal(unscaled, data, patterns));
    }

    [Fact]
    public void Colinearity_uses_the_named_tolerance()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        double limit = Tolerances.Colinearity.At(1);
        // 1 − cos θ ≈ θ²/2: angles just inside and just outside the limit.
        double inside = Math.Sqrt(2 * limit) * 0.7, outside = Math.Sqrt(2 * limit) * 1.4;
        Network Pair(double angle) => Network.FromNeurons([
            (V(Math.Cos(0.6), Math.Sin(0.6)), 1.0), (V(Math.Cos(0.6 + angle), Math.Sin(0.6 + angle)), 1.0)], 2);
        Assert.True(NeuronOps.IsNearlyMinimal(Pair(inside), data, patterns));
        Assert.False(NeuronOps.IsNearlyMinimal(Pair(outside), data, patterns));
        // An explicit bound (as for ε-stationary networks) replaces the default.
        Assert.Null(NeuronOps.WhyNotNearlyMinimal(Pair(0.01), data, patterns, 1e-4));
        Assert.Contains("> 1E-05", NeuronOps.WhyNotNearlyMinimal(Pair(0.01), data, patterns, 1e-5));
    }

    [Fact]
    public void Minimalise_hand_example()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        double r2 = Math.Sqrt(2);
        var net = Network.FromNeurons([(V(1, 1), r2), (V(0, 0), 0.0), (V(2, 2), 2 * r2), (V(-1, 0), -1.0), (V(3, 0), 0.0)], 2);
        // Slot (11, +): w = √2(1,1) + 2√2(2,2) = 5√2 (1,1), ‖w‖ = 10 → u = w/√10 = √5 (1,1), α = √10.
        var m = NeuronOps.Minimalise(net, data, patterns);
        Assert.Equal(2, m.Width);
        var loss = new SquaredLoss();
        SameNeuronsUpToOrder(Network.FromNeurons([(V(Math.Sqrt(5), Math.Sqrt(5)), Math.Sqrt(10)), (V(-1, 0), -1.0)], 2), m, Tolerances.Objective, "minimalised");
        Assert.True(NeuronOps.IsMinimal(m, data, patterns));
        SamePrediction(net.Predict(data.X), m.Predict(data.X), "minimalisation keeps f_θ");
        // θ carries an unscaled neuron ((3, 0), 0) whose penalty β/2·9 is dropped; without it θ is nearly minimal and L_β is kept.
        Close(NetworkObjective.Value(net, data, loss, 0.7) - 0.35 * 9, NetworkObjective.Value(m, data, loss, 0.7), Tolerances.Objective,
            "minimalisation drops the unscaled neuron's penalty");
        var nearly = Network.FromNeurons(net.Neurons().Take(4), 2);
        Assert.True(NeuronOps.IsNearlyMinimal(nearly, data, patterns));
        Close(NetworkObjective.Value(nearly, data, loss, 0.7), NetworkObjective.Value(NeuronOps.Minimalise(nearly, data, patterns), data, loss, 0.7),
            Tolerances.Objective, "minimalising a nearly minimal θ keeps L_β");
    }

    [Theory]
    [InlineData("squared", 5)]
    [InlineData("logistic", 6)]
    public void Minimalise_gives_minimal_networks_with_the_same_prediction_and_no_larger_objective(string kind, int seed)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 7, 2, labels: kind == "logistic");
        var patterns = TestPatterns.Exact(data.X);
        var problem = new ConvexProblem(data, Loss.Parse(kind), 0.3, patterns);
        for (int trial = 0; trial < 20; trial++)
        {
            var net = RandomNetwork(rng, 3 + trial % 10, 2).PadWithZeros(trial % 2);
            var m = NeuronOps.Minimalise(net, data, patterns);
            Assert.True(NeuronOps.IsMinimal(m, data, patterns), NeuronOps.WhyNotMinimal(m, data, patterns));
            Assert.True(m.Width <= NeuronOps.Slots(net, data, patterns).Count);
            SamePrediction(net.Predict(data.X), m.Predict(data.X), "minimalisation keeps f_θ");
            double before = NetworkObjective.Value(net, problem), after = NetworkObjective.Value(m, problem);
            Assert.True(Tolerances.Objective.AtMost(after, before), $"minimalisation raised L_β from {before:R} to {after:R}");
            Close(problem.Objective(Maps.Phi(net, data, patterns)), after, Tolerances.Objective, "L_β(minimalised) vs L^c_β(φ(θ))");
            // Minimalising again changes nothing.
            SameNeuronsUpToOrder(m, NeuronOps.Minimalise(m, data, patterns), Tolerances.Objective, "minimalise twice");
        }
    }

    [Fact]
    public void Minimalise_of_only_zero_neurons_is_the_empty_network()
    {
        var data = Identity2();
        var m = NeuronOps.Minimalise(Network.FromNeurons([(V(0, 0), 0.0), (V(1, 0), 0.0)], 2), data, TestPatterns.Exact(data.X));
        Assert.Equal(0, m.Width);
        Assert.Equal(2, m.InputDim);
    }
}
