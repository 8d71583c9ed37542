/// S1 (THEORY.md §5, §10): splitting a neuron keeps the prediction, the objective and φ.
module HiddenConvex.Properties.Splitting

open FsCheck.FSharp
open HiddenConvex.Core.Convex
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

/// A network, the neuron to split and the weights γ_j ≥ 0 (normalised to Σ γ_j = 1 in the body).
type SplitCase = { Case: NetCase; Neuron: int; Gammas: float[] }

let private genSplit =
    gen {
        let! c0 = genNetCase
        // Splitting needs a neuron: an empty network gets one random neuron.
        let! u = Gen.arrayOfLength (dim c0.Problem.Data) gaussian
        let! a = gaussian
        let c = if c0.Net.Alpha.Length > 0 then c0 else { c0 with Net = { Kind = arbitraryNetwork.Kind; U = [| u |]; Alpha = [| a |] } }
        let! i = Gen.choose (0, max 0 (c.Net.Alpha.Length - 1))
        let! k = Gen.choose (1, 4)
        let! raw = Gen.arrayOfLength k (Gen.frequency [ 4, uniform 0.01 1.0; 1, Gen.constant 0.0 ])
        let raw = if Array.sum raw = 0.0 then Array.append raw [| 1.0 |] else raw
        return { Case = c; Neuron = i; Gammas = raw }
    }

let private shrinkSplit (s: SplitCase) =
    seq {
        if s.Gammas.Length > 1 then yield { s with Gammas = s.Gammas[1..] |> fun g -> if Array.sum g = 0.0 then [| 1.0 |] else g }
        for c in shrinkNetCase s.Case do
            yield { s with Case = c; Neuron = min s.Neuron (max 0 (c.Net.Alpha.Length - 1)) }
    }

let arbSplit = Arb.fromGenShrink (genSplit, shrinkSplit)

let private blockMap (w: ConvexPoint) =
    w.Blocks |> Seq.filter (fun b -> b.W.L2Norm() > 0.0) |> Seq.map (fun b -> string b.Block, b.W) |> Map.ofSeq

let split (s: SplitCase) =
    let c = s.Case
    if c.Net.Alpha.Length = 0 then verdict [ "net=empty" ] []
    else
        let p = enumerate c.Problem
        let beta = c.Problem.BetaRatio
        let gammas = s.Gammas |> Array.map (fun g -> g / Array.sum s.Gammas)
        let net = networkOf (dim c.Problem.Data) c.Net
        let after = NeuronOps.Split(net, s.Neuron, gammas)
        let phi0 = blockMap (Maps.Phi(net, p.Data, p.Patterns))
        let phi1 = blockMap (Maps.Phi(after, p.Data, p.Patterns))
        let t = HiddenConvex.Core.Numerics.Tolerances.Prediction
        let samePhi =
            (Set.ofSeq phi0.Keys) = (Set.ofSeq phi1.Keys)
            && phi0 |> Map.forall (fun k w -> let w1 = phi1[k] in (w - w1).InfinityNorm() <= t.At(w.InfinityNorm()))
        let show (m: Map<string, MathNet.Numerics.LinearAlgebra.Vector<float>>) =
            m |> Map.toList |> List.map (fun (k, v) -> sprintf "%s: [%s]" k (System.String.Join(", ", v.ToArray() |> Array.map fmt))) |> String.concat "; "
        verdict (problemStamps c.Problem @ [ sprintf "net=%s" c.Net.Kind; sizeStamp "parts" gammas.Length ])
            [ exactInt "the split network has width m + (parts − 1)" after.Width (net.Width + gammas.Length - 1)
              vecAgree "f_split(θ)(X) = f_θ(X)" predictionTol (after.Predict p.X) (net.Predict p.X)
              agree "L_β(split θ) = L_β(θ)" objectiveTol (NetworkObjective.Value(after, p.Data, p.Loss, beta)) (NetworkObjective.Value(net, p.Data, p.Loss, beta))
              exact "φ(split θ) = φ(θ) (blockwise, Tolerances.Prediction)" samePhi (show phi1) (show phi0) ]

let laws =
    [ Law.create "S1" "splitting a neuron keeps f_θ and L_β exactly, and φ(split θ) = φ(θ)" arbSplit (fun _ -> []) split ]
