using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// One full-dimensional cell s with a block sign γ, as found by the lower-bound side of the search: the interior
/// <see cref="Witness"/> (unit, |x_j·u| ≥ <see cref="Tolerances.WitnessMargin"/>(d)·‖x_j‖ at every nonzero row, so
/// s = 1[X·Witness ≥ 0]), the block value ‖Π_{C_s}(γ X^T diag(s) v)‖ computed with the exact engine's arithmetic,
/// and the projection π itself (the maximiser is π/‖π‖).
/// </summary>
internal sealed class CellState
{
    public CellState(int n, int d) { Signs = new double[n]; Witness = new double[d]; Projection = new double[d]; }
    public double[] Signs { get; }
    public double[] Witness { get; }
    public double[] Projection { get; }
    public int Gamma { get; set; }
    public double Value { get; set; }
    public int[] FaceRows { get; set; } = [];

    public void CopyFrom(CellState other)
    {
        other.Signs.CopyTo(Signs, 0);
        other.Witness.CopyTo(Witness, 0);
        other.Projection.CopyTo(Projection, 0);
        Gamma = other.Gamma; Value = other.Value; FaceRows = other.FaceRows;
    }
}

/// <summary>
/// The lower-bound side of <see cref="BranchAndBoundPricing"/>: cells of directions, their block values, interior
/// witnesses of given patterns (least-distance programming) and the local ascent over neighbouring cells. Not thread
/// safe: one instance per search.
/// </summary>
internal sealed class CellSearch
{
    private readonly double[] _x, _rowNorm, _v;
    private readonly int _n, _d;
    private readonly double _margin;
    private readonly ConeProjector _projector;
    private readonly double[] _g, _gb, _probe, _unit;
    private readonly Random _rng = new(20240611);
    private BoundedLeastSquares? _ldp;
    private double[] _ldpColumns = [], _ldpNorms = [], _ldpLo = [], _ldpHi = [], _ldpZ = [];
    private readonly double[] _ldpC, _ldpR;

    public CellSearch(double[] x, double[] rowNorm, int n, int d, double[] v)
    {
        _x = x; _rowNorm = rowNorm; _n = n; _d = d; _v = v;
        _margin = Tolerances.WitnessMargin(d);
        _projector = new ConeProjector(x, n, d);
        _g = new double[d]; _gb = new double[d]; _probe = new double[d]; _unit = new double[d];
        _ldpC = new double[d + 1]; _ldpR = new double[d + 1];
    }

    /// <summary>Block values computed (cone projections over all n rows).</summary>
    public long Projections { get; private set; }

    /// <summary>γ v·σ(X u), as computed.</summary>
    public double Objective(ReadOnlySpan<double> u, int gamma)
    {
        double s = 0;
        for (int j = 0; j < _n; j++)
        {
            double vj = _v[j];
            if (vj == 0) continue;
            double a = Dot(j, u);
            if (a > 0) s += vj * a;
        }
        return gamma * s;
    }

    /// <summary>
    /// Writes the signs 2s − 1 of s(u) = 1[X u ≥ 0] (the arithmetic of <see cref="Arrangements.ActivationPattern.OfDirection"/>)
    /// and returns the smallest relative margin |x_j·u| / (‖x_j‖‖u‖) over nonzero rows (+∞ without one).
    /// </summary>
    public double PatternOf(ReadOnlySpan<double> u, Span<double> signs)
    {
        double un = Norm(u), margin = double.PositiveInfinity;
        for (int j = 0; j < _n; j++)
        {
            double a = Dot(j, u);
            signs[j] = a >= 0 ? 1 : -1;
            if (_rowNorm[j] > 0) margin = Math.Min(margin, Math.Abs(a) / (_rowNorm[j] * un));
        }
        return margin;
    }

