using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The Newton systems of a barrier solve (THEORY.md §3): gradient, block Hessians, and either the n×n Woodbury coupling or
/// the dense Hessian over the working set's variables.
/// </summary>
internal sealed partial class BarrierRun
{
    /// <summary>Gradient and factored Hessian H of f_t at one point (see <see cref="NewtonDirection(double, double[], double[], double[], double[])"/>).</summary>
    private interface INewtonSystem
    {
        /// <summary>∇f_t, stacked block after block (k·m).</summary>
        double[] Gradient { get; }
        /// <summary>H⁻¹ r into <paramref name="into"/> (not r itself).</summary>
        void Solve(double[] r, double[] into);
        /// <summary>H d into <paramref name="into"/> (not d itself), applied without factorising (for iterative refinement).</summary>
        void Apply(double[] dv, double[] into);
    }

    /// <summary>
    /// The stacked (k·m) vectors of one Newton solve and the n-vector of M applied to one of them, allocated once per barrier
    /// solve: a step fills them in place of the dozen arrays it used to allocate (on programs of a few rows and blocks the
    /// allocations and their collections cost as much as the step's arithmetic).
    /// </summary>
    private sealed class StepBuffers(int stacked, int n)
    {
        /// <summary>−∇f_t, the right-hand side.</summary>
        public readonly double[] Rhs = new double[stacked];
        /// <summary>The unrefined solve H⁻¹ (−∇f_t).</summary>
        public readonly double[] Plain = new double[stacked];
        /// <summary>The two refined steps, alternating (a refinement never overwrites the step it refines).</summary>
        public readonly double[] RefinedA = new double[stacked], RefinedB = new double[stacked];
        /// <summary>The refinement's correction H⁻¹ (residual).</summary>
        public readonly double[] Correction = new double[stacked];
        /// <summary>The residual of the current step and that of its refinement (swapped when the refinement is kept).</summary>
        public readonly double[] Residual = new double[stacked], RefinedResidual = new double[stacked];
        /// <summary>H d of the residual's step.</summary>
        public readonly double[] Applied = new double[stacked];
        /// <summary>M v of a stacked v (Woodbury solve and product; one at a time).</summary>
        public readonly double[] Prediction = new double[n];
    }

    /// <summary>The Woodbury form: H = B + t Mᵀ Λ M solved through the n×n system I + S M B⁻¹ Mᵀ S.</summary>
    private sealed class NewtonSystem : INewtonSystem
    {
        public required BarrierRun Owner;
        public required double[] Gradient { get; init; }   // k·m
        public required double[] BlockHessian; // k·m·m, B_b
        public required double[] BlockCholesky; // k·m·m
        public required double[] CouplingCholesky; // n×n, I + S K S
        public required double[] Sqrt; // n, S
        public required double[] Curvature; // n, tΛ

        /// <summary>H⁻¹ r by the Woodbury identity.</summary>
        public void Solve(double[] r, double[] into)
        {
            var o = Owner;
            int n = o._n, d = o._d, m = o._m, k = o._k;
            var y = into;
            r.CopyTo(y, 0);
            for (int bi = 0; bi < k; bi++) CholeskySolve(BlockCholesky.AsSpan(bi * m * m, m * m), y.AsSpan(bi * m, m), m);
            var zeta = o.PredictStacked(y);
            for (int j = 0; j < n; j++) zeta[j] *= Sqrt[j];
            CholeskySolve(CouplingCholesky, zeta, n);
            for (int j = 0; j < n; j++) zeta[j] *= Sqrt[j];
            Span<double> corr = stackalloc double[m];
            for (int bi = 0; bi < k; bi++)
            {
                o.TransposeBlock(bi, zeta, corr);
                CholeskySolve(BlockCholesky.AsSpan(bi * m * m, m * m), corr, m);
                for (int a = 0; a < m; a++) y[bi * m + a] -= corr[a];
            }
        }

