/// Inputs of the properties as plain records (serialisable to JSON for counterexamples and the
/// regression catalogue), generators that build VALID inputs by construction, and shrinkers
/// toward small n, d, m and small integers. Inputs that must satisfy a theorem's hypothesis
/// (optimal networks, Clarke-stationary networks) have their own named arbitraries at the end.
module HiddenConvex.Properties.Generators

open System
open FsCheck
open FsCheck.FSharp
open System.Collections.Generic
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Training

// ---------------------------------------------------------------------------------------------
// Input records

/// A data matrix. For every kind except "gaussian", row j is RowScale[j] · Base[j] with Base
/// an exact integer row and RowScale a power of two, so the arrangement {x_j·u = 0} is the one of
/// the integer rows and can be computed exactly (see Oracles.exactCellCount).
type DataSpec =
    { Kind: string
      X: float[][]
      Base: int64[][]
      RowScale: float[] }

/// A problem: data, targets, loss (squared/logistic) with scale c, and β given as a ratio
/// (laws on the convex program read β = BetaRatio · β_max with β_max = ρ(−∇ℓ(0)); the map laws
/// of THEORY.md §5 hold for every β and read β = BetaRatio directly).
type ProblemSpec =
    { Data: DataSpec
      Y: float[]
      Loss: string
      Scale: float
      BetaRatio: float }

/// A network θ = {(u_i, α_i)} and how it was built ("arbitrary", "scaled", "nearly-minimal", ...).
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
let isExactKind (d: DataSpec) = d.Kind <> "gaussian"

let lossOf (p: ProblemSpec) : Loss = Loss.Parse(p.Loss, p.Scale)
let datasetOf (p: ProblemSpec) = Dataset.Create(p.Data.X, p.Y, "generated")
let networkOf (d: int) (net: NetSpec) =
    if net.Alpha.Length = 0 then Network.Empty d
    else Network.Create(Matrix<float>.Build.DenseOfRowArrays(net.U), Vector<float>.Build.DenseOfArray(net.Alpha))

let patternOfString (s: string) = HiddenConvex.Core.Arrangements.ActivationPattern.Parse s
let patternString (x: float[][]) (u: float[]) =
    String(x |> Array.map (fun r -> if Array.fold2 (fun a xi ui -> a + xi * ui) 0.0 r u >= 0.0 then '1' else '0'))

// ---------------------------------------------------------------------------------------------
// Sizes: FsCheck's size grows over a run; n ≤ 2 + size/8 (≤ 16), d ≤ 1 + size/25 (≤ 5).
// Quick: end size 56 → n ≤ 9, d ≤ 3. Default: 80 → n ≤ 12, d ≤ 4. Deep: 112 → n ≤ 16, d ≤ 5.

let maxN size = min 16 (2 + size / 8)
let maxD size = min 5 (1 + size / 25)

// ---------------------------------------------------------------------------------------------
// Random numbers inside Gen

let gaussian : Gen<float> =
    gen {
        let! a = Gen.choose (1, 1_000_000)
        let! b = Gen.choose (0, 1_000_000)
        let u1 = float a / 1_000_001.0
        let u2 = float b / 1_000_001.0
        return sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)
    }

let uniform lo hi : Gen<float> =
    Gen.choose (0, 1_000_000) |> Gen.map (fun k -> lo + (hi - lo) * float k / 1_000_000.0)

let logUniform lo hi : Gen<float> = uniform (log lo) (log hi) |> Gen.map exp

let smallInt r : Gen<int64> = Gen.choose (-r, r) |> Gen.map int64

let private intRow d r = Gen.arrayOfLength d (smallInt r)

let private nonzeroIntRow d r =
    intRow d r |> Gen.map (fun row -> if Array.forall ((=) 0L) row then Array.init d (fun k -> if k = 0 then 1L else 0L) else row)

// ---------------------------------------------------------------------------------------------
// Data

let private ofBase kind (rows: int64[][]) (scales: float[]) =
    { Kind = kind
      Base = rows
      RowScale = scales
      X = Array.map2 (fun (r: int64[]) s -> r |> Array.map (fun v -> s * float v)) rows scales }

let private unitScales n = Array.create n 1.0

