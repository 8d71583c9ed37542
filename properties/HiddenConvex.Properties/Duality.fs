/// D1, D2 (THEORY.md §4, §10): weak duality and the solver's certificates.
module HiddenConvex.Properties.Duality

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Certificates
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Verification
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

/// A random dual-feasible v: v = −∇ℓ(z) for a random z (so −v lies in the domain of ℓ*, for every
/// loss), scaled by t ≤ min(cap, β/ρ(v)) as a certificate is (THEORY.md §4). For the squared loss
/// z_j = 1 − 2U_j gives v_j = c(y_j + e_j), e_j uniform in (−1, 1).
let feasibleDual (p: Problem) (beta: float) (seed: int) =
    let rng = Random seed
    let z = Vector<float>.Build.Dense(p.Data.N, fun _ -> 1.0 - 2.0 * rng.NextDouble())
    let raw = -(p.Loss.Gradient(z, p.Data.Y))
    let rho = (ExactPricing.Price(p.X, p.Patterns, raw)).Rho
    let t = min p.Loss.DualScaleCap (if rho > beta then beta / rho else 1.0)
    let v = raw * t
    v, (ExactPricing.Price(p.X, p.Patterns, v)).Rho

let weakDualityNetwork (c: DualCase) =
    let p = enumerate c.Case.Problem
    let beta, regime = betaOf p
    let net = networkOf (dim c.Case.Problem.Data) c.Case.Net
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    let v, rho = feasibleDual p beta c.Seed
    let dual = p.Loss.NegConjugate(v, p.Data.Y)
    let cert = NetworkCertificate.For(p.Data, p.Loss, beta, p.Patterns, net)
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
    let cert = NetworkCertificate.For(p.Data, p.Loss, beta, p.Patterns, net)
    verdict (problemStamps c.Case.Problem @ [ regime; sizeStamp "blocks" c.Blocks.Length ])
        [ atMost "weak duality: −ℓ*(−v) ≤ L^c_β(W) for a dual-feasible v and a feasible W" objectiveTol (p.Loss.NegConjugate(v, p.Data.Y)) lc
          atMost "the certificate lower bound of any network is ≤ L^c_β(W) for every feasible W" objectiveTol cert.Lower lc ]

let laws =
    [ Law.create "D1" "weak duality: −ℓ*(−v) ≤ L_β(θ) for every network and every dual-feasible v, and certificates have gap ≥ 0" arbDual (fun _ -> []) weakDualityNetwork
      Law.create "D1" "weak duality: every dual-feasible v and every certificate lower bound is ≤ L^c_β(W) for every feasible W" arbDual (fun _ -> []) weakDualityConvex ]

// ---------------------------------------------------------------------------------------------
// Pricing (THEORY.md §4) and D2 (the solver's certificate)

type SeededProblem = { Problem: ProblemSpec; Seed: int }

let arbSeededProblem =
    Arb.fromGenShrink (
        Gen.map2 (fun p s -> { Problem = p; Seed = s }) genProblem (Gen.choose (0, 1_000_000)),
        fun c -> shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p }))

let private exactTolerance = tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))

let private unitDirections (rng: Random) d k =
    let gauss () = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * Math.PI * rng.NextDouble())
    [ for _ in 1 .. k ->
        let u = Array.init d (fun _ -> gauss ())
        let nu = Oracles.norm u
        if nu = 0.0 then Array.init d (fun i -> if i = 0 then 1.0 else 0.0) else u |> Array.map (fun a -> a / nu) ]

/// |v·σ(Xu)| straight from the definition.
let private response (x: float[][]) (v: float[]) (u: float[]) =
    abs (Array.fold2 (fun s row vj -> s + vj * max (Oracles.dot row u) 0.0) 0.0 x v)

let pricingMaximiser (c: SeededProblem) =
    let p = enumerate c.Problem
    let rng = Random c.Seed
    let v = Vector<float>.Build.Dense(p.Data.N, fun _ -> rng.NextDouble() * 2.0 - 1.0)
    let r = ExactPricing.Price(p.X, p.Patterns, v)
    let x = c.Problem.Data.X
    let va = v.ToArray()
    let sampled = unitDirections rng p.Data.D 300 |> List.map (response x va) |> List.max
    let ustar = r.Maximiser.ToArray()
    verdict (problemStamps c.Problem @ [ sizeStamp "cells" p.Patterns.Count ])
        ([ atMost "ρ(v) ≥ |v·σ(Xu)| for every sampled unit u (ρ is a maximum)" pricingTol sampled r.Rho ]
         @ (if r.Rho > 0.0 then
                [ agree "the maximiser u* has ‖u*‖ = 1" pricingTol (Oracles.norm ustar) 1.0
                  agree "ρ(v) is attained: |v·σ(Xu*)| = ρ(v)" pricingTol (response x va ustar) r.Rho ]
            else []))

