using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// High-accuracy polishing on an identified support (THEORY.md §6). From a dual vector v near v*, the
/// active blocks are those with ‖π_b(v)‖ ≈ β and the face of C_{s_b} that holds π_b is read off the
/// Lawson–Hanson passive set. On those faces the program is smooth: with w_b = N_b y_b (N_b an
/// orthonormal basis of the face's span) it is F(y) = ℓ(Σ_b γ_b diag(s_b) X N_b y_b) + β Σ_b ‖y_b‖,
/// minimised by damped Newton (Levenberg–Marquardt regularised: along 𝒲* the Hessian is singular).
/// Points are kept feasible for every row of every cone; the certificate of §4 judges the result.
/// </summary>
internal static class FacePolisher
{
    /// <summary>Relative distance of ‖π_b‖ below β within which a block is treated as active.</summary>
    private const double ActiveMargin = 1e-5;

    private sealed class FaceBlock
    {
        public required int Index;
        public required int Sign;
        public required int[] ActiveRows;
        public required double[] Signs;
        public required Matrix<double> Basis; // d×r
        public required Vector<double> Y;
    }

    /// <summary>
    /// Polishes around the current point. <paramref name="start"/> gives w_b for blocks of the current
    /// solution (by engine index); active blocks without a value start from a small multiple of π_b.
    /// Returns the polished point as (engine index, w_b) pairs, or null when nothing is active.
    /// </summary>
    public static List<(int Block, Vector<double> W)>? Polish(PricingEngine engine, Matrix<double> x, Vector<double> y,
        Loss loss, double beta, Vector<double> v, IReadOnlyDictionary<int, Vector<double>> start, int maxSteps = 40)
    {
        int d = engine.D, n = engine.N;
        var values = engine.ValuesAbove(v.AsArray() ?? v.ToArray(), beta * (1 - ActiveMargin));
        var blocks = new List<FaceBlock>();
        var vArr = v.AsArray() ?? v.ToArray();
        for (int b = 0; b < values.Length; b++)
        {
            if (values[b] < beta * (1 - ActiveMargin) || !engine.Includes(b)) continue;
            var (pi, norm, faceRows) = engine.BlockFace(b, vArr);
            var signs = engine.Signs(b >> 1).ToArray();
            var basis = FaceBasis(x, signs, faceRows, d);
            if (basis.ColumnCount == 0) continue;
            Vector<double> w0 = start.TryGetValue(b, out var w) && w.L2Norm() > 0
                ? w
                : Vector<double>.Build.DenseOfArray(pi) * (1e-3 / Math.Max(norm, 1e-300));
            var y0 = basis.TransposeThisAndMultiply(w0);
            if (y0.L2Norm() == 0) continue;
            blocks.Add(new FaceBlock
            {
                Index = b, Sign = PricingEngine.SignOf(b), Signs = signs, Basis = basis, Y = y0,
                ActiveRows = Enumerable.Range(0, n).Where(j => signs[j] > 0).ToArray(),
            });
        }
        if (blocks.Count == 0) return null;

        double f = Value(blocks, x, y, loss, beta);
        for (int step = 0; step < maxSteps; step++)
        {
            var (grad, hess) = Derivatives(blocks, x, y, loss, beta);
            double gnorm = grad.L2Norm();
            if (gnorm <= 1e-15 * Math.Max(1, Math.Abs(f))) break;
            double reg = 1e-13 * Math.Max(hess.Diagonal().AbsoluteMaximum(), 1e-300);
            for (int i = 0; i < hess.RowCount; i++) hess[i, i] += reg;
            Vector<double> dir;
            try { dir = -hess.Cholesky().Solve(grad); }
            catch (ArgumentException) { dir = -hess.Svd(true).Solve(grad); }
            double decrease = -grad.DotProduct(dir);
            if (!(decrease > 0)) break;
            double alpha = 1;
            bool moved = false;
            var saved = blocks.Select(bk => bk.Y).ToList();
            for (int ls = 0; ls < 50; ls++, alpha *= 0.5)
            {
                int o = 0;
                foreach (var bk in blocks)
                {
                    int r = bk.Basis.ColumnCount;
                    bk.Y = saved[blocks.IndexOf(bk)] + dir.SubVector(o, r) * alpha;
                    o += r;
                }
                if (!Feasible(blocks, x)) continue;
                double f1 = Value(blocks, x, y, loss, beta);
                if (f1 <= f - 1e-4 * alpha * decrease || (f1 <= f + 4e-16 * Math.Abs(f) && decrease <= 1e-13 * Math.Max(1, Math.Abs(f))))
                {
                    f = Math.Min(f, f1);
                    moved = true;
                    break;
                }
            }
            if (!moved)
            {
                for (int i = 0; i < blocks.Count; i++) blocks[i].Y = saved[i];
                break;
            }
            // A block driven to zero has left the support: drop it (F is not smooth there).
            blocks.RemoveAll(bk => bk.Y.L2Norm() <= 1e-13 * Math.Max(1, blocks.Max(o => o.Y.L2Norm())));
            if (blocks.Count == 0) return null;
            f = Value(blocks, x, y, loss, beta);
        }
        return blocks.Select(bk => (bk.Index, bk.Basis * bk.Y)).ToList();
    }

