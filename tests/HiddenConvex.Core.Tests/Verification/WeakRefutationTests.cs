using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Networks;
using HiddenConvex.Core.Training;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Verification;

/// <summary>
/// A refutation too weak to exclude ε_gap-optimality waits for the proof of the gap (THEORY.md §4a column generation, §9
/// decision order), on both pricing paths: the regression case b3-kink-neuron-slot-hides-certifying-dual-point of the
/// property suite (law B3).
/// </summary>
public class WeakRefutationTests
{
    // 5×2 Gaussian data, logistic loss c = 0.4, β = 0.0481·β_max; θ = ψ of a restricted optimum, written with every bit.
    // Neuron 0 lies on the kink of the fifth row (x_5·u = −1.4e-17): the cells 10010 and 10011 both hold it.
    internal static readonly Dataset Data = Dataset.Create(
        [
            [-0.7990106892377099, -1.6234960722725973],
            [0.0835616129625429, 1.3955364964797126],
            [-0.17019491625817498, 0.7454662437432017],
            [-0.286857670765951, -0.8098394668669185],
            [-0.3470025443801358, -0.14196818702387223],
        ],
        [-1, -1, -1, 1, -1], "b3 kink-neuron regression");

    internal static readonly LogisticLoss Loss = new(0.4);
    internal const double Beta = 0.02059592485883802;

    internal static readonly Network Theta = Network.FromNeurons(
        [
            (Vector<double>.Build.DenseOfArray([0.3215735165587139, -0.785998826852511]), 0.8492371178684202),
            (Vector<double>.Build.DenseOfArray([-3.2425823611227296, 1.1485728486128197]), -3.43999417982572),
        ], 2);

    /// <summary>The check as `hcv check --patterns bnb` runs it: the oracle seeded with θ's neurons and told β, slots in θ's own cells.</summary>
    internal static OptimalityReport ViaBranchAndBound(CheckSettings settings) =>
        OptimalityCheck.Check(Theta, Data, Loss, Beta,
            new BranchAndBoundOracle(Data.X, Theta.Neurons().Select(nu => nu.U), new BranchAndBoundOracleSettings { Beta = Beta }),
            NetworkCells.Of(Theta, Data.X), settings);

    internal static OptimalityReport ViaEnumeration(CheckSettings settings) =>
        OptimalityCheck.Check(Theta, Data, Loss, Beta, CellEnumerator.Enumerate(Data.X), settings);

    [Fact]
    public void BothPricingPathsCertifyANetworkWithinTheGapThatAWeakEscapeNeuronImproves()
    {
        var exact = ViaEnumeration(new CheckSettings());
        var bnb = ViaBranchAndBound(new CheckSettings());
        Assert.True(exact.Verdict == Verdict.Optimal, $"exact check: {exact.Explanation}");
        Assert.True(bnb.Verdict == Verdict.Optimal, $"branch-and-bound check: {bnb.Explanation}");
        Assert.True(bnb.LowerProven);
        Assert.True(bnb.RelativeGap <= Tolerances.CheckGap, $"proven relative gap {bnb.RelativeGap:G3} (tolerance {Tolerances.CheckGap})");

        // The escape neuron is real (its decrease is above rounding) and is reported next to the certificate: both hold,
        // since its proven decrease is within ε_gap (THEORY.md §9).
        var e = bnb.Escape!;
        Assert.True(e.Refutes, $"decrease {e.ActualDecrease:G3} vs rounding {e.Rounding:G3}");
        Assert.True(e.ActualDecrease - e.Rounding <= Tolerances.CheckGap * (bnb.Objective - bnb.ObjectiveRounding),
            $"proven decrease {e.ActualDecrease - e.Rounding:G3} above ε_gap (L̂ − B) = {Tolerances.CheckGap * (bnb.Objective - bnb.ObjectiveRounding):G3}");
        // The lower bound is a proof: below P*_c ≤ L_β(θ + escape neuron).
        Assert.True(bnb.Lower - bnb.Certificate.LowerRounding <= e.ObjectiveAfter + e.Rounding,
            $"lower {bnb.Lower:R} (rounding {bnb.Certificate.LowerRounding:G3}) above the witness's objective {e.ObjectiveAfter:R}");
        Assert.Contains("within the tolerance of the gap", bnb.Explanation);
    }

    [Fact]
    public void WithoutColumnRoundsTheKinkNeuronsOwnSlotLeavesTheBranchAndBoundCheckRefuting()
    {
        // The cause, shown: NetworkCells reads neuron 0 in the other cell than S(X) does, θ is optimal on that program, so
        // its dual point is θ's own v, which prices above β; the escape neuron then refutes.
        var bnb = ViaBranchAndBound(new CheckSettings { ProofColumns = 0 });
        Assert.Equal(Verdict.StationaryNotOptimal, bnb.Verdict);
        Assert.Equal(Decision.EscapeNeuron, bnb.DecidedBy);
        Assert.True(bnb.LocalRelativeGap <= Tolerances.LocalGap, $"gap on θ's own slots {bnb.LocalRelativeGap:G3}");
        Assert.True(bnb.Certificate.Rho > Beta * (1 + Tolerances.Pricing.Relative), $"ρ̄ / β = {bnb.Certificate.Rho / Beta:R}");
        var exactSlots = NeuronOps.Slots(Theta, Data, CellEnumerator.Enumerate(Data.X)).Select(s => s.Block.ToString()).ToList();
        var ownSlots = NeuronOps.Slots(Theta, Data, NetworkCells.Of(Theta, Data.X)).Select(s => s.Block.ToString()).ToList();
        Assert.NotEqual(exactSlots, ownSlots);
    }

    [Fact]
    public void AStrongRefutationIsImmediate()
    {
        // A too narrow trained network: its escape neuron's decrease exceeds ε_gap·L̂, so no column round runs and the report
        // is the one without them, figure for figure.
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var loss = new SquaredLoss();
        var narrow = Trainer.Train(r.Data, loss, r.Beta, 1, new TrainingSettings { Seed = 0, MaxIterations = 3000 }).Network;
        var with = OptimalityCheck.Check(narrow, r.Data, loss, r.Beta, p, new CheckSettings());
        var without = OptimalityCheck.Check(narrow, r.Data, loss, r.Beta, p, new CheckSettings { ProofColumns = 0 });
        Assert.Equal(Verdict.StationaryNotOptimal, with.Verdict);
        Assert.True(with.Escape!.ActualDecrease - with.Escape.Rounding > Tolerances.CheckGap * with.Objective,
            $"escape decrease {with.Escape.ActualDecrease:G3} is not a strong refutation here; pick another instance");
        Assert.Equal(without.Verdict, with.Verdict);
        Assert.Equal(without.Lower, with.Lower);
        Assert.Equal(without.Certificate.V, with.Certificate.V);
    }
}
