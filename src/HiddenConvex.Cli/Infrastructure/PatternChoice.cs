using System.CommandLine;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// How a command prices the blocks of the convex program (THEORY.md §2, §4, §4a): "exact" (every full-dimensional cell,
/// enumerated), "bnb" (no enumeration: a proven bracket on ρ(v) by branch and bound), "sampled:K" (the cells of K random
/// directions: a subset, so no lower bound is proven for the full program) or "auto" (exact when the guard allows it,
/// else bnb).
/// </summary>
public sealed record PatternChoice(string Spec, int? SampledDirections)
{
    /// <summary>
    /// "auto" takes the exact path when it fits the memory bound and its forecast (<see cref="ExactPathCost"/>) is at most
    /// this many seconds; above, branch-and-bound pricing answers sooner with a proof of the same kind.
    /// </summary>
    public const double AutoExactSeconds = 120;

    /// <summary>
    /// A command's brackets on ρ(v) are closed to this share of its relative gap target: the certificate's dual scale
    /// t = β/ρ̄ then costs at most about that share of the target.
    /// </summary>
    public const double BracketShareOfGap = 0.1;

    /// <summary>
    /// The branch-and-bound oracle's settings of a command: brackets closed to <see cref="BracketShareOfGap"/> of its gap
    /// target, every bracket and all of them within its time limit, β-aware stops, and progress lines on
    /// <paramref name="log"/> (none when null) with the command's prefix. <paramref name="callShare"/>: the share of the
    /// time left one bracket may take (<see cref="BranchAndBoundOracleSettings.CallShareOfBudget"/>).
    /// </summary>
    public static BranchAndBoundOracleSettings OracleSettings(double beta, double gapTarget, double timeLimit, TextWriter? log,
        string linePrefix, double callShare = 1) => new()
    {
        Search = new BranchAndBoundSettings
        {
            RelativeTolerance = BracketShareOfGap * gapTarget, TimeLimitSeconds = timeLimit,
            Progress = log is null ? null : ProgressTo(log, linePrefix), ProgressIntervalSeconds = 2,
        },
        Beta = beta, TotalSeconds = timeLimit, CallShareOfBudget = callShare,
    };

    /// <summary>The --patterns option.</summary>
    public static Option<string> Option() => Opts.Text("--patterns", "P",
        "auto (exact when the enumeration of S(X) fits 2 GB and its forecast is at most " +
        $"{AutoExactSeconds.ToString(CultureInfo.InvariantCulture)} s, else bnb), exact (enumerate every cell), bnb (branch-and-bound " +
        "pricing without enumeration: proven bounds at any n, d) or sampled:K (the cells of K random directions: the lower bound then " +
        "holds for the sampled program only)", "auto");

    /// <summary>The --seed option of sampled patterns.</summary>
    public static Option<int> SeedOption() => Opts.Integer("--seed", "S", "seed of --patterns sampled:K", 1);

