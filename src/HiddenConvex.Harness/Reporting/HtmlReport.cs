using System.Net;
using System.Text;

namespace HiddenConvex.Harness.Reporting;

/// <summary>Renders a run as one self-contained HTML page (inline CSS and SVG, no network).</summary>
public static class HtmlReport
{
    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
        th{background:#f0f0f0}td.num{text-align:right}.nowrap{white-space:nowrap}.pass{color:#1a7f37;font-weight:bold}
        .fail{color:#cf222e;font-weight:bold}.skipped{color:#9a6700}
        pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:400px}
        .hist{display:inline-block;margin:0 2em 1em 0;vertical-align:top}.bar{background:#4c8eda;height:10px;display:inline-block}
        .hist td{border:none;padding:1px 4px;font-size:90%}h3{margin-top:2em}code{background:#f6f8fa}
        """;

    /// <summary>The whole report as an HTML document.</summary>
    public static string Render(RunReport run, string? reportFolder = null)
    {
        string theory = FamilyGuide.TheoryPath(reportFolder);
        var laws = run.Properties.Where(p => !FamilyGuide.IsRegression(p)).ToList();
        var regressions = run.Properties.Where(FamilyGuide.IsRegression).ToList();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
          .Append(E(run.Title)).Append("</title><style>").Append(Css).Append("</style></head><body>");
        sb.Append("<h1>").Append(E(run.Title)).Append("</h1>");
        sb.Append("<p>Started ").Append(E(run.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"))).Append(" UTC. Configuration: <code>")
          .Append(E(run.Configuration)).Append("</code>.</p>");
        sb.Append("<p class=\"").Append(run.Failed > 0 ? "fail" : "pass").Append("\">").Append(E(run.ClosingLine))
          .Append("</p><p>").Append(E(ReportText.Counts(laws, run.Unit))).Append(" (").Append(laws.Sum(p => p.Cases)).Append(" generated cases); ")
          .Append(E(ReportText.Counts(regressions, "regression case"))).Append(". Program built ").Append(E(FamilyGuide.BuildTimeUtc() is { } b ? b.ToString("yyyy-MM-dd HH:mm:ss") + " UTC" : "at an unknown time"))
          .Append("; run time ").Append(E(ReportText.Seconds(run.Duration))).Append(".</p>");
        var guide = FamilyGuide.For(run);
        if (guide.Count > 0)
        {
            sb.Append("<h2>What the families check</h2><table>");
            foreach (var (key, line, section, anchor) in guide)
                sb.Append("<tr><td>").Append(E(key)).Append("</td><td>").Append(E(line)).Append("</td><td class=\"nowrap\"><a href=\"")
                  .Append(E(theory)).Append('#').Append(E(anchor)).Append("\">THEORY.md ").Append(E(section)).Append("</a></td></tr>");
            sb.Append("</table>");
        }

        var slugs = ReportText.FailureSlugs(run);
        foreach (var (heading, group) in new[] { (run.Unit == "law" ? "Laws" : "Checks", laws), ("Regression cases", regressions) })
        {
            if (group.Count == 0) continue;
            sb.Append("<h2>").Append(heading).Append("</h2>");
            sb.Append("<table><tr><th>family</th><th>property</th><th>cases</th><th>time</th><th>result</th></tr>");
            foreach (var p in group)
            {
                var cls = p.Status switch { PropertyStatus.Passed => "pass", PropertyStatus.Failed => "fail", _ => "skipped" };
                var name = p.Failure is null ? E(p.Name) : $"<a href=\"#{slugs[p]}\">{E(p.Name)}</a>";
                sb.Append("<tr><td>").Append(E(p.Family)).Append("</td><td>").Append(name)
                  .Append(p.Note is null ? "" : $"<br><small>{E(p.Note)}</small>")
                  .Append("</td><td class=\"num\">").Append(p.Cases).Append("</td><td class=\"num nowrap\">").Append(E(ReportText.Seconds(p.Duration)))
                  .Append("</td><td class=\"").Append(cls).Append("\">").Append(ReportText.Status(p.Status)).Append("</td></tr>");
            }
            sb.Append("</table>");
        }

        sb.Append("<h2>Case distribution</h2>");
        foreach (var p in run.Properties.Where(p => p.Classes.Count > 0))
        {
            sb.Append("<h4>").Append(E(p.Family)).Append(" — ").Append(E(p.Name)).Append("</h4>");
            foreach (var (key, values) in ReportText.Dimensions(p.Classes))
            {
                int max = Math.Max(1, values.Max(v => v.Count));
                sb.Append("<div class=\"hist\"><b>").Append(E(key == "" ? "other" : key)).Append("</b><table>");
                foreach (var v in values)
                {
                    var label = v.Label.Contains('=') ? v.Label[(v.Label.IndexOf('=') + 1)..] : v.Label;
                    sb.Append("<tr><td>").Append(E(label)).Append("</td><td class=\"num\">").Append(v.Count)
                      .Append("</td><td><span class=\"bar\" style=\"width:").Append(Math.Max(1, 150 * v.Count / max)).Append("px\"></span></td></tr>");
                }
                sb.Append("</table></div>");
            }
        }

        var failures = run.Properties.Where(p => p.Failure is not null).ToList();
        if (failures.Count > 0)
        {
            sb.Append("<h2>Failures</h2>");
            foreach (var p in failures)
            {
                var f = p.Failure!;
                sb.Append("<h3 id=\"").Append(slugs[p]).Append("\">").Append(E(p.Family)).Append(" — ").Append(E(p.Name)).Append("</h3>");
                sb.Append("<table>");
                Row(sb, "failed check", f.Check);
                Row(sb, "observed", f.Observed);
                Row(sb, "expected", f.Expected);
                Row(sb, "tolerance", f.Tolerance);
                Row(sb, "seed / shrinks", $"{f.Seed} / {f.Shrinks}");
                Row(sb, "replay", f.ReplayCommand);
                if (!string.IsNullOrWhiteSpace(f.Message)) Row(sb, "message", f.Message);
                sb.Append("</table><p>").Append(E(ReportText.InputLabel(f))).Append("</p><pre>").Append(E(f.InputJson)).Append("</pre>");
                if (f.OriginalInputJson is not null)
                    sb.Append("<details><summary>Original (unshrunk) input</summary><pre>").Append(E(f.OriginalInputJson)).Append("</pre></details>");
                foreach (var fig in f.Figures ?? [])
                    sb.Append("<figure>").Append(fig.Svg).Append("<figcaption>").Append(E(fig.Title)).Append("</figcaption></figure>");
            }
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string key, string value) =>
        sb.Append("<tr><th>").Append(E(key)).Append("</th><td><code>").Append(E(value)).Append("</code></td></tr>");

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
