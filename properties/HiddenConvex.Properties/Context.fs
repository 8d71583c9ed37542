/// Shared set-up of a property case: named tolerances, vectors, the convex objective oracle and stamps
/// (the core objects of a generated problem are built in SolvedProblems: enumerate, betaOf, solveWith).
module HiddenConvex.Properties.Context

open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Numerics
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.DataGenerators
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.NetworkGenerators
open HiddenConvex.Properties.PointGenerators
open HiddenConvex.Properties.SolverUnderTest
open HiddenConvex.Properties.SolvedProblems

let tol name (t: Tolerance) = name, t
let objectiveTol = tol "Tolerances.Objective" Tolerances.Objective
let predictionTol = tol "Tolerances.Prediction" Tolerances.Prediction
let coneTol = tol "Tolerances.Cone" Tolerances.Cone
let balanceTol = tol "Tolerances.Balance" Tolerances.Balance
let colinearityTol = tol "Tolerances.Colinearity" Tolerances.Colinearity
let pricingTol = tol "Tolerances.Pricing" Tolerances.Pricing

let vec (a: float[]) = Vector<float>.Build.DenseOfArray a

/// L^c_β(W) straight from THEORY.md §3 with the block patterns given as strings (independent of ConvexPoint).
let convexObjectiveOracle (p: ProblemSpec) (beta: float) (blocks: BlockSpec[]) =
    let x = p.Data.X
    let z =
        x |> Array.mapi (fun j row ->
            blocks |> Array.sumBy (fun b -> if b.Pattern[j] = '1' then float b.Sign * Oracles.dot row b.W else 0.0))
    let loss = lossOf p
    loss.Value(vec z, vec p.Y) + beta * (blocks |> Array.sumBy (fun b -> Oracles.norm b.W)), z

let sizeStamp prefix (k: int) = sprintf "%s=%d" prefix k

/// γ_k = k u/(1 − k u), u = 2^−53 (THEORY.md §4.1; the core's Rounding.Gamma).
let gamma (k: int) = Rounding.Gamma(int64 k)

/// η = 2^−1074, the smallest subnormal: below the normal range (|·| < 2^−1022) a product or quotient is
/// no longer within a relative u of the exact one but within u·|exact| + η/2 (THEORY.md §4.1, underflow).
let underflowUnit = System.Double.Epsilon

/// B(θ) of THEORY.md §4.1 for the computed L_β(θ) (the core's NetworkObjective.Rounding).
let objectiveRounding (net: Network) (data: Dataset) (loss: Loss) (beta: float) =
    HiddenConvex.Core.Networks.NetworkObjective.Rounding(net, data, loss, beta)

/// B_low of THEORY.md §4.1 for the computed lower bound −ℓ*(−t v) (the core's Loss.LowerRounding).
let lowerRounding (loss: Loss) (v: Vector<float>) (y: Vector<float>) (t: float) (lower: float) = loss.LowerRounding(v, y, t, lower)
