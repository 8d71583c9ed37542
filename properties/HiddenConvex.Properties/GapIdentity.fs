/// D5 (THEORY.md §4, §10): the gap identity L_β(θ) + ℓ*(−v) = ½(θ·g − E) for every element g of the
/// (kink-enlarged) Clarke set, and the bound it gives on the certified gap; R1 (§4.1): the computed
/// L_β is within B(θ) of the exact value.
module HiddenConvex.Properties.GapIdentity

open System
open System.Numerics
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.NetworkGenerators
open HiddenConvex.Properties.SolvedProblems
open HiddenConvex.Properties.Context

open HiddenConvex.Properties.Clarke
open HiddenConvex.Properties.StationarityLaws

/// A network, its kink radius, and a seed for the multipliers of the element (random in [0, 1] on the
/// kink rows: "every element of the Clarke set").
type IdentityCase = { Kinked: KinkCase; Seed: int }

let arbIdentityCase =
    Arb.fromGenShrink (
        Gen.map2 (fun k s -> { Kinked = k; Seed = s }) arbKinkCase.Generator (Gen.choose (0, 1_000_000)),
        fun c -> arbKinkCase.Shrinker c.Kinked |> Seq.map (fun k -> { c with Kinked = k }))

let gapIdentity (c: IdentityCase) =
    let spec = c.Kinked.Case.Problem
    let p = enumerate spec
    let beta, regime = betaOf p
    let net = networkOf (dim spec.Data) c.Kinked.Case.Net
    let data, loss, x = p.Data, p.Loss, p.X
    let rng = Random c.Seed
    let kink = Tolerance(0.0, c.Kinked.KinkRadius)
    let f = figures net data loss beta kink
    let g = f.Gradient
    let v = -g
    let l = NetworkObjective.Value(net, data, loss, beta)
    let negConj = loss.NegConjugate(v, data.Y)
    // An element of the enlarged Clarke set: c_ij = 1[x_j·u_i > 0] off the kink rows, uniform in [0, 1] on them.
    let mutable thetaDotG = 0.0
    let mutable e = 0.0
    let mutable absTerms = 0.0
    for q in f.Neurons do
        let i = q.Index
        let cs = Array.init data.N (fun j -> if List.contains j q.Kinks then rng.NextDouble() elif f.Pre[j, i] > 0.0 then 1.0 else 0.0)
        let sigma = Array.init data.N (fun j -> max f.Pre[j, i] 0.0)
        let gAlpha = Seq.sum (seq { for j in 0 .. data.N - 1 -> sigma[j] * g[j] }) + beta * q.Alpha
        let gU = q.Alpha * x.TransposeThisAndMultiply(Vector<float>.Build.Dense(data.N, fun j -> cs[j] * g[j])) + beta * q.U
        thetaDotG <- thetaDotG + q.Alpha * gAlpha + q.U.DotProduct(gU)
        e <- e + q.Alpha * (q.Kinks |> List.sumBy (fun j -> (cs[j] * f.Pre[j, i] - sigma[j]) * g[j]))
        absTerms <- absTerms + abs q.Alpha * Seq.sum (seq { for j in 0 .. data.N - 1 -> abs g[j] * (sigma[j] + 2.0 * x.Row(j).L2Norm() * q.NormU) }) + beta * (q.Alpha * q.Alpha + q.NormU * q.NormU)
    let identityAllowance = objectiveRounding net data loss beta + lowerRounding loss v data.Y 1.0 negConj + 2.0 * gamma (data.N + data.D + 4) * absTerms
    // The certificate of θ (the core's) against the bound of the identity with the core's own element.
    let cert = NetworkCertificate.For(data, loss, beta, p.Patterns, net)
    let core = figures net data loss beta Tolerances.Kink
    let tPrime = if cert.Rho > 0.0 then min 1.0 (beta / cert.Rho) else 1.0
    let theta = sqrt (net.SquaredNorm())
    let bound = (1.0 - tPrime) * l + 0.5 * (theta * core.Report.Measure + (core.Neurons |> List.sumBy (fun q -> abs q.Alpha * q.Omega)))
    let boundAllowance =
        objectiveRounding net data loss beta + lowerRounding loss cert.V data.Y cert.T cert.Lower
        + 0.5 * theta * (core.Neurons |> List.sumBy (fun q -> q.ShareError))
    let kinked = f.Neurons |> List.exists (fun q -> not q.Kinks.IsEmpty)
    verdict (problemStamps spec @ [ regime; sprintf "net=%s" c.Kinked.Case.Net.Kind; sprintf "tau=%g" c.Kinked.KinkRadius; (if kinked then "kinks=some" else "kinks=none") ])
        [ agree "gap identity: L_β(θ) + ℓ*(−v) = ½(θ·g − E) for an element g with random multipliers on the kink rows"
              (sprintf "B(θ) + B_low + 2γ_{n+d+4}·(sum of the terms' magnitudes) = %s (THEORY.md §4.1)" (fmt identityAllowance), Tolerance(identityAllowance, 0.0))
              (l - negConj) (0.5 * (thetaDotG - e))
          atMost (sprintf "the certified gap ≤ (1 − t')L_β + ½(‖θ‖‖g‖ + Σ|α_i|ω_i), g the core's Clarke element (t' = %s)" (fmt tPrime))
              (sprintf "B(θ) + B_low + ½‖θ‖Σ(element rounding) = %s" (fmt boundAllowance), Tolerance(boundAllowance, 0.0)) cert.Gap bound ]

