using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Networks;

public static class NetworkAsserts
{
    /// <summary>A vector from its entries.</summary>
    public static Vector<double> V(params double[] v) => Vector<double>.Build.DenseOfArray(v);

    /// <summary>A pattern from its 0/1 string.</summary>
    public static ActivationPattern P(string s) => ActivationPattern.Parse(s);

    /// <summary>X = I₂: the four quadrants are the cells, patterns 11, 10, 01, 00.</summary>
    public static Dataset Identity2() => TestPatterns.Data(new double[,] { { 1, 0 }, { 0, 1 } }, [1, 2]);

    /// <summary>Asserts a and b agree within a named tolerance, printing both and the tolerance.</summary>
    public static void Close(double expected, double actual, Tolerance tol, string what)
    {
        Assert.True(tol.Agree(expected, actual),
            $"{what}: expected {expected:R}, got {actual:R} (difference {Math.Abs(expected - actual):G3}, tolerance {tol})");
    }

    /// <summary>Entrywise agreement of predictions at the scale of ‖z‖∞ (<see cref="Tolerances.Prediction"/>).</summary>
    public static void SamePrediction(Vector<double> expected, Vector<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        double scale = Math.Max(expected.InfinityNorm(), actual.InfinityNorm());
        for (int j = 0; j < expected.Count; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= Tolerances.Prediction.At(scale),
                $"{what}: entry {j} expected {expected[j]:R}, got {actual[j]:R} (tolerance {Tolerances.Prediction} at scale {scale:G3})");
    }

    /// <summary>Vector agreement, entrywise at the scale of the larger ∞-norm.</summary>
    public static void SameVector(Vector<double> expected, Vector<double> actual, Tolerance tol, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        double scale = Math.Max(expected.InfinityNorm(), actual.InfinityNorm());
        for (int k = 0; k < expected.Count; k++)
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tol.At(scale),
                $"{what}: entry {k} expected {expected[k]:R}, got {actual[k]:R} (tolerance {tol} at scale {scale:G3})");
    }

    /// <summary>
    /// The two networks have the same nonzero neurons up to order (zero neurons ignored): each
    /// neuron of one is matched to a distinct neuron of the other.
    /// </summary>
    public static void SameNeuronsUpToOrder(Network expected, Network actual, Tolerance tol, string what)
    {
        var e = expected.Neurons().Where(n => n.Alpha != 0 || n.U.L2Norm() > 0).ToList();
        var a = actual.Neurons().Where(n => n.Alpha != 0 || n.U.L2Norm() > 0).ToList();
        Assert.True(e.Count == a.Count, $"{what}: {e.Count} nonzero neurons expected, got {a.Count}");
        var used = new bool[a.Count];
        foreach (var n in e)
        {
            double scale = Math.Max(n.U.InfinityNorm(), Math.Abs(n.Alpha));
            int match = Enumerable.Range(0, a.Count).FirstOrDefault(k => !used[k]
                && Math.Abs(a[k].Alpha - n.Alpha) <= tol.At(scale)
                && (a[k].U - n.U).InfinityNorm() <= tol.At(scale), -1);
            Assert.True(match >= 0, $"{what}: neuron ({n.U}, {n.Alpha:R}) has no match (tolerance {tol})");
            used[match] = true;
        }
    }

    /// <summary>Same nonzero blocks with the same values (zero blocks ignored), any order.</summary>
    public static void SameBlocks(ConvexPoint expected, ConvexPoint actual, Tolerance tol, string what)
    {
        var e = expected.NonZeroBlocks.ToList();
        var a = actual.NonZeroBlocks.ToDictionary(b => b.Block);
        Assert.True(e.Count == a.Count,
            $"{what}: expected blocks {string.Join(" ", e.Select(b => b.Block))}, got {string.Join(" ", a.Keys)}");
        foreach (var b in e)
        {
            Assert.True(a.TryGetValue(b.Block, out var other), $"{what}: block {b.Block} missing");
            SameVector(b.W, other!.W, tol, $"{what}: block {b.Block}");
        }
    }

    /// <summary>
    /// A random feasible W: k random directions (a.s. interior to their cells), each put in the
    /// block (s(u), random sign) with a random positive length; repeated blocks are skipped so that
    /// the blocks are distinct and each s(w_b) = s_b.
    /// </summary>
    public static ConvexPoint RandomPoint(Random rng, Matrix<double> x, PatternSet patterns, int k)
    {
        var blocks = new Dictionary<Block, BlockValue>();
        for (int i = 0; i < k; i++)
        {
            var u = TestPatterns.Gaussian(rng, x.ColumnCount);
            var s = ActivationPattern.OfDirection(x, u);
            Assert.True(patterns.Contains(s), $"random direction has pattern {s} outside the set");
            var block = new Block(s, rng.NextDouble() < 0.5 ? 1 : -1);
            blocks.TryAdd(block, new BlockValue(block, u * (0.2 + 2 * rng.NextDouble())));
        }
        return new ConvexPoint(blocks.Values, x.ColumnCount);
    }

    /// <summary>A random network with the given number of neurons (no zero neurons).</summary>
    public static Network RandomNetwork(Random rng, int width, int d) =>
        Network.FromNeurons(Enumerable.Range(0, width).Select(_ => (TestPatterns.Gaussian(rng, d), TestPatterns.Normal(rng))), d);
}
