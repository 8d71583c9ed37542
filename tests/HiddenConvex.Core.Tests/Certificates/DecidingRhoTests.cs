using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Certificates;

/// <summary>
/// ρ_c of <see cref="CertificateChecker.DecidingRho"/> (THEORY.md §4.1, §4a): a certificate whose bound ρ̄ is at most ρ_c meets
/// ε, one whose ρ̄ is above it cannot meet ε(1 − margin); and a branch-and-bound oracle given ρ_c stops once it is decided.
/// </summary>
public class DecidingRhoTests
{
    /// <summary>The inner oracle's pricing with ρ̄ replaced by a chosen value (to test the certificate's arithmetic alone).</summary>
    private sealed class FixedUpperOracle(IPricingOracle inner, double upper) : DelegatingOracle(inner)
    {
        public override PricingResult Price(Vector<double> v) => Inner.Price(v) with { Upper = upper };
    }

    private static Certificate CertificateWith(ConvexProblem problem, Vector<double> z, Certificate own, double upper) =>
        CertificateChecker.ForPrediction(problem.Data, problem.Loss, problem.Beta, new FixedUpperOracle(problem.Oracle, upper),
            z, own.Objective, own.ObjectiveRounding);

    [Theory]
    [InlineData("squared", 0, 1e-3)]
    [InlineData("squared", 1, 1e-6)]
    [InlineData("squared", 2, 1e-9)]
    [InlineData("logistic", 3, 1e-3)]
    [InlineData("logistic", 4, 1e-6)]
    public void ACertificateMeetsTheToleranceExactlyWhenItsBoundIsAtMostTheDecidingRho(string lossName, int seed, double epsilon)
    {
        var loss = Loss.Parse(lossName, 1);
        var (data, patterns) = TestProblems.GaussianProblem(seed, 7, 3, labels: loss.Name == "logistic");
        var problem = new ConvexProblem(data, loss, 0.1 * BetaMax(data, loss, patterns), patterns);
        // Points at several distances from the optimum: the solver's answers at loose and tight targets.
        int decided = 0;
        foreach (double target in new[] { 1e-1, 1e-4, 1e-10 })
        {
            var w = ConvexSolver.Solve(problem, new SolverSettings { Tolerance = target }).W;
            var z = w.Predict(data.X);
            var own = problem.Certify(w);
            double rhoC = CertificateChecker.DecidingRho(loss, problem.Beta, own.V, data.Y, own.Objective, own.ObjectiveRounding, epsilon);
            string at = $"{lossName} seed {seed}, solver target {target:G3}, ε = {epsilon:G3}: ρ_c = {rhoC:R}, ρ = {own.Rho:R}, β = {problem.Beta:R}";
            Assert.True(rhoC >= 0, at);
            if (rhoC == 0)
            {
                // No ρ̄ makes it meet ε: not even one that allows the loss's largest useful scale.
                Assert.False(CertificateWith(problem, z, own, 1e-300).WithinGap(epsilon * (1 - Tolerances.DecidingRhoMargin)), at);
                continue;
            }
            if (!double.IsFinite(rhoC)) continue;
            decided++;
            Assert.True(CertificateWith(problem, z, own, rhoC).WithinGap(epsilon), $"{at}: ρ̄ = ρ_c does not certify");
            Assert.False(CertificateWith(problem, z, own, rhoC * (1 + 1e-6)).WithinGap(epsilon * (1 - Tolerances.DecidingRhoMargin)),
                $"{at}: ρ̄ just above ρ_c still certifies, so ρ_c is not the deciding value");
        }
        Assert.True(decided > 0, $"{lossName} seed {seed}: no point had a finite positive ρ_c");
    }

    [Fact]
    public void TheDecidingRhoIsZeroForAPointThatNoBoundCanCertify()
    {
        var loss = Loss.Parse("squared", 1);
        var (data, patterns) = TestProblems.GaussianProblem(5, 7, 3);
        var problem = new ConvexProblem(data, loss, 0.01 * BetaMax(data, loss, patterns), patterns);
        // Three times the optimum: its objective exceeds P* by far more than ε, and every lower bound is at most P*.
        var optimum = ConvexSolver.Solve(problem).W;
        var far = new ConvexPoint(optimum.Blocks.Select(b => new BlockValue(b.Block, 3 * b.W)), data.D);
        var own = problem.Certify(far);
        Assert.True(own.Objective > 1.01 * problem.Certify(optimum).Objective, "the scaled point is not far from the optimum");
        Assert.Equal(0, CertificateChecker.DecidingRho(loss, problem.Beta, own.V, data.Y, own.Objective, own.ObjectiveRounding, 1e-6));
    }