        /// <summary>H d = B d + t Mᵀ Λ M d, applied without factorising.</summary>
        public void Apply(double[] dv, double[] into)
        {
            var o = Owner;
            int n = o._n, m = o._m, k = o._k;
            var result = into;
            for (int bi = 0; bi < k; bi++)
                for (int a = 0; a < m; a++)
                {
                    double acc = 0;
                    for (int c = 0; c < m; c++) acc += BlockHessian[bi * m * m + a * m + c] * dv[bi * m + c];
                    result[bi * m + a] = acc;
                }
            var md = o.PredictStacked(dv);
            for (int j = 0; j < n; j++) md[j] *= Curvature[j];
            Span<double> back = stackalloc double[m];
            for (int bi = 0; bi < k; bi++)
            {
                o.TransposeBlock(bi, md, back);
                for (int a = 0; a < m; a++) result[bi * m + a] += back[a];
            }
        }
    }

    /// <summary>M applied to a stacked (w, s) vector: Σ_b γ_b diag(s_b) X w_b, in the step's buffer (valid until the next call).</summary>
    private double[] PredictStacked(double[] v)
    {
        Predict(v, _m, _buffers.Prediction);
        return _buffers.Prediction;
    }

    /// <summary>The block's rows of Mᵀ applied to an n-vector (zero in the epigraph coordinate).</summary>
    private void TransposeBlock(int bi, double[] u, Span<double> into)
    {
        into.Clear();
        var blk = _blocks[bi];
        foreach (int j in blk.ActiveRows)
        {
            double uj = blk.Sign * u[j];
            for (int c = 0; c < _d; c++) into[c] += uj * _x[j * _d + c];
        }
    }

    /// <summary>
    /// A block's barrier Hessian whose Cholesky factorisation failed (rounding near the cone's boundary) is shifted by this
    /// times its trace before one more try.
    /// </summary>
    private const double BlockHessianShift = 1e-14;

    /// <summary>
    /// Gradient and factors of its Hessian at (w, s), in the cheaper form, or in the dense form when
    /// <paramref name="dense"/> (the fallback of <see cref="NewtonDirection(double, double[], double[], double[], double[])"/>); null if a factorisation fails.
    /// </summary>
    private INewtonSystem? Factor(double t, double[] w, double[] s, bool dense = false)
    {
        dense |= _denseForm;
        var z = Predict(w);
        var grad = _loss.Gradient(z, _y).AsArray() ?? _loss.Gradient(z, _y).ToArray();
        var hess = _loss.HessianDiagonal(z, _y);
        Array.Clear(_blockHessian);
        Array.Clear(_gradient);
        if (_coupling is not null) Array.Clear(_coupling);
        bool blocksFactored = true;
        for (int bi = 0; bi < _k; bi++)
            blocksFactored &= FactorBlock(bi, t, w, s, grad);
        // The dense form factorises H itself (equilibrated); only the Woodbury form needs each B_b factorised.
        if (dense) return FactorDense(t, hess);
        if (!blocksFactored) return null;
        AddPatternCouplings();
        for (int j = 0; j < _n; j++)
        {
            _curvature[j] = Math.Max(t * hess[j], 0);
            _sqrt[j] = Math.Sqrt(_curvature[j]);
        }
        if (!FactorCoupling()) return null;
        // Its arrays are this run's: one system object serves every step.
        return _woodburySystem ??= new NewtonSystem
        {
            Owner = this, Gradient = _gradient, BlockHessian = _blockHessian, BlockCholesky = _chol, CouplingCholesky = _couplingChol!,
            Sqrt = _sqrt, Curvature = _curvature,
        };
    }

    private NewtonSystem? _woodburySystem;

    /// <summary>
    /// Block bi's gradient of f_t, its barrier Hessian B_b (second-order cone and facet barriers), the Cholesky factor of
    /// B_b and C_b = [B_b⁻¹]_ww; false if B_b cannot be factorised even after a small shift.
    /// </summary>
    private bool FactorBlock(int bi, double t, double[] w, double[] s, double[] lossGradient)
    {
        int d = _d, m = _m;
        var blk = _blocks[bi];
        int o = bi * d;
        var bmat = _blockHessian.AsSpan(bi * m * m, m * m);
        var gb = _gradient.AsSpan(bi * m, m);
        // Loss part of the gradient: t γ (diag(s) X)ᵀ ∇ℓ, and tβ for the epigraph variable.
        foreach (int j in blk.ActiveRows)
        {
            double gj = t * blk.Sign * lossGradient[j];
            for (int k = 0; k < d; k++) gb[k] += gj * _x[j * d + k];
        }
        gb[d] += t * _beta;
        AddConeBarrier(w.AsSpan(o, d), s[bi], gb, bmat);
        AddFacetBarriers(blk, w.AsSpan(o, d), gb, bmat);
        var lb = _chol.AsSpan(bi * m * m, m * m);
        if (!Cholesky(bmat, lb, m))
        {
            // Rounding made the barrier Hessian indefinite near the cone's boundary: regularise slightly.
            double tr = 0;
            for (int a = 0; a < m; a++) tr += Math.Abs(bmat[a * m + a]);
            for (int a = 0; a < m; a++) bmat[a * m + a] += BlockHessianShift * tr;
            if (!Cholesky(bmat, lb, m)) return false;
        }
        // C_b = [B_b⁻¹]_ww.
        Span<double> col = stackalloc double[m];
        var cb = _cww.AsSpan(bi * d * d, d * d);
        for (int c = 0; c < d; c++)
        {
            col.Clear();
            col[c] = 1;
            CholeskySolve(lb, col, m);
            for (int a = 0; a < d; a++) cb[a * d + c] = col[a];
        }
        return true;
    }

