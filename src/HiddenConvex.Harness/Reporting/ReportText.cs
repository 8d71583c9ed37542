using System.Globalization;

namespace HiddenConvex.Harness.Reporting;

/// <summary>Formatting shared by the report writers.</summary>
internal static class ReportText
{
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Status(PropertyStatus s) => s switch
    {
        PropertyStatus.Passed => "pass",
        PropertyStatus.Failed => "FAIL",
        _ => "skipped",
    };

    /// <summary>File-system friendly slug of a property: "M1-psi-maps-every-feasible-w".</summary>
    public static string Slug(PropertyReport p)
    {
        var chars = p.Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var s = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        if (s.Length > 60) s = s[..60].TrimEnd('-');
        return $"{p.Family}-{s}";
    }

    /// <summary>
    /// The slug of every failed property of a run (by reference), made unique with "-2", "-3", … so that
    /// two failures never share a counterexample file or an HTML anchor.
    /// </summary>
    public static IReadOnlyDictionary<PropertyReport, string> FailureSlugs(RunReport run)
    {
        var slugs = new Dictionary<PropertyReport, string>(ReferenceEqualityComparer.Instance);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in run.Properties.Where(p => p.Failure is not null))
        {
            var slug = Slug(p);
            for (int k = 2; !taken.Add(slug); k++) slug = $"{Slug(p)}-{k}";
            slugs[p] = slug;
        }
        return slugs;
    }

    /// <summary>Classes grouped by dimension: "n=5" and "n=7" go under "n".</summary>
    public static IEnumerable<(string Key, IReadOnlyList<ClassCount> Values)> Dimensions(IReadOnlyList<ClassCount> classes) =>
        classes
            .GroupBy(c => c.Label.Contains('=') ? c.Label[..c.Label.IndexOf('=')] : "")
            .Select(g => (g.Key, (IReadOnlyList<ClassCount>)g.OrderBy(c => c.Label, NaturalOrder.Instance).ToList()));

    /// <summary>Compact one-line histogram "n=3: 12, n=4: 8".</summary>
    public static string Inline(IReadOnlyList<ClassCount> values) =>
        string.Join(", ", values.Select(v => $"{(v.Label.Contains('=') ? v.Label[(v.Label.IndexOf('=') + 1)..] : v.Label)}: {v.Count}"));

    /// <summary>"12 laws: 11 passed, 1 failed" (", k skipped" when any).</summary>
    public static string Counts(IReadOnlyList<PropertyReport> ps, string what) =>
        $"{ps.Count} {what}{(ps.Count == 1 ? "" : "s")}: {ps.Count(p => p.Status == PropertyStatus.Passed)} passed, " +
        $"{ps.Count(p => p.Status == PropertyStatus.Failed)} failed{(ps.Any(p => p.Status == PropertyStatus.Skipped) ? $", {ps.Count(p => p.Status == PropertyStatus.Skipped)} skipped" : "")}";

    /// <summary>The label of a counterexample's input: "Shrunk input:" only for an input that went through shrinking.</summary>
    public static string InputLabel(Counterexample c) =>
        c.Shrinks > 0 || c.OriginalInputJson is not null ? "Shrunk input:" : "Input (not shrunk):";
}

/// <summary>Orders "n=10" after "n=9".</summary>
internal sealed class NaturalOrder : IComparer<string>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? a, string? b)
    {
        a ??= ""; b ??= "";
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsDigit(a[i]) && char.IsDigit(b[j]))
            {
                int i0 = i, j0 = j;
                while (i < a.Length && char.IsDigit(a[i])) i++;
                while (j < b.Length && char.IsDigit(b[j])) j++;
                var na = a[i0..i].TrimStart('0'); var nb = b[j0..j].TrimStart('0');
                int c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : string.CompareOrdinal(na, nb);
                if (c != 0) return c;
            }
            else
            {
                int c = a[i].CompareTo(b[j]);
                if (c != 0) return c;
                i++; j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }

}
