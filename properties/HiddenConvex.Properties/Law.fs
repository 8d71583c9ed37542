/// The law catalogue's building blocks: checks with observed/expected/tolerance, verdicts,
/// and a law = one property run by FsCheck with full capture of the result for the report.
module HiddenConvex.Properties.Law

open System
open System.Collections.Generic
open System.Diagnostics
open System.Globalization
open System.Text.Json
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Numerics
open HiddenConvex.Harness.Reporting

/// One checked statement of a property on one case.
type Check =
    { What: string
      Observed: string
      Expected: string
      Tolerance: string
      Ok: bool }

/// The outcome of a property on one case: its checks and the case's classes ("n=5", "data=duplicates").
type Verdict =
    { Checks: Check list
      Stamps: string list }

let fmt (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

let private tolText (name: string) (tol: Tolerance) = sprintf "%s (%s)" name (tol.ToString())

/// |observed − expected| ≤ tol at the larger magnitude.
let agree what (name, tol: Tolerance) (observed: float) (expected: float) =
    { What = what; Observed = fmt observed; Expected = fmt expected
      Tolerance = tolText name tol; Ok = tol.Agree(observed, expected) }

/// observed ≤ bound up to tol.
let atMost what (name, tol: Tolerance) (observed: float) (bound: float) =
    { What = what; Observed = fmt observed; Expected = "≤ " + fmt bound
      Tolerance = tolText name tol; Ok = tol.AtMost(observed, bound) }

/// observed > bound by more than tol (a strict inequality that rounding cannot fake).
let exceeds what (name, tol: Tolerance) (observed: float) (bound: float) =
    { What = what; Observed = fmt observed; Expected = "> " + fmt bound + " beyond tolerance"
      Tolerance = tolText name tol; Ok = observed - bound > tol.At(max (abs observed) (abs bound)) }

/// A dimensionless deviation (relative error, 1 − cos) is at most the tolerance at scale 1.
let within what (name, tol: Tolerance) (observed: float) =
    { What = what; Observed = fmt observed; Expected = "≤ " + fmt (tol.At 1.0)
      Tolerance = tolText name tol + " at scale 1"; Ok = observed <= tol.At 1.0 }

/// An exact (combinatorial) statement.
let exact what (ok: bool) (observed: string) (expected: string) =
    { What = what; Observed = observed; Expected = expected; Tolerance = "exact"; Ok = ok }

let exactInt what (observed: int) (expected: int) =
    exact what (observed = expected) (string observed) (string expected)

let private vecText (v: Vector<float>) =
    "[" + String.Join(", ", v.ToArray() |> Array.map fmt) + "]"

/// Entrywise agreement of two vectors at the scale of the larger sup-norm.
let vecAgree what (name, tol: Tolerance) (observed: Vector<float>) (expected: Vector<float>) =
    if observed.Count <> expected.Count then
        exact what false (sprintf "length %d" observed.Count) (sprintf "length %d" expected.Count)
    else
        let scale = max (observed.InfinityNorm()) (expected.InfinityNorm())
        let dev = if observed.Count = 0 then 0.0 else (observed - expected).InfinityNorm()
        { What = sprintf "%s (max deviation %s)" what (fmt dev)
          Observed = vecText observed; Expected = vecText expected
          Tolerance = tolText name tol; Ok = dev <= tol.At scale }

/// Entrywise agreement as in vecAgree, each entry j also allowed rounding[j]: the proven rounding bound of the two
/// computed vectors there (THEORY.md §4.1), which a product of long rows and large weights can put above the tolerance.
let vecAgreeWithRounding what (name, tol: Tolerance) (rounding: float[]) (observed: Vector<float>) (expected: Vector<float>) =
    if observed.Count <> expected.Count || rounding.Length <> observed.Count then
        exact what false (sprintf "length %d" observed.Count) (sprintf "length %d" expected.Count)
    else
        let scale = max (observed.InfinityNorm()) (expected.InfinityNorm())
        let excess = Array.init observed.Count (fun j -> abs (observed[j] - expected[j]) - rounding[j])
        let worst = if excess.Length = 0 then 0.0 else Array.max excess
        { What = sprintf "%s (max deviation beyond the rounding bound %s)" what (fmt worst)
          Observed = vecText observed; Expected = vecText expected
          Tolerance = tolText name tol + " + the rounding bound e_j of §4.1 per entry"; Ok = worst <= tol.At scale }

let verdict stamps checks = { Checks = checks; Stamps = stamps }
let passes (v: Verdict) = v.Checks |> List.forall (fun c -> c.Ok)
let firstFailure (v: Verdict) = v.Checks |> List.tryFind (fun c -> not c.Ok)

/// Run-time configuration of a law.
type RunConfig =
    { MaxTest: int
      StartSize: int
      EndSize: int
      Seed: uint64
      /// Replays exactly one case: (seed, gamma, size).
      Replay: (uint64 * uint64 * int) option
      /// Command prefix used to print replay commands.
      Command: string }

type LawResult =
    { Status: PropertyStatus
      Cases: int
      Duration: TimeSpan
      Classes: ClassCount list
      Failure: Counterexample option
      Note: string option }

/// A named law: family (E1, M1, …), the property as a sentence, how to run it with FsCheck, and
/// how to run it on one stored input (regression catalogue).
type Law =
    { Family: string
      Name: string
      Run: RunConfig -> LawResult
      RunOnJson: JsonElement -> Verdict }

let private jsonOptions = JsonSerializerOptions(WriteIndented = false, IncludeFields = false)
let toJson (x: 'T) = JsonSerializer.Serialize<'T>(x, jsonOptions)
let ofJson<'T> (e: JsonElement) = e.Deserialize<'T>(jsonOptions)

/// A core function that is not implemented yet: the law is reported as skipped, never as passed.
exception CoreMissing of string

let rec private notImplemented (e: exn) =
    match e with
    | :? NotImplementedException as n -> Some n.Message
    | :? AggregateException as a when a.InnerException <> null -> notImplemented a.InnerException
    | _ when e.InnerException <> null -> notImplemented e.InnerException
    | _ -> None

/// Evaluates a body, turning an unexpected exception into a failed check (never a silent pass).
let evaluate (body: 'T -> Verdict) (x: 'T) : Verdict =
    try body x
    with e ->
        match notImplemented e with
        | Some m -> raise (CoreMissing m)
        | None ->
            verdict [ "outcome=exception" ]
                [ exact "the computation completes without an exception" false
                      (sprintf "%s: %s" (e.GetType().Name) e.Message) "no exception" ]

let private perLawSeed (seed: uint64) (name: string) =
    // FNV-1a of the name, so each law has its own reproducible stream under one --seed.
    let mutable h = 14695981039346656037UL
    for c in name do
        h <- (h ^^^ uint64 c) * 1099511628211UL
    seed ^^^ h

/// The state of one run of a law (FsCheck runs one property sequentially).
type private RunState() =
    member val FailureSeen = false with get, set
    member val Cases = 0 with get, set
    member val Missing: string option = None with get, set
    member val Stamps = Dictionary<string, int>() with get

let private replayText (rnd: Rnd) (size: int) = sprintf "(%d,%d,%d)" rnd.Seed rnd.Gamma size

/// Builds a law from a generator-with-shrinker, a body and optional figures for failures.
let create
    (family: string)
    (name: string)
    (arb: Arbitrary<'T>)
    (figures: 'T -> Figure list)
    (body: 'T -> Verdict)
    : Law =
    let run (cfg: RunConfig) =
        let state = RunState()
        let property (x: 'T) =
            let v =
                try evaluate body x
                with CoreMissing m ->
                    state.Missing <- Some m
                    verdict [] [ exact "core function implemented" false m "implemented" ]
            let ok = passes v
            if not state.FailureSeen then
                state.Cases <- state.Cases + 1
                for s in v.Stamps do
                    state.Stamps[s] <- (match state.Stamps.TryGetValue s with | true, k -> k + 1 | _ -> 1)
            if not ok then state.FailureSeen <- true
            let label =
                match firstFailure v with
                | Some c -> sprintf "%s: observed %s, expected %s, tolerance %s" c.What c.Observed c.Expected c.Tolerance
                | None -> ""
            let p = Prop.ofTestable ok |> Prop.label label
            v.Stamps |> List.fold (fun p s -> Prop.classify true s p) p
        let mutable result = None
        let runner =
            { new IRunner with
                member _.OnStartFixture _ = ()
                member _.OnArguments(_, _, _) = ()
                member _.OnShrink(_, _) = ()
                member _.OnFinished(_, r) = result <- Some r }
        let replay =
            match cfg.Replay with
            | Some (s, g, size) -> { Rnd = Rnd(s, g); Size = Some size }
            | None -> { Rnd = Rnd(perLawSeed cfg.Seed name); Size = None }
        let config =
            Config.Quick
                .WithMaxTest(if cfg.Replay.IsSome then 1 else cfg.MaxTest)
                .WithStartSize(cfg.StartSize)
                .WithEndSize(cfg.EndSize)
                .WithRunner(runner)
                .WithReplay(Some replay)
        let sw = Stopwatch.StartNew()
        Check.One(config, Prop.forAll arb property)
        sw.Stop()
        let classes =
            state.Stamps |> Seq.map (fun kv -> ClassCount(kv.Key, kv.Value)) |> Seq.toList
        let baseResult =
            { Status = PropertyStatus.Passed; Cases = state.Cases; Duration = sw.Elapsed
              Classes = classes; Failure = None; Note = None }
        match state.Missing, result with
        | Some m, _ ->
            { baseResult with Status = PropertyStatus.Skipped; Note = Some ("core not implemented yet: " + m) }
        | None, Some (TestResult.Passed _) -> baseResult
        | None, Some (TestResult.Exhausted data) ->
            { baseResult with Status = PropertyStatus.Failed; Note = Some (sprintf "exhausted after %d cases" data.NumberOfTests) }
        | None, Some (TestResult.Failed (data, original, shrunk, outcome, _originalSeed, lastSeed, lastSize)) ->
            let arg (args: obj list) = args |> List.tryHead |> Option.map (fun o -> o :?> 'T)
            let shrunkArg = arg shrunk
            let check, inputJson, figs =
                match shrunkArg with
                | Some x ->
                    let v = try evaluate body x with CoreMissing m -> verdict [] [ exact "core function implemented" false m "implemented" ]
                    let c =
                        defaultArg (firstFailure v)
                            (exact "the failure reproduces on the shrunk input" false "passes on re-evaluation" "fails")
                    let f = try figures x with _ -> []
                    c, toJson x, f
                | None ->
                    let m = match outcome with Outcome.Failed e -> e.Message | _ -> "no argument"
                    exact "property" false m "holds", "null", []
            let seed = replayText lastSeed lastSize
            let replayCmd = sprintf "%s --replay \"%s\" --law \"%s\"" cfg.Command seed name
            let cx =
                Counterexample(
                    inputJson, check.What, check.Observed, check.Expected, check.Tolerance,
                    (match outcome with Outcome.Failed e -> e.Message | _ -> ""),
                    replayCmd, seed, data.NumberOfShrinks,
                    (arg original |> Option.map toJson |> Option.toObj),
                    ResizeArray figs)
            { baseResult with Status = PropertyStatus.Failed; Failure = Some cx }
        | None, None -> { baseResult with Status = PropertyStatus.Failed; Note = Some "FsCheck reported no result" }
    let runOnJson (e: JsonElement) =
        try evaluate body (ofJson<'T> e)
        with CoreMissing m -> verdict [] [ exact "core function implemented" false m "implemented" ]
    { Family = family; Name = name; Run = run; RunOnJson = runOnJson }
