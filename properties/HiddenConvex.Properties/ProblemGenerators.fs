/// Problems (THEORY.md §1): targets drawn from the domain the loss declares (TargetDomain of the
/// core's LossRegistry, never its name), the loss scale c, and β as a ratio of β_max; the shrinker.
module HiddenConvex.Properties.ProblemGenerators

open System
open FsCheck
open FsCheck.FSharp
open HiddenConvex.Core.Losses
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.DataGenerators

/// The losses drawn, by weight (names of the core's LossRegistry).
let lossWeights = [ 3, "squared"; 2, "logistic" ]

/// Targets in the loss's domain: ±1 labels, or real targets (Gaussian or small integers).
let genTargets loss n : Gen<float[]> =
    match targetDomain loss with
    | TargetDomain.SignLabels -> Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
    | _ -> Gen.oneof [ Gen.arrayOfLength n gaussian; Gen.arrayOfLength n (smallInt 3 |> Gen.map float) ]

/// β / β_max: mostly spread over (0, 1), sometimes at or above 1 (then W* = 0).
let genBetaRatio : Gen<float> =
    Gen.frequency [ 8, logUniform 0.01 0.99; 1, Gen.constant 1.0; 1, uniform 1.0 2.0 ]

let genProblemOn (data: DataSpec) : Gen<ProblemSpec> =
    gen {
        let! loss = weightedName lossWeights
        let! y = genTargets loss (n data)
        let! scale = Gen.frequency [ 3, Gen.constant 1.0; 1, Gen.constant (2.0 / float (n data)); 1, logUniform 0.1 10.0 ]
        let! ratio = genBetaRatio
        return { Data = data; Y = y; Loss = loss; Scale = scale; BetaRatio = ratio }
    }

let genProblem = genData |> Gen.bind genProblemOn

/// Shrinks toward fewer rows, smaller data, c = 1, and integer targets (real targets only).
let shrinkProblem (p: ProblemSpec) : seq<ProblemSpec> =
    seq {
        if n p.Data > 1 then
            for j in n p.Data - 1 .. -1 .. 0 do
                yield { p with Data = dropRow j p.Data; Y = removeAt j p.Y }
        for d in shrinkData p.Data do
            if n d = n p.Data then yield { p with Data = d }
        if p.Scale <> 1.0 then yield { p with Scale = 1.0 }
        if targetDomain p.Loss = TargetDomain.Real && p.Y |> Array.exists (fun v -> v <> Math.Round v) then
            yield { p with Y = p.Y |> Array.map Math.Round }
    }

let arbProblem = Arb.fromGenShrink (genProblem, shrinkProblem)
