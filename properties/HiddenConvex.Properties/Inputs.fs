/// The inputs of the properties as plain records (serialisable to JSON for counterexamples and the
/// regression catalogue: field names are the stored format, never rename them), their conversions
/// to the core's types, the size schedule, and the stamps that classify a case in the report.
module HiddenConvex.Properties.Inputs

open System
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses

// ---------------------------------------------------------------------------------------------
// Input records

/// A data matrix and the name of the generator that drew it (free text in stored cases). When Base
/// holds one integer row per row of X, row j is RowScale[j] · Base[j] with RowScale a power of two,
/// so the arrangement {x_j·u = 0} is the one of the integer rows and can be computed exactly
/// (Oracles.exactCellCount); Gaussian data has no Base.
type DataSpec =
    { Kind: string
      X: float[][]
      Base: int64[][]
      RowScale: float[] }

/// A problem: data, targets, loss (a name of the core's LossRegistry) with scale c, and β given as a
/// ratio (laws on the convex program read β = BetaRatio · β_max with β_max = ρ(−∇ℓ(0)); the map laws
/// of THEORY.md §5 hold for every β and read β = BetaRatio directly).
type ProblemSpec =
    { Data: DataSpec
      Y: float[]
      Loss: string
      Scale: float
      BetaRatio: float }

/// A network θ = {(u_i, α_i)} and the name of the generator that built it (free text in stored cases).
type NetSpec =
    { Kind: string
      U: float[][]
      Alpha: float[] }

/// One block value w_b of a convex point: pattern as a 0/1 string, sign γ, value.
type BlockSpec =
    { Pattern: string
      Sign: int
      W: float[] }

type NetCase = { Problem: ProblemSpec; Net: NetSpec }
type PointCase = { Problem: ProblemSpec; Blocks: BlockSpec[] }

// ---------------------------------------------------------------------------------------------
// Conversions to the core's types

let n (d: DataSpec) = d.X.Length
let dim (d: DataSpec) = if d.X.Length = 0 then 0 else d.X[0].Length
let matrix (d: DataSpec) = Matrix<float>.Build.DenseOfRowArrays(d.X)

/// The data carries its exact integer rows (every generator but the Gaussian one, and Gaussian data
/// after the shrinker rounded it): its arrangement can be computed exactly.
let hasExactBase (d: DataSpec) = d.Base.Length > 0 && d.Base.Length = d.X.Length

let lossOf (p: ProblemSpec) : Loss = Loss.Parse(p.Loss, p.Scale)

/// What the targets of the problem's loss may be (LossRegistry: TargetDomain).
let targetDomain (loss: string) = (Loss.Parse loss).Targets

let datasetOf (p: ProblemSpec) = Dataset.Create(p.Data.X, p.Y, "generated")

let networkOf (d: int) (net: NetSpec) =
    if net.Alpha.Length = 0 then Network.Empty d
    else Network.Create(Matrix<float>.Build.DenseOfRowArrays(net.U), Vector<float>.Build.DenseOfArray(net.Alpha))

/// The weights of a network as a plain record (for oracles and counterexamples).
let netSpecOf kind (net: Network) =
    { Kind = kind; U = Array.init net.Width (fun i -> net.U.Row(i).ToArray()); Alpha = net.Alpha.ToArray() }

let patternOfString (s: string) = HiddenConvex.Core.Arrangements.ActivationPattern.Parse s

/// s(u) = 1[X u ≥ 0] as a 0/1 string (THEORY.md §2, the partition convention).
let patternString (x: float[][]) (u: float[]) =
    String(x |> Array.map (fun r -> if Array.fold2 (fun a xi ui -> a + xi * ui) 0.0 r u >= 0.0 then '1' else '0'))

// ---------------------------------------------------------------------------------------------
// Editing inputs (the shrinkers' moves)

let removeAt i (a: 'a[]) = Array.append a[.. i - 1] a[i + 1 ..]

let dropRow j (d: DataSpec) =
    { d with
        X = removeAt j d.X
        Base = if d.Base.Length = 0 then d.Base else removeAt j d.Base
        RowScale = if d.RowScale.Length = 0 then d.RowScale else removeAt j d.RowScale }

let dropColumn k (d: DataSpec) =
    { d with X = d.X |> Array.map (removeAt k); Base = d.Base |> Array.map (removeAt k) }

let dropNeuron i (net: NetSpec) = { net with U = removeAt i net.U; Alpha = removeAt i net.Alpha }

/// A uniformly random permutation of 0 .. k−1 (Fisher–Yates).
let permutation (rng: Random) k =
    let a = Array.init k id
    for i in k - 1 .. -1 .. 1 do
        let j = rng.Next(i + 1)
        let t = a[i] in a[i] <- a[j]; a[j] <- t
    a

// ---------------------------------------------------------------------------------------------
// Sizes: FsCheck's size grows over a run; n ≤ 2 + size/8 (≤ 16), d ≤ 1 + size/25 (≤ 5).
// Quick: end size 56 → n ≤ 9, d ≤ 3. Default: 80 → n ≤ 12, d ≤ 4. Deep: 112 → n ≤ 16, d ≤ 5.

let maxN size = min 16 (2 + size / 8)
let maxD size = min 5 (1 + size / 25)

// ---------------------------------------------------------------------------------------------
// Stamps (the report's histograms)

let sizeStamp prefix (k: int) = sprintf "%s=%d" prefix k

let dataStamps (d: DataSpec) =
    [ sprintf "n=%d" (n d); sprintf "d=%d" (dim d); sprintf "data=%s" d.Kind ]

let problemStamps (p: ProblemSpec) =
    dataStamps p.Data @ [ sprintf "loss=%s" p.Loss ]
