namespace HiddenConvex.Core.Numerics;

/// <summary>
/// An absolute + relative tolerance pair. Two numbers a, b agree when
/// |a − b| ≤ Absolute + Relative · max(|a|, |b|). Printed in every failure message.
/// </summary>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    /// <summary>The allowed deviation at a given magnitude: Absolute + Relative·|scale|.</summary>
    public double At(double scale) => Absolute + Relative * Math.Abs(scale);

    /// <summary>
    /// True when |a − b| ≤ Absolute + Relative · max(|a|, |b|). An infinity agrees only with itself and NaN with
    /// nothing (at an infinite magnitude the relative allowance would be infinite too).
    /// </summary>
    public bool Agree(double a, double b) =>
        a == b || (double.IsFinite(a) && double.IsFinite(b) && Math.Abs(a - b) <= At(Math.Max(Math.Abs(a), Math.Abs(b))));

    /// <summary>True when a ≤ b up to the tolerance at the magnitude of the two (exactly, when one is infinite; never with NaN).</summary>
    public bool AtMost(double a, double b) =>
        a <= b || (double.IsFinite(a) && double.IsFinite(b) && a - b <= At(Math.Max(Math.Abs(a), Math.Abs(b))));

    /// <inheritdoc />
    public override string ToString() => $"abs {Absolute:G3} + rel {Relative:G3}";
}

/// <summary>
/// The one place where the project's numerical tolerances are named (THEORY.md §10:
/// "Tolerances are named constants ... in one place"). Never loosen one to make a check pass.
/// </summary>
public static class Tolerances
{
    /// <summary>Equality of objective values computed two ways (ψ, φ, splitting, invariances).</summary>
    public static readonly Tolerance Objective = new(1e-10, 1e-9);

    /// <summary>
    /// How far above L^c_β(W) a point read off the optimal set of W may lie (THEORY.md §6): relative only, so that the
    /// set's checks do not change with the units of y (an absolute part let the NNLS point of a set read at an objective of
    /// 0.023 lie 1.3e-9 above it, outside the solve's ε).
    /// </summary>
    public static readonly Tolerance SetObjective = new(0, 1e-9);

    /// <summary>Equality of predictions f_θ(X) computed two ways, entrywise, at the scale of ‖z‖∞.</summary>
    public static readonly Tolerance Prediction = new(1e-10, 1e-9);

    /// <summary>Cone membership: max violation of (2s−1)_j x_j·u ≥ 0, at the scale ‖x_j‖·‖u‖.</summary>
    public static readonly Tolerance Cone = new(1e-12, 1e-9);

    /// <summary>Scaledness ‖u_i‖ = |α_i| and colinearity (1 − cos) of neurons.</summary>
    public static readonly Tolerance Balance = new(0, 1e-8);

    /// <summary>Positive colinearity: 1 − cos(u, v) below this counts as colinear.</summary>
    public static readonly Tolerance Colinearity = new(1e-12, 1e-8);

    /// <summary>Pricing comparison ρ(v) against β (dual feasibility, active blocks), relative to β (THEORY.md §4.1: an absolute part would not scale with β).</summary>
    public static readonly Tolerance Pricing = new(0, 1e-7);

    /// <summary>Default relative certified-gap target of the convex solver.</summary>
    public const double DefaultSolverGap = 1e-9;

    /// <summary>A norm below this (relative to the data scale) counts as zero (zero rows, zero blocks).</summary>
    public const double ZeroNorm = 1e-300;

    /// <summary>
    /// ε-stationarity (THEORY.md §7): θ is stationary when its Clarke stationarity measure is
    /// ≤ Relative·‖θ‖·(β + ‖X‖₂·‖∇ℓ(f_θ(X))‖), the size the gradient terms can reach (no absolute part: the measure
    /// transforms like that scale under the unit laws of THEORY.md §4.1).
    /// </summary>
    public static readonly Tolerance Stationarity = new(0, 1e-6);

    /// <summary>
    /// Kink rows of a neuron (THEORY.md §7): rows with |x_j·u| ≤ Absolute + Relative·‖x_j‖·‖u‖ are
    /// treated as x_j·u = 0, so their coefficient c_j ranges over [0, 1] (a Goldstein-type
    /// enlargement of the Clarke set by a relative radius, needed because floating point never
    /// lands exactly on a kink).
    /// </summary>
    public static readonly Tolerance Kink = new(0, 1e-8);

    /// <summary>ε_gap: a network is reported optimal when its proven gap Ḡ ≤ ε_gap (L̂ − B) (THEORY.md §4.1, §9).</summary>
    public const double CheckGap = 1e-6;

    /// <summary>
    /// Hyperplanes of the arrangement (THEORY.md §2): two unit normals a, b with ‖a − b‖ or ‖a + b‖
    /// below this are the same hyperplane, and a singular value of the row-normalised X below this
    /// times the largest one counts as zero for the numerical rank.
    /// </summary>
    public const double HyperplaneDirection = 1e-10;

    /// <summary>
    /// Coarser merge tolerances for hyperplane directions, tried in order only when the enumeration at
    /// <see cref="HyperplaneDirection"/> fails its self-check (distinct rows nearly parallel at about
    /// that scale). A set obtained with one of them is marked inexact: thinner cells may be missing.
    /// </summary>
    public static readonly IReadOnlyList<double> CoarserHyperplaneDirections = [1e-8, 1e-6];

    /// <summary>
    /// Smallest relative margin |x_j·u| / (‖x_j‖‖u‖) the exact enumeration accepts for a cell's witness u
    /// at a nonzero row of X ∈ R^{n×d}: max(1e-14, 4 d 2^−53), several times the rounding error bound
    /// d·2^−53 of x_j·u, so the computed sign (the pattern) is the true one.
    /// </summary>
    public static double WitnessMargin(int d) => Math.Max(1e-14, 4 * d * Math.Pow(2, -53));

