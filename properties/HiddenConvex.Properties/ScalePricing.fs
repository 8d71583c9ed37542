/// B1–B3 (THEORY.md §4a, §10): pricing without enumeration. The branch-and-bound bracket holds the exact ρ(v) and
/// closes to it, a certificate built on its ρ̄ never exceeds P*, and the check over it certifies exactly the networks the
/// exact check certifies. Which of the two refuted verdicts is given may differ: a neuron on a kink may be read in another
/// admissible slot (THEORY.md §4a), which moves the gap on θ's own slots, one of the two stationarity criteria of §9.
module HiddenConvex.Properties.ScalePricing

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Certificates
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Verification
open HiddenConvex.Properties.Law
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.SolverUnderTest
open HiddenConvex.Properties.SolvedProblems
open HiddenConvex.Properties.Context
open HiddenConvex.Properties.Units

/// The networks checked by B2 and B3: Units.checkedSources (B1 uses the case's seed for its dual vector only).
let private sources = checkedSources

let arbScaleCase = CheckLaws.arbCheckOver sources

/// A dual vector v = −∇ℓ(z) for a random prediction z (every loss: −v in the domain of ℓ*).
let private randomDual (p: Problem) (seed: int) =
    let rng = Random seed
    let z = Vector<float>.Build.Dense(p.Data.N, fun _ -> 3.0 * (rng.NextDouble() - 0.5))
    -(p.Loss.Gradient(z, p.Data.Y))

/// The closing floor of the search: DecidedRow·Σ_j |v_j|‖x_j‖ (BranchAndBoundSettings.RelativeTolerance).
let private closingFloor (p: Problem) (v: Vector<float>) =
    Tolerances.DecidedRow * Seq.sum (seq { for j in 0 .. p.Data.N - 1 -> abs v[j] * p.X.Row(j).L2Norm() })

let bracketHoldsExactRho (c: CheckLaws.CheckCase) =
    let p = enumerate c.Problem
    let v = randomDual p c.Seed
    let exactRho = (ExactPricing.Price(p.X, p.Patterns, v)).Rho
    let settings = BranchAndBoundSettings(RelativeTolerance = 1e-9)
    let r = BranchAndBoundPricing(p.X).Bracket(v, settings)
    let proven = r.Status = BracketStatus.Closed || r.Status = BracketStatus.Exhausted
    verdict (problemStamps c.Problem @ [ sprintf "status=%O" r.Status ])
        [ atMost "ρ̲ (the best block found) ≤ the exact ρ(v) over S(X)" (tol "exact" (Tolerance(0.0, 0.0))) r.Lower exactRho
          atMost "the exact ρ(v) ≤ ρ̄ (outward rounded)" (tol "Tolerances.Pricing" Tolerances.Pricing) exactRho r.Upper
          exact "the search ends proven (closed or every node closed) on a problem this small" proven (string r.Status) "Closed or Exhausted"
          atMost "the bracket closes: ρ̄ − ρ̲ ≤ 1e-9·ρ̲ + DecidedRow·Σ|v_j|‖x_j‖" (tol "exact" (Tolerance(0.0, 0.0)))
              (r.Upper - r.Lower) (1e-9 * r.Lower + closingFloor p v) ]

/// The oracle as `hcv check` builds it: seeded with θ's neurons, β-aware stops.
let private seededOracle (x: Matrix<float>) (net: HiddenConvex.Core.Data.Network) (beta: float) =
    BranchAndBoundOracle(x, net.Neurons() |> Seq.map (fun struct (u, _) -> u), BranchAndBoundOracleSettings(Beta = Nullable beta))

let certificateNeverExceedsOptimum (solver: SolverUnderTest) (c: CheckLaws.CheckCase) =
    let s, net = CheckLaws.solvedWithNetwork sources solver c
    let p, beta = s.Instance, s.Beta
    let z = net.Predict(p.X)
    let objective = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let rounding = NetworkObjective.Rounding(net, p.Data, p.Loss, beta, z, objective)
    let oracle = seededOracle p.X net beta
    let cert = CertificateChecker.ForPrediction(p.Data, p.Loss, beta, oracle, z, objective, rounding)
    let pStarUpper = s.Result.Objective + s.Result.Certificate.ObjectiveRounding
    verdict (problemStamps c.Problem @ [ s.Regime; "source=" + c.Source; sprintf "status=%s" s.Result.StatusName ])
        [ exact "the certificate over branch-and-bound pricing is proven for the full program" cert.LowerProven (string cert.LowerProven) "true"
          atMost "its lower bound, less its rounding B_low, ≤ the solver's objective (≥ P*) plus that objective's rounding"
              (tol "exact" (Tolerance(0.0, 0.0))) (cert.Lower - cert.LowerRounding) pStarUpper ]

let checkReachesExactVerdict (solver: SolverUnderTest) (c: CheckLaws.CheckCase) =
    let s, net = CheckLaws.solvedWithNetwork sources solver c
    let p, beta = s.Instance, s.Beta
    let settings = CheckSettings()
    let exactReport = OptimalityCheck.Check(net, p.Data, p.Loss, beta, p.Patterns, settings)
    let oracle = seededOracle p.X net beta
    let bnbReport = OptimalityCheck.Check(net, p.Data, p.Loss, beta, oracle, NetworkCells.Of(net, p.X), settings)
    // Near ε_gap a bracket closed to a relative 1e-7 may move the certified test either way: no claim there.
    let rg = exactReport.Certificate.RelativeGap
    let borderline = rg >= 0.5 * settings.GapTolerance && rg <= 2.0 * settings.GapTolerance
    let stamps = problemStamps c.Problem @ [ s.Regime; "source=" + c.Source; sprintf "exact=%O" exactReport.Verdict; (if borderline then "borderline" else "clear") ]
    verdict stamps
        [ exact "the check over branch-and-bound pricing has a proven lower bound" bnbReport.LowerProven (string bnbReport.LowerProven) "true"
          exact "it certifies θ exactly when the exact check does (unless the exact relative gap is within a factor 2 of ε_gap)"
              (borderline || (bnbReport.Verdict = Verdict.Optimal) = (exactReport.Verdict = Verdict.Optimal))
              (string bnbReport.Verdict) (string exactReport.Verdict) ]

let laws (solver: SolverUnderTest) =
    [ Law.create "B1" "the branch-and-bound bracket holds the exact ρ(v) (ρ̲ ≤ ρ ≤ ρ̄) and closes to it on every small instance" arbScaleCase (fun _ -> []) bracketHoldsExactRho
      Law.create "B2" "a certificate built on the branch-and-bound ρ̄ never exceeds P*" arbScaleCase (fun _ -> []) (certificateNeverExceedsOptimum solver)
      Law.create "B3" "the check over branch-and-bound pricing certifies exactly the networks the check over the enumerated cells certifies" arbScaleCase (fun _ -> []) (checkReachesExactVerdict solver) ]
