/// The property suite's runner (Expecto host). Flags:
///   --quick | --deep          configuration (default: 200 cases per law, n ≤ 12, d ≤ 4)
///   --seed S                  reproducible run (each law derives its own stream from S)
///   --max-tests N             cases per law (overrides the configuration)
///   --filter F1[,F2]          only these families (E1, M1, …; R = regression catalogue)
///   --report DIR              report folder (default reports/<UTC yyyyMMdd-HHmmss>; reports/latest → newest)
///   --no-report               write no report files
///   --replay "(s,g,size)" --law "SENTENCE"   replay one counterexample of one law
///   --list                    print the law catalogue and exit
///   --soak N [--soak-from S]  run the laws under N fresh seeds S, S+1, … (S from the clock unless given) in the
///                             chosen configuration; summary of every failure with its replay line; exit 1 on any
/// Other flags go to Expecto (e.g. --sequenced, --summary). The last line is "N passed, N failed".
module HiddenConvex.Properties.Program

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open Expecto
open HiddenConvex.Harness.Reporting
open HiddenConvex.Properties.Law

type Options =
    { Config: RunConfig
      Profile: string
      Families: string list option
      Report: string option
      NoReport: bool
      LawName: string option
      List: bool
      Soak: int option
      SoakFrom: uint64 option
      Rest: string list }

let private parseReplay (s: string) =
    let parts = s.Trim().TrimStart('(').TrimEnd(')').Split(',') |> Array.map (fun p -> p.Trim())
    if parts.Length <> 3 then failwithf "--replay expects \"(seed,gamma,size)\", got %s" s
    UInt64.Parse parts[0], UInt64.Parse parts[1], Int32.Parse parts[2]

let rec private parse (o: Options) (args: string list) =
    match args with
    | [] -> o
    | "--quick" :: rest -> parse { o with Config = { Catalogue.quick with Seed = o.Config.Seed; Replay = o.Config.Replay }; Profile = "quick" } rest
    | "--deep" :: rest -> parse { o with Config = { Catalogue.deep with Seed = o.Config.Seed; Replay = o.Config.Replay }; Profile = "deep" } rest
    | "--seed" :: s :: rest -> parse { o with Config = { o.Config with Seed = UInt64.Parse s } } rest
    | "--max-tests" :: k :: rest -> parse { o with Config = { o.Config with MaxTest = Int32.Parse k }; Profile = o.Profile + "+max-tests=" + k } rest
    | "--filter" :: f :: rest -> parse { o with Families = Some (f.Split(',') |> Array.map (fun s -> s.Trim().ToUpperInvariant()) |> Array.toList) } rest
    | "--report" :: d :: rest -> parse { o with Report = Some d } rest
    | "--no-report" :: rest -> parse { o with NoReport = true } rest
    | "--replay" :: r :: rest -> parse { o with Config = { o.Config with Replay = Some (parseReplay r) } } rest
    | "--law" :: n :: rest -> parse { o with LawName = Some n } rest
    | "--list" :: rest -> parse { o with List = true } rest
    | "--soak" :: k :: rest -> parse { o with Soak = Some (Int32.Parse k) } rest
    | "--soak-from" :: s :: rest -> parse { o with SoakFrom = Some (UInt64.Parse s) } rest
    | x :: rest -> parse { o with Rest = o.Rest @ [ x ] } rest

let private selected (o: Options) (family: string) (name: string) =
    (match o.Families with Some fs -> List.contains (family.ToUpperInvariant()) fs | None -> true)
    && (match o.LawName with Some n -> n = name | None -> true)

let private configText (o: Options) =
    let c = o.Config
    let replay = match c.Replay with Some (s, g, z) -> sprintf " --replay \"(%d,%d,%d)\"" s g z | None -> ""
    sprintf "%s: %d cases per law, sizes %d..%d (n ≤ %d, d ≤ %d), --seed %d%s%s%s"
        o.Profile c.MaxTest c.StartSize c.EndSize (Inputs.maxN c.EndSize) (Inputs.maxD c.EndSize) c.Seed replay
        (match o.Families with Some fs -> " --filter " + String.Join(",", fs) | None -> "")
        (match o.LawName with Some n -> sprintf " --law \"%s\"" n | None -> "")

let private toReport (law: Law) (r: LawResult) =
    PropertyReport(law.Family, law.Name, r.Cases, r.Duration, r.Status, ResizeArray r.Classes, r.Failure |> Option.toObj, r.Note |> Option.toObj)

let private failureText (p: PropertyReport) =
    match p.Failure with
    | null -> defaultArg (Option.ofObj p.Note) "failed"
    | f ->
        sprintf "%s\n  observed:  %s\n  expected:  %s\n  tolerance: %s\n  shrunk input: %s\n  replay: %s"
            f.Check f.Observed f.Expected f.Tolerance f.InputJson f.ReplayCommand

