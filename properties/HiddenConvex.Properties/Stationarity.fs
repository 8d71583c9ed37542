/// T4a–T4e (THEORY.md §7.1–§7.3, §10): what holds at Clarke ε-stationarity, stated as §7 now proves
/// it. Clarke-stationary networks are scaled within ε/β plus a kink term (T4a) and merge-free only
/// under the §7 condition (T4b); the merge direction is an exact descent direction of every network
/// that is not merge-free (T4c), so directionally stationary networks — the optimal networks of T3 —
/// are merge-free; the gap to θ's own program is bounded by the Clarke measure (T4d); and the §7
/// counterexample (X = I₂, y = (1, 3)) is Clarke-stationary, scaled, not nearly minimal and not
/// optimal on its own slot (T4e): the slides' first claim fails on it.
///
/// Inputs: every network (the NetCase generator, β = BetaRatio, with a kink radius τ drawn among the
/// core's Tolerances.Kink and larger radii), the ε-stationary networks of the ClarkeStationaryNetwork
/// recipe (ψ of a restricted optimum, or trained; β = BetaRatio·β_max, the core's τ), and the optimal
/// networks of T3.
module HiddenConvex.Properties.StationarityLaws

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Verification
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.NetworkGenerators
open HiddenConvex.Properties.SolverUnderTest
open HiddenConvex.Properties.SolvedProblems
open HiddenConvex.Properties.Context

open HiddenConvex.Properties.Clarke

/// A network with the kink radius τ of the enlarged Clarke set (THEORY.md §7.1; relative, as the
/// core's Tolerances.Kink).
type KinkCase = { Case: NetCase; KinkRadius: float }

/// τ: the core's radius mostly, and radii at which random directions do have kink rows.
let private genKinkRadius = Gen.frequency [ 2, Gen.constant Tolerances.Kink.Relative; 1, Gen.constant 1e-3; 1, Gen.constant 0.05 ]

let arbKinkCase =
    Arb.fromGenShrink (
        Gen.map2 (fun c t -> { Case = c; KinkRadius = t }) genNetCase genKinkRadius,
        fun k -> shrinkNetCase k.Case |> Seq.map (fun c -> { k with Case = c }))

let private kinkTolerance (radius: float) = Tolerance(0.0, radius)

/// What a law about a network is given: the core objects, β and the kink radius, and stamps.
type Subject =
    { Data: Dataset
      Loss: Loss
      Beta: float
      Net: Network
      Kink: Tolerance
      Stamps: string list }

let private subjectOfKinkCase (k: KinkCase) =
    let p = k.Case.Problem
    { Data = datasetOf p; Loss = lossOf p; Beta = p.BetaRatio; Net = networkOf (dim p.Data) k.Case.Net; Kink = kinkTolerance k.KinkRadius
      Stamps = problemStamps p @ [ sprintf "net=%s" k.Case.Net.Kind; sprintf "tau=%g" k.KinkRadius; sizeStamp "m" k.Case.Net.Alpha.Length ] }

/// The recipe's network; None when it is not ε-stationary (the case is then vacuous, stamped).
let private subjectOfStationary solver (c: ClarkeStationaryNetwork) =
    let p, beta, regime, net = buildClarkeStationaryNetwork solver c
    if (Stationarity.Measure(net, p.Data, p.Loss, beta)).IsStationary then
        Some { Data = p.Data; Loss = p.Loss; Beta = beta; Net = net; Kink = Tolerances.Kink
               Stamps = problemStamps c.Problem @ [ regime; sprintf "source=%s" c.Source; sizeStamp "m" net.Width; "hypothesis=stationary" ] }
    else None

let private vacuous = verdict [ "hypothesis=not-stationary" ] []

let private exactTol = tol "exact" (Tolerance(0.0, 0.0))

// ---------------------------------------------------------------------------------------------
// T4a: scaled within ε_i/β plus the kink term

