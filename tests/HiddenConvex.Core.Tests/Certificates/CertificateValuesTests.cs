using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Certificates;

/// <summary>
/// Certificates (THEORY.md §4) of one- and two-row instances whose dual quantities and optima are
/// computed by hand: v = −∇ℓ(z), ρ(v), t = argmax over [0, min(cap, β/ρ)], lower = −ℓ*(−t v).
/// </summary>
public class CertificateValuesTests
{
    private static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);
    private static Dataset Data(double[,] x, params double[] y) => Dataset.Create(Matrix<double>.Build.DenseOfArray(x), V(y));

    /// <summary>ρ̄ is ρ rounded outward (THEORY.md §4.1, "Pricing rounded outward"): at least ρ, above it by a few ulps only.</summary>
    private static void AssertRoundedOutward(double rho, double rhoBar) =>
        Assert.True(rhoBar >= rho && rhoBar <= rho * (1 + 1e-14), $"ρ̄ = {rhoBar:R} for ρ = {rho:R}");

    [Fact]
    public void SquaredLossOnOneRowGivesTheHandComputedBoundWhichIsTheOptimum()
    {
        // X = [1], y = 1, z = 0: v = 1, ρ = 1, t = min(1, β/ρ) = 0.5, lower = t − t²/2 = 0.375, which is
        // P* = min_w ½(w − 1)² + β|w| = ½·0.25 + 0.25 at w = 1 − β.
        var data = Data(new double[,] { { 1 } }, 1);
        var c = CertificateChecker.ForPrediction(data, new SquaredLoss(), 0.5, CellEnumerator.Enumerate(data.X), V(0), 0.5, objectiveRounding: 0);
        Assert.Equal([1.0], c.V.ToArray());
        AssertRoundedOutward(1, c.Rho);
        Assert.Equal(0.5, c.T, 15);
        Assert.Equal(0.375, c.Lower, 15);
        Assert.Equal(0.5, c.Objective);
        Assert.Equal(0.125, c.Gap, 15);
        Assert.True(c.LowerProven);
    }

    [Fact]
    public void AZeroPriceLeavesTheScaleToTheLossAlone()
    {
        // Equal rows with y = (1, −1): every network predicts equal values, so P* = 1 (at z = 0), and
        // v = y has ρ(v) = 0: t is limited only by the loss, t = v·y/‖v‖² = 1, lower = 2 − 1 = 1.
        var data = Data(new double[,] { { 1 }, { 1 } }, 1, -1);
        var c = CertificateChecker.ForPrediction(data, new SquaredLoss(), 0.1, CellEnumerator.Enumerate(data.X), V(0, 0), 1, objectiveRounding: 0);
        // ρ̄ is the error bound of the accurately summed g_s = 0: about 2e-31, far below anything that limits t.
        Assert.InRange(c.Rho, 0, 1e-30);
        Assert.Equal(1, c.T, 15);
        Assert.Equal(1, c.Lower, 15);
        // The gap is 0 but the lower bound's own rounding (THEORY.md §4.1) keeps ε = 0 out of reach: a proof in floating
        // point leaves a few ulps of room, never less.
        Assert.True(c.LowerRounding > 0 && c.LowerRounding < 1e-14, $"B_low = {c.LowerRounding}");
        Assert.True(c.CertifiedAt(1e-14));
        Assert.False(c.CertifiedAt(0));
    }

    [Fact]
    public void LogisticLossScaleIsCappedByBetaOverRho()
    {
        // X = [1], y = 1, z = 0: v = σ(0) = 0.5, ρ = 0.5. The bound −ℓ*(−t v) = H_b(t/2) (binary entropy,
        // in nats) grows up to t = 1, the loss's cap: β = 1 allows t = 1 and closes the gap at log 2
        // (w = 0 is optimal when β ≥ ρ), β = 0.25 allows only t = β/ρ = 0.5.
        var data = Data(new double[,] { { 1 } }, 1);
        var patterns = CellEnumerator.Enumerate(data.X);
        var loss = new LogisticLoss();
        var open = CertificateChecker.ForPrediction(data, loss, 1.0, patterns, V(0), Math.Log(2), objectiveRounding: 0);
        Assert.Equal(0.5, open.Rho, 15);
        Assert.Equal(1, open.T, 9);
        Assert.Equal(Math.Log(2), open.Lower, 12);
        var capped = CertificateChecker.ForPrediction(data, loss, 0.25, patterns, V(0), Math.Log(2), objectiveRounding: 0);
        Assert.Equal(0.5, capped.T, 12);
        Assert.Equal(-(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75)), capped.Lower, 12);
    }

    [Fact]
    public void ABlockSubsetProgramIsPricedOverItsBlocksAndNotProven()
    {
        // X = I₂, y = (3, −5), W = 0: v = y. All blocks: ρ = 5; the block (11, +) alone: ρ = 3
        // (THEORY.md §7). lower = t‖v‖² − t²‖v‖²/2 with t = β/ρ.
        var data = Data(new double[,] { { 1, 0 }, { 0, 1 } }, 3, -5);
        var patterns = CellEnumerator.Enumerate(data.X);
        var loss = new SquaredLoss();
        var full = new ConvexProblem(data, loss, 1, patterns).Certify(ConvexPoint.Zero(2));
        AssertRoundedOutward(5, full.Rho);
        Assert.Equal(34 / 5.0 - 34 / 50.0, full.Lower, 12);
        Assert.Equal(17, full.Objective, 15);
        Assert.True(full.LowerProven);
        var subset = new ConvexProblem(data, loss, 1, patterns, [new Block(ActivationPattern.Parse("11"), 1)]);
        var restricted = subset.Certify(ConvexPoint.Zero(2));
        AssertRoundedOutward(3, restricted.Rho);
        Assert.Equal(34 / 3.0 - 34 / 18.0, restricted.Lower, 12);
        Assert.False(restricted.LowerProven);
    }

    [Fact]
    public void ARowNoBlockUsesAddsNoRoundingToTheObjective()
    {
        // X = [[1e-6], [−3e6]], y = (3, 0), W = one block (10, +) with w = 8e5: ẑ = (0.8, 0) with ẑ_2 an exact 0, so
        // e = (γ_3 · 1e-6 · 8e5, 0) and B = 2 (γ_7 ℓ + |∇ℓ_1| e_1 + e_1²/2 + γ_4 β‖w‖ + u L̂) (THEORY.md §4.1). Charging
        // row 2 with γ_3 · 3e6 · 8e5 would add e_2²/2 ≈ 6e-7 (relative 2e-7) to a point that is exact to 1e-16.
        var data = Data(new double[,] { { 1e-6 }, { -3e6 } }, 3, 0);
        var loss = new SquaredLoss();
        const double beta = 1e-6, w = 8e5;
        var problem = new ConvexProblem(data, loss, beta, CellEnumerator.Enumerate(data.X));
        var point = new ConvexPoint([new BlockValue(new Block(ActivationPattern.Parse("10"), 1), V(w))], 1);
        var c = problem.Certify(point);
        double z1 = 1e-6 * w, l = (z1 - 3) * (z1 - 3) / 2, objective = l + beta * w;
        double e1 = HiddenConvex.Core.Numerics.Rounding.Gamma(3) * 1e-6 * w;
        double expected = 2 * (HiddenConvex.Core.Numerics.Rounding.Gamma(7) * l + Math.Abs(z1 - 3) * e1 + e1 * e1 / 2
                               + HiddenConvex.Core.Numerics.Rounding.Gamma(4) * beta * w + HiddenConvex.Core.Numerics.Rounding.Unit * objective);
        Assert.Equal(objective, c.Objective, 14);
        Assert.Equal(expected, c.ObjectiveRounding, 1e-14 * expected);
        Assert.True(c.ObjectiveRounding < 1e-14 * objective, $"B = {c.ObjectiveRounding:E3} at objective {objective:R}");
    }

    [Fact]
    public void BadInputIsRejectedNamingTheProblem()
    {
        var data = Data(new double[,] { { 1 } }, 1);
        var patterns = CellEnumerator.Enumerate(data.X);
        var e = Assert.Throws<InvalidInputException>(() => CertificateChecker.ForPrediction(data, new SquaredLoss(), 0, patterns, V(0), 0.5, objectiveRounding: 0));
        Assert.Contains("beta", e.Message);
        e = Assert.Throws<InvalidInputException>(() => CertificateChecker.ForPrediction(data, new SquaredLoss(), 1, patterns, V(0, 0), 0.5, objectiveRounding: 0));
        Assert.Contains("prediction has 2 entries but the data has 1 rows", e.Message);
    }

    [Fact]
    public void MissingArgumentsAreNamed()
    {
        var data = Data(new double[,] { { 1 } }, 1);
        var engine = new EnumeratedPricing(data.X, CellEnumerator.Enumerate(data.X));
        var loss = new SquaredLoss();
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => CertificateChecker.ForPrediction(null!, loss, 1, engine, V(0), 0.5, objectiveRounding: 0)).ParamName);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => CertificateChecker.ForPrediction(data, null!, 1, engine, V(0), 0.5, objectiveRounding: 0)).ParamName);
        Assert.Equal("pricing", Assert.Throws<ArgumentNullException>(() => CertificateChecker.ForPrediction(data, loss, 1, (EnumeratedPricing)null!, V(0), 0.5, objectiveRounding: 0)).ParamName);
        Assert.Equal("network", Assert.Throws<ArgumentNullException>(() => NetworkCertificate.For(data, loss, 1, engine.Patterns, null!)).ParamName);
    }

    [Theory]
    [InlineData(4, 3, 1, 0.25)]
    [InlineData(-4, -5, 1, 0.25)]              // relative to |objective|
    [InlineData(0.5, 0.25, 0.25, 0.5)]         // small objectives too: no floor max(1, ·) (THEORY.md §4.1)
    [InlineData(5e-4, 2.5e-4, 2.5e-4, 0.5)]    // the same instance in other units: the same relative gap
    [InlineData(0, 0, 0, 0)]                   // y = 0: nothing left over
    public void GapsAreRelativeToTheObjective(double objective, double lower, double gap, double relative)
    {
        var c = new Certificate(V(1), 1, 1, lower, objective, LowerProven: true);
        Assert.Equal(gap, c.Gap, 15);
        Assert.Equal(relative, c.RelativeGap, 15);
        Assert.True(c.CertifiedAt(relative));
        if (relative > 0) Assert.False(c.CertifiedAt(relative * 0.99));
        Assert.False((c with { LowerProven = false }).CertifiedAt(1));
    }

    [Fact]
    public void TheRoundingBoundsAreAddedToTheGapAndTakenFromTheObjective()
    {
        // Ḡ = gap + B + B_low, certified at ε iff Ḡ ≤ ε (objective − B) (THEORY.md §4.1).
        var c = new Certificate(V(1), 1, 1, Lower: 3, Objective: 4, LowerProven: true, ObjectiveRounding: 0.5, LowerRounding: 0.25);
        Assert.Equal(1.75, c.ProvenGap, 15);
        Assert.Equal(1.75 / 4, c.RelativeGap, 15);
        Assert.True(c.CertifiedAt(0.5));          // 1.75 ≤ 0.5 · 3.5
        Assert.False(c.CertifiedAt(0.49));        // 1.75 > 0.49 · 3.5
        Assert.True(c.WithinGap(0.5) && !(c with { LowerProven = false }).CertifiedAt(0.5));
    }
}
