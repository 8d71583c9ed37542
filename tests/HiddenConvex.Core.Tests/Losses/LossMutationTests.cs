using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Losses;

/// <summary>
/// The losses' documented contract where the other tests leave it loose (each pinned by a mutant that survived them,
/// docs/mutation/losses.md): the shape error names both lengths, the lower bound's rounding B_low is the formula of
/// THEORY.md §4.1, and the registry's errors name the problem.
/// </summary>
public class LossMutationTests
{
    private static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);

    [Fact]
    public void A_shape_mismatch_names_both_lengths()
    {
        var e = Assert.Throws<InvalidInputException>(() => new SquaredLoss().Value(V(1, 2), V(1, 2, 3)));
        Assert.Equal("prediction has 2 entries but y has 3", e.Message);
    }

    [Fact]
    public void The_lower_bounds_rounding_refuses_a_shape_mismatch()
    {
        Assert.Throws<InvalidInputException>(() => new SquaredLoss().LowerRounding(V(1, 2), V(1), 0.5, 1));
        Assert.Throws<InvalidInputException>(() => new LogisticLoss().LowerRounding(V(1, 2), V(1), 0.5, 1));
    }

    [Fact]
    public void The_squared_losss_lower_bound_rounding_is_the_formula_of_the_theory()
    {
        // B_low = γ_{n+3}(t Σ|v_j y_j| + t² ‖v‖² / (2c)) + u |lower|, with v = (1, −2), y = (3, 1), t = 0.5, c = 2, lower = −4:
        // Σ|v_j y_j| = 5, ‖v‖² = 5, so γ_5 (2.5 + 0.3125) + 4u.
        double expected = Rounding.Gamma(5) * (2.5 + 0.3125) + 4 * Rounding.Unit;
        Assert.Equal(expected, new SquaredLoss(2).LowerRounding(V(1, -2), V(3, 1), 0.5, -4), 1e-15 * expected);
    }

    [Fact]
    public void The_registry_refuses_a_null_name_and_lists_the_known_losses_for_an_unknown_one()
    {
        Assert.Throws<ArgumentNullException>(() => LossRegistry.Create(null!));
        var e = Assert.Throws<InvalidInputException>(() => LossRegistry.Create("hinge"));
        Assert.Equal("unknown loss 'hinge': expected 'logistic' or 'squared'", e.Message);
    }
}
