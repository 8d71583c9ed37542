using System.Text;

namespace HiddenConvex.Harness.Reporting;

/// <summary>Renders a run as Markdown (summary.md).</summary>
public static class MarkdownReport
{
    /// <summary>The whole report as Markdown text.</summary>
    public static string Render(RunReport run, string? reportFolder = null)
    {
        string theory = FamilyGuide.TheoryPath(reportFolder);
        var laws = run.Properties.Where(p => !FamilyGuide.IsRegression(p)).ToList();
        var regressions = run.Properties.Where(FamilyGuide.IsRegression).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"# {run.Title}");
        sb.AppendLine();
        sb.AppendLine($"- started: {run.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; program built {(FamilyGuide.BuildTimeUtc() is { } b ? b.ToString("yyyy-MM-dd HH:mm:ss") + " UTC" : "at an unknown time")}; run time {ReportText.Seconds(run.Duration)}");
        sb.AppendLine($"- {ReportText.Counts(laws, run.Unit)} ({laws.Sum(p => p.Cases)} generated cases); {ReportText.Counts(regressions, "regression case")}");
        sb.AppendLine($"- configuration: `{run.Configuration}`");
        sb.AppendLine($"- result: **{run.ClosingLine}** ({run.TotalCases} cases)");
        sb.AppendLine();
        var guide = FamilyGuide.For(run);
        if (guide.Count > 0)
        {
            sb.AppendLine("| family | what it checks | theory |");
            sb.AppendLine("|---|---|---|");
            foreach (var (key, line, section, anchor) in guide) sb.AppendLine($"| {key} | {line} | [THEORY.md {section}]({theory}#{anchor}) |");
            sb.AppendLine();
        }
        foreach (var (heading, group) in new[] { (run.Unit == "law" ? "Laws" : "Checks", laws), ("Regression cases", regressions) })
        {
            if (group.Count == 0) continue;
            sb.AppendLine($"## {heading}");
            sb.AppendLine();
            sb.AppendLine("| family | property | cases | time | result |");
            sb.AppendLine("|---|---|---:|---:|---|");
            foreach (var p in group)
                sb.AppendLine($"| {p.Family} | {Cell(p.Name)} | {p.Cases} | {ReportText.Seconds(p.Duration).Replace(" ", "\u00a0")} | {ReportText.Status(p.Status)}{(p.Note is null ? "" : " — " + Cell(p.Note))} |");
            sb.AppendLine();
        }
        sb.AppendLine("## Case distribution");
        sb.AppendLine();
        foreach (var p in run.Properties.Where(p => p.Classes.Count > 0))
        {
            sb.AppendLine($"**{p.Family} — {OneLine(p.Name)}**");
            sb.AppendLine();
            foreach (var (key, values) in ReportText.Dimensions(p.Classes))
                sb.AppendLine($"- {(key == "" ? "other" : key)}: {ReportText.Inline(values)}");
            sb.AppendLine();
        }
        var failures = run.Properties.Where(p => p.Failure is not null).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine("## Failures");
            sb.AppendLine();
            foreach (var p in failures)
            {
                var f = p.Failure!;
                sb.AppendLine($"### {p.Family} — {OneLine(p.Name)}");
                sb.AppendLine();
                sb.AppendLine($"- failed check: {f.Check}");
                sb.AppendLine($"- observed: `{f.Observed}`");
                sb.AppendLine($"- expected: `{f.Expected}`");
                sb.AppendLine($"- tolerance: `{f.Tolerance}`");
                sb.AppendLine($"- seed: `{f.Seed}`, shrinks: {f.Shrinks}");
                sb.AppendLine($"- replay: `{f.ReplayCommand}`");
                if (!string.IsNullOrWhiteSpace(f.Message)) sb.AppendLine($"- message: {f.Message}");
                sb.AppendLine();
                sb.AppendLine(ReportText.InputLabel(f));
                sb.AppendLine();
                sb.AppendLine("```json");
                sb.AppendLine(f.InputJson);
                sb.AppendLine("```");
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string Cell(string s) => OneLine(s).Replace("|", "\\|");

    /// <summary>A heading or table cell ends at a line break: names are flattened to one line.</summary>
    private static string OneLine(string s) => s.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
}
