/// D1, D2 (THEORY.md §4, §10): weak duality and the solver's certificates.
module HiddenConvex.Properties.Duality

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Verification
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Generators
open HiddenConvex.Properties.Context

/// A network (and, for the second law, a convex point) with a seed for the dual vector.
type DualCase = { Case: NetCase; Blocks: BlockSpec[]; Seed: int }

let private genDual =
    gen {
        let! c = genNetCase
        let! blocks = genBlocksOn c.Problem.Data.X (dim c.Problem.Data)
        let! seed = Gen.choose (0, 1_000_000)
        return { Case = c; Blocks = blocks; Seed = seed }
    }

let private shrinkDual (d: DualCase) =
    seq {
        for i in d.Blocks.Length - 1 .. -1 .. 0 do
            yield { d with Blocks = Array.append d.Blocks[.. i - 1] d.Blocks[i + 1 ..] }
        for net in shrinkNet d.Case.Net do
            yield { d with Case = { d.Case with Net = net } }
    }

let arbDual = Arb.fromGenShrink (genDual, shrinkDual)

/// A random dual-feasible v: −v in the domain of ℓ* (logistic: v_j y_j / c ∈ [0, 1]) and ρ(v) ≤ β.
let feasibleDual (p: Problem) (beta: float) (seed: int) =
    let rng = Random seed
    let spec = p.Spec
    let nrows = p.Data.N
    let raw =
        if spec.Loss = "logistic" then Vector<float>.Build.Dense(nrows, fun j -> spec.Scale * spec.Y[j] * rng.NextDouble())
        else Vector<float>.Build.Dense(nrows, fun j -> spec.Scale * (spec.Y[j] + (rng.NextDouble() * 2.0 - 1.0)))
    let rho = (Pricing.Price(p.X, p.Patterns, raw)).Rho
    let v = if rho > beta then raw * (beta / rho) else raw
    v, (Pricing.Price(p.X, p.Patterns, v)).Rho

let weakDualityNetwork (c: DualCase) =
    let p = enumerate c.Case.Problem
    let beta, regime = betaOf p
    let net = networkOf (dim c.Case.Problem.Data) c.Case.Net
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let v, rho = feasibleDual p beta c.Seed
    let dual = p.Loss.NegConjugate(v, p.Data.Y)
    let cert = CertificateChecker.ForNetwork(p.Data, p.Loss, beta, p.Patterns, net)
    verdict (problemStamps c.Case.Problem @ [ regime; sprintf "net=%s" c.Case.Net.Kind ])
        [ atMost "the random dual vector is feasible: ρ(v) ≤ β" pricingTol rho beta
          atMost "weak duality: −ℓ*(−v) ≤ L_β(θ) for a dual-feasible v" objectiveTol dual l
          atMost "the certificate's lower bound of θ is ≤ L_β(θ) (gap ≥ 0)" objectiveTol cert.Lower l
          atMost "the certificate's scaled dual t·v is feasible: t·ρ(v) ≤ β" pricingTol (cert.T * cert.Rho) beta ]

let weakDualityConvex (c: DualCase) =
    let p = enumerate c.Case.Problem
    let beta, regime = betaOf p
    let w = convexPointOf (dim c.Case.Problem.Data) c.Blocks
    let lc = (convexProblem p beta).Objective w
    let v, _ = feasibleDual p beta c.Seed
    let net = networkOf (dim c.Case.Problem.Data) c.Case.Net
    let cert = CertificateChecker.ForNetwork(p.Data, p.Loss, beta, p.Patterns, net)
    verdict (problemStamps c.Case.Problem @ [ regime; sizeStamp "blocks" c.Blocks.Length ])
        [ atMost "weak duality: −ℓ*(−v) ≤ L^c_β(W) for a dual-feasible v and a feasible W" objectiveTol (p.Loss.NegConjugate(v, p.Data.Y)) lc
          atMost "the certificate lower bound of any network is ≤ L^c_β(W) for every feasible W" objectiveTol cert.Lower lc ]

let laws =
    [ Law.create "D1" "weak duality: −ℓ*(−v) ≤ L_β(θ) for every network and every dual-feasible v, and certificates have gap ≥ 0" arbDual (fun _ -> []) weakDualityNetwork
      Law.create "D1" "weak duality: every dual-feasible v and every certificate lower bound is ≤ L^c_β(W) for every feasible W" arbDual (fun _ -> []) weakDualityConvex ]
