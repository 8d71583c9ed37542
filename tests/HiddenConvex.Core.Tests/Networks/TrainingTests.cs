using System.Text.Json;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;

namespace HiddenConvex.Core.Tests.Networks;

/// <summary>A reference instance of tests/HiddenConvex.Core.Tests/Data/reference (certified lower/upper bounds on P*_c).</summary>
internal sealed record ReferenceInstance(string Name, Dataset Data, double Beta, double Lower, double Upper, int Cells)
{
    public static ReferenceInstance Load(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "tests", "HiddenConvex.Core.Tests", "Data", "reference")))
            dir = Path.GetDirectoryName(dir);
        if (dir is null) throw new DirectoryNotFoundException("reference data directory not found above " + AppContext.BaseDirectory);
        var path = Path.Combine(dir, "tests", "HiddenConvex.Core.Tests", "Data", "reference", name + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var x = root.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var y = root.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return new ReferenceInstance(name, Dataset.Create(x, y, name), root.GetProperty("beta").GetDouble(),
            root.GetProperty("lower").GetDouble(), root.GetProperty("upper").GetDouble(), root.GetProperty("cells").GetInt32());
    }
}

/// <summary>The non-convex trainer: determinism, decrease, stationarity, weak duality against certified bounds.</summary>
public class TrainingTests
{
    [Fact]
    public void SameSeedGivesIdenticalRunsAndOtherSeedsDiffer()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Adam, MaxIterations = 300, Seed = 7 };
        var a = Trainer.Train(r.Data, new SquaredLoss(), r.Beta, 6, settings);
        var b = Trainer.Train(r.Data, new SquaredLoss(), r.Beta, 6, settings);
        var c = Trainer.Train(r.Data, new SquaredLoss(), r.Beta, 6, settings with { Seed = 8 });
        Assert.Equal(a.Network.U.ToColumnMajorArray(), b.Network.U.ToColumnMajorArray());
        Assert.Equal(a.Network.Alpha.ToArray(), b.Network.Alpha.ToArray());
        Assert.NotEqual(a.Network.U.ToColumnMajorArray(), c.Network.U.ToColumnMajorArray());
    }

    [Theory]
    [InlineData(OptimizerKind.GradientDescent)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Lbfgs)]
    public void EveryOptimizerDecreasesTheObjectiveAndStaysAboveTheCertifiedLowerBound(OptimizerKind optimizer)
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var loss = new SquaredLoss();
        var settings = new TrainingSettings { Optimizer = optimizer, MaxIterations = 3000, Seed = 1 };
        var start = Trainer.Initialise(9, r.Data.D, 1);
        double l0 = NetworkObjective.Value(start, r.Data, loss, r.Beta);
        var res = Trainer.Train(r.Data, loss, r.Beta, start, settings);
        Assert.True(res.Objective < l0, $"{optimizer}: objective {res.Objective} not below the start {l0}");
        Assert.True(res.Objective >= r.Lower - Tolerances.Objective.At(r.Lower),
            $"{optimizer}: objective {res.Objective} below the certified lower bound {r.Lower} (tolerance {Tolerances.Objective})");
        Assert.True(Tolerances.Objective.Agree(res.Objective, NetworkObjective.Value(res.Network, r.Data, loss, r.Beta)));
        if (optimizer == OptimizerKind.GradientDescent)
            for (int k = 1; k < res.History.Count; k++)
                Assert.True(res.History[k] <= res.History[k - 1], $"gradient descent increased L at iteration {k}");
    }

    [Fact]
    public void LbfgsReachesStationarityAndTheStationaryNetIsScaled()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5");
        var loss = new SquaredLoss();
        var tolerance = new Tolerance(1e-12, 1e-4);
        var res = Trainer.Train(r.Data, loss, r.Beta, 6, new TrainingSettings { Seed = 3, Stationarity = tolerance, MaxIterations = 5000 });
        Assert.Equal(TrainingStatus.Stationary, res.Status);
        Assert.True(res.Stationarity.IsStationary, $"measure {res.Stationarity.Measure} above {res.Stationarity.Threshold} (tolerance {tolerance})");
        // Every stationary point is scaled (THEORY.md §7): α_i ∂L/∂α_i − u_i·∂L/∂u_i = β(α_i² − ‖u_i‖²).
        double slack = res.Stationarity.Measure * Math.Sqrt(res.Network.SquaredNorm()) / r.Beta + 1e-12;
        for (int i = 0; i < res.Network.Width; i++)
        {
            var (u, a) = res.Network.Neuron(i);
            Assert.True(Math.Abs(u.DotProduct(u) - a * a) <= 2 * slack, $"neuron {i}: ‖u‖² = {u.DotProduct(u)}, α² = {a * a}");
        }
        Assert.True(res.Objective >= r.Lower - Tolerances.Objective.At(r.Lower));
    }

    [Fact]
    public void LogisticLossTrainsAndRejectsNonSignLabels()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5");
        var signs = r.Data.WithTargets(r.Data.Y.Map(v => v >= 0 ? 1.0 : -1.0));
        var res = Trainer.Train(signs, new LogisticLoss(), 0.05, 6, new TrainingSettings { Seed = 2, MaxIterations = 2000 });
        Assert.True(double.IsFinite(res.Objective));
        Assert.True(res.Objective < NetworkObjective.Value(Trainer.Initialise(6, 3, 2), signs, new LogisticLoss(), 0.05));
        Assert.Throws<InvalidInputException>(() => Trainer.Train(r.Data, new LogisticLoss(), 0.05, 6, new TrainingSettings()));
    }

    [Fact]
    public void AdamWithADecayingRateIsDeterministicAndDecreases()
    {
        var r = ReferenceInstance.Load("ref03_n7_d2_dup_f0.5");
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Adam, MaxIterations = 2000, Seed = 4, LearningRate = 1e-2, FinalLearningRate = 1e-5 };
        var a = Trainer.Train(r.Data, new SquaredLoss(), r.Beta, 5, settings);
        var b = Trainer.Train(r.Data, new SquaredLoss(), r.Beta, 5, settings);
        Assert.Equal(a.Objective, b.Objective);
        Assert.True(a.Objective < a.History[0], $"Adam with decay did not decrease L: {a.History[0]} → {a.Objective}");
        Assert.True(a.Objective >= r.Lower - Tolerances.Objective.At(r.Lower));
    }

    [Fact]
    public void BadInputIsRejected()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        Assert.Throws<InvalidInputException>(() => Trainer.Train(r.Data, new SquaredLoss(), 0, 3, new TrainingSettings()));
        Assert.Throws<InvalidInputException>(() => Trainer.Train(r.Data, new SquaredLoss(), 0.1, 0, new TrainingSettings()));
        Assert.Throws<InvalidInputException>(() => Trainer.Train(r.Data, new SquaredLoss(), 0.1, Trainer.Initialise(3, 2, 0), new TrainingSettings()));
    }
}