    /// <summary>
    /// The block value of (s, γ) with the exact engine's arithmetic (<see cref="EnumeratedPricing"/>: g = Σ_{s_j=1, v_j≠0}
    /// v_j x_j in row order, then γ g projected by <see cref="ConeProjector"/>); π goes to <paramref name="pi"/>.
    /// </summary>
    public double BlockValue(ReadOnlySpan<double> signs, int gamma, Span<double> pi, out int[] faceRows)
    {
        Array.Clear(_g);
        for (int j = 0; j < _n; j++)
        {
            if (signs[j] < 0 || _v[j] == 0) continue;
            double vj = _v[j];
            int o = j * _d;
            for (int k = 0; k < _d; k++) _g[k] += vj * _x[o + k];
        }
        double sign = gamma;
        for (int k = 0; k < _d; k++) _gb[k] = sign * _g[k];
        Projections++;
        double value = _projector.Project(signs, _gb, pi);
        faceRows = _projector.PassiveRows();
        return value;
    }

    /// <summary>
    /// The cell of a direction u for sign γ: u itself when it clears the witness margin, else u plus a random
    /// perturbation of relative size 1e−9, 1e−7, 1e−5 (the first that clears it). False when none does or u = 0.
    /// </summary>
    public bool CellOf(ReadOnlySpan<double> u, int gamma, CellState into)
    {
        double un = Norm(u);
        if (!(un > 0) || !double.IsFinite(un)) return false;
        for (int k = 0; k < _d; k++) _unit[k] = u[k] / un;
        if (PatternOf(_unit, into.Signs) < _margin)
        {
            bool found = false;
            foreach (double eta in (ReadOnlySpan<double>)[1e-9, 1e-7, 1e-5, 1e-3])
            {
                RandomUnit(_probe);
                for (int k = 0; k < _d; k++) _probe[k] = _unit[k] + eta * _probe[k];
                if (PatternOf(_probe, into.Signs) >= _margin) { Normalise(_probe); _probe.CopyTo(_unit, 0); found = true; break; }
            }
            if (!found) return false;
        }
        _unit.CopyTo(into.Witness, 0);
        into.Gamma = gamma;
        into.Value = BlockValue(into.Signs, gamma, into.Projection, out var face);
        into.FaceRows = face;
        return true;
    }

    /// <summary>
    /// Local ascent over cells: from the maximiser π̂ = π/‖π‖ of the current block, step across a face row of its
    /// projection (a hyperplane through π̂ with a positive multiplier) by less than a quarter of the distance to the
    /// nearest hyperplane not through π̂, so that π̂ stays in the closure of the cell reached and its value is at least
    /// the current one; move to the first neighbour that improves the value by more than a relative 1e−12 (first
    /// improvement: each priced neighbour is a projection over all n rows). Returns the number of moves.
    /// </summary>
    public int Ascend(CellState current, CellState scratch, CellState best, int maxSteps)
    {
        int moves = 0;
        for (int step = 0; step < maxSteps; step++)
        {
            double value = current.Value;
            if (!(value > 0) || current.FaceRows.Length == 0) break;
            for (int k = 0; k < _d; k++) _unit[k] = current.Projection[k] / value;
            double eta = StepLength(_unit);
            bool improved = false;
            foreach (int j in current.FaceRows)
            {
                if (_rowNorm[j] == 0) continue;
                double away = -current.Signs[j] * eta / _rowNorm[j];
                bool found = false;
                for (int attempt = 0; attempt < 3 && !found; attempt++)
                {
                    RandomUnit(_probe);
                    for (int k = 0; k < _d; k++) _probe[k] = _unit[k] + away * _x[j * _d + k] + 0.01 * eta * _probe[k];
                    found = PatternOf(_probe, scratch.Signs) >= _margin;
                }
                if (!found) continue;
                Normalise(_probe);
                _probe.CopyTo(scratch.Witness, 0);
                scratch.Gamma = current.Gamma;
                scratch.Value = BlockValue(scratch.Signs, current.Gamma, scratch.Projection, out var face);
                scratch.FaceRows = face;
                if (scratch.Value > value * (1 + 1e-12)) { best.CopyFrom(scratch); improved = true; break; }
            }
            if (!improved) break;
            current.CopyFrom(best);
            moves++;
        }
        return moves;
    }

