using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>A node of the search tree: a sign γ and the region cut out of the unit ball by its branching constraints.</summary>
internal sealed class SearchNode
{
    /// <summary>The block sign γ (the node bounds γ v·σ(Xu)).</summary>
    public int Gamma { get; init; }
    /// <summary>Branching constraints, +(j+1) for x_j·u ≥ 0 and −(j+1) for x_j·u ≤ 0.</summary>
    public int[] Constraints { get; init; } = [];
    /// <summary>Tracked rows still undecided on the node, ascending.</summary>
    public int[] Undecided { get; init; } = [];
    /// <summary>Sign bits of the decided and branching rows (1 = active); zero rows are active.</summary>
    public ulong[] Active { get; init; } = [];
    /// <summary>An upper bound on Σ w_j h_j over the decided rows with w_j &gt; 0 (their relaxation's constant terms).</summary>
    public double Slack { get; init; }
    /// <summary>A proven upper bound on the maximum over the region of γ v·σ(Xu).</summary>
    public double Bound { get; init; }
    /// <summary>The maximiser of the node's relaxation (unit, or zero when the relaxation peaks at u = 0).</summary>
    public double[] Maximiser { get; init; } = [];
    /// <summary>The row to branch on next; −1 for a leaf.</summary>
    public int BranchRow { get; init; } = -1;

    /// <summary>Bytes held by the node in the open list (its arrays with their headers, the object and its queue entry).</summary>
    public long Bytes => 176 + 8L * (Active.Length + Maximiser.Length) + 4L * (Undecided.Length + Constraints.Length);

    /// <summary>Bit j of a row bit set.</summary>
    public static bool IsSet(ulong[] bits, int j) => ((bits[j >> 6] >> (j & 63)) & 1UL) != 0;

    /// <summary>Sets or clears bit j of a row bit set.</summary>
    public static void Set(ulong[] bits, int j, bool on)
    {
        if (on) bits[j >> 6] |= 1UL << (j & 63);
        else bits[j >> 6] &= ~(1UL << (j & 63));
    }
}

/// <summary>
/// Computes the proven bound of a node (class remarks of <see cref="BranchAndBoundPricing"/>): interval bounds of the
/// candidate rows, decisions, the chord relaxation of the undecided rows with w_j &gt; 0, the bounded least squares over the
/// concave rows' λ and the constraints' μ, the outward-rounded H + ‖r‖, and the next branching row. One instance per
/// thread (it owns its workspace).
/// </summary>
internal sealed class NodeBounder
{
    /// <summary>
    /// Rounds of the objective cut per node: each round tightens the intervals on the cap and re-solves; they stop when the
    /// bound improves by less than <see cref="CutProgress"/> (relative). Measured at (n, d) = (1000, 10) near an optimum:
    /// 1 round closed in 25 000 nodes, 3 in 12 700, 10 in 9 300 at about the same time per node.
    /// </summary>
    private const int CutPasses = 10;
    private const double CutProgress = 1e-5;

    private readonly double[] _x, _rowNorm, _v;
    private readonly int _n, _d;
    private readonly bool _enumerate;
    private readonly ConeIntervals _intervals;
    private readonly BoundedLeastSquares _solver;
    private readonly SoundSum _sum;
    private readonly double[] _c, _r, _direction, _up, _ml;
    private readonly int[] _undecided;
    private readonly bool[] _isUndecided;
    private double[] _columns = [], _columnNorms = [], _lo = [], _hi = [], _z = [];
    private int[] _lambdaRows = [];

    public NodeBounder(double[] x, double[] rowNorm, int n, int d, double[] v, bool enumerate)
    {
        _x = x; _rowNorm = rowNorm; _n = n; _d = d; _v = v; _enumerate = enumerate;
        _intervals = new ConeIntervals(x, rowNorm, d);
        _solver = new BoundedLeastSquares(d);
        _sum = new SoundSum(x, d);
        _c = new double[d]; _r = new double[d]; _direction = new double[d];
        _up = new double[n]; _ml = new double[n]; _undecided = new int[n]; _isUndecided = new bool[n];
    }

    /// <summary>The root of sign γ: the ball, with the tracked rows (w_j &gt; 0 for a bracket, every nonzero row for an enumeration).</summary>
    public SearchNode Root(int gamma, ReadOnlySpan<double> warm, double incumbent)
    {
        var rows = new List<int>(_n);
        var active = new ulong[(_n + 63) >> 6];
        for (int j = 0; j < _n; j++)
        {
            if (_rowNorm[j] == 0) SearchNode.Set(active, j, true); // zero rows are active (THEORY.md §2)
            else if (_enumerate || gamma * _v[j] > 0) rows.Add(j);
        }
        return Evaluate(gamma, [], rows.ToArray(), skip: -1, active, slack: 0, warm, incumbent);
    }

