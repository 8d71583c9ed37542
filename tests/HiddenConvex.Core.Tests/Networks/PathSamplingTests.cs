using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using static HiddenConvex.Core.Tests.Networks.NetworkAsserts;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>
/// How the paths of THEORY.md §8 are sampled and summarised: the path record on hand-made losses, the layout of
/// segments and joins, and the stages a path goes through on small planar cases.
/// </summary>
public class PathSamplingTests
{
    private static readonly SquaredLoss Loss = new();

    private static NetworkPath HandPath(params (int Segment, double Loss)[] points)
    {
        var net = Network.FromNeurons([(V(1, 0), 1.0)], 2);
        return new NetworkPath(points.Select(p => new PathPoint(p.Segment, 0, net, p.Loss, Paths.Balance)).ToList());
    }

    [Fact]
    public void Path_record_summaries_on_hand_made_losses()
    {
        var path = HandPath((0, 3), (0, 2.5), (1, 2.5), (1, 4), (2, 1));
        Assert.Equal(3.0, path.StartLoss);
        Assert.Equal(1.0, path.EndLoss);
        Assert.Equal(2.0, path.Decrease);
        Assert.Equal(3, path.Segments);
        Assert.Equal(new[] { 3, 2.5, 2.5, 4, 1 }, path.Losses);
        Assert.Equal(2.0, path.MaxDeviationFromStart);
        Assert.False(path.IsNonIncreasing(Tolerances.Objective)); // 2.5 → 4 rises
        Assert.True(HandPath((0, 3), (0, 2.5), (1, 2.5), (1, 1)).IsNonIncreasing(Tolerances.Objective));
        Assert.False(HandPath((0, 3), (0, 3.5)).IsNonIncreasing(Tolerances.Objective));
        Assert.True(HandPath((0, 1), (0, 1 + 0.5 * Tolerances.Objective.At(1))).IsNonIncreasing(Tolerances.Objective));
        Assert.Equal(0, new NetworkPath(new List<PathPoint>()).Segments);
    }