/// |‖u_i‖ − |α_i|| ≤ ε_i/β + |α_i|ω_i/(β(‖u_i‖+|α_i|)) for every neuron (THEORY.md §7.2, T4a), with
/// ε_i the neuron's share of the core's element and the rounding of the element added
/// (ShareError/β + 2γ_{d+2}(‖u_i‖+|α_i|) + 2(d+2)η: the norms ‖u_i‖ lose up to η = 2^−1074 per operation
/// when subnormal). The share itself must be computed without squaring underflow (NeuronStationarity.Norm).
let private scaledWithinShare (s: Subject) (f: NetworkFigures) =
    let excess =
        f.Neurons
        |> List.map (fun q ->
            let lhs = abs (q.NormU - abs q.Alpha)
            let sum = q.NormU + abs q.Alpha
            let kinkTerm = if sum = 0.0 then 0.0 else abs q.Alpha * q.Omega / (s.Beta * sum)
            let rounding = q.ShareError / s.Beta + 2.0 * gamma (s.Data.D + 2) * sum + 2.0 * float (s.Data.D + 2) * underflowUnit
            q, lhs, q.Share / s.Beta + kinkTerm + rounding, kinkTerm)
    match excess |> List.sortByDescending (fun (_, lhs, rhs, _) -> lhs - rhs) |> List.tryHead with
    | None -> []
    | Some (q, lhs, rhs, kinkTerm) ->
        [ atMost (sprintf "T4a: |‖u_i‖ − |α_i|| ≤ ε_i/β + |α_i|ω_i/(β(‖u_i‖+|α_i|)) + rounding, worst neuron %d (ε_i = %s, kink term %s, %d kink rows)"
                      q.Index (fmt q.Share) (fmt kinkTerm) q.Kinks.Length)
              (tol "derived bound (THEORY.md §7.2), rounding 2γ_{n+d+2}(‖u‖+|α|)(Σ|∇ℓ_j|‖x_j‖+β)/β + 2γ_{d+2}(‖u‖+|α|)" (Tolerance(0.0, 0.0))) lhs rhs ]

/// For an ε-stationary network: max_i |‖u_i‖ − |α_i|| ≤ ε_stat/β + τ‖θ‖‖X‖_F‖∇ℓ‖/(2√2β) + rounding (the
/// tolerance of "scaled" at stationarity that §7.2 derives from the threshold form of ε_stat).
let private scaledAtStationarity (s: Subject) (f: NetworkFigures) =
    let theta = sqrt (s.Net.SquaredNorm())
    let kinkPart = s.Kink.Relative * theta * s.Data.X.FrobeniusNorm() * f.Gradient.L2Norm() / (2.0 * sqrt 2.0 * s.Beta)
    let worst = f.Neurons |> List.map (fun q -> abs (q.NormU - abs q.Alpha)) |> List.fold max 0.0
    let rounding = f.Neurons |> List.map (fun q -> q.ShareError / s.Beta + 2.0 * gamma (s.Data.D + 2) * (q.NormU + abs q.Alpha) + 2.0 * float (s.Data.D + 2) * underflowUnit) |> List.fold max 0.0
    [ atMost (sprintf "T4a at stationarity: max_i |‖u_i‖ − |α_i|| ≤ ε_stat/β + τ‖θ‖‖X‖_F‖∇ℓ‖/(2√2β) + rounding (ε_stat = %s, measure %s)" (fmt f.Report.Threshold) (fmt f.Report.Measure))
          exactTol worst (f.Report.Threshold / s.Beta + kinkPart + rounding) ]

let t4aEveryNetwork (k: KinkCase) =
    let s = subjectOfKinkCase k
    let f = figures s.Net s.Data s.Loss s.Beta s.Kink
    let kinked = f.Neurons |> List.exists (fun q -> not q.Kinks.IsEmpty)
    verdict (s.Stamps @ [ (if kinked then "kinks=some" else "kinks=none") ]) (scaledWithinShare s f)

let t4aStationary solver (c: ClarkeStationaryNetwork) =
    match subjectOfStationary solver c with
    | None -> vacuous
    | Some s ->
        let f = figures s.Net s.Data s.Loss s.Beta s.Kink
        verdict s.Stamps (scaledWithinShare s f @ scaledAtStationarity s f)

// ---------------------------------------------------------------------------------------------
// T4b: colinearity of co-conic same-sign pairs

