using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// <see cref="ConvexPoint.CrossingBounds"/> and the certificate's upper side (THEORY.md §4.1, "Points a hair outside their
/// cones"): δ_j bounds how far the network ψ(W)'s exact prediction lies from W's own, so L̂ + B bounds L_β(ψ(W)) ≥ P*_c
/// for every W, in its cones or not.
/// </summary>
public class CrossingBoundsTests
{
    private static Matrix<double> Identity2 => Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 } });

    private static ConvexPoint OneBlock(string pattern, int sign, params double[] w) =>
        new([new BlockValue(new Block(ActivationPattern.Parse(pattern), sign), Vector<double>.Build.DenseOfArray(w))], w.Length);

    [Fact]
    public void A_point_inside_its_cones_beyond_rounding_has_no_crossing()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { -1, -1 } });
        Assert.Equal([0.0, 0.0, 0.0], OneBlock("110", +1, 1, 2).CrossingBounds(x));
    }

    [Fact]
    public void A_block_across_a_row_its_pattern_excludes_is_charged_its_crossing()
    {
        // Pattern 10 excludes row 2, yet x_2·w = 0.5: ψ(W) adds 0.5 to z_2 that W's own prediction leaves out.
        var delta = OneBlock("10", +1, 1, 0.5).CrossingBounds(Identity2);
        Assert.Equal(0, delta[0]);
        Assert.InRange(delta[1], 0.5, 0.5 * (1 + 1e-15));
    }

    [Fact]
    public void A_block_exactly_on_a_kink_costs_nothing_and_one_across_it_by_less_than_rounding_costs_its_crossing()
    {
        // x_2·w = 0 exactly (disjoint supports): only the underflow allowance remains.
        Assert.InRange(OneBlock("10", +1, 1, 0).CrossingBounds(Identity2)[1], 0, 1e-300);
        // x_2 = (1, 3), w = (−3, 1 + 2^-52): x_2·w = 3·2^-52 exactly, below the plain sum's rounding threshold
        // 2γ_2 Σ|x_2k w_k| ≈ 2.7e-15, so the plain sum cannot tell it from 0; the accurate sum charges the crossing itself.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 1, 3 } });
        double crossing = 3 * Math.Pow(2, -52);
        var delta = OneBlock("10", +1, -3, 1 + Math.Pow(2, -52)).CrossingBounds(x);
        Assert.InRange(delta[1], crossing, crossing * (1 + 1e-12));
    }

    [Fact]
    public void The_certificate_of_a_point_outside_its_cones_bounds_the_objective_of_its_network()
    {
        // X = I₂, y = (1, −1), W = block (10, +) with w = (1, 0.5): W's own prediction is (1, 0) and L^c = ½ + β‖w‖, but
        // ψ(W) predicts (1, 0.5), whose loss is ½·2.25: L^c(W) undercuts every network near it, P*_c included.
        var data = Dataset.Create(Identity2, Vector<double>.Build.DenseOfArray([1.0, -1.0]));
        var loss = new SquaredLoss();
        const double beta = 0.1;
        var problem = new ConvexProblem(data, loss, beta, CellEnumerator.Enumerate(data.X));
        var w = OneBlock("10", +1, 1, 0.5);
        var certificate = problem.Certify(w);
        double network = NetworkObjective.Value(Maps.Psi(w), data, loss, beta);
        Assert.True(problem.Objective(w) < network - 0.5, $"L^c(W) = {problem.Objective(w):R}, L_β(ψ(W)) = {network:R}");
        Assert.True(certificate.Objective + certificate.ObjectiveRounding >= network,
            $"L̂ + B = {certificate.Objective + certificate.ObjectiveRounding:R} below L_β(ψ(W)) = {network:R}");
        Assert.True(certificate.ProvenGap >= network - certificate.Lower, $"proven gap {certificate.ProvenGap:R}");
    }
}