    /// <summary>The child of <paramref name="parent"/> on side +1 (x_b·u ≥ 0) or −1 (x_b·u ≤ 0) of its branching row b.</summary>
    public SearchNode Child(SearchNode parent, int side, double incumbent)
    {
        int b = parent.BranchRow, d = _d;
        var constraints = new int[parent.Constraints.Length + 1];
        parent.Constraints.CopyTo(constraints, 0);
        constraints[^1] = side * (b + 1);
        var active = (ulong[])parent.Active.Clone();
        SearchNode.Set(active, b, side > 0);
        // Warm start: the parent's maximiser, projected on x_b·u = 0 when it lies on the other side.
        Span<double> warm = stackalloc double[d];
        parent.Maximiser.CopyTo(warm);
        double a = 0;
        for (int t = 0; t < d; t++) a += _x[b * d + t] * warm[t];
        if (side * a < 0)
        {
            double f = a / (_rowNorm[b] * _rowNorm[b]);
            for (int t = 0; t < d; t++) warm[t] -= f * _x[b * d + t];
        }
        return Evaluate(parent.Gamma, constraints, parent.Undecided, skip: b, active, parent.Slack, warm, incumbent);
    }

    private SearchNode Evaluate(int gamma, int[] constraints, int[] candidates, int skip, ulong[] active, double slack,
        ReadOnlySpan<double> warm, double incumbent)
    {
        int d = _d, k = constraints.Length;
        EnsureCapacity(_n + k);
        for (int i = 0; i < k; i++)
        {
            int c = constraints[i], j = Math.Abs(c) - 1;
            double sigma = Math.Sign(c);
            for (int t = 0; t < d; t++) _columns[i * d + t] = sigma * _x[j * d + t];
            _columnNorms[i] = _rowNorm[j]; _lo[i] = 0; _hi[i] = double.PositiveInfinity; _z[i] = 0;
        }

        int nu = DecideRows(gamma, constraints, candidates, skip, active, ref slack);
        int lambdas = AddLambdas(gamma, k, nu, warm);
        double bound = Relax(gamma, constraints, nu, lambdas, active, slack, out double h);

        // Objective cut (bracket only): a point of the node beating the incumbent L has r·u ≥ F(u) − H > L − H, so it lies
        // in a cap around r; interval bounds over that cap decide more rows and tighten the chords, which shrinks H and the
        // cap in turn. The bound then holds for max(L, ·), which the search accounts for (its ρ̄ is never below its ρ̲).
        for (int pass = 0; pass < CutPasses && !_enumerate && nu > 0 && bound > incumbent && incumbent > 0; pass++)
        {
            double cut = Math.BitDecrement(Math.BitDecrement(incumbent - h) - _sum.ErrorNormUpper());
            if (!(cut > 0)) break;
            if (!TightenOnCap(gamma, cut, ref nu, active, ref slack)) { bound = Math.Min(bound, incumbent); break; }
            double previous = bound;
            bound = Math.Min(bound, Math.Max(incumbent, Relax(gamma, constraints, nu, lambdas, active, slack, out h)));
            if (!(bound < previous * (1 - CutProgress))) break;
        }

        double rn = 0;
        for (int t = 0; t < d; t++) rn += _r[t] * _r[t];
        rn = Math.Sqrt(rn);
        var maximiser = new double[d];
        if (rn > 0) for (int t = 0; t < d; t++) maximiser[t] = _r[t] / rn;

        var node = new SearchNode
        {
            Gamma = gamma, Constraints = constraints, Active = active, Slack = slack, Bound = bound, Maximiser = maximiser,
            Undecided = _undecided.AsSpan(0, nu).ToArray(),
            BranchRow = nu == 0 ? -1 : BranchRow(gamma, nu, maximiser),
        };
        for (int i = 0; i < nu; i++) _isUndecided[_undecided[i]] = false;
        return node;
    }

    /// <summary>
    /// The λ columns of the least squares, after the constraints' k: the rows with w_j &lt; 0 (all of them for a bracket,
    /// the undecided ones for an enumeration). Returns their number.
    /// </summary>
    private int AddLambdas(int gamma, int k, int nu, ReadOnlySpan<double> warm)
    {
        int lambdas = 0;
        if (_enumerate)
        {
            for (int i = 0; i < nu; i++)
            {
                int j = _undecided[i];
                double w = gamma * _v[j];
                if (w < 0) AddLambda(k, lambdas++, j, w, warm);
            }
        }
        else
            for (int j = 0; j < _n; j++)
            {
                double w = gamma * _v[j];
                if (w < 0 && _rowNorm[j] > 0) AddLambda(k, lambdas++, j, w, warm);
            }
        return lambdas;
    }

