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
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Core.Training
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.DataGenerators
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.NetworkGenerators
open HiddenConvex.Properties.PointGenerators
open HiddenConvex.Properties.SolverUnderTest
open HiddenConvex.Properties.SolvedProblems
open HiddenConvex.Properties.Context

/// Kink rows of the neurons of a slot: |x_j·u_i| ≤ Tolerances.Kink (THEORY.md §7), for any neuron i of the slot.
let private slotKinkRows (x: Matrix<float>) (net: HiddenConvex.Core.Data.Network) (slot: Slot) =
    [ for j in 0 .. x.RowCount - 1 do
        let xj = x.Row j
        if slot.Neurons |> Seq.exists (fun i ->
               let u = net.U.Row i
               abs (xj.DotProduct u) <= Tolerances.Kink.Absolute + Tolerances.Kink.Relative * xj.L2Norm() * u.L2Norm()) then
            yield j ]

/// The certificate of θ over the program restricted to its own slots, each slot's cone C_s cut down to the face
/// F = {w ∈ C_s : x_j·w = 0 on the slot's kink rows}: lower = −ℓ*(−t v) with
/// ρ_slots(v) = max over slots b of ‖Π_{F_b}(γ_b Xᵀ diag(s_b) v)‖ (THEORY.md §4 with S = slots(θ)).
/// Why the face: a Clarke-stationary neuron on a kink (some x_j·u = 0) is optimal for the program on the face it
/// lies on, not always on its whole slot cone. Counterexample to §7 as written (T4 regression
/// `t4-kink-on-duplicate-rows`): a neuron with x_4·u = x_5·u = 0 on two equal rows is Clarke-stationary
/// (coefficients 0 on the kink rows) and optimal on the cone where those rows are inactive, while its slot
/// s(u) = 1[Xu ≥ 0] counts them active and the program on that slot reaches 9.7452 < L_β(θ) = 9.8761.
let slotLowerBound (p: Problem) beta (net: HiddenConvex.Core.Data.Network) =
    let z = net.Predict p.X
    let v = -(p.Loss.Gradient(z, p.Data.Y))
    let slots = NeuronOps.Slots(net, p.Data, p.Patterns)
    let rho =
        slots
        |> Seq.map (fun s ->
            let masked = Vector<float>.Build.Dense(p.Data.N, fun j -> if s.Block.Pattern[j] then v[j] else 0.0)
            let g = p.X.TransposeThisAndMultiply(masked) * float s.Block.Sign
            let cone = Cones.ConstraintMatrix(p.X, s.Block.Pattern)
            let kinks = slotKinkRows p.X net s
            let face = if kinks.IsEmpty then cone else cone.Stack(Matrix<float>.Build.DenseOfRowVectors(kinks |> List.map (fun j -> -(p.X.Row j))))
            (ConeProjection.Project(face, g)).L2Norm())
        |> Seq.fold max 0.0
    let tMax = if rho > 0.0 then min p.Loss.DualScaleCap (beta / rho) else p.Loss.DualScaleCap
    let t = p.Loss.BestDualScale(v, p.Data.Y, tMax)
    p.Loss.NegConjugate(v * t, p.Data.Y), slots.Count

/// T4 on a network drawn by the ClarkeStationaryNetwork arbitrary (Generators); the hypothesis is
/// tested again here, so a stored or replayed input that is not stationary makes the case vacuous.
let stationaryIsNearlyMinimal solver (c: ClarkeStationaryNetwork) =
    let p, beta, regime, net = buildClarkeStationaryNetwork solver c
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
              agree "L_β(θ) equals the optimum of the convex program restricted to slots(θ), on the faces of its kinks (certificate over those faces)" gapTol lower l ]

let laws (solver: SolverUnderTest) =
    [ Law.create "T4" "every ε-stationary network is scaled, nearly minimal, and optimal for the convex program restricted to its own slots (on the faces of its kinks)" (arbClarkeStationaryNetwork solver) (fun _ -> []) (stationaryIsNearlyMinimal solver) ]
