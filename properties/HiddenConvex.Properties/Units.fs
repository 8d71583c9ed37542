/// I2 (THEORY.md §4.1, §10): every verdict of the global optimality check (`hcv check`,
/// OptimalityCheck.Check) is invariant under the unit laws: (U1, real targets) (y, β) → (ky, kβ) with
/// θ → √kθ; (U2) (c, β) → (kc, kβ); (U3) (X, β) → (kX, kβ) with θ → θ/√k; (U4) X → XQ with u → Qᵀu;
/// (P) permutations of the rows and of the neurons; (S) splitting a neuron and adding zero neurons.
/// §4.1 allows a verdict to change only when its deciding figure lies within its rounding allowance of
/// its threshold (`nearThresholds`); every other change of verdict fails, with the deciding figures at
/// both scales printed.
module HiddenConvex.Properties.Units

open System
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Verification
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.SolverUnderTest
open HiddenConvex.Properties.SolvedProblems

/// A checked instance: data, loss, β, the network and the pattern set of the data.
type Instance =
    { Data: Dataset
      Loss: Loss
      Beta: float
      Net: Network }

/// The check with the settings `hcv check` uses by default.
let check (i: Instance) = OptimalityCheck.Check(i.Net, i.Data, i.Loss, i.Beta, CellEnumerator.Enumerate i.Data.X, CheckSettings())

/// The figures a verdict is decided on, for failure messages.
let figuresText (r: OptimalityReport) =
    sprintf "%s (decided by %s; certified relative gap %s, measure/threshold %s/%s, relative gap on own slots %s, ρ/β %s)"
        r.VerdictName (r.DecidedBy.Name()) (fmt r.RelativeGap) (fmt r.Stationarity.Measure) (fmt r.Stationarity.Threshold)
        (fmt r.LocalRelativeGap) (fmt (r.Rho / r.Beta))

/// The comparisons of THEORY.md §9 whose computed sides lie within their rounding allowance of each other
/// (§4.1): the proven gap Ḡ against ε_gap (L̂ − B), allowance 2(B + B_low); a witness's decrease against its
/// rounding B(θ) + B(θ'), allowance that rounding; the relative gap on θ's own slots against ε_local, allowance
/// 2(B + B_low)/L̂; the Clarke measure against ε_stat, allowance 2γ_{n+d+2}·(its scale).
let nearThresholds (i: Instance) (r: OptimalityReport) =
    let c = r.Certificate
    let b = r.ObjectiveRounding + c.LowerRounding
    let l = abs r.Objective
    let settings = CheckSettings()
    [ if abs (c.ProvenGap - settings.GapTolerance * (l - r.ObjectiveRounding)) <= 2.0 * b then yield "certificate"
      for w in r.Witnesses do
          if abs (w.Decrease - w.Rounding) <= w.Rounding then yield sprintf "witness (%s)" (w.Kind.Name())
      if l > 0.0 && abs (r.LocalRelativeGap - settings.LocalGapTolerance) <= 2.0 * b / l then yield "slot-restricted gap"
      let measureRounding = 2.0 * HiddenConvex.Core.Numerics.Rounding.Gamma(int64 (i.Data.N + i.Data.D + 2)) * r.Stationarity.Scale
      if abs (r.Stationarity.Measure - r.Stationarity.Threshold) <= measureRounding then yield "stationarity measure" ]

let private scaleNet (k: float) (net: Network) = Network.Create(net.U * k, net.Alpha * k)

/// U1 (squared loss and every loss with real targets): (y, β) → (ky, kβ), θ → √kθ.
let unitOfTargets (k: float) (i: Instance) =
    { i with Data = i.Data.WithTargets(i.Data.Y * k); Beta = k * i.Beta; Net = scaleNet (sqrt k) i.Net }

/// U2: (c, β) → (kc, kβ), θ unchanged.
let unitOfLossScale (k: float) (i: Instance) =
    { i with Loss = Loss.Parse(i.Loss.Name, k * i.Loss.Scale); Beta = k * i.Beta }

