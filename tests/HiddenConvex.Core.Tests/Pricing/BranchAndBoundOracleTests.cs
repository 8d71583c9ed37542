using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The branch-and-bound oracle (THEORY.md §4a) against enumeration: its ρ̄ bounds the exact ρ(v), its best block is a
/// cell of S(X) with the exact engine's value, its blocks for column generation are above the threshold, and a check or
/// a solve over it reaches the verdicts of the exact path.
/// </summary>
public class BranchAndBoundOracleTests
{
    public static TheoryData<string> Families() => new(PricingInstances.Families);

    [Theory]
    [MemberData(nameof(Families))]
    public void PriceBracketsTheExactRhoAndItsBestBlockHasTheExactValue(string family)
    {
        foreach (var inst in Enumerable.Range(0, 5).Select(s => PricingInstances.Make(family, s)))
        {
            var oracle = new BranchAndBoundOracle(inst.X);
            var r = oracle.Price(inst.V);
            Assert.True(r.UpperProven && oracle.BoundsFullProgram);
            Assert.True(r.Rho <= inst.Rho, $"{inst}: ρ̲ {r.Rho:R} > exact ρ {inst.Rho:R}");
            Assert.True(Tolerances.Pricing.AtMost(inst.Rho, r.Upper), $"{inst}: exact ρ {inst.Rho:R} > ρ̄ {r.Upper:R} (tolerance {Tolerances.Pricing})");
            if (r.Rho == 0) continue;
            var id = inst.Engine.IdOf(r.BestBlock) ?? throw new Xunit.Sdk.XunitException($"{inst}: best block {r.BestBlock} is not a cell of S(X)");
            Assert.Equal(inst.Values[id.Value], r.Rho);
        }
    }

    [Fact]
    public void APriceAtTheSameDualVectorIsAnsweredFromTheLastBracket()
    {
        var inst = PricingInstances.Make("gaussian", 3);
        var oracle = new BranchAndBoundOracle(inst.X);
        var first = oracle.Price(inst.V);
        var again = oracle.Price(inst.V.Clone());
        Assert.Same(first, again);
        Assert.Equal(1, oracle.Calls);
        oracle.Price(inst.V * 2);
        Assert.Equal(2, oracle.Calls);
    }

    [Fact]
    public void AColumnSearchUndecidedAtItsNodeLimitSearchesLongerWhenAskedAgainAtTheSameVectorUntilItDecides()
    {
        var inst = PricingInstances.Make("gaussian", 3);
        // Just above ρ(v): no block reaches the threshold, and only a bracket closed to 1e-6 proves it.
        double threshold = inst.Rho * (1 + 1e-6);
        var settings = new BranchAndBoundOracleSettings
        {
            Search = new BranchAndBoundSettings { NodeLimit = 1 },
            ColumnSampleDirections = 0,
            RememberedSeeds = 0,
        };
        var oracle = new BranchAndBoundOracle(inst.X, settings: settings);
        var answers = new List<(PricedBlocks Answer, long Nodes)>();
        // Each repeat doubles the node limit.
        for (int call = 0; call < 40 && !(answers.Count > 0 && answers[^1].Answer.Complete); call++)
            answers.Add((oracle.BlocksAbove(inst.V, threshold), oracle.LastBracket!.Nodes));
        string trace = string.Join("; ", answers.Select(a => $"{a.Nodes} nodes, complete {a.Answer.Complete}, undecided {a.Answer.Undecided}"));
        Assert.True(answers[0].Answer.Undecided && !answers[0].Answer.Complete, $"{inst}: the first search (one node) should be undecided: {trace}");
        Assert.True(answers[^1].Answer.Complete && !answers[^1].Answer.Undecided, $"{inst}: no repeat proved ρ(v) below the threshold: {trace}");
        Assert.All(answers, a => Assert.Empty(a.Answer.Blocks));
        Assert.True(answers.Count > 2 && answers[^1].Nodes > answers[1].Nodes, $"{inst}: the repeats did not search longer: {trace}");
        var atNewVector = oracle.BlocksAbove(inst.V * 2, 2 * threshold);
        Assert.True(oracle.LastBracket!.Nodes == answers[0].Nodes && atNewVector.Undecided, $"{inst}: a new vector starts again from the first search's limit: {oracle.LastBracket.Nodes} nodes, status {oracle.LastBracket.Status}, complete {atNewVector.Complete}, {atNewVector.Blocks.Count} blocks; {trace}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void BlocksForColumnGenerationAreAboveTheThresholdAndCompleteOnlyWhenNoneIs(string family)
    {
        foreach (var inst in Enumerable.Range(0, 5).Select(s => PricingInstances.Make(family, s)))
        {
            foreach (double fraction in new[] { 0.5, 0.99, 1.5 })
            {
                double threshold = fraction * inst.Rho;
                var found = new BranchAndBoundOracle(inst.X).BlocksAbove(inst.V, threshold);
                foreach (var b in found.Blocks)
                {
                    Assert.True(b.Value >= threshold, $"{inst}: block {b.Block} at {b.Value:R} below the threshold {threshold:R}");
                    var id = inst.Engine.IdOf(b.Block) ?? throw new Xunit.Sdk.XunitException($"{inst}: {b.Block} is not a cell of S(X)");
                    Assert.Equal(inst.Values[id.Value], b.Value);
                }
                Assert.Equal(found.Blocks.Count, found.Blocks.Select(b => b.Block).Distinct().Count());
                if (found.Complete) Assert.True(inst.Rho < threshold, $"{inst}: complete at threshold {threshold:R} but ρ = {inst.Rho:R}");
                if (fraction <= 0.5 && inst.Rho > 0) Assert.NotEmpty(found.Blocks);
            }
        }
    }

    [Theory]
    [InlineData(11, 3)]
    [InlineData(12, 2)]
    public void ACheckWithoutEnumerationCertifiesTheSolvedNetworkAndRefutesAPerturbedOne(int seed, int d)
    {
        var rng = new Random(seed);
        var x = PricingInstances.Gaussian(rng, 9, d);
        var y = Vector<double>.Build.Dense(9, _ => ArrangementData.Normal(rng));
        var data = Dataset.Create(x, y);
        var loss = new SquaredLoss();
        double beta = 0.1 * x.Transpose().Multiply(y).L2Norm();
        var exact = CellEnumerator.Enumerate(x);
        var solution = CertifiedPipeline.Run(new ConvexProblem(data, loss, beta, exact), new PipelineSettings());
        Assert.True(solution.Certified);
        var net = solution.Network;
        var oracle = new BranchAndBoundOracle(x, net.Neurons().Select(nu => nu.U), new BranchAndBoundOracleSettings { Beta = beta });
        var report = OptimalityCheck.Check(net, data, loss, beta, oracle, NetworkCells.Of(net, x), new CheckSettings());
        Assert.Equal(Verdict.Optimal, report.Verdict);
        Assert.True(report.LowerProven);

        var perturbed = Network.Create(net.U, net.Alpha * 1.05);
        var viaBnb = OptimalityCheck.Check(perturbed, data, loss, beta, new BranchAndBoundOracle(x, null, new BranchAndBoundOracleSettings { Beta = beta }),
            NetworkCells.Of(perturbed, x), new CheckSettings());
        var viaExact = OptimalityCheck.Check(perturbed, data, loss, beta, exact, new CheckSettings());
        Assert.NotEqual(Verdict.Optimal, viaBnb.Verdict);
        Assert.Equal(viaExact.Verdict, viaBnb.Verdict);
    }
}
