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

public class MapsTests
{
    [Fact]
    public void Psi_hand_example()
    {
        var w = new ConvexPoint([
            new BlockValue(new Block(P("11"), 1), V(3, 4)),
            new BlockValue(new Block(P("10"), 1), V(0, 0)),
            new BlockValue(new Block(P("00"), -1), V(-1, 0)),
        ], 2);
        var net = Maps.Psi(w);
        Assert.Equal(2, net.Width);
        SameVector(V(3 / Math.Sqrt(5), 4 / Math.Sqrt(5)), net.U.Row(0), Tolerances.Objective, "u_0");
        Close(Math.Sqrt(5), net.Alpha[0], Tolerances.Objective, "alpha_0");
        SameVector(V(-1, 0), net.U.Row(1), Tolerances.Objective, "u_1");
        Assert.Equal(-1.0, net.Alpha[1]);

        // ℓ = ½((3−1)² + (4−2)²) = 4, β Σ‖w‖ = 0.5 · (5 + 1) = 3.
        var data = Identity2();
        var problem = new ConvexProblem(data, new SquaredLoss(), 0.5, TestPatterns.Exact(data.X));
        Close(7.0, problem.Objective(w), Tolerances.Objective, "L^c_β(W)");
        Close(7.0, NetworkObjective.Value(net, problem), Tolerances.Objective, "L_β(ψ(W))");
    }

    [Fact]
    public void Psi_of_zero_point_is_the_empty_network()
    {
        var net = Maps.Psi(new ConvexPoint([new BlockValue(new Block(P("11"), 1), V(0, 0))], 2));
        Assert.Equal(0, net.Width);
        Assert.Equal(2, net.InputDim);
        Assert.Equal(0, Maps.Psi(ConvexPoint.Zero(3)).Width);
    }

