/// E1 (THEORY.md §2, §10): the exact enumeration S(X) of the arrangement's full-dimensional cells.
module HiddenConvex.Properties.Enumeration

open System
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
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

/// Data with a seed for the random directions the property samples.
type EnumCase = { Data: DataSpec; Seed: int }

let arbEnumCase =
    Arb.fromGenShrink (
        FsCheck.FSharp.Gen.map2 (fun d s -> { Data = d; Seed = s }) genData (FsCheck.FSharp.Gen.choose (0, 1_000_000)),
        fun c -> shrinkData c.Data |> Seq.map (fun d -> { c with Data = d }))

let private enumerateSpec (d: DataSpec) = CellEnumerator.Enumerate(matrix d)

let private stamps (c: EnumCase) = dataStamps c.Data

/// Patterns distinct, each realised strictly by its witness; zero rows always active.
let witnesses (c: EnumCase) =
    let set = enumerateSpec c.Data
    let x = c.Data.X
    let patterns = set.Cells |> Seq.map (fun cell -> cell.Pattern) |> Seq.toArray
    let distinct = (patterns |> Array.distinct).Length
    let badWitness =
        set.Cells
        |> Seq.tryFind (fun cell ->
            let w = cell.Witness.ToArray()
            x |> Array.mapi (fun j row ->
                let a = Oracles.dot row w
                if Oracles.norm row = 0.0 then cell.Pattern[j]
                else (if cell.Pattern[j] then a > 0.0 else a < 0.0))
            |> Array.exists not)
    verdict (stamps c @ [ sizeStamp "cells" set.Count ])
        [ exactInt "the enumerated patterns are pairwise distinct" distinct patterns.Length
          exact "the set is marked exact" set.IsExact (string set.IsExact) "true"
          exact "every pattern is realised strictly by its witness ((2s_j−1) x_j·w > 0 for x_j ≠ 0; s_j = 1 for x_j = 0)"
              badWitness.IsNone
              (match badWitness with Some cell -> sprintf "pattern %O with witness [%s]" cell.Pattern (String.Join(", ", cell.Witness.ToArray() |> Array.map fmt)) | None -> "all witnesses strict")
              "all witnesses strict"
          exactInt "every pattern has length n" (set.Cells |> Seq.filter (fun cell -> cell.Pattern.Length <> n c.Data) |> Seq.length) 0 ]

/// Cover's count in general position; the exact (Whitney) count of the de-duplicated arrangement otherwise.
let count (c: EnumCase) =
    let set = enumerateSpec c.Data
    if hasExactBase c.Data then
        let expected = Oracles.exactCellCount c.Data.Base
        let rank = Oracles.exactRank c.Data.Base
        verdict (stamps c @ [ "oracle=exact-integer"; sizeStamp "rank" rank ])
            [ exactInt "|S(X)| equals the exact cell count of the de-duplicated arrangement (Whitney's formula)" set.Count expected
              exactInt "the reported rank equals the exact rank of X" set.Rank rank ]
    else
        let margin = Oracles.generalPositionMargin c.Data.X
        if margin > 1e-6 then
            verdict (stamps c @ [ "oracle=cover" ])
                [ exactInt (sprintf "|S(X)| equals Cover's count 2Σ_{k<d} C(n−1,k) (general position, subset condition σmin/σmax = %s)" (fmt margin))
                      set.Count (Oracles.coverCount (n c.Data) (dim c.Data))
                  exactInt "the reported rank equals min(n, d)" set.Rank (min (n c.Data) (dim c.Data)) ]
        else
            verdict (stamps c @ [ "oracle=none(ill-conditioned)" ]) []

