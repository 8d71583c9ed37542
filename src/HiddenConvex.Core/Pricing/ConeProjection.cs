using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Euclidean projection on a polyhedral cone C = {u : A u ≥ 0} (THEORY.md §4): by Moreau,
/// Π_C(g) = g + A^T μ*, μ* = argmin_{μ ≥ 0} ‖g + A^T μ‖² (Lawson–Hanson NNLS).
/// </summary>
/// <remarks>
/// The returned vector is always q = g + A^T μ for some μ ≥ 0, so for every u ∈ C with ‖u‖ ≤ 1,
/// g·u = q·u − μ·(A u) ≤ ‖q‖: ‖q‖ is a rigorous upper bound on max_{u∈C,‖u‖≤1} g·u even if the
/// NNLS were stopped early, and it equals that maximum at the NNLS optimum. Certificates rely on
/// this (an over-estimated ρ only makes the lower bound more conservative).
/// </remarks>
public static class ConeProjection
{
    /// <summary>Π_C(g) for C = {u : A u ≥ 0}.</summary>
    public static Vector<double> Project(Matrix<double> a, Vector<double> g)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(g);
        if (g.Count != a.ColumnCount)
            throw new ArgumentException($"g has {g.Count} entries but A has {a.ColumnCount} columns");
        var rows = a.ToRowMajorArray();
        var signs = new double[a.RowCount];
        Array.Fill(signs, 1.0);
        var q = new double[a.ColumnCount];
        new ConeProjector(rows, a.RowCount, a.ColumnCount).Project(signs, g.AsArray() ?? g.ToArray(), q);
        return Vector<double>.Build.DenseOfArray(q);
    }

    /// <summary>Π_{C_s}(g) for the cone of pattern s of data X.</summary>
    public static Vector<double> Project(Matrix<double> x, ActivationPattern s, Vector<double> g) =>
        Project(Cones.ConstraintMatrix(x, s), g);
}

/// <summary>
/// Allocation-free Lawson–Hanson NNLS for cone projections with a reusable workspace (one per
/// thread). The cone is {u : sign_j x_j·u ≥ 0 for all j}, rows x_j given row-major (n×d), which
/// covers both a general A (all signs +1) and the pattern cones C_s of THEORY.md §2
/// (sign_j = 2 s_j − 1) without building A.
/// </summary>
internal sealed class ConeProjector
{
    private readonly int _n, _d;
    private readonly double[] _mu;         // μ_j on the passive set (indexed by row)
    private readonly int[] _passive;       // passive rows, at most d of them
    private readonly bool[] _isPassive, _rejected;
    private readonly double[] _qrA, _qrB, _z, _dz, _diag, _householderNorm2, _rowNorm;
    private int _np;

    private readonly double[] _x;