/// Degenerate integer data of a kind, n rows, dimension d.
let private integerData kind n d : Gen<DataSpec> =
    gen {
        let! rows = Gen.arrayOfLength n (nonzeroIntRow d 3)
        let! picks = Gen.arrayOfLength n (Gen.choose (0, max 0 (n - 1)))
        let! flags = Gen.arrayOfLength n (Gen.choose (0, 2))
        match kind with
        | "zero-rows" ->
            let rows = rows |> Array.mapi (fun j r -> if flags[j] = 0 || j = 0 then Array.zeroCreate d else r)
            return ofBase kind rows (unitScales n)
        | "duplicates" ->
            let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] = 0 then rows[picks[j] % j] else r)
            return ofBase kind rows (unitScales n)
        | "opposite" ->
            let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] < 2 then rows[picks[j] % j] |> Array.map (fun v -> -(1L + int64 flags[j]) * v) else r)
            return ofBase kind rows (unitScales n)
        | "rank-deficient" ->
            let! r = Gen.choose (1, max 1 (d - 1))
            let! basis = Gen.arrayOfLength r (nonzeroIntRow d 2)
            let! coeffs = Gen.arrayOfLength n (intRow r 2)
            let rows =
                coeffs |> Array.map (fun c -> Array.init d (fun k -> Array.fold2 (fun a ci (b: int64[]) -> a + ci * b[k]) 0L c basis))
            return ofBase kind rows (unitScales n)
        | "near-duplicate" ->
            // row j = 1000 · row_k + e, e small and nonzero: nearly parallel, still exact integers.
            let! es = Gen.arrayOfLength n (nonzeroIntRow d 1)
            let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] = 0 then Array.map2 (fun a e -> 1000L * a + e) rows[picks[j] % j] es[j] else r)
            return ofBase kind rows (unitScales n)
        | "widely-scaled" ->
            let! ks = Gen.arrayOfLength n (Gen.choose (-20, 20))
            return ofBase kind rows (ks |> Array.map (fun k -> Math.Pow(2.0, float k)))
        | _ -> return ofBase "integers" rows (unitScales n)
    }

let dataKinds =
    [ "gaussian"; "integers"; "zero-rows"; "duplicates"; "opposite"; "rank-deficient"; "near-duplicate"; "widely-scaled" ]

let genDataOf n d : Gen<DataSpec> =
    gen {
        let! kind =
            Gen.frequency
                [ 5, Gen.constant "gaussian"; 3, Gen.constant "integers"; 1, Gen.constant "zero-rows"
                  1, Gen.constant "duplicates"; 1, Gen.constant "opposite"; 1, Gen.constant "rank-deficient"
                  1, Gen.constant "near-duplicate"; 1, Gen.constant "widely-scaled" ]
        if kind = "gaussian" then
            let! x = Gen.arrayOfLength n (Gen.arrayOfLength d gaussian)
            return { Kind = kind; X = x; Base = [||]; RowScale = [||] }
        else
            return! integerData kind n d
    }

let genData : Gen<DataSpec> =
    Gen.sized (fun size ->
        gen {
            // Mostly near the current maximum, sometimes anywhere below it (small cases stay common early on).
            let! n = Gen.frequency [ 1, Gen.choose (1, maxN size); 2, Gen.choose (max 1 (maxN size / 2), maxN size) ]
            let! d = Gen.frequency [ 1, Gen.choose (1, maxD size); 2, Gen.constant (maxD size) ]
            return! genDataOf n d
        })

