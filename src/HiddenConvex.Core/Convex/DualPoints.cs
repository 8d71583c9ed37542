using HiddenConvex.Core.Certificates;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// A point W certified at a better dual point (THEORY.md §4.2), for the solver's end and for the check of a network:
/// Newton on the dual's conditions on W's blocks (<see cref="DualPolish"/>, a few pricings), then, when the oracle lists
/// every block, the coordinate search (<see cref="DualPointSearch"/>, thousands of pricings: over branch and bound one can
/// take seconds) from the best prediction so far, both within one deadline.
/// </summary>
internal static class DualPoints
{
    /// <summary>
    /// The prediction z′ whose certificate of W has the largest lower bound found, with that certificate; null when nothing
    /// improved on <paramref name="own"/>, the certificate of W at <paramref name="start"/>.
    /// </summary>
    public static (Vector<double> Prediction, Certificate Certificate)? Improve(ConvexProblem problem, ConvexPoint w, Certificate own,
        Vector<double> start, double tolerance, DateTime deadline)
    {
        var polished = DualPolish.Polish(problem, w, own, start, tolerance, deadline);
        if (!problem.Oracle.ListsEveryBlock || polished is { } p && p.Certificate.WithinGap(tolerance)) return polished;
        var (from, fromCertificate) = polished ?? (start, own);
        return DualPointSearch.Search(problem, w, fromCertificate, tolerance, deadline, from) ?? polished;
    }
}
