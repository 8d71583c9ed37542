using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// The Lawson–Hanson cone projector (THEORY.md §4) on quadrant cones, where the projection, its
/// multipliers μ (Π = g + Σ μ_j sign_j x_j) and the active rows are known by hand.
/// </summary>
public class ConeProjectorTests
{
    private static readonly double[] Identity = [1, 0, 0, 1];
    private static readonly double[] Plus = [1, 1];

    private static double[] Project(ConeProjector p, double[] signs, double[] g, out double norm)
    {
        var q = new double[g.Length];
        norm = p.Project(signs, g, q);
        return q;
    }

    [Fact]
    public void QuadrantProjectionsClipTheWrongSignsWithThoseEntriesAsMultipliers()
    {
        var p = new ConeProjector(Identity, 2, 2);
        Assert.Equal([0.0, 3.0], Project(p, Plus, [-1, 3], out double norm));
        Assert.Equal(3, norm);
        Assert.Equal([1.0, 0.0], p.Multipliers());
        Assert.Equal([0], p.PassiveRows());

        Assert.Equal([0.0, 0.0], Project(p, Plus, [-1, -2], out norm));
        Assert.Equal(0, norm);
        Assert.Equal([1.0, 2.0], p.Multipliers());
        Assert.Equal([0, 1], p.PassiveRows().Order());

        // A second call starts afresh: row 1 is needed again, row 0 no longer.
        Assert.Equal([3.0, 0.0], Project(p, Plus, [3, -1], out norm));
        Assert.Equal(3, norm);
        Assert.Equal([0.0, 1.0], p.Multipliers());
        Assert.Equal([1], p.PassiveRows());

        // Inside the cone: Π(g) = g, no multiplier, no active row.
        Assert.Equal([2.0, 5.0], Project(p, Plus, [2, 5], out norm));
        Assert.Equal(Math.Sqrt(29), norm, 15);
        Assert.Equal([0.0, 0.0], p.Multipliers());
        Assert.Empty(p.PassiveRows());
    }

    [Fact]
    public void SignsSelectThePatternCone()
    {
        // sign = (+1, −1): the cone {u_0 ≥ 0, u_1 ≤ 0}.
        var p = new ConeProjector(Identity, 2, 2);
        Assert.Equal([0.0, -2.0], Project(p, [1, -1], [-1, -2], out _));
        Assert.Equal([1.0, 0.0], p.Multipliers());
        var viaPattern = ConeProjection.Project(Matrix<double>.Build.DenseOfRowMajor(2, 2, Identity), ActivationPattern.Parse("10"),
            Vector<double>.Build.DenseOfArray([-1.0, -2.0]));
        Assert.Equal([0.0, -2.0], viaPattern.ToArray());
    }

    [Fact]
    public void ThreeRowsInThePlaneNeedAtMostTwoActive()
    {
        // C = {u_1 ≥ 0, u_0 − u_1 ≥ 0, u_0 + u_1 ≥ 0} = {0 ≤ u_1 ≤ u_0}: (−2, 1) projects on the apex,
        // (1, 3) on the ray (1, 1) at (2, 2), and (3, −1) on the ray (1, 0) at (3, 0).
        var p = new ConeProjector([0, 1, 1, -1, 1, 1], 3, 2);
        double[] signs = [1, 1, 1];
        var apex = Project(p, signs, [-2, 1], out double norm);
        Assert.True(norm <= 1e-14 && Math.Abs(apex[0]) + Math.Abs(apex[1]) <= 2e-14, $"apex expected, got ({apex[0]}, {apex[1]})");
        var ray = Project(p, signs, [1, 3], out norm);
        Assert.Equal(2, ray[0], 14);
        Assert.Equal(2, ray[1], 14);
        Assert.Equal([1], p.PassiveRows());
        Assert.Equal(1, p.Multipliers()[1], 14); // (1, 3) + 1·(1, −1)
        var axis = Project(p, signs, [3, -1], out norm);
        Assert.Equal([3.0, 0.0], axis);
        Assert.Equal([0], p.PassiveRows());
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        Assert.Contains("wrong length", Assert.Throws<ArgumentException>(() => new ConeProjector(Identity, 2, 3)).Message);
        var e = Assert.Throws<ArgumentException>(() => ConeProjection.Project(Matrix<double>.Build.DenseIdentity(2), Vector<double>.Build.Dense(3)));
        Assert.Contains("g has 3 entries but A has 2 columns", e.Message);
    }
}
