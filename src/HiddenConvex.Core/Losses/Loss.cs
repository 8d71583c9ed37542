using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Losses;

/// <summary>
/// A convex, separable loss ℓ : R^n → R with an explicit scale c &gt; 0 (THEORY.md §1), its
/// gradient, Hessian diagonal and the negated conjugate −ℓ*(−v) used by the dual (§4).
/// </summary>
public abstract class Loss
{
    /// <summary>The scale c &gt; 0 (default 1).</summary>
    public double Scale { get; }

    /// <summary>Lower-case name as used on the command line and in files (its <see cref="LossNameAttribute"/>).</summary>
    public string Name => LossRegistry.NameOf(GetType());

    /// <summary>What the targets y may be.</summary>
    public abstract TargetDomain Targets { get; }

    /// <summary>Creates a loss with scale c (validated: finite, &gt; 0).</summary>
    protected Loss(double scale) => Scale = Guard.Positive(scale, "loss scale c");

    /// <summary>The registered loss of a name or alias (case-insensitive) with scale c (<see cref="LossRegistry.Create"/>).</summary>
    public static Loss Parse(string name, double scale = 1.0) => LossRegistry.Create(name, scale);

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

    /// <summary>sup_z ℓ''_j(z): c for the squared loss, c/4 for the logistic (THEORY.md §4.1, the rounding bound of L_β).</summary>
    public abstract double CurvatureBound { get; }

    /// <summary>
    /// B_low: a bound on the rounding error of the computed lower bound −ℓ*(−t v) (THEORY.md §4.1), given the computed value.
    /// Any v is admissible, so only the evaluation of the conjugate at t·v is charged.
    /// </summary>
    public abstract double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower);

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
