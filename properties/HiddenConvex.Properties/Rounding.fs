/// Rounding allowances derived as THEORY.md §4.1 derives them (u = 2^−53, γ_k = k u/(1 − k u)),
/// evaluated from computed figures and doubled (which covers the O(u²) terms and the evaluation of
/// the bound itself). They are bounds used as derived, never tuned constants: each transforms like
/// the figure it bounds (objective values like L_β, norms like ‖θ‖, dimensionless figures not at all).
module HiddenConvex.Properties.Rounding

open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses

/// The unit roundoff of double precision, 2^−53.
let unitRoundoff = System.Math.Pow(2.0, -53.0)

/// γ_k = k u / (1 − k u): the relative error bound of a sum or product of k roundings (Higham).
let gamma (k: int) = float k * unitRoundoff / (1.0 - float k * unitRoundoff)

/// sup ℓ″ of a separable loss (THEORY.md §4.1: c for squared, c/4 for logistic). For the registered
/// losses the supremum is attained at z = 0 (squared: constant; logistic: σ(1 − σ) ≤ 1/4 at 0).
let curvatureBound (loss: Loss) (y: Vector<float>) =
    (loss.HessianDiagonal(Vector<float>.Build.Dense(y.Count), y)).AbsoluteMaximum()

/// Σ_i |α_i| ‖u_i‖ (the scale of f_θ's terms per unit row norm).
let private absoluteWeight (net: Network) =
    net.Neurons() |> Seq.sumBy (fun struct (u, a) -> abs a * u.L2Norm())

/// B(θ) of THEORY.md §4.1, doubled: a bound on |L̂ − L_β(θ)| for the computed L̂ = NetworkObjective.Value.
/// e_j = γ_{d+m+1} ‖x_j‖ Σ_i |α_i|‖u_i‖ bounds the error of the computed z_j;
/// B = γ_{n+5} ℓ(ẑ) + Σ_j |∇ℓ_j(ẑ)| e_j + (ℓ″_max/2) Σ_j e_j² + γ_{p+2} R(θ) + u L̂, p = m(d+1), R = (β/2)‖θ‖².
let objectiveBound (net: Network) (data: Dataset) (loss: Loss) (beta: float) (lHat: float) =
    let n, d, m = data.N, data.D, net.Width
    let z = net.Predict data.X
    let g = loss.Gradient(z, data.Y)
    let w = absoluteWeight net
    let e = Array.init n (fun j -> gamma (d + m + 1) * data.X.Row(j).L2Norm() * w)
    let r = beta / 2.0 * net.SquaredNorm()
    let b =
        gamma (n + 5) * abs (loss.Value(z, data.Y))
        + Array.fold2 (fun s (gj: float) ej -> s + abs gj * ej) 0.0 (g.ToArray()) e
        + curvatureBound loss data.Y / 2.0 * Array.sumBy (fun ej -> ej * ej) e
        + gamma (m * (d + 1) + 2) * r
        + unitRoundoff * abs lHat
    2.0 * b

/// B_low of THEORY.md §4.1, doubled: a bound on the rounding of the computed lower bound −ℓ*(−t v).
/// Squared: γ_{n+3}(t |v|·|y| + t²‖v‖²/(2c)) + u |lower̂|; otherwise (the terms −c H(·) ≥ 0 do not
/// cancel) γ_{n+6} |lower̂|.
let lowerBound (loss: Loss) (v: Vector<float>) (y: Vector<float>) (t: float) (lowerHat: float) =
    match loss with
    | :? SquaredLoss ->
        let vy = v.PointwiseAbs().DotProduct(y.PointwiseAbs())
        2.0 * (gamma (y.Count + 3) * (t * vy + t * t * v.DotProduct v / (2.0 * loss.Scale)) + unitRoundoff * abs lowerHat)
    | _ -> 2.0 * gamma (y.Count + 6) * abs lowerHat
