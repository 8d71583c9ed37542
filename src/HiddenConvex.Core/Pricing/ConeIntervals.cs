using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Proven bounds max_{u ∈ C, ‖u‖ ≤ 1} ±x_j·u = ‖Π_C(±x_j)‖ over one node's cone C = {u : a_i·u ≥ 0, i &lt; k}, a_i = σ_i x_{b_i},
/// for many rows (THEORY.md §4: ‖Π_C(g)‖ = min_{μ≥0} ‖g + Σ_i μ_i a_i‖). The Gram matrix K = A Aᵀ is formed once per node,
/// so each query is an NNLS in the k multipliers only, min_{μ≥0} ‖g‖² + 2 μ·(A g) + μᵀ K μ, solved by Lawson–Hanson on K
/// (Cholesky of the passive block, at most d rows).
/// </summary>
/// <remarks>
/// Soundness does not depend on the multipliers' accuracy: the returned bound is ‖g + Σ_i μ_i a_i‖ for the computed
/// doubles μ_i ≥ 0 and the exact rows a_i, summed with the a-priori error bound of <see cref="Outward"/> added outward (any
/// μ ≥ 0 gives an upper bound by weak duality). The normal equations only cost tightness on badly conditioned cones.
/// </remarks>
internal sealed class ConeIntervals
{
    private readonly double[] _x, _rowNorm;
    private readonly int _d;
    private int _k, _stride;
    private double[] _a = [], _gram = [], _b = [], _g = [], _mu = [], _y = [], _aNorm = [];
    private bool[] _inP = [], _rejected = [];
    private readonly int[] _passive;
    private readonly double[] _chol, _rhs, _abs;
    private int _np;
    /// <summary>Leading passive rows whose Cholesky rows are current (rows enter at the end; a removal invalidates from its position).</summary>
    private int _factored;

    public ConeIntervals(double[] x, double[] rowNorm, int d)
    {
        _x = x; _rowNorm = rowNorm; _d = d;
        _passive = new int[d + 1];
        _chol = new double[(d + 1) * (d + 1)];
        _rhs = new double[d + 1];
        _abs = new double[d];
    }

    /// <summary>Sets the cone: constraints +(j+1) for x_j·u ≥ 0, −(j+1) for x_j·u ≤ 0.</summary>
    public void Prepare(ReadOnlySpan<int> constraints)
    {
        int k = constraints.Length, d = _d;
        _k = k;
        if (_aNorm.Length < k)
        {
            int size = Math.Max(k, 2 * _aNorm.Length);
            _a = new double[size * d]; _aNorm = new double[size]; _gram = new double[size * size];
            _b = new double[size]; _g = new double[size]; _mu = new double[size]; _y = new double[size];
            _inP = new bool[size]; _rejected = new bool[size];
        }
        _stride = _aNorm.Length;
        var a = _a;
        for (int i = 0; i < k; i++)
        {
            int c = constraints[i], j = Math.Abs(c) - 1;
            _aNorm[i] = _rowNorm[j];
            if (c > 0) Array.Copy(_x, j * d, a, i * d, d);
            else for (int t = 0; t < d; t++) a[i * d + t] = -_x[j * d + t];
        }
        for (int i = 0; i < k; i++)
            for (int l = 0; l <= i; l++)
            {
                double s = 0;
                int oi = i * d, ol = l * d;
                for (int t = 0; t < d; t++) s += a[oi + t] * a[ol + t];
                _gram[i * _stride + l] = s; _gram[l * _stride + i] = s;
            }
    }

    /// <summary>
    /// A proven upper bound on max over C ∩ ball of sign·x_j·u; <paramref name="direction"/> receives the projection
    /// sign·x_j + Σ μ_i a_i as computed, whose direction attains it.
    /// </summary>
    public double Upper(int j, int sign, Span<double> direction)
    {
        int d = _d, k = _k, o = j * d;
        var x = _x;
        bool outside = false;
        var a = _a;
        for (int i = 0; i < k; i++)
        {
            double s = 0;
            int oi = i * d;
            for (int t = 0; t < d; t++) s += a[oi + t] * x[o + t];
            s *= sign;
            _b[i] = s; _g[i] = s; _mu[i] = 0; _inP[i] = false; _rejected[i] = false;
            if (s < 0) outside = true;
        }
        _np = 0; _factored = 0;
        if (outside) Solve(Tolerances.ActiveSetOptimality * _rowNorm[j]);
        for (int t = 0; t < d; t++) { double v = sign * x[o + t]; direction[t] = v; _abs[t] = Math.Abs(v); }
        int terms = 1;
        for (int p = 0; p < _np; p++)
        {
            int i = _passive[p];
            double m = _mu[i];
            if (!(m > 0)) continue;
            terms++;
            int oi = i * d;
            for (int t = 0; t < d; t++) { double v = m * a[oi + t]; direction[t] += v; _abs[t] += Math.Abs(v); }
        }
        return SoundSum.NormUpper(direction, _abs, terms);
    }

