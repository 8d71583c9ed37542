/// Random draws inside FsCheck's Gen (so every case is reproducible from FsCheck's seed).
module HiddenConvex.Properties.Draws

open System
open FsCheck
open FsCheck.FSharp

/// A standard normal draw (Box–Muller on two uniform integers).
let gaussian : Gen<float> =
    gen {
        let! a = Gen.choose (1, 1_000_000)
        let! b = Gen.choose (0, 1_000_000)
        let u1 = float a / 1_000_001.0
        let u2 = float b / 1_000_001.0
        return sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)
    }

let uniform lo hi : Gen<float> =
    Gen.choose (0, 1_000_000) |> Gen.map (fun k -> lo + (hi - lo) * float k / 1_000_000.0)

let logUniform lo hi : Gen<float> = uniform (log lo) (log hi) |> Gen.map exp

let smallInt r : Gen<int64> = Gen.choose (-r, r) |> Gen.map int64

let intRow d r = Gen.arrayOfLength d (smallInt r)

/// An integer row in [−r, r]^d that is not zero (a zero draw becomes e_1).
let nonzeroIntRow d r =
    intRow d r |> Gen.map (fun row -> if Array.forall ((=) 0L) row then Array.init d (fun k -> if k = 0 then 1L else 0L) else row)

/// A named choice drawn with weights: the name is drawn first, the entry looked up after, so the
/// random stream does not depend on the entries' generators.
let weightedName (entries: (int * string) list) : Gen<string> =
    Gen.frequency (entries |> List.map (fun (w, name) -> w, Gen.constant name))