/// U3: (X, β) → (kX, kβ), θ → θ/√k.
let unitOfData (k: float) (i: Instance) =
    { i with Data = i.Data.WithX(i.Data.X * k); Beta = k * i.Beta; Net = scaleNet (1.0 / sqrt k) i.Net }

// ---------------------------------------------------------------------------------------------
// Networks checked

/// A network to check on a solved problem: its name (the case's Source) and how it is built.
type CheckedSource =
    { Name: string
      Build: SolverUnderTest -> Solved -> int -> Network }

/// The network the certified pipeline ships (ψ of the pruned vertex or of the solution).
let pipelineOptimal = { Name = "optimal"; Build = fun _ s _ -> s.Certified.Network }

/// The user's measured case: the pipeline's network with its output weights multiplied by 1.001.
let outputTimes1001 = { Name = "output×1.001"; Build = fun _ s _ -> let n = s.Certified.Network in Network.Create(n.U, n.Alpha * 1.001) }

let restricted = { Name = "restricted"; Build = fun solver s seed -> restrictedCandidate solver s.Instance s.Beta seed }

let randomNetwork =
    { Name = "random"
      Build = fun _ s seed ->
          let rng = Random seed
          let m = 1 + rng.Next 3
          Network.Create(Matrix<float>.Build.Dense(m, s.Instance.Data.D, fun _ _ -> rng.NextDouble() * 2.0 - 1.0),
                         Vector<float>.Build.Dense(m, fun _ -> rng.NextDouble() * 2.0 - 1.0)) }

let checkedSources = [ pipelineOptimal; outputTimes1001; restricted; randomNetwork ]

let private sourceNamed (name: string) =
    match checkedSources |> List.tryFind (fun s -> s.Name = name) with
    | Some s -> s
    | None -> invalidArg "Source" (sprintf "unknown network source '%s' (known: %s)" name (String.Join(", ", checkedSources |> List.map (fun s -> s.Name))))

/// A problem, a network source with its seed, and the unit k.
type UnitCase =
    { Problem: ProblemSpec
      Source: string
      Seed: int
      K: float }

/// k: exact powers (4^j for U1 and U3, 2^j for U2: every operation scales exactly), the measured
/// 1e-3 and 1e3, and log-uniform values.
let private genK (exactBase: float) =
    Gen.frequency
        [ 2, Gen.choose (-4, 4) |> Gen.map (fun j -> Math.Pow(exactBase, float j))
          1, Gen.elements [ 1e-3; 1e3 ]
          1, logUniform 1e-3 1e3 ]

/// Problems of losses with real targets (U1 rescales y).
let private realTargetLosses = HiddenConvex.Core.Losses.LossRegistry.Names |> Seq.filter (fun n -> targetDomain n = TargetDomain.Real) |> Seq.toList

let private genUnitCase (realTargets: bool) (exactBase: float) =
    gen {
        let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
        let! p =
            if realTargets && targetDomain p.Loss <> TargetDomain.Real then
                gen {
                    let! loss = Gen.elements realTargetLosses
                    let! y = genTargets loss (n p.Data)
                    return { p with Loss = loss; Y = y }
                }
            else Gen.constant p
        let! src = Gen.elements (checkedSources |> List.map (fun s -> s.Name))
        let! seed = Gen.choose (0, 1_000_000)
        let! k = genK exactBase
        return { Problem = p; Source = src; Seed = seed; K = k }
    }

let private arbUnitCase realTargets exactBase =
    Arb.fromGenShrink (genUnitCase realTargets exactBase, fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p }))

/// The instance of a case: the problem solved by the solver's pipeline, the network of its source.
let private instanceOf (solver: SolverUnderTest) (c: UnitCase) =
    let s = solveWith solver c.Problem
    s, { Data = s.Instance.Data; Loss = s.Instance.Loss; Beta = s.Beta; Net = (sourceNamed c.Source).Build solver s c.Seed }