    /// <summary>A quarter of the distance from the unit û to the nearest hyperplane not through it (|x̂_j·û| &gt; 1e−9), within [1e−10, 1e−3].</summary>
    private double StepLength(ReadOnlySpan<double> u)
    {
        double nearest = double.PositiveInfinity;
        for (int j = 0; j < _n; j++)
        {
            if (_rowNorm[j] == 0) continue;
            double a = Math.Abs(Dot(j, u)) / _rowNorm[j];
            if (a > 1e-9 && a < nearest) nearest = a;
        }
        return Math.Clamp(nearest / 4, 1e-10, 1e-3);
    }

    /// <summary>
    /// A unit interior point of the cone {u : signs_j x_j·u ≥ 0} clearing the witness margin, by least-distance
    /// programming (min ‖u‖ s.t. signs_j x̂_j·u ≥ 1, solved as the NNLS min_{μ≥0} ‖Σ_j μ_j (signs_j x̂_j, 1) − e_{d+1}‖,
    /// Lawson &amp; Hanson, Solving Least Squares Problems, ch. 23); false when the cone has no such point.
    /// </summary>
    public bool InteriorWitness(ReadOnlySpan<double> signs, Span<double> witness)
    {
        int m = _d + 1, n = _n;
        if (_ldpColumns.Length < n * m)
        {
            _ldpColumns = new double[n * m]; _ldpNorms = new double[n]; _ldpLo = new double[n]; _ldpHi = new double[n]; _ldpZ = new double[n];
            Array.Fill(_ldpHi, double.PositiveInfinity);
        }
        _ldp ??= new BoundedLeastSquares(m);
        int p = 0;
        for (int j = 0; j < n; j++)
        {
            if (_rowNorm[j] == 0) continue;
            double scale = signs[j] / _rowNorm[j];
            int o = p * m;
            for (int k = 0; k < _d; k++) _ldpColumns[o + k] = scale * _x[j * _d + k];
            _ldpColumns[o + _d] = 1;
            _ldpNorms[p] = Math.Sqrt(2);
            _ldpZ[p] = 0;
            p++;
        }
        if (p == 0) { witness.Clear(); witness[0] = 1; return true; }
        Array.Clear(_ldpC);
        _ldpC[_d] = -1;
        _ldp.Solve(_ldpColumns, _ldpNorms, p, _ldpLo, _ldpHi, _ldpC, _ldpZ, _ldpR, 3 * p + 30);
        if (!(_ldpR[_d] < 0)) return false;
        for (int k = 0; k < _d; k++) witness[k] = -_ldpR[k] / _ldpR[_d];
        if (!Normalise(witness)) return false;
        Span<double> check = _n <= 4096 ? stackalloc double[_n] : new double[_n];
        if (PatternOf(witness, check) < _margin) return false;
        for (int j = 0; j < n; j++) if (_rowNorm[j] > 0 && check[j] != signs[j]) return false;
        return true;
    }

    private void RandomUnit(Span<double> into)
    {
        for (int k = 0; k < into.Length; k++)
            into[k] = Math.Sqrt(-2.0 * Math.Log(1.0 - _rng.NextDouble())) * Math.Cos(2.0 * Math.PI * _rng.NextDouble());
        Normalise(into);
    }

    private static bool Normalise(Span<double> u)
    {
        double s = Norm(u);
        if (!(s > 0) || !double.IsFinite(s)) return false;
        for (int k = 0; k < u.Length; k++) u[k] /= s;
        return true;
    }

    private double Dot(int row, ReadOnlySpan<double> u)
    {
        double a = 0;
        int o = row * _d;
        for (int k = 0; k < _d; k++) a += _x[o + k] * u[k];
        return a;
    }

    private static double Norm(ReadOnlySpan<double> u)
    {
        double s = 0;
        foreach (var a in u) s += a * a;
        return Math.Sqrt(s);
    }
}
