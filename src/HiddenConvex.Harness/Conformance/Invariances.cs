using HiddenConvex.Core.Losses;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Conformance;

/// <summary>
/// A metamorphic relation of THEORY.md §10 (I1): a transformed instance whose optimum is known
/// from the original's: P*_c(related) = Factor · P*_c(original).
/// </summary>
public sealed record RelatedInstance(string Relation, ConformInstance Instance, double Factor);

/// <summary>
/// The invariances I1 of THEORY.md §10 applied to instances: permuting the rows of (X, y);
/// X → XQ with Q orthogonal (a rotation for Gaussian data, a signed permutation for data whose
/// exact ties must survive rounding); and for the squared loss (y, β) → (κy, κβ), P*_c → κ²P*_c.
/// </summary>
public static class Invariances
{
    /// <summary>The relation names, chosen in turn by test index.</summary>
    public static readonly string[] Relations = ["permute-rows", "orthogonal", "scale"];

    /// <summary>κ of the scaling relation (a power of two keeps the scaling exact).</summary>
    public const double Kappa = 2.0;

    /// <summary>The related instance for a relation; the randomness comes from the instance's seed.</summary>
    public static RelatedInstance Relate(ConformInstance inst, string relation)
    {
        var rng = new Random(inst.Seed ^ 0x5bd1e995);
        if (relation == "scale" && !inst.RealTargets) relation = "permute-rows";
        if (relation == "orthogonal" && inst.D == 1) relation = "permute-rows";
        switch (relation)
        {
            case "scale":
                return new(relation, inst with { Y = inst.Y.Select(v => Kappa * v).ToArray(), Beta = Kappa * inst.Beta }, Kappa * Kappa);
            case "orthogonal":
                var q = inst.Kind == "gauss" ? Rotation(inst.D, rng) : SignedPermutation(inst.D, rng);
                var x = Matrix<double>.Build.DenseOfRowArrays(inst.X) * q;
                return new(relation, inst with { X = x.ToRowArrays() }, 1.0);
            default:
                var perm = Enumerable.Range(0, inst.N).OrderBy(_ => rng.Next()).ToArray();
                return new("permute-rows", inst with { X = perm.Select(p => (double[])inst.X[p].Clone()).ToArray(), Y = perm.Select(p => inst.Y[p]).ToArray() }, 1.0);
        }
    }

    private static Matrix<double> SignedPermutation(int d, Random rng)
    {
        var perm = Enumerable.Range(0, d).OrderBy(_ => rng.Next()).ToArray();
        return Matrix<double>.Build.Dense(d, d, (i, j) => perm[i] == j ? (rng.Next(2) == 0 ? -1.0 : 1.0) : 0.0);
    }

    private static Matrix<double> Rotation(int d, Random rng)
    {
        var g = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextDouble() * 2 - 1);
        return g.QR().Q;
    }
}
