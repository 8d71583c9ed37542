namespace HiddenConvex.Core.Numerics;

/// <summary>
/// Floating-point error constants (THEORY.md §4.1, after Higham): the unit roundoff u = 2^−53 and γ_k = k u / (1 − k u),
/// which bounds the relative error of a sum or dot product of k terms at the scale of the sum of their magnitudes.
/// </summary>
public static class Rounding
{
    /// <summary>u = 2^−53.</summary>
    public const double Unit = 1.1102230246251565e-16;

    /// <summary>γ_k = k u / (1 − k u) (k u &lt; 1).</summary>
    public static double Gamma(long k)
    {
        double ku = k * Unit;
        return ku < 1 ? ku / (1 - ku) : double.PositiveInfinity;
    }
}
