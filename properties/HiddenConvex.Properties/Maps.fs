/// M1, M2, M3 (THEORY.md §5, §10): the maps ψ (convex → network) and φ (network → convex).
module HiddenConvex.Properties.Maps

open System
open FsCheck.FSharp
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Networks
open HiddenConvex.Harness.Reporting
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

let private blocksOf (w: ConvexPoint) =
    w.Blocks |> Seq.map (fun b -> { Pattern = string b.Pattern; Sign = b.Sign; W = b.W.ToArray() }) |> Seq.toArray

let arrangementFigure (x: float[][]) (net: NetSpec) title =
    if x.Length > 0 && x[0].Length = 2 then
        [ Figure(title, SvgPlot.Arrangement2D(x, ResizeArray [ for (u, a) in Array.zip net.U net.Alpha -> struct (u, a) ], title)) ]
    else []

// ---------------------------------------------------------------------------------------------
// M1

let psiObjective (c: PointCase) =
    let beta = c.Problem.BetaRatio
    let w = convexPointOf (dim c.Problem.Data) c.Blocks
    let data = datasetOf c.Problem
    let expected, zExpected = convexObjectiveOracle c.Problem beta c.Blocks
    let net = Maps.Psi w
    let observed = NetworkObjective.Value(net, data, lossOf c.Problem, beta)
    let nonzero = c.Blocks |> Array.filter (fun b -> Oracles.norm b.W > 0.0) |> Array.length
    let spec = netSpecOf "core" net
    verdict (problemStamps c.Problem @ [ sizeStamp "blocks" c.Blocks.Length ])
        [ atMost "the generated W is feasible (max relative cone violation)" coneTol (w.MaxConeViolation data.X) 0.0
          agree "L_β(ψ(W)) = L^c_β(W)" objectiveTol observed expected
          // ψ's ReLUs follow the computed signs of x_j·u: on a block at its kink (x_j·w_b = 0 up to rounding) they differ
          // from the pattern by the rounding of the terms and by W's own cone violation, both measured.
          vecAgree "f_ψ(W)(X) = Σ_b γ_b diag(s_b) X w_b" (networkPredictionTol data.X [ w; w ] w) (net.Predict data.X) (vec zExpected)
          exactInt "ψ(W) has one neuron per nonzero block" net.Width nonzero
          within "ψ(W) is scaled: max relative |‖u_i‖ − |α_i||" balanceTol (Oracles.scaledDeviation spec) ]

// ---------------------------------------------------------------------------------------------
// M2

let phiObjective (c: NetCase) =
    let p = enumerate c.Problem
    let beta = c.Problem.BetaRatio
    let net = networkOf (dim c.Problem.Data) c.Net
    let w = Maps.Phi(net, p.Data, p.Patterns)
    let cp = convexProblem p beta
    let lc = cp.Objective w
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let x = c.Problem.Data.X
    let interior =
        Array.zip c.Net.U c.Net.Alpha
        |> Array.forall (fun (u, a) -> a = 0.0 || Oracles.norm u = 0.0 || p.Patterns.Contains(patternOfString (patternString x u)))
    let scaledNm =
        Oracles.scaledDeviation c.Net <= HiddenConvex.Core.Numerics.Tolerances.Balance.At 1.0
        && Oracles.slotColinearityDeviation x c.Net <= HiddenConvex.Core.Numerics.Tolerances.Colinearity.At 1.0
    let outside = w.Blocks |> Seq.tryFind (fun b -> not (p.Patterns.Contains b.Pattern))
    let stamps =
        problemStamps c.Problem @ [ sprintf "net=%s" c.Net.Kind; sizeStamp "m" c.Net.Alpha.Length
                                    (if scaledNm then "class=scaled+nearly-minimal" else "class=other")
                                    (if interior then "slots=interior" else "slots=boundary") ]
    verdict stamps
        ([ vecAgree "f_φ(θ)(X) = f_θ(X)" predictionTol (w.Predict p.X) (net.Predict p.X)
           exact "every block of φ(θ) belongs to S(X)" outside.IsNone (match outside with Some b -> string b.Block | None -> "all in S(X)") "all in S(X)"
           atMost "φ(θ) is feasible (max relative cone violation)" coneTol (w.MaxConeViolation p.X) 0.0
           atMost "L^c_β(φ(θ)) ≤ L_β(θ)" objectiveTol lc l ]
         @ (if scaledNm then [ agree "L^c_β(φ(θ)) = L_β(θ) for a scaled, nearly minimal θ" objectiveTol lc l ] else [])
         @ (if interior then
                [ agree "L_β(θ) − L^c_β(φ(θ)) = (β/2)Σ(‖u‖²+α²) − βΣ_b‖Σ|α|u‖ (zero iff scaled and nearly minimal)"
                      ("Tolerances.Objective at |L_β(θ)|", HiddenConvex.Core.Numerics.Tolerance((snd objectiveTol).At(l), 0.0))
                      (l - lc) (Oracles.phiPenaltyGap x beta c.Net) ]
            else []))

