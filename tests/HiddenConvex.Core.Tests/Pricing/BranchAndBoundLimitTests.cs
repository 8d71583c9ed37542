using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// Stopping rules, limits and input validation of <see cref="BranchAndBoundPricing"/>: every stop leaves a valid bracket
/// (ρ̲ ≤ ρ_exact ≤ ρ̄ up to <see cref="Tolerances.ConeProjection"/>), reports the right status, and bad input is a clear
/// <see cref="InvalidInputException"/>.
/// </summary>
public class BranchAndBoundLimitTests
{
    private static readonly Tolerance Rounding = Tolerances.ConeProjection;

    /// <summary>An instance that needs many nodes to close (n = 40, d = 4: tens of thousands of cells).</summary>
    private static (Matrix<double> X, Vector<double> V, double Rho) Hard()
    {
        var rng = new Random(77);
        var x = PricingInstances.Gaussian(rng, 40, 4);
        var v = Vector<double>.Build.Dense(40, _ => ArrangementData.Normal(rng));
        var set = CellEnumerator.Enumerate(x);
        Assert.True(set.IsExact);
        return (x, v, new EnumeratedPricing(x, set).Price(v).Rho);
    }

    private static void AssertValid(PricingBracket r, double rho, string what)
    {
        Assert.True(r.Lower <= rho, $"{what}: lower {r.Lower:R} > ρ {rho:R}");
        Assert.True(Rounding.AtMost(rho, r.Upper), $"{what}: ρ {rho:R} > upper {r.Upper:R} (tolerance {Rounding})");
    }

    [Fact]
    public void TheNodeLimitStopsWithAValidBracket()
    {
        var (x, v, rho) = Hard();
        var r = new BranchAndBoundPricing(x).Bracket(v, new() { NodeLimit = 10 });
        Assert.Equal(BracketStatus.NodeLimit, r.Status);
        Assert.InRange(r.Nodes, 10, 12); // two roots and whole pairs of children
        AssertValid(r, rho, "node limit");
        Assert.True(r.Upper > r.Lower * (1 + 1e-3), "the instance closed too early to test the limit");
    }

    [Fact]
    public void TheTimeLimitStopsWithAValidBracket()
    {
        var (x, v, rho) = Hard();
        var r = new BranchAndBoundPricing(x).Bracket(v, new() { TimeLimitSeconds = 1e-6 });
        Assert.Equal(BracketStatus.TimeLimit, r.Status);
        AssertValid(r, rho, "time limit");
    }

    [Fact]
    public void TheMemoryLimitStopsWithAValidBracket()
    {
        var (x, v, rho) = Hard();
        var r = new BranchAndBoundPricing(x).Bracket(v, new() { MemoryLimitBytes = 700 });
        Assert.Equal(BracketStatus.MemoryLimit, r.Status);
        Assert.True(r.MaxOpenNodes >= 1);
        AssertValid(r, rho, "memory limit");
    }

    [Fact]
    public void CancellationStopsWithAValidBracket()
    {
        var (x, v, rho) = Hard();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = new BranchAndBoundPricing(x).Bracket(v, new(), cts.Token);
        Assert.Equal(BracketStatus.Cancelled, r.Status);
        AssertValid(r, rho, "cancelled");
    }

    [Fact]
    public void StopBelowProvesAThresholdAboveRhoAndIsNotReachedBelowIt()
    {
        var (x, v, rho) = Hard();
        var above = new BranchAndBoundPricing(x).Bracket(v, new() { StopBelow = 1.5 * rho });
        Assert.Equal(BracketStatus.ReachedStopBelow, above.Status);
        Assert.True(above.Upper <= 1.5 * rho);
        AssertValid(above, rho, "StopBelow 1.5ρ");
        var below = new BranchAndBoundPricing(x).Bracket(v, new() { StopBelow = 0.9 * rho });
        Assert.Equal(BracketStatus.Closed, below.Status);
        AssertValid(below, rho, "StopBelow 0.9ρ");
    }

    [Fact]
    public void StopAboveRefutesAThresholdBelowRho()
    {
        var (x, v, rho) = Hard();
        var r = new BranchAndBoundPricing(x).Bracket(v, new() { StopAbove = 0.5 * rho });
        Assert.Equal(BracketStatus.ReachedStopAbove, r.Status);
        Assert.True(r.Lower > 0.5 * rho);
        AssertValid(r, rho, "StopAbove");
        var unreachable = new BranchAndBoundPricing(x).Bracket(v, new() { StopAbove = 2 * rho });
        Assert.Equal(BracketStatus.Closed, unreachable.Status);
    }

    [Fact]
    public void BlocksAboveUnderANodeLimitIsIncompleteWithAValidRemainderBound()
    {
        var (x, v, rho) = Hard();
        var r = new BranchAndBoundPricing(x).BlocksAbove(v, 0.5 * rho, 1000, new() { NodeLimit = 20 });
        Assert.Equal(BracketStatus.NodeLimit, r.Status);
        Assert.False(r.Complete);
        Assert.True(Rounding.AtMost(rho, Math.Max(r.RemainderUpper, r.Blocks.Count > 0 ? r.Blocks[0].Value : 0)),
            $"neither the listed blocks nor the remainder bound {r.RemainderUpper:R} cover ρ = {rho:R}");
    }

