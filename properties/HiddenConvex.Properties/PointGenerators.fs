/// Feasible points W of the convex program (THEORY.md §3): blocks (s(u), γ) with w ∈ C_s built from
/// directions u (interior of a cell almost surely) and from points on a face x_j·u = 0 (assigned to
/// the adjacent cell on the x_j side); values of the same block are summed (the cone is convex).
module HiddenConvex.Properties.PointGenerators

open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open HiddenConvex.Core.Convex
open HiddenConvex.Core.Pricing
open HiddenConvex.Properties.Inputs
open HiddenConvex.Properties.Draws
open HiddenConvex.Properties.ProblemGenerators
open HiddenConvex.Properties.NetworkGenerators

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b
let private norm (u: float[]) = sqrt (dot u u)
let private scaleBy (k: float) (u: float[]) = u |> Array.map ((*) k)

let private sumSameBlocks (blocks: seq<string * int * float[]>) =
    blocks
    |> Seq.groupBy (fun (p, s, _) -> p, s)
    |> Seq.map (fun ((p, s), g) -> { Pattern = p; Sign = s; W = g |> Seq.map (fun (_, _, w) -> w) |> Seq.reduce (Array.map2 (+)) })
    |> Seq.toArray

/// The pattern of a point f on the face x_j·f = 0: every row by the sign of x_k·f itself (x_k·f = 0 active, THEORY.md §2),
/// row j included, whose computed x_j·f is 0 up to rounding of either sign, so that the block holds f in its cone by
/// construction. Why not the signs of f pushed 1e-7 towards x_j: a row nearly parallel to x_j (near-duplicate rows 4 243
/// long) can have x_k·f slightly negative while the pushed point has it positive, and the block then held a W outside its
/// cone by 6e-8 (seeds 2310000030 and 2310000031 of M1); nor row j active whatever the sign of its rounding (seed
/// 2350000057 of M1).
let private facePattern (x: float[][]) (f: float[]) =
    System.String(x |> Array.map (fun r -> if dot r f >= 0.0 then '1' else '0'))

let genBlocksOn (x: float[][]) (d: int) : Gen<BlockSpec[]> =
    Gen.sized (fun size ->
        gen {
            let k = max 1 (min 6 (1 + size / 10))
            let! count = Gen.choose (0, k)
            let! dirs = Gen.arrayOfLength count (genDirection d)
            let! mags = Gen.arrayOfLength count (logUniform 0.05 3.0)
            let! signs = Gen.arrayOfLength count (Gen.elements [ 1; -1 ])
            let! onFace = Gen.arrayOfLength count (Gen.frequency [ 4, Gen.constant -1; 1, Gen.choose (0, max 0 (x.Length - 1)) ])
            let blocks =
                Array.init count (fun i ->
                    let u = dirs[i]
                    let j = onFace[i]
                    let xj = if j >= 0 && j < x.Length then x[j] else Array.zeroCreate d
                    let nx = dot xj xj
                    if j >= 0 && d >= 2 && nx > 0.0 then
                        // Projected twice: when u is nearly parallel to x_j the first pass leaves x_j·f at the rounding of u,
                        // which is large against ‖f‖ (seed 2350000057: 4.3e-12 of ‖x_j‖‖f‖ outside the cone).
                        let project (g: float[]) = Array.map2 (fun a b -> a - dot g xj / nx * b) g xj
                        let f = project (project u)
                        if norm f = 0.0 then None
                        else Some (facePattern x f, signs[i], scaleBy (mags[i] / norm f) f)
                    else Some (patternString x u, signs[i], scaleBy (mags[i] / norm u) u))
                |> Array.choose id
            return sumSameBlocks blocks
        })

let genPointCase : Gen<PointCase> =
    gen {
        let! p = genProblem
        let! blocks = genBlocksOn p.Data.X (dim p.Data)
        return { Problem = p; Blocks = blocks }
    }

let private dropBit j (s: string) = s.Remove(j, 1)

/// Shrinks by dropping blocks and rows (pattern bits dropped; a cone with fewer constraints still
/// holds w; blocks that become equal are summed), and toward c = 1.
let shrinkPointCase (c: PointCase) : seq<PointCase> =
    seq {
        for i in c.Blocks.Length - 1 .. -1 .. 0 do
            yield { c with Blocks = removeAt i c.Blocks }
        if n c.Problem.Data > 1 then
            for j in n c.Problem.Data - 1 .. -1 .. 0 do
                let p = c.Problem
                let blocks = c.Blocks |> Seq.map (fun b -> dropBit j b.Pattern, b.Sign, b.W) |> sumSameBlocks
                yield { Problem = { p with Data = dropRow j p.Data; Y = removeAt j p.Y }; Blocks = blocks }
        if c.Problem.Scale <> 1.0 then yield { c with Problem = { c.Problem with Scale = 1.0 } }
    }

let arbPointCase = Arb.fromGenShrink (genPointCase, shrinkPointCase)

let convexPointOf (d: int) (blocks: BlockSpec[]) =
    ConvexPoint(
        blocks |> Array.map (fun b -> BlockValue(Block(patternOfString b.Pattern, b.Sign), Vector<float>.Build.DenseOfArray b.W)),
        d)