    /// <summary>Gradient and Hessian of the second-order cone barrier −log(s² − ‖w‖²) added to a block's.</summary>
    private void AddConeBarrier(ReadOnlySpan<double> w, double sv, Span<double> gb, Span<double> bmat)
    {
        int d = _d, m = _m;
        double ww = 0;
        for (int k = 0; k < d; k++) ww += w[k] * w[k];
        double wn = Math.Sqrt(ww), q = (sv - wn) * (sv + wn);
        Span<double> hq = stackalloc double[m];
        for (int k = 0; k < d; k++) hq[k] = -2 * w[k];
        hq[d] = 2 * sv;
        for (int a = 0; a < m; a++)
        {
            gb[a] -= hq[a] / q;
            for (int c = 0; c < m; c++) bmat[a * m + c] += hq[a] * hq[c] / (q * q);
            bmat[a * m + a] += (a < d ? 2 : -2) / q;
        }
    }

    /// <summary>Gradient and Hessian of the facet barriers −Σ log(a·w) added to a block's.</summary>
    private void AddFacetBarriers(ReducedBlock blk, ReadOnlySpan<double> w, Span<double> gb, Span<double> bmat)
    {
        int d = _d, m = _m;
        for (int i = 0; i < blk.FacetCount; i++)
        {
            double r = 0;
            for (int k = 0; k < d; k++) r += blk.Facets[i * d + k] * w[k];
            for (int a = 0; a < d; a++)
            {
                double fa = blk.Facets[i * d + a];
                gb[a] -= fa / r;
                for (int c = 0; c < d; c++) bmat[a * m + c] += fa * blk.Facets[i * d + c] / (r * r);
            }
        }
    }

    /// <summary>
    /// Each pattern's contribution (diag(s) X) (Σ_b C_b) (diag(s) X)ᵀ to the n×n coupling K (upper triangle). Row i ∈ s of K
    /// gets Σ_c (C x_i)_c · (diag(s) X)_{·c} over the columns j ≥ i: dense, contiguous updates in SIMD lanes over the
    /// pattern's masked columns (written into a d × n work array for the pattern, and cleared after it) instead of a
    /// scattered update per pair of active rows.
    /// </summary>
    private void AddPatternCouplings()
    {
        int n = _n, d = _d;
        Span<double> cww = stackalloc double[d * d];
        Span<double> xc = stackalloc double[d];
        var columns = _maskedColumns ??= new double[ArraySize.Product("a pattern's masked columns (d × n)", d, n)];
        foreach (var group in _patternGroups)
        {
            _cww.AsSpan(group[0] * d * d, d * d).CopyTo(cww);
            for (int gi = 1; gi < group.Length; gi++)
            {
                var other = _cww.AsSpan(group[gi] * d * d, d * d);
                for (int a = 0; a < d * d; a++) cww[a] += other[a];
            }
            var active = _blocks[group[0]].ActiveRows;
            if (active.Length == 0) continue;
            SetMaskedColumns(columns, active, keep: true);
            int end = active[^1] + 1; // the masked columns are zero beyond the pattern's last active row
            foreach (int i in active)
            {
                for (int c = 0; c < d; c++)
                {
                    double acc = 0;
                    for (int a = 0; a < d; a++) acc += _x[i * d + a] * cww[a * d + c];
                    xc[c] = acc;
                }
                // Σ_c first, then into K: the same rounding as one inner product per entry.
                DenseKernels.AddCombination(_coupling!.AsSpan(i * n + i, end - i), xc, columns, n, i);
            }
            SetMaskedColumns(columns, active, keep: false);
        }
    }

