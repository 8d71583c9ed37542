using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Networks;

/// <summary>One sampled point of a path: the parameter t of its segment, the network, L_β and the stage.</summary>
public sealed record PathPoint(int Segment, double T, Network Network, double Loss, string Stage);

/// <summary>
/// A continuous path of networks (THEORY.md §8), sampled: consecutive segments join (the last point
/// of a segment is the first of the next one), every network has the same width.
/// </summary>
public sealed record NetworkPath(IReadOnlyList<PathPoint> Points)
{
    /// <summary>The first network.</summary>
    public Network Start => Points[0].Network;
    /// <summary>The last network.</summary>
    public Network End => Points[^1].Network;
    /// <summary>L_β at the start.</summary>
    public double StartLoss => Points[0].Loss;
    /// <summary>L_β at the end.</summary>
    public double EndLoss => Points[^1].Loss;
    /// <summary>StartLoss − EndLoss.</summary>
    public double Decrease => StartLoss - EndLoss;
    /// <summary>Number of segments.</summary>
    public int Segments => Points.Count == 0 ? 0 : Points[^1].Segment + 1;
    /// <summary>The losses in order.</summary>
    public IReadOnlyList<double> Losses => Points.Select(p => p.Loss).ToList();

    /// <summary>Every step L(p_{k+1}) ≤ L(p_k) up to the tolerance at their magnitude.</summary>
    public bool IsNonIncreasing(Tolerance tolerance) =>
        Points.Zip(Points.Skip(1)).All(p => tolerance.AtMost(p.Second.Loss, p.First.Loss));

    /// <summary>Largest |L(p_k) − L(p_0)|: zero for a constant-loss path.</summary>
    public double MaxDeviationFromStart => Points.Max(p => Math.Abs(p.Loss - StartLoss));
}

/// <summary>
/// The paths of THEORY.md §8, each a continuous map t ↦ θ(t) sampled at <c>pointsPerSegment + 1</c>
/// points per segment (width kept constant; merged neurons become zero neurons):
/// <list type="bullet">
/// <item><see cref="ToNearlyMinimal"/>: balance every neuron continuously, then in each slot move the block
/// of one neuron into another, w_1 + t w_2 and (1 − t) w_2, while two of them are not positively
/// colinear; L_β strictly decreases along every segment that is not already balanced/colinear.</item>
/// <item><see cref="MergeToMinimal"/>: the same merge for positively colinear neurons: L_β is constant.</item>
/// <item><see cref="ToGlobalMinimum"/>: W(t) = (1 − t) φ(θ) + t W* through ψ, non-increasing (convexity).</item>
/// </list>
/// </summary>
public static class Paths
{
    /// <summary>Stage names used in <see cref="PathPoint.Stage"/>.</summary>
    public const string Balance = "balance", MergeNonColinear = "merge-noncolinear", MergeColinear = "merge-colinear", Global = "global";

    /// <summary>The strictly decreasing path from θ to a nearly minimal network (THEORY.md §8).</summary>
    public static NetworkPath ToNearlyMinimal(Network network, Dataset data, Loss loss, double beta, PatternSet patterns, int pointsPerSegment = 8)
    {
        var builder = new PathBuilder(data, loss, beta, pointsPerSegment);
        var balanced = BalanceContinuously(network, builder);
        MergeSlots(balanced, data, patterns, builder, colinear: false);
        return builder.Build(network);
    }

    /// <summary>The constant-loss path from a nearly minimal θ to a minimal one (merging colinear neurons per slot).</summary>
    public static NetworkPath MergeToMinimal(Network nearlyMinimal, Dataset data, Loss loss, double beta, PatternSet patterns, int pointsPerSegment = 8)
    {
        var builder = new PathBuilder(data, loss, beta, pointsPerSegment);
        MergeSlots(nearlyMinimal, data, patterns, builder, colinear: true);
        return builder.Build(nearlyMinimal);
    }

    /// <summary>
    /// The non-increasing path W(t) = (1 − t) φ(θ) + t W* mapped by ψ, one neuron per block of
    /// supp φ(θ) ∪ supp W* (the width this path needs), from a minimal θ to ψ(W*).
    /// </summary>
    public static NetworkPath ToGlobalMinimum(Network minimal, ConvexPoint optimum, Dataset data, Loss loss, double beta, PatternSet patterns, int points = 16)
    {
        var start = Maps.Phi(minimal, data, patterns);
        var blocks = start.NonZeroBlocks.Select(b => b.Block).ToList();
        foreach (var b in optimum.NonZeroBlocks)
            if (!blocks.Contains(b.Block)) blocks.Add(b.Block);
        var zero = Vector<double>.Build.Dense(data.D);
        Vector<double> ValueIn(ConvexPoint w, Block b) => w.Blocks.FirstOrDefault(x => x.Block == b)?.W ?? zero;
        var from = blocks.Select(b => ValueIn(start, b)).ToList();
        var to = blocks.Select(b => ValueIn(optimum, b)).ToList();
        var builder = new PathBuilder(data, loss, beta, points);
        builder.Segment(Global, t => Network.FromNeurons(
            blocks.Select((b, k) => NeuronOfBlock(from[k] * (1 - t) + to[k] * t, b.Sign, data.D)), data.D));
        return builder.Build(null);
    }

    /// <summary>(κ(t) u, α / κ(t)), κ(t) = 1 + t(κ − 1), κ = √(|α|/‖u‖); one-sided neurons shrink linearly to zero.</summary>
    private static Network BalanceContinuously(Network network, PathBuilder builder)
    {
        var neurons = network.Neurons().ToList();
        // Neurons scaled within rounding would give a segment whose decrease is below the
        // resolution of L_β, i.e. numerically constant, breaking the strict decrease of §8.
        if (neurons.All(n => NeuronOps.IsNeuronScaled(n.U, n.Alpha))) return network;
        Network At(double t) => Network.FromNeurons(neurons.Select(n => BalanceAt(n.U, n.Alpha, t)), network.InputDim);
        builder.Segment(Balance, At);
        return At(1);
    }

