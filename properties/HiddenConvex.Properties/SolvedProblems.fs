/// Inputs that must satisfy a theorem's hypothesis and therefore need a solved problem: the core
/// objects of a generated problem, the problem solved by a SolverUnderTest through the certified
/// pipeline (THEORY.md §3–§6), optimal networks of Θ*_m (§6, T3), and Clarke ε-stationary networks
/// (§7, T4). The last two are recipes from which the network is rebuilt, so a shrunk problem gives a
/// network that still satisfies the hypothesis.
module HiddenConvex.Properties.SolvedProblems

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Arrangements
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Data
open HiddenConvex.Core.Losses
open HiddenConvex.Core.Networks
open HiddenConvex.Core.Pipeline
open HiddenConvex.Core.Pricing
open HiddenConvex.Core.Training
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.SolverUnderTest

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

/// β_max = ρ(−∇ℓ(0)) (THEORY.md §4): the smallest β with W* = 0, and the rounding of its computation,
/// γ_{n+d+2} Σ_j |v_j|‖x_j‖ (the error bound of one v·σ(Xu) with ‖u‖ = 1, THEORY.md §4.1).
let betaMaxWithRounding (p: Problem) =
    let v = -(p.Loss.Gradient(Vector<float>.Build.Dense(p.Data.N), p.Data.Y))
    let rounding = HiddenConvex.Core.Numerics.Rounding.Gamma(int64 (p.Data.N + p.Data.D + 2)) * Seq.sum (seq { for j in 0 .. p.Data.N - 1 -> abs v[j] * p.X.Row(j).L2Norm() })
    (ExactPricing.Price(p.X, p.Patterns, v)).Rho, rounding

let betaMax (p: Problem) = fst (betaMaxWithRounding p)

/// β = BetaRatio · β_max, with the regime as a stamp. When β_max is 0 up to its rounding (all rows zero,
/// v = 0, or v·σ(Xu) = 0 for every u, e.g. X = [[3],[1],[2]] with −∇ℓ(0) ∝ (1, −1, −1)), β = BetaRatio:
/// a β below the rounding of ρ could not be certified by any solver (THEORY.md §4.1).
let betaOf (p: Problem) =
    let bm, rounding = betaMaxWithRounding p
    if bm > rounding then
        p.Spec.BetaRatio * bm, (if p.Spec.BetaRatio < 1.0 then "regime=beta<beta_max" else "regime=beta>=beta_max")
    else p.Spec.BetaRatio, "regime=beta_max=0"

/// The convex problem at β over the exact pattern set.
let convexProblem (p: Problem) beta = ConvexProblem(p.Data, p.Loss, beta, p.Patterns)

/// The pipeline's settings when m* is not needed (its exhaustive search is skipped).
let withoutMStar = PipelineSettings(MaxSupportsForMStar = 0L)

/// A generated problem solved at β = BetaRatio·β_max through the solver's certified pipeline
/// (THEORY.md §3–§6): the solve, 𝒲* read off it (None with the pipeline's reason when it could not
/// be read), and the network the pipeline ships.
type Solved =
    { Instance: Problem
      Beta: float
      Regime: string
      Convex: ConvexProblem
      Certified: CertifiedSolution
      Result: SolverResult
      OptimalSet: OptimalSet option
      OptimalSetFailure: string }

let solveWith (solver: SolverUnderTest) (spec: ProblemSpec) =
    let p = enumerate spec
    let beta, regime = betaOf p
    let cp = convexProblem p beta
    let c = solver.Pipeline cp withoutMStar
    { Instance = p; Beta = beta; Regime = regime; Convex = cp; Certified = c; Result = c.Solve
      OptimalSet = Option.ofObj c.OptimalSet; OptimalSetFailure = defaultArg (Option.ofObj c.OptimalSetFailure) "" }

/// 𝒲* of a solved problem; a law that needs it fails with the pipeline's reason when it is missing.
let optimalSetOf (s: Solved) =
    match s.OptimalSet with
    | Some os -> os
    | None -> raise (OptimalSetException(sprintf "the pipeline read no optimal set: %s (solver status %s)" s.OptimalSetFailure s.Result.StatusName))

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

/// The sampled point of 𝒲* of an OptimalNetwork recipe on its solved problem, and the network built from it.
let optimalPointAndNetworkOn (s: Solved) (seed: int) =
    let os = optimalSetOf s
    let rng = Random seed
    let point = os.ToPoint(os.Sample(rng))
    let mutable net = Maps.Psi point
    if net.Width > 0 then
        let k = 1 + rng.Next 3
        let g = Array.init k (fun _ -> rng.NextDouble() + 0.05)
        net <- NeuronOps.Split(net, rng.Next net.Width, g |> Array.map (fun v -> v / Array.sum g))
    net <- net.PadWithZeros(rng.Next 3)
    point, net.PermuteNeurons(permutation rng net.Width)

/// The network of an OptimalNetwork recipe on its solved problem.
let optimalNetworkOn (s: Solved) (seed: int) = snd (optimalPointAndNetworkOn s seed)