// ---------------------------------------------------------------------------------------------
// M3

let private genMinimalCase =
    gen {
        let! p = genProblem
        let! net = genNetworkOn p.Data.X (dim p.Data) |> Gen.scaleSize id
        // Force minimality: scale every neuron and keep one neuron per slot.
        let neurons =
            Array.zip net.U net.Alpha
            |> Array.filter (fun (u, a) -> a <> 0.0 && Oracles.norm u > 0.0)
            |> Array.map (fun (u, a) -> let r = sqrt (Oracles.norm u * abs a) in u |> Array.map (fun v -> v * r / Oracles.norm u), float (sign a) * r)
            |> Array.distinctBy (fun (u, a) -> patternString p.Data.X u, sign a)
        return { Problem = p; Net = { Kind = minimalNetwork.Kind; U = Array.map fst neurons; Alpha = Array.map snd neurons } }
    }

let arbMinimalCase = Arb.fromGenShrink (genMinimalCase, fun c -> shrinkNet c.Net |> Seq.map (fun n -> { c with Net = { n with Kind = minimalNetwork.Kind } }))

/// Greedy matching of two neuron lists up to order, entrywise within the prediction tolerance.
let private sameNeurons (a: NetSpec) (b: NetSpec) =
    let t = HiddenConvex.Core.Numerics.Tolerances.Prediction
    let key (u: float[], al: float) = Array.append u [| al |]
    let nz (s: NetSpec) = Array.zip s.U s.Alpha |> Array.filter (fun (u, al) -> al <> 0.0 || Oracles.norm u > 0.0) |> Array.map key
    let xs, ys = nz a, nz b
    let scale = Array.append xs ys |> Array.collect id |> Array.fold (fun m v -> max m (abs v)) 0.0
    let close (p: float[]) (q: float[]) = Array.forall2 (fun u v -> abs (u - v) <= t.At scale) p q
    let used = Array.zeroCreate ys.Length
    xs.Length = ys.Length
    && xs |> Array.forall (fun p ->
        match ys |> Array.indexed |> Array.tryFind (fun (i, q) -> not used[i] && close p q) with
        | Some (i, _) -> used[i] <- true; true
        | None -> false)

let roundTripNetwork (c: NetCase) =
    let p = enumerate c.Problem
    let inS = Array.zip c.Net.U c.Net.Alpha |> Array.forall (fun (u, _) -> p.Patterns.Contains(patternOfString (patternString c.Problem.Data.X u)))
    if not inS then verdict (problemStamps c.Problem @ [ "precondition=pattern-not-in-S(X)" ]) []
    else
        let net = networkOf (dim c.Problem.Data) c.Net
        let back = Maps.Psi(Maps.Phi(net, p.Data, p.Patterns)) |> netSpecOf "core"
        verdict (problemStamps c.Problem @ [ sizeStamp "m" c.Net.Alpha.Length ])
            [ exact "ψ(φ(θ)) = θ up to order and zero neurons (minimal θ, patterns in S(X))" (sameNeurons back c.Net)
                  (toJson back) (toJson c.Net) ]