/// For squared loss, the certificate's lower bound from its definition: t = clip(c v·y/‖v‖², 0, β/ρ).
let private squaredLower (p: Problem) beta (z: Vector<float>) =
    let c = p.Spec.Scale
    let y = p.Data.Y
    let v = -(c * (z - y))
    let rho = (ExactPricing.Price(p.X, p.Patterns, v)).Rho
    let vv = v.DotProduct v
    let t = if vv = 0.0 then 0.0 else min (max (c * v.DotProduct y / vv) 0.0) (if rho > 0.0 then beta / rho else Double.PositiveInfinity)
    t * v.DotProduct y - t * t * vv / (2.0 * c)

/// A finding of the shared certificate check (SolutionCheck) as a check of a law.
let ofFinding (f: SolutionFinding) =
    { What = f.What; Observed = f.Observed; Expected = f.Expected; Tolerance = f.Tolerance; Ok = f.Ok }

let solverCertified (solver: SolverUnderTest) (c: SeededProblem) =
    let p = enumerate c.Problem
    let beta, regime = betaOf p
    let eps = HiddenConvex.Core.Numerics.Tolerances.DefaultSolverGap
    let cp = convexProblem p beta
    let r = solver.Solve cp
    let claim = SolutionCheck.Check(cp, ClaimedSolution.Of r, eps)
    let z0 = Vector<float>.Build.Dense(p.Data.N)
    let gapTol = "ε·|objective| + B (ε = Tolerances.DefaultSolverGap, B the objective's rounding, THEORY.md §4.1)", HiddenConvex.Core.Numerics.Tolerance(eps * abs r.Objective + r.Certificate.ObjectiveRounding, 0.0)
    let isSquared = match p.Loss with :? HiddenConvex.Core.Losses.SquaredLoss -> true | _ -> false
    verdict (problemStamps c.Problem @ [ regime; sizeStamp "cells" p.Patterns.Count; sprintf "status=%s" r.StatusName ])
        ([ exact "the solver reports status optimal" (r.Status = SolverStatus.Optimal) r.StatusName "optimal"
           exact "the result is over the exact pattern set" r.LowerProven (string r.LowerProven) "true"
           atMost "the reported relative gap is at most the stated ε" (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) r.RelativeGap eps ]
         @ (claim.Findings |> Seq.map ofFinding |> Seq.toList)
         @ [ atMost "lower ≤ objective" objectiveTol r.Lower r.Objective ]
         @ (if isSquared then
                [ agree "the lower bound equals the closed form t·v·y − t²‖v‖²/(2c) of §4 at the result's dual point (W's prediction, or its dual prediction, §4.2)"
                    objectiveTol r.Lower (squaredLower p beta (if isNull r.DualPrediction then r.W.Predict p.X else r.DualPrediction)) ]
            else [])
         @ (if c.Problem.BetaRatio >= 1.0 && regime <> "regime=beta_max=0" then
                [ agree "β ≥ β_max: P*_c = ℓ(0) (W* = 0)" gapTol r.Objective (p.Loss.Value(z0, p.Data.Y)) ]
            else []))

let squaredScaling (solver: SolverUnderTest) (c: SeededProblem) =
    let spec = { c.Problem with Loss = "squared"; Y = c.Problem.Y }
    let p = enumerate spec
    let beta, regime = betaOf p
    let kappa = Math.Pow(2.0, float ((c.Seed % 7) - 3)) * (1.0 + float (c.Seed % 5) / 10.0)
    let p2 = enumerate { spec with Y = spec.Y |> Array.map ((*) kappa) }
    let r1 = solver.Solve(convexProblem p beta)
    let r2 = solver.Solve(convexProblem p2 (kappa * beta))
    // P* ∈ [objective − Ḡ, objective] for each solve (Ḡ its proven gap, rounding included), so |P₂ − κ²P₁| = 0 gives
    // |objective₂ − κ²objective₁| ≤ Ḡ₂ + κ²Ḡ₁.
    let allowed = r2.Certificate.ProvenGap + kappa * kappa * r1.Certificate.ProvenGap
    verdict (dataStamps spec.Data @ [ regime; sprintf "kappa=%s" (kappa.ToString("0.###")) ])
        [ exact "both solves are optimal" (r1.Status = SolverStatus.Optimal && r2.Status = SolverStatus.Optimal) (r1.StatusName + ", " + r2.StatusName) "optimal, optimal"
          agree "squared loss: (y, β) → (κy, κβ) gives P*_c → κ² P*_c"
              ("both proven gaps: Ḡ₂ + κ²Ḡ₁ (THEORY.md §4.1)", HiddenConvex.Core.Numerics.Tolerance(allowed, 0.0))
              r2.Objective (kappa * kappa * r1.Objective) ]

