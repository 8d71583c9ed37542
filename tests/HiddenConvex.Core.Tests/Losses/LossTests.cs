using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Losses.LossNumerics;

namespace HiddenConvex.Core.Tests.Losses;

/// <summary>Checks every loss must pass, run on both losses and several scales c.</summary>
public class LossContractTests
{
    public static TheoryData<string, double, int> Cases() => new()
    {
        { "squared", 1.0, 1 }, { "squared", 0.25, 2 }, { "squared", 7.0, 3 },
        { "logistic", 1.0, 4 }, { "logistic", 0.25, 5 }, { "logistic", 7.0, 6 },
    };

    private static (Loss Loss, Vector<double> Y, Random Rng) Setup(string kind, double c, int seed, int n = 6)
    {
        var rng = new Random(seed);
        var y = kind == "logistic" ? Labels(rng, n) : Gaussian(rng, n);
        return (Loss.Parse(kind, c), y, rng);
    }

    private static void Close(double expected, double actual, Tolerance tol, string what) =>
        Assert.True(tol.Agree(expected, actual), $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol})");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_finite_differences(string kind, double c, int seed)
    {
        var (loss, y, rng) = Setup(kind, c, seed);
        for (int trial = 0; trial < 10; trial++)
        {
            var z = Gaussian(rng, y.Count, 2);
            var g = loss.Gradient(z, y);
            for (int j = 0; j < z.Count; j++)
                Close(Derivative(w => loss.Value(w, y), z, j), g[j], Tolerances.FiniteDifference, $"∂ℓ/∂z_{j}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hessian_diagonal_matches_finite_differences_of_the_gradient(string kind, double c, int seed)
    {
        var (loss, y, rng) = Setup(kind, c, seed);
        for (int trial = 0; trial < 10; trial++)
        {
            var z = Gaussian(rng, y.Count, 2);
            var h = loss.HessianDiagonal(z, y);
            for (int j = 0; j < z.Count; j++)
                Close(Derivative(w => loss.Gradient(w, y)[j], z, j), h[j], Tolerances.FiniteDifference, $"∂²ℓ/∂z_{j}²");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NegConjugate_matches_a_numerical_infimum(string kind, double c, int seed)
    {
        var (loss, y, rng) = Setup(kind, c, seed);
        for (int trial = 0; trial < 10; trial++)
        {
            // Dual points of the form −∇ℓ(z) (inside the logistic domain), and for squared loss any v.
            var v = kind == "squared" && trial % 2 == 0 ? Gaussian(rng, y.Count, 3) : -loss.Gradient(Gaussian(rng, y.Count, 2), y);
            Close(NumericalNegConjugate(loss, v, y), loss.NegConjugate(v, y), Tolerances.Objective, "−ℓ*(−v) vs inf_z ℓ(z) + v·z");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fenchel_Young_holds_with_equality_at_minus_the_gradient(string kind, double c, int seed)
    {
        var (loss, y, rng) = Setup(kind, c, seed);
        for (int trial = 0; trial < 20; trial++)
        {
            var z = Gaussian(rng, y.Count, 2);
            var v = -loss.Gradient(z, y);
            Close(loss.Value(z, y) + v.DotProduct(z), loss.NegConjugate(v, y), Tolerances.Objective, "Fenchel–Young equality");
            // Any other z' gives an upper bound (weak duality at the level of the loss).
            var other = Gaussian(rng, y.Count, 2);
            double upper = loss.Value(other, y) + v.DotProduct(other);
            Assert.True(Tolerances.Objective.AtMost(loss.NegConjugate(v, y), upper), $"−ℓ*(−v) above ℓ(z') + v·z' = {upper:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BestDualScale_matches_a_grid_search(string kind, double c, int seed)
    {
        var (loss, y, rng) = Setup(kind, c, seed);
        foreach (double cap in new[] { 0.05, 0.3, 1.0, double.PositiveInfinity })
            for (int trial = 0; trial < 5; trial++)
            {
                var v = -loss.Gradient(Gaussian(rng, y.Count, 2), y);
                double tMax = Math.Min(cap, loss.DualScaleCap);
                double t = loss.BestDualScale(v, y, tMax);
                Assert.InRange(t, 0, tMax);
                // Grid over a finite range: the cap, or for squared loss with no cap twice the unconstrained maximiser.
                double range = double.IsFinite(tMax) ? tMax : 2 * Math.Max(c * v.DotProduct(y) / v.DotProduct(v), 1e-3);
                var (gridT, gridBest) = GridMax(loss, v, y, range);
                double best = loss.NegConjugate(v * t, y);
                Assert.True(Tolerances.Objective.AtMost(gridBest, best),
                    $"t = {t:R} gives {best:R} but the grid reaches {gridBest:R} at t = {gridT:R} (tolerance {Tolerances.Objective})");
                Assert.True(Math.Abs(t - gridT) <= 2 * range / 20000 + 1e-6 * range,
                    $"t = {t:R} is not next to the grid maximiser {gridT:R}");
            }
    }

    [Theory]
    [InlineData("squared")]
    [InlineData("logistic")]
    public void BestDualScale_of_zero_is_zero(string kind)
    {
        var loss = Loss.Parse(kind);
        var y = Vector<double>.Build.DenseOfArray([1.0, -1.0]);
        Assert.Equal(0.0, loss.BestDualScale(Vector<double>.Build.Dense(2), y, double.PositiveInfinity));
        Assert.Equal(0.0, loss.BestDualScale(Vector<double>.Build.Dense(2), y, 1.0));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Scale_must_be_positive_and_finite(double c)
    {
        Assert.Contains("loss scale c", Assert.Throws<InvalidInputException>(() => new SquaredLoss(c)).Message);
        Assert.Contains("loss scale c", Assert.Throws<InvalidInputException>(() => new LogisticLoss(c)).Message);
    }

    [Fact]
    public void Parse_and_create()
    {
        Assert.Equal("squared", Loss.Parse(" MSE ").Name);
        Assert.Equal("logistic", Loss.Parse("logistic", 0.5).Name);
        Assert.IsType<LogisticLoss>(Loss.Parse("LOGISTIC"));
        Assert.Equal(["logistic", "squared"], LossRegistry.Names);
        Assert.Equal(TargetDomain.Real, new SquaredLoss().Targets);
        Assert.Equal(TargetDomain.SignLabels, new LogisticLoss().Targets);
        Assert.Equal(0.5, Loss.Parse("logit", 0.5).Scale);
        Assert.Equal("logistic (c = 2)", Loss.Parse("logistic", 2).ToString());
        var unknown = Assert.Throws<InvalidInputException>(() => Loss.Parse("hinge")).Message;
        Assert.Contains("unknown loss 'hinge'", unknown);
        Assert.Contains("'squared'", unknown); // the message lists what is registered
        Assert.Contains("loss scale c", Assert.Throws<InvalidInputException>(() => Loss.Parse("squared", -1)).Message);
    }

    [Theory]
    [InlineData("squared")]
    [InlineData("logistic")]
    public void Length_mismatch_is_an_input_error(string kind)
    {
        var loss = Loss.Parse(kind);
        var a = Vector<double>.Build.Dense(3, 1.0);
        var b = Vector<double>.Build.Dense(2, 1.0);
        Assert.Throws<InvalidInputException>(() => loss.Value(a, b));
        Assert.Throws<InvalidInputException>(() => loss.Gradient(a, b));
        Assert.Throws<InvalidInputException>(() => loss.HessianDiagonal(a, b));
        Assert.Throws<InvalidInputException>(() => loss.NegConjugate(a, b));
    }
}
