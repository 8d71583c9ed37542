/// The law catalogue as data: every property of THEORY.md §10 with its family and sentence, used
/// by the Expecto runner, the xunit host, the report and --filter.
module HiddenConvex.Properties.Catalogue

open System.IO
open HiddenConvex.Properties.Law

/// Family order of THEORY.md §10 as the report shows it.
let familyOrder =
    [ "E1"; "E2"; "M1"; "M2"; "M3"; "S1"; "I1"; "I2"; "D1"; "D2"; "D3"; "D4"; "D5"; "R1"; "T1"; "T2"; "T3"; "T4a"; "T4b"; "T4c"; "T4d"; "T4e"; "T5"; "T6"; "B1"; "B2"; "B3" ]

/// The catalogue applied to a solver of the convex program (laws that solve nothing ignore it).
let lawsFor (solver: SolverUnderTest.SolverUnderTest) : Law list =
    Enumeration.laws @ Maps.laws @ Splitting.laws @ Invariances.laws @ Duality.laws @ Duality.solverLaws solver
    @ OptimalSetLaws.laws solver @ StationarityLaws.laws solver @ GapIdentity.laws @ Units.laws solver
    @ PathLaws.laws solver @ CheckLaws.laws solver @ ScalePricing.laws solver
    |> List.sortBy (fun l -> match List.tryFindIndex ((=) l.Family) familyOrder with Some i -> i | None -> familyOrder.Length)

/// The catalogue of the project's solver: what the runner and the xunit host run.
let all: Law list = lawsFor SolverUnderTest.ours

let families = all |> List.map (fun l -> l.Family) |> List.distinct

let runCommand = "dotnet run --project properties/HiddenConvex.Properties -c Release --"

/// Configurations: quick (CI), default, deep. Sizes: see Inputs.maxN / maxD.
let quick = { MaxTest = 40; StartSize = 1; EndSize = 56; Seed = 20261127UL; Replay = None; Command = runCommand }
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
