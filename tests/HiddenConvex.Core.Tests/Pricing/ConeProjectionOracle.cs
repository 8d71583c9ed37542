using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Tests.Convex;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// Π_C(g) for C = {u : A u ≥ 0} (THEORY.md §4) by brute force over faces, independently of the Lawson–Hanson projector:
/// the projection is g's projection on the null space of some subset of at most d rows, so the candidate nearest to g
/// among those feasible (to <see cref="Tolerances.ConeProjection"/>.Absolute·‖g‖ on the normalised rows) is Π_C(g).
/// </summary>
internal static class ConeProjectionOracle
{
    public static Vector<double> BruteForce(Matrix<double> a, Vector<double> g)
    {
        int n = a.RowCount, d = a.ColumnCount;
        double gn = g.L2Norm();
        var unit = Matrix<double>.Build.Dense(n, d, (j, k) => a.Row(j).L2Norm() == 0 ? 0 : a[j, k] / a.Row(j).L2Norm());
        Vector<double> best = Vector<double>.Build.Dense(d);
        double bestDist = gn;
        for (int size = 0; size <= Math.Min(n, d); size++)
            foreach (var subset in size == 0 ? [Array.Empty<int>()] : Combinations.Of(n, size))
            {
                var cand = ProjectOnNullSpace(unit, subset, g);
                if ((unit * cand).Minimum() < -Tolerances.ConeProjection.Absolute * gn) continue;
                double dist = (g - cand).L2Norm();
                if (dist < bestDist) { bestDist = dist; best = cand; }
            }
        return best;
    }

    /// <summary>g minus its orthogonal projection on the span of the given (unit) rows, by SVD.</summary>
    private static Vector<double> ProjectOnNullSpace(Matrix<double> unit, int[] subset, Vector<double> g)
    {
        if (subset.Length == 0 || unit.RowCount == 0) return g.Clone();
        var rows = Matrix<double>.Build.DenseOfRowVectors(subset.Select(unit.Row));
        var svd = rows.Svd(true);
        if (svd.S[0] == 0) return g.Clone();
        int rank = svd.S.Count(s => s > 1e-10 * svd.S[0]);
        var v = svd.VT.SubMatrix(0, rank, 0, unit.ColumnCount);
        return g - v.Transpose() * (v * g);
    }
}
