using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// The projection of one block on its cone at a dual vector (THEORY.md §4, §6): π_b = Π_{C_s}(γ Xᵀ diag(s) v), its
/// norm and the face of C_s that holds it. It depends on X and the block only, so every pricing oracle shares it.
/// X is stored row-major and each thread has its own projection workspace.
/// </summary>
public sealed class BlockGeometry
{
    private readonly double[] _x;
    private readonly ThreadLocal<ConeProjector> _projectors;

    /// <summary>Rows n.</summary>
    public int N { get; }

    /// <summary>Input dimension d.</summary>
    public int D { get; }

    /// <summary>Prepares the projections for data X.</summary>
    public BlockGeometry(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        N = x.RowCount; D = x.ColumnCount;
        _x = x.ToRowMajorArray();
        _projectors = new ThreadLocal<ConeProjector>(() => new ConeProjector(_x, N, D));
    }

    /// <summary>Row-major copy of X (shared, do not modify).</summary>
    internal double[] XRowMajor => _x;

    /// <summary>This thread's projection workspace.</summary>
    internal ConeProjector Projector => _projectors.Value!;

    /// <summary>The sign array 2s − 1 of a pattern.</summary>
    public static double[] Signs(ActivationPattern pattern)
    {
        var signs = new double[pattern.Length];
        for (int j = 0; j < signs.Length; j++) signs[j] = pattern[j] ? 1.0 : -1.0;
        return signs;
    }

    /// <summary>g_s = Xᵀ diag(s) v for the sign array of s.</summary>
    internal double[] Direction(ReadOnlySpan<double> signs, ReadOnlySpan<double> v)
    {
        var gs = new double[D];
        for (int j = 0; j < N; j++)
        {
            if (signs[j] < 0 || v[j] == 0) continue;
            for (int k = 0; k < D; k++) gs[k] += v[j] * _x[j * D + k];
        }
        return gs;
    }

    /// <summary>
    /// π = Π_{C}(γ g) written to <paramref name="pi"/> for the cone C of the sign array; returns ‖π‖ (an upper bound on
    /// max_{u∈C,‖u‖≤1} γ g·u, equal to it up to rounding; see <see cref="ConeProjection"/>).
    /// </summary>
    internal double Project(ReadOnlySpan<double> signs, int sign, ReadOnlySpan<double> g, Span<double> pi)
    {
        Span<double> gb = stackalloc double[D];
        for (int k = 0; k < D; k++) gb[k] = sign * g[k];
        return Projector.Project(signs, gb, pi);
    }

    /// <summary>
    /// An upper bound on h_C(e) = max_{u∈C,‖u‖≤1} e·u for the cone C of a sign array, rounding included (THEORY.md §4, §4.1):
    /// the projection gives q = e + Aᵀμ with μ ≥ 0, and h_C(e) ≤ ‖e + Aᵀμ‖ in exact arithmetic; the computed q differs from it
    /// by at most γ_{d+1}(‖e‖ + Σ_j μ_j ‖x_j‖) and its norm by γ_{d+1} relative, and h_C(e) ≤ ‖e‖ always. The result is
    /// doubled in its rounding terms (first order only is bounded above) and never below the computed ‖q‖.
    /// </summary>
    internal double SupportUpperBound(ReadOnlySpan<double> signs, ReadOnlySpan<double> e)
    {
        Span<double> q = stackalloc double[D];
        var projector = Projector;
        double value = projector.Project(signs, e, q);
        double eNorm = 0;
        for (int k = 0; k < D; k++) eNorm += e[k] * e[k];
        eNorm = Math.Sqrt(eNorm);
        double g = Numerics.Rounding.Gamma(D + 1);
        double projected = value * (1 + 2 * g) + 2 * g * (eNorm + projector.MultiplierMass());
        return Math.Min(projected, eNorm * (1 + 2 * g));
    }

    /// <summary>
    /// ρ̄_b ≥ max_{u∈C,‖u‖≤1} γ g_s·u for the exact g_s = Xᵀ diag(s) v (THEORY.md §4.1, "Pricing rounded outward"): the
    /// projection of the computed g_s gives multipliers μ ≥ 0, and ‖γ g_s + Aᵀμ‖ with g_s summed from v and X accurately is
    /// an upper bound for any μ ≥ 0 (<see cref="ConeProjector.ResidualNormUpper"/>). Why: g_s sums terms v_j x_j that can
    /// cancel to a value 10⁷ times smaller (near-duplicate rows), so the computed ‖π_b‖ can be below the block's value by
    /// 10⁻⁹ of it, and a lower bound −ℓ*(−t v) scaled with it can exceed P*.
    /// </summary>
    internal double ProvenValue(ReadOnlySpan<double> signs, int sign, ReadOnlySpan<double> v)
    {
        var g = Direction(signs, v);
        Span<double> pi = stackalloc double[D];
        Project(signs, sign, g, pi);
        return Projector.ResidualNormUpper(signs, sign, v);
    }

    /// <summary>π_b for one block at dual vector v, and ‖π_b‖.</summary>
    public double[] Projection(Block block, ReadOnlySpan<double> v, out double norm) =>
        Projection(Signs(block.Pattern), block.Sign, v, out norm);

    /// <summary>π_b for the block of a sign array and sign γ at dual vector v, and ‖π_b‖.</summary>
    internal double[] Projection(ReadOnlySpan<double> signs, int sign, ReadOnlySpan<double> v, out double norm)
    {
        var gs = Direction(signs, v);
        var pi = new double[D];
        norm = Project(signs, sign, gs, pi);
        return pi;
    }

    /// <summary>
    /// π_b at v together with the Lawson–Hanson passive rows of its projection (the rows whose hyperplanes contain the
    /// face of C_{s_b} holding π_b; THEORY.md §6 directions).
    /// </summary>
    public (double[] Pi, double Norm, int[] FaceRows) Face(Block block, ReadOnlySpan<double> v)
    {
        var pi = Projection(block, v, out double norm);
        return (pi, norm, Projector.PassiveRows());
    }

    /// <summary>The unit maximiser u* = π_b/‖π_b‖ of a block at v (zero when π_b = 0; THEORY.md §4).</summary>
    public Vector<double> Maximiser(Block block, ReadOnlySpan<double> v)
    {
        var pi = Projection(block, v, out double norm);
        var maximiser = Vector<double>.Build.Dense(D);
        if (norm > 0)
            for (int k = 0; k < D; k++) maximiser[k] = pi[k] / norm;
        return maximiser;
    }
}
