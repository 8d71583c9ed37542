using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Losses;

public class LogisticLossTests
{
    private static Vector<double> V(params double[] v) => Vector<double>.Build.DenseOfArray(v);

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Tolerances.Objective.Agree(expected, actual), $"{what}: expected {expected:R}, got {actual:R} (tolerance {Tolerances.Objective})");

    [Fact]
    public void Hand_computed_values()
    {
        var loss = new LogisticLoss(3);
        var y = V(1, -1);
        // At z = 0: c Σ log 2; ∇ = −c y / 2; Hessian c/4.
        Close(6 * Math.Log(2), loss.Value(V(0, 0), y), "ℓ(0)");
        Assert.Equal([-1.5, 1.5], loss.Gradient(V(0, 0), y).ToArray());
        Assert.Equal([0.75, 0.75], loss.HessianDiagonal(V(0, 0), y).ToArray());
        // z = (2, 1): c [log(1 + e^{−2}) + log(1 + e^{1})].
        Close(3 * (Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.E)), loss.Value(V(2, 1), y), "ℓ(2, 1)");
    }

    [Fact]
    public void Large_margins_neither_overflow_nor_lose_the_tail()
    {
        var loss = new LogisticLoss();
        var y = V(1, 1);
        Close(1000 + Math.Log(1 + Math.Exp(-1000)), loss.Value(V(-1000, 1e6), y), "ℓ at extreme margins");
        Assert.Equal(Math.Exp(-40), loss.Value(V(40, 800), y), 1e-30);
        Assert.Equal([-1.0, -0.0], loss.Gradient(V(-800, 800), y).ToArray());
        Assert.True(double.IsFinite(loss.HessianDiagonal(V(-800, 800), y).Sum()));
    }

    [Fact]
    public void NegConjugate_domain_is_the_box_zero_c()
    {
        var loss = new LogisticLoss(2);
        var y = V(1, -1);
        // a_j = v_j y_j / c: a = ½ gives −c Σ H(½) = c n log 2.
        Close(2 * 2 * Math.Log(2), loss.NegConjugate(V(1, -1), y), "a = ½");
        // Ends of the domain: H(0) = H(1) = 0.
        Assert.Equal(0.0, loss.NegConjugate(V(0, -2), y));
        Assert.Equal(0.0, loss.NegConjugate(V(2, 0), y));
        // Outside: −∞.
        Assert.Equal(double.NegativeInfinity, loss.NegConjugate(V(2.000001, -1), y));
        Assert.Equal(double.NegativeInfinity, loss.NegConjugate(V(1, 0.001), y));
        Assert.Equal(double.NegativeInfinity, loss.NegConjugate(V(double.NaN, -1), y));
    }

    [Fact]
    public void NegConjugate_outside_the_domain_is_unbounded_below_numerically()
    {
        // a > 1 or a < 0: inf_z ℓ(z) + v·z = −∞, seen as a numerical infimum that keeps falling with the search radius.
        var loss = new LogisticLoss();
        foreach (var v in new[] { V(1.5), V(-0.5) })
        {
            double r1 = LossNumerics.NumericalNegConjugate(loss, v, V(1), 50);
            double r2 = LossNumerics.NumericalNegConjugate(loss, v, V(1), 100);
            Assert.True(r2 < r1 - 10, $"numerical infimum {r1} → {r2} should keep decreasing");
            Assert.Equal(double.NegativeInfinity, loss.NegConjugate(v, V(1)));
        }
    }

    [Fact]
    public void BestDualScale_is_zero_when_some_entry_has_the_wrong_sign()
    {
        var loss = new LogisticLoss();
        Assert.Equal(0.0, loss.BestDualScale(V(0.5, 0.5), V(1, -1), 1.0));
    }

    [Fact]
    public void BestDualScale_stops_at_the_domain_edge()
    {
        var loss = new LogisticLoss();
        // a = (0.5, 0): the maximiser of −t·H-terms is t a = ½, i.e. t = 1, reachable only with tMax ≥ 1.
        Assert.Equal(1.0, loss.BestDualScale(V(0.5, 0), V(1, 1), double.PositiveInfinity), 12);
        Assert.Equal(0.4, loss.BestDualScale(V(0.5, 0), V(1, 1), 0.4), 15);
        // a = 0.8 with no cap: interior maximiser t = 1/(2·0.8) = 0.625, never beyond 1/a = 1.25.
        Assert.Equal(0.625, loss.BestDualScale(V(0.8), V(1), double.PositiveInfinity), 12);
    }

    [Fact]
    public void Labels_must_be_plus_or_minus_one()
    {
        var loss = new LogisticLoss();
        loss.ValidateTargets(V(1, -1, 1), "data.csv");
        var e = Assert.Throws<InvalidInputException>(() => loss.ValidateTargets(V(1, 0, -1), "data.csv"));
        Assert.Contains("data.csv: y[1] = 0", e.Message);
        Assert.Contains("-1 or +1", e.Message);
        Assert.Contains("y[0] is NaN", Assert.Throws<InvalidInputException>(() => loss.ValidateTargets(V(double.NaN), "f")).Message);
    }
}

public class Log1pTests
{
    [Theory]
    [InlineData(1e-20)]
    [InlineData(-3e-17)]
    [InlineData(1e-10)]
    [InlineData(0.5)]
    [InlineData(-0.5)]
    [InlineData(1e10)]
    public void Log1p_is_accurate_against_a_series_or_the_plain_log(double x)
    {
        // Series log(1+x) = x − x²/2 + x³/3 − … for small x; the plain log where 1 + x is exact enough.
        double expected = Math.Abs(x) < 1e-5 ? x - x * x / 2 + x * x * x / 3 : Math.Log(1 + x);
        double actual = LogisticLoss.Log1p(x);
        Assert.True(Math.Abs(actual - expected) <= 4e-16 * Math.Abs(expected), $"Log1p({x:R}) = {actual:R}, expected {expected:R}");
    }
}
