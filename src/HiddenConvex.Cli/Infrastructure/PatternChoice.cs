using System.CommandLine;
using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// The pattern set a command prices over (THEORY.md §2): "exact" (every full-dimensional cell, enumerated), "sampled:K"
/// (the cells of K random directions: a subset, so no lower bound is proven for the full program) or "auto" (exact for
/// now). "bnb", a pricing oracle without enumeration, is not available yet and is refused.
/// </summary>
public sealed record PatternChoice(string Spec, int? SampledDirections)
{
    /// <summary>The --patterns option.</summary>
    public static Option<string> Option() => Opts.Text("--patterns", "P",
        "exact (every full-dimensional cell), sampled:K (the cells of K random directions: the lower bound then holds for " +
        "the sampled program only) or auto (exact for now)", "exact");

    /// <summary>The --seed option of sampled patterns.</summary>
    public static Option<int> SeedOption() => Opts.Integer("--seed", "S", "seed of --patterns sampled:K", 1);

    /// <summary>Parses a --patterns value (bad values are usage errors).</summary>
    public static PatternChoice Parse(string spec)
    {
        switch (spec)
        {
            case "exact":
            case "auto":
                return new PatternChoice(spec, null);
            case "bnb":
                throw new UsageException("--patterns bnb (pricing without enumeration) is not available yet; use exact, sampled:K or auto");
        }
        if (spec.StartsWith("sampled:", StringComparison.Ordinal)
            && int.TryParse(spec["sampled:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k > 0)
            return new PatternChoice(spec, k);
        throw new UsageException($"--patterns expects exact, sampled:K with K > 0, or auto; got '{spec}'");
    }

    /// <summary>The pattern set of the data under this choice.</summary>
    public PatternSet Build(Dataset data, int seed) =>
        SampledDirections is { } k ? PatternSampler.Sample(data.X, k, seed) : CellEnumerator.Enumerate(data.X);
}
