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

    /// <summary>A loss whose members are never called: only its registration is tested.</summary>
    private abstract class StubLoss(double scale) : Loss(scale)
    {
        public override TargetDomain Targets => throw new NotSupportedException();
        public override double Value(Vector<double> z, Vector<double> y) => throw new NotSupportedException();
        public override Vector<double> Gradient(Vector<double> z, Vector<double> y) => throw new NotSupportedException();
        public override Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y) => throw new NotSupportedException();
        public override double NegConjugate(Vector<double> v, Vector<double> y) => throw new NotSupportedException();
        public override double BestDualScale(Vector<double> v, Vector<double> y, double tMax) => throw new NotSupportedException();
        public override double CurvatureBound => throw new NotSupportedException();
        public override double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower) => throw new NotSupportedException();
        public override double DualScaleCap => throw new NotSupportedException();
    }

    [LossName("stub")] private sealed class NamedStub(double scale) : StubLoss(scale);
    [LossName("abstract-stub")] private abstract class AbstractNamedStub(double scale) : StubLoss(scale);
    [LossName("not-a-loss")] private sealed class NotALoss;
    private sealed class UnnamedStub(double scale) : StubLoss(scale);
    [LossName("no-scale")] private sealed class NoScaleStub() : StubLoss(1);

    [Fact]
    public void The_registry_takes_only_concrete_losses_that_carry_a_name()
    {
        var entries = LossRegistry.Discover([typeof(NotALoss), typeof(AbstractNamedStub), typeof(UnnamedStub), typeof(NamedStub)]);
        Assert.Equal(["stub"], entries.Select(e => e.Name));
        Assert.Equal(typeof(NamedStub), entries[0].Type);
    }

    [Fact]
    public void A_registered_loss_is_built_with_its_scale_and_its_own_errors_are_not_wrapped()
    {
        var create = LossRegistry.ConstructorOf(typeof(NamedStub));
        Assert.Equal(2.5, create(2.5).Scale);
        var e = Assert.Throws<InvalidInputException>(() => create(-1));
        Assert.Contains("loss scale c", e.Message);
    }

    [Fact]
    public void A_malformed_registration_is_an_error_naming_the_type()
    {
        var noScale = Assert.Throws<InvalidOperationException>(() => LossRegistry.ConstructorOf(typeof(NoScaleStub)));
        Assert.Equal("loss NoScaleStub needs a public constructor taking its scale c", noScale.Message);
        Assert.Throws<InvalidOperationException>(() => LossRegistry.Discover([typeof(NoScaleStub)]));
        var unnamed = Assert.Throws<InvalidOperationException>(() => LossRegistry.NameOf(typeof(UnnamedStub)));
        Assert.Equal("loss UnnamedStub has no [LossName] attribute", unnamed.Message);
        Assert.Equal("squared", LossRegistry.NameOf(typeof(SquaredLoss)));
    }
}