    /// <summary>Parses a --patterns value (bad values are usage errors).</summary>
    public static PatternChoice Parse(string spec)
    {
        if (spec is "exact" or "auto" or "bnb") return new PatternChoice(spec, null);
        if (spec.StartsWith("sampled:", StringComparison.Ordinal)
            && int.TryParse(spec["sampled:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k > 0)
            return new PatternChoice(spec, k);
        throw new UsageException($"--patterns expects auto, exact, bnb or sampled:K with K > 0; got '{spec}'");
    }

    /// <summary>
    /// The oracle of this choice for the data, and the cells a network's slots are read in (S(X) when enumerated or sampled;
    /// the cells of <paramref name="network"/>'s own neurons for bnb, empty without a network). The exact path is never
    /// started above the guard (<see cref="ExactPathGuard"/>): an explicit "exact" then fails with the numbers.
    /// </summary>
    /// <exception cref="InvalidInputException">"exact" was asked for and the enumeration would not fit.</exception>
    public PricingSetup Build(Dataset data, int seed, Network? network, BranchAndBoundOracleSettings bnb, TextWriter? log, string linePrefix = "  ")
    {
        if (SampledDirections is { } k)
        {
            var sampled = PatternSampler.Sample(data.X, k, seed);
            return new PricingSetup(new EnumeratedPricing(data.X, sampled), sampled, $"{sampled.Count} cells ({sampled.Method})");
        }
        if (Spec == "bnb") return BranchAndBound(data, network, bnb, "requested");
        var estimate = ExactPathGuard.Estimate(data.X);
        var forecast = ExactPathCost.Estimate(estimate, data.D);
        bool fits = ExactPathGuard.Fits(estimate);
        if (Spec == "exact" && !fits) throw TooLarge("--patterns exact", estimate, "--patterns bnb (proven bounds without enumeration), auto, or sampled:K (no proof for the full program)");
        if (Spec == "auto" && (!fits || forecast.Seconds > AutoExactSeconds))
            return BranchAndBound(data, network, bnb,
                $"auto: the exact path needs {estimate.Describe()}, forecast {forecast.Seconds.ToString("G3", CultureInfo.InvariantCulture)} s" +
                (fits ? "" : ", above the memory bound"));
        log?.WriteLine($"{linePrefix}enumerating S(X): {estimate.Describe()}");
        var exact = CellEnumerator.Enumerate(data.X);
        return new PricingSetup(new EnumeratedPricing(data.X, exact), exact, $"{exact.Count} activation cells ({exact.Method})");
    }

    /// <summary>
    /// Refuses to enumerate S(X) above the guard (<see cref="ExactPathGuard"/>): the error names the cell bound, the memory
    /// it needs and the options that remain.
    /// </summary>
    /// <exception cref="InvalidInputException">The enumeration would not fit.</exception>
    public static void EnsureExactFits(Dataset data, string what, string options)
    {
        var estimate = ExactPathGuard.Estimate(data.X);
        if (!ExactPathGuard.Fits(estimate)) throw TooLarge(what, estimate, options);
    }

    private static InvalidInputException TooLarge(string what, ExactPathEstimate estimate, string options) => new(
        $"{what}: the enumeration of S(X) needs {estimate.Describe()}, above the bound of " +
        $"{(ExactPathGuard.ExactShare * ExactPathGuard.DefaultMemoryBound / (1L << 30)).ToString("F0", CultureInfo.InvariantCulture)} GB; use {options}");

    private static PricingSetup BranchAndBound(Dataset data, Network? network, BranchAndBoundOracleSettings settings, string why)
    {
        var seeds = network?.Neurons().Where(nu => nu.Alpha != 0).Select(nu => nu.U).ToList() ?? [];
        var oracle = new BranchAndBoundOracle(data.X, seeds, settings);
        var cells = network is null
            ? new PatternSet([], false, RowSpace.Of(data.X).Rank, "none", data.N)
            : NetworkCells.Of(network, data.X);
        return new PricingSetup(oracle, cells, $"branch-and-bound pricing, no enumeration ({why}); {cells.Count} cells of the network's own neurons");
    }

    /// <summary>Progress of a bracket as one stderr line (at most one every two seconds).</summary>
    public static Action<BracketProgress> ProgressTo(TextWriter log, string linePrefix = "  ") => p =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{linePrefix}pricing: {p.Nodes} nodes, {p.OpenNodes} open, rho in [{Fmt.Value(p.Lower)}, {Fmt.Value(p.Upper)}], {p.Seconds:F1} s"));
}

/// <summary>A pricing oracle, the cells a network's slots are read in, and a line saying what was chosen and why.</summary>
public sealed record PricingSetup(IPricingOracle Oracle, PatternSet Cells, string Description);

/// <summary>
/// Branch-and-bound pricing (THEORY.md §4a): the last bracket ρ̲ ≤ ρ(v) ≤ ρ̄ (at θ's residual unless a later solve priced
/// another v), why it stopped, and the totals over every bracket of the run.
/// </summary>
public sealed record PricingJson(double RhoLower, double RhoUpper, string Status, long Nodes, int Calls, int LimitedCalls, long TotalNodes, double Seconds)
{
    /// <summary>The record of a branch-and-bound oracle; null for an enumerated one.</summary>
    public static PricingJson? Of(IPricingOracle oracle) =>
        oracle is BranchAndBoundOracle { LastBracket: { } last } o
            ? new PricingJson(last.Lower, last.Upper, Fmt.Kebab(last.Status.ToString()), last.Nodes, o.Calls, o.LimitedCalls, o.TotalNodes, o.Seconds)
            : null;
}