    /// <summary>
    /// A sampled direction u is kept only when |x_j·u| exceeds this times ‖x_j‖·‖u‖ for every
    /// nonzero row, so that it lies strictly inside a full-dimensional cell (THEORY.md §2).
    /// </summary>
    public const double SampledDirectionMargin = 1e-9;

    /// <summary>
    /// Relative rank threshold of the optimal set's matrix A (THEORY.md §6: rank(A), Carathéodory pruning, the m*
    /// search): singular values at most this times σ_max count as zero. Why 1e-12 and not looser: a null vector of
    /// relative size σ/σ_max moves A t by about σ·τ per pruning step; next to columns a thousand times longer than a
    /// short row's entries (near-duplicate rows), columns independent at σ/σ_max = 7.6e-12 were pruned at 1e-10 and the
    /// only block on the short row was dropped with its entry 4.4e-9 of z*. Singular values of these small matrices are
    /// exact to about 1e-15·σ_max, so 1e-12 stays far above rounding.
    /// </summary>
    public const double RelativeRank = 1e-12;

    /// <summary>Splitting weights γ_j (THEORY.md §5) must sum to 1 within this; they are then renormalised exactly.</summary>
    public static readonly Tolerance SplitWeights = new(1e-12, 0);

    /// <summary>
    /// Derivatives checked against a 5-point central difference (truncation O(h⁴), rounding
    /// O(ε·|f|/h)); used by tests of gradients and Hessians.
    /// </summary>
    public static readonly Tolerance FiniteDifference = new(1e-8, 1e-7);

    /// <summary>
    /// Relative gap to the best network on θ's own slots (THEORY.md §7: a stationary θ is optimal for the
    /// convex program restricted to its slots), gap_S / |L_β(θ)|, at or below which the global
    /// check counts θ as stationary although its Clarke measure is above <see cref="Stationarity"/>
    /// (trained networks sit next to kinks and never make the measure small).
    /// </summary>
    public const double LocalGap = 1e-4;

    /// <summary>
    /// A cone projection Π_C(g) (THEORY.md §4) computed two ways (the NNLS against a brute force over faces or the
    /// Moreau conditions), at the scale of ‖g‖; Absolute·‖g‖ is the rounding-level feasibility slack of a face candidate.
    /// </summary>
    public static readonly Tolerance ConeProjection = new(1e-12, 1e-9);

    /// <summary>
    /// Branch-and-bound pricing (HiddenConvex.Core.Pricing): a row whose proven bound max x_j·u (or max −x_j·u) over a
    /// node is at most this times ‖x_j‖ is treated as decided on the node. Its sign is then not branched on, and the
    /// proven bound itself (not zero) enters the node's bound as a slack, so the decision costs accuracy, never soundness.
    /// Rows are decided only at the rounding level of a projection; slivers of cells thinner than this are not separated.
    /// </summary>
    public const double DecidedRow = 1e-12;

    /// <summary>
    /// Active-set least squares of the branch-and-bound pricing: a variable enters when its gradient component along its
    /// unit column exceeds this times the size of the terms summed into the residual (‖r‖ + ‖c‖ + Σ|z_t|‖m_t‖, the rounding
    /// level of that inner product for d up to a few hundred). Any iterate yields a proven bound; this only sets how
    /// exactly a node's bound is minimised.
    /// </summary>
    public const double ActiveSetOptimality = 1e-13;

    /// <summary>
    /// Share of ε that <see cref="Certificates.CertificateChecker.DecidingRho"/> gives up (relative): ρ_c is computed for
    /// ε(1 − this), so that a bracket stopped at ρ̄ ≤ ρ_c still certifies at ε once β/ρ̄ is rounded down. It sets when an
    /// anytime search stops, never what a certificate proves.
    /// </summary>
    public const double DecidingRhoMargin = 1e-3;

    /// <summary>
    /// Relative gap of the second solve of <see cref="Pipeline.CertifiedPipeline"/> when the optimal set read at the requested
    /// ε has a direction that is not Clarke stationary or cannot be read (THEORY.md §6, "A set read off too coarse a point is
    /// read again"): a point certified at ε can carry weight on a block that prices a little below β at v*, and its dual
    /// vector cannot tell that block from an active one. Above the relative gaps the reference instances' certificates reach
    /// (4e-15 to 2e-14), so that a certificate can still meet it.
    /// </summary>
    public const double RereadGap = 1e-13;

    /// <summary>
    /// A certificate whose objective's rounding bound B exceeds this fraction of |L̂| is computed again from the prediction
    /// summed accurately (<see cref="Convex.ConvexPoint.PredictAccurately"/>, THEORY.md §4.1), and the certificate proving
    /// the smaller gap is kept. B is about 1e-15 of L̂ on rows of comparable lengths; it reaches 5e-8 where a long row's terms
    /// cancel, and there the plain sum's bound, not the gap, decided the certificate.
    /// </summary>
    public const double AccuratePredictionAbove = 1e-12;
}

/// <summary>Tolerances for answers of external implementations checked by `hcv conform`.</summary>
public static class ConformTolerances
{
    /// <summary>
    /// Cone membership of a block returned by an external implementation: violation of
    /// (2s_j − 1) x_j·w ≥ 0 at most Absolute + Relative·‖x_j‖·‖w‖. Interior-point answers are
    /// feasible to about 1e-10 relative; a dropped constraint violates at order 1.
    /// </summary>
    public static readonly Tolerance Cone = new(1e-12, 1e-7);

    /// <summary>Default relative certified-gap tolerance asked for in every request.</summary>
    public const double RequestedGap = 1e-6;
}
