using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Networks;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

public class ConvexSolverBehaviourTests
{
    private static readonly Tolerance Obj = Tolerances.Objective;

    private static ConvexProblem Problem(int seed, int n, int d, Loss loss, double fraction)
    {
        var (data, patterns) = TestProblems.GaussianProblem(seed, n, d, labels: loss.Name == "logistic");
        double betaMax = ExactPricing.Price(data.X, patterns, -loss.Gradient(Vector<double>.Build.Dense(n), data.Y)).Rho;
        return new ConvexProblem(data, loss, fraction * betaMax, patterns);
    }

    private static void AssertCertified(ConvexProblem problem, SolverResult r)
    {
        Assert.Equal(SolverStatus.Optimal, r.Status);
        Assert.True(r.RelativeGap <= Tolerances.DefaultSolverGap, $"relative gap {r.RelativeGap}");
        var check = SolutionCheck.Check(problem, ClaimedSolution.Of(r), Tolerances.DefaultSolverGap);
        Assert.True(check.Passed, check.Failures);
    }

    [Theory]
    [InlineData(1, 6, 2, 0.1, 1.0)]
    [InlineData(2, 8, 3, 0.05, 1.0)]
    [InlineData(3, 7, 2, 0.01, 0.5)]
    [InlineData(4, 6, 3, 0.3, 2.0)]
    public void LogisticLossIsCertifiedAndBoundsRandomNetworks(int seed, int n, int d, double fraction, double scale)
    {
        var problem = Problem(seed, n, d, new LogisticLoss(scale), fraction);
        var r = ConvexSolver.Solve(problem);
        AssertCertified(problem, r);
        var rng = new Random(seed);
        for (int i = 0; i < 20; i++)
        {
            var net = Network.Create(TestProblems.Gaussian(rng, 4, d), TestProblems.Gaussian(rng, 4));
            double l = NetworkObjective.Value(net, problem.Data, problem.Loss, problem.Beta);
            Assert.True(Obj.AtMost(r.Lower, l), $"lower bound {r.Lower} above L_β(θ) = {l} of a random network (tolerance {Obj})");
        }
    }

    [Theory]
    [InlineData(5, 8, 2)]
    [InlineData(6, 9, 2)]
    public void SquaredLossOnExactTwoDimensionalCellsAndScaleInvariance(int seed, int n, int d)
    {
        var rng = new Random(seed);
        var x = TestProblems.Gaussian(rng, n, d);
        var y = TestProblems.Gaussian(rng, n);
        var patterns = TestPatterns.Exact(x);
        var loss = new SquaredLoss(0.25);
        var p1 = new ConvexProblem(Dataset.Create(x, y), loss, 0.05, patterns);
        var r1 = ConvexSolver.Solve(p1);
        AssertCertified(p1, r1);
        const double kappa = 3.0; // (y, β) → (κy, κβ) gives P* → κ² P* (THEORY.md §10, I1)
        var p2 = new ConvexProblem(Dataset.Create(x, y * kappa), loss, 0.05 * kappa, patterns);
        var r2 = ConvexSolver.Solve(p2);
        AssertCertified(p2, r2);
        Assert.True(Obj.Agree(r2.Objective, kappa * kappa * r1.Objective), $"P*(κy, κβ) = {r2.Objective} vs κ²P* = {kappa * kappa * r1.Objective} (tolerance {Obj})");
    }

    [Fact]
    public void BlockSubsetProgramIsOptimalOnlyForTheRestriction()
    {
        var full = Problem(7, 7, 3, new SquaredLoss(), 0.05);
        var rng = new Random(1);
        var subset = full.AllBlocks().Where(_ => rng.NextDouble() < 0.3).ToList();
        var restricted = new ConvexProblem(full.Data, full.Loss, full.Beta, full.Patterns, subset);
        var r = ConvexSolver.Solve(restricted);
        Assert.Equal(SolverStatus.OptimalRestricted, r.Status);
        Assert.False(r.LowerProven);
        Assert.All(r.W.Blocks, b => Assert.Contains(b.Block, subset));
        var rf = ConvexSolver.Solve(full);
        AssertCertified(full, rf);
        Assert.True(Obj.AtMost(rf.Objective, r.Objective), $"restricted optimum {r.Objective} below the full optimum {rf.Objective}");
        Assert.True(Obj.AtMost(r.Lower, r.Objective));
    }

    [Fact]
    public void IterationAndTimeLimitsReturnValidBoundsWithTheirStatus()
    {
        var problem = Problem(8, 9, 3, new SquaredLoss(), 0.01);
        var exact = ConvexSolver.Solve(problem);
        AssertCertified(problem, exact);
        var capped = ConvexSolver.Solve(problem, new SolverSettings { MaxIterations = 1 });
        Assert.Equal(SolverStatus.MaxIterations, capped.Status);
        Assert.True(Obj.AtMost(capped.Lower, exact.Objective) && Obj.AtMost(exact.Objective, capped.Objective),
            $"bounds [{capped.Lower}, {capped.Objective}] do not contain P* = {exact.Objective}");
        var timed = ConvexSolver.Solve(problem, new SolverSettings { TimeLimitSeconds = 1e-9 });
        Assert.Equal(SolverStatus.TimeLimit, timed.Status);
        Assert.True(Obj.AtMost(timed.Lower, exact.Objective) && Obj.AtMost(exact.Objective, timed.Objective));
        Assert.Equal("time-limit", timed.StatusName);
        Assert.Equal("max-iterations", capped.StatusName);
    }