    [Theory]
    [InlineData("squared", 1)]
    [InlineData("logistic", 2)]
    [InlineData("squared", 3)]
    public void Psi_keeps_objective_and_prediction_M1(string kind, int seed)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 7, 2, labels: kind == "logistic");
        var problem = new ConvexProblem(data, Loss.Parse(kind, 0.7), 0.3, TestPatterns.Exact(data.X));
        for (int trial = 0; trial < 20; trial++)
        {
            var w = RandomPoint(rng, data.X, problem.Patterns, 1 + trial % 6);
            var net = Maps.Psi(w);
            Assert.True(NeuronOps.IsScaled(net), NeuronOps.WhyNotScaled(net));
            SamePrediction(w.Predict(data.X), net.Predict(data.X), "f_ψ(W) vs prediction of W");
            Close(problem.Objective(w), NetworkObjective.Value(net, problem), Tolerances.Objective, "L_β(ψ(W)) vs L^c_β(W)");
        }
    }

    [Fact]
    public void Phi_hand_example_merges_a_slot_and_ignores_inactive_neurons()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([
            (V(1, 1), 2.0),      // slot (11, +)
            (V(0, 0), 0.0),      // zero neuron: no slot
            (V(2, 0.5), 1.0),    // slot (11, +)
            (V(-1, -1), -3.0),   // slot (00, −)
            (V(1, 0), 0.0),      // α = 0: no slot
        ], 2);
        var w = Maps.Phi(net, data, patterns);
        Assert.Equal(2, w.Blocks.Count);
        var byBlock = w.Blocks.ToDictionary(b => b.Block, b => b.W);
        SameVector(V(4, 2.5), byBlock[new Block(P("11"), 1)], Tolerances.Objective, "w_(11,+)");
        SameVector(V(-3, -3), byBlock[new Block(P("00"), -1)], Tolerances.Objective, "w_(00,-)");
        SamePrediction(net.Predict(data.X), w.Predict(data.X), "φ keeps f_θ");
        Assert.Equal(0, w.MaxConeViolation(data.X));
    }

    [Fact]
    public void Phi_lists_blocks_in_pattern_set_order_plus_before_minus()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([(V(-1, -2), -1.0), (V(1, 1), -1.0), (V(1, 2), 1.0), (V(-3, -1), 2.0)], 2);
        var blocks = Maps.Phi(net, data, patterns).Blocks.Select(b => b.Block).ToList();
        var expected = patterns.Cells.SelectMany(c => new[] { new Block(c.Pattern, 1), new Block(c.Pattern, -1) })
            .Where(blocks.Contains).ToList();
        Assert.Equal(expected, blocks);
    }

    [Fact]
    public void Phi_on_a_boundary_outside_S_uses_the_first_containing_pattern_in_set_order()
    {
        // Opposite rows: the cells are u₁ > 0 (pattern 10) and u₁ < 0 (pattern 01); u = (0, 1)
        // has s(u) = 11 ∉ S(X) and lies in both closed cones.
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { -1, 0 } }, [1, 2]);
        var exact = TestPatterns.Exact(data.X);
        Assert.Equal(2, exact.Count);
        var net = Network.FromNeurons([(V(0, 1), 1.5)], 2);
        Assert.False(exact.Contains(ActivationPattern.OfDirection(data.X, V(0, 1))));
        foreach (var order in new[] { new[] { 0, 1 }, new[] { 1, 0 } })
        {
            var set = TestPatterns.Reordered(exact, order);
            var w = Maps.Phi(net, data, set);
            var b = Assert.Single(w.Blocks);
            Assert.Equal(new Block(set.Cells[0].Pattern, 1), b.Block);
            SameVector(V(0, 1.5), b.W, Tolerances.Objective, "w");
            SamePrediction(net.Predict(data.X), w.Predict(data.X), "φ keeps f_θ on the boundary");
        }
    }

    [Fact]
    public void Phi_rejects_a_direction_outside_every_cone_of_an_incomplete_set()
    {
        var data = Identity2();
        var exact = TestPatterns.Exact(data.X);
        int i11 = exact.IndexOf(P("11"));
        var partial = TestPatterns.Reordered(exact, Enumerable.Range(0, exact.Count).Where(i => i != i11));
        var net = Network.FromNeurons([(V(1, 1), 1.0)], 2);
        var e = Assert.Throws<InvalidInputException>(() => Maps.Phi(net, data, partial));
        Assert.Contains("pattern 11", e.Message);
        Assert.Contains("lies in no cone", e.Message);
    }

    [Fact]
    public void Phi_rejects_mismatched_dimensions()
    {
        var data = Identity2();
        var net = Network.FromNeurons([(V(1, 1, 1), 1.0)], 3);
        Assert.Throws<InvalidInputException>(() => Maps.Phi(net, data, TestPatterns.Exact(data.X)));
    }

    [Theory]
    [InlineData("squared", 11, 2)]
    [InlineData("logistic", 12, 2)]
    [InlineData("squared", 13, 3)]
    [InlineData("logistic", 14, 3)]
    public void Phi_keeps_prediction_and_never_increases_the_objective_M2(string kind, int seed, int d)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 6, d, labels: kind == "logistic");
        var patterns = d <= 2 ? TestPatterns.Exact(data.X) : TestPatterns.Sampled(data.X, 20000, seed);
        Assert.Equal(d == 2 ? 2 * (1 + 5) : 2 * (1 + 5 + 10), patterns.Count); // Cover's count in general position
        var problem = new ConvexProblem(data, Loss.Parse(kind), 0.2, patterns);
        for (int trial = 0; trial < 30; trial++)
        {
            var net = RandomNetwork(rng, 1 + trial % 8, d).PadWithZeros(trial % 2);
            var w = Maps.Phi(net, data, patterns);
            Assert.Equal(0, w.MaxConeViolation(data.X));
            SamePrediction(net.Predict(data.X), w.Predict(data.X), "φ keeps f_θ");
            double lc = problem.Objective(w), l = NetworkObjective.Value(net, problem);
            Assert.True(Tolerances.Objective.AtMost(lc, l), $"L^c_β(φ(θ)) = {lc:R} > L_β(θ) = {l:R} (tolerance {Tolerances.Objective})");
        }
    }

    [Theory]
    [InlineData("squared", 21)]
    [InlineData("logistic", 22)]
    public void Phi_is_exact_on_scaled_nearly_minimal_networks_and_strict_otherwise_M2(string kind, int seed)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 6, 2, labels: kind == "logistic");
        var patterns = TestPatterns.Exact(data.X);
        var problem = new ConvexProblem(data, Loss.Parse(kind), 0.4, patterns);
        int strictPairs = 0;
        for (int trial = 0; trial < 15; trial++)
        {
            var w = RandomPoint(rng, data.X, patterns, 2 + trial % 4);
            var net = Maps.Psi(w);
            // Split a neuron and pad: still scaled and nearly minimal.
            net = NeuronOps.Split(net, 0, [0.2, 0.5, 0.3]).PadWithZeros(1);
            var perm = Enumerable.Range(0, net.Width).OrderBy(_ => rng.Next()).ToList();
            net = net.PermuteNeurons(perm);
            Assert.True(NeuronOps.IsNearlyMinimal(net, data, patterns), NeuronOps.WhyNotNearlyMinimal(net, data, patterns));
            double l = NetworkObjective.Value(net, problem);
            Close(l, problem.Objective(Maps.Phi(net, data, patterns)), Tolerances.Objective, "L^c_β(φ(θ)) on a nearly minimal θ");

            // Unbalance one neuron: f_θ is kept, L_β grows, L^c_β(φ(θ)) does not move.
            int i = Enumerable.Range(0, net.Width).First(k => net.Alpha[k] != 0);
            var unbalanced = Network.FromNeurons(net.Neurons().Select((n, k) => k == i ? (n.U * 3, n.Alpha / 3) : n), 2);
            Assert.False(NeuronOps.IsScaled(unbalanced));
            AssertStrictlyBelow(problem, unbalanced, data, patterns);

            // Two scaled neurons in one slot that are not colinear: strict as well.
            // Unit neurons, so that the penalty gap β(2 − ‖û₀ + t̂‖) ≈ β(1 − cos)/2 is well above rounding.
            var (u0, a0) = net.Neuron(i);
            var unit = u0.Normalize(2);
            var twisted = (unit + TestPatterns.Gaussian(rng, 2) * 0.1).Normalize(2);
            var pair = Network.FromNeurons([(unit, Math.Sign(a0) * 1.0), (twisted, Math.Sign(a0) * 1.0)], 2);
            if (NeuronOps.Slots(pair, data, patterns).Count != 1) continue; // the twist left the cell: nothing to test
            if (1 - unit.DotProduct(twisted) < 1e-4) continue;                // too small a twist to tell apart
            Assert.False(NeuronOps.IsNearlyMinimal(pair, data, patterns));
            AssertStrictlyBelow(problem, pair, data, patterns);
            strictPairs++;
        }
        Assert.True(strictPairs >= 5, $"only {strictPairs} non-colinear pairs were tested");
    }

    private static void AssertStrictlyBelow(ConvexProblem problem, Network net, Dataset data, PatternSet patterns)
    {
        double l = NetworkObjective.Value(net, problem), lc = problem.Objective(Maps.Phi(net, data, patterns));
        Assert.True(l - lc > Tolerances.Objective.At(l),
            $"expected L^c_β(φ(θ)) = {lc:R} strictly below L_β(θ) = {l:R} beyond tolerance {Tolerances.Objective}");
    }

    [Theory]
    [InlineData(31, 2)]
    [InlineData(32, 3)]
    public void Round_trip_psi_of_phi_is_identity_on_minimal_networks_M3(int seed, int d)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 5, d);
        var patterns = d == 2 ? TestPatterns.Exact(data.X) : TestPatterns.Sampled(data.X, 20000, seed);
        for (int trial = 0; trial < 15; trial++)
        {
            var net = Maps.Psi(RandomPoint(rng, data.X, patterns, 1 + trial % 5)).PadWithZeros(trial % 3);
            net = net.PermuteNeurons(Enumerable.Range(0, net.Width).OrderBy(_ => rng.Next()).ToList());
            Assert.True(NeuronOps.IsMinimal(net, data, patterns), NeuronOps.WhyNotMinimal(net, data, patterns));
            SameNeuronsUpToOrder(net, Maps.Psi(Maps.Phi(net, data, patterns)), Tolerances.Objective, "ψ(φ(θ)) vs θ");
        }
    }

    [Theory]
    [InlineData(41, 2)]
    [InlineData(42, 3)]
    public void Round_trip_phi_of_psi_is_identity_under_the_conditions_of_section_5_M3(int seed, int d)
    {
        var rng = new Random(seed);
        var data = TestPatterns.Data(rng, 5, d);
        var patterns = d == 2 ? TestPatterns.Exact(data.X) : TestPatterns.Sampled(data.X, 20000, seed);
        for (int trial = 0; trial < 15; trial++)
        {
            // Distinct blocks with s(w_b) = s_b, generic directions: no two are colinear.
            var w = RandomPoint(rng, data.X, patterns, 1 + trial % 6);
            SameBlocks(w, Maps.Phi(Maps.Psi(w), data, patterns), Tolerances.Objective, "φ(ψ(W)) vs W");
        }
    }

    [Fact]
    public void Round_trip_outside_the_conditions_keeps_objective_and_prediction_M3()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var problem = new ConvexProblem(data, new SquaredLoss(), 0.3, patterns);
        // (1, 0) lies in C_11 and C_10: two same-sign colinear blocks, and a block whose own pattern differs.
        var w = new ConvexPoint([
            new BlockValue(new Block(P("11"), 1), V(1, 0)),
            new BlockValue(new Block(P("10"), 1), V(2, 0)),
            new BlockValue(new Block(P("00"), -1), V(-1, -1)),
        ], 2);
        Assert.Equal(0, w.MaxConeViolation(data.X));
        var back = Maps.Phi(Maps.Psi(w), data, patterns);
        var expected = new ConvexPoint([
            new BlockValue(new Block(P("11"), 1), V(3, 0)),
            new BlockValue(new Block(P("00"), -1), V(-1, -1)),
        ], 2);
        SameBlocks(expected, back, Tolerances.Objective, "φ(ψ(W)) merges the colinear blocks");
        SamePrediction(w.Predict(data.X), back.Predict(data.X), "φ(ψ(W)) keeps the prediction");
        Close(problem.Objective(w), problem.Objective(back), Tolerances.Objective, "L^c_β(φ(ψ(W))) vs L^c_β(W)");
    }

    [Fact]
    public void InClosedCone_uses_the_cone_tolerance_at_unit_scale()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 } });
        var inactive = P("0");
        Assert.True(Maps.InClosedCone(x, inactive, V(0, 1)));
        Assert.True(Maps.InClosedCone(x, inactive, V(0.5 * Tolerances.Cone.At(1), 1)));
        Assert.False(Maps.InClosedCone(x, inactive, V(2 * Tolerances.Cone.At(1), 1)));
    }
}

