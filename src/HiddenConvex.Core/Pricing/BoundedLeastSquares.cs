using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Active-set solver of min ‖c + M z‖ over lo ≤ z ≤ hi (bounded-variable least squares, Stark &amp; Parker 1995; with
/// lo = 0, hi = ∞ it is Lawson–Hanson NNLS). M is m×p, given column-major; lo_t is finite and ≤ 0, hi_t ≥ 0 may be
/// +∞. Allocation-free after the first solves (the workspace grows to the largest p seen).
/// </summary>
/// <remarks>
/// Every iterate is feasible (lo ≤ z ≤ hi), so callers that need a proven bound evaluate ‖c + M z‖ for the returned z
/// with outward rounding; the solver itself only decides how small that bound gets. Each outer step frees the bound
/// variable whose gradient component m_t·r along its unit column most violates optimality (by more than
/// <see cref="Tolerances.ActiveSetOptimality"/>·‖r‖), then solves the least squares problem of the free variables
/// (Householder QR, at most m of them) and steps back to the boundary when that solution leaves the box, fixing the
/// variables that reach a bound. A free variable whose column is numerically dependent on the other free ones, or that
/// would move the wrong way, is rejected until the next successful step (the classical guard against cycling).
/// </remarks>
internal sealed class BoundedLeastSquares
{
    private const byte AtLower = 0, AtUpper = 1, Free = 2;

    private readonly int _m;
    private readonly int[] _free;
    private readonly double[] _qr, _rhs, _y, _diag, _r;
    private int _nf;
    private double _cNorm;
    private byte[] _state = [];
    private bool[] _rejected = [];

    /// <summary>A workspace for residuals of dimension <paramref name="m"/>.</summary>
    public BoundedLeastSquares(int m)
    {
        _m = m;
        _free = new int[m + 1];
        _qr = new double[m * (m + 1)];
        _rhs = new double[m];
        _y = new double[m + 1];
        _diag = new double[m + 1];
        _r = new double[m];
    }

    /// <summary>Outer iterations of the last solve.</summary>
    public int Iterations { get; private set; }

    /// <summary>
    /// Minimises ‖c + M z‖ from the start <paramref name="z"/> (entries not at a bound are moved to the nearer one, or
    /// to lo when hi is infinite); writes the solution to <paramref name="z"/> and c + M z to <paramref name="r"/> and
    /// returns ‖r‖ as computed (not rounded outward). Stops early once ‖r‖ ≤ <paramref name="goodEnough"/>.
    /// </summary>
    public double Solve(ReadOnlySpan<double> columns, ReadOnlySpan<double> columnNorms, int p,
        ReadOnlySpan<double> lo, ReadOnlySpan<double> hi, ReadOnlySpan<double> c, Span<double> z, Span<double> r, int maxOuter,
        double goodEnough = 0)
    {
        int m = _m;
        if (_state.Length < p) { _state = new byte[Math.Max(p, 2 * _state.Length)]; _rejected = new bool[_state.Length]; }
        _nf = 0;
        _cNorm = Norm(c);
        c.CopyTo(r);
        for (int t = 0; t < p; t++)
        {
            _rejected[t] = false;
            double zt = z[t];
            if (zt != lo[t] && zt != hi[t])
                zt = double.IsPositiveInfinity(hi[t]) || zt - lo[t] <= hi[t] - zt ? lo[t] : hi[t];
            z[t] = zt;
            _state[t] = zt == lo[t] ? AtLower : AtUpper;
            if (zt != 0) Axpy(zt, columns.Slice(t * m, m), r);
        }
        int iterations = 0;
        for (; iterations < maxOuter; iterations++)
        {
            if (goodEnough > 0 && Norm(r) <= goodEnough) break;
            int enter = MostViolated(columns, columnNorms, p, r, z);
            if (enter < 0) break;
            if (_nf == m) { _rejected[enter] = true; continue; }
            _free[_nf++] = enter;
            byte from = _state[enter];
            _state[enter] = Free;
            if (!InnerLoop(columns, lo, hi, z, r, enter, from))
            {
                _nf--;
                _state[enter] = from;
                _rejected[enter] = true;
                continue;
            }
            Array.Clear(_rejected, 0, p);
        }
        Iterations = iterations;
        // The residual of the returned z, recomputed from scratch (the updates above drift by rounding).
        c.CopyTo(r);
        for (int t = 0; t < p; t++) if (z[t] != 0) Axpy(z[t], columns.Slice(t * m, m), r);
        return Norm(r);
    }

    /// <summary>The bound variable with the largest normalised violation of the optimality conditions, or −1.</summary>
    private int MostViolated(ReadOnlySpan<double> columns, ReadOnlySpan<double> columnNorms, int p, ReadOnlySpan<double> r, ReadOnlySpan<double> z)
    {
        int m = _m, best = -1;
        // The rounding level of r is relative to the terms summed into it, not to r, which vanishes at some optima.
        double scale = Norm(r) + _cNorm;
        for (int t = 0; t < p; t++) scale += Math.Abs(z[t]) * columnNorms[t];
        double worst = Tolerances.ActiveSetOptimality * scale;
        if (worst == 0) return -1; // c = 0 and z = 0: r = 0 is optimal
        for (int t = 0; t < p; t++)
        {
            byte s = _state[t];
            if (s == Free || _rejected[t]) continue;
            double cn = columnNorms[t];
            if (cn == 0) continue;
            double g = Dot(columns.Slice(t * m, m), r);
            double viol = (s == AtLower ? -g : g) / cn;
            if (viol > worst) { worst = viol; best = t; }
        }
        return best;
    }

    /// <summary>
    /// Solves for the free variables after <paramref name="enter"/> was freed; false (z unchanged) when the entering
    /// column is dependent or would move away from the interior. Keeps z feasible and r = c + M z.
    /// </summary>
    private bool InnerLoop(ReadOnlySpan<double> columns, ReadOnlySpan<double> lo, ReadOnlySpan<double> hi,
        Span<double> z, Span<double> r, int enter, byte enteredFrom)
    {
        int m = _m;
        bool first = true;
        for (int guard = 0; guard < 4 * m + 10; guard++)
        {
            // r0 = r − Σ_{free} z_t m_t: the residual with the free variables at zero.
            r.CopyTo(_r);
            for (int i = 0; i < _nf; i++) { int t = _free[i]; if (z[t] != 0) Axpy(-z[t], columns.Slice(t * m, m), _r); }
            if (!SolveFree(columns, _r))
            {
                if (first) return false;
                break; // keep the last feasible z
            }
            if (first)
            {
                int pos = Array.IndexOf(_free, enter, 0, _nf);
                double ye = _y[pos];
                if (enteredFrom == AtLower ? ye <= lo[enter] : ye >= hi[enter]) return false;
                first = false;
            }
            double alpha = 1;
            int hit = -1;
            for (int i = 0; i < _nf; i++)
            {
                int t = _free[i];
                double yt = _y[i], zt = z[t];
                double a = yt < lo[t] ? (zt - lo[t]) / (zt - yt) : yt > hi[t] ? (hi[t] - zt) / (yt - zt) : 1;
                if (a < alpha) { alpha = a; hit = i; }
            }
            // Move z_F to z_F + α (y − z_F) and r with it.
            for (int i = 0; i < _nf; i++)
            {
                int t = _free[i];
                double zt = z[t], nz = hit < 0 ? _y[i] : zt + alpha * (_y[i] - zt);
                if (nz < lo[t]) nz = lo[t];
                if (nz > hi[t]) nz = hi[t];
                if (nz != zt) { Axpy(nz - zt, columns.Slice(t * m, m), r); z[t] = nz; }
            }
            if (hit < 0) return true;
            // Fix the variables that reached a bound (at least the one that limited the step).
            for (int i = _nf - 1; i >= 0; i--)
            {
                int t = _free[i];
                bool atLo = z[t] <= lo[t], atHi = z[t] >= hi[t];
                if (i == hit && !atLo && !atHi)
                {
                    bool lower = _y[i] < lo[t];
                    double nz = lower ? lo[t] : hi[t];
                    Axpy(nz - z[t], columns.Slice(t * m, m), r);
                    z[t] = nz; atLo = lower; atHi = !lower;
                }
                if (!atLo && !atHi) continue;
                _state[t] = atLo ? AtLower : AtUpper;
                for (int k = i; k < _nf - 1; k++) _free[k] = _free[k + 1];
                _nf--;
            }
            if (_nf == 0) return true;
        }
        return true;
    }

    /// <summary>
    /// y = argmin ‖r0 + M_F y‖ over the free columns by Householder QR; false when M_F is numerically rank deficient.
    /// </summary>
    private bool SolveFree(ReadOnlySpan<double> columns, ReadOnlySpan<double> r0)
    {
        int m = _m, f = _nf;
        for (int a = 0; a < f; a++) columns.Slice(_free[a] * m, m).CopyTo(_qr.AsSpan(a * m, m));
        for (int i = 0; i < m; i++) _rhs[i] = -r0[i];
        for (int a = 0; a < f; a++)
        {
            int o = a * m;
            double below = 0, full = 0;
            for (int i = a; i < m; i++) below += _qr[o + i] * _qr[o + i];
            for (int i = 0; i < m; i++) full += _qr[o + i] * _qr[o + i];
            below = Math.Sqrt(below);
            if (below <= 1e-12 * Math.Sqrt(full)) return false;
            double alpha = _qr[o + a] > 0 ? -below : below;
            _qr[o + a] -= alpha;
            double vv = 0;
            for (int i = a; i < m; i++) vv += _qr[o + i] * _qr[o + i];
            for (int b = a + 1; b < f; b++)
            {
                int ob = b * m;
                double dot = 0;
                for (int i = a; i < m; i++) dot += _qr[o + i] * _qr[ob + i];
                double fct = 2 * dot / vv;
                for (int i = a; i < m; i++) _qr[ob + i] -= fct * _qr[o + i];
            }
            {
                double dot = 0;
                for (int i = a; i < m; i++) dot += _qr[o + i] * _rhs[i];
                double fct = 2 * dot / vv;
                for (int i = a; i < m; i++) _rhs[i] -= fct * _qr[o + i];
            }
            _diag[a] = alpha;
        }
        for (int a = f - 1; a >= 0; a--)
        {
            double s = _rhs[a];
            for (int b = a + 1; b < f; b++) s -= _qr[b * m + a] * _y[b];
            _y[a] = s / _diag[a];
        }
        return true;
    }

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int k = 0; k < y.Length; k++) y[k] += a * x[k];
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot(v, v));
}
