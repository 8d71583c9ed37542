using System.Globalization;
using System.Xml.Linq;

namespace HiddenConvex.Harness.Reporting;

/// <summary>Renders a run as JUnit XML (one testcase per property, classname = family).</summary>
public static class JUnitReport
{
    /// <summary>The JUnit XML document as text.</summary>
    public static string Render(RunReport run)
    {
        static string Sec(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", run.Title),
            new XAttribute("tests", run.Properties.Count),
            new XAttribute("failures", run.Failed),
            new XAttribute("skipped", run.Skipped),
            new XAttribute("errors", 0),
            new XAttribute("time", Sec(run.Duration)),
            new XAttribute("timestamp", run.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)));
        suite.Add(new XElement("properties", new XElement("property", new XAttribute("name", "configuration"), new XAttribute("value", run.Configuration))));
        foreach (var p in run.Properties)
        {
            var tc = new XElement("testcase",
                new XAttribute("classname", p.Family),
                new XAttribute("name", p.Name),
                new XAttribute("time", Sec(p.Duration)));
            if (p.Status == PropertyStatus.Failed)
            {
                var f = p.Failure;
                var text = f is null ? p.Note ?? "failed"
                    : $"{f.Check}\nobserved: {f.Observed}\nexpected: {f.Expected}\ntolerance: {f.Tolerance}\nreplay: {f.ReplayCommand}\n{f.Message}\ninput: {f.InputJson}";
                tc.Add(new XElement("failure", new XAttribute("message", f?.Check ?? p.Note ?? "failed"), text));
            }
            else if (p.Status == PropertyStatus.Skipped)
                tc.Add(new XElement("skipped", new XAttribute("message", p.Note ?? "skipped")));
            tc.Add(new XElement("system-out", $"{p.Cases} cases"));
            suite.Add(tc);
        }
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite));
        return doc.Declaration + Environment.NewLine + doc.Root;
    }
}
