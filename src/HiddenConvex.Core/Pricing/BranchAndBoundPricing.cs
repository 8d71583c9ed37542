using System.Diagnostics;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Pricing without enumeration (THEORY.md §4): a proven bracket ρ̲ ≤ ρ(v) ≤ ρ̄ on ρ(v) = max_{‖u‖≤1} |v·σ(Xu)| by
/// branch and bound over the signs of the rows x_j·u, and the blocks whose value exceeds a threshold.
/// </summary>
/// <remarks>
/// <para><b>Problem.</b> ρ(v) = max_{γ=±1} max_{‖u‖≤1} F_γ(u), F_γ(u) = Σ_j w_j σ(x_j·u) with w = γ v. A row with w_j &lt; 0
/// contributes a concave term, one with w_j &gt; 0 a convex one; only the latter make the problem hard.</para>
/// <para><b>Nodes.</b> A node is (γ, R) with R = {u : ‖u‖ ≤ 1, σ_i x_{b_i}·u ≥ 0 for its branching constraints (b_i, σ_i)};
/// the two children of a node add x_b·u ≥ 0 and x_b·u ≤ 0, so they cover it, and the two roots (γ = ±1, R = the ball)
/// cover the problem. Every other row is either <i>decided</i> on R — a proven bound ū_j ≥ max_R x_j·u (or
/// m̄_j ≥ max_R −x_j·u) is at most <see cref="Numerics.Tolerances.DecidedRow"/>·‖x_j‖ — or <i>undecided</i> with proven
/// bounds −m̄_j ≤ x_j·u ≤ ū_j on R. Bounds found on a node hold on all its descendants (their regions are smaller).</para>
/// <para><b>Bound of a node.</b> For every u ∈ R, term by term:
/// a branching row gives w_j x_j·u (active) or 0 (inactive) exactly; a row with w_j &lt; 0 gives
/// w_j σ(z) ≤ λ_j w_j z for every λ_j ∈ [0, 1] (σ(z) ≥ λz); a row with w_j &gt; 0 gives
/// σ(z) ≤ α_j z + h_j for every α_j ∈ [0, 1] with h_j ≥ max(α_j m̄_j, (1 − α_j) ū_j) (the line lies above σ at both ends of
/// [−m̄_j, ū_j], hence on it): the chord α_j = ū_j/(ū_j + m̄_j) for undecided rows, α_j = 0 (h_j = ū_j) or α_j = 1
/// (h_j = m̄_j) for decided ones. With any μ ≥ 0 for the branching constraints (σ_i x_{b_i}·u ≥ 0 on R),
/// F_γ(u) ≤ H + (Σ_j c_j x_j)·u ≤ H + (Σ_j c_j x_j)·u + Σ_i μ_i σ_i x_{b_i}·u = H + r·u ≤ H + ‖r‖, where the c_j
/// collect the linear coefficients, r = Σ_j c_j x_j + Σ_i μ_i σ_i x_{b_i} and H = Σ_j w_j h_j. So
/// max_R F_γ ≤ H + ‖r‖ for ANY admissible (α, λ, μ); the choice only decides how tight the bound is. The rows' interval
/// bounds are of the same kind: max_R x·u ≤ ‖x + Σ_i μ_i σ_i x_{b_i}‖ for any μ ≥ 0 (weak duality of the cone projection).
/// Given the intervals, the chord is the concave envelope of σ on [−m̄_j, ū_j], so with α fixed at the chords the bound
/// min_{λ,μ} ‖r‖ + H equals the maximum over R of the concave relaxation (minimax); it is found by an active-set
/// bounded least squares (<see cref="BoundedLeastSquares"/>) warm-started from the parent's maximiser. The concave rows
/// are thus handled exactly and never branched on: a node whose rows with w_j &gt; 0 are all decided is a leaf, and its
/// bound is max_R F_γ up to the decided rows' slacks Σ w_j h_j (rounding level).</para>
/// <para><b>Soundness in floating point.</b> The doubles c_j, λ_j w_j, μ_i used are exact numbers, and each defines an
/// admissible multiplier: c_j = fl(w_j α_j) with α_j ∈ [0, 1] lies in [0, w_j] (rounding is monotone), so
/// α′_j = c_j / w_j ∈ [0, 1]; the solver's λ_j w_j is kept in [w_j, 0]; μ_i ≥ 0. The bound is then evaluated for these exact
/// multipliers with outward rounding (<see cref="Outward"/>, <see cref="SoundSum"/>): r is summed in floating point with
/// the a-priori error γ_T Σ|terms| + T·2^−1074 per component added outward before the norm, H and the slacks are summed with
/// every operation rounded up (h_j for α′_j: max(c_j m̄_j, (w_j − c_j) ū_j), each product and difference rounded up), and
/// the interval bounds ū_j, m̄_j are computed the same way. Hence every node bound is ≥ the exact max_R F_γ, whatever
/// the accuracy of the least-squares solves. Interval bounds use only the branching constraints (a larger region, so
/// still valid) and are computed as NNLS in the constraints' multipliers on their Gram matrix (<see cref="ConeIntervals"/>).</para>
/// <para><b>Objective cut.</b> For any number L (in the search: the incumbent ρ̲ when the node is bounded), a point
/// u ∈ R with F_γ(u) &gt; L satisfies r·u ≥ F_γ(u) − H &gt; L − H; with r̃ the computed r and ‖r − r̃‖ ≤ e (the same a-priori
/// bound), r̃·u ≥ L − H − e =: t. When t &gt; 0 these points lie in the cap of unit directions within the angle θ of r̃,
/// cos θ = t/‖r̃‖, where x_j·u ∈ [‖x_j‖ min(0, cos(min(π, φ_j + θ))), ‖x_j‖ max(0, cos(max(0, φ_j − θ)))] (φ_j the angle of
/// x_j to r̃; cosines are widened by 64(d + 5)u, above their rounding). Intersecting the rows' intervals with these decides
/// more rows and tightens the chords; the bound B obtained is a bound on max(L, max_R F_γ), and so are the bounds of the
/// node's descendants, which inherit its decisions (their regions are smaller and L only grows). This is why ρ̄ below
/// includes ρ̲. An empty cap (t ≥ ‖r̃‖) proves max_R F_γ ≤ L.</para>
/// <para><b>Upper bound.</b> ρ̄ = max(ρ̲, largest bound of an open node, largest bound of a closed node): the open and
/// closed nodes cover both roots, so ρ(v) ≤ ρ̄.</para>
/// <para><b>Lower side.</b> ρ̲ is the best block value found, computed exactly as <see cref="EnumeratedPricing"/> computes it
/// (same summation order, same <see cref="ConeProjector"/>), for cells reached from: the seed directions, every node's
/// relaxation maximiser u* whose objective γ v·σ(X u*) beats ρ̲, and a local ascent from each improvement (step across a face
/// of the block's projection into the neighbouring cell while the value grows). A cell is accepted only with an interior
/// witness (margin <see cref="Numerics.Tolerances.WitnessMargin"/>), so it is a full-dimensional cell of S(X).</para>
/// <para><b>Search.</b> Best-first on the bound; the two children of a node are bounded in parallel. A node is closed when
/// its bound is at most max(ρ̲·(1 + tol) + floor, StopBelow) or it is a leaf, where floor = DecidedRow·Σ_j |v_j|‖x_j‖ is the
/// rounding level that decided rows' slacks reach. Branching row: the undecided row with w_j &gt; 0 of largest chord gap
/// w_j ū_j m̄_j/(ū_j + m̄_j) plus 1/5 of its gap w_j(α_j(x_j·u* + m̄_j) − σ(x_j·u*)) at the relaxation's maximiser u*.
/// A child's least squares starts from the parent's maximiser (projected on
/// the new hyperplane for the child that excludes it). Stopping rule, proven outcomes first: ρ̲ &gt; StopAbove,
/// ρ̄ ≤ StopBelow, ρ̄ − ρ̲ ≤ tol·ρ̲ + floor, no open node; then cancellation, time, nodes, open-list memory.</para>
/// <para><b>Blocks above a threshold.</b> The same tree with every nonzero row tracked: after the rows with w_j &gt; 0,
/// the others are branched on too (the most balanced first), nodes with bound ≤ threshold are closed, and a leaf is a single
/// cell whose block value and interior witness (least-distance programming) are computed exactly. The objective cut is not
/// used there (a cell's maximiser may sit on a face the cut's decisions would misclassify). Values at the rounding level of
/// the threshold can be classified differently from exact pricing, whose own values carry rounding. Worst-case time is
/// exponential (approximating ρ within a small constant factor is NP-hard, Wang &amp; Pilanci 2023); the result always
/// says what was proven.</para>
/// </remarks>
public sealed class BranchAndBoundPricing
{
    private readonly double[] _x;
    private readonly double[] _rowNorm;

