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