/// Over a sampled pattern set the bounds are not proven for the full program (THEORY.md §4, PatternSet.IsExact).
let sampledNotCertified (solver: SolverUnderTest) (c: SeededProblem) =
    let p = enumerate c.Problem
    let beta, regime = betaOf p
    let sampled = PatternSampler.Sample(p.X, 50, c.Seed)
    let r = solver.Solve(ConvexProblem(p.Data, p.Loss, beta, sampled))
    let cert = ConvexProblem(p.Data, p.Loss, beta, sampled).Certify(r.W)
    let complete = sampled.Count = p.Patterns.Count
    verdict (problemStamps c.Problem @ [ regime; "patterns=sampled"; (if complete then "sample=all-cells" else "sample=partial") ])
        [ exact "a sampled pattern set is marked not exact" (not sampled.IsExact) (string sampled.IsExact) "false"
          exact "the solver never reports a proven optimum over sampled patterns" (r.Status <> SolverStatus.Optimal) r.StatusName "not optimal (optimal-restricted or a limit)"
          exact "the result says its patterns are not exact" (not r.LowerProven) (string r.LowerProven) "false"
          exact "the certificate over sampled patterns is never certified" (not (cert.CertifiedAt 1.0)) (string (cert.CertifiedAt 1.0)) "false"
          atMost "the restricted optimum is ≥ the exact program's certified lower bound" objectiveTol
              (solver.Solve(convexProblem p beta)).Lower r.Objective ]


// ---------------------------------------------------------------------------------------------
// D3 (THEORY.md §4a): the pricing bracket ρ̲ ≤ ρ ≤ ρ̄

/// ‖X^T w‖ with w = γ s⊙v + (2s − 1)⊙μ, i.e. ‖g + A^Tμ‖ for the block (s, γ), rounded outward as §4a
/// states: (1 + γ_{d+2})(‖r̂‖ + γ_{n+1}‖X‖_F‖ŵ‖).
let multiplierBound (x: Matrix<float>) (s: HiddenConvex.Core.Arrangements.ActivationPattern) (gammaSign: int) (v: Vector<float>) (mu: Vector<float>) =
    let w = Vector<float>.Build.Dense(x.RowCount, fun j -> (if s[j] then float gammaSign * v[j] + mu[j] else -mu[j]))
    let r = x.TransposeThisAndMultiply(w)
    (1.0 + gamma (x.ColumnCount + 2)) * (r.L2Norm() + gamma (x.RowCount + 1) * x.FrobeniusNorm() * w.L2Norm())