    /// <summary>Rows n.</summary>
    public int N { get; }

    /// <summary>Input dimension d.</summary>
    public int D { get; }

    /// <summary>Prepares pricing for data X (n×d, finite, n ≥ 1, d ≥ 1).</summary>
    /// <exception cref="InvalidInputException">X is empty or has a NaN or infinite entry.</exception>
    public BranchAndBoundPricing(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        InvalidInputException.Require(x.RowCount >= 1 && x.ColumnCount >= 1,
            $"data X must have at least one row and one column, got {x.RowCount}x{x.ColumnCount}");
        Guard.Finite(x, "data", "X");
        N = x.RowCount; D = x.ColumnCount;
        _x = x.ToRowMajorArray();
        _rowNorm = new double[N];
        for (int j = 0; j < N; j++)
        {
            double s = 0;
            for (int k = 0; k < D; k++) { double a = _x[j * D + k]; s += a * a; }
            _rowNorm[j] = Math.Sqrt(s);
        }
    }

    /// <summary>
    /// A proven bracket on ρ(v) (see the class remarks for the method and the stopping rule).
    /// </summary>
    /// <exception cref="InvalidInputException">v has the wrong length or a NaN/infinite entry, or a setting is out of range.</exception>
    public PricingBracket Bracket(Vector<double> v, BranchAndBoundSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var search = new BranchAndBoundSearch(this, Validate(v), (settings ?? new BranchAndBoundSettings()).Validated(D),
            enumerate: false, threshold: 0, maxCount: 0, cancellationToken);
        return search.RunBracket();
    }

