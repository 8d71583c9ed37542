/// T1, T2, T3 (THEORY.md §6, §10): the optimal set 𝒲*, pruning, m* and the optimal networks.
module HiddenConvex.Properties.OptimalSetLaws

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
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

type OptCase = { Problem: ProblemSpec; Seed: int }

let arbOpt =
    Arb.fromGenShrink (
        gen {
            let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
            let! seed = Gen.choose (0, 1_000_000)
            return { Problem = p; Seed = seed }
        },
        fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p }))

/// The solved program and 𝒲* around its solution.
let private solved solver (c: OptCase) =
    let s = solveWith solver c.Problem
    s.Instance, s.Beta, s.Regime, s.Convex, s.Result, optimalSetOf s

/// "L = P*_c up to the certified gap": lower − tol ≤ L ≤ objective + ε·|objective| + B, with B the rounding
/// of the computed L (THEORY.md §4.1; relative to the instance's own objective, no max(1, ·)).
let private equalsOptimum what (r: SolverResult) (rounding: float) (l: float) =
    let eps = Tolerances.DefaultSolverGap
    [ atMost (what + ": ≥ the certified lower bound") objectiveTol r.Lower l
      atMost (what + ": ≤ the solver's objective + ε·|P*| + B")
          (sprintf "ε = Tolerances.DefaultSolverGap, B = %s" (fmt rounding), Tolerance(eps * abs r.Objective + rounding, 0.0)) l r.Objective ]

let private support (t: Vector<float>) = t |> Seq.filter (fun v -> v > 0.0) |> Seq.length

let private solvedStamps (problem: ProblemSpec) regime (r: SolverResult) (os: OptimalSet) =
    problemStamps problem @ [ regime; sprintf "status=%s" r.StatusName; sizeStamp "active" os.Active.Count ]

let widthMStar solver (c: OptCase) =
    let p, beta, regime, cp, r, os = solved solver c
    let t = os.Prune os.Point
    let w = os.ToPoint t
    let rng = Random c.Seed
    let pad = rng.Next 3
    let net = (Maps.Psi w).PadWithZeros pad
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let other = HiddenConvex.Core.Data.Network.Create(
                    Matrix<float>.Build.Dense(net.Width, p.Data.D, fun _ _ -> rng.NextDouble() * 2.0 - 1.0),
                    Vector<float>.Build.Dense(net.Width, fun _ -> rng.NextDouble() * 2.0 - 1.0))
    verdict (solvedStamps c.Problem regime r os @ [ sizeStamp "m" net.Width ])
        ([ exact "the solver certifies the optimum" (r.Status = SolverStatus.Optimal) r.StatusName "optimal" ]
         @ equalsOptimum (sprintf "L_β(ψ(prune(W*))) padded to width m = %d" net.Width) r (objectiveRounding net p.Data p.Loss beta) l
         @ [ atMost "D1: the certified lower bound is ≤ L_β of a random network of width m" objectiveTol r.Lower
                 (NetworkObjective.Value(other, p.Data, p.Loss, beta)) ])

/// The rounding bounds of A t and of z* added, per row (THEORY.md §4.1): next to a row 10⁵ long carrying a block of
/// norm 10³ on its hyperplane, each is computed only to about 10⁻⁸.
let private predictionRounding (os: OptimalSet) (t: Vector<float>) =
    Array.map2 (+) (os.Problem.PredictionRounding(os.ToPoint t)) (Seq.toArray os.ZRounding)

let supportBound solver (c: OptCase) =
    let p, _, regime, cp, r, os = solved solver c
    let t = os.Prune os.Point
    let s = support t
    let cols = [| for i in 0 .. t.Count - 1 do if t[i] > 0.0 then yield os.A.Column(i) |]
    let independent =
        cols.Length = 0
        || (let sv = Matrix<float>.Build.DenseOfColumnVectors(cols).Svd(false).S in sv[sv.Count - 1] > Tolerances.RelativeRank * sv[0])
    let mstar = os.MinimumSupport()
    verdict (solvedStamps c.Problem regime r os @ [ sizeStamp "support" s; sizeStamp "rank" os.Rank ])
        ([ exact "the solver certifies the optimum" (r.Status = SolverStatus.Optimal) r.StatusName "optimal"
           atMost "|supp(prune(W*))| ≤ rank(A)" (tol "exact" (Tolerance(0.0, 0.0))) (float s) (float os.Rank)
           atMost "rank(A) ≤ n (so m* ≤ n + 1)" (tol "exact" (Tolerance(0.0, 0.0))) (float os.Rank) (float p.Data.N)
           exact (sprintf "the pruned point is a vertex: its columns of A are linearly independent (σmin/σmax > Tolerances.RelativeRank = %g)" Tolerances.RelativeRank) independent (string independent) "true"
           vecAgreeWithRounding "the pruned point reproduces z*: A t = z*" predictionTol (predictionRounding os t) (os.A * t) os.Z ]
         @ (match Option.ofNullable mstar with
            | Some (m, _) -> [ atMost "m* ≤ |supp(prune(W*))|" (tol "exact" (Tolerance(0.0, 0.0))) (float m) (float s) ]
            | None -> []))

