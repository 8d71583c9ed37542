/// T6 (THEORY.md §9, §10): the global optimality check agrees with the convex solver, and its
/// escape neuron decreases L_β.
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

/// Which network the check is run on: "optimal" (ψ(W*)), "restricted" (stationary, usually not
/// optimal: ψ of a restricted optimum), "random".
type CheckCase = { Problem: ProblemSpec; Source: string; Seed: int }

let arbCheck =
    Arb.fromGenShrink (
        gen {
            let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
            let! src = Gen.elements [ "optimal"; "restricted"; "random" ]
            let! seed = Gen.choose (0, 1_000_000)
            return { Problem = p; Source = src; Seed = seed }
        },
        fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p }))

let checkAgrees (solver: SolverUnderTest) (c: CheckCase) =
    let p = enumerate c.Problem
    let beta, regime = betaOf p
    let r = solver.Solve(convexProblem p beta)
    let rng = Random c.Seed
    let net =
        match c.Source with
        | "optimal" -> Maps.Psi r.W
        | "restricted" -> restrictedCandidate solver p beta c.Seed
        | _ ->
            let m = 1 + rng.Next 3
            HiddenConvex.Core.Data.Network.Create(
                MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(m, p.Data.D, fun _ _ -> rng.NextDouble() * 2.0 - 1.0),
                MathNet.Numerics.LinearAlgebra.Vector<float>.Build.Dense(m, fun _ -> rng.NextDouble() * 2.0 - 1.0))
    let report = OptimalityCheck.Check(net, p.Data, p.Loss, beta, p.Patterns, CheckSettings())
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let eps = Tolerances.CheckGap
    // The solver's verdict: θ is optimal iff L_β(θ) ≤ P*_c up to the check's gap tolerance.
    let solverSaysOptimal = l - r.Lower <= eps * max 1.0 (abs l)
    let solverSaysNot = l - r.Objective > eps * max 1.0 (abs l) + Tolerances.DefaultSolverGap * max 1.0 (abs r.Objective)
    let checkOptimal = report.Verdict = Verdict.Optimal
    let stamps = problemStamps c.Problem @ [ regime; sprintf "source=%s" c.Source; sprintf "verdict=%s" report.VerdictName ]
    let agreement =
        if solverSaysOptimal then [ exact "the check says optimal when L_β(θ) is within CheckGap of the solver's lower bound" checkOptimal report.VerdictName "optimal" ]
        elif solverSaysNot then [ exact "the check says not optimal when L_β(θ) exceeds P*_c by more than CheckGap" (not checkOptimal) report.VerdictName "not optimal" ]
        else []
    let escape =
        match report.Verdict, Option.ofObj report.Escape with
        | Verdict.StationaryNotOptimal, Some e ->
            [ exceeds "the escape neuron strictly decreases L_β (actual decrease)" objectiveTol e.ActualDecrease 0.0
              agree "ObjectiveAfter = L_β(θ) − actual decrease" objectiveTol e.ObjectiveAfter (l - e.ActualDecrease)
              exceeds "the check's ρ(v) exceeds β when stationary but not optimal" pricingTol report.Rho beta ]
        | Verdict.StationaryNotOptimal, None -> [ exact "a stationary, non-optimal verdict comes with an escape neuron" false "none" "an escape neuron" ]
        | _ -> []
    verdict stamps
        ([ exact "the solver certifies the optimum" (r.Status = SolverStatus.Optimal) r.StatusName "optimal"
           agree "the check's objective is L_β(θ)" objectiveTol report.Objective l ]
         @ agreement @ escape)

let laws (solver: SolverUnderTest) =
    [ Law.create "T6" "the optimality check agrees with the convex solver, and its escape neuron decreases L_β" arbCheck (fun _ -> []) (checkAgrees solver) ]
