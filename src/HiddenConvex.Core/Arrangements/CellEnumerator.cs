using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// Exact enumeration of the full-dimensional cells S(X) of the central arrangement
/// {u : x_j·u = 0} (THEORY.md §2), with an interior witness per cell, for any X.
/// </summary>
public static class CellEnumerator
{
    /// <summary>Enumerates S(X) exactly.</summary>
    public static PatternSet Enumerate(Matrix<double> x, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("exact cell enumeration");
}
