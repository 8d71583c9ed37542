using System.Globalization;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// Number formats of hcv's text output, one per kind of figure, so that the same kind always reads the same:
/// values of the objective scale (L_β, lower bounds, P*, ρ, β) with 10 significant digits; small or dimensionless
/// figures (gaps, relative gaps, measures, thresholds, tolerances, decreases) in scientific notation with 3 significant
/// digits and a two-digit exponent; seconds with two decimals.
/// </summary>
public static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A value on the objective's scale: G10, e.g. 1.456138830.</summary>
    public static string Value(double x) => Special(x) ?? x.ToString("G10", Inv);

    /// <summary>A small or dimensionless figure: 3 significant digits, e.g. 8.33e-17, 1.00e-06, 0.</summary>
    public static string Small(double x) => Special(x) ?? (x == 0 ? "0" : x.ToString("0.00e+00", Inv));

    /// <summary>Seconds with two decimals.</summary>
    public static string Seconds(double s) => Special(s) ?? s.ToString("F2", Inv);

    /// <summary>An integer.</summary>
    /// <summary>A PascalCase name in kebab case, as JSON and the text output spell statuses ("TimeLimit" → "time-limit").</summary>
    public static string Kebab(string name) =>
        System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();

    public static string Int(long k) => k.ToString(Inv);

    /// <summary>
    /// Prose from the core (e.g. the check's explanation) with every number in .NET's exponent spelling (2.78E-17, 1E-06)
    /// rewritten in the <see cref="Small"/> format, so that one kind of figure reads the same everywhere in the output.
    /// </summary>
    public static string Prose(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"(?<![\w.])-?\d+(?:\.\d+)?E[-+]\d+(?![\w.])",
            m => double.TryParse(m.Value, NumberStyles.Float, Inv, out var x) ? Small(x) : m.Value);

    private static string? Special(double x) => double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "inf" : double.IsNegativeInfinity(x) ? "-inf" : null;
}