    /// <summary>X = I₂: two unbalanced, non-colinear neurons in slot (11, +) and a balanced one in (00, −).</summary>
    private static Network Planar() =>
        Network.FromNeurons([(V(2, 1), 0.5), (V(1, 3), 2.0), (V(-1, -1), -Math.Sqrt(2))], 2);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void Segments_are_sampled_at_s_over_k_and_share_their_joins(int k)
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Planar();
        var path = Paths.ToNearlyMinimal(net, data, Loss, 0.3, patterns, k);
        Assert.Equal(2, path.Segments); // one balance segment, one merge of the pair in (11, +)
        Assert.Equal(1 + k * path.Segments, path.Points.Count);
        Assert.Equal(0.0, path.Points[0].T);
        Assert.Equal(net.U, path.Start.U);
        Assert.Equal(net.Alpha, path.Start.Alpha);
        Close(NetworkObjective.Value(net, data, Loss, 0.3), path.StartLoss, Tolerances.Objective, "loss at t = 0");
        for (int s = 0; s < path.Segments; s++)
        {
            var ts = path.Points.Where(p => p.Segment == s).Select(p => p.T).ToList();
            var expected = Enumerable.Range(s == 0 ? 0 : 1, s == 0 ? k + 1 : k).Select(i => (double)i / k).ToList();
            Assert.Equal(expected, ts);
        }
        Assert.Equal(new[] { Paths.Balance, Paths.MergeNonColinear }, path.Points.Select(p => p.Stage).Distinct());
        Assert.True(NeuronOps.IsNearlyMinimal(path.End, data, patterns), NeuronOps.WhyNotNearlyMinimal(path.End, data, patterns));
    }

    [Fact]
    public void A_nearly_minimal_network_is_a_one_point_path()
    {
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([(V(1, 1), Math.Sqrt(2)), (V(-1, 0), -1.0)], 2);
        Assert.True(NeuronOps.IsMinimal(net, data, patterns));
        foreach (var path in new[] { Paths.ToNearlyMinimal(net, data, Loss, 0.3, patterns), Paths.MergeToMinimal(net, data, Loss, 0.3, patterns) })
        {
            var p = Assert.Single(path.Points);
            Assert.Equal(0.0, p.T);
            Assert.Same(net, p.Network);
            Close(NetworkObjective.Value(net, data, Loss, 0.3), p.Loss, Tolerances.Objective, "loss of the one point");
            Assert.Equal(1, path.Segments);
        }
    }

    [Fact]
    public void Balancing_runs_when_any_neuron_is_unscaled()
    {
        // Neuron 0 is balanced, neuron 1 is not: the path must still balance (THEORY.md §8 step 1).
        // Neuron 2 has α = 0: it contributes nothing to f_θ and shrinks linearly to the zero neuron.
        var data = Identity2();
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([(V(1, 1), Math.Sqrt(2)), (V(-4, 0), -0.25), (V(0, 3), 0.0)], 2);
        var path = Paths.ToNearlyMinimal(net, data, Loss, 0.3, patterns, 4);
        Assert.Equal(Paths.Balance, path.Points[^1].Stage);
        Assert.True(path.IsNonIncreasing(Tolerances.Objective), string.Join(", ", path.Losses));
        Assert.True(path.EndLoss < path.StartLoss, $"balancing did not decrease L_β: {path.StartLoss} → {path.EndLoss}");
        Assert.True(NeuronOps.IsScaled(path.End), NeuronOps.WhyNotScaled(path.End));
        Assert.Equal(0.0, path.End.U.Row(2).L2Norm());
        Assert.Equal(0.0, path.End.Alpha[2]);
        SameVector(V(0, 1.5), path.Points[2].Network.U.Row(2), Tolerances.Objective, "α = 0 neuron at t = 1/2");
    }

    [Fact]
    public void Opposite_neurons_in_a_flat_slot_merge_to_zero_and_every_segment_strictly_decreases()
    {
        // Rows (1, 0) and (2, 0): u = (0, ±1) has x·u = 0, so all three neurons below are in slot (11, +), and
        // (0, 1), (0, −1) cancel. After they merge to zero only one nonzero block is left: no further segment.
        var data = TestPatterns.Data(new double[,] { { 1, 0 }, { 2, 0 } }, [1, -1]);
        var patterns = TestPatterns.Exact(data.X);
        var net = Network.FromNeurons([(V(0, 1), 1.0), (V(0, -1), 1.0), (V(0, 2), 2.0)], 2);
        Assert.Single(NeuronOps.Slots(net, data, patterns));
        var path = Paths.ToNearlyMinimal(net, data, Loss, 0.5, patterns, 4);
        for (int s = 0; s < path.Segments; s++)
        {
            var seg = path.Points.Where(q => q.Segment == s).ToList();
            double before = s == 0 ? path.StartLoss : path.Points.Last(q => q.Segment == s - 1).Loss;
            Assert.True(seg[^1].Loss < before, $"segment {s} ({seg[0].Stage}) does not strictly decrease: {before} → {seg[^1].Loss}");
        }
        Assert.True(NeuronOps.IsNearlyMinimal(path.End, data, patterns), NeuronOps.WhyNotNearlyMinimal(path.End, data, patterns));
        Assert.Equal(1, path.End.Neurons().Count(n => n.Alpha != 0));
    }

    [Fact]
    public void Global_path_uses_one_neuron_per_block_of_the_union_of_supports_and_ends_at_psi_of_the_optimum()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var patterns = TestPatterns.Exact(r.Data.X);
        var problem = new ConvexProblem(r.Data, Loss, r.Beta, patterns);
        var solved = ConvexSolver.Solve(problem);
        // A minimal start on blocks W* does not use: the union of supports is the disjoint union.
        var used = solved.W.NonZeroBlocks.Select(b => b.Block).ToHashSet();
        var spare = patterns.Cells.Select(c => new Block(c.Pattern, 1)).First(b => !used.Contains(b));
        var start = Maps.Psi(new ConvexPoint([new BlockValue(spare, patterns.Cells[patterns.IndexOf(spare.Pattern)].Witness * 0.3)], 2));
        var path = Paths.ToGlobalMinimum(start, solved.W, r.Data, Loss, r.Beta, patterns, 4);
        int width = 1 + solved.W.NonZeroBlocks.Count();
        Assert.All(path.Points, p => Assert.Equal(width, p.Network.Width));
        Assert.Equal(5, path.Points.Count);
        SameNeuronsUpToOrder(Maps.Psi(solved.W), path.End, Tolerances.Objective, "end of the global path vs ψ(W*)");
        SameNeuronsUpToOrder(start, path.Start, Tolerances.Objective, "start of the global path vs θ");
        Assert.True(path.IsNonIncreasing(Tolerances.Objective), string.Join(", ", path.Losses));
    }
}
