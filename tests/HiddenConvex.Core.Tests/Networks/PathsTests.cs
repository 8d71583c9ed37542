using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>The paths of THEORY.md §8 (property T5 on fixed instances).</summary>
public class PathsTests
{
    private static readonly SquaredLoss Loss = new();

    /// <summary>An unbalanced network with two non-colinear neurons in one slot (u and a small turn of it) and a one-sided neuron.</summary>
    private static (Network Net, ReferenceInstance R, PatternSet P) Redundant()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var w0 = p.Cells[1].Witness;
        var w1 = p.Cells[p.Count / 2].Witness;
        // Turn w0 by half its distance to the nearest hyperplane: the pattern cannot change.
        double margin = Enumerable.Range(0, r.Data.N).Min(j => Math.Abs(r.Data.X.Row(j).DotProduct(w0)) / r.Data.X.Row(j).L2Norm());
        var turned = w0 + Vector<double>.Build.DenseOfArray([0.5 * margin, 0, 0]);
        Assert.Equal(ActivationPattern.OfDirection(r.Data.X, w0), ActivationPattern.OfDirection(r.Data.X, turned));
        var neurons = new List<(Vector<double>, double)>
        {
            (w0 * 2.0, 0.3), (turned * 0.5, 0.2), (w1, -0.4), (w0 * 0.0, 0.7),
        };
        return (Network.FromNeurons(neurons, r.Data.D), r, p);
    }

    [Fact]
    public void PathToNearlyMinimalKeepsThePredictionDecreasesAndEndsNearlyMinimal()
    {
        var (net, r, p) = Redundant();
        Assert.False(NeuronOps.IsNearlyMinimal(net, r.Data, p));
        var path = Paths.ToNearlyMinimal(net, r.Data, Loss, r.Beta, p, 8);
        Assert.True(path.IsNonIncreasing(Tolerances.Objective), $"losses not non-increasing (tolerance {Tolerances.Objective}): {string.Join(", ", path.Losses)}");
        Assert.True(path.Decrease > 0);
        for (int s = 0; s < path.Segments; s++)
        {
            var seg = path.Points.Where(q => q.Segment == s).ToList();
            Assert.True(seg[^1].Loss < seg[0].Loss, $"segment {s} ({seg[0].Stage}) does not strictly decrease: {seg[0].Loss} → {seg[^1].Loss}");
        }
        var z0 = net.Predict(r.Data.X);
        foreach (var q in path.Points)
        {
            double dev = (q.Network.Predict(r.Data.X) - z0).InfinityNorm();
            Assert.True(dev <= Tolerances.Prediction.At(z0.InfinityNorm()), $"prediction moved by {dev} at segment {q.Segment} t = {q.T} (tolerance {Tolerances.Prediction})");
            Assert.Equal(net.Width, q.Network.Width);
        }
        Assert.True(NeuronOps.IsNearlyMinimal(path.End, r.Data, p), NeuronOps.WhyNotNearlyMinimal(path.End, r.Data, p));
    }

    [Fact]
    public void FinerSamplingGivesSmallerSteps()
    {
        var (net, r, p) = Redundant();
        double coarse = MaxJump(Paths.ToNearlyMinimal(net, r.Data, Loss, r.Beta, p, 4));
        double fine = MaxJump(Paths.ToNearlyMinimal(net, r.Data, Loss, r.Beta, p, 64));
        Assert.True(fine < coarse / 4, $"max parameter jump {fine} with 64 points per segment vs {coarse} with 4");
    }

    [Fact]
    public void MergingColinearNeuronsKeepsTheLossAndEndsMinimal()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var trained = Trainer.Train(r.Data, Loss, r.Beta, 3, new TrainingSettings { Seed = 2, MaxIterations = 500 }).Network;
        var balanced = NeuronOps.Balance(trained);
        var split = NeuronOps.Split(NeuronOps.Split(balanced, 0, [0.2, 0.5, 0.3]), 1, [0.6, 0.4]);
        Assert.False(NeuronOps.IsMinimal(split, r.Data, p));
        var path = Paths.MergeToMinimal(split, r.Data, Loss, r.Beta, p, 8);
        Assert.True(path.MaxDeviationFromStart <= Tolerances.Objective.At(path.StartLoss),
            $"loss moved by {path.MaxDeviationFromStart} along the colinear merge (tolerance {Tolerances.Objective})");
        Assert.True(NeuronOps.IsMinimal(path.End, r.Data, p), NeuronOps.WhyNotMinimal(path.End, r.Data, p));
        Assert.Equal(NeuronOps.Slots(split, r.Data, p).Count, path.End.Neurons().Count(n => n.Alpha != 0));
    }

    [Fact]
    public void GlobalPathIsNonIncreasingAndEndsAtTheConvexOptimum()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var trained = Trainer.Train(r.Data, Loss, r.Beta, 1, new TrainingSettings { Seed = 0, MaxIterations = 500 }).Network;
        var minimal = NeuronOps.Minimalise(NeuronOps.Balance(trained), r.Data, p);
        var solved = ConvexSolver.Solve(new ConvexProblem(r.Data, Loss, r.Beta, p));
        var path = Paths.ToGlobalMinimum(minimal, solved.W, r.Data, Loss, r.Beta, p, 32);
        Assert.True(path.IsNonIncreasing(Tolerances.Objective), $"global path increases: {string.Join(", ", path.Losses)} (tolerance {Tolerances.Objective})");
        Assert.True(Tolerances.Objective.Agree(path.EndLoss, solved.Objective), $"end {path.EndLoss} vs P*_c upper {solved.Objective}");
        Assert.True(path.EndLoss >= r.Lower - Tolerances.Objective.At(r.Lower));
        Assert.True(Tolerances.Objective.Agree(path.StartLoss, NetworkObjective.Value(minimal, r.Data, Loss, r.Beta)));
    }

    private static double MaxJump(NetworkPath path) =>
        path.Points.Zip(path.Points.Skip(1)).Max(q => Math.Sqrt(
            (q.First.Network.U - q.Second.Network.U).FrobeniusNorm() * (q.First.Network.U - q.Second.Network.U).FrobeniusNorm()
            + Math.Pow((q.First.Network.Alpha - q.Second.Network.Alpha).L2Norm(), 2)));

    /// <summary>
    /// Two neurons of one slot with anti-parallel blocks (X = [[0]]: the one cone is the whole line; regression
    /// t5-anti-parallel-same-slot-flat-merge): merging the longer into the shorter is flat once the sum passes zero
    /// (THEORY.md §8, correction), so the longer absorbs the shorter and the penalty strictly decreases at every sample.
    /// </summary>
    [Fact]
    public void AntiParallelBlocksMergeWithAStrictlyDecreasingPenalty()
    {
        var data = Dataset.Create([[0.0]], [0.0965456643241744], "zero row");
        var patterns = CellEnumerator.Enumerate(data.X);
        var net = Network.Create(Matrix<double>.Build.DenseOfArray(new[,] { { -0.13242015290760514 }, { 2.4546040165890837 } }),
            Vector<double>.Build.Dense([-0.13242015290760514, -2.4546040165890837]));
        double beta = 0.22060090733723475;
        var path = Paths.ToNearlyMinimal(net, data, new SquaredLoss(0.13093929552007305), beta, patterns);
        var penalties = path.Points.Select(p => beta / 2 * p.Network.SquaredNorm()).ToArray();
        for (int k = 1; k < penalties.Length; k++)
            Assert.True(penalties[k] < penalties[k - 1], $"sample {k}: penalty {penalties[k]:R} after {penalties[k - 1]:R}");
        Assert.Equal(1, path.End.Neurons().Count(n => n.Alpha != 0));
    }
}