    /// <summary>
    /// The blocks (s, γ) of S(X) with value ‖Π_{C_s}(γ X^T diag(s) v)‖ &gt; <paramref name="threshold"/>, largest first,
    /// at most <paramref name="maxCount"/> of them, and whether the list is proven complete.
    /// </summary>
    /// <exception cref="InvalidInputException">v is invalid, the threshold is negative or not finite, maxCount &lt; 1, or a setting is out of range.</exception>
    public BlocksAboveResult BlocksAbove(Vector<double> v, double threshold, int maxCount, BranchAndBoundSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        InvalidInputException.Require(double.IsFinite(threshold) && threshold >= 0, $"threshold must be a finite number ≥ 0, got {threshold}");
        InvalidInputException.Require(maxCount >= 1, $"the block count must be at least 1, got {maxCount}");
        var search = new BranchAndBoundSearch(this, Validate(v), (settings ?? new BranchAndBoundSettings()).Validated(D),
            enumerate: true, threshold, maxCount, cancellationToken);
        return search.RunBlocksAbove();
    }

    /// <summary>
    /// The blocks of the cells of some directions at v (THEORY.md §2: the cell of u is 1[Xu ≥ 0] when u clears every
    /// hyperplane; a direction on one is nudged off it, or skipped), both signs, with their exact block values and interior
    /// witnesses; those with value ≥ <paramref name="threshold"/>, largest first, one per block. A heuristic source of
    /// candidate blocks (no bound is claimed).
    /// </summary>
    /// <exception cref="InvalidInputException">v or a direction has the wrong length or a NaN/infinite entry, or the threshold is not finite.</exception>
    public IReadOnlyList<FoundBlock> CellsOf(Vector<double> v, IEnumerable<Vector<double>> directions, double threshold)
    {
        ArgumentNullException.ThrowIfNull(directions);
        InvalidInputException.Require(double.IsFinite(threshold), $"threshold must be finite, got {threshold}");
        var cells = new CellSearch(_x, _rowNorm, N, D, Validate(v));
        var state = new CellState(N, D);
        var found = new Dictionary<Block, FoundBlock>();
        foreach (var u in directions)
        {
            InvalidInputException.Require(u is not null && u.Count == D, $"a direction has {u?.Count ?? 0} entries but the data has d = {D}");
            Guard.Finite(u!, "directions", "u");
            var ua = u!.ToArray();
            for (int gamma = 1; gamma >= -1; gamma -= 2)
            {
                if (!cells.CellOf(ua, gamma, state) || !(state.Value >= threshold)) continue;
                var block = ToRecord(state);
                found.TryAdd(block.Block, block);
            }
        }
        return found.Values.OrderByDescending(b => b.Value).ToList();
    }

    internal double[] XRowMajor => _x;
    internal double[] RowNorms => _rowNorm;

    private double[] Validate(Vector<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        InvalidInputException.Require(v.Count == N, $"dual vector has {v.Count} entries but the data has {N} rows");
        Guard.Finite(v, "dual vector", "v");
        return v.ToArray();
    }

    /// <summary>A priced block as a public record.</summary>
    internal static FoundBlock ToRecord(CellState cell)
    {
        int d = cell.Witness.Length;
        var pattern = ActivationPattern.FromBools(cell.Signs.Select(s => s > 0).ToArray());
        var maximiser = Vector<double>.Build.Dense(d);
        if (cell.Value > 0) for (int k = 0; k < d; k++) maximiser[k] = cell.Projection[k] / cell.Value;
        return new FoundBlock(new Block(pattern, cell.Gamma), cell.Value, maximiser, Vector<double>.Build.DenseOfArray((double[])cell.Witness.Clone()));
    }
}
