/// The network generators (THEORY.md §5: scaled, nearly minimal, minimal networks and their
/// opposites), one NAMED generator per kind of network, registered in `networkGenerators` with what
/// it guarantees and what is left of that guarantee when the shrinker drops a neuron or a row.
module HiddenConvex.Properties.NetworkGenerators

open System
open FsCheck
open FsCheck.FSharp
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.ProblemGenerators

let private norm (u: float[]) = sqrt (Array.sumBy (fun v -> v * v) u)
let private scaleBy (k: float) (u: float[]) = u |> Array.map ((*) k)

let genDirection d = Gen.arrayOfLength d gaussian |> Gen.map (fun u -> if norm u = 0.0 then Array.init d (fun k -> if k = 0 then 1.0 else 0.0) else u)

/// A scaled neuron (‖u‖ = |α|) in direction u with magnitude r = ‖u‖ and sign.
let private scaledNeuron (u: float[]) (r: float) (sign: float) = scaleBy (r / norm u) u, sign * r

let private genSign = Gen.elements [ -1.0; 1.0 ]

/// What every network generator is given: the data x (kinds that need slots use its patterns), the
/// dimension, the width m, and m directions, magnitudes and signs drawn before the kind's own draws.
type NetDraw =
    { X: float[][]
      D: int
      M: int
      Dirs: float[][]
      Mags: float[]
      Signs: float[] }

let private scaledNeurons (s: NetDraw) = Array.init s.M (fun i -> scaledNeuron s.Dirs[i] s.Mags[i] s.Signs[i])
let private ofNeurons kind (neurons: (float[] * float)[]) = { Kind = kind; U = Array.map fst neurons; Alpha = Array.map snd neurons }

/// The label of the scaled networks (also what is left of a scaled kind after a shrink).
let scaledKind = "scaled"

/// A kind of network: its name (the NetSpec's Kind), what it guarantees, the label of the network
/// left when neuron i is dropped and when a row of the data is dropped (slots may merge), and its
/// generator.
type NetworkGenerator =
    { Kind: string
      Guarantees: string
      AfterDroppingNeuron: NetSpec -> int -> string
      AfterDroppingRow: string
      Gen: NetDraw -> Gen<NetSpec> }

let private keeps (kind: string) = fun (_: NetSpec) (_: int) -> kind

let arbitraryNetwork =
    { Kind = "arbitrary"; Guarantees = "Gaussian α, directions with about 1 in 7 set to zero (zero neurons, u = 0 ≠ α)"
      AfterDroppingNeuron = keeps "arbitrary"; AfterDroppingRow = "arbitrary"
      Gen = fun s ->
          gen {
              let! alphas = Gen.arrayOfLength s.M gaussian
              let! zeroFlags = Gen.arrayOfLength s.M (Gen.frequency [ 6, Gen.constant false; 1, Gen.constant true ])
              let u = Array.mapi (fun i v -> if zeroFlags[i] then Array.zeroCreate s.D else v) s.Dirs
              return { Kind = "arbitrary"; U = u; Alpha = alphas }
          } }

/// Scaled neurons in the drawn directions (width 0: "empty").
let scaledNetwork =
    { Kind = scaledKind; Guarantees = "every neuron scaled (‖u_i‖ = |α_i|), magnitudes in [0.1, 3]"
      AfterDroppingNeuron = keeps scaledKind; AfterDroppingRow = scaledKind
      Gen = fun s -> Gen.constant (ofNeurons (if s.M = 0 then "empty" else scaledKind) (scaledNeurons s)) }

let nearlyMinimalNetwork =
    { Kind = "nearly-minimal"; Guarantees = "scaled, one neuron per slot except neuron 0 split into 2–3 positively colinear copies"
      AfterDroppingNeuron = keeps "nearly-minimal"; AfterDroppingRow = scaledKind
      Gen = fun s ->
          if s.M = 0 then scaledNetwork.Gen s
          else
              gen {
                  let! parts = Gen.choose (2, 3)
                  let neurons = scaledNeurons s |> Array.distinctBy (fun (u, a) -> patternString s.X u, sign a)
                  let u0, a0 = neurons[0]
                  let copies = [| for k in 1 .. parts -> let g = sqrt (float k / float (parts * (parts + 1) / 2)) in scaleBy g u0, g * a0 |]
                  return ofNeurons "nearly-minimal" (Array.append neurons[1..] copies)
              } }

let minimalNetwork =
    { Kind = "minimal"; Guarantees = "scaled with at most one neuron per slot (slots computed on the data)"
      AfterDroppingNeuron = keeps "minimal"; AfterDroppingRow = scaledKind
      Gen = fun s -> Gen.constant (ofNeurons "minimal" (scaledNeurons s |> Array.distinctBy (fun (u, a) -> patternString s.X u, sign a))) }

