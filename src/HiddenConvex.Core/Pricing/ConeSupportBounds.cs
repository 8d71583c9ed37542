using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Upper bounds on block values without projecting (THEORY.md §4): the block value h_C(g) = ‖Π_C(g)‖ = max_{u∈C,‖u‖≤1} g·u is
/// the support function of C ∩ ball, which is sublinear and positively homogeneous; so for any vectors e_0 … e_{d−1} and
/// any coefficients c_i,
/// <code>
/// h_C(g) ≤ Σ_i (c_i⁺ h_C(e_i) + c_i⁻ h_C(−e_i)) + ‖g − Σ_i c_i e_i‖      (h_C(r) ≤ ‖r‖ for the remainder).
/// </code>
/// Each cell's basis is e_0 = the direction of its interior witness and e_1 … e_{d−1} an orthonormal complement (a
/// Householder reflection), with c_i = g·e_i: then h_C(e_0) ≤ 1 and the h_C(±e_i), i ≥ 1, are the cone's extent across
/// e_0, small for the thin cells of an arrangement of many rows, so the bound is close to ‖Π_C(g)‖ where the bound ‖g‖ is
/// not. (At (n, d) = (200, 3) near the optimum, ‖g_s‖ ≥ ρ(v) holds on about 75 000 of the 79 604 blocks, this bound on a
/// few hundred.) The 2d values h_C(±e_i) of every cell are projected once, as upper bounds with their rounding
/// (<see cref="BlockGeometry.SupportUpperBound"/>); <see cref="Bounds"/> adds the rounding of the remainder and the sum.
/// </summary>
internal sealed class ConeSupportBounds
{
    private readonly int _d;
    private readonly double[] _basis;   // rows × d × d: e_i of row r at (r·d + i)·d
    private readonly double[] _support; // rows × d × 2: h̄_C(+e_i), h̄_C(−e_i) of row r at (r·d + i)·2

    private ConeSupportBounds(int d, double[] basis, double[] support)
    {
        _d = d; _basis = basis; _support = support;
    }

    /// <summary>
    /// The table for the cells of <paramref name="witnesses"/>: the sign array of row r at <paramref name="signs"/>[r·n …] and its
    /// interior witness (any nonzero direction of the cell; a zero or non-finite one gets the standard basis, which keeps
    /// the bound valid, only looser). Parallel over rows.
    /// </summary>
    public static ConeSupportBounds Build(BlockGeometry geometry, double[] signs, IReadOnlyList<Vector<double>> witnesses)
    {
        int rows = witnesses.Count, n = geometry.N, d = geometry.D;
        var basis = new double[ArraySize.Product("the cone support bases (patterns × d × d)", rows, d, d)];
        var support = new double[ArraySize.Product("the cone support values (patterns × 2d)", rows, d, 2)];
        WorkLoops.For(rows, () => new double[d], (r, e) =>
        {
            var rowBasis = basis.AsSpan(r * d * d, d * d);
            WitnessBasis(witnesses[r], rowBasis);
            var rowSigns = signs.AsSpan(r * n, n);
            for (int i = 0; i < d; i++)
            {
                var ei = rowBasis.Slice(i * d, d);
                support[(r * d + i) * 2] = geometry.SupportUpperBound(rowSigns, ei);
                for (int k = 0; k < d; k++) e[k] = -ei[k];
                support[(r * d + i) * 2 + 1] = geometry.SupportUpperBound(rowSigns, e);
            }
        });
        return new ConeSupportBounds(d, basis, support);
    }

    /// <summary>
    /// e_0 = w/‖w‖ and e_1 … e_{d−1} the other columns of the Householder reflection H = I − 2hhᵀ/‖h‖², h = e_0 + sign(e_{0,0}) ε_0
    /// (H ε_0 = ∓e_0, so its other columns are orthonormal to e_0); the standard basis when w is zero or not finite.
    /// </summary>
    private static void WitnessBasis(Vector<double> witness, Span<double> basis)
    {
        int d = witness.Count;
        double norm = Norms.Euclidean(witness);
        basis.Clear();
        if (!(norm > 0) || double.IsInfinity(norm))
        {
            for (int i = 0; i < d; i++) basis[i * d + i] = 1;
            return;
        }
        Span<double> h = stackalloc double[d];
        for (int k = 0; k < d; k++) h[k] = witness[k] / norm;
        for (int k = 0; k < d; k++) basis[k] = h[k];
        h[0] += h[0] >= 0 ? 1 : -1;
        double h2 = 0;
        for (int k = 0; k < d; k++) h2 += h[k] * h[k];
        for (int i = 1; i < d; i++)
            for (int k = 0; k < d; k++)
                basis[i * d + k] = (k == i ? 1 : 0) - 2 * h[k] * h[i] / h2;
    }

    /// <summary>
    /// Upper bounds on h_C(+g) and h_C(−g) for the cone of row r, g = <paramref name="g"/> as computed (the vector the
    /// projection would be given). Rounding: the remainder g − Σ c_i e_i is computed with an error of at most
    /// γ_{2d}(‖g‖ + Σ|c_i| ‖e_i‖) (‖e_i‖ ≤ 1 + γ_d), and the final sum and norm with γ_{2d+4} relative; both are added, doubled.
    /// </summary>
    public (double Plus, double Minus) Bounds(int row, ReadOnlySpan<double> g)
    {
        int d = _d;
        Span<double> rest = stackalloc double[d];
        g.CopyTo(rest);
        var basis = _basis.AsSpan(row * d * d, d * d);
        var support = _support.AsSpan(row * d * 2, d * 2);
        double plus = 0, minus = 0, absC = 0, gNorm2 = 0;
        for (int k = 0; k < d; k++) gNorm2 += g[k] * g[k];
        for (int i = 0; i < d; i++)
        {
            var ei = basis.Slice(i * d, d);
            double c = 0;
            for (int k = 0; k < d; k++) c += g[k] * ei[k];
            for (int k = 0; k < d; k++) rest[k] -= c * ei[k];
            if (c >= 0) { plus += c * support[2 * i]; minus += c * support[2 * i + 1]; }
            else { plus -= c * support[2 * i + 1]; minus -= c * support[2 * i]; }
            absC += Math.Abs(c);
        }
        double restNorm2 = 0;
        for (int k = 0; k < d; k++) restNorm2 += rest[k] * rest[k];
        double slack = Math.Sqrt(restNorm2) + 2 * Rounding.Gamma(2 * d + 2) * (Math.Sqrt(gNorm2) + absC);
        double scale = 1 + 2 * Rounding.Gamma(2 * d + 4);
        return ((plus + slack) * scale, (minus + slack) * scale);
    }
}
