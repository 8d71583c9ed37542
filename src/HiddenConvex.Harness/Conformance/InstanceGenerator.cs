using HiddenConvex.Core.Losses;

namespace HiddenConvex.Harness.Conformance;

/// <summary>
/// Seeded generation of small instances (n ≤ 8, d ≤ 3, so exact enumeration is cheap). A fifth of
/// them are Gaussian; the rest are built to be degenerate — small integers (ties x_j·u = 0 on
/// many directions), duplicated and opposite rows, zero rows, rank-deficient X — because that is
/// where `&gt;` and `≥` in patterns (THEORY.md §2) and cone boundaries differ.
/// </summary>
public sealed class InstanceGenerator(int seed, InstanceFilter? filter = null)
{
    private readonly Random _rng = new(seed);
    private readonly InstanceFilter _filter = filter ?? InstanceFilter.All;

    /// <summary>The kinds of data generated, cycled through in this order.</summary>
    public static readonly string[] Kinds = ["int", "gauss", "dup", "zero-row", "rank-deficient"];

    /// <summary>The k-th instance (k counts from 0; the kind cycles with k).</summary>
    public ConformInstance Next(int k)
    {
        string kind = Kinds[k % Kinds.Length];
        // The draws are those of the unfiltered generator; a filter maps them into its ranges, so the default instances never change.
        int d = _filter.FitD(_rng.Next(4) switch { 0 => 1, 1 or 2 => 2, _ => 3 });
        if (kind == "rank-deficient" && d == 1) d = _filter.DMax >= 2 ? 2 : d;
        if (kind == "rank-deficient" && d == 1) kind = "int";
        int n = _filter.FitN(2 + _rng.Next(7));
        var x = kind switch
        {
            "int" => Build(n, d, () => _rng.Next(-2, 3)),
            "gauss" => Build(n, d, Gauss),
            "dup" => WithDuplicates(Build(n, d, Gauss)),
            "zero-row" => WithZeroRow(Build(n, d, Gauss)),
            _ => RankDeficient(n, d),
        };
        var loss = _filter.FitLoss(_rng.Next(5) == 0 ? "logistic" : "squared");
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
    /// β as a fraction f ∈ {0.03, 0.08, 0.15, 0.3} of c·‖y‖·max_j‖x_j‖ (each floored at 1). That figure is NOT an upper bound on
    /// ρ(c·y) = β_max (above which W* = 0): ρ(v) ≤ ‖v‖·‖X‖₂ ≤ ‖v‖·‖X‖_F, and ‖X‖₂ can exceed max_j‖x_j‖ by √n (identical
    /// rows). It is a lower bound on ‖X‖₂ only, so β is at most f·c·‖y‖·‖X‖₂; the code needs no bound: it only aims at
    /// instances with a nonzero optimum and a few active blocks, and the checks never assume β &lt; β_max.
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

/// <summary>
/// Which instances `hcv conform` generates: the losses an implementation supports and ranges of n and d (within the
/// generator's own n ∈ 2..8, d ∈ 1..3). A draw outside a range is mapped into it.
/// </summary>
public sealed record InstanceFilter(IReadOnlyList<string>? Losses, int NMin, int NMax, int DMin, int DMax)
{
    /// <summary>Every instance the generator makes.</summary>
    public static readonly InstanceFilter All = new(null, 2, 8, 1, 3);

    /// <summary>A validated filter: ranges within the generator's, losses known.</summary>
    public static InstanceFilter Create(IReadOnlyList<string>? losses, int nMin, int nMax, int dMin, int dMax)
    {
        if (nMin < All.NMin || nMax > All.NMax || nMin > nMax)
            throw new Core.Data.InvalidInputException($"n must range within {All.NMin}..{All.NMax}, got {nMin}..{nMax}");
        if (dMin < All.DMin || dMax > All.DMax || dMin > dMax)
            throw new Core.Data.InvalidInputException($"d must range within {All.DMin}..{All.DMax}, got {dMin}..{dMax}");
        foreach (var l in losses ?? []) Loss.Parse(l);
        return new InstanceFilter(losses?.Select(l => Loss.Parse(l).Name).Distinct().ToList(), nMin, nMax, dMin, dMax);
    }

    /// <summary>n mapped into [NMin, NMax].</summary>
    public int FitN(int n) => n >= NMin && n <= NMax ? n : NMin + (n % (NMax - NMin + 1));

    /// <summary>d mapped into [DMin, DMax].</summary>
    public int FitD(int d) => d >= DMin && d <= DMax ? d : DMin + (d % (DMax - DMin + 1));

    /// <summary>Whether the filter restricts anything (the default one does not, and then shrinking may go below n = 2).</summary>
    public bool Restricts => Losses is not null || NMin != All.NMin || NMax != All.NMax || DMin != All.DMin || DMax != All.DMax;

    /// <summary>Whether an instance (e.g. a shrinking candidate) lies within a restricting filter.</summary>
    public bool Allows(ConformInstance inst) => !Restricts ||
        inst.N >= NMin && inst.N <= NMax && inst.D >= DMin && inst.D <= DMax && (Losses is null || Losses.Contains(Loss.Parse(inst.Loss).Name));

    /// <summary>The loss if allowed, else the first allowed one.</summary>
    public string FitLoss(string loss) => Losses is null || Losses.Contains(loss) ? loss : Losses[0];

    /// <inheritdoc />
    public override string ToString() =>
        $"losses {(Losses is null ? "all" : string.Join(",", Losses))}, n {NMin}..{NMax}, d {DMin}..{DMax}";
}