    /// <summary>Writes x_jc (keep) or 0 at the active rows j of the d × n masked columns (zero elsewhere).</summary>
    private void SetMaskedColumns(double[] columns, int[] active, bool keep)
    {
        int n = _n, d = _d;
        foreach (int j in active)
            for (int c = 0; c < d; c++) columns[c * n + j] = keep ? _x[j * d + c] : 0;
    }

    private double[]? _maskedColumns;

    /// <summary>Forms I + S K S in place of K (symmetrised; its upper triangle is read before the same entry is written) and factorises it.</summary>
    private bool FactorCoupling()
    {
        int n = _n;
        var kn = _coupling!;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                double v = _sqrt[i] * kn[i * n + j] * _sqrt[j] + (i == j ? 1 : 0);
                kn[i * n + j] = v;
                kn[j * n + i] = v;
            }
        return Cholesky(kn, _couplingChol!, n);
    }

    /// <summary>
    /// The dense form: H = blockdiag(B_b) + t Mᵀ Λ M assembled row by row (row j adds λ_j γ_b γ_b' x_j x_jᵀ to the w-parts of
    /// every pair of blocks active at j) and factorised; the same regularisation as a block's on a failed Cholesky.
    /// </summary>
    private DenseSystem? FactorDense(double t, Vector<double> lossHessian)
    {
        int d = _d, m = _m, size = _k * m;
        _dense ??= new double[ArraySize.Product("the barrier's dense Hessian ((blocks·(d+1))²)", size, size)];
        _denseChol ??= new double[_dense.Length];
        _denseScaled ??= new double[_dense.Length];
        _equilibration ??= new double[size];
        var h = _dense;
        Array.Clear(h);
        for (int bi = 0; bi < _k; bi++)
            for (int a = 0; a < m; a++)
                for (int c = 0; c < m; c++) h[(bi * m + a) * size + bi * m + c] = _blockHessian[bi * m * m + a * m + c];
        var activeAt = ActiveBlocksByRow();
        for (int j = 0; j < _n; j++)
        {
            double lambda = Math.Max(t * lossHessian[j], 0);
            var blocks = activeAt[j];
            if (lambda == 0 || blocks.Count == 0) continue;
            for (int p = 0; p < blocks.Count; p++)
                for (int q = p; q < blocks.Count; q++)
                {
                    int b = blocks[p], c2 = blocks[q];
                    double scale = lambda * _blocks[b].Sign * _blocks[c2].Sign;
                    for (int a = 0; a < d; a++)
                    {
                        double xa = scale * _x[j * d + a];
                        int row = (b * m + a) * size + c2 * m;
                        for (int c = 0; c < d; c++) h[row + c] += xa * _x[j * d + c];
                    }
                }
        }
        // Symmetrise from the upper block triangle.
        for (int i = 0; i < size; i++)
            for (int j = i + 1; j < size; j++) h[j * size + i] = h[i * size + j];
        // Symmetric (Jacobi) equilibration D H D, D = diag(1/√H_ii): rows of X scaled 1e9 apart give diagonal entries
        // 1e18 apart, and a Cholesky of H itself loses every digit of the small ones; the equilibrated matrix has a unit
        // diagonal and the condition of H without its scaling.
        var e = _equilibration;
        for (int i = 0; i < size; i++)
        {
            double hii = h[i * size + i];
            if (!(hii > 0) || !double.IsFinite(hii)) return null;
            e[i] = 1 / Math.Sqrt(hii);
        }
        var hs = _denseScaled;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++) hs[i * size + j] = e[i] * h[i * size + j] * e[j];
        var system = _denseSystem ??= new DenseSystem { Gradient = _gradient, Hessian = h, Factor = _denseChol, Equilibration = e, Size = size };
        if (Cholesky(hs, _denseChol, size)) return system;
        // Rounding made it indefinite: the same relative shift as a block's (the equilibrated trace is the size).
        for (int i = 0; i < size; i++) hs[i * size + i] += BlockHessianShift * size;
        return Cholesky(hs, _denseChol, size) ? system : null;
    }

    private double[]? _denseScaled, _equilibration;
    private DenseSystem? _denseSystem;

    /// <summary>For each row, the working-set blocks whose pattern has it active (built once per solve).</summary>
    private List<int>[] ActiveBlocksByRow()
    {
        if (_activeAt is not null) return _activeAt;
        var at = Enumerable.Range(0, _n).Select(_ => new List<int>()).ToArray();
        for (int b = 0; b < _k; b++)
            foreach (int j in _blocks[b].ActiveRows) at[j].Add(b);
        return _activeAt = at;
    }

    private List<int>[]? _activeAt;

    /// <summary>The dense form's Hessian H and the Cholesky factor of D H D (D the equilibration).</summary>
    private sealed class DenseSystem : INewtonSystem
    {
        public required double[] Gradient { get; init; }
        public required double[] Hessian;
        public required double[] Factor;
        public required double[] Equilibration;
        public required int Size;

        /// <summary>H⁻¹ r = D (D H D)⁻¹ D r.</summary>
        public void Solve(double[] r, double[] into)
        {
            var y = into;
            for (int i = 0; i < Size; i++) y[i] = Equilibration[i] * r[i];
            CholeskySolve(Factor, y, Size);
            for (int i = 0; i < Size; i++) y[i] *= Equilibration[i];
        }

        public void Apply(double[] dv, double[] into)
        {
            var result = into;
            for (int i = 0; i < Size; i++)
            {
                double acc = 0;
                for (int j = 0; j < Size; j++) acc += Hessian[i * Size + j] * dv[j];
                result[i] = acc;
            }
        }
    }

    /// <summary>Below this order the factorisation runs row by row; from it on, by trailing-row updates in SIMD lanes.</summary>
    private const int VectorCholeskyOrder = 32;

    /// <summary>Dense Cholesky A = L Lᵀ (row-major, lower triangle of A read, lower triangle written to l); false if not positive definite.</summary>
    internal static bool Cholesky(ReadOnlySpan<double> a, Span<double> l, int n) =>
        n >= VectorCholeskyOrder ? CholeskyByTrailingRows(a, l, n) : CholeskyByRows(a, l, n);

    /// <summary>The row-by-row factorisation: l_ij = (a_ij − Σ_{k&lt;j} l_ik l_jk) / l_jj, the sum subtracted term by term.</summary>
    internal static bool CholeskyByRows(ReadOnlySpan<double> a, Span<double> l, int n)
    {
        l.Clear();
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (!(sum > 0)) return false;
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
        return true;
    }

    /// <summary>
    /// The same factorisation as the row-by-row loop, bit for bit, for large n (the n×n Woodbury coupling): U = Lᵀ is built
    /// in the upper triangle of l, row k of U from the trailing rows, which then subtract U_ki U_kj from their entries (i ≤ j)
    /// in contiguous SIMD updates. Every entry subtracts the same products in the same order k = 0, 1, … as the row-by-row
    /// inner product (no fused multiply-add), so the factor, and the solver's path, does not change; only the time does
    /// (the row-by-row loop's strided, bounds-checked products were a third of the (400, 2) solve).
    /// </summary>
    internal static bool CholeskyByTrailingRows(ReadOnlySpan<double> a, Span<double> l, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) l[i * n + j] = a[j * n + i];
        for (int k = 0; k < n; k++)
        {
            double pivot = l[k * n + k];
            if (!(pivot > 0)) return false;
            double diagonal = Math.Sqrt(pivot);
            l[k * n + k] = diagonal;
            for (int j = k + 1; j < n; j++) l[k * n + j] /= diagonal;
            var uk = l.Slice(k * n, n);
            for (int i = k + 1; i < n; i++)
                DenseKernels.SubtractScaled(l.Slice(i * n + i, n - i), uk[i], uk.Slice(i, n - i));
        }
        // L = Uᵀ into the lower triangle; the upper triangle is cleared as the row-by-row loop leaves it.
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                l[j * n + i] = l[i * n + j];
                l[i * n + j] = 0;
            }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b in place.</summary>
    private static void CholeskySolve(ReadOnlySpan<double> l, Span<double> b, int n)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i * n + k] * b[k];
            b[i] = sum / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * b[k];
            b[i] = sum / l[i * n + i];
        }
    }
}
