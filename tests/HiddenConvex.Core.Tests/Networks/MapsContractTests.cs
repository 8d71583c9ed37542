using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using static HiddenConvex.Core.Tests.Networks.NetworkAsserts;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>
/// The contracts of the maps and neuron operations of THEORY.md §5 at their edges: the slot convention on
/// cell boundaries, exact renormalisation of splitting weights, and the messages that name what is wrong.
/// </summary>
public class MapsContractTests
{
    [Fact]
    public void Phi_on_a_boundary_keeps_the_own_pattern_when_it_is_in_S_even_if_a_neighbour_comes_first()
    {
        // X = I₂, u = (1, 0): x₂·u = 0, so s(u) = 11 (≥ convention, THEORY.md §2), which is a cell of S(X);
        // u also lies in the closed cone of 10. With 10 listed first, φ must still use s(u) = 11.
        var data = Identity2();
        var exact = TestPatterns.Exact(data.X);
        int i10 = exact.IndexOf(P("10"));
        var tenFirst = TestPatterns.Reordered(exact, new[] { i10 }.Concat(Enumerable.Range(0, exact.Count).Where(i => i != i10)));
        Assert.Equal(P("10"), tenFirst.Cells[0].Pattern);
        var net = Network.FromNeurons([(V(1, 0), 2.0)], 2);
        var b = Assert.Single(Maps.Phi(net, data, tenFirst).Blocks);
        Assert.Equal(new Block(P("11"), 1), b.Block);
        SameVector(V(2, 0), b.W, Tolerances.Objective, "w_(11,+)");
        Assert.Equal(P("11"), Maps.SlotPattern(data.X, V(1, 0), tenFirst));
    }

    [Fact]
    public void SlotPattern_outside_every_cone_says_the_set_does_not_cover_and_gives_the_tolerance()
    {
        var data = Identity2();
        var exact = TestPatterns.Exact(data.X);
        int i11 = exact.IndexOf(P("11"));
        var partial = TestPatterns.Reordered(exact, Enumerable.Range(0, exact.Count).Where(i => i != i11));
        var e = Assert.Throws<InvalidInputException>(() => Maps.SlotPattern(data.X, V(1, 1), partial));
        Assert.Contains("3 patterns", e.Message);
        Assert.Contains("does not cover R^d", e.Message);
        Assert.Contains(Tolerances.Cone.ToString(), e.Message);
    }

