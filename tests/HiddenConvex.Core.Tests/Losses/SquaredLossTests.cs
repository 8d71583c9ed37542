using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Losses;

public class SquaredLossTests
{
    private static Vector<double> V(params double[] v) => Vector<double>.Build.DenseOfArray(v);

    [Fact]
    public void Hand_computed_values()
    {
        var loss = new SquaredLoss(2);
        // (c/2) Σ (z − y)² = 1 · (1 + 4) = 5; ∇ = c (z − y) = (2, 4).
        Assert.Equal(5.0, loss.Value(V(1, 2), V(0, 0)));
        Assert.Equal([2.0, 4.0], loss.Gradient(V(1, 2), V(0, 0)).ToArray());
        Assert.Equal([2.0, 2.0], loss.HessianDiagonal(V(1, 2), V(0, 0)).ToArray());
        // v·y − ‖v‖²/(2c) = 3 − 2/4.
        Assert.Equal(2.5, loss.NegConjugate(V(1, 1), V(1, 2)));
        // t = c v·y/‖v‖² = 2·3/2 = 3, clipped to the cap.
        Assert.Equal(3.0, loss.BestDualScale(V(1, 1), V(1, 2), double.PositiveInfinity));
        Assert.Equal(1.0, loss.BestDualScale(V(1, 1), V(1, 2), 1.0));
        // v·y < 0: no positive multiple helps.
        Assert.Equal(0.0, loss.BestDualScale(V(-1, -1), V(1, 2), 10));
    }

    [Fact]
    public void PyTorch_mse_with_weight_decay_maps_to_c_two_over_n()
    {
        // (1/n) Σ (z − y)² = (c/2) Σ (z − y)² with c = 2/n (THEORY.md §1).
        var z = V(0.5, -1, 2, 3);
        var y = V(1, 1, 1, 1);
        double mse = (z - y).DotProduct(z - y) / 4;
        Assert.Equal(mse, new SquaredLoss(2.0 / 4).Value(z, y), 15);
    }

    [Fact]
    public void Any_finite_targets_are_accepted_and_non_finite_rejected()
    {
        var loss = new SquaredLoss();
        loss.ValidateTargets(V(0.3, -7, 1e6), "t");
        Assert.Contains("t: y[1] is NaN", Assert.Throws<InvalidInputException>(() => loss.ValidateTargets(V(1, double.NaN), "t")).Message);
    }
}