    /// <summary>
    /// The node's relaxation for the current intervals: the fixed linear part (active decided and branching rows, chords of
    /// the undecided rows with w_j &gt; 0, constant terms H), the least squares over λ and μ from the current z (stopping once
    /// ‖r‖ ≤ 1e−13·H, where the rest cannot matter), and H + ‖r‖ for the multipliers found, rounded outward. Leaves the
    /// sound sum of r in <see cref="_sum"/> and its floating-point value in <see cref="_r"/>.
    /// </summary>
    private double Relax(int gamma, int[] constraints, int nu, int lambdas, ulong[] active, double slack, out double h)
    {
        int k = constraints.Length;
        h = slack;
        _sum.Clear();
        for (int j = 0; j < _n; j++)
        {
            double w = gamma * _v[j];
            if (w == 0 || _rowNorm[j] == 0 || _isUndecided[j] || (!_enumerate && w < 0)) continue;
            if (SearchNode.IsSet(active, j)) _sum.Add(w, j);
        }
        for (int i = 0; i < nu; i++)
        {
            int j = _undecided[i];
            double w = gamma * _v[j];
            if (!(w > 0)) continue;
            double c = w * (_up[i] / (_up[i] + _ml[i])); // in [0, w]: α′ = c/w ∈ [0, 1]
            _sum.Add(c, j);
            h = Outward.Add(h, Math.Max(Outward.Mul(c, _ml[i]), Outward.Mul(Outward.Sub(w, c), _up[i])));
        }
        _sum.Value.CopyTo(_c);
        int p = k + lambdas;
        _solver.Solve(_columns, _columnNorms, p, _lo, _hi, _c, _z, _r, 3 * p + 30, goodEnough: 1e-13 * h);
        for (int i = 0; i < k; i++) if (_z[i] != 0) _sum.Add(Math.Sign(constraints[i]) * _z[i], Math.Abs(constraints[i]) - 1);
        for (int t = 0; t < lambdas; t++) if (_z[k + t] != 0) _sum.Add(_z[k + t], _lambdaRows[t]);
        return Outward.Add(h, _sum.NormUpper());
    }

    /// <summary>
    /// Intersects the undecided rows' intervals with their range over the cap {u : ‖u‖ ≤ 1, r̃·u ≥ cut} (r̃ = the computed
    /// r of the last relaxation; r·u &gt; L − H implies r̃·u ≥ L − H − ‖r − r̃‖ = cut), and decides the rows it settles.
    /// The cap is within the angle θ of r̂, cos θ = cut/‖r̃‖; a row at angle φ from r̂ has x_j·u in
    /// [‖x_j‖ min(0, cos(min(π, φ + θ))), ‖x_j‖ max(0, cos(max(0, φ − θ)))] there. Angles are enlarged by an absolute margin
    /// of 64(d + 5)u on their cosines (the rounding of a d-term cosine is below (d + 2)u) and the bounds are rounded up.
    /// Returns false when the cap is empty (no point of the node beats the incumbent).
    /// </summary>
    private bool TightenOnCap(int gamma, double cut, ref int nu, ulong[] active, ref double slack)
    {
        int d = _d;
        var r = _sum.Value;
        double rr = 0;
        for (int t = 0; t < d; t++) rr = Outward.Add(rr, Outward.Mul(Math.Abs(r[t]), Math.Abs(r[t])));
        double rNorm = Outward.Sqrt(rr), margin = 64 * (d + 5) * Outward.UnitRoundoff;
        double cosT = Math.BitDecrement(cut / rNorm) - margin;
        if (cosT >= 1) return false;
        if (cosT <= 0) return true;
        double sinT = Math.Sqrt((1 - cosT) * (1 + cosT)) + margin;
        double normScale = 1 + 4 * (d + 2) * Outward.UnitRoundoff;
        int kept = 0;
        for (int i = 0; i < nu; i++)
        {
            int j = _undecided[i];
            double dot = 0;
            for (int t = 0; t < d; t++) dot += _x[j * d + t] * r[t];
            double c = dot / (_rowNorm[j] * Math.Sqrt(rr));
            double cUp = Math.Min(1, c + margin), cLow = Math.Max(-1, c - margin);
            double capUp = cUp >= cosT ? 1 : cUp * cosT + Math.Sqrt((1 - cUp) * (1 + cUp)) * sinT + margin;
            double capLow = cLow <= -cosT ? -1 : cLow * cosT - Math.Sqrt((1 - cLow) * (1 + cLow)) * sinT - margin;
            double rowNorm = _rowNorm[j] * normScale;
            double up = Math.Min(_up[i], Outward.Mul(rowNorm, Math.Max(0, capUp)));
            double ml = Math.Min(_ml[i], Outward.Mul(rowNorm, Math.Max(0, -capLow)));
            double w = gamma * _v[j], tau = Tolerances.DecidedRow * _rowNorm[j];
            if (up <= tau || ml <= tau)
            {
                bool activeRow = !(up <= tau);
                SearchNode.Set(active, j, activeRow);
                if (w > 0) slack = Outward.Add(slack, Outward.Mul(w, activeRow ? ml : up));
                _isUndecided[j] = false;
                continue;
            }
            _undecided[kept] = j; _up[kept] = up; _ml[kept] = ml;
            kept++;
        }
        nu = kept;
        return true;
    }

