namespace HiddenConvex.Core.Numerics;

/// <summary>Figures relative to the instance's own scale (THEORY.md §4.1: no unit-dependent floor such as max(1, ·)).</summary>
public static class Relative
{
    /// <summary>x / |scale|, and 0 when x = 0 (so 0 / 0 = 0: nothing left over at a zero scale).</summary>
    public static double To(double x, double scale) => x == 0 ? 0 : x / Math.Abs(scale);
}
