/// T6 (THEORY.md §9, §10): the global optimality check agrees with the convex solver, and its
/// refutations decrease L_β; R1's clauses on the check (§4.1): a refutation only above B(θ) + B(θ'),
/// optimal only on Ḡ ≤ ε_gap (L̂ − B).
module HiddenConvex.Properties.CheckLaws

open System
open FsCheck.FSharp
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Core.Verification
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
open HiddenConvex.Properties.Units

/// Which network the check is run on (Units.checkedSources): "optimal" (the network the certified
/// pipeline ships), "restricted" (stationary, usually not optimal: ψ of a restricted optimum), "random".
type CheckCase = { Problem: ProblemSpec; Source: string; Seed: int }

let private t6Sources = [ pipelineOptimal; restricted; randomNetwork ]

/// Cases whose network comes from one of the given sources.
let arbCheckOver (sources: CheckedSource list) =
    Arb.fromGenShrink (
        gen {
            let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
            let! src = Gen.elements (sources |> List.map (fun s -> s.Name))
            let! seed = Gen.choose (0, 1_000_000)
            return { Problem = p; Source = src; Seed = seed }
        },
        fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p }))

let arbCheck = arbCheckOver t6Sources

/// The solved problem and the network of the case's source (one of the given sources).
let solvedWithNetwork (sources: CheckedSource list) (solver: SolverUnderTest) (c: CheckCase) =
    let s = solveWith solver c.Problem
    let source = sources |> List.find (fun x -> x.Name = c.Source)
    s, source.Build solver s c.Seed

/// The solved problem, the checked network and the check's report.
let private checked (solver: SolverUnderTest) (c: CheckCase) =
    let s, net = solvedWithNetwork t6Sources solver c
    let report = check { Data = s.Instance.Data; Loss = s.Instance.Loss; Beta = s.Beta; Net = net }
    s, net, report

/// A refuting witness (THEORY.md §9): its objective is L_β of its network, its decrease is measured
/// against L_β(θ), and its rounding allowance is at least B(θ) + B(θ') recomputed.
let private witnessChecks (s: Solved) (l: float) (w: Witness) =
    let p = s.Instance
    let lw = HiddenConvex.Core.Networks.NetworkObjective.Value(w.Network, p.Data, p.Loss, s.Beta)
    [ agree (sprintf "the refuting witness (%s) reports L_β of its network" (w.Kind.Name())) objectiveTol w.Objective lw
      agree "its decrease is L_β(θ) − L_β(θ')" objectiveTol w.Decrease (l - lw)
      exceeds "its decrease exceeds its rounding allowance" (tol "exact" (Tolerance(0.0, 0.0))) w.Decrease w.Rounding ]

let checkAgrees (solver: SolverUnderTest) (c: CheckCase) =
    let s, net, report = checked solver c
    let p, beta, r = s.Instance, s.Beta, s.Result
    let l = HiddenConvex.Core.Networks.NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let b = objectiveRounding net p.Data p.Loss beta
    let eps = Tolerances.CheckGap
    // The solver's proven bracket [pLower, pUpper] ∋ P*_c (THEORY.md §4.1).
    let pLower = r.Lower - r.Certificate.LowerRounding
    let pUpper = r.Objective + r.Certificate.ObjectiveRounding
    let solverProvesOptimal = (l + b) - pLower <= eps * (l - b)
    let solverProvesNot = (l - b) - pUpper > eps * (l + b)
    let stamps = problemStamps c.Problem @ [ s.Regime; sprintf "source=%s" c.Source; sprintf "verdict=%s" report.VerdictName ]
    // THEORY.md §9 proves optimality only from the dual points the check tries (θ's own v and its slot solve), so a
    // network the solver proves optimal within ε_gap may be left undecided (the zero network when W* ≈ 0 on widely
    // scaled rows: v = y prices at 40β although L_β(0) − P*_c ≈ 1e-18), or even refuted by a witness whose proven
    // decrease is below ε_gap L̂ (§9: "optimal means optimal within ε_gap"; a refutation then proves L_β(θ) > P*_c, which
    // the bracket allows). What must hold: the pipeline's own network, whose v is the solver's dual point, is certified.
    let agreement =
        if solverProvesOptimal then
            (if c.Source = pipelineOptimal.Name then
                 [ exact "the check says optimal on the network the pipeline ships" (report.Verdict = Verdict.Optimal) (figuresText report) "optimal" ]
             else [])
        elif solverProvesNot then [ exact "the check does not say optimal when the solver's bracket proves L_β(θ) − P*_c > ε_gap L̂" (report.Verdict <> Verdict.Optimal) (figuresText report) "not optimal" ]
        else []
    // Every refuting witness is a network θ' with L_β(θ') ≥ P*_c ≥ pLower: its measured decrease is at most
    // L_β(θ) − pLower up to the rounding B(θ) + B(θ') (weak duality, THEORY.md §4); and a refutation proves L_β(θ) > P*_c.
    let refutation =
        let refuting = report.Witnesses |> Seq.filter (fun w -> w.Refutes) |> Seq.toList
        (refuting |> List.collect (fun w ->
            witnessChecks s l w
            @ [ atMost (sprintf "the refuting witness (%s) stays above the solver's proven lower bound: L_β(θ') ≥ P*_c ≥ lower" (w.Kind.Name()))
                    (sprintf "B(θ') = %s" (fmt (objectiveRounding w.Network p.Data p.Loss beta)), Tolerance(objectiveRounding w.Network p.Data p.Loss beta, 0.0)) pLower w.Objective ]))
        @ (match report.Verdict, Option.ofObj report.Refutation with
           | Verdict.StationaryNotOptimal, Some _ -> [ exceeds "a refuted network lies above the solver's proven lower bound" (tol "B(θ)" (Tolerance(b, 0.0))) l pLower ]
           | Verdict.StationaryNotOptimal, None -> [ exact "a stationary, non-optimal verdict comes with a refuting witness" false "none" "a witness" ]
           | _ -> [])
    verdict stamps
        ([ exact "the solver certifies the optimum" (r.Status = SolverStatus.Optimal) r.StatusName "optimal"
           agree "the check's objective is L_β(θ)" objectiveTol report.Objective l ]
         @ agreement @ refutation)

