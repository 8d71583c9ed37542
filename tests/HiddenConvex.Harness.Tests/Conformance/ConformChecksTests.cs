using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Harness.Conformance;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Tests.Conformance;

/// <summary>The checks on hand-made answers to X = [[1]], y = [1], β = 0.5 (optimum w = 0.5 in block (1, +), P* = 0.375).</summary>
public class ConformChecksTests
{
    private static PatternSet Set(params (string S, double Witness)[] cells) =>
        new(cells.Select(c => new Cell(ActivationPattern.Parse(c.S), Vector<double>.Build.Dense([c.Witness]))).ToList(), true, 1, "exact", cells[0].S.Length);

    private static ConvexProblem OneRow() =>
        new(Dataset.Create([[1.0]], [1.0]), new SquaredLoss(), 0.5, Set(("1", 1), ("0", -1)));

    private static ConvexAnswer Answer(double objective, string status = "optimal", Network? net = null, params AnswerBlock[] blocks) =>
        new(status, blocks, objective, null, true, net, "hand-made");

    private static ConvexAnswer Declaring(double tolerance, double objective, params AnswerBlock[] blocks) =>
        new("optimal", blocks, objective, tolerance, true, null, "hand-made");

    [Fact]
    public void TheZeroAnswerDeclaringAHugeToleranceDoesNotConform()
    {
        // The bought verdict: W = 0 with "gap_tolerance": 1e6 is judged at the request's 1e-6 and fails twice over.
        var r = ConformChecks.CheckConvex(OneRow(), Declaring(1e6, 0.5), 1e-6);
        Assert.Equal([CheckIds.Gap], Checks(r));
        Assert.Contains(r.Violations, v => v.Message.Contains("looser than the requested"));
        Assert.Contains(r.Violations, v => v.Message.Contains("not certified at the requested tolerance"));
    }

    [Fact]
    public void ADeclaredToleranceLooserThanRequestedFailsAndATighterOneIsFine()
    {
        var optimum = B("1", 1, 0.5);
        Assert.Equal([CheckIds.Gap], Checks(ConformChecks.CheckConvex(OneRow(), Declaring(1e-3, 0.375, optimum), 1e-4)));
        Assert.Empty(ConformChecks.CheckConvex(OneRow(), Declaring(1e-9, 0.375, optimum), 1e-4).Violations);
        Assert.Empty(ConformChecks.CheckConvex(OneRow(), Declaring(1e-4, 0.375, optimum), 1e-4).Violations);
    }