let private removeAt i (a: 'a[]) = Array.append a[.. i - 1] a[i + 1 ..]

let dropRow j (d: DataSpec) =
    { d with
        X = removeAt j d.X
        Base = if d.Base.Length = 0 then d.Base else removeAt j d.Base
        RowScale = if d.RowScale.Length = 0 then d.RowScale else removeAt j d.RowScale }

let dropColumn k (d: DataSpec) =
    { d with X = d.X |> Array.map (removeAt k); Base = d.Base |> Array.map (removeAt k) }

/// Shrinks toward fewer rows, fewer columns, then smaller integers (Gaussian data first rounds to integers).
let shrinkData (d: DataSpec) : seq<DataSpec> =
    seq {
        if n d > 1 then
            for j in n d - 1 .. -1 .. 0 do yield dropRow j d
        if dim d > 1 then
            for k in dim d - 1 .. -1 .. 0 do yield dropColumn k d
        if d.Kind = "gaussian" then
            let rows = d.X |> Array.map (Array.map (fun v -> int64 (Math.Round v)))
            if rows |> Array.exists (Array.exists ((<>) 0L)) then
                yield ofBase "integers" rows (unitScales (n d))
        elif d.Base |> Array.exists (Array.exists (fun v -> abs v > 1L)) then
            yield ofBase d.Kind (d.Base |> Array.map (Array.map (fun v -> v / 2L))) d.RowScale
        if d.RowScale |> Array.exists ((<>) 1.0) then
            yield ofBase d.Kind d.Base (unitScales (n d))
    }

let arbData = Arb.fromGenShrink (genData, shrinkData)

// ---------------------------------------------------------------------------------------------
// Problems (targets, loss, β)

let genTargets loss n : Gen<float[]> =
    if loss = "logistic" then Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
    else Gen.oneof [ Gen.arrayOfLength n gaussian; Gen.arrayOfLength n (smallInt 3 |> Gen.map float) ]

/// β / β_max: mostly spread over (0, 1), sometimes at or above 1 (then W* = 0).
let genBetaRatio : Gen<float> =
    Gen.frequency [ 8, logUniform 0.01 0.99; 1, Gen.constant 1.0; 1, uniform 1.0 2.0 ]

let genProblemOn (data: DataSpec) : Gen<ProblemSpec> =
    gen {
        let! loss = Gen.frequency [ 3, Gen.constant "squared"; 2, Gen.constant "logistic" ]
        let! y = genTargets loss (n data)
        let! scale = Gen.frequency [ 3, Gen.constant 1.0; 1, Gen.constant (2.0 / float (n data)); 1, logUniform 0.1 10.0 ]
        let! ratio = genBetaRatio
        return { Data = data; Y = y; Loss = loss; Scale = scale; BetaRatio = ratio }
    }

let genProblem = genData |> Gen.bind genProblemOn

let shrinkProblem (p: ProblemSpec) : seq<ProblemSpec> =
    seq {
        if n p.Data > 1 then
            for j in n p.Data - 1 .. -1 .. 0 do
                yield { p with Data = dropRow j p.Data; Y = removeAt j p.Y }
        for d in shrinkData p.Data do
            if n d = n p.Data then yield { p with Data = d }
        if p.Scale <> 1.0 then yield { p with Scale = 1.0 }
        if p.Loss = "squared" && p.Y |> Array.exists (fun v -> v <> Math.Round v) then
            yield { p with Y = p.Y |> Array.map Math.Round }
    }

let arbProblem = Arb.fromGenShrink (genProblem, shrinkProblem)

// ---------------------------------------------------------------------------------------------
// Networks

let private norm (u: float[]) = sqrt (Array.sumBy (fun v -> v * v) u)
let private scaleBy (k: float) (u: float[]) = u |> Array.map ((*) k)

let private genDirection d = Gen.arrayOfLength d gaussian |> Gen.map (fun u -> if norm u = 0.0 then Array.init d (fun k -> if k = 0 then 1.0 else 0.0) else u)

/// A scaled neuron (‖u‖ = |α|) in direction u with magnitude r = ‖u‖ and sign.
let private scaledNeuron (u: float[]) (r: float) (sign: float) = scaleBy (r / norm u) u, sign * r

let private genSign = Gen.elements [ -1.0; 1.0 ]

/// Networks of several kinds on data x (kinds that need slots use the patterns of x).
let genNetworkOn (x: float[][]) (d: int) : Gen<NetSpec> =
    Gen.sized (fun size ->
        gen {
            let maxM = max 1 (min 8 (1 + size / 10))
            let! m = Gen.choose (0, maxM)
            let! kind = Gen.elements [ "arbitrary"; "scaled"; "nearly-minimal"; "minimal"; "unbalanced"; "same-slot" ]
            let! dirs = Gen.arrayOfLength m (genDirection d)
            let! mags = Gen.arrayOfLength m (logUniform 0.1 3.0)
            let! signs = Gen.arrayOfLength m genSign
            match kind with
            | "arbitrary" ->
                let! alphas = Gen.arrayOfLength m gaussian
                let! zeroFlags = Gen.arrayOfLength m (Gen.frequency [ 6, Gen.constant false; 1, Gen.constant true ])
                let u = Array.mapi (fun i v -> if zeroFlags[i] then Array.zeroCreate d else v) dirs
                return { Kind = kind; U = u; Alpha = alphas }
            | "unbalanced" when m > 0 ->
                // Scaled except neuron 0, whose ‖u‖/|α| is κ² with κ ∈ [2, 4]: L_β strictly above φ's value.
                let! kappa = uniform 2.0 4.0
                let neurons = Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                let u0, a0 = neurons[0]
                neurons[0] <- scaleBy kappa u0, a0 / kappa
                return { Kind = kind; U = Array.map fst neurons; Alpha = Array.map snd neurons }
            | "same-slot" when m > 0 ->
                // Two scaled neurons in the same slot that are not colinear: φ merges them with a strict loss of norm.
                let! t = uniform 0.05 0.5
                let! pert = genDirection d
                let u0 = dirs[0] |> Array.map (fun v -> v / norm dirs[0])
                let candidates = [ for k in 0 .. 20 -> Array.map2 (fun a b -> a + t * Math.Pow(0.5, float k) * b) u0 pert ]
                let p0 = patternString x u0
                match candidates |> List.tryFind (fun c -> patternString x c = p0 && (let cs = Array.fold2 (fun a p q -> a + p * q) 0.0 c u0 / norm c in 1.0 - cs > 1e-6)) with
                | Some u1 ->
                    let neurons = Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                    let extra = scaledNeuron u1 mags[0] signs[0]
                    let all = Array.append neurons [| extra |]
                    return { Kind = kind; U = Array.map fst all; Alpha = Array.map snd all }
                | None ->
                    let neurons = Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                    return { Kind = "scaled"; U = Array.map fst neurons; Alpha = Array.map snd neurons }
            | "nearly-minimal" when m > 0 ->
                // Scaled; neuron 0 is split into colinear copies (same slot, positively colinear).
                let! parts = Gen.choose (2, 3)
                // One neuron per slot (as for "minimal"), then neuron 0 becomes colinear copies.
                let neurons =
                    Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                    |> Array.distinctBy (fun (u, a) -> patternString x u, sign a)
                let u0, a0 = neurons[0]
                let copies = [| for k in 1 .. parts -> let g = sqrt (float k / float (parts * (parts + 1) / 2)) in scaleBy g u0, g * a0 |]
                let all = Array.append neurons[1..] copies
                return { Kind = kind; U = Array.map fst all; Alpha = Array.map snd all }
            | "minimal" ->
                // Scaled with at most one neuron per slot (slots computed on x).
                let neurons = Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                let distinct =
                    neurons |> Array.distinctBy (fun (u, a) -> patternString x u, sign a)
                return { Kind = kind; U = Array.map fst distinct; Alpha = Array.map snd distinct }
            | _ ->
                let neurons = Array.init m (fun i -> scaledNeuron dirs[i] mags[i] signs[i])
                return { Kind = (if m = 0 then "empty" else "scaled"); U = Array.map fst neurons; Alpha = Array.map snd neurons }
        })

let dropNeuron i (net: NetSpec) = { net with U = removeAt i net.U; Alpha = removeAt i net.Alpha }

/// Dropping a neuron keeps every kind's defining property except "same-slot"/"unbalanced" (relabelled).
let shrinkNet (net: NetSpec) : seq<NetSpec> =
    seq {
        for i in net.Alpha.Length - 1 .. -1 .. 0 do
            let kind = if net.Kind = "same-slot" || net.Kind = "unbalanced" then "scaled?" else net.Kind
            yield { dropNeuron i net with Kind = kind }
    }

let genNetCase : Gen<NetCase> =
    gen {
        let! p = genProblem
        let! net = genNetworkOn p.Data.X (dim p.Data)
        return { Problem = p; Net = net }
    }

let shrinkNetCase (c: NetCase) : seq<NetCase> =
    seq {
        for net in shrinkNet c.Net do yield { c with Net = net }
        // Dropping rows keeps the network valid (same d) but may change slots: relabel the kind.
        if n c.Problem.Data > 1 then
            for j in n c.Problem.Data - 1 .. -1 .. 0 do
                let p = c.Problem
                // Slots may merge when rows go: only kinds that do not depend on slots survive.
                let kind = if c.Net.Kind = "arbitrary" || c.Net.Kind = "unbalanced" then c.Net.Kind else "scaled?"
                yield { Problem = { p with Data = dropRow j p.Data; Y = removeAt j p.Y }; Net = { c.Net with Kind = kind } }
    }

let arbNetCase = Arb.fromGenShrink (genNetCase, shrinkNetCase)

// ---------------------------------------------------------------------------------------------
// Feasible convex points W: blocks (s(u), γ) with w ∈ C_s built from directions u (interior of a
// cell almost surely) and from points on a face x_j·u = 0 (assigned to the adjacent cell on the
// x_j side); values of the same block are summed (the cone is convex).

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b

let genBlocksOn (x: float[][]) (d: int) : Gen<BlockSpec[]> =
    Gen.sized (fun size ->
        gen {
            let k = max 1 (min 6 (1 + size / 10))
            let! count = Gen.choose (0, k)
            let! dirs = Gen.arrayOfLength count (genDirection d)
            let! mags = Gen.arrayOfLength count (logUniform 0.05 3.0)
            let! signs = Gen.arrayOfLength count (Gen.elements [ 1; -1 ])
            let! onFace = Gen.arrayOfLength count (Gen.frequency [ 4, Gen.constant -1; 1, Gen.choose (0, max 0 (x.Length - 1)) ])
            let blocks =
                Array.init count (fun i ->
                    let u = dirs[i]
                    let j = onFace[i]
                    let xj = if j >= 0 && j < x.Length then x[j] else Array.zeroCreate d
                    let nx = dot xj xj
                    if j >= 0 && d >= 2 && nx > 0.0 then
                        let f = Array.map2 (fun a b -> a - dot u xj / nx * b) u xj
                        if norm f = 0.0 then None
                        else
                            let pushed = Array.map2 (fun a b -> a + 1e-7 * norm f / sqrt nx * b) f xj
                            Some (patternString x pushed, signs[i], scaleBy (mags[i] / norm f) f)
                    else Some (patternString x u, signs[i], scaleBy (mags[i] / norm u) u))
                |> Array.choose id
            return
                blocks
                |> Array.groupBy (fun (p, s, _) -> p, s)
                |> Array.map (fun ((p, s), g) -> { Pattern = p; Sign = s; W = g |> Array.map (fun (_, _, w) -> w) |> Array.reduce (Array.map2 (+)) })
        })

let genPointCase : Gen<PointCase> =
    gen {
        let! p = genProblem
        let! blocks = genBlocksOn p.Data.X (dim p.Data)
        return { Problem = p; Blocks = blocks }
    }

let private dropBit j (s: string) = s.Remove(j, 1)

/// Shrinks by dropping blocks, halving values, and dropping rows (pattern bits dropped; a cone with
/// fewer constraints still holds w; blocks that become equal are summed).
let shrinkPointCase (c: PointCase) : seq<PointCase> =
    seq {
        for i in c.Blocks.Length - 1 .. -1 .. 0 do
            yield { c with Blocks = removeAt i c.Blocks }
        if n c.Problem.Data > 1 then
            for j in n c.Problem.Data - 1 .. -1 .. 0 do
                let p = c.Problem
                let blocks =
                    c.Blocks
                    |> Array.map (fun b -> { b with Pattern = dropBit j b.Pattern })
                    |> Array.groupBy (fun b -> b.Pattern, b.Sign)
                    |> Array.map (fun ((pat, s), g) -> { Pattern = pat; Sign = s; W = g |> Array.map (fun b -> b.W) |> Array.reduce (Array.map2 (+)) })
                yield { Problem = { p with Data = dropRow j p.Data; Y = removeAt j p.Y }; Blocks = blocks }
        if c.Problem.Scale <> 1.0 then yield { c with Problem = { c.Problem with Scale = 1.0 } }
    }

let arbPointCase = Arb.fromGenShrink (genPointCase, shrinkPointCase)

let convexPointOf (d: int) (blocks: BlockSpec[]) =
    HiddenConvex.Core.Convex.ConvexPoint(
        blocks |> Array.map (fun b ->
            HiddenConvex.Core.Convex.BlockValue(
                HiddenConvex.Core.Pricing.Block(patternOfString b.Pattern, b.Sign),
                Vector<float>.Build.DenseOfArray b.W)),
        d)

// ---------------------------------------------------------------------------------------------
// Common stamps

let dataStamps (d: DataSpec) =
    [ sprintf "n=%d" (n d); sprintf "d=%d" (dim d); sprintf "data=%s" d.Kind ]

let problemStamps (p: ProblemSpec) =
    dataStamps p.Data @ [ sprintf "loss=%s" p.Loss ]

// ---------------------------------------------------------------------------------------------
// Solved problems: the core objects of a generated problem and its certified optimum

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
    (ExactPricing.Price(p.X, p.Patterns, v)).Rho

/// β = BetaRatio · β_max, with the regime as a stamp; when β_max = 0 (all rows zero or v = 0),
/// β = BetaRatio.
let betaOf (p: Problem) =
    let bm = betaMax p
    if bm > 0.0 then
        p.Spec.BetaRatio * bm, (if p.Spec.BetaRatio < 1.0 then "regime=beta<beta_max" else "regime=beta>=beta_max")
    else p.Spec.BetaRatio, "regime=beta_max=0"

/// The convex problem at β.
let convexProblem (p: Problem) beta = ConvexProblem(p.Data, p.Loss, beta, p.Patterns)

/// A generated problem solved at β = BetaRatio·β_max (THEORY.md §3, §4), with 𝒲* around the solution (§6).
type Solved =
    { Instance: Problem
      Beta: float
      Regime: string
      Convex: ConvexProblem
      Result: SolverResult
      OptimalSet: OptimalSet }

let solve (spec: ProblemSpec) =
    let p = enumerate spec
    let beta, regime = betaOf p
    let cp = convexProblem p beta
    let r = ConvexSolver.Solve cp
    { Instance = p; Beta = beta; Regime = regime; Convex = cp; Result = r; OptimalSet = OptimalSet.FromSolution(cp, r.W) }

/// A uniformly random permutation of 0 .. k−1 (Fisher–Yates).
let permutation (rng: Random) k =
    let a = Array.init k id
    for i in k - 1 .. -1 .. 1 do
        let j = rng.Next(i + 1)
        let t = a[i] in a[i] <- a[j]; a[j] <- t
    a

/// The weights of a network as a plain record (for oracles and counterexamples).
let netSpecOf kind (net: Network) =
    { Kind = kind; U = Array.init net.Width (fun i -> net.U.Row(i).ToArray()); Alpha = net.Alpha.ToArray() }

/// Remembers the last values of a deterministic, expensive function of a plain record (structural
/// equality), so that a generator that must build a candidate to check a hypothesis and the law that
/// then uses the candidate build it once.
let private remember capacity (f: 'k -> 'v) =
    let cache = Dictionary<'k, 'v>(HashIdentity.Structural)
    fun (k: 'k) ->
        match lock cache (fun () -> match cache.TryGetValue k with | true, v -> Some v | _ -> None) with
        | Some v -> v
        | None ->
            let v = f k
            lock cache (fun () ->
                if cache.Count >= capacity then cache.Clear()
                cache[k] <- v)
            v

// ---------------------------------------------------------------------------------------------
// Optimal networks: θ ∈ Θ*_m (THEORY.md §6)

/// An optimal network for a generated problem, given by its recipe: the problem is solved at
/// β = BetaRatio·β_max, a point of the optimal set 𝒲* is sampled with Random(Seed) and mapped by ψ,
/// one neuron is split into 1–3 positive parts, up to 2 zero neurons are appended and the neurons are
/// permuted (THEORY.md §6: every such network lies in Θ*_m). The network is rebuilt from the recipe,
/// so a shrunk problem yields an optimal network of the shrunk problem: shrinking keeps the constraint.
type OptimalNetwork =
    { Problem: ProblemSpec
      Seed: int }

/// The network of an OptimalNetwork recipe on its solved problem.
let optimalNetworkOn (s: Solved) (seed: int) =
    let rng = Random seed
    let t = s.OptimalSet.Sample(rng)
    let mutable net = Maps.Psi(s.OptimalSet.ToPoint t)
    if net.Width > 0 then
        let k = 1 + rng.Next 3
        let g = Array.init k (fun _ -> rng.NextDouble() + 0.05)
        net <- NeuronOps.Split(net, rng.Next net.Width, g |> Array.map (fun v -> v / Array.sum g))
    net <- net.PadWithZeros(rng.Next 3)
    net.PermuteNeurons(permutation rng net.Width)

/// The solved problem of the recipe and its optimal network.
let buildOptimalNetwork (c: OptimalNetwork) =
    let s = solve c.Problem
    s, optimalNetworkOn s c.Seed

let genOptimalNetwork : Gen<OptimalNetwork> =
    gen {
        let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
        let! seed = Gen.choose (0, 1_000_000)
        return { OptimalNetwork.Problem = p; Seed = seed }
    }

/// Shrinks the problem (fewer rows and columns, smaller integers); the network is rebuilt optimal.
let shrinkOptimalNetwork (c: OptimalNetwork) =
    shrinkProblem c.Problem |> Seq.map (fun p -> { c with Problem = p })

let arbOptimalNetwork = Arb.fromGenShrink (genOptimalNetwork, shrinkOptimalNetwork)

// ---------------------------------------------------------------------------------------------
// Clarke-stationary networks (THEORY.md §7)

/// ψ of the optimum over a random subset of 1–4 cells (a restricted program, THEORY.md §7): stationary
/// when no block of the restricted optimum sits on a face of its cone.
let restrictedCandidate (p: Problem) beta seed =
    let rng = Random seed
    let cells = p.Patterns.Cells |> Seq.toArray
    let k = 1 + rng.Next(min 4 cells.Length)
    let chosen = cells |> Array.sortBy (fun _ -> rng.Next()) |> Array.truncate k
    let subset = PatternSet(chosen, false, p.Patterns.Rank, sprintf "subset of %d cells" k, p.Data.N)
    let r = ConvexSolver.Solve(ConvexProblem(p.Data, p.Loss, beta, subset))
    Maps.Psi r.W

/// A network of width 1 + seed mod 4 trained from the seed until the trainer's stationarity test holds (or 3000 iterations).
let trainedCandidate (p: Problem) beta seed =
    let width = 1 + seed % 4
    let settings = TrainingSettings(Seed = seed, MaxIterations = 3000)
    (Trainer.Train(p.Data, p.Loss, beta, width, settings)).Network

/// A Clarke ε-stationary network for a generated problem (THEORY.md §7), given by its recipe: Source
/// "restricted" (ψ of the optimum over a random subset of cells) or "trained" (the trainer from the seed),
/// at β = BetaRatio·β_max. The generator keeps a recipe only when its network passes
/// Stationarity.Measure's ε-test, trying the seeds Seed, Seed+1, … (at most stationaryAttempts of
/// them); a recipe none of whose seeds gives a stationary network is kept
/// as drawn, and the law's own test of the hypothesis then makes the case vacuous. Shrinking keeps
/// only stationary candidates.
type ClarkeStationaryNetwork =
    { Problem: ProblemSpec
      Source: string
      Seed: int }

let stationaryAttempts = 4

/// The problem of the recipe, β, the regime stamp, and the candidate network (remembered: the
/// generator builds it to test the hypothesis, the law builds it again).
let buildClarkeStationaryNetwork : ClarkeStationaryNetwork -> Problem * float * string * Network =
    remember 64 (fun c ->
        let p = enumerate c.Problem
        let beta, regime = betaOf p
        let net = if c.Source = "trained" then trainedCandidate p beta c.Seed else restrictedCandidate p beta c.Seed
        p, beta, regime, net)

/// Whether the recipe's network is ε-stationary; a recipe whose build fails counts as kept, so that
/// the law reports the failure with its shrunk input.
let isClarkeStationary (c: ClarkeStationaryNetwork) =
    try
        let p, beta, _, net = buildClarkeStationaryNetwork c
        (Stationarity.Measure(net, p.Data, p.Loss, beta)).IsStationary
    with _ -> true

/// The first of the seeds Seed, Seed+1, … whose network is stationary, or the recipe as drawn.
let private firstStationary (c: ClarkeStationaryNetwork) =
    seq { 0 .. stationaryAttempts - 1 }
    |> Seq.map (fun k -> { c with Seed = c.Seed + k })
    |> Seq.tryFind isClarkeStationary
    |> Option.defaultValue c

let genClarkeStationaryNetwork : Gen<ClarkeStationaryNetwork> =
    gen {
        let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
        let! src = Gen.frequency [ 3, Gen.constant "restricted"; 1, Gen.constant "trained" ]
        let! seed = Gen.choose (0, 1_000_000)
        return firstStationary { ClarkeStationaryNetwork.Problem = p; Source = src; Seed = seed }
    }

/// Shrinks the problem; a candidate is offered only when its network (with the first stationary
/// seed) is still ε-stationary.
let shrinkClarkeStationaryNetwork (c: ClarkeStationaryNetwork) =
    shrinkProblem c.Problem
    |> Seq.map (fun p -> firstStationary { c with Problem = p })
    |> Seq.filter isClarkeStationary

let arbClarkeStationaryNetwork = Arb.fromGenShrink (genClarkeStationaryNetwork, shrinkClarkeStationaryNetwork)
