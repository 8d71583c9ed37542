/// Independent computations used as the expected side of properties: exact integer arithmetic for
/// arrangements (rank, cell counts by Whitney's formula), Cover's count, and direct evaluations of
/// the definitions of THEORY.md written without the core's code.
module HiddenConvex.Properties.Oracles

open System
open System.Numerics
open HiddenConvex.Properties.Inputs

/// Exact rank of an integer matrix (fraction-free Gaussian elimination over BigInteger).
let exactRank (rows: int64[][]) : int =
    if rows.Length = 0 then 0
    else
        let a = rows |> Array.map (Array.map BigInteger)
        let m, d = a.Length, a[0].Length
        let mutable rank = 0
        for col in 0 .. d - 1 do
            if rank < m then
                match [ rank .. m - 1 ] |> List.tryFind (fun r -> not (a.[r].[col].IsZero)) with
                | None -> ()
                | Some p ->
                    let tmp = a[p] in a[p] <- a[rank]; a[rank] <- tmp
                    for r in rank + 1 .. m - 1 do
                        if not (a.[r].[col].IsZero) then
                            let f, g = a[rank][col], a[r][col]
                            a[r] <- Array.map2 (fun x y -> f * y - g * x) a[rank] a[r]
                    rank <- rank + 1
        rank

/// True when the integer rows a and b are sameHyperplane (b = c·a for some c ≠ 0) — same hyperplane.
let private sameHyperplane (a: int64[]) (b: int64[]) = exactRank [| a; b |] = 1

/// The distinct hyperplanes of the nonzero rows.
let distinctHyperplanes (rows: int64[][]) : int64[][] =
    let nonzero = rows |> Array.filter (Array.exists ((<>) 0L))
    let acc = Collections.Generic.List<int64[]>()
    for r in nonzero do
        if not (acc |> Seq.exists (sameHyperplane r)) then acc.Add r
    acc.ToArray()

/// Number of full-dimensional cells of the central arrangement of the integer rows, by Whitney's /
/// Zaslavsky's formula r(A) = Σ_{S ⊆ A} (−1)^{|S| − rank S} over the distinct hyperplanes.
/// With no hyperplane the whole space is one cell.
let exactCellCount (rows: int64[][]) : int =
    let h = distinctHyperplanes rows
    let k = h.Length
    let mutable total = 0
    for mask in 0 .. (1 <<< k) - 1 do
        let subset = [| for i in 0 .. k - 1 do if mask &&& (1 <<< i) <> 0 then yield h[i] |]
        let r = exactRank subset
        total <- total + (if (subset.Length - r) % 2 = 0 then 1 else -1)
    total

let binomial (n: int) (k: int) : int =
    if k < 0 || k > n then 0
    else
        let mutable r = 1L
        for i in 1 .. k do r <- r * int64 (n - k + i) / int64 i
        int r

/// Cover's count 2 Σ_{k=0}^{d−1} C(n−1, k) for n rows in general position in R^d.
let coverCount (n: int) (d: int) = 2 * (Seq.sum (seq { for k in 0 .. d - 1 -> binomial (n - 1) k }))

/// Smallest singular value ratio σ_min/σ_max over every subset of min(n, d) rows: general
/// position (every min(n, d) rows independent, no zero row) holds when it is clearly above 0.
let generalPositionMargin (x: float[][]) : float =
    let n = x.Length
    let d = if n = 0 then 0 else x[0].Length
    let k = min n d
    let mutable worst = Double.PositiveInfinity
    let rec subsets start (chosen: int list) =
        if chosen.Length = k then
            let m = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfRowArrays(chosen |> List.rev |> List.map (fun j -> x[j]) |> List.toArray)
            let s = m.Svd(false).S
            let ratio = if s[0] = 0.0 then 0.0 else s[k - 1] / s[0]
            worst <- min worst ratio
        else
            for j in start .. n - 1 do subsets (j + 1) (j :: chosen)
    if k > 0 then subsets 0 []
    worst