    private static (Vector<double> U, double Alpha) BalanceAt(Vector<double> u, double alpha, double t)
    {
        double un = Norms.Euclidean(u);
        if (un == 0 || alpha == 0) return (u * (1 - t), alpha * (1 - t));
        double kappa = Math.Sqrt(Math.Abs(alpha) / un);
        double k = 1 + t * (kappa - 1);
        return (u * k, alpha / k);
    }

    /// <summary>
    /// In each slot, moves blocks w_j into w_i (w_i + t w_j, (1 − t) w_j) for pairs that are not
    /// positively colinear (<paramref name="colinear"/> = false) or that are (true), until no such pair is left.
    /// </summary>
    private static void MergeSlots(Network network, Dataset data, PatternSet patterns, PathBuilder builder, bool colinear)
    {
        var current = network;
        foreach (var slot in NeuronOps.Slots(network, data, patterns))
        {
            var members = slot.Neurons.ToList();
            bool merged = true;
            while (merged)
            {
                merged = false;
                for (int a = 0; a < members.Count && !merged; a++)
                    for (int b = 0; b < members.Count && !merged; b++)
                    {
                        if (a == b) continue;
                        int i = members[a], j = members[b];
                        var wi = BlockOf(current, i);
                        var wj = BlockOf(current, j);
                        if (Norms.Euclidean(wi) == 0 || Norms.Euclidean(wj) == 0) continue;
                        if (AreColinear(wi, wj) != colinear) continue;
                        if (!AbsorbsTheOther(wi, wj)) (i, j, wi, wj) = (j, i, wj, wi);
                        current = MergePair(current, i, j, wi, wj, slot.Block.Sign, builder, colinear ? MergeColinear : MergeNonColinear);
                        members.Remove(j);
                        merged = true;
                    }
            }
        }
    }

    /// <summary>
    /// Whether w_1 must be the block that absorbs w_2 (THEORY.md §8): along w_1 + t w_2, (1 − t) w_2 the penalty has slope
    /// ‖w_2‖(cos∠(w_1 + t w_2, w_2) − 1), which vanishes once w_1 + t w_2 is a positive multiple of w_2 — for t ≤ 1 only
    /// when w_1 = −c w_2 with c &lt; 1 (anti-parallel blocks, possible in a cone that contains a line). So for a pair with
    /// w_1·w_2 &lt; 0 the longer block absorbs the shorter one; then w_1 + t w_2 keeps a non-positive component along w_2
    /// and the slope stays at most −‖w_2‖(1 − cos) with cos ≤ 0 or a perpendicular part of size ≥ √(1 − c²)‖w_2‖.
    /// </summary>
    internal static bool AbsorbsTheOther(Vector<double> w1, Vector<double> w2) =>
        w1.DotProduct(w2) >= 0 || Norms.Euclidean(w1) >= Norms.Euclidean(w2);

    private static Network MergePair(Network net, int i, int j, Vector<double> wi, Vector<double> wj, int sign, PathBuilder builder, string stage)
    {
        var fixedNeurons = net.Neurons().ToList();
        Network At(double t)
        {
            var list = fixedNeurons.ToList();
            list[i] = NeuronOfBlock(wi + wj * t, sign, net.InputDim);
            list[j] = NeuronOfBlock(wj * (1 - t), sign, net.InputDim);
            return Network.FromNeurons(list, net.InputDim);
        }
        builder.Segment(stage, At);
        return At(1);
    }

    /// <summary>The convex block |α| u of a neuron (THEORY.md §5, φ on one neuron).</summary>
    private static Vector<double> BlockOf(Network net, int i) => net.U.Row(i) * Math.Abs(net.Alpha[i]);

    /// <summary>ψ on one block (THEORY.md §5): u = w/√‖w‖, α = γ√‖w‖; the zero block gives the zero neuron.</summary>
    private static (Vector<double> U, double Alpha) NeuronOfBlock(Vector<double> w, int sign, int d)
    {
        double norm = Norms.Euclidean(w);
        if (norm == 0) return (Vector<double>.Build.Dense(d), 0.0);
        double r = Math.Sqrt(norm);
        return (w / r, sign * r);
    }

    /// <summary>1 − cos(w_1, w_2) ≤ <see cref="Tolerances.Colinearity"/> at scale 1.</summary>
    internal static bool AreColinear(Vector<double> w1, Vector<double> w2) =>
        1 - w1.DotProduct(w2) / (Norms.Euclidean(w1) * Norms.Euclidean(w2)) <= Tolerances.Colinearity.At(1);

    /// <summary>Accumulates sampled segments; consecutive segments share their joining point.</summary>
    private sealed class PathBuilder(Dataset data, Loss loss, double beta, int pointsPerSegment)
    {
        private readonly List<PathPoint> _points = [];
        private int _segment;

        public void Segment(string stage, Func<double, Network> at)
        {
            int k = Math.Max(1, pointsPerSegment);
            for (int s = _points.Count == 0 ? 0 : 1; s <= k; s++)
            {
                double t = (double)s / k;
                var net = at(t);
                _points.Add(new PathPoint(_segment, t, net, NetworkObjective.Value(net, data, loss, beta), stage));
            }
            _segment++;
        }

        public NetworkPath Build(Network? start)
        {
            if (_points.Count == 0 && start is not null)
                _points.Add(new PathPoint(0, 0, start, NetworkObjective.Value(start, data, loss, beta), Balance));
            return new NetworkPath(_points);
        }
    }
}