let pricingBracket (c: SeededProblem) =
    let p = enumerate c.Problem
    let rng = Random c.Seed
    let v = Vector<float>.Build.Dense(p.Data.N, fun _ -> rng.NextDouble() * 2.0 - 1.0)
    let oracle = EnumeratedPricing(p.X, p.Patterns)
    let priced = oracle.Price v
    let x = p.X
    let va = v.ToArray()
    // The witness's value γ v·σ(Xu*), evaluated from the definition; its rounding is γ_{n+d+2} Σ_j |v_j|‖x_j‖.
    let u = priced.Maximiser
    let witness = float priced.BestBlock.Sign * (v.DotProduct((x * u).PointwiseMaximum(0.0)))
    let evaluation = gamma (p.Data.N + p.Data.D + 2) * Seq.sum (seq { for j in 0 .. p.Data.N - 1 -> abs va[j] * x.Row(j).L2Norm() })
    let gBest = x.TransposeThisAndMultiply(Vector<float>.Build.Dense(p.Data.N, fun j -> if priced.BestBlock.Pattern[j] then v[j] else 0.0)).L2Norm()
    // Per block: Π ∈ C, and ‖Π_C(g)‖ ≤ ‖g + A^Tμ‖ for random μ ≥ 0 (and μ = 0).
    let blocks = [ for i in 0 .. p.Patterns.Count - 1 do for gsign in [ 1; -1 ] -> Block(p.Patterns.Cells[i].Pattern, gsign) ]
    let rowNorms = Array.init p.Data.N (fun j -> x.Row(j).L2Norm())
    let perBlock =
        blocks |> List.map (fun b ->
            let mutable projected = 0.0
            let pi = Vector<float>.Build.DenseOfArray(oracle.Geometry.Projection(b, va, &projected))
            let value = pi.L2Norm()
            let g = x.TransposeThisAndMultiply(Vector<float>.Build.Dense(p.Data.N, fun j -> if b.Pattern[j] then float b.Sign * v[j] else 0.0))
            let scale = g.L2Norm()
            let mus = Vector<float>.Build.Dense(p.Data.N) :: [ for _ in 1 .. 3 -> Vector<float>.Build.Dense(p.Data.N, fun j -> if rowNorms[j] = 0.0 then 0.0 else -log (1.0 - rng.NextDouble()) * scale / rowNorms[j] * (if rng.Next 2 = 0 then 1.0 else 1e-3)) ]
            let slack = mus |> List.map (fun mu -> value - multiplierBound x b.Pattern b.Sign v mu - Tolerances.ConeProjection.At scale) |> List.max
            let violation =
                Seq.init p.Data.N (fun j -> if rowNorms[j] = 0.0 then 0.0 else -((if b.Pattern[j] then 1.0 else -1.0) * x.Row(j).DotProduct(pi)) - Tolerances.Cone.At(rowNorms[j] * scale))
                |> Seq.fold max Double.NegativeInfinity
            b, slack, violation)
    let worstSlack = perBlock |> List.maxBy (fun (_, s, _) -> s)
    let worstCone = perBlock |> List.maxBy (fun (_, _, v) -> v)
    let blk, slack, _ = worstSlack
    let blkC, _, viol = worstCone
    verdict (problemStamps c.Problem @ [ sizeStamp "blocks" blocks.Length ])
        [ exact "the enumerated oracle's bound is proven for the full program (S(X) exact)" priced.UpperProven (string priced.UpperProven) "true"
          atMost "ρ̲ ≤ ρ̄: the best found value is at most the proven upper bound" exactTolerance priced.Rho priced.Upper
          atMost "ρ̲ ≤ γ v·σ(Xu*) + rounding: the witness u* attains the best found value"
              (sprintf "Tolerances.ConeProjection at ‖g_best‖ + γ_{n+d+2}Σ|v_j|‖x_j‖ = %s" (fmt (Tolerances.ConeProjection.At gBest + evaluation)), Tolerance(Tolerances.ConeProjection.At gBest + evaluation, 0.0)) priced.Rho witness
          agree "‖u*‖ = 1 (or u* = 0 when ρ̲ = 0)" pricingTol (u.L2Norm()) (if priced.Rho > 0.0 then 1.0 else 0.0)
          atMost (sprintf "‖Π_C(g)‖ ≤ ‖g + A^Tμ‖ (outward rounded, §4a) for μ = 0 and random μ ≥ 0, worst block %O" blk)
              (tol "Tolerances.ConeProjection at ‖g‖" Tolerances.ConeProjection) (slack) 0.0
          atMost (sprintf "Π_C(g) lies in its cone (worst block %O, excess over Tolerances.Cone at ‖x_j‖‖g‖, the scale of g + A^Tμ)" blkC) exactTolerance viol 0.0 ]

// ---------------------------------------------------------------------------------------------
// D4 (THEORY.md §4a): certificates from any ρ̄ ≥ ρ(v) never exceed P*

type CertificateCase = { Case: NetCase; Seed: int }

let arbCertificateCase =
    Arb.fromGenShrink (
        Gen.map2 (fun c s -> { Case = c; Seed = s }) genNetCase (Gen.choose (0, 1_000_000)),
        fun c -> shrinkNetCase c.Case |> Seq.map (fun x -> { c with Case = x }))