    [Fact]
    public void Null_arguments_are_rejected_as_such()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([(V(1, 0), 1.0)], 2);
        Assert.Throws<ArgumentNullException>(() => Maps.Psi(null!));
        Assert.Throws<ArgumentNullException>(() => Maps.Phi(null!, data, patterns));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.Slots(net, null!, patterns));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.Slots(net, data, null!));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.Balance(null!));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.Split(null!, 0, [1.0]));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.Split(net, 0, null!));
        Assert.Throws<ArgumentNullException>(() => NeuronOps.WhyNotScaled(null!));
    }

    [Fact]
    public void Slots_name_the_mismatch_of_network_data_and_pattern_set()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var wide = Network.FromNeurons([(V(1, 1, 1), 1.0)], 3);
        var e = Assert.Throws<InvalidInputException>(() => NeuronOps.Slots(wide, data, patterns));
        Assert.Contains("network has input dimension 3 but the data has d = 2", e.Message);

        var three = TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } }, [1, 2, 3]);
        var net = Network.FromNeurons([(V(1, 1), 1.0)], 2);
        e = Assert.Throws<InvalidInputException>(() => NeuronOps.Slots(net, three, patterns));
        Assert.Contains("pattern set is for n = 2 rows but the data has 3", e.Message);
    }

    [Fact]
    public void Split_out_of_range_names_the_valid_indices()
    {
        var net = Network.FromNeurons([(V(2, 0), 4.0), (V(0, 1), 1.0)], 2);
        var e = Assert.Throws<InvalidInputException>(() => NeuronOps.Split(net, 2, [1.0]));
        Assert.Contains("cannot split neuron 2: the network has 2 neurons (0..1)", e.Message);
    }

    [Fact]
    public void Split_renormalises_weights_inside_the_tolerance_so_the_penalty_is_kept_to_rounding()
    {
        // Σγ = 1 + δ with δ inside Tolerances.SplitWeights is accepted; dividing by the sum makes the pieces'
        // Σ(‖u‖² + α²) equal the neuron's to rounding, far below δ (THEORY.md §5: splitting keeps L_β exactly).
        double delta = 0.5 * Tolerances.SplitWeights.At(1);
        var net = Network.FromNeurons([(V(3, 4), 5.0)], 2);
        var s = NeuronOps.Split(net, 0, [0.5, 0.5 + delta]);
        double before = net.SquaredNorm(), after = s.SquaredNorm();
        Assert.True(Math.Abs(after - before) <= 1e-15 * before * 8,
            $"Σ(‖u‖² + α²) after splitting {after:R} vs {before:R}: off by {after - before:G3}, more than rounding (δ = {delta:G3})");
    }

    [Fact]
    public void WhyNotScaled_says_which_side_is_zero_and_by_how_much_otherwise()
    {
        Assert.Equal("neuron 1 has u = 0 but |α| = 1E-20",
            NeuronOps.WhyNotScaled(Network.FromNeurons([(V(1, 0), 1.0), (V(0, 0), 1e-20)], 2)));
        Assert.Equal("neuron 0 has α = 0 but ‖u‖ = 2",
            NeuronOps.WhyNotScaled(Network.FromNeurons([(V(2, 0), 0.0)], 2)));
        var why = NeuronOps.WhyNotScaled(Network.FromNeurons([(V(0.6, 0.8), 1.0), (V(1, 0), -3.0)], 2));
        Assert.Equal($"neuron 1: ‖u‖ = 1 but |α| = 3 (tolerance {Tolerances.Balance})", why);
        Assert.Equal("not scaled: " + why,
            NeuronOps.WhyNotMinimal(Network.FromNeurons([(V(0.6, 0.8), 1.0), (V(1, 0), -3.0)], 2), Identity2(), TestPatterns.Exact(Identity2().X)));
    }

    [Fact]
    public void Objective_rejects_a_non_positive_beta()
    {
        var data = Identity2();
        var net = Network.FromNeurons([(V(1, 0), 1.0)], 2);
        var e = Assert.Throws<InvalidInputException>(() => NetworkObjective.Value(net, data, new SquaredLoss(), 0));
        Assert.Contains("beta", e.Message);
    }

    [Fact]
    public void InClosedCone_is_closed_at_the_tolerance_itself()
    {
        // x = (1, 0), inactive pattern: u = (τ, 1) violates x·u ≤ 0 by exactly τ/‖u‖ = τ (‖u‖ = 1 in floating point).
        var x = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 } });
        double tau = Tolerances.Cone.At(1);
        Assert.Equal(1.0, V(tau, 1).L2Norm());
        Assert.True(Maps.InClosedCone(x, P("0"), V(tau, 1)), $"a violation equal to the tolerance {Tolerances.Cone} is inside");
    }

    [Fact]
    public void The_colinearity_bound_is_inclusive()
    {
        // (1, 0) and (0, 1) are both in slot (11, +) of X = I₂ (x·u = 0 counts as active) and 1 − cos = 1 exactly.
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var pair = Network.FromNeurons([(V(1, 0), 1.0), (V(0, 1), 1.0)], 2);
        Assert.Single(NeuronOps.Slots(pair, data, patterns));
        Assert.Null(NeuronOps.WhyNotNearlyMinimal(pair, data, patterns, 1.0));
        Assert.Contains("(1 - cos = 1 > 0.999)", NeuronOps.WhyNotNearlyMinimal(pair, data, patterns, 0.999));
    }

    [Fact]
    public void Operations_on_the_empty_network_keep_its_input_dimension()
    {
        var empty = Network.Empty(3);
        var balanced = NeuronOps.Balance(empty);
        Assert.Equal(0, balanced.Width);
        Assert.Equal(3, balanced.InputDim);
        Assert.True(NeuronOps.IsScaled(empty));
    }
}
