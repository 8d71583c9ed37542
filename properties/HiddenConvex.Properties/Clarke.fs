/// The figures of THEORY.md §7.1–§7.2 of a network, computed next to the core's Clarke element: kink
/// rows at a radius τ (with the core's arithmetic, so the same rows), ω_i, each neuron's share ε_i of
/// the element Stationarity.Measure returns, that element, and the co-conic same-sign pairs.
module HiddenConvex.Properties.Clarke

open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Numerics
open HiddenConvex.Properties.Context


/// One neuron's figures.
type NeuronFigures =
    { Index: int
      U: Vector<float>
      Alpha: float
      NormU: float
      /// K_i = {j : |x_j·u_i| ≤ τ‖x_j‖‖u_i‖}.
      Kinks: int list
      /// ω_i = Σ_{j ∈ K_i} |x_j·u_i| |∇ℓ_j|.
      Omega: float
      /// ε_i = ‖(g_{u,i}, g_{α,i})‖ of the core's element.
      Share: float
      GU: Vector<float>
      GAlpha: float
      /// A bound on the rounding of the computed element's norm (doubled §4.1 style):
      /// 2γ_{n+d+2}(‖u_i‖ + |α_i|)(Σ_j |∇ℓ_j|‖x_j‖ + β) + 2(n+d+2)√(d+1)·η — the last term is underflow
      /// (each of the ≤ n+d+2 products of an entry may lose η/2 absolutely when subnormal; d+1 entries).
      ShareError: float }

/// The figures of a network with the core's element at kink radius τ (relative; the core's
/// Tolerances.Kink has absolute part 0).
type NetworkFigures =
    { Report: StationarityReport
      Gradient: Vector<float>
      Neurons: NeuronFigures list
      /// x_j·u_i (n×m), with the core's arithmetic.
      Pre: Matrix<float>
      Kink: Tolerance }

let figures (net: Network) (data: Dataset) (loss: Loss) (beta: float) (kink: Tolerance) =
    let report = Stationarity.Measure(net, data, loss, beta, Tolerances.Stationarity, kink)
    let x = data.X
    let g = loss.Gradient(net.Predict x, data.Y)
    let pre = x.TransposeAndMultiply(net.U)
    let rowNorms = Array.init data.N (fun j -> x.Row(j).L2Norm())
    let gradScale = Array.fold2 (fun s (gj: float) r -> s + abs gj * r) 0.0 (g.ToArray()) rowNorms
    let neurons =
        [ for i in 0 .. net.Width - 1 ->
            let u = net.U.Row i
            let a = net.Alpha[i]
            let un = u.L2Norm()
            let kinks = [ for j in 0 .. data.N - 1 do if abs pre[j, i] <= kink.At(rowNorms[j] * un) then yield j ]
            { Index = i; U = u; Alpha = a; NormU = un; Kinks = kinks
              Omega = kinks |> List.sumBy (fun j -> abs pre[j, i] * abs g[j])
              Share = report.Neurons[i].Norm
              GU = report.MinNormGradU.Row i
              GAlpha = report.MinNormGradAlpha[i]
              ShareError = 2.0 * gamma (data.N + data.D + 2) * (un + abs a) * (gradScale + beta)
                           + 2.0 * float (data.N + data.D + 2) * sqrt (float (data.D + 1)) * underflowUnit } ]
    { Report = report; Gradient = g; Neurons = neurons; Pre = pre; Kink = kink }

/// Co-conic (THEORY.md §2: (x_j·u_i)(x_j·u_k) ≥ 0 on every row) pairs of nonzero neurons whose α have
/// the same sign.
let coConicSameSignPairs (f: NetworkFigures) =
    let live = f.Neurons |> List.filter (fun q -> q.Alpha <> 0.0 && q.NormU > 0.0)
    [ for a in live do
        for b in live do
            if a.Index < b.Index && sign a.Alpha = sign b.Alpha
               && Seq.forall (fun j -> f.Pre[j, a.Index] * f.Pre[j, b.Index] >= 0.0) (seq { 0 .. f.Pre.RowCount - 1 }) then
                yield a, b ]

/// 1 − cos∠(u, u'), from the normalised vectors (so that neurons of size 1e-160 do not underflow to 0/0).
let oneMinusCos (u: Vector<float>) (v: Vector<float>) = 1.0 - (u / u.L2Norm()).DotProduct(v / v.L2Norm())
