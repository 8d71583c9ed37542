using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Tests.Convex;

public class OptimalSetTests
{
    private static readonly Tolerance Obj = Tolerances.Objective;
    private static readonly Tolerance Pred = Tolerances.Prediction;

    /// <summary>Solves a reference instance, asserts it is certified optimal and reads 𝒲* off the answer.</summary>
    internal static (ConvexProblem Problem, SolverResult Result, OptimalSet Set) Solve(string name)
    {
        var r = ReferenceInstance.Load(name);
        var problem = r.Problem();
        var result = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, result.Status);
        return (problem, result, OptimalSet.FromSolution(problem, result.W));
    }

    private static void AssertInOptimalSet(ConvexProblem problem, OptimalSet set, MathNet.Numerics.LinearAlgebra.Vector<double> t, double pStar, string what)
    {
        Assert.True(t.Minimum() >= 0, $"{what}: negative entry {t.Minimum()}");
        var w = set.ToPoint(t);
        Assert.True(Obj.Agree(problem.Objective(w), pStar), $"{what}: objective {problem.Objective(w):R} vs P* {pStar:R} (tolerance {Obj})");
        var z = w.Predict(problem.Data.X);
        double scale = set.Z.AbsoluteMaximum();
        Assert.True((z - set.Z).AbsoluteMaximum() <= Pred.At(scale), $"{what}: prediction moved by {(z - set.Z).AbsoluteMaximum()} (tolerance {Pred})");
        Assert.True(w.MaxConeViolation(problem.Data.X) <= Tolerances.Cone.At(1), $"{what}: cone violation {w.MaxConeViolation(problem.Data.X)}");
    }

    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void PointsPrunedVerticesMinimumSupportAndSamplesAreOptimal(string name)
    {
        var (problem, result, set) = Solve(name);
        double pStar = result.Objective;
        int n = problem.Data.N;
        Assert.True(set.Residual <= Pred.At(1), $"active directions reproduce z* only to {set.Residual}");
        foreach (var nz in result.W.NonZeroBlocks)
            Assert.Contains(set.Active, a => a.Block == nz.Block);
        foreach (var a in set.Active)
            Assert.True(Tolerances.Pricing.Agree(a.Price, problem.Beta), $"active block {a.Block} prices at {a.Price}, β = {problem.Beta}");
        AssertInOptimalSet(problem, set, set.Point, pStar, "NNLS point");

        var pruned = set.Prune(set.Point);
        int support = pruned.Count(v => v > 0);
        Assert.True(support <= set.Rank && set.Rank <= n, $"pruned support {support}, rank {set.Rank}, n {n}");
        AssertInOptimalSet(problem, set, pruned, pStar, "pruned vertex");

        var min = set.MinimumSupport();
        Assert.NotNull(min);
        Assert.True(min.Value.MStar <= support, $"m* = {min.Value.MStar} exceeds a pruned support {support}");
        AssertInOptimalSet(problem, set, min.Value.T, pStar, "minimum-support point");

        var rng = new Random(3);
        for (int i = 0; i < 10; i++) AssertInOptimalSet(problem, set, set.Sample(rng), pStar, $"sample {i}");

        var net = Maps.Psi(set.ToPoint(pruned));
        double lBeta = NetworkObjective.Value(net, problem.Data, problem.Loss, problem.Beta);
        Assert.True(Obj.Agree(lBeta, pStar), $"L_β(ψ(prune W*)) = {lBeta:R} vs P* = {pStar:R} (tolerance {Obj})");
        Assert.True(net.Width <= n, $"pruned network width {net.Width} > n = {n}");
    }

    [Fact]
    public void DuplicatedRowsGiveANonTrivialPolytopeWhoseSamplesDiffer()
    {
        var (problem, _, set) = Solve("ref03_n7_d2_dup_f0.1");
        var rng = new Random(8);
        var a = set.Sample(rng);
        var b = set.Sample(rng);
        // Either 𝒲* is a single point (then all samples agree) or samples spread over it; both must be optimal.
        if (set.Active.Count > set.Rank) Assert.True((a - b).L2Norm() > 0, "samples of a polytope with dependent columns coincide");
        Assert.True(set.Rank <= problem.Data.N);
    }
}
