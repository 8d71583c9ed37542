using System.Globalization;

namespace HiddenConvex.Cli;

/// <summary>A usage error (unknown option, missing value): exit code 2 with a pointer to --help.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Positional arguments and --options of one command. Options are "--name value" or "--name=value";
/// a flag is an option without value. Every option must be consumed or the command fails with
/// a usage error, so a typo never passes silently.
/// </summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Positional arguments in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    private ParsedArgs(List<string> positional) => Positional = positional;

    /// <summary>
    /// Splits args into positionals and options. Names in <paramref name="flags"/> take no value;
    /// every other option takes the next argument (or the text after '=').
    /// </summary>
    public static ParsedArgs Parse(string[] args, IReadOnlyCollection<string> flags)
    {
        var positional = new List<string>();
        var parsed = new ParsedArgs(positional);
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var eq = a.IndexOf('=');
                string name = eq > 0 ? a[2..eq] : a[2..];
                string? value = eq > 0 ? a[(eq + 1)..] : null;
                if (flags.Contains(name))
                {
                    if (value is not null) throw new UsageException($"option --{name} takes no value");
                    value = "";
                }
                else if (value is null && i + 1 < args.Length)
                    value = args[++i];
                if (!parsed._options.TryAdd(name, value)) throw new UsageException($"option --{name} given twice");
            }
            else positional.Add(a);
        }
        return parsed;
    }

    /// <summary>Whether a flag (declared in the command's Flags) is present.</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>The string value of an option, or null when absent.</summary>
    public string? Get(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        if (v is null) throw new UsageException($"option --{name} needs a value");
        return v;
    }

    /// <summary>A required option; when it is missing, a given option spelt nearly like it is named as the likely typo.</summary>
    public string Require(string name) => Get(name) ?? throw new UsageException($"option --{name} is required{Typo(name)}");

    private string Typo(string name)
    {
        var close = _options.Keys.Where(k => !_used.Contains(k) && EditDistance(k, name) <= 2).Select(k => "--" + k).ToList();
        return close.Count == 0 ? "" : $" (did you mean --{name} instead of {string.Join(", ", close)}?)";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>A double option (invariant culture), or the default.</summary>
    public double Double(string name, double fallback) => Get(name) is { } s ? ParseDouble(name, s) : fallback;

    /// <summary>A required double option.</summary>
    public double RequireDouble(string name) => ParseDouble(name, Require(name));

    /// <summary>An integer option, or the default.</summary>
    public int Int(string name, int fallback)
    {
        if (Get(name) is not { } s) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"option --{name} expects an integer, got '{s}'");
        return v;
    }

    /// <summary>Fails on options that the command did not read (typos) and on the wrong number of positionals.</summary>
    public void Done(int minPositional, int maxPositional, string positionalNames)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
        if (Positional.Count < minPositional) throw new UsageException($"missing argument: expected {positionalNames}");
        if (Positional.Count > maxPositional) throw new UsageException($"too many arguments: expected {positionalNames}, got '{string.Join(" ", Positional)}'");
    }

    private static double ParseDouble(string name, string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"option --{name} expects a number, got '{s}'");
        return v;
    }
}