    [Fact]
    public void ABranchAndBoundBracketStopsOnceTheDecidingRhoIsDecidedAndStaysSound()
    {
        var loss = Loss.Parse("squared", 1);
        var (data, patterns) = TestProblems.GaussianProblem(6, 24, 3);
        double beta = 0.1 * BetaMax(data, loss, patterns);
        var exact = new EnumeratedPricing(data.X, patterns);
        var v = -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y);
        double rho = exact.Price(v).Rho;
        foreach (var (decidingRho, expected) in new[]
                 {
                     (0.0, BracketStatus.ReachedStopAbove), (0.5 * rho, BracketStatus.ReachedStopAbove),
                     (2 * rho, BracketStatus.ReachedStopBelow),
                 })
        {
            var oracle = new BranchAndBoundOracle(data.X, settings: new BranchAndBoundOracleSettings { Beta = beta });
            var priced = oracle.Price(v, decidingRho);
            string at = $"ρ_c = {decidingRho:R}, exact ρ = {rho:R}: bracket [{priced.Rho:R}, {priced.Upper:R}], {oracle.LastBracket!.Status}";
            Assert.Equal(expected, oracle.LastBracket.Status);
            Assert.True(priced.UpperProven, at);
            Assert.True(priced.Rho <= rho * (1 + 1e-12) && rho <= priced.Upper, $"{at}: the bracket does not contain ρ");
            Assert.True(expected == BracketStatus.ReachedStopAbove ? priced.Rho > decidingRho : priced.Upper <= decidingRho, at);
        }
    }

    [Fact]
    public void ALongerSearchDecidesWhatAShortBracketLeftOpenAndIsNotRepeatedOnceDecided()
    {
        var loss = Loss.Parse("squared", 1);
        var (data, patterns) = TestProblems.GaussianProblem(7, 24, 3);
        var v = -loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y);
        double rho = new EnumeratedPricing(data.X, patterns).Price(v).Rho, decidingRho = rho * (1 + 1e-3);
        // Every call but the longer search gets a microsecond: only the two root bounds.
        var oracle = new BranchAndBoundOracle(data.X, settings: new BranchAndBoundOracleSettings
        {
            TotalSeconds = 60, CallShareOfBudget = 1e-9, MinimumCallSeconds = 1e-6,
        });
        var first = oracle.Price(v, decidingRho);
        Assert.True(first.Rho <= decidingRho && decidingRho < first.Upper,
            $"the test needs an undecided first bracket: [{first.Rho:R}, {first.Upper:R}] against ρ_c = {decidingRho:R}");
        Assert.Equal(LongerSearch.Searched, oracle.SearchLonger(v, decidingRho));
        var combined = oracle.Price(v, decidingRho);
        string at = $"exact ρ = {rho:R}, ρ_c = {decidingRho:R}: combined bracket [{combined.Rho:R}, {combined.Upper:R}] ({oracle.LastBracket!.Status})";
        Assert.True(combined.Upper <= decidingRho, $"{at}: the longer search did not decide");
        Assert.True(combined.Rho <= rho * (1 + 1e-12) && rho <= combined.Upper, $"{at}: the bracket does not contain ρ");
        Assert.True(combined.Rho >= first.Rho && combined.Upper <= first.Upper, $"{at}: the combined bracket is looser than the first");
        Assert.Equal(LongerSearch.NotNeeded, oracle.SearchLonger(v, decidingRho));
        Assert.Equal(LongerSearch.NotNeeded, ((IPricingOracle)new EnumeratedPricing(data.X, patterns)).SearchLonger(v, decidingRho));

        // The same undecided bracket with the oracle's whole budget spent: the solver then ends at its time limit.
        var spent = new BranchAndBoundOracle(data.X, settings: new BranchAndBoundOracleSettings { TotalSeconds = 1e-3, CallShareOfBudget = 1e-9, MinimumCallSeconds = 1e-6 });
        var brief = spent.Price(v, decidingRho);
        Thread.Sleep(5);
        Assert.True(brief.Rho <= decidingRho && decidingRho < brief.Upper, $"the test needs an undecided bracket: [{brief.Rho:R}, {brief.Upper:R}]");
        Assert.Equal(LongerSearch.BudgetSpent, spent.SearchLonger(v, decidingRho));
    }

    private static double BetaMax(Dataset data, Loss loss, PatternSet patterns) =>
        new EnumeratedPricing(data.X, patterns).Price(-loss.Gradient(Vector<double>.Build.Dense(data.N), data.Y)).Rho;
}