let private kText (k: float) = k.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// A neuron within rounding of a kink: some row with |x̂_j·û_i| ≤ 2γ_{3d}√d ‖x_j‖‖u_i‖ (the computed dot product,
/// γ_d, after X → XQ and u → Qᵀu, γ_d√d relative in norm each; doubled). Its raw pattern s(u_i) = 1[Xu_i ≥ 0],
/// which fixes the blocks of θ's own program (THEORY.md §7.1), is then a figure within rounding of its threshold 0.
let kinkNeuronsWithinRounding (i: Instance) =
    let x = i.Data.X
    let pre = x.TransposeAndMultiply(i.Net.U)
    let allowance = 2.0 * HiddenConvex.Core.Numerics.Rounding.Gamma(int64 (3 * i.Data.D)) * sqrt (float i.Data.D)
    [ for k in 0 .. i.Net.Width - 1 do
        let un = i.Net.U.Row(k).L2Norm()
        if un > 0.0 && i.Net.Alpha[k] <> 0.0
           && Seq.exists (fun j -> abs pre[j, k] <= allowance * x.Row(j).L2Norm() * un) (seq { 0 .. i.Data.N - 1 }) then
            yield k ]

/// The assignment of θ's own program as a deciding figure (THEORY.md §4.1, §9): the verdicts differ only through the
/// slot-restricted gap (same certification, same side of ε_stat, opposite sides of ε_local) and some neuron lies within
/// rounding of a kink at either scale, so rounding may choose the other closed cone containing it.
let private slotAssignmentNear (i: Instance, a: OptimalityReport) (j: Instance, b: OptimalityReport) =
    let settings = CheckSettings()
    let certified (r: OptimalityReport) = r.Certificate.CertifiedAt settings.GapTolerance
    let localStationary (r: OptimalityReport) = r.LocalRelativeGap <= settings.LocalGapTolerance
    certified a = certified b
    && a.Stationarity.IsStationary = b.Stationarity.IsStationary
    && not a.Stationarity.IsStationary
    && localStationary a <> localStationary b
    && not (kinkNeuronsWithinRounding i @ kinkNeuronsWithinRounding j).IsEmpty

