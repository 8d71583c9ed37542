/// I1 (THEORY.md §10): invariances under row permutation, neuron permutation, X → XQ and scaling.
module HiddenConvex.Properties.Invariances

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Networks
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

/// A case and a seed for the permutation / orthogonal matrix drawn in the body.
type InvCase = { Case: NetCase; Seed: int }

let arbInv =
    Arb.fromGenShrink (
        Gen.map2 (fun c s -> { Case = c; Seed = s }) genNetCase (Gen.choose (0, 1_000_000)),
        fun c -> shrinkNetCase c.Case |> Seq.map (fun x -> { c with Case = x }))

/// A random orthogonal d×d matrix (Q of the QR factorisation of a Gaussian matrix).
let orthogonal (rng: Random) d =
    let gauss () = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * Math.PI * rng.NextDouble())
    Matrix<float>.Build.Dense(d, d, fun _ _ -> gauss ()).QR().Q

let private stamps (c: InvCase) = problemStamps c.Case.Problem @ [ sizeStamp "m" c.Case.Net.Alpha.Length ]

let neuronPermutation (c: InvCase) =
    let p = c.Case.Problem
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf (dim p.Data) c.Case.Net
    let perm = permutation (Random c.Seed) net.Width
    let permuted = net.PermuteNeurons perm
    verdict (stamps c)
        [ agree "L_β(θ permuted) = L_β(θ)" objectiveTol (NetworkObjective.Value(permuted, data, loss, beta)) (NetworkObjective.Value(net, data, loss, beta))
          vecAgree "f(θ permuted) = f(θ)" predictionTol (permuted.Predict data.X) (net.Predict data.X) ]

let rowPermutation (c: InvCase) =
    let p = c.Case.Problem
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf (dim p.Data) c.Case.Net
    let perm = permutation (Random c.Seed) data.N
    let pdata = data.PermuteRows perm
    let z, pz = net.Predict data.X, net.Predict pdata.X
    verdict (stamps c)
        [ agree "L_β(θ) on (PX, Py) = L_β(θ) on (X, y)" objectiveTol (NetworkObjective.Value(net, pdata, loss, beta)) (NetworkObjective.Value(net, data, loss, beta))
          vecAgree "f_θ(PX) = P f_θ(X)" predictionTol pz (Vector<float>.Build.Dense(data.N, fun k -> z[perm[k]])) ]

let rotation (c: InvCase) =
    let p = c.Case.Problem
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf (dim p.Data) c.Case.Net
    let q = orthogonal (Random c.Seed) data.D
    let rdata = data.WithX(data.X * q)
    let rnet = HiddenConvex.Core.Data.Network.Create((if net.Width = 0 then net.U else net.U * q), net.Alpha)
    verdict (stamps c)
        [ agree "L_β(Qᵀu) on XQ = L_β(u) on X" objectiveTol (NetworkObjective.Value(rnet, rdata, loss, beta)) (NetworkObjective.Value(net, data, loss, beta))
          vecAgree "f on XQ with Qᵀu = f on X" predictionTol (rnet.Predict rdata.X) (net.Predict data.X) ]

let patternsInvariant (c: InvCase) =
    let p = c.Case.Problem
    let data = datasetOf p
    let rng = Random c.Seed
    let perm = permutation rng data.N
    let q = orthogonal rng data.D
    let s = CellEnumerator.Enumerate data.X
    let sp = CellEnumerator.Enumerate (data.PermuteRows perm).X
    let sq = CellEnumerator.Enumerate (data.X * q)
    let permutedPatterns = s.Patterns |> Seq.map (fun pat -> string (pat.Permute perm)) |> Set.ofSeq
    let missing = Set.difference permutedPatterns (sp.Patterns |> Seq.map string |> Set.ofSeq)
    let qMissing = Set.difference (s.Patterns |> Seq.map string |> Set.ofSeq) (sq.Patterns |> Seq.map string |> Set.ofSeq)
    verdict (problemStamps p)
        [ exactInt "|S(PX)| = |S(X)|" sp.Count s.Count
          exact "S(PX) = P S(X) (patterns permute with the rows)" missing.IsEmpty (sprintf "%d patterns of P S(X) missing, e.g. %s" missing.Count (missing |> Seq.truncate 3 |> String.concat ",")) "none missing"
          exactInt "|S(XQ)| = |S(X)| for orthogonal Q" sq.Count s.Count
          exact "S(XQ) = S(X)" qMissing.IsEmpty (sprintf "%d missing, e.g. %s" qMissing.Count (qMissing |> Seq.truncate 3 |> String.concat ",")) "none missing" ]

let pricingInvariant (c: InvCase) =
    let p = c.Case.Problem
    let data = datasetOf p
    let rng = Random c.Seed
    let perm = permutation rng data.N
    let q = orthogonal rng data.D
    let v = Vector<float>.Build.Dense(data.N, fun _ -> rng.NextDouble() * 2.0 - 1.0)
    let s = CellEnumerator.Enumerate data.X
    let rho = (ExactPricing.Price(data.X, s, v)).Rho
    let px = (data.PermuteRows perm).X
    let rhoP = (ExactPricing.Price(px, CellEnumerator.Enumerate px, Vector<float>.Build.Dense(data.N, fun k -> v[perm[k]]))).Rho
    let xq = data.X * q
    let rhoQ = (ExactPricing.Price(xq, CellEnumerator.Enumerate xq, v)).Rho
    verdict (problemStamps p)
        [ agree "ρ(Pv) on PX = ρ(v) on X" pricingTol rhoP rho
          agree "ρ(v) on XQ = ρ(v) on X" pricingTol rhoQ rho ]

let laws =
    [ Law.create "I1" "L_β and f_θ are invariant under any permutation of the neurons" arbInv (fun _ -> []) neuronPermutation
      Law.create "I1" "permuting the rows of (X, y) keeps L_β and permutes f_θ(X)" arbInv (fun _ -> []) rowPermutation
      Law.create "I1" "X → XQ with orthogonal Q and u → Qᵀu keep L_β and f_θ(X)" arbInv (fun _ -> []) rotation
      Law.create "I1" "the cell patterns permute with the rows and are unchanged by X → XQ" arbInv (fun _ -> []) patternsInvariant
      Law.create "I1" "the pricing value ρ(v) is invariant under row permutation (v permuted) and X → XQ" arbInv (fun _ -> []) pricingInvariant ]