    [Fact]
    public void ZeroIsReturnedAtOnceAboveBetaMax()
    {
        var problem = Problem(9, 6, 2, new SquaredLoss(), 1.5);
        var r = ConvexSolver.Solve(problem);
        AssertCertified(problem, r);
        Assert.Empty(r.W.NonZeroBlocks);
        Assert.Equal(0, r.Iterations);
    }

    [Fact]
    public void BadInputIsRejectedWithAClearMessage()
    {
        var (data, patterns) = TestProblems.GaussianProblem(10, 5, 2);
        var e1 = Assert.Throws<InvalidInputException>(() => new ConvexProblem(data, new SquaredLoss(), 0, patterns));
        Assert.Contains("beta", e1.Message);
        Assert.Throws<InvalidInputException>(() => new ConvexProblem(data, new SquaredLoss(), -1, patterns));
        var e2 = Assert.Throws<InvalidInputException>(() => new ConvexProblem(data, new LogisticLoss(), 0.1, patterns));
        Assert.Contains("labels", e2.Message);
        Assert.Throws<InvalidInputException>(() => new SolverSettings { Tolerance = 0 }.Validated());
        Assert.Throws<InvalidInputException>(() => new SolverSettings { MaxIterations = 0 }.Validated());
    }

    /// <summary>
    /// A certified point is accurate (THEORY.md §6) at relative gap ≤ 1e-12, or when it cannot be polished: the oracle does
    /// not list every block, or K·d exceeds the polish limit. Objective 1 with the lower bound 1 − gap.
    /// </summary>
    [Theory]
    [InlineData(1e-11, 600, true, false)]
    [InlineData(0.9e-12, 600, true, true)]
    [InlineData(1e-13, 600, true, true)]
    [InlineData(1e-11, 601, true, true)]
    [InlineData(1e-11, 600, false, true)]
    public void ACertifiedPointIsAccurateAtOneInATrillionOrWhenItCannotBePolished(double gap, int variables, bool listsEveryBlock, bool accurate)
    {
        var c = new HiddenConvex.Core.Certificates.Certificate(Vector<double>.Build.Dense(1, 1), 1, 1, Lower: 1 - gap, Objective: 1, LowerProven: true);
        Assert.True(ConvexSolver.IsAccurate(c, variables, listsEveryBlock) == accurate,
            $"relative gap {c.RelativeGap:E3} (accurate at ≤ {ConvexSolver.AccurateRelativeGap:E0}), {variables} variables " +
            $"(polish limit {ConvexSolver.PolishVariableLimit}), lists every block {listsEveryBlock}: expected accurate = {accurate}");
    }

    /// <summary>
    /// An oracle like branch and bound at its limits: it does not list every block, its first column round returns only the
    /// best block, and the next <paramref name="undecidedRounds"/> rounds find nothing and prove nothing (undecided at a
    /// limit); then it answers in full.
    /// </summary>
    private sealed class SlowToDecideOracle(IPricingOracle inner, int undecidedRounds) : DelegatingOracle(inner, listsEveryBlock: false)
    {
        public int Rounds { get; private set; }

        public override PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue)
        {
            Rounds++;
            var all = Inner.BlocksAbove(v, threshold, maxCount);
            if (Rounds == 1) return new PricedBlocks(all.Blocks.Take(1).ToList(), Complete: all.Blocks.Count <= 1);
            return Rounds <= 1 + undecidedRounds ? new PricedBlocks([], Complete: false, Undecided: true) : all;
        }
    }

    [Fact]
    public void APricingUndecidedAtItsLimitIsAskedAgainInsteadOfEndingTheSolveAsANumericalError()
    {
        var exactProblem = Problem(8, 9, 3, new SquaredLoss(), 0.01);
        var exact = ConvexSolver.Solve(exactProblem);
        AssertCertified(exactProblem, exact);
        int support = exact.W.NonZeroBlocks.Count();
        Assert.True(support >= 2, $"the test needs an optimum on at least two blocks, got {support}");
        const int undecidedRounds = 8;
        var oracle = new SlowToDecideOracle(exactProblem.Oracle, undecidedRounds);
        var problem = new ConvexProblem(exactProblem.Data, exactProblem.Loss, exactProblem.Beta, oracle);
        var r = ConvexSolver.Solve(problem);
        Assert.True(r.Status == SolverStatus.Optimal,
            $"status {r.StatusName} after {oracle.Rounds} column rounds ({undecidedRounds} undecided), relative gap {r.RelativeGap:E3}");
        Assert.True(oracle.Rounds > 1 + undecidedRounds, $"the solve ended after {oracle.Rounds} column rounds, before the oracle decided");
        Assert.True(Obj.Agree(r.Objective, exact.Objective), $"objective {r.Objective:R} against the exact solve's {exact.Objective:R} ({Obj})");
    }
}

