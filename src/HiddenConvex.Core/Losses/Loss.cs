using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Losses;

/// <summary>Which convex loss ℓ (THEORY.md §1).</summary>
public enum LossKind
{
    /// <summary>ℓ(z) = (c/2) Σ (z_j − y_j)².</summary>
    Squared,
    /// <summary>ℓ(z) = c Σ log(1 + exp(−y_j z_j)), y ∈ {−1, +1}^n.</summary>
    Logistic,
}

/// <summary>
/// A convex, separable loss ℓ : R^n → R with an explicit scale c &gt; 0 (THEORY.md §1), its
/// gradient, Hessian diagonal and the negated conjugate −ℓ*(−v) used by the dual (§4).
/// </summary>
public abstract class Loss
{
    /// <summary>The scale c &gt; 0 (default 1).</summary>
    public double Scale { get; }

    /// <summary>Which loss this is.</summary>
    public abstract LossKind Kind { get; }

    /// <summary>Lower-case name as used on the command line: "squared" or "logistic".</summary>
    public string Name => Kind == LossKind.Squared ? "squared" : "logistic";

    /// <summary>Creates a loss with scale c (validated: finite, &gt; 0).</summary>
    protected Loss(double scale) => Scale = Guard.Positive(scale, "loss scale c");

    /// <summary>Factory: the loss of a kind with scale c.</summary>
    public static Loss Create(LossKind kind, double scale = 1.0) => kind switch
    {
        LossKind.Squared => new SquaredLoss(scale),
        LossKind.Logistic => new LogisticLoss(scale),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses "squared" or "logistic" (case-insensitive); anything else is an input error.</summary>
    public static Loss Parse(string name, double scale = 1.0) => name.Trim().ToLowerInvariant() switch
    {
        "squared" or "square" or "mse" => new SquaredLoss(scale),
        "logistic" or "logit" => new LogisticLoss(scale),
        _ => throw new InvalidInputException($"unknown loss '{name}': expected 'squared' or 'logistic'"),
    };

    /// <summary>ℓ(z) for targets y.</summary>
    public abstract double Value(Vector<double> z, Vector<double> y);

    /// <summary>∇ℓ(z) for targets y.</summary>
    public abstract Vector<double> Gradient(Vector<double> z, Vector<double> y);

    /// <summary>Diagonal of ∇²ℓ(z) (both losses are separable).</summary>
    public abstract Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y);

    /// <summary>
    /// The dual objective −ℓ*(−v) of THEORY.md §4; −∞ when −v is outside the domain of ℓ*.
    /// </summary>
    public abstract double NegConjugate(Vector<double> v, Vector<double> y);

    /// <summary>
    /// argmax over t ∈ [0, tMax] of the concave −ℓ*(−t v) (THEORY.md §4, certificate step).
    /// Closed form for squared loss, a 1-D concave search for logistic.
    /// </summary>
    public abstract double BestDualScale(Vector<double> v, Vector<double> y, double tMax);

    /// <summary>The largest t for which t·v stays in the domain of −ℓ*(−·) when v = −∇ℓ(z): ∞ (squared) or 1 (logistic).</summary>
    public abstract double DualScaleCap { get; }

    /// <summary>Rejects targets the loss cannot take (non-±1 labels for logistic), naming the position.</summary>
    public virtual void ValidateTargets(Vector<double> y, string source) => Guard.Finite(y, source, "y");

    /// <summary>Checks that z and y have equal length.</summary>
    protected static void SameLength(Vector<double> z, Vector<double> y)
    {
        if (z.Count != y.Count)
            throw new InvalidInputException($"prediction has {z.Count} entries but y has {y.Count}");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (c = {Scale:G6})";
}
