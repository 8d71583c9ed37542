/// The data generators (THEORY.md §2: the arrangements the enumeration must handle), one NAMED
/// generator per kind of data, registered in `dataGenerators` with its weight and what it
/// guarantees, and the shrinker toward fewer rows and columns and smaller integers.
module HiddenConvex.Properties.DataGenerators

open System
open FsCheck
open FsCheck.FSharp
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws

/// A kind of data: its name (the DataSpec's Kind), its weight among the kinds, what it guarantees,
/// and its generator of n rows in dimension d.
type DataGenerator =
    { Kind: string
      Weight: int
      Guarantees: string
      Gen: int -> int -> Gen<DataSpec> }

let private ofBase kind (rows: int64[][]) (scales: float[]) =
    { Kind = kind
      Base = rows
      RowScale = scales
      X = Array.map2 (fun (r: int64[]) s -> r |> Array.map (fun v -> s * float v)) rows scales }

let private unitScales n = Array.create n 1.0

/// Exact integer data: n nonzero rows in [−3, 3]^d, then a kind-specific edit of them given the
/// same three draws for every kind (rows, a partner row index per row, a flag per row).
let private integerKind kind (edit: int -> int -> int64[][] -> int[] -> int[] -> Gen<DataSpec>) n d : Gen<DataSpec> =
    gen {
        let! rows = Gen.arrayOfLength n (nonzeroIntRow d 3)
        let! picks = Gen.arrayOfLength n (Gen.choose (0, max 0 (n - 1)))
        let! flags = Gen.arrayOfLength n (Gen.choose (0, 2))
        return! edit n d rows picks flags
    }

let gaussianData =
    { Kind = "gaussian"; Weight = 5; Guarantees = "i.i.d. N(0,1) entries: general position almost surely"
      Gen = fun n d -> gen { let! x = Gen.arrayOfLength n (Gen.arrayOfLength d gaussian) in return { Kind = "gaussian"; X = x; Base = [||]; RowScale = [||] } } }

let integersData =
    { Kind = "integers"; Weight = 3; Guarantees = "exact integer rows in [−3, 3]^d (degenerate by chance)"
      Gen = integerKind "integers" (fun n _ rows _ _ -> Gen.constant (ofBase "integers" rows (unitScales n))) }

let zeroRowsData =
    { Kind = "zero-rows"; Weight = 1; Guarantees = "row 0 and about a third of the others are zero (no hyperplane, s_j = 1)"
      Gen = integerKind "zero-rows" (fun n d rows _ flags ->
                let rows = rows |> Array.mapi (fun j r -> if flags[j] = 0 || j = 0 then Array.zeroCreate d else r)
                Gen.constant (ofBase "zero-rows" rows (unitScales n))) }

let duplicatesData =
    { Kind = "duplicates"; Weight = 1; Guarantees = "about a third of the rows repeat an earlier row"
      Gen = integerKind "duplicates" (fun n _ rows picks flags ->
                let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] = 0 then rows[picks[j] % j] else r)
                Gen.constant (ofBase "duplicates" rows (unitScales n))) }

let oppositeData =
    { Kind = "opposite"; Weight = 1; Guarantees = "about two thirds of the rows are −1 or −2 times an earlier row (x_j = −c x_k)"
      Gen = integerKind "opposite" (fun n _ rows picks flags ->
                let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] < 2 then rows[picks[j] % j] |> Array.map (fun v -> -(1L + int64 flags[j]) * v) else r)
                Gen.constant (ofBase "opposite" rows (unitScales n))) }

let rankDeficientData =
    { Kind = "rank-deficient"; Weight = 1; Guarantees = "rows are integer combinations of r < d basis rows (rank ≤ r; zero rows possible)"
      Gen = integerKind "rank-deficient" (fun n d _ _ _ ->
                gen {
                    let! r = Gen.choose (1, max 1 (d - 1))
                    let! basis = Gen.arrayOfLength r (nonzeroIntRow d 2)
                    let! coeffs = Gen.arrayOfLength n (intRow r 2)
                    let rows =
                        coeffs |> Array.map (fun c -> Array.init d (fun k -> Array.fold2 (fun a ci (b: int64[]) -> a + ci * b[k]) 0L c basis))
                    return ofBase "rank-deficient" rows (unitScales n)
                }) }

let nearDuplicateData =
    { Kind = "near-duplicate"; Weight = 1; Guarantees = "about a third of the rows are 1000·x_k + e, e small and nonzero: nearly parallel, still exact integers"
      Gen = integerKind "near-duplicate" (fun n d rows picks flags ->
                gen {
                    let! es = Gen.arrayOfLength n (nonzeroIntRow d 1)
                    let rows = rows |> Array.mapi (fun j r -> if j > 0 && flags[j] = 0 then Array.map2 (fun a e -> 1000L * a + e) rows[picks[j] % j] es[j] else r)
                    return ofBase "near-duplicate" rows (unitScales n)
                }) }

let widelyScaledData =
    { Kind = "widely-scaled"; Weight = 1; Guarantees = "integer rows times 2^k, k ∈ [−20, 20] (exact arrangement, magnitudes over 12 decades)"
      Gen = integerKind "widely-scaled" (fun n _ rows _ _ ->
                gen {
                    let! ks = Gen.arrayOfLength n (Gen.choose (-20, 20))
                    return ofBase "widely-scaled" rows (ks |> Array.map (fun k -> Math.Pow(2.0, float k)))
                }) }

/// Every kind of data with its weight, in drawing order.
let dataGenerators =
    [ gaussianData; integersData; zeroRowsData; duplicatesData; oppositeData; rankDeficientData; nearDuplicateData; widelyScaledData ]

let private byKind = dataGenerators |> List.map (fun g -> g.Kind, g) |> Map.ofList

/// Data of n rows in dimension d, of a kind drawn by weight.
let genDataOf n d : Gen<DataSpec> =
    gen {
        let! kind = weightedName (dataGenerators |> List.map (fun g -> g.Weight, g.Kind))
        return! byKind[kind].Gen n d
    }

let genData : Gen<DataSpec> =
    Gen.sized (fun size ->
        gen {
            // Mostly near the current maximum, sometimes anywhere below it (small cases stay common early on).
            let! n = Gen.frequency [ 1, Gen.choose (1, maxN size); 2, Gen.choose (max 1 (maxN size / 2), maxN size) ]
            let! d = Gen.frequency [ 1, Gen.choose (1, maxD size); 2, Gen.constant (maxD size) ]
            return! genDataOf n d
        })

/// Shrinks toward fewer rows, fewer columns, then smaller integers (Gaussian data first rounds to
/// integers and becomes "integers" data with its Base).
let shrinkData (d: DataSpec) : seq<DataSpec> =
    seq {
        if n d > 1 then
            for j in n d - 1 .. -1 .. 0 do yield dropRow j d
        if dim d > 1 then
            for k in dim d - 1 .. -1 .. 0 do yield dropColumn k d
        if not (hasExactBase d) then
            let rows = d.X |> Array.map (Array.map (fun v -> int64 (Math.Round v)))
            if rows |> Array.exists (Array.exists ((<>) 0L)) then
                yield ofBase integersData.Kind rows (unitScales (n d))
        elif d.Base |> Array.exists (Array.exists (fun v -> abs v > 1L)) then
            yield ofBase d.Kind (d.Base |> Array.map (Array.map (fun v -> v / 2L))) d.RowScale
        if d.RowScale |> Array.exists ((<>) 1.0) then
            yield ofBase d.Kind d.Base (unitScales (n d))
    }

let arbData = Arb.fromGenShrink (genData, shrinkData)