/// T3 on a network of Θ*_m drawn by the OptimalNetwork arbitrary (SolvedProblems).
let optimalNetworks solver (c: OptimalNetwork) =
    let s, point, net = buildOptimalPointAndNetwork solver c
    let p, beta, regime, cp, r, os = s.Instance, s.Beta, s.Regime, s.Convex, s.Result, optimalSetOf s
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let spec = netSpecOf "optimal" net
    let stat = Stationarity.Measure(net, p.Data, p.Loss, beta)
    let minimal = NeuronOps.Minimalise(net, p.Data, p.Patterns)
    let back = Maps.Phi(minimal, p.Data, p.Patterns)
    let colinear (w: Vector<float>) (dir: Vector<float>) =
        1.0 - w.DotProduct(dir) / (w.L2Norm() * dir.L2Norm()) <= Tolerances.Colinearity.At(1.0) + 1e-6
    // A block whose pattern differs from an active block's only on rows where that block's direction has x_j·d = 0 is
    // active too, along the same direction (THEORY.md §6): φ sends a neuron on such a row to its own pattern's block.
    let onKinksOf (a: ActiveBlock) (b: BlockValue) =
        a.Block.Sign = b.Block.Sign
        && Seq.forall (fun j ->
            a.Block.Pattern[j] = b.Block.Pattern[j]
            || abs (p.Data.X.Row(j).DotProduct(a.Direction)) <= Tolerances.Kink.At(p.Data.X.Row(j).L2Norm() * a.Direction.L2Norm()))
            (seq { 0 .. p.Data.N - 1 })
    let stray =
        back.NonZeroBlocks
        |> Seq.tryFind (fun b -> not (os.Active |> Seq.exists (fun a -> (a.Block = b.Block || onKinksOf a b) && colinear b.W a.Direction)))
    verdict (solvedStamps c.Problem regime r os @ [ sizeStamp "m" net.Width ])
        ([ exact "the solver certifies the optimum" (r.Status = SolverStatus.Optimal) r.StatusName "optimal" ]
         @ equalsOptimum "L_β(θ) for θ ∈ Θ*_m (sampled point of 𝒲*, split, padded, permuted)" r (objectiveRounding net p.Data p.Loss beta) l
         @ [ atMost "θ is stationary: Clarke measure ≤ threshold" (tol "Tolerances.Stationarity at the gradient scale" stat.Tolerance) stat.Measure stat.Threshold
             (let why = NeuronOps.WhyNotNearlyMinimal(net, p.Data, p.Patterns) in
              exact "θ is nearly minimal (NeuronOps.WhyNotNearlyMinimal)" (isNull why) (if isNull why then "nearly minimal" else why) "nearly minimal")
             within "θ is scaled (oracle: max relative |‖u_i‖ − |α_i||)" balanceTol (Oracles.scaledDeviation spec)
             within "θ's slots are positively colinear (oracle: max 1 − cos within a slot)" colinearityTol (Oracles.slotColinearityDeviation c.Problem.Data.X spec)
             exact "φ(minimalise θ) has its nonzero blocks on active blocks b (or on their kink rows), along d_b" stray.IsNone (match stray with Some b -> string b.Block | None -> "all on active directions") "all on active directions"
             // θ's ReLUs follow the signs of x_j·u, 𝒲*'s prediction the patterns: they differ by the sampled point's cone
             // violation.
             vecAgree "φ(minimalise θ) predicts z*" (networkPredictionTol p.X [ back; point ] point) (back.Predict p.X) os.Z ]
         @ equalsOptimum "L^c_β(φ(minimalise θ))" r (objectiveRounding minimal p.Data p.Loss beta) (cp.Objective back))

let laws (solver: SolverUnderTest) =
    [ Law.create "T1" "ψ(prune(W*)) padded to any width m ≥ m* attains P*_c, and the certified lower bound bounds every network" arbOpt (fun _ -> []) (widthMStar solver)
      Law.create "T2" "m* ≤ |supp(prune(W*))| ≤ rank(A) ≤ n, and the pruned point is a vertex of 𝒲*" arbOpt (fun _ -> []) (supportBound solver)
      Law.create "T3" "every network built from 𝒲* (sampled, split, permuted, padded) attains P*_c, is stationary and nearly minimal, and minimalises into 𝒲*" arbOptimalNetwork (fun _ -> []) (optimalNetworks solver) ]
