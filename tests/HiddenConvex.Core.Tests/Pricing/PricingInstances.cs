using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Pricing;

/// <summary>
/// Seeded instances (X, v) small enough to enumerate, in random and adversarial families, with their exact pricing by
/// enumeration (<see cref="CellEnumerator"/> + <see cref="EnumeratedPricing"/>).
/// </summary>
internal static class PricingInstances
{
    /// <summary>Every family, by name.</summary>
    public static readonly string[] Families =
        ["gaussian", "duplicates", "opposite", "zero-rows", "scaled-2^±20", "rank-deficient", "integer-ties", "d=1", "sparse-v"];

    /// <summary>An instance with its exact values (one per block, <see cref="ConvexProblem.AllBlocks"/> order).</summary>
    public sealed record Instance(string Name, Matrix<double> X, Vector<double> V, PatternSet Patterns, EnumeratedPricing Engine, double[] Values)
    {
        /// <summary>ρ(v) by enumeration.</summary>
        public double Rho => Values.Max();

        public override string ToString() => Name;
    }

    /// <summary>Instance <paramref name="seed"/> of a family; the enumeration must be exact (asserted).</summary>
    public static Instance Make(string family, int seed)
    {
        var rng = new Random(1000 * Array.IndexOf(Families, family) + seed);
        int n = 4 + rng.Next(10), d = 2 + rng.Next(3);
        Matrix<double> x;
        switch (family)
        {
            case "duplicates":
                x = Gaussian(rng, n, d);
                for (int j = 1; j < n; j += 3) x.SetRow(j, x.Row(j - 1));
                break;
            case "opposite":
                x = Gaussian(rng, n, d);
                for (int j = 1; j < n; j += 3) x.SetRow(j, x.Row(j - 1) * -(0.25 + 2 * rng.NextDouble()));
                break;
            case "zero-rows":
                x = Gaussian(rng, n, d);
                for (int j = 0; j < n; j += 4) x.SetRow(j, Vector<double>.Build.Dense(d));
                break;
            case "scaled-2^±20":
                x = Gaussian(rng, n, d);
                for (int j = 0; j < n; j++) x.SetRow(j, x.Row(j) * Math.Pow(2, j % 3 == 0 ? 20 : j % 3 == 1 ? -20 : 0));
                break;
            case "rank-deficient":
            {
                // Integer factors make X = A B exactly of rank ≤ 2 < d.
                d = 3 + rng.Next(2);
                var a = Matrix<double>.Build.Dense(n, 2, (_, _) => rng.Next(-3, 4));
                var b = Matrix<double>.Build.Dense(2, d, (_, _) => rng.Next(-3, 4));
                x = a * b;
                break;
            }
            case "integer-ties":
                x = Matrix<double>.Build.Dense(n, d, (_, _) => rng.Next(-2, 3));
                break;
            case "d=1":
                d = 1;
                x = Gaussian(rng, n, 1);
                x[0, 0] = 0;
                break;
            default:
                x = Gaussian(rng, n, d);
                break;
        }
        var v = family switch
        {
            "integer-ties" => Vector<double>.Build.Dense(n, _ => rng.Next(-2, 3)),
            "sparse-v" => Vector<double>.Build.Dense(n, _ => rng.NextDouble() < 0.6 ? 0 : ArrangementData.Normal(rng)),
            _ => Vector<double>.Build.Dense(n, _ => ArrangementData.Normal(rng)),
        };
        var patterns = CellEnumerator.Enumerate(x);
        Assert.True(patterns.IsExact, $"{family} seed {seed}: the enumeration is not exact ({patterns.Method})");
        var engine = new EnumeratedPricing(x, patterns);
        return new Instance($"{family} seed {seed} (n={n}, d={d})", x, v, patterns, engine, engine.Values(v));
    }

    /// <summary>All families × the given seeds.</summary>
    public static IEnumerable<Instance> All(int seeds) =>
        Families.SelectMany(f => Enumerable.Range(0, seeds).Select(s => Make(f, s)));

    public static Matrix<double> Gaussian(Random rng, int n, int d) => Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng));
}
