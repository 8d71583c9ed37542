namespace HiddenConvex.Harness.Reporting;

/// <summary>Outcome of one property (or conformance check) in a run.</summary>
public enum PropertyStatus
{
    /// <summary>Every generated case satisfied the property.</summary>
    Passed,
    /// <summary>A case violated the property (see <see cref="PropertyReport.Failure"/>).</summary>
    Failed,
    /// <summary>Not run, with the reason in <see cref="PropertyReport.Note"/>.</summary>
    Skipped,
}

/// <summary>How many of a property's cases fell in one class (e.g. "n=5", "data=duplicate").</summary>
public sealed record ClassCount(string Label, int Count);

/// <summary>An inline SVG figure attached to a failure (drawn by <see cref="SvgPlot"/>).</summary>
public sealed record Figure(string Title, string Svg);

/// <summary>
/// A (shrunk) counterexample: the input as JSON text, what was observed against what the
/// property expected, the tolerance used, and the exact command that replays the case.
/// </summary>
public sealed record Counterexample(
    string InputJson,
    string Check,
    string Observed,
    string Expected,
    string Tolerance,
    string Message,
    string ReplayCommand,
    string Seed,
    int Shrinks,
    string? OriginalInputJson = null,
    IReadOnlyList<Figure>? Figures = null);

/// <summary>One property of a run: family (E1, M1, …), the law as a sentence, cases, time, status.</summary>
public sealed record PropertyReport(
    string Family,
    string Name,
    int Cases,
    TimeSpan Duration,
    PropertyStatus Status,
    IReadOnlyList<ClassCount> Classes,
    Counterexample? Failure = null,
    string? Note = null);

/// <summary>
/// A whole run: what was run, with which configuration, and every property's outcome. <see cref="Unit"/> names what a
/// non-regression entry is ("law" in the property suite, "check" for a conformance run).
/// </summary>
public sealed record RunReport(
    string Title,
    DateTimeOffset Started,
    TimeSpan Duration,
    string Configuration,
    IReadOnlyList<PropertyReport> Properties,
    string Unit = "law")
{
    /// <summary>Number of passed properties.</summary>
    public int Passed => Properties.Count(p => p.Status == PropertyStatus.Passed);
    /// <summary>Number of failed properties.</summary>
    public int Failed => Properties.Count(p => p.Status == PropertyStatus.Failed);
    /// <summary>Number of skipped properties.</summary>
    public int Skipped => Properties.Count(p => p.Status == PropertyStatus.Skipped);
    /// <summary>Total number of generated cases over all properties.</summary>
    public int TotalCases => Properties.Sum(p => p.Cases);

    /// <summary>The closing line recognised by CI: "N passed, N failed" (", N skipped" when any).</summary>
    public string ClosingLine => Skipped > 0
        ? $"{Passed} passed, {Failed} failed, {Skipped} skipped"
        : $"{Passed} passed, {Failed} failed";
}