/// Every pattern of a random direction strictly inside a cell (and of the core's sampler) is in S(X).
let sampling (c: EnumCase) =
    let set = enumerateSpec c.Data
    let x = c.Data.X
    let rng = Random(c.Seed)
    let gauss () = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * Math.PI * rng.NextDouble())
    let d = dim c.Data
    let directions = [ for _ in 1 .. 200 -> Array.init d (fun _ -> gauss ()) ]
    let strictlyInside (u: float[]) =
        x |> Array.forall (fun row -> let nr = Oracles.norm row in nr = 0.0 || abs (Oracles.dot row u) > 1e-9 * nr * Oracles.norm u)
    let inside = directions |> List.filter strictlyInside
    let missing =
        inside |> List.tryFind (fun u -> not (set.Contains(ActivationPattern.OfDirection(matrix c.Data, Vector<float>.Build.DenseOfArray u))))
    let sampled = PatternSampler.Sample(matrix c.Data, 200, c.Seed)
    let sampledMissing = sampled.Patterns |> Seq.tryFind (fun s -> not (set.Contains s))
    verdict (stamps c)
        [ exact "the pattern of every sampled direction strictly inside a cell is in S(X)" missing.IsNone
              (match missing with Some u -> sprintf "direction [%s] has pattern %s not in S(X)" (String.Join(", ", u |> Array.map fmt)) (patternString x u) | None -> "all found")
              "all found"
          exact "every pattern returned by PatternSampler is in S(X)" sampledMissing.IsNone
              (match sampledMissing with Some s -> sprintf "pattern %O" s | None -> "all found") "all found"
          exact "PatternSampler marks its set as not exact" (not sampled.IsExact) (string sampled.IsExact) "false" ]

/// E2 (THEORY.md §2): |S(X)| ≤ Cov(N, r) ≤ Cov(n, r) ≤ Cov(n, d) with N the de-duplicated row count
/// and r = rank X (exact for integer data), equality |S(X)| = Cov(N, r) iff the N normals are in general
/// position in the row space, and the count the CLI guards the exact path with, Cov(n_{≠0}, d)
/// (CoverCount.GeneralPosition over the nonzero rows, "always safe" in §2), is never below the count.
let countBound (c: EnumCase) =
    let set = enumerateSpec c.Data
    let count = set.Count
    let nonzero = c.Data.X |> Array.filter (Array.exists ((<>) 0.0)) |> Array.length
    let guard =
        if nonzero = 0 then 1L else HiddenConvex.Core.Arrangements.CoverCount.GeneralPosition(nonzero, dim c.Data)
    let guardCheck =
        atMost "the count guard Cov(n_≠0, d) (CoverCount.GeneralPosition) is never below |S(X)|" (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) (float count) (float guard)
    if hasExactBase c.Data then
        let hyperplanes = Oracles.distinctHyperplanes c.Data.Base
        let big = hyperplanes.Length
        let r = Oracles.exactRank c.Data.Base
        let bound = Oracles.coverBound big r
        let general = Oracles.inGeneralPosition hyperplanes
        verdict (stamps c @ [ sizeStamp "N" big; sizeStamp "rank" r; (if general then "normals=general-position" else "normals=special"); (if count = bound then "count=bound" else "count<bound") ])
            [ atMost (sprintf "|S(X)| ≤ Cov(N, r) (N = %d distinct hyperplanes, r = %d)" big r) (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) (float count) (float bound)
              atMost "Cov(N, r) ≤ Cov(n, r)" (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) (float bound) (float (Oracles.coverBound (n c.Data) r))
              atMost "Cov(n, r) ≤ Cov(n, d)" (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) (float (Oracles.coverBound (n c.Data) r)) (float (Oracles.coverBound (n c.Data) (dim c.Data)))
              exact "|S(X)| = Cov(N, r) iff the N normals are in general position in the row space (every min(N, r) of them independent)"
                  ((count = bound) = general) (sprintf "|S(X)| = %d, Cov(N, r) = %d" count bound) (if general then "equal (general position)" else "strictly below (not in general position)")
              guardCheck ]
    else
        verdict (stamps c @ [ "oracle=none(gaussian)" ])
            [ atMost "|S(X)| ≤ Cov(n, d)" (tol "exact" (HiddenConvex.Core.Numerics.Tolerance(0.0, 0.0))) (float count) (float (Oracles.coverBound (n c.Data) (dim c.Data)))
              guardCheck ]

let laws =
    [ Law.create "E1" "the enumeration lists distinct patterns, each realised strictly by its own witness" arbEnumCase (fun _ -> []) witnesses
      Law.create "E1" "the number of cells is Cover's count in general position and the exact count of the de-duplicated arrangement otherwise" arbEnumCase (fun _ -> []) count
      Law.create "E1" "every pattern found by random sampling is in S(X)" arbEnumCase (fun _ -> []) sampling
      Law.create "E2" "|S(X)| ≤ Cov(N, r) ≤ Cov(n, r) for every X, with equality iff the N de-duplicated normals are in general position, and the count guard is never below |S(X)|" arbEnumCase (fun _ -> []) countBound ]