/// For every co-conic same-sign pair: 1 − cos ≤ r_ik²|α_i||α_k|/(2‖u_i‖‖u_k‖),
/// r_ik = ‖g_{u,i}‖/(β|α_i|) + ‖g_{u,k}‖/(β|α_k|) + Δ_ik/β (THEORY.md §7.2, T4b). A pair with no kink
/// row has c_i = c_k on every row (co-conic, same signs), so Δ_ik = 0: the second-order bound of the
/// §7 condition. Otherwise Δ_ik = ‖X^T((c_i − c_k)⊙∇ℓ)‖ is read off the two elements
/// (X^T(c_i⊙∇ℓ) = (g_{u,i} − βu_i)/α_i). Rounding: each ‖g_u‖ raised by its ShareError, and 2γ_{2d+4}
/// on the computed 1 − cos.
let private colinearity (s: Subject) (f: NetworkFigures) =
    let pairs = coConicSameSignPairs f
    let b = s.Beta
    let rows =
        pairs |> List.map (fun (qi, qk) ->
            let ai, ak = abs qi.Alpha, abs qk.Alpha
            let offKinks = qi.Kinks.IsEmpty && qk.Kinks.IsEmpty
            let delta, deltaErr =
                if offKinks then 0.0, 0.0
                else
                    let wi = (qi.GU - b * qi.U) / qi.Alpha
                    let wk = (qk.GU - b * qk.U) / qk.Alpha
                    (wi - wk).L2Norm(), (qi.ShareError + b * gamma (s.Data.D + 2) * qi.NormU) / ai + (qk.ShareError + b * gamma (s.Data.D + 2) * qk.NormU) / ak
            let r = (qi.GU.L2Norm() + qi.ShareError) / (b * ai) + (qk.GU.L2Norm() + qk.ShareError) / (b * ak) + (delta + deltaErr) / b
            let bound = r * r * (ai / qi.NormU) * (ak / qk.NormU) / 2.0 + 2.0 * gamma (2 * s.Data.D + 4)
            qi, qk, offKinks, oneMinusCos qi.U qk.U, bound)
    let stamps = [ sizeStamp "co-conic-pairs" pairs.Length; sizeStamp "pairs-off-kinks" (rows |> List.filter (fun (_, _, o, _, _) -> o) |> List.length) ]
    let checks =
        match rows |> List.sortByDescending (fun (_, _, _, lhs, rhs) -> lhs - rhs) |> List.tryHead with
        | None -> []
        | Some (qi, qk, offKinks, lhs, rhs) ->
            [ atMost (sprintf "T4b: 1 − cos(u_%d, u_%d) ≤ r²|α_i||α_k|/(2‖u_i‖‖u_k‖), r = ‖g_u,i‖/(β|α_i|) + ‖g_u,k‖/(β|α_k|) + Δ/β (%s), worst co-conic same-sign pair"
                          qi.Index qk.Index (if offKinks then "no kink row: Δ = 0, the §7 condition" else "Δ read off the elements"))
                  (tol "derived bound (THEORY.md §7.2) with the elements' rounding and 2γ_{2d+4} on 1 − cos" (Tolerance(0.0, 0.0))) lhs rhs ]
    stamps, checks

let t4bEveryNetwork (k: KinkCase) =
    let s = subjectOfKinkCase k
    let stamps, checks = colinearity s (figures s.Net s.Data s.Loss s.Beta s.Kink)
    verdict (s.Stamps @ stamps) checks

let t4bStationary solver (c: ClarkeStationaryNetwork) =
    match subjectOfStationary solver c with
    | None -> vacuous
    | Some s ->
        let stamps, checks = colinearity s (figures s.Net s.Data s.Loss s.Beta s.Kink)
        verdict (s.Stamps @ stamps) checks

// ---------------------------------------------------------------------------------------------
// T4c: the merge direction

/// The merge direction of a co-conic same-sign pair (i with the smaller |α|): δu_k = r u_i, δα_i = −α_i,
/// r = |α_i|/|α_k|; θ + tδ.
let mergeStep (net: Network) (i: int) (k: int) (t: float) =
    let u = net.U.Clone()
    let alpha = net.Alpha.Clone()
    let r = abs alpha[i] / abs alpha[k]
    u.SetRow(k, u.Row(k) + t * r * u.Row(i))
    alpha[i] <- (1.0 - t) * alpha[i]
    Network.Create(u, alpha)

