using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// Factories of options: numbers are parsed in the invariant culture with hcv's own wording of a bad value, and each
/// option's default is the one value the command uses and --help prints.
/// </summary>
public static class Opts
{
    /// <summary>A flag (no value).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A string option without default.</summary>
    public static Option<string?> Text(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName };

    /// <summary>A string option with a default.</summary>
    public static Option<string> Text(string name, string valueName, string description, string fallback) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => fallback };

    /// <summary>A required number.</summary>
    public static Option<double> RequiredNumber(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName, Required = true, CustomParser = r => ParseDouble(r, name) };

    /// <summary>A number with a default.</summary>
    public static Option<double> Number(string name, string valueName, string description, double fallback) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => fallback, CustomParser = r => ParseDouble(r, name) };

    /// <summary>An optional number (null when absent).</summary>
    public static Option<double?> OptionalNumber(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = r => ParseDouble(r, name) };

    /// <summary>An integer with a default.</summary>
    public static Option<int> Integer(string name, string valueName, string description, int fallback) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => fallback, CustomParser = r => ParseInt(r, name) };

    /// <summary>A required integer.</summary>
    public static Option<int> RequiredInteger(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName, Required = true, CustomParser = r => ParseInt(r, name) };

    /// <summary>An optional integer (null when absent).</summary>
    public static Option<int?> OptionalInteger(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = r => ParseInt(r, name) };

    /// <summary>A positional argument.</summary>
    public static Argument<string> Positional(string name, string description) => new(name) { Description = description };

    /// <summary>Whether the option was given on the command line (not just defaulted).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static double ParseDouble(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
        r.AddError($"option {name} expects a number, got '{text}'");
        return double.NaN;
    }

    private static int ParseInt(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        r.AddError($"option {name} expects an integer, got '{text}'");
        return 0;
    }
}