/// R1's clauses on the check (THEORY.md §4.1, §9): optimal only when the proven gap Ḡ = (L̂ − lower) + B(θ) + B_low
/// is ≤ ε_gap (L̂ − B(θ)) with a lower bound proven for the full program, B(θ) as recomputed; every witness counted as a
/// refutation has a measured decrease above B(θ) + B(θ'), both recomputed.
let roundingOfVerdicts (solver: SolverUnderTest) (c: CheckCase) =
    let s, net, report = checked solver c
    let p, beta = s.Instance, s.Beta
    let l = HiddenConvex.Core.Networks.NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let b = objectiveRounding net p.Data p.Loss beta
    let cert = report.Certificate
    let provenGap = (cert.Objective - cert.Lower) + b + lowerRounding p.Loss cert.V p.Data.Y cert.T cert.Lower
    let optimalChecks =
        if report.Verdict = Verdict.Optimal then
            [ exact "optimal only with a lower bound proven for the full program" cert.LowerProven (string cert.LowerProven) "true"
              atMost "optimal only on Ḡ ≤ ε_gap (L̂ − B(θ)), Ḡ and B recomputed" (tol "exact" (Tolerance(0.0, 0.0))) provenGap (Tolerances.CheckGap * (l - b)) ]
        else []
    let refutations =
        report.Witnesses |> Seq.filter (fun w -> w.Refutes) |> Seq.toList
        |> List.collect (fun w ->
            let lw = HiddenConvex.Core.Networks.NetworkObjective.Value(w.Network, p.Data, p.Loss, beta)
            let allowance = b + objectiveRounding w.Network p.Data p.Loss beta
            [ exceeds (sprintf "a refutation (%s) is counted only above B(θ) + B(θ') recomputed" (w.Kind.Name())) (sprintf "B(θ) + B(θ') = %s" (fmt allowance), Tolerance(allowance, 0.0)) (l - lw) 0.0 ])
    verdict (problemStamps c.Problem @ [ s.Regime; sprintf "source=%s" c.Source; sprintf "verdict=%s" report.VerdictName ])
        ([ agree "the certificate's objective rounding is B(θ) of THEORY.md §4.1" objectiveTol report.ObjectiveRounding b ] @ optimalChecks @ refutations)

let laws (solver: SolverUnderTest) =
    [ Law.create "T6" "the optimality check agrees with the convex solver, and its escape neuron decreases L_β" arbCheck (fun _ -> []) (checkAgrees solver)
      Law.create "R1" "the check reports a refutation only above B(θ) + B(θ') and optimal only on Ḡ ≤ ε_gap (L̂ − B)" arbCheck (fun _ -> []) (roundingOfVerdicts solver) ]