/// Slope s = β(r u_k·u_i − α_i²), ‖δ‖² = r²‖u_i‖² + α_i², best step t* = min(1, −s/(β‖δ‖²)) (T4c).
let mergeFigures beta (qi: NeuronFigures) (qk: NeuronFigures) =
    let r = abs qi.Alpha / abs qk.Alpha
    let s = beta * (r * qk.U.DotProduct(qi.U) - qi.Alpha * qi.Alpha)
    let dd = r * r * qi.NormU * qi.NormU + qi.Alpha * qi.Alpha
    let tStar = if s < 0.0 then min 1.0 (-s / (beta * dd)) else 0.0
    s, dd, tStar

/// The pair ordered so that the first has the smaller |α|.
let private smallerFirst (qa: NeuronFigures, qb: NeuronFigures) = if abs qa.Alpha <= abs qb.Alpha then qa, qb else qb, qa

/// Σ_i |α_i|‖σ(X u_i)‖∞: the scale of the terms f_θ(X) is summed from.
let private predictionTermScale (x: Matrix<float>) (net: Network) =
    net.Neurons() |> Seq.sumBy (fun struct (u, alpha) -> abs alpha * (x * u).PointwiseMaximum(0.0).InfinityNorm())

let t4cEveryNetwork (c: NetCase) =
    let p = c.Problem
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf (dim p.Data) c.Net
    let f = figures net data loss beta Tolerances.Kink
    let pairs = coConicSameSignPairs f |> List.map smallerFirst
    let l = NetworkObjective.Value(net, data, loss, beta)
    let bl = objectiveRounding net data loss beta
    let z = net.Predict data.X
    let pairChecks (qi: NeuronFigures, qk: NeuronFigures) =
        let s, dd, tStar = mergeFigures beta qi qk
        let steps = [ 0.5; 1.0 ] @ (if tStar > 0.0 then [ tStar ] else [])
        let moved = steps |> List.map (fun t -> t, mergeStep net qi.Index qk.Index t)
        let drift = moved |> List.map (fun (_, m) -> (m.Predict data.X - z).InfinityNorm()) |> List.fold max 0.0
        let termScale = moved |> List.map (fun (_, m) -> predictionTermScale data.X m) |> List.fold max (predictionTermScale data.X net)
        let worst =
            moved |> List.map (fun (t, m) ->
                let lt = NetworkObjective.Value(m, data, loss, beta)
                let expected = l + t * s + beta / 2.0 * t * t * dd
                t, lt, expected, bl + objectiveRounding m data loss beta)
            |> List.maxBy (fun (_, lt, e, allow) -> abs (lt - e) - allow)
        let t, lt, expected, allow = worst
        let scaledPair =
            abs (qi.NormU - abs qi.Alpha) <= gamma (data.D + 4) * max qi.NormU (abs qi.Alpha)
            && abs (qk.NormU - abs qk.Alpha) <= gamma (data.D + 4) * max qk.NormU (abs qk.Alpha)
        [ atMost (sprintf "T4c: the merge direction of pair (%d, %d) keeps f_θ(X) for t ∈ {0.5, 1, t*}: max ‖Δf‖∞ at the scale S of its terms" qi.Index qk.Index)
              (sprintf "Tolerances.Prediction at S = %s" (fmt termScale), Tolerance(Tolerances.Prediction.At termScale, 0.0)) drift 0.0
          agree (sprintf "T4c: L_β(θ + tδ) = L_β + t s + (β/2)t²‖δ‖² exactly (pair (%d, %d), t = %s, s = %s)" qi.Index qk.Index (fmt t) (fmt s))
              (sprintf "B(θ) + B(θ + tδ) = %s (THEORY.md §4.1)" (fmt allow), Tolerance(allow, 0.0)) lt expected ]
        @ (if scaledPair then
               let slope = s / sqrt dd
               let bound = -beta * min (abs qi.Alpha) (abs qk.Alpha) * oneMinusCos qi.U qk.U / sqrt 2.0
               let rounding = 2.0 * gamma (data.D + 6) * beta * (qi.Alpha * qi.Alpha + (abs qi.Alpha / abs qk.Alpha) * qk.NormU * qi.NormU) / sqrt dd
               [ atMost (sprintf "T4c: a scaled pair (%d, %d) has slope per unit length s/‖δ‖ ≤ −β min|α| (1 − cos)/√2" qi.Index qk.Index)
                     (sprintf "rounding 2γ_{d+6}β(α_i² + r‖u_k‖‖u_i‖)/‖δ‖ = %s" (fmt rounding), Tolerance(rounding, 0.0)) slope bound ]
           else [])
    verdict (problemStamps p @ [ sprintf "net=%s" c.Net.Kind; sizeStamp "co-conic-pairs" pairs.Length ])
        (pairs |> List.collect pairChecks)

