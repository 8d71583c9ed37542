using HiddenConvex.Core.Numerics;
using Xunit;

namespace HiddenConvex.Core.Tests.Numerics;

public class ToleranceTests
{
    [Fact]
    public void AgreementAllowsTheAbsolutePlusRelativeDeviationAndNoMore()
    {
        var tol = new Tolerance(1e-3, 1e-2);
        Assert.True(tol.Agree(100, 101.001)); // allowed 1e-3 + 1e-2·101.001 = 1.011
        Assert.False(tol.Agree(100, 101.02));
        Assert.True(tol.Agree(0, 1e-3));
        Assert.False(tol.Agree(0, 2e-3));
    }

    [Fact]
    public void AnInfinityAgreesOnlyWithItselfAndNaNWithNothing()
    {
        var tol = new Tolerance(1e-10, 1e-9);
        Assert.False(tol.Agree(1.0, double.PositiveInfinity));
        Assert.False(tol.Agree(double.NegativeInfinity, 1.0));
        Assert.False(tol.Agree(double.PositiveInfinity, double.NegativeInfinity));
        Assert.True(tol.Agree(double.PositiveInfinity, double.PositiveInfinity));
        Assert.False(tol.Agree(double.NaN, double.NaN));
        Assert.False(tol.Agree(double.NaN, 0));
    }

    [Fact]
    public void AtMostIsExactWithInfinitiesAndFalseWithNaN()
    {
        var tol = new Tolerance(1e-10, 1e-9);
        Assert.True(tol.AtMost(1 + 5e-10, 1));
        Assert.False(tol.AtMost(1 + 5e-9, 1));
        Assert.True(tol.AtMost(1e300, double.PositiveInfinity));
        Assert.False(tol.AtMost(double.PositiveInfinity, 1e300));
        Assert.False(tol.AtMost(1, double.NegativeInfinity));
        Assert.True(tol.AtMost(double.NegativeInfinity, -1e300));
        Assert.False(tol.AtMost(double.NaN, 1));
        Assert.False(tol.AtMost(1, double.NaN));
    }
}
