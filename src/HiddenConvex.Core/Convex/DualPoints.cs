using HiddenConvex.Core.Certificates;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// A point W certified at a better dual point (THEORY.md §4.2), for the solver's end and for the check of a network:
/// Newton on the dual's conditions on W's blocks (<see cref="DualPolish"/>, a few pricings), then the coordinate search
/// (<see cref="DualPointSearch"/>, thousands of pricings) from the best prediction so far, both within one deadline, which
/// the search checks between trials. Over branch and bound a trial is one bracket, bounded by the oracle's own budget. The
/// check calls it with either oracle (law B3: on two rows 10¹⁰ apart in norm the polish left θ's dual vector pricing at
/// 1.41β, and only the search certified θ, at 4.3e-9, which it now does over branch and bound too); the solver calls it
/// only over oracles that list every block (its own guard).
/// </summary>
internal static class DualPoints
{
    /// <summary>
    /// The prediction z′ whose certificate of W has the largest lower bound found, with that certificate and, when Newton's
    /// method on the dual's conditions found it, the primal point of those conditions (<see cref="DualPolish"/>); null when
    /// nothing improved on <paramref name="own"/>, the certificate of W at <paramref name="start"/>.
    /// </summary>
    public static DualPolish.Found? Improve(ConvexProblem problem, ConvexPoint w, Certificate own, Vector<double> start,
        double tolerance, DateTime deadline)
    {
        var polished = DualPolish.Polish(problem, w, own, start, tolerance, deadline);
        if (polished is { } p && p.Certificate.WithinGap(tolerance)) return polished;
        var from = polished is { } q ? q.Prediction : start;
        var fromCertificate = polished is { } r ? r.Certificate : own;
        var found = DualPointSearch.Search(problem, w, fromCertificate, tolerance, deadline, from) is { } searched
            ? new DualPolish.Found(searched.Prediction, searched.Certificate, polished?.Primal)
            : polished;
        if (found is { } f && f.Certificate.WithinGap(tolerance)) return found;
        if (FromOwnPrediction(problem, w, own, from, tolerance, deadline, found) is { } fromOwn)
        {
            if (fromOwn.Certificate.WithinGap(tolerance)) return fromOwn;
            found = fromOwn;
        }
        return Equilibrated(problem, w, own, start, tolerance, deadline, found);
    }

    /// <summary>
    /// The coordinate search from W's own prediction when the first one ran from another (the polish's, or the best dual
    /// point's the solver passed as the start) and did not certify; kept when its lower bound is above
    /// <paramref name="found"/>'s. Why: a dual point found earlier can have every entry of the prediction moved to where its
    /// own lower bound is higher but no move of one entry certifies, while W's own prediction is one entry away from a
    /// certificate (seed 2240000070's T1: rows 7.6e-6 and 8 192·√2 long, W exact, its v pricing at 1.41β with v_j = 0 on the
    /// long row and at β for v_j in [5e-11, 7e-11]; the search from the best dual point ended at a relative gap of 4e-2).
    /// </summary>
    private static DualPolish.Found? FromOwnPrediction(ConvexProblem problem, ConvexPoint w, Certificate own, Vector<double> searchedFrom,
        double tolerance, DateTime deadline, DualPolish.Found? found)
    {
        var prediction = w.Predict(problem.Data.X);
        if (prediction.Equals(searchedFrom)) return null;
        if (DualPointSearch.Search(problem, w, own, tolerance, deadline, prediction) is not { } searched) return null;
        if (found is { } f && !(searched.Certificate.Lower > f.Certificate.Lower)) return null;
        return new DualPolish.Found(searched.Prediction, searched.Certificate, found?.Primal);
    }

    /// <summary>
    /// Last, the dual polish with its Newton system equilibrated (<see cref="DualPolish"/>): it certifies where rows many
    /// orders of magnitude apart made the plain system drop the short rows' directions (seed 2160000005's T6). Tried only
    /// when the plain polish and the search did not certify, so that what they certify is unchanged (tried first, the
    /// equilibrated polish led a solve that the plain steps certified to end uncertified: seed 2210000003's T4c). Its result
    /// when it certifies, else the search's with the equilibrated polish's primal point (when it has one) for the caller to judge.
    /// </summary>
    private static DualPolish.Found? Equilibrated(ConvexProblem problem, ConvexPoint w, Certificate own, Vector<double> start,
        double tolerance, DateTime deadline, DualPolish.Found? found)
    {
        var equilibrated = DualPolish.Polish(problem, w, own, start, tolerance, deadline, equilibrated: true);
        if (equilibrated is not { } e) return found;
        if (e.Certificate.WithinGap(tolerance) || found is null) return equilibrated;
        return found.Value with { Primal = e.Primal ?? found.Value.Primal };
    }
}
