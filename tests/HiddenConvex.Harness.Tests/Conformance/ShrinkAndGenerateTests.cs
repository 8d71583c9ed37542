using HiddenConvex.Harness.Conformance;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Tests.Conformance;

public class ShrinkAndGenerateTests
{
    [Fact]
    public void GenerationIsSeededSmallAndIncludesDegenerateData()
    {
        var a = new InstanceGenerator(5);
        var b = new InstanceGenerator(5);
        var xs = Enumerable.Range(0, 40).Select(a.Next).ToList();
        var ys = Enumerable.Range(0, 40).Select(b.Next).ToList();
        for (int k = 0; k < xs.Count; k++)
        {
            Assert.Equal(xs[k].Describe(), ys[k].Describe());
            Assert.Equal(xs[k].X.SelectMany(r => r), ys[k].X.SelectMany(r => r));
            Assert.InRange(xs[k].N, 2, 8);
            Assert.InRange(xs[k].D, 1, 3);
            Assert.True(xs[k].Beta > 0);
            xs[k].ToLoss().ValidateTargets(xs[k].ToDataset().Y, "generated");
        }
        Assert.Contains(xs, i => i.X.Any(r => r.All(v => v == 0)));
        Assert.Contains(xs, i => i.Kind == "dup" && i.X[0].SequenceEqual(i.X[1]));
        Assert.Contains(xs, i => i.Loss == "logistic");
        Assert.Contains(xs, i => i.D > 1 && Matrix<double>.Build.DenseOfRowArrays(i.X).Rank() < i.D);
    }

    [Fact]
    public void ShrinkingFindsALocalMinimumAndTerminates()
    {
        // Fails whenever some row has a first entry ≥ 2.5 in absolute value: the minimum is one row, one column.
        var start = new ConformInstance(
            [[0.3, 1.7, -2.2], [3.14, 0.5, 1.0], [-0.4, 2.6, 0.0], [4.2, -1.1, 0.7]],
            [0.5, -1.25, 2.0, 0.1], 0.37, "squared", 0.5, 5, 1, "gauss");
        int runs = 0;
        bool Fails(ConformInstance c) { runs++; return c.X.Any(r => Math.Abs(r[0]) >= 2.5); }
        var r = Shrinker.Shrink(start, Fails, budget: 500);
        Assert.True(Fails(r.Instance));
        Assert.Equal(1, r.Instance.N);
        Assert.Equal(1, r.Instance.D);
        Assert.Equal(1.0, r.Instance.Beta);
        Assert.Equal(1.0, r.Instance.LossScale);
        Assert.All(r.Instance.X.SelectMany(x => x), v => Assert.Equal(Math.Round(v), v));
        Assert.True(r.Evaluations < 500, "shrinking should end at a local minimum before the budget");
        Assert.Equal(r.Steps, r.Log.Count);
        // No candidate of the result is both simpler and failing.
        Assert.DoesNotContain(Shrinker.Candidates(r.Instance), c =>
            Shrinker.Complexity(c.Candidate).CompareTo(Shrinker.Complexity(r.Instance)) < 0 && Fails(c.Candidate));
    }

    [Fact]
    public void ShrinkingRespectsTheBudgetAndKeepsLogisticLabels()
    {
        var start = new ConformInstance([[1.5, 2], [0.5, -1], [2, 2]], [1, -1, 1], 0.3, "logistic", 1, 4, 1, "gauss");
        var r = Shrinker.Shrink(start, _ => true, budget: 3);
        Assert.Equal(3, r.Evaluations);
        Assert.All(r.Instance.Y, v => Assert.True(v is 1 or -1));
    }

    [Fact]
    public void ShrinkingStopsAtItsTimeLimit()
    {
        var start = new ConformInstance([[1.5, 2], [0.5, -1]], [1, -1], 0.3, "squared", 1, 3, 1, "gauss");
        var r = Shrinker.Shrink(start, _ => true, budget: 100, deadlineUtc: DateTime.UtcNow.AddSeconds(-1));
        Assert.Equal(0, r.Evaluations);
        Assert.Same(start, r.Instance);
    }

    [Fact]
    public void AFilterRestrictsLossesAndSizesAndTheDefaultChangesNothing()
    {
        var filter = InstanceFilter.Create(["squared"], 3, 4, 2, 2);
        var filtered = new InstanceGenerator(5, filter);
        for (int k = 0; k < 60; k++)
        {
            var inst = filtered.Next(k);
            Assert.Equal("squared", inst.Loss);
            Assert.InRange(inst.N, 3, 4);
            Assert.Equal(2, inst.D);
        }
        var plain = new InstanceGenerator(5);
        var all = new InstanceGenerator(5, InstanceFilter.All);
        for (int k = 0; k < 20; k++)
        {
            var (a, b) = (plain.Next(k), all.Next(k));
            Assert.Equal(a.Describe(), b.Describe());
            Assert.Equal(a.Beta, b.Beta);
        }
        Assert.Throws<HiddenConvex.Core.Data.InvalidInputException>(() => InstanceFilter.Create(null, 1, 9, 1, 3));
    }

    [Fact]
    public void RelatedInstancesHaveTheStatedFactors()
    {
        var inst = new ConformInstance([[1, 0], [0, 2], [-1, 1]], [1, -0.5, 2], 0.3, "squared", 1, 4, 42, "int");
        var scaled = Invariances.Relate(inst, "scale");
        Assert.Equal(4.0, scaled.Factor);
        Assert.Equal(0.6, scaled.Instance.Beta);
        Assert.Equal([2, -1.0, 4], scaled.Instance.Y);
        var rot = Invariances.Relate(inst, "orthogonal");
        Assert.Equal(1.0, rot.Factor);
        var x = Matrix<double>.Build.DenseOfRowArrays(inst.X);
        var xq = Matrix<double>.Build.DenseOfRowArrays(rot.Instance.X);
        Assert.True((x * x.Transpose() - xq * xq.Transpose()).FrobeniusNorm() == 0, "a signed permutation keeps X Xᵀ exactly");
        var perm = Invariances.Relate(inst, "permute-rows");
        Assert.Equal(inst.Y.OrderBy(v => v), perm.Instance.Y.OrderBy(v => v));
        var logistic = inst with { Loss = "logistic", Y = [1, -1, 1] };
        Assert.Equal("permute-rows", Invariances.Relate(logistic, "scale").Relation);
    }
}
