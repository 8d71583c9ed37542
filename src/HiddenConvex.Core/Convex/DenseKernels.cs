using System.Numerics;
using System.Runtime.InteropServices;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Elementwise updates for the dense factorisations of the barrier (THEORY.md §3), in SIMD lanes of <see cref="Vector{T}"/>.
/// Each lane rounds the product and then adds it, as the scalar loop does (the JIT does not fuse a multiply and an add
/// of <see cref="Vector{T}"/> unless asked), so an update gives the scalar loop's result bit for bit.
/// </summary>
internal static class DenseKernels
{
    /// <summary>y −= α x elementwise (the product rounded, then subtracted: no fused multiply-add), over the length of y.</summary>
    public static void SubtractScaled(Span<double> y, double alpha, ReadOnlySpan<double> x)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x[..n]);
            var va = new Vector<double>(alpha);
            for (int v = 0; v < vy.Length; v++) vy[v] -= va * vx[v];
            i = vy.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] -= alpha * x[i];
    }

    /// <summary>
    /// y_j += Σ_c α_c x_{c, offset + j} (x holds the vectors x_c one after another, <paramref name="stride"/> apart): the sum over c
    /// is formed first, term after term, and then added to y_j, in one pass over y.
    /// </summary>
    public static void AddCombination(Span<double> y, ReadOnlySpan<double> alpha, ReadOnlySpan<double> x, int stride, int offset)
    {
        int n = y.Length, terms = alpha.Length, j = 0;
        int width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + width <= n; j += width)
            {
                var acc = new Vector<double>(alpha[0]) * new Vector<double>(x.Slice(offset + j, width));
                for (int c = 1; c < terms; c++) acc += new Vector<double>(alpha[c]) * new Vector<double>(x.Slice(c * stride + offset + j, width));
                (new Vector<double>(y.Slice(j, width)) + acc).CopyTo(y.Slice(j, width));
            }
        }
        for (; j < n; j++)
        {
            double acc = alpha[0] * x[offset + j];
            for (int c = 1; c < terms; c++) acc += alpha[c] * x[c * stride + offset + j];
            y[j] += acc;
        }
    }
}