[<EntryPoint>]
let main argv =
    // As in hcv (src/HiddenConvex.Cli/Program.cs): the laws run the core as the tool ships it.
    MathNet.Numerics.Control.UseSingleThread()
    let parsed =
        try
            Ok (parse { Config = Catalogue.standard; Profile = "default"; Families = None; Report = None; NoReport = false
                        LawName = None; List = false; Soak = None; SoakFrom = None; Rest = [] } (List.ofArray argv))
        with e -> Error e.Message
    match parsed with
    | Error m ->
        eprintfn "bad arguments: %s" m
        2
    | Ok o ->
    if o.List then
        for l in Catalogue.all do printfn "%s\t%s" l.Family l.Name
        0
    else
    if o.Config.Replay.IsSome && o.LawName.IsNone then
        eprintfn "--replay needs --law \"SENTENCE\" (the law the counterexample belongs to; see --list)"
        2
    else
    let root = Catalogue.repoRoot ()
    let laws = Catalogue.all |> List.filter (fun l -> selected o l.Family l.Name)
    match o.Soak with
    | Some count ->
        let flags = match o.Profile with "deep" -> "--deep " | "quick" -> "--quick " | _ -> ""
        let folder =
            if o.NoReport then None
            else Some (match o.Report with Some d -> Path.GetFullPath d | None -> Path.Combine(root, "reports", "soak-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")))
        Soak.run o.Config o.Profile flags laws count o.SoakFrom folder
    | None ->
    eprintfn "configuration: %s" (configText o)
    let regressions =
        if o.Config.Replay.IsSome then []
        else Regressions.load (Regressions.folder root) |> List.filter (fun c ->
                match Catalogue.all |> List.tryFind (fun l -> l.Name = c.LawName) with
                | Some l -> (match o.Families with Some fs -> List.contains (l.Family.ToUpperInvariant()) fs || List.contains "R" fs | None -> true) && o.LawName.IsNone
                | None -> o.LawName.IsNone)
    if laws.IsEmpty && regressions.IsEmpty then
        eprintfn "no law matches the selection (use --list)"
        2
    else
    let results = ConcurrentDictionary<string, PropertyReport>()
    let started = DateTimeOffset.UtcNow
    let sw = Stopwatch.StartNew()
    let lawTests =
        laws |> List.map (fun law ->
            testCase (sprintf "%s: %s" law.Family law.Name) (fun () ->
                let report = toReport law (law.Run o.Config)
                results[law.Name] <- report
                match report.Status with
                | PropertyStatus.Failed -> failtest (failureText report)
                | PropertyStatus.Skipped -> skiptest (defaultArg (Option.ofObj report.Note) "skipped")
                | _ -> ()))
    let regressionTests =
        regressions |> List.map (fun case ->
            testCase (sprintf "regression: %s" case.Name) (fun () ->
                let _, report = Regressions.run Catalogue.all case
                results["regression:" + case.File] <- report
                match report.Status with
                | PropertyStatus.Failed -> failtest (failureText report)
                | PropertyStatus.Skipped -> skiptest (defaultArg (Option.ofObj report.Note) "skipped")
                | _ -> ()))
    let tests = testList "HiddenConvex properties" (lawTests @ regressionTests)
    let expectoArgs = if List.contains "--spinner" o.Rest then o.Rest else "--no-spinner" :: o.Rest
    let _ = runTestsWithCLIArgs [] (Array.ofList expectoArgs) tests
    sw.Stop()
    let ordered =
        (laws |> List.choose (fun l -> match results.TryGetValue l.Name with | true, r -> Some r | _ -> None))
        @ (regressions |> List.choose (fun c -> match results.TryGetValue("regression:" + c.File) with | true, r -> Some r | _ -> None))
    let run = RunReport("HiddenConvex.Verify property suite", started, sw.Elapsed, configText o, ResizeArray ordered)
    if not o.NoReport then
        let reportsRoot = Path.Combine(root, "reports")
        let folder =
            match o.Report with
            | Some d -> Path.GetFullPath d
            | None -> ReportDirectory.NewRunFolder(reportsRoot, started)
        ReportDirectory.Write(run, folder) |> ignore
        let latest = if Path.GetDirectoryName(folder) = Path.GetFullPath reportsRoot then ReportDirectory.UpdateLatest(reportsRoot, folder) else "(not updated: custom folder)"
        eprintfn "report: %s (latest: %s)" (Path.Combine(folder, "summary.html")) latest
    let notRun = (laws.Length + regressions.Length) - ordered.Length
    let failed = run.Failed + notRun
    // Expecto wraps Console.Out (it pads lines over its progress indicator): write the closing
    // line straight to the standard output stream so it stands alone on the last line.
    Console.Out.Flush()
    use stdout = new StreamWriter(Console.OpenStandardOutput())
    let closing =
        if run.Skipped > 0 then sprintf "%d passed, %d failed, %d skipped" run.Passed failed run.Skipped
        else sprintf "%d passed, %d failed" run.Passed failed
    stdout.Write("\n" + closing + "\n")
    stdout.Flush()
    if failed > 0 then 1 else 0