let unbalancedNetwork =
    { Kind = "unbalanced"; Guarantees = "scaled except neuron 0, whose ‖u‖/|α| is κ² with κ ∈ [2, 4]: L_β strictly above φ's value"
      AfterDroppingNeuron = (fun _ i -> if i = 0 then scaledKind else "unbalanced"); AfterDroppingRow = "unbalanced"
      Gen = fun s ->
          if s.M = 0 then scaledNetwork.Gen s
          else
              gen {
                  let! kappa = uniform 2.0 4.0
                  let neurons = scaledNeurons s
                  let u0, a0 = neurons[0]
                  neurons[0] <- scaleBy kappa u0, a0 / kappa
                  return ofNeurons "unbalanced" neurons
              } }

/// Two scaled neurons in one slot that are not colinear (φ merges them with a strict loss of
/// norm); when no perturbation of neuron 0 stays in its cell, the scaled network.
let sameSlotNetwork =
    { Kind = "same-slot"; Guarantees = "scaled; the last neuron shares neuron 0's slot and is not colinear with it (1 − cos > 1e-6)"
      AfterDroppingNeuron = keeps scaledKind; AfterDroppingRow = scaledKind
      Gen = fun s ->
          if s.M = 0 then scaledNetwork.Gen s
          else
              gen {
                  let! t = uniform 0.05 0.5
                  let! pert = genDirection s.D
                  let u0 = s.Dirs[0] |> Array.map (fun v -> v / norm s.Dirs[0])
                  let candidates = [ for k in 0 .. 20 -> Array.map2 (fun a b -> a + t * Math.Pow(0.5, float k) * b) u0 pert ]
                  let p0 = patternString s.X u0
                  let sameCellNotColinear (c: float[]) =
                      patternString s.X c = p0 && (let cs = Array.fold2 (fun a p q -> a + p * q) 0.0 c u0 / norm c in 1.0 - cs > 1e-6)
                  match candidates |> List.tryFind sameCellNotColinear with
                  | Some u1 -> return ofNeurons "same-slot" (Array.append (scaledNeurons s) [| scaledNeuron u1 s.Mags[0] s.Signs[0] |])
                  | None -> return ofNeurons scaledKind (scaledNeurons s)
              } }

/// Every kind of network, drawn uniformly, in drawing order.
let networkGenerators =
    [ arbitraryNetwork; scaledNetwork; nearlyMinimalNetwork; minimalNetwork; unbalancedNetwork; sameSlotNetwork ]

let private byKind = networkGenerators |> List.map (fun g -> g.Kind, g) |> Map.ofList

/// Networks of a drawn kind on data x.
let genNetworkOn (x: float[][]) (d: int) : Gen<NetSpec> =
    Gen.sized (fun size ->
        gen {
            let maxM = max 1 (min 8 (1 + size / 10))
            let! m = Gen.choose (0, maxM)
            let! kind = Gen.elements (networkGenerators |> List.map (fun g -> g.Kind))
            let! dirs = Gen.arrayOfLength m (genDirection d)
            let! mags = Gen.arrayOfLength m (logUniform 0.1 3.0)
            let! signs = Gen.arrayOfLength m genSign
            return! byKind[kind].Gen { X = x; D = d; M = m; Dirs = dirs; Mags = mags; Signs = signs }
        })

/// The label of a network after a shrink, from its generator's declaration (a stored or relabelled
/// kind without a generator keeps its label only when nothing could break it).
let private afterDroppingNeuron (net: NetSpec) i =
    match byKind.TryFind net.Kind with
    | Some g -> g.AfterDroppingNeuron net i
    | None -> net.Kind

let private afterDroppingRow (net: NetSpec) =
    match byKind.TryFind net.Kind with
    | Some g -> g.AfterDroppingRow
    | None -> net.Kind

let shrinkNet (net: NetSpec) : seq<NetSpec> =
    seq {
        for i in net.Alpha.Length - 1 .. -1 .. 0 do
            yield { dropNeuron i net with Kind = afterDroppingNeuron net i }
    }

let genNetCase : Gen<NetCase> =
    gen {
        let! p = genProblem
        let! net = genNetworkOn p.Data.X (dim p.Data)
        return { Problem = p; Net = net }
    }

let shrinkNetCase (c: NetCase) : seq<NetCase> =
    seq {
        for net in shrinkNet c.Net do yield { c with Net = net }
        // Dropping rows keeps the network valid (same d) but may merge slots: the label says what is left.
        if n c.Problem.Data > 1 then
            for j in n c.Problem.Data - 1 .. -1 .. 0 do
                let p = c.Problem
                yield { Problem = { p with Data = dropRow j p.Data; Y = removeAt j p.Y }; Net = { c.Net with Kind = afterDroppingRow c.Net } }
    }

let arbNetCase = Arb.fromGenShrink (genNetCase, shrinkNetCase)
