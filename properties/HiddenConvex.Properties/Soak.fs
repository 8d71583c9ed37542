/// The soak: the law catalogue run under N fresh seeds in one configuration, each failure summarised
/// with the command that reruns its seed and the command that replays its shrunk case. Seeds are
/// consecutive from a first seed: --soak-from S, or the clock (UTC Unix seconds) — printed either way,
/// so every soak can be repeated. Regression cases do not depend on the seed and are not part of a soak.
module HiddenConvex.Properties.Soak

open System
open System.Diagnostics
open System.IO
open System.Text
open HiddenConvex.Harness.Reporting
open HiddenConvex.Properties.Law

/// One failure of one law under one seed.
type SoakFailure =
    { Seed: uint64
      Law: Law
      Result: LawResult }

/// The first seed: the one given, or the clock (UTC Unix seconds).
let firstSeed (given: uint64 option) =
    match given with
    | Some s -> s, "--soak-from"
    | None -> uint64 (DateTimeOffset.UtcNow.ToUnixTimeSeconds()), "the clock (UTC Unix seconds)"

/// Runs the laws under one configuration, at most `parallelism` laws at a time (FsCheck runs one
/// law's cases sequentially).
let runLaws (parallelism: int) (config: RunConfig) (laws: Law list) =
    laws
    |> List.map (fun law -> async { return law, law.Run config })
    |> fun jobs -> Async.Parallel(jobs, parallelism)
    |> Async.RunSynchronously
    |> Array.toList

let private failureLines (command: string) (profileFlags: string) (f: SoakFailure) =
    let rerun = sprintf "%s %s--seed %d --filter %s --no-report" command profileFlags f.Seed f.Law.Family
    [ yield sprintf "seed %d  %s: %s" f.Seed f.Law.Family f.Law.Name
      match f.Result.Failure with
      | Some cx ->
          yield sprintf "  check:     %s" cx.Check
          yield sprintf "  observed:  %s" cx.Observed
          yield sprintf "  expected:  %s" cx.Expected
          yield sprintf "  tolerance: %s" cx.Tolerance
          yield sprintf "  shrunk input: %s" cx.InputJson
          yield sprintf "  rerun the seed: %s" rerun
          yield sprintf "  replay:    %s" cx.ReplayCommand
      | None ->
          yield sprintf "  %s" (defaultArg f.Result.Note "failed")
          yield sprintf "  rerun the seed: %s" rerun ]

/// Runs the soak and returns the exit code (1 on any failure). `profileFlags` is what reproduces the
/// configuration on the command line ("", "--deep ", "--quick ").
let run (config: RunConfig) (profile: string) (profileFlags: string) (laws: Law list) (count: int) (from: uint64 option) (reportFolder: string option) =
    let first, source = firstSeed from
    let parallelism = max 1 Environment.ProcessorCount
    let header = sprintf "soak: %d seeds %d..%d (first seed from %s), %s configuration, %d laws, %d at a time" count first (first + uint64 count - 1UL) source profile laws.Length parallelism
    printfn "%s" header
    let clock = Stopwatch.StartNew()
    let failures = Collections.Generic.List<SoakFailure>()
    let perSeed = Collections.Generic.List<string>()
    for k in 0 .. count - 1 do
        let seed = first + uint64 k
        let sw = Stopwatch.StartNew()
        let results = runLaws parallelism { config with Seed = seed; Replay = None } laws
        let failed = results |> List.filter (fun (_, r) -> r.Status = PropertyStatus.Failed)
        for law, r in failed do failures.Add { Seed = seed; Law = law; Result = r }
        let line =
            sprintf "seed %d: %d passed, %d failed%s (%.1f s)" seed (results.Length - failed.Length) failed.Length
                (if failed.IsEmpty then "" else " — " + String.Join(", ", failed |> List.map (fun (l, _) -> l.Family))) sw.Elapsed.TotalSeconds
        perSeed.Add line
        printfn "%s" line
    clock.Stop()
    let command = Catalogue.runCommand
    let summary = StringBuilder()
    let add (s: string) = summary.AppendLine s |> ignore
    add (sprintf "# Property suite soak\n\n%s\n" header)
    add (sprintf "- wall time: %.1f s (%.1f s per seed)" clock.Elapsed.TotalSeconds (clock.Elapsed.TotalSeconds / float (max 1 count)))
    add (sprintf "- failures: %d (law × seed) in %d of %d seeds" failures.Count (failures |> Seq.map (fun f -> f.Seed) |> Seq.distinct |> Seq.length) count)
    add ""
    if failures.Count > 0 then
        add "## Failures by law\n"
        for (family, name), group in failures |> Seq.groupBy (fun f -> f.Law.Family, f.Law.Name) do
            add (sprintf "- %s: %s — seeds %s" family name (String.Join(", ", group |> Seq.map (fun f -> string f.Seed))))
        add "\n## Every failure\n\n```"
        for f in failures do
            for l in failureLines command profileFlags f do add l
            add ""
        add "```"
    add "\n## Seeds\n\n```"
    for l in perSeed do add l
    add "```"
    let text = summary.ToString()
    printfn "\n%s" text
    match reportFolder with
    | Some folder ->
        Directory.CreateDirectory folder |> ignore
        let path = Path.Combine(folder, "soak.md")
        File.WriteAllText(path, text)
        eprintfn "soak report: %s" path
    | None -> ()
    // The closing line, as the other runs end.
    printfn "\n%d passed, %d failed" (count * laws.Length - failures.Count) failures.Count
    if failures.Count > 0 then 1 else 0
