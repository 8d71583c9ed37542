using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Harness.Tests.Reporting;

/// <summary>The four writers of a run: JUnit XML, self-contained HTML, Markdown and counterexample JSON.</summary>
public sealed class ReportWriterTests
{
    private static readonly RunReport Mixed = ReportFixtures.Mixed();

    // ---- JUnit XML ------------------------------------------------------------------------------

    private static XDocument ParseStrict(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, CheckCharacters = true });
        return XDocument.Load(reader);
    }

    [Fact]
    public void OnlyAShrunkInputIsLabelledShrunkAndLawsAreCountedApartFromRegressionCases()
    {
        var unshrunk = ReportFixtures.Failure() with { Shrinks = 0, OriginalInputJson = null };
        var run = ReportFixtures.Run(
            ReportFixtures.Failed("T4", "shrunk law", ReportFixtures.Failure(original: "{}")),
            ReportFixtures.Failed("T5", "a second check on the same instance", unshrunk),
            ReportFixtures.Passed("T1", "regression t1-case (t1-case.json)", 1));
        foreach (var text in new[] { MarkdownReport.Render(run), HtmlReport.Render(run) })
        {
            Assert.Equal(1, Regex.Matches(text, "Shrunk input:").Count);
            Assert.Equal(1, Regex.Matches(text, @"Input \(not shrunk\):").Count);
            Assert.Contains("2 laws: 0 passed, 2 failed", text);
            Assert.Contains("1 regression case: 1 passed, 0 failed", text);
            Assert.Contains("THEORY.md#", text);
        }
        Assert.Matches(@"class=""num nowrap"">1\.23 s<", HtmlReport.Render(run));
    }

    [Fact]
    public void JUnitParsesAndItsCountsEqualTheModel()
    {
        var doc = ParseStrict(JUnitReport.Render(Mixed));
        var suite = Assert.Single(doc.Root!.Elements("testsuite"));
        Assert.Equal("testsuites", doc.Root.Name.LocalName);
        Assert.Equal(Mixed.Properties.Count, (int)suite.Attribute("tests")!);
        Assert.Equal(Mixed.Failed, (int)suite.Attribute("failures")!);
        Assert.Equal(Mixed.Skipped, (int)suite.Attribute("skipped")!);
        Assert.Equal(0, (int)suite.Attribute("errors")!);
        Assert.Equal(12.5, (double)suite.Attribute("time")!, 3);
        Assert.Equal("Property run <T> & \"co\"", (string)suite.Attribute("name")!);
        Assert.Equal("2026-11-27T23:05:09", (string)suite.Attribute("timestamp")!);

        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(Mixed.Properties.Count, cases.Count);
        Assert.Equal(Mixed.Failed, cases.Count(c => c.Element("failure") is not null));
        Assert.Equal(Mixed.Skipped, cases.Count(c => c.Element("skipped") is not null));
        Assert.Equal(Mixed.Passed, cases.Count(c => c.Element("failure") is null && c.Element("skipped") is null));
        for (int i = 0; i < cases.Count; i++)
        {
            var p = Mixed.Properties[i];
            Assert.Equal(p.Family, (string)cases[i].Attribute("classname")!);
            Assert.Equal(p.Cases + " cases", (string)cases[i].Element("system-out")!);
            Assert.Equal(p.Duration.TotalSeconds, (double)cases[i].Attribute("time")!, 3);
        }
    }

    [Fact]
    public void JUnitKeepsSpecialCharactersOfNamesAndFailuresExactly()
    {
        var xml = JUnitReport.Render(Mixed);
        var cases = ParseStrict(xml).Descendants("testcase").ToList();
        // A newline in an attribute survives parsing only when written as a character reference.
        Assert.Equal(Mixed.Properties.Select(p => p.Name), cases.Select(c => (string)c.Attribute("name")!));
        Assert.DoesNotContain("<b>", xml);

        var nasty = cases.Single(c => (string)c.Attribute("classname")! == "T3");
        var failure = nasty.Element("failure")!;
        var f = Mixed.Properties.Single(p => p.Family == "T3").Failure!;
        Assert.Equal(f.Check, (string)failure.Attribute("message")!);
        var body = failure.Value;
        foreach (var part in new[] { f.Observed, f.Expected, f.Tolerance, f.ReplayCommand, f.Message, f.InputJson })
            Assert.Contains(part, body);
        Assert.Equal("core not implemented yet: <Solver> & co", (string)cases.Single(c => (string)c.Attribute("classname")! == "T5").Element("skipped")!.Attribute("message")!);
    }

    [Fact]
    public void JUnitOfAnEmptyRunIsValid()
    {
        var suite = ParseStrict(JUnitReport.Render(ReportFixtures.Run())).Root!.Element("testsuite")!;
        Assert.Equal(0, (int)suite.Attribute("tests")!);
        Assert.Empty(suite.Elements("testcase"));
    }

    // ---- HTML -------------------------------------------------------------------------------------

    [Fact]
    public void HtmlReferencesNoExternalResource()
    {
        var html = HtmlReport.Render(Mixed);
        // Attributes that load or link something: only in-page anchors and the link to the repository's own docs/THEORY.md
        // (a relative file link, never loaded by the page) are allowed.
        var references = Regex.Matches(html, @"\b(?:src|href|action|data|poster|srcset)\s*=\s*(?:""([^""]*)""|'([^']*)'|([^\s>]+))", RegexOptions.IgnoreCase)
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value)
            .ToList();
        Assert.NotEmpty(references); // the failure links exist, so the scan sees attributes at all
        Assert.All(references, r => Assert.Matches(@"^(#|(\.\./)*docs/THEORY\.md#)[\w-]+$", r));
        Assert.Contains(references, r => r.StartsWith('#'));
        Assert.DoesNotMatch(new Regex(@"<(script|link|iframe|img|object|embed)\b", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"@import|url\s*\(", RegexOptions.IgnoreCase), html);
    }

    [Fact]
    public void HtmlContainsTheInlineSvgOfEveryFigureAndLinksEveryFailure()
    {
        var html = HtmlReport.Render(Mixed);
        var figures = Mixed.Properties.SelectMany(p => p.Failure?.Figures ?? []).ToList();
        Assert.NotEmpty(figures);
        foreach (var fig in figures)
        {
            Assert.Contains("<figure>" + fig.Svg, html);
            Assert.Contains("<figcaption>" + WebUtility.HtmlEncode(fig.Title) + "</figcaption>", html);
        }
        Assert.Equal(figures.Count, Regex.Matches(html, "<svg ").Count);
        foreach (var p in Mixed.Properties.Where(p => p.Failure is not null))
        {
            var slug = ReportText.Slug(p);
            Assert.Contains($"<a href=\"#{slug}\">", html);
            Assert.Single(Regex.Matches(html, $"id=\"{Regex.Escape(slug)}\""));
        }
    }

    [Fact]
    public void HtmlEscapesSpecialCharactersEverywhere()
    {
        var html = HtmlReport.Render(Mixed);
        Assert.DoesNotContain("<b>bold</b>", html);
        Assert.DoesNotContain("<tags>", html);
        Assert.DoesNotContain("<Solver>", html);
        Assert.DoesNotContain("<T>", html);
        Assert.Contains(WebUtility.HtmlEncode(ReportFixtures.NastyName), html);
        Assert.Contains(WebUtility.HtmlEncode(ReportFixtures.ReplayCommand), html);
        // With the trusted SVG figures taken out, the page is balanced markup: every '<' opens a known tag.
        var withoutSvg = Regex.Replace(html, "<svg .*?</svg>", "", RegexOptions.Singleline);
        var tags = Regex.Matches(withoutSvg, @"<(/?)([a-zA-Z0-9!]+)").Select(m => m.Groups[2].Value.ToLowerInvariant()).Distinct().ToHashSet();
        Assert.Subset(new HashSet<string> { "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "code", "table", "tr", "th", "td", "a", "br", "small", "div", "b", "span", "pre", "details", "summary", "figure", "figcaption" }, tags);
        Assert.Equal(Regex.Matches(withoutSvg, "<").Count, Regex.Matches(withoutSvg, @"<(/?)([a-zA-Z0-9!]+)").Count);
    }

    [Fact]
    public void HtmlCountsMatchTheModel()
    {
        var html = HtmlReport.Render(Mixed);
        Assert.Contains(WebUtility.HtmlEncode(Mixed.ClosingLine), html);
        Assert.Equal(Mixed.Passed, Regex.Matches(html, "<td class=\"pass\">pass</td>").Count);
        Assert.Equal(Mixed.Failed, Regex.Matches(html, "<td class=\"fail\">FAIL</td>").Count);
        Assert.Equal(Mixed.Skipped, Regex.Matches(html, "<td class=\"skipped\">skipped</td>").Count);
        Assert.Contains("Original (unshrunk) input", html);
    }

    [Fact]
    public void SvgPlotsAreWellFormedXmlWithEscapedText()
    {
        var line = XDocument.Parse(SvgPlot.Line([1.0, double.NaN, 0.5, 0.25], "a <title> & \"more\"", "L_β & <y>"));
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", line.Root!.Name);
        var points = line.Descendants(svg + "polyline").Single().Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, points.Length); // the NaN is left out
        Assert.Contains(line.Descendants(svg + "text"), t => t.Value == "a <title> & \"more\"");

        var arrangement = XDocument.Parse(SvgPlot.Arrangement2D([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [([1.0, 1.0], 0.5), ([-1.0, 0.5], -2.0)], "cells <&>"));
        // Two nonzero rows give a line and a dot each; two neurons give two rays.
        Assert.Equal(2 + 2, arrangement.Descendants(svg + "line").Count());
        Assert.Contains(arrangement.Descendants(svg + "text"), t => t.Value == "cells <&>");
        Assert.Contains("no finite values", SvgPlot.Line([double.NaN], "t"));
    }

    // ---- Markdown -------------------------------------------------------------------------------

    private static List<string[]> TableRows(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.IndexOf("| family | property | cases | time | result |");
        Assert.True(header >= 0, "no property table");
        Assert.Equal("|---|---|---:|---:|---|", lines[header + 1]);
        return lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|'))
            // Split on pipes that are not escaped as \|.
            .Select(l => Regex.Split(l.Trim('|'), @"(?<!\\)\|").Select(c => c.Trim()).ToArray())
            .ToList();
    }

    [Fact]
    public void MarkdownHasOneTableRowPerProperty()
    {
        var rows = TableRows(MarkdownReport.Render(Mixed));
        Assert.Equal(Mixed.Properties.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var p = Mixed.Properties[i];
            Assert.Equal(5, rows[i].Length);
            Assert.Equal(p.Family, rows[i][0]);
            Assert.Equal(p.Name.Replace("|", "\\|").Replace("\n", " "), rows[i][1]);
            Assert.Equal(p.Cases.ToString(), rows[i][2]);
            Assert.StartsWith(ReportText.Status(p.Status), rows[i][4]);
        }
    }

    [Fact]
    public void MarkdownGivesTheReplayCommandAndShrunkInputOfEveryFailure()
    {
        var md = MarkdownReport.Render(Mixed);
        var failures = Mixed.Properties.Where(p => p.Failure is not null).ToList();
        Assert.Equal(failures.Count, Regex.Matches(md, "^- replay: `" + Regex.Escape(ReportFixtures.ReplayCommand) + "`$", RegexOptions.Multiline).Count);
        Assert.Equal(failures.Count, Regex.Matches(md, "^```json\n" + Regex.Escape(ReportFixtures.InputJson) + "\n```$", RegexOptions.Multiline).Count);
        Assert.Contains($"**{Mixed.ClosingLine}**", md);
        Assert.DoesNotContain("- replay:", MarkdownReport.Render(ReportFixtures.Run(ReportFixtures.Passed("E1", "only passes"))));
    }

    [Fact]
    public void MarkdownHeadingsOfFailuresStayOnOneLine()
    {
        var md = MarkdownReport.Render(Mixed);
        var headings = md.Split('\n').Where(l => l.StartsWith("### ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Mixed.Failed, headings.Count);
        Assert.Contains(headings, h => h.StartsWith("### T3 — law <b>bold</b>", StringComparison.Ordinal) && h.EndsWith("second line", StringComparison.Ordinal));
    }

    // ---- Counterexample JSON --------------------------------------------------------------------

    [Fact]
    public void CounterexampleJsonRoundTripsEveryValue()
    {
        var p = Mixed.Properties.Single(q => q.Family == "M1");
        var f = p.Failure!;
        using var doc = JsonDocument.Parse(CounterexampleJson.Render(p));
        var o = doc.RootElement;
        Assert.Equal(p.Family, o.GetProperty("family").GetString());
        Assert.Equal(p.Name, o.GetProperty("property").GetString());
        Assert.Equal(f.Check, o.GetProperty("check").GetString());
        Assert.Equal(f.Observed, o.GetProperty("observed").GetString());
        Assert.Equal(f.Expected, o.GetProperty("expected").GetString());
        Assert.Equal(f.Tolerance, o.GetProperty("tolerance").GetString());
        Assert.Equal(f.Message, o.GetProperty("message").GetString());
        Assert.Equal(f.Seed, o.GetProperty("seed").GetString());
        Assert.Equal(f.Shrinks, o.GetProperty("shrinks").GetInt32());
        Assert.Equal(f.ReplayCommand, o.GetProperty("replay").GetString());

        // The input is embedded as JSON (not a string) and its numbers are the same doubles.
        var input = o.GetProperty("input");
        Assert.Equal(JsonValueKind.Object, input.ValueKind);
        var x = input.GetProperty("Problem").GetProperty("X");
        Assert.Equal(0.1, x[0][0].GetDouble());
        Assert.Equal(-2.5e17, x[0][1].GetDouble());
        Assert.Equal(double.Epsilon, x[1][0].GetDouble());
        Assert.Equal(1e-300, x[1][1].GetDouble());
        Assert.Equal(0.1 + 0.2, input.GetProperty("Problem").GetProperty("Y")[0].GetDouble());
        Assert.Equal("squared <&>", input.GetProperty("Problem").GetProperty("Loss").GetString());
        Assert.Equal(37705, input.GetProperty("Seed").GetInt32());
        using var original = JsonDocument.Parse(f.OriginalInputJson!);
        Assert.True(JsonElement.DeepEquals(original.RootElement, o.GetProperty("originalInput")));
    }

    [Fact]
    public void CounterexampleJsonKeepsANonJsonInputAsText()
    {
        var p = ReportFixtures.Failed("T4", ReportFixtures.NastyName,
            ReportFixtures.Failure() with { InputJson = "not json: (1, 2) <&>" });
        using var doc = JsonDocument.Parse(CounterexampleJson.Render(p));
        Assert.Equal("not json: (1, 2) <&>", doc.RootElement.GetProperty("input").GetString());
        Assert.Equal(ReportFixtures.NastyName, doc.RootElement.GetProperty("property").GetString());
        Assert.False(doc.RootElement.TryGetProperty("originalInput", out _));
    }

    [Fact]
    public void CounterexampleJsonOfAPassedPropertyIsRefused() =>
        Assert.Throws<ArgumentException>(() => CounterexampleJson.Render(ReportFixtures.Passed("E1", "passes")));
}