/// The verdicts agree, or one of the comparisons deciding between them is within its rounding allowance of its
/// threshold at either scale (THEORY.md §4.1), the pattern of a neuron on a kink included.
let private sameVerdict what (i: Instance, base': OptimalityReport) (j: Instance, moved: OptimalityReport) =
    let near =
        (nearThresholds i base' @ nearThresholds j moved
         @ (if slotAssignmentNear (i, base') (j, moved) then [ "slot of a neuron on a kink" ] else []))
        |> List.distinct
    let same = base'.VerdictName = moved.VerdictName
    exact what (same || not near.IsEmpty)
        (figuresText moved + (if same || near.IsEmpty then "" else sprintf " [within rounding of: %s]" (String.concat ", " near)))
        (figuresText base' + " (or a deciding figure within its rounding allowance of its threshold)")

let private checked (i: Instance) = i, check i

let private unitLaw (transform: float -> Instance -> Instance) (name: string) (solver: SolverUnderTest) (c: UnitCase) =
    let s, i = instanceOf solver c
    let before = checked i
    let after = checked (transform c.K i)
    let exactK = Math.Log(c.K, 2.0) = Math.Round(Math.Log(c.K, 2.0))
    verdict (problemStamps c.Problem @ [ s.Regime; sprintf "source=%s" c.Source; sprintf "verdict=%s" (snd before).VerdictName; (if exactK then "k=power-of-2" else "k=other") ])
        [ sameVerdict (sprintf "%s with k = %s: the check's verdict is unchanged" name (kText c.K)) before after ]

/// U4, P, S together: each transform checked against the untransformed verdict.
let private geometryLaw (solver: SolverUnderTest) (c: UnitCase) =
    let s, i = instanceOf solver c
    let rng = Random c.Seed
    let before = checked i
    let gauss () = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * Math.PI * rng.NextDouble())
    let q = Matrix<float>.Build.Dense(i.Data.D, i.Data.D, fun _ _ -> gauss ()).QR().Q
    let rotated = { i with Data = i.Data.WithX(i.Data.X * q); Net = Network.Create((if i.Net.Width = 0 then i.Net.U else i.Net.U * q), i.Net.Alpha) }
    let rows = permutation rng i.Data.N
    let rowPermuted = { i with Data = i.Data.PermuteRows rows }
    let neuronPermuted = { i with Net = i.Net.PermuteNeurons(permutation rng i.Net.Width) }
    let split =
        if i.Net.Width = 0 then { i with Net = i.Net.PadWithZeros 2 }
        else
            let parts = 2 + rng.Next 2
            let g = Array.init parts (fun _ -> rng.NextDouble() + 0.05)
            { i with Net = (NeuronOps.Split(i.Net, rng.Next i.Net.Width, g |> Array.map (fun v -> v / Array.sum g))).PadWithZeros(rng.Next 3) }
    verdict (problemStamps c.Problem @ [ s.Regime; sprintf "source=%s" c.Source; sprintf "verdict=%s" (snd before).VerdictName ])
        [ sameVerdict "U4: X → XQ (Q orthogonal), u → Qᵀu keeps the verdict" before (checked rotated)
          sameVerdict "P: permuting the rows of (X, y) keeps the verdict" before (checked rowPermuted)
          sameVerdict "P: permuting the neurons keeps the verdict" before (checked neuronPermuted)
          sameVerdict "S: splitting a neuron and adding zero neurons keeps the verdict" before (checked split) ]

/// The measured case: the pipeline's optimal network with output weights × 1.001, checked at
/// k ∈ {1e-3, 1, 1e3} (U1 for real targets, U2 otherwise): one verdict for every k.
type MeasuredCase = { Problem: ProblemSpec }

let arbMeasured =
    Arb.fromGenShrink (
        genProblem |> Gen.scaleSize (fun s -> s * 3 / 4) |> Gen.map (fun p -> { Problem = p }),
        fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { Problem = p }))

let measured (solver: SolverUnderTest) (c: MeasuredCase) =
    let s = solveWith solver c.Problem
    let i = { Data = s.Instance.Data; Loss = s.Instance.Loss; Beta = s.Beta; Net = outputTimes1001.Build solver s 0 }
    let realTargets = targetDomain c.Problem.Loss = TargetDomain.Real
    let transform, law = if realTargets then unitOfTargets, "U1" else unitOfLossScale, "U2"
    let reports = [ 1e-3; 1.0; 1e3 ] |> List.map (fun k -> k, checked (transform k i))
    let _, atOne = reports |> List.find (fun (k, _) -> k = 1.0)
    verdict (problemStamps c.Problem @ [ s.Regime; sprintf "law=%s" law; sprintf "verdict=%s" (snd atOne).VerdictName ])
        (reports |> List.filter (fun (k, _) -> k <> 1.0) |> List.map (fun (k, r) ->
            sameVerdict (sprintf "%s with k = %s: the verdict on the optimal network with α × 1.001 equals the verdict at k = 1" law (kText k)) atOne r))

let laws (solver: SolverUnderTest) =
    [ Law.create "I2" "U1: every check verdict is unchanged by (y, β) → (ky, kβ), θ → √kθ (real targets)" (arbUnitCase true 4.0) (fun _ -> []) (unitLaw unitOfTargets "U1" solver)
      Law.create "I2" "U2: every check verdict is unchanged by (c, β) → (kc, kβ)" (arbUnitCase false 2.0) (fun _ -> []) (unitLaw unitOfLossScale "U2" solver)
      Law.create "I2" "U3: every check verdict is unchanged by (X, β) → (kX, kβ), θ → θ/√k" (arbUnitCase false 4.0) (fun _ -> []) (unitLaw unitOfData "U3" solver)
      Law.create "I2" "U4, P, S: every check verdict is unchanged by X → XQ (u → Qᵀu), permutations of rows and neurons, and splitting a neuron" (arbUnitCase false 2.0) (fun _ -> []) (geometryLaw solver)
      Law.create "I2" "the verdict on the solver's optimal network with output weights × 1.001 is the same for k ∈ {1e-3, 1, 1e3}" arbMeasured (fun _ -> []) (measured solver) ]