    /// <summary>Lawson–Hanson on the Gram form: gradient g = b + K μ, optimal when μ ≥ 0, g_i ≥ −tol·‖a_i‖ and μ_i g_i = 0.</summary>
    private void Solve(double tol)
    {
        int k = _k, stride = _stride;
        var g = _g; var gram = _gram; var mu = _mu;
        for (int outer = 0; outer < 3 * k + 10; outer++)
        {
            int enter = -1;
            double worst = -tol;
            for (int i = 0; i < k; i++)
            {
                if (_inP[i] || _rejected[i]) continue;
                double gi = g[i] / _aNorm[i];
                if (gi < worst) { worst = gi; enter = i; }
            }
            if (enter < 0) return;
            if (_np == _d) { _rejected[enter] = true; continue; }
            _passive[_np++] = enter; _inP[enter] = true;
            if (!Inner())
            {
                _np--; _inP[enter] = false; mu[enter] = 0; _rejected[enter] = true;
                _factored = Math.Min(_factored, _np);
                continue;
            }
            for (int i = 0; i < k; i++) _rejected[i] = false;
            for (int i = 0; i < k; i++)
            {
                double s = _b[i];
                int oi = i * stride;
                for (int p = 0; p < _np; p++) { int l = _passive[p]; s += gram[oi + l] * mu[l]; }
                g[i] = s;
            }
        }
    }

    /// <summary>The inner loop after the last passive row entered; false (μ unchanged) when it is dependent or moves the wrong way.</summary>
    private bool Inner()
    {
        bool first = true;
        for (int guard = 0; guard < 4 * _d + 10; guard++)
        {
            if (!SolvePassive()) return !first;
            if (first)
            {
                if (_y[_np - 1] <= 0) return false; // the entering row is last in the passive list
                first = false;
            }
            double alpha = 1;
            int hit = -1;
            for (int p = 0; p < _np; p++)
            {
                if (_y[p] > 0) continue;
                double m = _mu[_passive[p]];
                double a = m / (m - _y[p]);
                if (a < alpha) { alpha = a; hit = p; }
            }
            if (hit < 0)
            {
                for (int p = 0; p < _np; p++) _mu[_passive[p]] = _y[p];
                return true;
            }
            for (int p = 0; p < _np; p++) { int i = _passive[p]; _mu[i] += alpha * (_y[p] - _mu[i]); }
            _mu[_passive[hit]] = 0;
            for (int p = _np - 1; p >= 0; p--)
            {
                int i = _passive[p];
                if (_mu[i] > 0) continue;
                _mu[i] = 0; _inP[i] = false;
                for (int q = p; q < _np - 1; q++) _passive[q] = _passive[q + 1];
                _np--;
                _factored = Math.Min(_factored, p);
            }
            if (_np == 0) return true;
        }
        return true;
    }

    /// <summary>
    /// y = −K_PP⁻¹ b_P by Cholesky, factoring only the passive rows added since the last call; false when K_PP is
    /// numerically singular (a pivot below 1e−14·K_ii).
    /// </summary>
    private bool SolvePassive()
    {
        int np = _np, m = _d + 1, stride = _stride;
        var chol = _chol;
        for (int p = _factored; p < np; p++)
        {
            int i = _passive[p];
            for (int q = 0; q <= p; q++)
            {
                double s = _gram[i * stride + _passive[q]];
                for (int r = 0; r < q; r++) s -= chol[p * m + r] * chol[q * m + r];
                if (q < p) chol[p * m + q] = s / chol[q * m + q];
                else
                {
                    if (!(s > 1e-14 * _gram[i * stride + i])) { _factored = p; return false; }
                    chol[p * m + p] = Math.Sqrt(s);
                }
            }
        }
        _factored = np;
        for (int p = 0; p < np; p++)
        {
            double s = -_b[_passive[p]];
            for (int r = 0; r < p; r++) s -= chol[p * m + r] * _rhs[r];
            _rhs[p] = s / chol[p * m + p];
        }
        for (int p = np - 1; p >= 0; p--)
        {
            double s = _rhs[p];
            for (int r = p + 1; r < np; r++) s -= chol[r * m + p] * _y[r];
            _y[p] = s / chol[p * m + p];
        }
        return true;
    }
}