    /// <summary>Orthonormal basis of {u : a_j·u = 0 for the face rows} (the face's linear span).</summary>
    private static Matrix<double> FaceBasis(Matrix<double> x, double[] signs, int[] faceRows, int d)
    {
        if (faceRows.Length == 0) return Matrix<double>.Build.DenseIdentity(d);
        var a = Matrix<double>.Build.Dense(faceRows.Length, d, (i, k) => signs[faceRows[i]] * x[faceRows[i], k]);
        var svd = a.Svd(true);
        double top = svd.S[0];
        int rank = svd.S.Count(s => s > 1e-12 * top);
        if (rank >= d) return Matrix<double>.Build.Dense(d, 0);
        return svd.VT.SubMatrix(rank, d - rank, 0, d).Transpose();
    }

    private static Vector<double> Predict(List<FaceBlock> blocks, Matrix<double> x)
    {
        var z = Vector<double>.Build.Dense(x.RowCount);
        foreach (var bk in blocks)
        {
            var w = bk.Basis * bk.Y;
            foreach (int j in bk.ActiveRows) z[j] += bk.Sign * x.Row(j).DotProduct(w);
        }
        return z;
    }

    private static double Value(List<FaceBlock> blocks, Matrix<double> x, Vector<double> y, Loss loss, double beta) =>
        loss.Value(Predict(blocks, x), y) + beta * blocks.Sum(bk => bk.Y.L2Norm());

    /// <summary>Every w_b = N_b y_b satisfies all rows of its cone (to rounding at the scale ‖x_j‖‖w_b‖).</summary>
    private static bool Feasible(List<FaceBlock> blocks, Matrix<double> x)
    {
        foreach (var bk in blocks)
        {
            var w = bk.Basis * bk.Y;
            double wn = w.L2Norm();
            for (int j = 0; j < x.RowCount; j++)
            {
                var row = x.Row(j);
                if (bk.Signs[j] * row.DotProduct(w) < -1e-13 * row.L2Norm() * wn) return false;
            }
        }
        return true;
    }

    /// <summary>Gradient and Hessian of F in the stacked face coordinates.</summary>
    private static (Vector<double> Grad, Matrix<double> Hess) Derivatives(List<FaceBlock> blocks, Matrix<double> x,
        Vector<double> y, Loss loss, double beta)
    {
        int n = x.RowCount;
        var z = Predict(blocks, x);
        var gl = loss.Gradient(z, y);
        var hl = loss.HessianDiagonal(z, y);
        int total = blocks.Sum(bk => bk.Basis.ColumnCount);
        var m = Matrix<double>.Build.Dense(n, total);
        int o = 0;
        foreach (var bk in blocks)
        {
            var xb = Matrix<double>.Build.Dense(n, x.ColumnCount);
            foreach (int j in bk.ActiveRows) xb.SetRow(j, x.Row(j) * bk.Sign);
            m.SetSubMatrix(0, o, xb * bk.Basis);
            o += bk.Basis.ColumnCount;
        }
        var grad = m.TransposeThisAndMultiply(gl);
        var hess = m.TransposeThisAndMultiply(Matrix<double>.Build.DiagonalOfDiagonalVector(hl) * m);
        o = 0;
        foreach (var bk in blocks)
        {
            int r = bk.Basis.ColumnCount;
            double yn = bk.Y.L2Norm();
            var yh = bk.Y / yn;
            for (int i = 0; i < r; i++)
            {
                grad[o + i] += beta * yh[i];
                for (int k = 0; k < r; k++) hess[o + i, o + k] += beta * ((i == k ? 1 : 0) - yh[i] * yh[k]) / yn;
            }
            o += r;
        }
        return (grad, hess);
    }
}