/// On the optimal networks of T3 (directionally stationary, Theorem 7.1): no merge step and no
/// balancing step decreases L_β by more than the certified gap L_β(θ) − lower (both give networks of
/// the same width, hence ≥ P*_m ≥ P*_c ≥ lower), with B(θ) + B(θ') for the rounding: merge-free and
/// scaled, quantitatively.
let t4cOptimalNetworks solver (c: OptimalNetwork) =
    let s, net = buildOptimalNetwork solver c
    let p, beta = s.Instance, s.Beta
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let gap = l - s.Result.Lower
    let bl = objectiveRounding net p.Data p.Loss beta
    let f = figures net p.Data p.Loss beta Tolerances.Kink
    let pairs = coConicSameSignPairs f |> List.map smallerFirst
    let decreaseOf (m: Network) =
        let lm = NetworkObjective.Value(m, p.Data, p.Loss, beta)
        l - lm, bl + objectiveRounding m p.Data p.Loss beta
    let merges =
        pairs |> List.map (fun (qi, qk) ->
            let _, _, tStar = mergeFigures beta qi qk
            sprintf "merge (%d, %d) at t* = %s" qi.Index qk.Index (fmt tStar), decreaseOf (mergeStep net qi.Index qk.Index tStar))
    let balanced = sprintf "balancing every neuron", decreaseOf (NeuronOps.Balance net)
    let what, (decrease, allow) = (balanced :: merges) |> List.maxBy (fun (_, (d, a)) -> d - a)
    verdict (problemStamps c.Problem @ [ s.Regime; sizeStamp "m" net.Width; sizeStamp "co-conic-pairs" pairs.Length ])
        [ exact "the solver certifies the optimum" (s.Result.Status = SolverStatus.Optimal) s.Result.StatusName "optimal"
          atMost (sprintf "T4c on an optimal network: the decrease of L_β by the best step (%s) is at most the certified gap L_β − lower = %s" what (fmt gap))
              (sprintf "B(θ) + B(θ') = %s (THEORY.md §4.1)" (fmt allow), Tolerance(allow, 0.0)) decrease (max gap 0.0) ]

// ---------------------------------------------------------------------------------------------
// T4d: the gap to θ's own program

/// ρ_S(v) over θ's own program with the canonical assignment (THEORY.md §7.1): each neuron with
/// u ≠ 0 ≠ α in the closed cone of its raw pattern s(u_i) = 1[X u_i ≥ 0], sign sign α_i.
let ownProgramPricing (x: Matrix<float>) (net: Network) (v: Vector<float>) =
    net.Neurons()
    |> Seq.filter (fun struct (u, a) -> a <> 0.0 && u.L2Norm() > 0.0)
    |> Seq.map (fun struct (u, a) ->
        let s = ActivationPattern.OfDirection(x, u)
        let masked = Vector<float>.Build.Dense(x.RowCount, fun j -> if s[j] then v[j] else 0.0)
        let g = x.TransposeThisAndMultiply(masked) * float (sign a)
        (ConeProjection.Project(x, s, g)).L2Norm())
    |> Seq.fold max 0.0

