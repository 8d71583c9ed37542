/// Shared set-up of a property case: the core objects built from a generated problem.
module HiddenConvex.Properties.Context

open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Numerics
open HiddenConvex.Properties.Generators

let tol name (t: Tolerance) = name, t
let objectiveTol = tol "Tolerances.Objective" Tolerances.Objective
let predictionTol = tol "Tolerances.Prediction" Tolerances.Prediction
let coneTol = tol "Tolerances.Cone" Tolerances.Cone
let balanceTol = tol "Tolerances.Balance" Tolerances.Balance
let colinearityTol = tol "Tolerances.Colinearity" Tolerances.Colinearity
let pricingTol = tol "Tolerances.Pricing" Tolerances.Pricing

let vec (a: float[]) = Vector<float>.Build.DenseOfArray a

/// The problem's data, loss and exact pattern set S(X).
type Problem =
    { Spec: ProblemSpec
      Data: Dataset
      Loss: Loss
      X: Matrix<float>
      Patterns: PatternSet }

let enumerate (p: ProblemSpec) =
    let data = datasetOf p
    { Spec = p; Data = data; Loss = lossOf p; X = data.X; Patterns = CellEnumerator.Enumerate data.X }

/// β_max = ρ(−∇ℓ(0)) (THEORY.md §4): the smallest β with W* = 0.
let betaMax (p: Problem) =
    let v = -(p.Loss.Gradient(Vector<float>.Build.Dense(p.Data.N), p.Data.Y))
    (Pricing.Price(p.X, p.Patterns, v)).Rho

/// β = BetaRatio · β_max, with the regime as a stamp; when β_max = 0 (all rows zero or v = 0),
/// β = BetaRatio.
let betaOf (p: Problem) =
    let bm = betaMax p
    if bm > 0.0 then
        p.Spec.BetaRatio * bm, (if p.Spec.BetaRatio < 1.0 then "regime=beta<beta_max" else "regime=beta>=beta_max")
    else p.Spec.BetaRatio, "regime=beta_max=0"

/// The convex problem at β.
let convexProblem (p: Problem) beta = ConvexProblem(p.Data, p.Loss, beta, p.Patterns)

/// L^c_β(W) straight from THEORY.md §3 with the block patterns given as strings (independent of ConvexPoint).
let convexObjectiveOracle (p: ProblemSpec) (beta: float) (blocks: BlockSpec[]) =
    let x = p.Data.X
    let z =
        x |> Array.mapi (fun j row ->
            blocks |> Array.sumBy (fun b -> if b.Pattern[j] = '1' then float b.Sign * Oracles.dot row b.W else 0.0))
    let loss = lossOf p
    loss.Value(vec z, vec p.Y) + beta * (blocks |> Array.sumBy (fun b -> Oracles.norm b.W)), z

let sizeStamp prefix (k: int) = sprintf "%s=%d" prefix k
