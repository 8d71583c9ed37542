/// The law catalogue as data: every property of THEORY.md §10 with its family and sentence, used
/// by the Expecto runner, the xunit host, the report and --filter.
module HiddenConvex.Properties.Catalogue

open System.IO
open HiddenConvex.Properties.Law

let all: Law list =
    Enumeration.laws @ Maps.laws @ Splitting.laws @ Invariances.laws @ Duality.laws @ Duality.solverLaws @ StationarityLaws.laws @ OptimalSetLaws.laws @ PathLaws.laws @ CheckLaws.laws

let families = all |> List.map (fun l -> l.Family) |> List.distinct

let runCommand = "dotnet run --project properties/HiddenConvex.Properties -c Release --"

/// Configurations: quick (CI), default, deep. Sizes: see Generators.maxN / maxD.
let quick = { MaxTest = 25; StartSize = 1; EndSize = 56; Seed = 20261127UL; Replay = None; Command = runCommand }
let standard = { quick with MaxTest = 200; EndSize = 80 }
let deep = { quick with MaxTest = 500; EndSize = 112 }
/// The xunit host runs every law fast (dotnet test): 20 cases each.
let xunit = { quick with MaxTest = 20 }

/// The repository root: the nearest folder upward holding HiddenConvex.Verify.sln (else the current folder).
let repoRoot () =
    let rec up (d: DirectoryInfo) =
        if isNull d then Directory.GetCurrentDirectory()
        elif File.Exists(Path.Combine(d.FullName, "HiddenConvex.Verify.sln")) then d.FullName
        else up d.Parent
    up (DirectoryInfo(Directory.GetCurrentDirectory()))