/// L_β(θ) − lower_S ≤ (1 − t')L_β + ½t'(‖θ‖‖g‖ + Σ_i|α_i|ω_i), lower_S = −ℓ*(−t v) with t best in
/// [0, min(cap, β/ρ_S)], t' = min(1, β/ρ_S) (THEORY.md §7.2, T4d; the gap identity of §4 on θ's own
/// program, E bounded by Σ|α_i|ω_i). L_β − P_S(θ) ≤ L_β − lower_S, so this bounds the gap to θ's own
/// program. Rounding: B(θ) + B_low + ½‖θ‖ Σ_i ShareError_i.
let private ownProgramGap (s: Subject) (f: NetworkFigures) =
    let l = NetworkObjective.Value(s.Net, s.Data, s.Loss, s.Beta)
    let v = -f.Gradient
    let rhoS = ownProgramPricing s.Data.X s.Net v
    let cap = s.Loss.DualScaleCap
    let tMax = if rhoS > 0.0 then min cap (s.Beta / rhoS) else cap
    let t = s.Loss.BestDualScale(v, s.Data.Y, (if Double.IsPositiveInfinity tMax then Double.MaxValue else tMax))
    let lowerS = s.Loss.NegConjugate(v * t, s.Data.Y)
    let tPrime = if rhoS > 0.0 then min 1.0 (s.Beta / rhoS) else 1.0
    let theta = sqrt (s.Net.SquaredNorm())
    let kinkSum = f.Neurons |> List.sumBy (fun q -> abs q.Alpha * q.Omega)
    let bound = (1.0 - tPrime) * l + 0.5 * tPrime * (theta * f.Report.Measure + kinkSum)
    let rounding =
        objectiveRounding s.Net s.Data s.Loss s.Beta + lowerRounding s.Loss v s.Data.Y t lowerS
        + 0.5 * theta * (f.Neurons |> List.sumBy (fun q -> q.ShareError))
    [ atMost (sprintf "T4d: L_β(θ) − lower_S ≤ (1 − t')L_β + ½t'(‖θ‖‖g‖ + Σ|α_i|ω_i) (ρ_S = %s, β = %s, ‖g‖ = %s)" (fmt rhoS) (fmt s.Beta) (fmt f.Report.Measure))
          (sprintf "B(θ) + B_low + ½‖θ‖Σ(element rounding) = %s (THEORY.md §4.1)" (fmt rounding), Tolerance(rounding, 0.0)) (l - lowerS) bound ]

let t4dEveryNetwork (k: KinkCase) =
    let s = subjectOfKinkCase k
    verdict s.Stamps (ownProgramGap s (figures s.Net s.Data s.Loss s.Beta s.Kink))

let t4dStationary solver (c: ClarkeStationaryNetwork) =
    match subjectOfStationary solver c with
    | None -> vacuous
    | Some s -> verdict s.Stamps (ownProgramGap s (figures s.Net s.Data s.Loss s.Beta s.Kink))

// ---------------------------------------------------------------------------------------------
// T4e: the §7 counterexample

/// The §7 counterexample at β ∈ (0, 1), in units k (U1: y → k y, β → kβ, θ → √k θ), rotated by an
/// signed permutation Q (U4 with an exact Q, so that the kink x₂·u₁ = 0 stays exact: X = Q, u → Qᵀu) and
/// with its two neurons in either order: X = I₂Q, y = k(1, 3),
/// squared loss c = 1, u₁ = (a, 0), α₁ = a, a² = 1 − β; u₂ = (0, b), α₂ = b, b² = 3 − β. The case stores
/// the problem with BetaRatio = kβ (the β of the law, used directly) and the network.
let counterexample (beta: float) (k: float) (quarterTurns: int) (swap: bool) : NetCase =
    let c, s = [| 1.0; 0.0; -1.0; 0.0 |][quarterTurns % 4], [| 0.0; 1.0; 0.0; -1.0 |][quarterTurns % 4]
    let q = [| [| c; s |]; [| 0.0 - s; c |] |] // 0 − s: no −0 in stored cases
    let rotate (u: float[]) = [| c * u[0] - s * u[1]; s * u[0] + c * u[1] |] // Qᵀu
    let a, b = sqrt (1.0 - beta), sqrt (3.0 - beta)
    let rk = sqrt k
    let neurons = [| rotate [| rk * a; 0.0 |], rk * a; rotate [| 0.0; rk * b |], rk * b |]
    let neurons = if swap then Array.rev neurons else neurons
    let rows = q
    { Problem = { Data = { Kind = "signed-permutation"; X = rows; Base = [||]; RowScale = [||] }
                  Y = [| k; 3.0 * k |]; Loss = "squared"; Scale = 1.0; BetaRatio = k * beta }
      Net = { Kind = "section-7-counterexample"; U = Array.map fst neurons; Alpha = Array.map snd neurons } }