let certificatesBelowOptimum (solver: SolverUnderTest) (c: CertificateCase) =
    let p = enumerate c.Case.Problem
    let beta, regime = betaOf p
    let rng = Random c.Seed
    let r = solver.Solve(convexProblem p beta)
    let net = networkOf (dim c.Case.Problem.Data) c.Case.Net
    let l = NetworkObjective.Value(net, p.Data, p.Loss, beta)
    // v: −∇ℓ(z) at a random z (in the domain of ℓ*) or a Gaussian vector (possibly outside it: −ℓ*(−tv) = −∞).
    let gaussian () = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * Math.PI * rng.NextDouble())
    let kindOfV = rng.Next 3
    let v =
        if kindOfV < 2 then -(p.Loss.Gradient(Vector<float>.Build.Dense(p.Data.N, fun _ -> 3.0 * gaussian ()), p.Data.Y))
        else Vector<float>.Build.Dense(p.Data.N, fun _ -> gaussian ())
    let oracle = EnumeratedPricing(p.X, p.Patterns)
    let rho = (oracle.Price v).Upper
    // ρ̄: the oracle's bound, a larger number, or the multiplier bound of random μ ≥ 0 over every block.
    let rhoBar, how =
        match rng.Next 3 with
        | 0 -> rho, "oracle"
        | 1 -> rho * (1.0 + rng.NextDouble()), "oracle·(1+U)"
        | _ ->
            let blocks = [ for i in 0 .. p.Patterns.Count - 1 do for gsign in [ 1; -1 ] -> Block(p.Patterns.Cells[i].Pattern, gsign) ]
            let mu = Vector<float>.Build.Dense(p.Data.N, fun _ -> rng.NextDouble() * (v.InfinityNorm()))
            (blocks |> List.map (fun b -> multiplierBound p.X b.Pattern b.Sign v mu) |> List.fold max 0.0), "max_b ‖g_b + A^Tμ‖"
    let cap = p.Loss.DualScaleCap
    let tMax = if rhoBar > 0.0 then min cap (beta / rhoBar) else (if Double.IsPositiveInfinity cap then 1.0 else cap)
    let t = if rng.Next 3 = 0 then tMax else tMax * rng.NextDouble()
    let lower = p.Loss.NegConjugate(v * t, p.Data.Y)
    verdict (problemStamps c.Case.Problem @ [ regime; sprintf "status=%s" r.StatusName; sprintf "rho-bar=%s" how; (if kindOfV < 2 then "v=-grad" else "v=gaussian"); (if Double.IsNegativeInfinity lower then "lower=-inf" else "lower=finite") ])
        [ atMost "the solver's W is feasible, so its objective bounds P*_c from above (max relative cone violation)" coneTol (r.W.MaxConeViolation p.X) 0.0
          atMost (sprintf "−ℓ*(−t v) ≤ P*_c (≤ the solver's objective) for t = %s ≤ min(cap, β/ρ̄), ρ̄ = %s ≥ ρ(v) = %s" (fmt t) (fmt rhoBar) (fmt rho)) objectiveTol lower r.Objective
          atMost "−ℓ*(−t v) ≤ L_β(θ) of the generated network" objectiveTol lower l ]

let solverLaws (solver: SolverUnderTest) =
    [ Law.create "D1" "the pricing value ρ(v) bounds |v·σ(Xu)| for every unit u and is attained by its maximiser u*" arbSeededProblem (fun _ -> []) pricingMaximiser
      Law.create "D2" "the solver's result is certified optimal at its stated ε, feasible, and its lower bound is reproduced independently" arbSeededProblem (fun _ -> []) (solverCertified solver)
      Law.create "D2" "over sampled patterns the solver and the certificate never claim a proven optimum, and stay above the exact lower bound" arbSeededProblem (fun _ -> []) (sampledNotCertified solver)
      Law.create "I1" "for squared loss, (y, β) → (κy, κβ) multiplies P*_c by κ²" arbSeededProblem (fun _ -> []) (squaredScaling solver)
      Law.create "D3" "the pricing bracket: the oracle's best value ρ̲ is attained by its unit witness and is ≤ its proven bound ρ̄, each block's projection lies in its cone and ‖Π_C(g)‖ ≤ ‖g + A^Tμ‖ for every μ ≥ 0" arbSeededProblem (fun _ -> []) pricingBracket
      Law.create "D4" "certificates from any ρ̄ ≥ ρ(v) never exceed P*: −ℓ*(−tv) ≤ P*_c and ≤ L_β(θ) for every v and t ∈ [0, min(cap, β/ρ̄)]" arbCertificateCase (fun _ -> []) (certificatesBelowOptimum solver) ]
