/// The regression catalogue (properties/Regressions/*.json): named known-answer cases, each a
/// stored input of a law (usually a shrunk counterexample once found) run on every suite run.
/// Format: { "name": "...", "law": "<law sentence>", "origin": "...", "input": { ... } }; the case
/// passes when every check of the law holds on the input. A case may carry "open": "<diagnosis>": a
/// known defect not fixed yet. It is then reported as skipped with its diagnosis while the law still
/// fails on it, and as failed once the law holds ("remove its open mark"), so the mark cannot outlive
/// the defect.
module HiddenConvex.Properties.Regressions

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open HiddenConvex.Harness.Reporting
open HiddenConvex.Properties.Law

type RegressionCase =
    { Name: string
      LawName: string
      Origin: string
      /// The diagnosis of a known defect not fixed yet ("" for an ordinary case).
      Open: string
      Input: JsonElement
      File: string }

/// The folder of the catalogue: properties/Regressions under the repository root.
let folder (repoRoot: string) = Path.Combine(repoRoot, "properties", "Regressions")

let load (dir: string) : RegressionCase list =
    if not (Directory.Exists dir) then []
    else
        Directory.GetFiles(dir, "*.json")
        |> Array.sort
        |> Array.map (fun file ->
            use doc = JsonDocument.Parse(File.ReadAllText file)
            let root = doc.RootElement
            let str (k: string) = match root.TryGetProperty k with | true, v -> v.GetString() | _ -> ""
            { Name = str "name"; LawName = str "law"; Origin = str "origin"; Open = str "open"
              Input = root.GetProperty("input").Clone(); File = Path.GetFileName file })
        |> Array.toList

/// Runs one stored case against its law; an unknown law name is a failure (the catalogue must not rot).
let run (laws: Law list) (case: RegressionCase) : string * PropertyReport =
    let sw = Stopwatch.StartNew()
    match laws |> List.tryFind (fun l -> l.Name = case.LawName) with
    | None ->
        "R", PropertyReport("R", sprintf "regression %s" case.Name, 0, sw.Elapsed, PropertyStatus.Failed, [||],
                            Note = sprintf "%s names an unknown law: %s" case.File case.LawName)
    | Some law ->
        let v = law.RunOnJson case.Input
        sw.Stop()
        let name = sprintf "regression %s (%s)" case.Name case.File
        match v.Checks |> List.tryFind (fun c -> not c.Ok) with
        | None when case.Open <> "" ->
            law.Family, PropertyReport(law.Family, name, 1, sw.Elapsed, PropertyStatus.Failed, [||],
                                       Note = sprintf "%s is marked open but its law now holds: remove its \"open\" field" case.File)
        | None -> law.Family, PropertyReport(law.Family, name, 1, sw.Elapsed, PropertyStatus.Passed, [| ClassCount("case=regression", 1) |])
        | Some c when case.Open <> "" ->
            law.Family, PropertyReport(law.Family, name, 1, sw.Elapsed, PropertyStatus.Skipped, [||],
                                       Note = sprintf "open defect (%s observed %s): %s" c.What c.Observed case.Open)
        | Some c when c.What = "core function implemented" ->
            law.Family, PropertyReport(law.Family, name, 0, sw.Elapsed, PropertyStatus.Skipped, [||], Note = "core not implemented yet: " + c.Observed)
        | Some c ->
            let cx = Counterexample(case.Input.GetRawText(), c.What, c.Observed, c.Expected, c.Tolerance, case.Origin,
                                    sprintf "stored case %s" case.File, "stored", 0)
            law.Family, PropertyReport(law.Family, name, 1, sw.Elapsed, PropertyStatus.Failed, [||], cx)
