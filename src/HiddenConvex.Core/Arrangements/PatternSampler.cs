using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// Random-direction sampling of patterns, for when exact enumeration is too large. The result
/// is marked <see cref="PatternSet.IsExact"/> = false and every result built on it must say so.
/// </summary>
public static class PatternSampler
{
    /// <summary>Samples <paramref name="directions"/> Gaussian directions and keeps the distinct full-dimensional patterns.</summary>
    public static PatternSet Sample(Matrix<double> x, int directions, int seed) =>
        throw new NotImplementedException("pattern sampler");
}