let roundTripPoint (c: PointCase) =
    let p = enumerate c.Problem
    let beta = c.Problem.BetaRatio
    let w = convexPointOf (dim c.Problem.Data) c.Blocks
    let back = Maps.Phi(Maps.Psi w, p.Data, p.Patterns)
    let cp = convexProblem p beta
    let x = c.Problem.Data.X
    let nz = c.Blocks |> Array.filter (fun b -> Oracles.norm b.W > 0.0)
    let colinearPair =
        [ for i in 0 .. nz.Length - 1 do
            for j in i + 1 .. nz.Length - 1 do
                if nz[i].Sign = nz[j].Sign && 1.0 - Oracles.dot nz[i].W nz[j].W / (Oracles.norm nz[i].W * Oracles.norm nz[j].W) <= 1e-6 then yield () ]
        |> List.isEmpty |> not
    // s(w_b) = s_b with a margin: every nonzero row is off the hyperplane by more than the cone
    // tolerance, so the pattern of w_b (and of the rescaled ψ neuron) is not decided by rounding.
    let margin = HiddenConvex.Core.Numerics.Tolerances.Cone.Relative
    let unambiguous (w: float[]) = x |> Array.forall (fun row -> let r = Oracles.norm row in r = 0.0 || abs (Oracles.dot row w) > margin * r * Oracles.norm w)
    let ownPattern = nz |> Array.forall (fun b -> unambiguous b.W && patternString x b.W = b.Pattern && p.Patterns.Contains(patternOfString b.Pattern))
    // THEORY.md §5 claims L^c_β(φ(ψ(W))) = L^c_β(W) in general; that is false when ψ(W) puts two
    // non-colinear neurons in one slot (a block on a face of its cone whose own pattern is another
    // block's, see the regression case psi-phi-face-merge). What holds: ≤ always (M2, ψ(W) is
    // scaled), with the exact value ℓ(z) + β Σ_slots ‖Σ_{b in slot} w_b‖ when every pattern is unambiguous.
    let allUnambiguous = nz |> Array.forall (fun b -> unambiguous b.W)
    let mergedValue () =
        let slots = nz |> Array.groupBy (fun b -> patternString x b.W, b.Sign)
        let penalty = slots |> Array.sumBy (fun (_, g) -> g |> Array.map (fun b -> b.W) |> Array.reduce (Array.map2 (+)) |> Oracles.norm)
        p.Loss.Value(w.Predict p.X, p.Data.Y) + beta * penalty
    let general =
        [ atMost "L^c_β(φ(ψ(W))) ≤ L^c_β(W)" objectiveTol (cp.Objective back) (cp.Objective w)
          vecAgree "φ(ψ(W)) has the prediction of W" (networkPredictionTol p.X [ w; w ] w) (back.Predict p.X) (w.Predict p.X) ]
        @ (if allUnambiguous then
               [ agree "L^c_β(φ(ψ(W))) = ℓ(z) + β Σ_slots ‖Σ w_b‖ over the slots (s(w_b), γ_b) of ψ(W) (= L^c_β(W) when each slot is colinear)"
                     objectiveTol (cp.Objective back) (mergedValue ()) ]
           else [])
    let exactTrip =
        if ownPattern && not colinearPair then
            let expected = nz |> Array.map (fun b -> b.Pattern, b.Sign, b.W) |> Array.sortBy (fun (s, g, _) -> s, g)
            let observed =
                blocksOf back |> Array.filter (fun b -> Oracles.norm b.W > 0.0) |> Array.map (fun b -> b.Pattern, b.Sign, b.W) |> Array.sortBy (fun (s, g, _) -> s, g)
            let t = HiddenConvex.Core.Numerics.Tolerances.Prediction
            let ok =
                observed.Length = expected.Length
                && Array.forall2 (fun (s1, g1, w1: float[]) (s2, g2, w2: float[]) ->
                        s1 = s2 && g1 = g2 && Array.forall2 (fun a b -> abs (a - b) <= t.At(Oracles.norm w2)) w1 w2) observed expected
            [ exact "φ(ψ(W)) = W (no same-sign colinear blocks, s(w_b) = s_b)" ok (toJson observed) (toJson expected) ]
        else []
    verdict (problemStamps c.Problem @ [ (if exactTrip.IsEmpty then "case=general" else "case=exact-round-trip"); (if allUnambiguous then "patterns=unambiguous" else "patterns=on-face") ]) (general @ exactTrip)

let laws =
    [ Law.create "M1" "ψ maps every feasible W to a scaled network with the same objective and the same prediction" arbPointCase (fun _ -> []) psiObjective
      Law.create "M2" "φ keeps the prediction, never increases the objective, and is exact iff the network is scaled and nearly minimal" arbNetCase
          (fun c -> arrangementFigure c.Problem.Data.X c.Net "network θ on the arrangement") phiObjective
      Law.create "M3" "ψ(φ(θ)) = θ up to order and zero neurons for a minimal network with patterns in S(X)" arbMinimalCase
          (fun c -> arrangementFigure c.Problem.Data.X c.Net "minimal network θ") roundTripNetwork
      Law.create "M3" "φ(ψ(W)) keeps the prediction of W, merges only same-slot blocks (objective ≤, = unless merged), and equals W when its blocks are non-colinear with their own patterns" arbPointCase (fun _ -> []) roundTripPoint ]