/// The solved problem of the recipe, the sampled point of 𝒲* and the optimal network built from it.
let buildOptimalPointAndNetwork (solver: SolverUnderTest) (c: OptimalNetwork) =
    let s = solveWith solver c.Problem
    let point, net = optimalPointAndNetworkOn s c.Seed
    s, point, net

/// The solved problem of the recipe and its optimal network.
let buildOptimalNetwork (solver: SolverUnderTest) (c: OptimalNetwork) =
    let s, _, net = buildOptimalPointAndNetwork solver c
    s, net

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
let restrictedCandidate (solver: SolverUnderTest) (p: Problem) beta seed =
    let rng = Random seed
    let cells = p.Patterns.Cells |> Seq.toArray
    let k = 1 + rng.Next(min 4 cells.Length)
    let chosen = cells |> Array.sortBy (fun _ -> rng.Next()) |> Array.truncate k
    let subset = PatternSet(chosen, false, p.Patterns.Rank, sprintf "subset of %d cells" k, p.Data.N)
    let r = solver.Solve(ConvexProblem(p.Data, p.Loss, beta, subset))
    Maps.Psi r.W

/// A network of width 1 + seed mod 4 trained from the seed until the trainer's stationarity test holds (or 3000 iterations).
let trainedCandidate (p: Problem) beta seed =
    let width = 1 + seed % 4
    let settings = TrainingSettings(Seed = seed, MaxIterations = 3000)
    (Trainer.Train(p.Data, p.Loss, beta, width, settings)).Network

/// A source of candidate stationary networks: its name (the recipe's Source), its weight, and how
/// it builds the candidate from the solver, the problem, β and the seed.
type StationarySource =
    { Name: string
      Weight: int
      Build: SolverUnderTest -> Problem -> float -> int -> Network }

let restrictedSource = { Name = "restricted"; Weight = 3; Build = restrictedCandidate }
let trainedSource = { Name = "trained"; Weight = 1; Build = fun _ p beta seed -> trainedCandidate p beta seed }

let stationarySources = [ restrictedSource; trainedSource ]

/// The source of a stored recipe; a name without a source is an error naming the known ones.
let stationarySource (name: string) =
    match stationarySources |> List.tryFind (fun s -> s.Name = name) with
    | Some s -> s
    | None -> invalidArg "Source" (sprintf "unknown source '%s' of a stationary network (known: %s)" name (String.Join(", ", stationarySources |> List.map (fun s -> s.Name))))

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

/// The problem of the recipe, β, the regime stamp, and the candidate network (remembered, one memory
/// per solver: the generator builds it to test the hypothesis, the law builds it again).
let private builders = System.Collections.Concurrent.ConcurrentDictionary<string, ClarkeStationaryNetwork -> Problem * float * string * Network>()

let buildClarkeStationaryNetwork (solver: SolverUnderTest) : ClarkeStationaryNetwork -> Problem * float * string * Network =
    builders.GetOrAdd(solver.Name, Func<string, _>(fun _ ->
        remember 64 (fun (c: ClarkeStationaryNetwork) ->
            let p = enumerate c.Problem
            let beta, regime = betaOf p
            let net = (stationarySource c.Source).Build solver p beta c.Seed
            p, beta, regime, net)))

/// Whether the recipe's network is ε-stationary; a recipe whose build fails counts as kept, so that
/// the law reports the failure with its shrunk input.
let isClarkeStationary (solver: SolverUnderTest) (c: ClarkeStationaryNetwork) =
    try
        let p, beta, _, net = buildClarkeStationaryNetwork solver c
        (Stationarity.Measure(net, p.Data, p.Loss, beta)).IsStationary
    with _ -> true

/// The first of the seeds Seed, Seed+1, … whose network is stationary, or the recipe as drawn.
let private firstStationary solver (c: ClarkeStationaryNetwork) =
    seq { 0 .. stationaryAttempts - 1 }
    |> Seq.map (fun k -> { c with Seed = c.Seed + k })
    |> Seq.tryFind (isClarkeStationary solver)
    |> Option.defaultValue c

let genClarkeStationaryNetwork solver : Gen<ClarkeStationaryNetwork> =
    gen {
        let! p = genProblem |> Gen.scaleSize (fun s -> s * 3 / 4)
        let! src = Draws.weightedName (stationarySources |> List.map (fun s -> s.Weight, s.Name))
        let! seed = Gen.choose (0, 1_000_000)
        return firstStationary solver { ClarkeStationaryNetwork.Problem = p; Source = src; Seed = seed }
    }

/// Shrinks the problem; a candidate is offered only when its network (with the first stationary
/// seed) is still ε-stationary.
let shrinkClarkeStationaryNetwork solver (c: ClarkeStationaryNetwork) =
    shrinkProblem c.Problem
    |> Seq.map (fun p -> firstStationary solver { c with Problem = p })
    |> Seq.filter (isClarkeStationary solver)

let arbClarkeStationaryNetwork solver =
    Arb.fromGenShrink (genClarkeStationaryNetwork solver, shrinkClarkeStationaryNetwork solver)