/// Numerical rank of a float matrix (singular values above 1e-10 of the largest).
let numericalRank (x: float[][]) =
    if x.Length = 0 then 0
    else
        let s = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfRowArrays(x).Svd(false).S
        if s[0] = 0.0 then 0 else s |> Seq.filter (fun v -> v > 1e-10 * s[0]) |> Seq.length

let dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b
let norm (a: float[]) = sqrt (dot a a)

/// f_θ(X) = Σ_i σ(X u_i) α_i, evaluated directly from the definition.
let predict (x: float[][]) (net: NetSpec) : float[] =
    x |> Array.map (fun row -> Array.fold2 (fun s u a -> s + max (dot row u) 0.0 * a) 0.0 net.U net.Alpha)

/// The oracle of THEORY.md §5 for φ: slot = (s(u), sign α) for u ≠ 0, α ≠ 0; w_b = Σ |α_i| u_i.
/// Returns the block values by slot (patterns of the partition convention).
let phiBlocks (x: float[][]) (net: NetSpec) =
    Array.zip net.U net.Alpha
    |> Array.filter (fun (u, a) -> a <> 0.0 && norm u > 0.0)
    |> Array.groupBy (fun (u, a) -> patternString x u, (if a > 0.0 then 1 else -1))
    |> Array.map (fun (slot, members) -> slot, members |> Array.map (fun (u, a) -> u |> Array.map ((*) (abs a))) |> Array.reduce (Array.map2 (+)), members)

/// Largest deviation from scaledness: max_i |‖u_i‖ − |α_i|| relative to max(‖u_i‖, |α_i|).
let scaledDeviation (net: NetSpec) =
    Array.zip net.U net.Alpha
    |> Array.map (fun (u, a) -> let nu = norm u in let m = max nu (abs a) in if m = 0.0 then 0.0 else abs (nu - abs a) / m)
    |> Array.fold max 0.0

/// Largest 1 − cos between two neurons of the same slot (0 when every slot is positively colinear).
let slotColinearityDeviation (x: float[][]) (net: NetSpec) =
    phiBlocks x net
    |> Array.map (fun (_, _, members) ->
        let us = members |> Array.map fst
        [ for i in 0 .. us.Length - 1 do
            for j in i + 1 .. us.Length - 1 do
                yield 1.0 - dot us[i] us[j] / (norm us[i] * norm us[j]) ]
        |> List.fold max 0.0)
    |> Array.fold max 0.0

/// The exact value of L_β(θ) − L^c_β(φ(θ)) from the definitions (same prediction, so only the
/// penalties differ): (β/2) Σ_i (‖u_i‖² + α_i²) − β Σ_b ‖Σ_{i∈b} |α_i| u_i‖.
let phiPenaltyGap (x: float[][]) (beta: float) (net: NetSpec) =
    let full = 0.5 * beta * (Array.sumBy (fun u -> dot u u) net.U + Array.sumBy (fun a -> a * a) net.Alpha)
    let merged = beta * (phiBlocks x net |> Array.sumBy (fun (_, w, _) -> norm w))
    full - merged

/// Cov(N, r) = 2 Σ_{k=0}^{r−1} C(N−1, k), with Cov(·, 0) = 1 (THEORY.md §2: no hyperplane of positive
/// rank, one cell).
let coverBound (hyperplanes: int) (rank: int) = if rank = 0 then 1 else coverCount hyperplanes rank

/// General position of integer normals in their span (THEORY.md §2): every min(N, r) of them are
/// linearly independent, r the rank of all of them (exact, over BigInteger).
let inGeneralPosition (normals: int64[][]) =
    let r = exactRank normals
    let k = min normals.Length r
    let rec subsets start (chosen: int64[] list) =
        if chosen.Length = k then exactRank (List.toArray chosen) = k
        else seq { start .. normals.Length - 1 } |> Seq.forall (fun j -> subsets (j + 1) (normals[j] :: chosen))
    k = 0 || subsets 0 []
