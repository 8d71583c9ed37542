namespace HiddenConvex.Harness.Reporting;

/// <summary>
/// One line per family of laws (THEORY.md §10) and per conformance check, with the THEORY.md section it comes from, for the
/// reports' readers. Anchors follow the Markdown heading slugs of docs/THEORY.md.
/// </summary>
public static class FamilyGuide
{
    private static readonly Dictionary<string, (string Line, string Section, string Anchor)> Guide = new(StringComparer.OrdinalIgnoreCase)
    {
        ["E"] = ("enumeration: the activation patterns S(X) are distinct, realised by their witnesses and counted right", "§2", "2-activation-patterns-and-cones"),
        ["D"] = ("duality: every certificate is a proven lower bound, and the solver's is reproduced independently", "§4", "4-dual-pricing-and-certificates"),
        ["B"] = ("branch and bound: pricing without enumeration holds the exact ρ, its certificates never exceed P*, and the check over it certifies what the exact check certifies", "§4a", "4a-certificates-without-enumeration-the-scale-path"),
        ["R"] = ("rounding: computed objectives lie within their proven rounding bound B(θ); verdicts respect it", "§4.1", "41-units-rounding-and-tolerances-referenced-from-4-9-10"),
        ["M"] = ("maps: ψ and φ carry networks and convex points into each other without raising the objective", "§5", "5-maps-between-the-two-worlds"),
        ["S"] = ("splitting: a neuron split into pieces keeps the prediction, the objective and φ", "§5", "5-maps-between-the-two-worlds"),
        ["T"] = ("theorems: P*_m = P*_c from m*, the optimal set, stationarity (T4), paths (T5) and the check (T6)", "§6–§9", "6-the-optimal-set-and-m"),
        ["I"] = ("invariances and unit laws: permutations, rotations and rescalings move every figure as stated", "§4.1", "41-units-rounding-and-tolerances-referenced-from-4-9-10"),
        ["protocol"] = ("every request gets a well-formed, finite answer in time (docs/conform-protocol.md)", "§10", "10-theorems-as-properties"),
        ["status"] = ("the implementation claims an optimal solution", "§3", "3-the-convex-program"),
        ["pattern"] = ("every block's pattern is an activation pattern of X", "§2", "2-activation-patterns-and-cones"),
        ["feasibility"] = ("every block lies in its cone", "§2", "2-activation-patterns-and-cones"),
        ["objective"] = ("the claimed objective is the objective recomputed", "§3", "3-the-convex-program"),
        ["gap"] = ("the certified gap meets the requested tolerance", "§4.1", "41-units-rounding-and-tolerances-referenced-from-4-9-10"),
    };

    /// <summary>The guide entry of a family id ("T4", "M1-psi", "gap"): its line, section and anchor; null when unknown.</summary>
    public static (string Line, string Section, string Anchor)? Of(string family)
    {
        if (Guide.TryGetValue(family, out var exact)) return exact;
        if (family.Length > 0 && Guide.TryGetValue(family[..1], out var byLetter) && family.Length > 1 && char.IsDigit(family[1])) return byLetter;
        return null;
    }

    /// <summary>The families of a run, in order of first appearance, with their guide entries (unknown ones left out).</summary>
    public static IReadOnlyList<(string Key, string Line, string Section, string Anchor)> For(RunReport run) =>
        run.Properties.Select(p => p.Family).Select(f => (Key: Guide.ContainsKey(f) ? f : f.Length > 0 ? f[..1] : f, Entry: Of(f)))
            .Where(x => x.Entry is not null).DistinctBy(x => x.Key)
            .Select(x => (x.Key, x.Entry!.Value.Line, x.Entry.Value.Section, x.Entry.Value.Anchor)).ToList();

    /// <summary>Whether a property is a regression case (a named counterexample kept and replayed) rather than a law.</summary>
    public static bool IsRegression(PropertyReport p) => p.Name.StartsWith("regression ", StringComparison.Ordinal);

    /// <summary>
    /// The path of docs/THEORY.md relative to a report folder, found by walking up from it; "docs/THEORY.md" when the
    /// folder is not inside the repository.
    /// </summary>
    public static string TheoryPath(string? reportFolder)
    {
        if (reportFolder is null) return "docs/THEORY.md";
        var full = Path.GetFullPath(reportFolder);
        for (var dir = new DirectoryInfo(full); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "THEORY.md")))
                return Path.GetRelativePath(full, Path.Combine(dir.FullName, "docs", "THEORY.md")).Replace('\\', '/');
        return "docs/THEORY.md";
    }

    /// <summary>When the running program was built (the write time of its entry assembly), or null.</summary>
    public static DateTime? BuildTimeUtc()
    {
        var location = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return string.IsNullOrEmpty(location) || !File.Exists(location) ? null : File.GetLastWriteTimeUtc(location);
    }
}
