using HiddenConvex.Core.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Euclidean projection on a polyhedral cone C = {u : A u ≥ 0} (THEORY.md §4): by Moreau,
/// Π_C(g) = g + A^T μ*, μ* = argmin_{μ ≥ 0} ‖g + A^T μ‖² (Lawson–Hanson NNLS).
/// </summary>
public static class ConeProjection
{
    /// <summary>Π_C(g) for C = {u : A u ≥ 0}.</summary>
    public static Vector<double> Project(Matrix<double> a, Vector<double> g) =>
        throw new NotImplementedException("cone projection");

    /// <summary>Π_{C_s}(g) for the cone of pattern s of data X.</summary>
    public static Vector<double> Project(Matrix<double> x, ActivationPattern s, Vector<double> g) =>
        Project(Cones.ConstraintMatrix(x, s), g);
}