// ---------------------------------------------------------------------------------------------
// R1: |L̂ − L_β(θ)| ≤ B(θ) against an exact recomputation

/// An exact dyadic rational m·2^e (every double is one; sums and products of them are exact).
[<Struct>]
type Dyadic =
    { M: BigInteger
      E: int }

module Dyadic =
    let zero = { M = BigInteger.Zero; E = 0 }

    let ofFloat (x: float) =
        if Double.IsNaN x || Double.IsInfinity x then invalidArg "x" "not finite"
        elif x = 0.0 then zero
        else
            let bits = BitConverter.DoubleToInt64Bits x
            let exponent = int ((bits >>> 52) &&& 0x7FFL)
            let fraction = bits &&& 0xFFFFFFFFFFFFFL
            let m, e = if exponent = 0 then fraction, -1074 else fraction ||| (1L <<< 52), exponent - 1075
            { M = (if x < 0.0 then -(BigInteger m) else BigInteger m); E = e }

    let private align (a: Dyadic) (b: Dyadic) =
        let e = min a.E b.E
        a.M <<< (a.E - e), b.M <<< (b.E - e), e

    let add (a: Dyadic) (b: Dyadic) = let x, y, e = align a b in { M = x + y; E = e }
    let sub (a: Dyadic) (b: Dyadic) = let x, y, e = align a b in { M = x - y; E = e }
    let mul (a: Dyadic) (b: Dyadic) = { M = a.M * b.M; E = a.E + b.E }
    let sign (a: Dyadic) = a.M.Sign
    let abs (a: Dyadic) = { a with M = BigInteger.Abs a.M }
    let compare (a: Dyadic) (b: Dyadic) = sign (sub a b)
    let sum (xs: Dyadic seq) = Seq.fold add zero xs
    /// The nearest double (for messages only).
    let toFloat (a: Dyadic) = float a.M * Math.Pow(2.0, float a.E)

/// L_β(θ) of the squared loss, exactly: z_j = Σ_i α_i max(x_j·u_i, 0), ℓ = (c/2)Σ(z_j − y_j)²,
/// L = ℓ + (β/2)Σ_i(‖u_i‖² + α_i²), each operation exact over dyadic rationals.
let exactSquaredObjective (x: float[][]) (y: float[]) (c: float) (beta: float) (net: NetSpec) =
    let d = Dyadic.ofFloat
    let dot (a: float[]) (b: float[]) = Array.map2 (fun p q -> Dyadic.mul (d p) (d q)) a b |> Dyadic.sum
    let z =
        x |> Array.map (fun row ->
            Array.map2 (fun (u: float[]) a -> let pre = dot row u in if Dyadic.sign pre > 0 then Dyadic.mul (d a) pre else Dyadic.zero) net.U net.Alpha
            |> Dyadic.sum)
    let residual = Array.map2 (fun zj yj -> let r = Dyadic.sub zj (d yj) in Dyadic.mul r r) z y |> Dyadic.sum
    let squaredNorm = Dyadic.add (net.U |> Array.map (fun u -> dot u u) |> Dyadic.sum) (dot net.Alpha net.Alpha)
    let half = d 0.5
    Dyadic.add (Dyadic.mul (Dyadic.mul half (d c)) residual) (Dyadic.mul (Dyadic.mul half (d beta)) squaredNorm)

let objectiveWithinRounding (c: NetCase) =
    let p = c.Problem
    let data, loss, beta = datasetOf p, lossOf p, p.BetaRatio
    let net = networkOf (dim p.Data) c.Net
    let lHat = NetworkObjective.Value(net, data, loss, beta)
    let b = objectiveRounding net data loss beta
    let stamps = problemStamps p @ [ sprintf "net=%s" c.Net.Kind; sizeStamp "m" c.Net.Alpha.Length ]
    match loss with
    | :? SquaredLoss ->
        let exactL = exactSquaredObjective p.Data.X p.Y p.Scale beta c.Net
        let err = Dyadic.abs (Dyadic.sub (Dyadic.ofFloat lHat) exactL)
        let within = Dyadic.compare err (Dyadic.ofFloat b) <= 0
        verdict (stamps @ [ "oracle=exact-dyadic" ])
            [ exact (sprintf "|L̂ − L_β(θ)| ≤ B(θ) against the exact dyadic value (B = %s, THEORY.md §4.1)" (fmt b))
                  within (fmt (Dyadic.toFloat err)) ("≤ " + fmt b) ]
    | _ -> verdict (stamps @ [ "oracle=none(logistic: no exact recomputation yet)" ]) []

let laws =
    [ Law.create "D5" "gap identity: L_β(θ) + ℓ*(−v) = ½(θ·g − E) for every element of the Clarke set, and the certified gap is ≤ (1 − t')L_β + ½(‖θ‖‖g‖ + Σ|α_i|ω_i)" arbIdentityCase (fun _ -> []) gapIdentity
      Law.create "R1" "the computed L_β is within the rounding bound B(θ) of §4.1 of its exact value (squared loss: exact dyadic recomputation)" arbNetCase (fun _ -> []) objectiveWithinRounding ]
