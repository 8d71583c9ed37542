using System.Numerics;
using System.Runtime.InteropServices;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Inner products and updates for the dense factorisations of the solvers, in SIMD lanes of <see cref="Vector{T}"/>: the Cholesky
/// factorisation of the barrier's n×n coupling (THEORY.md §3) spends nearly all its time in row·row products, which the
/// scalar loop computed one multiply at a time with a bounds check each.
/// </summary>
internal static class DenseKernels
{
    /// <summary>Σ_k a_k b_k over the common length of a and b (a and b must have equal length).</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<double>.Count)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b[..a.Length]);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            int v = 0;
            for (; v + 1 < va.Length; v += 2)
            {
                acc0 += va[v] * vb[v];
                acc1 += va[v + 1] * vb[v + 1];
            }
            if (v < va.Length) acc0 += va[v] * vb[v];
            sum = Vector.Sum(acc0 + acc1);
            i = va.Length * Vector<double>.Count;
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y += α x over the common length (x must be at least as long as y).</summary>
    public static void AddScaled(Span<double> y, double alpha, ReadOnlySpan<double> x)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x[..n]);
            var va = new Vector<double>(alpha);
            for (int v = 0; v < vy.Length; v++) vy[v] += va * vx[v];
            i = vy.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    /// <summary>y = α x over the length of y (x must be at least as long).</summary>
    public static void Scale(Span<double> y, double alpha, ReadOnlySpan<double> x)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x[..n]);
            var va = new Vector<double>(alpha);
            for (int v = 0; v < vy.Length; v++) vy[v] = va * vx[v];
            i = vy.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] = alpha * x[i];
    }
}