    /// <summary>A workspace for cones whose rows are those of the row-major n×d matrix <paramref name="x"/> (not copied).</summary>
    public ConeProjector(double[] x, int n, int d)
    {
        if (x.Length != n * d) throw new ArgumentException("row-major matrix has the wrong length");
        _x = x; _n = n; _d = d;
        _mu = new double[n];
        _passive = new int[d + 1];
        _isPassive = new bool[n];
        _rejected = new bool[n];
        _qrA = new double[d * (d + 1)];
        _qrB = new double[d];
        _z = new double[d + 1];
        _dz = new double[d + 1];
        _diag = new double[d + 1];
        _householderNorm2 = new double[d + 1];
        _rowNorm = new double[n];
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int k = 0; k < d; k++) { double v = x[j * d + k]; s += v * v; }
            _rowNorm[j] = Math.Sqrt(s);
        }
    }

    /// <summary>
    /// The rows of the Lawson–Hanson passive set after the last <see cref="Project"/> (empty on the fast
    /// path): the projection is orthogonal to them, so they span the normal space of the face of C
    /// that contains Π_C(g) in its relative interior (the face is identified from the dual).
    /// </summary>
    public int[] PassiveRows() => _passive.AsSpan(0, _np).ToArray();

    /// <summary>
    /// Σ_j μ_j ‖x_j‖ over the multipliers of the last <see cref="Project"/>: with ‖g‖ it bounds the magnitudes summed into
    /// q = g + Σ_j μ_j sign_j x_j, hence the rounding of the computed q (<see cref="BlockGeometry.SupportUpperBound"/>).
    /// </summary>
    public double MultiplierMass()
    {
        double mass = 0;
        for (int i = 0; i < _np; i++) mass += _mu[_passive[i]] * _rowNorm[_passive[i]];
        return mass;
    }

    /// <summary>The multipliers μ ≥ 0 of the last <see cref="Project"/> (one per row; zero off the passive set).</summary>
    public double[] Multipliers() => (double[])_mu.Clone();

    /// <summary>
    /// An upper bound, rounding included, on ‖γ g + Σ_j μ_j sign_j x_j‖ for the exact g = Σ_{j : sign_j &gt; 0} v_j x_j and the
    /// multipliers μ ≥ 0 of the last <see cref="Project"/> (THEORY.md §4.1, "Pricing rounded outward"): every component is a
    /// dot product of at most 2n terms summed by <see cref="AccurateDot"/>, and the norm is taken with its error bounds and
    /// rounded up (<see cref="Outward.Norm"/>). For any μ ≥ 0 this bounds max_{u∈C,‖u‖≤1} γ g·u, so it holds whatever the
    /// rounding of g and of the projection was.
    /// </summary>
    public double ResidualNormUpper(ReadOnlySpan<double> signs, int gamma, ReadOnlySpan<double> v)
    {
        ReadOnlySpan<double> x = _x;
        int n = _n, d = _d;
        Span<double> r = stackalloc double[d];
        Span<double> error = stackalloc double[d];
        for (int k = 0; k < d; k++)
        {
            var component = new AccurateDot();
            for (int j = 0; j < n; j++)
                if (signs[j] > 0 && v[j] != 0) component.Add(gamma * v[j], x[j * d + k]);
            for (int i = 0; i < _np; i++)
            {
                int j = _passive[i];
                if (_mu[j] > 0) component.Add(_mu[j] * signs[j], x[j * d + k]);
            }
            r[k] = component.Value;
            error[k] = component.ErrorBound;
        }
        return Outward.Norm(r, error);
    }

    /// <summary>
    /// Writes q = Π_C(g) = g + Σ_j μ_j sign_j x_j (μ ≥ 0) into <paramref name="q"/> and returns ‖q‖.
    /// </summary>
    public double Project(ReadOnlySpan<double> signs, ReadOnlySpan<double> g, Span<double> q)
    {
        ReadOnlySpan<double> x = _x;
        int n = _n, d = _d;
        g.CopyTo(q);
        double gNorm = Norm(g);
        for (int i = 0; i < _np; i++) { _mu[_passive[i]] = 0; _isPassive[_passive[i]] = false; }
        _np = 0;
        Array.Clear(_rejected);
        if (gNorm == 0) return 0; // after the reset: μ = 0 and no passive row describe Π_C(0) = 0
        // Violation test threshold: rounding level relative to ‖g‖ (q is never longer than g).
        double tol = 1e-13 * gNorm;
        if (MostViolated(x, signs, q, tol) < 0) return gNorm; // fast path: g ∈ C

        int maxOuter = 3 * n + 30;
        for (int outer = 0; outer < maxOuter; outer++)
        {
            int enter = MostViolated(x, signs, q, tol);
            if (enter < 0) return Norm(q);
            // Stryker disable once Statement,Block : a (d+1)-th column fails the QR at column d (colNorm sums the empty range [d, d)) and is rejected below with μ and P unchanged; unrejected, it is re-picked with nothing changed until maxOuter, whose Reconstruct rebuilds the same q
            if (_np == d) { _rejected[enter] = true; continue; } // cannot grow a full-rank passive set
            _passive[_np++] = enter;
            _isPassive[enter] = true;
            bool accepted = InnerLoop(x, signs, g, enter);
            if (!accepted)
            {
                RemovePassive(enter);
                _rejected[enter] = true;
                continue;
            }
            Array.Clear(_rejected);
            Reconstruct(x, signs, g, q);
        }
        Reconstruct(x, signs, g, q);
        return Norm(q);
    }

    /// <summary>Index of the row with the largest normalised violation −sign_j x_j·q/‖x_j‖ above tol, or −1.</summary>
    private int MostViolated(ReadOnlySpan<double> x, ReadOnlySpan<double> signs, ReadOnlySpan<double> q, double tol)
    {
        int best = -1;
        double worst = tol;
        int d = _d;
        for (int j = 0; j < _n; j++)
        {
            double rn = _rowNorm[j];
            if (rn == 0 || _isPassive[j] || _rejected[j]) continue;
            double a = 0;
            int o = j * d;
            for (int k = 0; k < d; k++) a += x[o + k] * q[k];
            double viol = -signs[j] * a / rn;
            if (viol > worst) { worst = viol; best = j; }
        }
        return best;
    }

    /// <summary>
    /// Lawson–Hanson inner loop after row <paramref name="enter"/> joined the passive set. Returns
    /// false (and leaves μ unchanged) when the new column is numerically dependent on the passive
    /// ones or gets a non-positive coefficient, the classical guard against cycling on rounding.
    /// </summary>
    private bool InnerLoop(ReadOnlySpan<double> x, ReadOnlySpan<double> signs, ReadOnlySpan<double> g, int enter)
    {
        bool first = true;
        for (int guard = 0; guard < 4 * _d + 10; guard++)
        {
            // After the first solve a failure keeps μ at its last feasible value (all ≥ 0), which is accepted.
            if (!SolvePassiveLeastSquares(x, signs, g)) return !first;
            if (first)
            {
                int pos = Array.IndexOf(_passive, enter, 0, _np);
                if (_z[pos] <= 0) return false;
                first = false;
            }
            bool allPositive = true;
            for (int i = 0; i < _np; i++) if (_z[i] <= 0) { allPositive = false; break; }
            if (allPositive)
            {
                for (int i = 0; i < _np; i++) _mu[_passive[i]] = _z[i];
                return true;
            }
            // Step from μ towards z as far as feasibility allows, then drop the rows that hit zero.
            double alpha = double.PositiveInfinity;
            // Stryker disable once Unary : some z_i ≤ 0 has μ_i > 0 (every passive row but a just-entered one, whose z > 0, has μ > 0), so α_i ∈ (0, 1] and hit is always assigned
            int hit = -1;
            for (int i = 0; i < _np; i++)
            {
                if (_z[i] > 0) continue;
                double m = _mu[_passive[i]];
                double a = m / (m - _z[i]);
                if (a < alpha) { alpha = a; hit = i; }
            }
            for (int i = 0; i < _np; i++)
            {
                int r = _passive[i];
                _mu[r] += alpha * (_z[i] - _mu[r]);
            }
            _mu[_passive[hit]] = 0;
            for (int i = _np - 1; i >= 0; i--)
            {
                int r = _passive[i];
                if (_mu[r] <= 0) RemovePassive(r);
            }
            if (_np == 0) return true;
        }
        // Stryker disable once Boolean : unreachable: a pass that does not return removes row hit from at most d passive rows and returns when none is left, so the bound 4d + 10 is never reached
        return true;
    }

    private void RemovePassive(int row)
    {
        int pos = Array.IndexOf(_passive, row, 0, _np);
        if (pos < 0) return;
        for (int i = pos; i < _np - 1; i++) _passive[i] = _passive[i + 1];
        _np--;
        _isPassive[row] = false;
        _mu[row] = 0;
    }

    /// <summary>
    /// z = argmin ‖g + E_P z‖ over the passive columns e_j = sign_j x_j (Householder QR of the d×|P|
    /// matrix), with iterative refinement. False when E_P is numerically rank deficient.
    /// </summary>
    /// <remarks>
    /// On nearly dependent rows (x_j ≈ c x_k + e, cond(E_P) ≈ 1e6) the first solve errs in z by about u·cond(E_P)·‖z‖, so the
    /// residual q = g + E_P z is orthogonal to the passive rows only to about u·cond(E_P)‖g‖ and a thin cone's opposite
    /// constraint is violated at that level. A refinement step solves the same least-squares problem for the computed
    /// residual, dz = argmin ‖q + E_P dz‖, and adds it: each step multiplies the error by about u·cond(E_P).
    /// </remarks>
    private bool SolvePassiveLeastSquares(ReadOnlySpan<double> x, ReadOnlySpan<double> signs, ReadOnlySpan<double> g)
    {
        int d = _d, k = _np;
        // Column-major E_P (d×k).
        for (int c = 0; c < k; c++)
        {
            int r = _passive[c];
            for (int i = 0; i < d; i++) _qrA[c * d + i] = signs[r] * x[r * d + i];
        }
        for (int c = 0; c < k; c++)
        {
            double colNorm = 0, colNormFull = 0;
            for (int i = c; i < d; i++) colNorm += _qrA[c * d + i] * _qrA[c * d + i];
            for (int i = 0; i < d; i++) colNormFull += _qrA[c * d + i] * _qrA[c * d + i];
            colNorm = Math.Sqrt(colNorm);
            if (colNorm <= 1e-12 * Math.Sqrt(colNormFull)) return false;
            double alpha = _qrA[c * d + c] > 0 ? -colNorm : colNorm;
            // Householder vector v = a − alpha e_c stored in place.
            _qrA[c * d + c] -= alpha;
            double vNorm2 = 0;
            for (int i = c; i < d; i++) vNorm2 += _qrA[c * d + i] * _qrA[c * d + i];
            _householderNorm2[c] = vNorm2;
            for (int cc = c + 1; cc < k; cc++)
            {
                double dot = 0;
                for (int i = c; i < d; i++) dot += _qrA[c * d + i] * _qrA[cc * d + i];
                double f = 2 * dot / vNorm2;
                for (int i = c; i < d; i++) _qrA[cc * d + i] -= f * _qrA[c * d + i];
            }
            _diag[c] = alpha; // diagonal of R kept aside; the column below the diagonal holds the Householder vector
        }
        for (int i = 0; i < d; i++) _qrB[i] = -g[i];
        SolveFactored(_z);
        // cond(E_P) ≈ max|R_cc|/min|R_cc|; a well-conditioned passive set is solved to rounding at once.
        double smallest = double.PositiveInfinity, largest = 0;
        for (int c = 0; c < k; c++) { smallest = Math.Min(smallest, Math.Abs(_diag[c])); largest = Math.Max(largest, Math.Abs(_diag[c])); }
        int steps = smallest < RefineBelowConditioning * largest ? RefinementSteps : 0;
        for (int step = 0; step < steps; step++)
        {
            // Residual of the current z: −(g + E_P z), then the correction for it.
            for (int i = 0; i < d; i++)
            {
                double r = g[i];
                for (int c = 0; c < k; c++) r += _z[c] * signs[_passive[c]] * x[_passive[c] * d + i];
                _qrB[i] = -r;
            }
            SolveFactored(_dz);
            for (int c = 0; c < k; c++) _z[c] += _dz[c];
        }
        return true;
    }

    /// <summary>Iterative refinement steps of the passive least-squares solve (two reach the rounding level for cond(E_P) ≤ 1e10).</summary>
    private const int RefinementSteps = 2;

    /// <summary>
    /// The solve is refined when min|R_cc| &lt; this·max|R_cc| (a condition estimate of E_P above 1e3, where the first solve's
    /// error u·cond(E_P) exceeds 1e-13 relative); better-conditioned passive sets keep the unrefined solution.
    /// </summary>
    private const double RefineBelowConditioning = 1e-3;

    /// <summary>Solves R z = Q^T b for the factored E_P = Q R (Householder vectors in <c>_qrA</c>, diagonal in <c>_diag</c>), b in <c>_qrB</c> (overwritten).</summary>
    private void SolveFactored(double[] z)
    {
        int d = _d, k = _np;
        for (int c = 0; c < k; c++)
        {
            double dot = 0;
            for (int i = c; i < d; i++) dot += _qrA[c * d + i] * _qrB[i];
            double f = 2 * dot / _householderNorm2[c];
            for (int i = c; i < d; i++) _qrB[i] -= f * _qrA[c * d + i];
        }
        // Back substitution; R's strictly upper part is in _qrA (row c of column cc at cc·d + c).
        for (int c = k - 1; c >= 0; c--)
        {
            double s = _qrB[c];
            for (int cc = c + 1; cc < k; cc++) s -= _qrA[cc * d + c] * z[cc];
            z[c] = s / _diag[c];
        }
    }

    /// <summary>q = g + Σ_{j ∈ P} μ_j sign_j x_j.</summary>
    private void Reconstruct(ReadOnlySpan<double> x, ReadOnlySpan<double> signs, ReadOnlySpan<double> g, Span<double> q)
    {
        g.CopyTo(q);
        for (int i = 0; i < _np; i++)
        {
            int r = _passive[i];
            // Stryker disable once Arithmetic : signs are ±1 (sign_j = 2 s_j − 1; all callers), and μ/±1 = μ·±1 exactly
            double m = _mu[r] * signs[r];
            // Stryker disable once Statement : adding 0·x_r (x finite) changes q_k at most from −0 to +0, which compare equal
            if (m == 0) continue;
            for (int k = 0; k < _d; k++) q[k] += m * x[r * _d + k];
        }
    }

    private static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var a in v) s += a * a;
        return Math.Sqrt(s);
    }
}