    [Fact]
    public void ProgressIsReportedWithTheRunningBracket()
    {
        var (x, v, rho) = Hard();
        var reports = new List<BracketProgress>();
        var r = new BranchAndBoundPricing(x).Bracket(v, new() { Progress = reports.Add, ProgressIntervalSeconds = 1e-9, NodeLimit = 200 });
        Assert.NotEmpty(reports);
        Assert.Equal(r.Nodes, reports[^1].Nodes);
        Assert.Equal((r.Lower, r.Upper), (reports[^1].Lower, reports[^1].Upper));
        Assert.All(reports, p => Assert.True(p.Lower <= rho && Rounding.AtMost(rho, p.Upper), $"progress bracket [{p.Lower}, {p.Upper}] misses ρ = {rho}"));
        Assert.Equal(reports.Select(p => p.Nodes).Order(), reports.Select(p => p.Nodes));
    }

    [Fact]
    public void ParallelAndSequentialChildBoundsGiveTheSameSearch()
    {
        var (x, v, _) = Hard();
        var a = new BranchAndBoundPricing(x).Bracket(v, new() { NodeLimit = 300, ParallelChildren = true });
        var b = new BranchAndBoundPricing(x).Bracket(v, new() { NodeLimit = 300, ParallelChildren = false });
        Assert.Equal((a.Lower, a.Upper, a.Nodes, a.MaxOpenNodes), (b.Lower, b.Upper, b.Nodes, b.MaxOpenNodes));
    }

    [Fact]
    public void BadInputIsRejectedWithAMessageNamingIt()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var v = Vector<double>.Build.DenseOfArray([1.0, -1.0, 0.5]);
        var pricing = new BranchAndBoundPricing(x);
        Assert.Contains("X[1,0] is NaN", Assert.Throws<InvalidInputException>(() =>
            new BranchAndBoundPricing(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 2 }, { double.NaN, 4 } }))).Message);
        Assert.Contains("X[0,1] is +Inf", Assert.Throws<InvalidInputException>(() =>
            new BranchAndBoundPricing(Matrix<double>.Build.DenseOfArray(new double[,] { { 1, double.PositiveInfinity } }))).Message);
        Assert.Contains("2 entries but the data has 3 rows", Assert.Throws<InvalidInputException>(() =>
            pricing.Bracket(Vector<double>.Build.DenseOfArray([1.0, 2.0]))).Message);
        Assert.Contains("v[2] is -Inf", Assert.Throws<InvalidInputException>(() =>
            pricing.Bracket(Vector<double>.Build.DenseOfArray([1.0, 2.0, double.NegativeInfinity]))).Message);
        Assert.Contains("v[0] is NaN", Assert.Throws<InvalidInputException>(() =>
            pricing.BlocksAbove(Vector<double>.Build.DenseOfArray([double.NaN, 2.0, 1.0]), 1, 5)).Message);
        Assert.Contains("threshold", Assert.Throws<InvalidInputException>(() => pricing.BlocksAbove(v, -1, 5)).Message);
        Assert.Contains("threshold", Assert.Throws<InvalidInputException>(() => pricing.BlocksAbove(v, double.NaN, 5)).Message);
        Assert.Contains("block count", Assert.Throws<InvalidInputException>(() => pricing.BlocksAbove(v, 1, 0)).Message);
        Assert.Contains("time limit", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { TimeLimitSeconds = 0 })).Message);
        Assert.Contains("node limit", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { NodeLimit = 0 })).Message);
        Assert.Contains("memory limit", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { MemoryLimitBytes = 0 })).Message);
        Assert.Contains("relative tolerance", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { RelativeTolerance = double.NaN })).Message);
        Assert.Contains("StopBelow", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { StopBelow = double.PositiveInfinity })).Message);
        Assert.Contains("StopAbove", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { StopAbove = double.NaN })).Message);
        Assert.Contains("progress interval", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { ProgressIntervalSeconds = 3 })).Message);
        Assert.Contains("ascent steps", Assert.Throws<InvalidInputException>(() => pricing.Bracket(v, new() { AscentSteps = -1 })).Message);
        Assert.Contains("seed direction 0 has 3 entries but the data has d = 2", Assert.Throws<InvalidInputException>(() =>
            pricing.Bracket(v, new() { Seeds = [Vector<double>.Build.Dense(3)] })).Message);
        Assert.Contains("seed0[1] is NaN", Assert.Throws<InvalidInputException>(() =>
            pricing.Bracket(v, new() { Seeds = [Vector<double>.Build.DenseOfArray([1.0, double.NaN])] })).Message);
    }
}