    /// <summary>
    /// Proven interval bounds −m̄_j ≤ x_j·u ≤ ū_j on the node for the candidate rows; a row with ū_j or m̄_j at most
    /// <see cref="Tolerances.DecidedRow"/>·‖x_j‖ is decided (its sign bit set, and w_j times that bound added to the slack when
    /// w_j &gt; 0), the others are listed as undecided with their bounds. Returns how many are undecided.
    /// </summary>
    private int DecideRows(int gamma, int[] constraints, int[] candidates, int skip, ulong[] active, ref double slack)
    {
        _intervals.Prepare(constraints);
        int nu = 0;
        foreach (int j in candidates)
        {
            if (j == skip) continue;
            double w = gamma * _v[j], tau = Tolerances.DecidedRow * _rowNorm[j];
            double up = _intervals.Upper(j, +1, _direction);
            if (up <= tau)
            {
                SearchNode.Set(active, j, false);
                if (w > 0) slack = Outward.Add(slack, Outward.Mul(w, up));
                continue;
            }
            double ml = _intervals.Upper(j, -1, _direction);
            if (ml <= tau)
            {
                SearchNode.Set(active, j, true);
                if (w > 0) slack = Outward.Add(slack, Outward.Mul(w, ml));
                continue;
            }
            _undecided[nu] = j; _up[nu] = up; _ml[nu] = ml; _isUndecided[j] = true;
            nu++;
        }
        return nu;
    }

    /// <summary>Column k + i of the least squares is x_j with multiplier λ_j w_j ∈ [w_j, 0], started at the warm point's sign.</summary>
    private void AddLambda(int k, int i, int j, double w, ReadOnlySpan<double> warm)
    {
        int t = k + i, d = _d;
        EnsureCapacity(t + 1);
        if (_lambdaRows.Length <= i) Array.Resize(ref _lambdaRows, Math.Max(2 * _lambdaRows.Length, i + 1));
        Array.Copy(_x, j * d, _columns, t * d, d);
        _columnNorms[t] = _rowNorm[j]; _lo[t] = w; _hi[t] = 0;
        double a = 0;
        for (int s = 0; s < warm.Length; s++) a += _x[j * d + s] * warm[s];
        _z[t] = a > 0 ? w : 0;
        _lambdaRows[i] = j;
    }

    /// <summary>
    /// The undecided row with w_j &gt; 0 of largest score w_j ū_j m̄_j/(ū_j + m̄_j) (the chord's largest gap: large and
    /// evenly split intervals first) plus 1/5 of its gap at the maximiser u*, w_j(α_j(x_j·u* + m̄_j) − σ(x_j·u*)) (at
    /// (1000, 10) near an optimum this closed in 12 500 nodes where the gap at u* alone took 18 000); in the enumeration,
    /// when only other rows are left, the one whose hyperplane splits the node most evenly (largest min(ū_j, m̄_j)/‖x_j‖).
    /// </summary>
    private int BranchRow(int gamma, int nu, double[] u)
    {
        int best = -1, balanced = -1;
        double bestScore = double.NegativeInfinity, bestBalance = double.NegativeInfinity;
        for (int i = 0; i < nu; i++)
        {
            int j = _undecided[i];
            double w = gamma * _v[j], up = _up[i], ml = _ml[i];
            if (w > 0)
            {
                double z = 0;
                for (int t = 0; t < _d; t++) z += _x[j * _d + t] * u[t];
                z = Math.Clamp(z, -ml, up);
                double alpha = up / (up + ml);
                double gap = w * (alpha * (z + ml) - Math.Max(z, 0));
                double score = w * up * ml / (up + ml) + 0.2 * Math.Max(gap, 0);
                if (score > bestScore) { bestScore = score; best = j; }
            }
            else
            {
                double balance = Math.Min(up, ml) / _rowNorm[j];
                if (balance > bestBalance) { bestBalance = balance; balanced = j; }
            }
        }
        return best >= 0 ? best : balanced;
    }

    private void EnsureCapacity(int p)
    {
        if (_columnNorms.Length >= p) return;
        int size = Math.Max(p, 2 * _columnNorms.Length);
        Array.Resize(ref _columns, size * _d);
        Array.Resize(ref _columnNorms, size);
        Array.Resize(ref _lo, size);
        Array.Resize(ref _hi, size);
        Array.Resize(ref _z, size);
    }
}