let private genCounterexample =
    gen {
        let! beta = uniform 0.05 0.95
        let! k = Gen.frequency [ 2, Gen.constant 1.0; 1, logUniform 1e-2 1e2 ]
        let! turns = Gen.choose (0, 3)
        let! swap = Gen.elements [ false; true ]
        return counterexample beta k turns swap
    }

let arbCounterexample = Arb.fromGenShrink (genCounterexample, fun _ -> Seq.empty)

/// T4e on a case of the §7 counterexample family; the base β and the unit k are read back from the
/// case (k = y₁, β = BetaRatio/k), so a stored case is checked against the closed forms of §7.
let t4eCounterexample solver (c: NetCase) =
    let p = c.Problem
    let k = p.Y[0]
    let beta0 = p.BetaRatio / k
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf 2 c.Net
    let patterns = CellEnumerator.Enumerate data.X
    let l = NetworkObjective.Value(net, data, loss, beta)
    let bl = objectiveRounding net data loss beta
    let stat = Stationarity.Measure(net, data, loss, beta)
    let f = figures net data loss beta Tolerances.Kink
    let scaledDeviation = f.Neurons |> List.map (fun q -> abs (q.NormU - abs q.Alpha) / max q.NormU (abs q.Alpha)) |> List.fold max 0.0
    let slots = NeuronOps.Slots(net, data, patterns)
    let slotPattern = ActivationPattern.OfDirection(data.X, net.U.Row 0)
    let slotCell = patterns.Cells |> Seq.find (fun cell -> cell.Pattern = ActivationPattern.OfDirection(data.X, net.U.Row 0 + net.U.Row 1))
    let own = solver.Solve(ConvexProblem(data, loss, beta, PatternSet([| slotCell |], false, patterns.Rank, "the network's one slot", data.N)))
    let qi, qk = smallerFirst (f.Neurons[0], f.Neurons[1])
    let slope, dd, tStar = mergeFigures beta qi qk
    let merged = mergeStep net qi.Index qk.Index tStar
    let lMerged = NetworkObjective.Value(merged, data, loss, beta)
    let rho = (ExactPricing.Price(data.X, patterns, -(loss.Gradient(net.Predict data.X, data.Y)))).Rho
    let report = OptimalityCheck.Check(net, data, loss, beta, patterns, CheckSettings())
    let eps = Tolerances.DefaultSolverGap
    verdict [ sprintf "k=%s" (if k = 1.0 then "1" else "other"); sprintf "verdict=%s" report.VerdictName ]
        [ atMost "Clarke-stationary: measure ≤ ε_stat" (tol "Tolerances.Stationarity at the gradient scale" stat.Tolerance) stat.Measure stat.Threshold
          atMost "scaled: max |‖u_i‖ − |α_i|| / max(‖u_i‖, |α_i|) ≤ γ_{d+4} (scaled to rounding, §5)" exactTol scaledDeviation (gamma 6)
          exactInt "both neurons share one slot (s(u), sign α) = (11, +)" slots.Count 1
          exact "the slot's pattern is 11" (string slotPattern = "11") (string slotPattern) "11"
          atMost "the two neurons are orthogonal: 1 − cos = 1 (within γ_8)" exactTol (abs (oneMinusCos qi.U qk.U - 1.0)) (gamma 8)
          (let nm = NeuronOps.IsNearlyMinimal(net, data, patterns) in exact "the slides' first claim fails: the network is not nearly minimal" (not nm) (if nm then "nearly minimal" else "not nearly minimal") "not nearly minimal")
          agree "L_β = k²(4β − β²)" objectiveTol l (k * k * (4.0 * beta0 - beta0 * beta0))
          exact "the restricted solve on the slot certifies its optimum" (own.Status = SolverStatus.OptimalRestricted || own.Status = SolverStatus.Optimal) own.StatusName "optimal-restricted"
          agree "P_S = k²(β√10 − β²/2): the optimum on the network's own slot" ("ε = Tolerances.DefaultSolverGap on |P_S|", Tolerance(eps * abs own.Objective, 0.0))
              own.Objective (k * k * (beta0 * sqrt 10.0 - beta0 * beta0 / 2.0))
          exceeds "not optimal on its own slot: L_β − P_S > 0 beyond the solver's gap and B(θ)" (sprintf "B(θ) + ε|P_S| = %s" (fmt (bl + eps * abs own.Objective)), Tolerance(bl + eps * abs own.Objective, 0.0)) l own.Objective
          agree "ρ(v) = kβ√2 > β: an escape neuron exists" pricingTol rho (beta * sqrt 2.0)
          agree "the merge direction's slope s = −k²β(1 − β)" objectiveTol slope (-k * k * beta0 * (1.0 - beta0))
          exceeds "the merge step at t* decreases L_β beyond B(θ) + B(θ')" (sprintf "B(θ) + B(θ') = %s" (fmt (bl + objectiveRounding merged data loss beta)), Tolerance(bl + objectiveRounding merged data loss beta, 0.0)) l lMerged
          exact "the check does not call it optimal" (report.VerdictName <> "optimal") report.VerdictName "not optimal" ]

