using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// What a claimed solution of the convex program states: its point, its objective, optionally its lower bound and the
/// prediction z′ whose dual vector v = −∇ℓ(z′) proves it (THEORY.md §4.2; W's own prediction when null).
/// </summary>
public sealed record ClaimedSolution(ConvexPoint W, double Objective, double? Lower = null, MathNet.Numerics.LinearAlgebra.Vector<double>? DualPrediction = null)
{
    /// <summary>The claim of a solver result.</summary>
    public static ClaimedSolution Of(SolverResult result) => new(result.W, result.Objective, result.Lower, result.DualPrediction);
}

/// <summary>What a finding of <see cref="SolutionCheck"/> is about.</summary>
public enum SolutionAspect
{
    /// <summary>Every block belongs to the program.</summary>
    Membership,
    /// <summary>Every block lies in its cone.</summary>
    Feasibility,
    /// <summary>The claimed objective is L^c_β(W) recomputed.</summary>
    Objective,
    /// <summary>The lower bound is proven for the full program.</summary>
    Proven,
    /// <summary>The certificate's test holds at ε.</summary>
    Certified,
    /// <summary>A claimed lower bound is the independently recomputed one.</summary>
    Lower,
}

/// <summary>One statement the check verified, with the observed value, what was expected and the tolerance used.</summary>
public sealed record SolutionFinding(SolutionAspect Aspect, string What, string Observed, string Expected, string Tolerance, bool Ok);

/// <summary>The outcome of <see cref="SolutionCheck"/>: every finding, the recomputed objective and the independent certificate.</summary>
public sealed record SolutionCheckResult(IReadOnlyList<SolutionFinding> Findings, double RecomputedObjective, Certificate Certificate)
{
    /// <summary>Every finding holds.</summary>
    public bool Passed => Findings.All(f => f.Ok);

    /// <summary>The finding about one aspect.</summary>
    public SolutionFinding Of(SolutionAspect aspect) => Findings.First(f => f.Aspect == aspect);

    /// <summary>The failed findings, one per line (empty when passed).</summary>
    public string Failures => string.Join(Environment.NewLine, Findings.Where(f => !f.Ok)
        .Select(f => $"{f.What}: observed {f.Observed}, expected {f.Expected} (tolerance {f.Tolerance})"));
}

/// <summary>
/// The one certificate check of a claimed solution, independent of whoever produced it (THEORY.md §3, §4, §10 D2): every
/// block belongs to the program, W is feasible, the claimed objective is L^c_β(W) recomputed, a claimed lower bound is the
/// one <see cref="CertificateChecker"/> recomputes from W (at the claimed dual prediction when there is one: any dual point
/// gives a valid bound, THEORY.md §4.2), the lower bound is proven for the full program, and the
/// certified gap meets ε. Serves the xunit tests, the property suite and `hcv conform`.
/// </summary>
public static class SolutionCheck
{
    /// <summary>
    /// Checks a claim against the program at relative gap ε (the certificate's test, <see cref="Certificate.CertifiedAt"/>), with
    /// cone feasibility judged at <paramref name="cone"/> (default <see cref="Tolerances.Cone"/>: the relative violation of
    /// (2s_j − 1) x_j·w_b ≥ 0 at the scale ‖x_j‖‖w_b‖).
    /// </summary>
    public static SolutionCheckResult Check(ConvexProblem problem, ClaimedSolution claim, double epsilon, Tolerance? cone = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(claim);
        var w = claim.W;
        double objective = problem.Objective(w);
        if (claim.DualPrediction is { } dual)
            Data.InvalidInputException.Require(dual.Count == problem.Data.N && dual.All(double.IsFinite),
                $"the claimed dual prediction must have n = {problem.Data.N} finite entries, got {dual.Count}");
        var certificate = problem.Certify(w, claim.DualPrediction);
        var outside = w.Blocks.FirstOrDefault(b => !problem.Oracle.Includes(b.Block));
        double violation = w.MaxConeViolation(problem.Data.X);
        var coneTolerance = cone ?? Tolerances.Cone;
        var findings = new List<SolutionFinding>
        {
            new(SolutionAspect.Membership, "every block of W belongs to the program's blocks", outside is null ? "all belong" : outside.Block.ToString(),
                "all belong", "exact", outside is null),
            new(SolutionAspect.Feasibility, "W is feasible (max relative cone violation)", Fmt(violation), "≤ 0", $"cone ({coneTolerance})",
                coneTolerance.AtMost(violation, 0)),
            new(SolutionAspect.Objective, "the claimed objective equals L^c_β(W) recomputed", Fmt(claim.Objective), Fmt(objective),
                $"Tolerances.Objective ({Tolerances.Objective})", Tolerances.Objective.Agree(claim.Objective, objective)),
            new(SolutionAspect.Proven, "the lower bound is proven for the full program", certificate.LowerProven ? "proven" : "not proven", "proven", "exact",
                certificate.LowerProven),
            new(SolutionAspect.Certified, "certified at ε: the proven gap Ḡ ≤ ε(|objective| − B) (THEORY.md §4.1)", Fmt(certificate.ProvenGap),
                "≤ " + Fmt(epsilon * (Math.Abs(certificate.Objective) - certificate.ObjectiveRounding)), "exact", certificate.WithinGap(epsilon)),
        };
        if (claim.Lower is { } lower)
            findings.Add(new(SolutionAspect.Lower, "the claimed lower bound is reproduced by the independent certificate", Fmt(lower), Fmt(certificate.Lower),
                $"Tolerances.Objective ({Tolerances.Objective})", Tolerances.Objective.Agree(lower, certificate.Lower)));
        return new SolutionCheckResult(findings, objective, certificate);
    }

    private static string Fmt(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
