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

/// The rounding of predictions compared (THEORY.md §4.1): the prediction of a convex point sums K nonzero blocks' d-term
/// products, so |ẑ_j − z_j| ≤ γ_{(d+1)K+2} Σ_b Σ_k |x_jk w_bk|, summed over the sides. Needed where the terms cancel
/// (e.g. a row of norm 1e6 on a block orthogonal to it, whose prediction is 0 up to 1e-10).
let private predictionRounding (x: Matrix<float>) (sides: ConvexPoint list) =
    let roundingOf (w: ConvexPoint) =
        let blocks = [| for b in w.NonZeroBlocks -> b.W |]
        let terms = Array.init x.RowCount (fun j -> blocks |> Array.sumBy (fun wb -> x.Row(j).PointwiseMultiply(wb).L1Norm()))
        gamma ((x.ColumnCount + 1) * blocks.Length + 2) * (if terms.Length = 0 then 0.0 else Array.max terms)
    sides |> List.sumBy roundingOf

/// Per row j, Σ_b of |x_j·w_b| on the wrong side of b's cone (x_j·w_b < 0 on an active row, > 0 on an inactive one):
/// the amount by which a network ψ(W), whose ReLUs follow the signs of x_j·u, predicts differently from W's convex
/// prediction Σ_b γ_b diag(s_b) X w_b (THEORY.md §5). Points of 𝒲* are in their cones within Tolerances.Cone only.
let private coneViolationByRow (x: Matrix<float>) (w: ConvexPoint) =
    Array.init x.RowCount (fun j ->
        w.NonZeroBlocks |> Seq.sumBy (fun b ->
            let s = x.Row(j).DotProduct(b.W)
            if b.Block.Pattern[j] then max 0.0 (-s) else max 0.0 s))

/// The tolerance for comparing the prediction of a network built from the convex point <c>builtFrom</c> (its ReLUs follow
/// the computed signs of x_j·u) with a convex prediction: Tolerances.Prediction plus the rounding of the predictions of
/// <c>compared</c> and the largest per-row cone violation of <c>builtFrom</c> — the two differ by exactly that much,
/// measured, not a tolerance.
let networkPredictionTol (x: Matrix<float>) (compared: ConvexPoint list) (builtFrom: ConvexPoint) =
    let cone = coneViolationByRow x builtFrom |> Array.fold max 0.0
    let allowance = predictionRounding x compared + cone
    tol (sprintf "Tolerances.Prediction + rounding Σ_sides γ_{(d+1)K+2}·max_j Σ|x_jk w_bk| + max_j cone violation = %s (THEORY.md §4.1)"
            (HiddenConvex.Properties.Law.fmt allowance))
        (Tolerance(Tolerances.Prediction.Absolute + allowance, Tolerances.Prediction.Relative))

/// η = 2^−1074, the smallest subnormal: below the normal range (|·| < 2^−1022) a product or quotient is
/// no longer within a relative u of the exact one but within u·|exact| + η/2 (THEORY.md §4.1, underflow).
let underflowUnit = System.Double.Epsilon

/// B(θ) of THEORY.md §4.1 for the computed L_β(θ) (the core's NetworkObjective.Rounding).
let objectiveRounding (net: Network) (data: Dataset) (loss: Loss) (beta: float) =
    HiddenConvex.Core.Networks.NetworkObjective.Rounding(net, data, loss, beta)

/// B_low of THEORY.md §4.1 for the computed lower bound −ℓ*(−t v) (the core's Loss.LowerRounding).
let lowerRounding (loss: Loss) (v: Vector<float>) (y: Vector<float>) (t: float) (lower: float) = loss.LowerRounding(v, y, t, lower)