let laws (solver: SolverUnderTest) =
    [ Law.create "T4a" "every network, every neuron: |‖u_i‖ − |α_i|| ≤ ε_i/β + |α_i|ω_i/(β(‖u_i‖+|α_i|)), ε_i its share of the Clarke element at kink radius τ" arbKinkCase (fun _ -> []) t4aEveryNetwork
      Law.create "T4a" "every ε-stationary network is scaled within ε/β plus the kink term, per neuron with its own share" (arbClarkeStationaryNetwork solver) (fun _ -> []) (t4aStationary solver)
      Law.create "T4b" "every co-conic same-sign pair of every network: 1 − cos ≤ r_ik²|α_i||α_k|/(2‖u_i‖‖u_k‖), with Δ_ik = 0 for a pair off kinks" arbKinkCase (fun _ -> []) t4bEveryNetwork
      Law.create "T4b" "ε-stationary networks are nearly minimal under the §7 condition: every co-conic same-sign pair off kinks has 1 − cos ≤ (ε_i/(β|α_i|) + ε_k/(β|α_k|))²|α_i||α_k|/(2‖u_i‖‖u_k‖)" (arbClarkeStationaryNetwork solver) (fun _ -> []) (t4bStationary solver)
      Law.create "T4c" "every co-conic same-sign pair of every network: the merge direction keeps f_θ(X), L_β(θ + tδ) = L_β + ts + (β/2)t²‖δ‖², and a scaled pair has s/‖δ‖ ≤ −β min|α|(1 − cos)/√2" arbNetCase (fun _ -> []) t4cEveryNetwork
      Law.create "T4c" "optimal networks (directionally stationary) are merge-free and scaled: no merge or balancing step decreases L_β by more than the certified gap" arbOptimalNetwork (fun _ -> []) (t4cOptimalNetworks solver)
      Law.create "T4d" "every network: L_β(θ) − lower_S ≤ (1 − t')L_β + ½t'(‖θ‖‖g‖ + Σ|α_i|ω_i) on θ's own program (raw-pattern cones)" arbKinkCase (fun _ -> []) t4dEveryNetwork
      Law.create "T4d" "every ε-stationary network is optimal on its own program up to ½(‖θ‖ε + Σ|α_i|ω_i) when ρ_S ≤ β, and in general within (1 − t')L_β + ½t'(‖θ‖ε + Σ|α_i|ω_i)" (arbClarkeStationaryNetwork solver) (fun _ -> []) (t4dStationary solver)
      Law.create "T4e" "the §7 counterexample (X = I₂, y = (1,3)) is Clarke-stationary and scaled but not nearly minimal and not optimal on its own slot, has a merge witness and an escape neuron, and the check does not call it optimal: the slides' first claim fails on it" arbCounterexample (fun _ -> []) (t4eCounterexample solver) ]