/// <summary>The maps on the reference instances (Data/reference), with S(X) from the production enumerator.</summary>
public class MapsOnReferenceDataTests
{
    public static TheoryData<string> ReferenceFiles() => Files(_ => true);

    /// <summary>The instances with d ≤ 2 (file names carry "_d1_" or "_d2_").</summary>
    public static TheoryData<string> PlanarReferenceFiles() => Files(n => n.Contains("_d1_") || n.Contains("_d2_"));

    private static TheoryData<string> Files(Func<string, bool> keep)
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Data", "reference"), "*_f0.1.json").Order())
            if (keep(Path.GetFileName(f))) data.Add(Path.GetFileName(f));
        return data;
    }

    private static Dataset Load(string name) =>
        Core.IO.DataLoader.Load(Path.Combine(AppContext.BaseDirectory, "Data", "reference", name));

    [Theory]
    [MemberData(nameof(PlanarReferenceFiles))]
    public void Enumerated_cells_agree_with_the_independent_planar_enumeration(string name)
    {
        var data = Load(name);
        var enumerated = CellEnumerator.Enumerate(data.X);
        var planar = TestPatterns.Exact(data.X);
        Assert.Equal(planar.Patterns.OrderBy(p => p.ToString()), enumerated.Patterns.OrderBy(p => p.ToString()));
    }

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void M1_M2_M3_hold_on_reference_data(string name)
    {
        var data = Load(name);
        var patterns = CellEnumerator.Enumerate(data.X);
        var problem = new ConvexProblem(data, new SquaredLoss(), 0.1, patterns);
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal) & 0xffff);
        for (int trial = 0; trial < 10; trial++)
        {
            var w = RandomPoint(rng, data.X, patterns, 1 + trial % 5);
            var net = Maps.Psi(w);
            Close(problem.Objective(w), NetworkObjective.Value(net, problem), Tolerances.Objective, "M1: L_β(ψ(W)) vs L^c_β(W)");
            SameBlocks(w, Maps.Phi(net, data, patterns), Tolerances.Objective, "M3: φ(ψ(W)) vs W");
            SameNeuronsUpToOrder(net, Maps.Psi(Maps.Phi(net, data, patterns)), Tolerances.Objective, "M3: ψ(φ(θ)) vs θ");

            var any = RandomNetwork(rng, 2 + trial, data.D);
            var phi = Maps.Phi(any, data, patterns);
            SamePrediction(any.Predict(data.X), phi.Predict(data.X), "M2: φ keeps f_θ");
            Assert.True(Tolerances.Objective.AtMost(problem.Objective(phi), NetworkObjective.Value(any, problem)), "M2: L^c_β(φ(θ)) ≤ L_β(θ)");
        }
    }
}
