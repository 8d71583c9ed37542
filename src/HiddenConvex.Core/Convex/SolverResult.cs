using HiddenConvex.Core.Certificates;

namespace HiddenConvex.Core.Convex;

/// <summary>Why <see cref="ConvexSolver"/> stopped.</summary>
public enum SolverStatus
{
    /// <summary>Certified: the proven gap Ḡ ≤ ε (objective − B) (THEORY.md §4.1), with a lower bound proven for the full program.</summary>
    Optimal,
    /// <summary>
    /// The same gap test holds but the pricing oracle covers only some blocks (a sample, an enumeration that may miss
    /// thin cells, a block subset), so the lower bound is proven only for the restricted program.
    /// </summary>
    OptimalRestricted,
    /// <summary>The outer iteration limit was reached; the best certified bounds are returned.</summary>
    MaxIterations,
    /// <summary>The time limit was reached; the best certified bounds are returned.</summary>
    TimeLimit,
    /// <summary>No further progress possible in floating point before the target gap; best bounds returned.</summary>
    NumericalError,
    /// <summary>Cancelled by the caller; best bounds returned.</summary>
    Cancelled,
}

/// <summary>
/// Result of a certified solve (THEORY.md §3, §4). <see cref="Lower"/> comes from the independent
/// certificate of <see cref="W"/> at its own dual vector or at <see cref="DualPrediction"/>'s (never from the inner solver's own estimates).
/// </summary>
public sealed record SolverResult(
    SolverStatus Status,
    int Iterations,
    int NewtonSteps,
    double Objective,
    double Lower,
    double MaxConeViolation,
    double Seconds,
    ConvexPoint W,
    Certificate Certificate,
    int WorkingSetSize)
{
    /// <summary>
    /// The prediction z′ whose dual vector v = −∇ℓ(z′) gives <see cref="Lower"/> (THEORY.md §4.2), when that is not W's own
    /// prediction (null): a solve whose point misses ε at its own dual vector searches a better one. The certificate is
    /// recomputed from (W, z′) by <see cref="SolutionCheck"/> and <see cref="ConvexProblem.Certify(ConvexPoint, MathNet.Numerics.LinearAlgebra.Vector{double})"/>.
    /// </summary>
    public MathNet.Numerics.LinearAlgebra.Vector<double>? DualPrediction { get; init; }

    /// <summary>Whether <see cref="Lower"/> is proven for the full program (THEORY.md §4), as its certificate says.</summary>
    public bool LowerProven => Certificate.LowerProven;

    /// <summary>objective − lower.</summary>
    public double Gap => Objective - Lower;

    /// <summary>The proven relative gap Ḡ/|objective| of the returned point (THEORY.md §4.1), as its certificate states it.</summary>
    public double RelativeGap => Certificate.RelativeGap;

    /// <summary>Lower-case status as printed by the CLI: optimal, optimal-restricted, max-iterations, time-limit, numerical-error, cancelled.</summary>
    public string StatusName => Status switch
    {
        SolverStatus.Optimal => "optimal",
        SolverStatus.OptimalRestricted => "optimal-restricted",
        SolverStatus.MaxIterations => "max-iterations",
        SolverStatus.TimeLimit => "time-limit",
        SolverStatus.NumericalError => "numerical-error",
        _ => "cancelled",
    };
}
