/// T4 (THEORY.md §7, §10): every ε-stationary network is nearly minimal and optimal for the convex
/// program restricted to its own slots. The stationary networks come from the ClarkeStationaryNetwork
/// arbitrary (Generators): ψ of the optimum of the program restricted to a random subset of cells
/// (stationary when no block sits on a face of its cone), and networks trained by the trainer until its
/// stationarity test holds.
module HiddenConvex.Properties.StationarityLaws

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Core.Training
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Generators
open HiddenConvex.Properties.Context

/// The certificate of θ over the program restricted to its own slots: lower = −ℓ*(−t v) with
/// ρ_slots(v) = max over slots b of ‖Π_{C_{s_b}}(γ_b Xᵀ diag(s_b) v)‖ (THEORY.md §4 with S = slots(θ)).
let slotLowerBound (p: Problem) beta (net: HiddenConvex.Core.Data.Network) =
    let z = net.Predict p.X
    let v = -(p.Loss.Gradient(z, p.Data.Y))
    let slots = NeuronOps.Slots(net, p.Data, p.Patterns)
    let rho =
        slots
        |> Seq.map (fun s ->
            let masked = Vector<float>.Build.Dense(p.Data.N, fun j -> if s.Block.Pattern[j] then v[j] else 0.0)
            let g = p.X.TransposeThisAndMultiply(masked) * float s.Block.Sign
            (ConeProjection.Project(p.X, s.Block.Pattern, g)).L2Norm())
        |> Seq.fold max 0.0
    let tMax = if rho > 0.0 then min p.Loss.DualScaleCap (beta / rho) else p.Loss.DualScaleCap
    let t = p.Loss.BestDualScale(v, p.Data.Y, tMax)
    p.Loss.NegConjugate(v * t, p.Data.Y), slots.Count

/// T4 on a network drawn by the ClarkeStationaryNetwork arbitrary (Generators); the hypothesis is
/// tested again here, so a stored or replayed input that is not stationary makes the case vacuous.
let stationaryIsNearlyMinimal (c: ClarkeStationaryNetwork) =
    let p, beta, regime, net = buildClarkeStationaryNetwork c
    let report = Stationarity.Measure(net, p.Data, p.Loss, beta)
    let eps = report.Threshold
    let spec = netSpecOf c.Source net
    // A neuron of size r = ‖(u, α)‖ moves the gradient by at most r·(β + ‖X‖₂‖∇ℓ‖): when that is
    // below ε the ε-stationarity test cannot tell it from a zero neuron, so it is treated as zero.
    let gradScale = beta + p.X.L2Norm() * (p.Loss.Gradient(net.Predict p.X, p.Data.Y)).L2Norm()
    let negligible = eps / gradScale
    let live = Array.zip spec.U spec.Alpha |> Array.filter (fun (u, a) -> a <> 0.0 && Oracles.norm u > 0.0 && sqrt (Oracles.dot u u + a * a) > negligible)
    let dropped = (Array.zip spec.U spec.Alpha |> Array.filter (fun (u, a) -> a <> 0.0 && Oracles.norm u > 0.0)).Length - live.Length
    let net = if dropped = 0 then net else networkOf (dim c.Problem.Data) { spec with U = Array.map fst live; Alpha = Array.map snd live }
    let stamps = problemStamps c.Problem @ [ regime; sprintf "source=%s" c.Source; sizeStamp "m" live.Length; sizeStamp "negligible-neurons" dropped ]
    if not report.IsStationary || live.Length = 0 then
        verdict (stamps @ [ (if live.Length = 0 then "hypothesis=zero-network" else "hypothesis=not-stationary") ]) []
    else
        let minAlpha = live |> Array.map (snd >> abs) |> Array.min
        let scaledGap = live |> Array.map (fun (u, a) -> abs (Oracles.norm u - abs a)) |> Array.max
        let cosTol = Tolerances.Colinearity.Absolute + 2.0 * eps / (beta * minAlpha)
        let colinear = Oracles.slotColinearityDeviation c.Problem.Data.X { spec with U = Array.map fst live; Alpha = Array.map snd live }
        let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
        let lower, slotCount = slotLowerBound p beta net
        // An ε-stationary θ is optimal on its slots up to first order in ε: the gap is at most
        // ε·R with R the distance to a slot optimum, estimated by ‖θ‖ (both sides are O(‖θ‖)).
        let thetaNorm = sqrt (net.SquaredNorm())
        let gapTol = sprintf "Tolerances.CheckGap·max(1,|L_β|) + ε·‖θ‖ (ε = %s, ‖θ‖ = %s)" (fmt eps) (fmt thetaNorm),
                     Tolerance(Tolerances.CheckGap * max 1.0 (abs l) + eps * thetaNorm, 0.0)
        verdict (stamps @ [ "hypothesis=stationary"; sizeStamp "slots" slotCount ])
            [ atMost (sprintf "scaled: max |‖u_i‖ − |α_i|| ≤ ε/β (ε = %s)" (fmt eps)) (tol "exact" (Tolerance(0.0, 0.0))) scaledGap (eps / beta + Tolerances.Balance.At(minAlpha))
              atMost "nearly minimal: 1 − cos within each slot ≤ Colinearity.Absolute + 2ε/(β·min|α|)" (tol "exact" (Tolerance(0.0, 0.0))) colinear cosTol
              agree "L_β(θ) equals the optimum of the convex program restricted to slots(θ) (certificate over the slots)" gapTol lower l ]

let laws =
    [ Law.create "T4" "every ε-stationary network is scaled, nearly minimal, and optimal for the convex program restricted to its own slots" arbClarkeStationaryNetwork (fun _ -> []) stationaryIsNearlyMinimal ]