    [Fact]
    public void TheConeToleranceIsTheOneGiven()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1 } });
        var w = Vector<double>.Build.Dense([-0.5]);
        var s = ActivationPattern.Parse("1");
        Assert.NotNull(ConformChecks.ConeViolation(x, s, w));
        Assert.Null(ConformChecks.ConeViolation(x, s, w, new HiddenConvex.Core.Numerics.Tolerance(0, 2)));
        Assert.Contains("rel 0.5", ConformChecks.ConeViolation(x, s, w, new HiddenConvex.Core.Numerics.Tolerance(0, 0.5))!);
    }

    private static AnswerBlock B(string s, int sign, params double[] w) => new(s.Select(c => c - '0').ToArray(), sign, w);

    private static string[] Checks(ConvexCheckResult r) => r.Violations.Select(v => v.Check).Distinct().ToArray();

    [Fact]
    public void TheOptimumPassesEveryCheck()
    {
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.375, blocks: B("1", 1, 0.5)), 1e-6);
        Assert.Empty(r.Violations);
        Assert.Equal(0.375, r.RecomputedObjective!.Value, 12);
        Assert.Equal(0.375, r.Certificate!.Lower, 12);
    }

    [Fact]
    public void AnEmptyAnswerIsTheZeroPointAndIsCheckedAsSuch()
    {
        // W = 0 has objective 0.5 > P* = 0.375: the certificate shows the gap.
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.5), 1e-6);
        Assert.Equal([CheckIds.Gap], Checks(r));
    }

    [Fact]
    public void ABlockOutsideItsConeFailsFeasibility()
    {
        // w = −0.5 in block (1, +) violates x·w ≥ 0; the claim 1.375 is the honest masked objective.
        var r = ConformChecks.CheckConvex(OneRow(), Answer(1.375, blocks: B("1", 1, -0.5)), 1e-6);
        Assert.Contains(CheckIds.Feasibility, Checks(r));
        Assert.Contains("outside its cone", r.Violations.First(v => v.Check == CheckIds.Feasibility).Message);
        Assert.DoesNotContain(CheckIds.Objective, Checks(r));
    }

    [Fact]
    public void AWrongObjectiveClaimFailsTheObjectiveCheckOnly()
    {
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.5, blocks: B("1", 1, 0.5)), 1e-6);
        Assert.Equal([CheckIds.Objective], Checks(r));
        Assert.Contains("tolerance abs", r.Violations[0].Message);
    }

    [Fact]
    public void ASuboptimalAnswerFailsTheCertifiedGapAndALooseClaimDoesNotBuyAPass()
    {
        // w = 0.3: objective 0.395, certified lower bound 0.375 → gap 0.02.
        var tight = ConformChecks.CheckConvex(OneRow(), Answer(0.395, blocks: B("1", 1, 0.3)), 1e-6);
        Assert.Equal([CheckIds.Gap], Checks(tight));
        Assert.Equal(0.02, tight.Certificate!.Gap, 9);
        var loose = ConformChecks.CheckConvex(OneRow(), Answer(0.395, blocks: B("1", 1, 0.3)) with { GapTolerance = 0.05 }, 1e-6);
        Assert.Equal([CheckIds.Gap], Checks(loose));
        Assert.Equal(2, loose.Violations.Count);
        // Requested at 0.06 (the proven relative gap is 0.02/0.395 ≈ 0.0506), the same answer passes: the request decides.
        Assert.Empty(ConformChecks.CheckConvex(OneRow(), Answer(0.395, blocks: B("1", 1, 0.3)) with { GapTolerance = 0.05 }, 0.06).Violations);
    }

    [Fact]
    public void APatternOutsideSxIsRejectedUnderThePartitionConvention()
    {
        // Zero row 1 is active in every pattern of S(X) (THEORY.md §2): "10" is not a pattern of X.
        var problem = new ConvexProblem(Dataset.Create([[1.0], [0.0]], [1.0, 0.0]), new SquaredLoss(), 0.5, Set(("11", 1), ("01", -1)));
        var r = ConformChecks.CheckConvex(problem, Answer(0.375, blocks: B("10", 1, 0.5)), 1e-6);
        Assert.Equal([CheckIds.Pattern], Checks(r));
        var ok = ConformChecks.CheckConvex(problem, Answer(0.375, blocks: B("11", 1, 0.5)), 1e-6);
        Assert.Empty(ok.Violations);
    }

    [Fact]
    public void ABlockListedTwiceIsRejected()
    {
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.375, blocks: [B("1", 1, 0.25), B("1", 1, 0.25)]), 1e-6);
        Assert.Contains(CheckIds.Pattern, Checks(r));
        Assert.Contains("repeats block", r.Violations.First(v => v.Check == CheckIds.Pattern).Message);
    }

    [Fact]
    public void ANonOptimalStatusIsAFailure()
    {
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.375, "max-iterations", null, B("1", 1, 0.5)), 1e-6);
        Assert.Equal([CheckIds.Status], Checks(r));
    }

    [Fact]
    public void TheNetworkMustBePsiOfTheBlocks()
    {
        double r5 = Math.Sqrt(0.5);
        var good = Network.Create(Matrix<double>.Build.Dense(1, 1, 0.5 / r5), Vector<double>.Build.Dense([r5]));
        Assert.Empty(ConformChecks.CheckConvex(OneRow(), Answer(0.375, "optimal", good, B("1", 1, 0.5)), 1e-6).Violations);
        // Without the square root: u = w, α = γ. Same prediction, different L_β.
        var noSqrt = Network.Create(Matrix<double>.Build.Dense(1, 1, 0.5), Vector<double>.Build.Dense([1.0]));
        var r = ConformChecks.CheckConvex(OneRow(), Answer(0.375, "optimal", noSqrt, B("1", 1, 0.5)), 1e-6);
        Assert.Equal([CheckIds.Psi], Checks(r));
    }

    [Fact]
    public void TrainedNetworksAreCheckedForObjectiveWeakDualityAndScaledness()
    {
        var data = Dataset.Create([[1.0]], [1.0]);
        var patterns = Set(("1", 1), ("0", -1));
        double r5 = Math.Sqrt(0.5);
        TrainAnswer T(double u, double a, double claim, string status = "converged") =>
            new(status, Network.Create(Matrix<double>.Build.Dense(1, 1, u), Vector<double>.Build.Dense([a])), claim, 1e-6, "hand-made");
        Assert.Empty(ConformChecks.CheckTrain(data, new SquaredLoss(), 0.5, patterns, T(r5, r5, 0.375), 1e-6).Violations);
        // Same prediction 0.5 but unbalanced: L_β = 0.4375 and not scaled although "converged".
        var unbalanced = ConformChecks.CheckTrain(data, new SquaredLoss(), 0.5, patterns, T(1, 0.5, 0.4375), 1e-6);
        Assert.Equal([CheckIds.NearMinimal], unbalanced.Violations.Select(v => v.Check).ToArray());
        Assert.Empty(ConformChecks.CheckTrain(data, new SquaredLoss(), 0.5, patterns, T(1, 0.5, 0.4375, "stopped"), 1e-6).Violations);
        // Claiming less than the proven lower bound 0.375.
        var lying = ConformChecks.CheckTrain(data, new SquaredLoss(), 0.5, patterns, T(r5, r5, 0.3), 1e-6);
        Assert.Equal([CheckIds.Objective, CheckIds.WeakDuality], lying.Violations.Select(v => v.Check).ToArray());
    }
}
