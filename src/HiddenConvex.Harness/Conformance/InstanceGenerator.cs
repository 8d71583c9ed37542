using HiddenConvex.Core.Losses;

namespace HiddenConvex.Harness.Conformance;

/// <summary>
/// Seeded generation of small instances (n ≤ 8, d ≤ 3, so exact enumeration is cheap). A fifth of
/// them are Gaussian; the rest are built to be degenerate — small integers (ties x_j·u = 0 on
/// many directions), duplicated and opposite rows, zero rows, rank-deficient X — because that is
/// where `&gt;` and `≥` in patterns (THEORY.md §2) and cone boundaries differ.
/// </summary>
public sealed class InstanceGenerator(int seed)
{
    private readonly Random _rng = new(seed);

    /// <summary>The kinds of data generated, cycled through in this order.</summary>
    public static readonly string[] Kinds = ["int", "gauss", "dup", "zero-row", "rank-deficient"];

    /// <summary>The k-th instance (k counts from 0; the kind cycles with k).</summary>
    public ConformInstance Next(int k)
    {
        string kind = Kinds[k % Kinds.Length];
        int d = _rng.Next(4) switch { 0 => 1, 1 or 2 => 2, _ => 3 };
        if (kind == "rank-deficient" && d == 1) d = 2;
        int n = 2 + _rng.Next(7);
        var x = kind switch
        {
            "int" => Build(n, d, () => _rng.Next(-2, 3)),
            "gauss" => Build(n, d, Gauss),
            "dup" => WithDuplicates(Build(n, d, Gauss)),
            "zero-row" => WithZeroRow(Build(n, d, Gauss)),
            _ => RankDeficient(n, d),
        };
        var loss = _rng.Next(5) == 0 ? "logistic" : "squared";
        bool labels = Loss.Parse(loss).Targets == TargetDomain.SignLabels;
        double[] y = labels
            ? Enumerable.Range(0, n).Select(_ => _rng.Next(2) == 0 ? -1.0 : 1.0).ToArray()
            : Enumerable.Range(0, n).Select(_ => kind == "int" ? _rng.Next(-3, 4) : Round(2 * Gauss(), 2)).ToArray();
        if (!labels && y.All(v => v == 0)) y[0] = 1;
        double scale = _rng.Next(4) == 0 ? 2.0 / n : 1.0;
        double beta = ChooseBeta(x, y, scale);
        return new ConformInstance(x, y, beta, loss, scale, Width: n + 1, Seed: _rng.Next(1_000_000), kind);
    }

    /// <summary>
    /// β as a fraction of c·‖y‖·max_j‖x_j‖ (an upper bound on ρ(c·y), above which W* = 0), so most
    /// instances have a nonzero optimum with a few active blocks.
    /// </summary>
    private double ChooseBeta(double[][] x, double[] y, double scale)
    {
        double xmax = x.Max(r => Math.Sqrt(r.Sum(v => v * v)));
        double ynorm = Math.Sqrt(y.Sum(v => v * v));
        double f = new[] { 0.03, 0.08, 0.15, 0.3 }[_rng.Next(4)];
        double beta = f * scale * Math.Max(xmax, 1) * Math.Max(ynorm, 1);
        return RoundSignificant(beta, 3);
    }

    private double Gauss()
    {
        double u1 = 1.0 - _rng.NextDouble(), u2 = _rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Round(double v, int digits) => Math.Round(v, digits, MidpointRounding.AwayFromZero);

    private static double RoundSignificant(double v, int digits)
    {
        if (v == 0) return v;
        double scale = Math.Pow(10, digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(v))));
        return Math.Round(v * scale) / scale;
    }

    private static double[][] Build(int n, int d, Func<double> entry) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => Round(entry(), 3)).ToArray()).ToArray();

    /// <summary>Row 1 duplicates row 0 and the last row is −2 times row 0 (n ≥ 3), exactly.</summary>
    private static double[][] WithDuplicates(double[][] x)
    {
        x[1] = (double[])x[0].Clone();
        if (x.Length >= 3) x[^1] = x[0].Select(v => -2 * v).ToArray();
        return x;
    }

    private double[][] WithZeroRow(double[][] x)
    {
        x[_rng.Next(x.Length)] = new double[x[0].Length];
        return x;
    }

    /// <summary>Integer rows in a lower-dimensional subspace: the last column is the sum of the others.</summary>
    private double[][] RankDeficient(int n, int d)
    {
        var x = Build(n, d, () => _rng.Next(-2, 3));
        foreach (var row in x) row[d - 1] = row.Take(d - 1).Sum();
        return x;
    }
}
