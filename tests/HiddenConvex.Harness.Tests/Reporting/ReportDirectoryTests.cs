using HiddenConvex.Core.Data;
using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Harness.Tests.Reporting;

/// <summary>Run folders: the files written, never overwriting an existing run, and the 'latest' pointer.</summary>
public sealed class ReportDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hcv-report-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Dictionary<string, (string Text, DateTime Written)> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => (File.ReadAllText(f), File.GetLastWriteTimeUtc(f)));

    [Fact]
    public void WritesEveryReportFileAndOneCounterexamplePerFailure()
    {
        var run = ReportFixtures.Mixed();
        var folder = Path.Combine(_root, "run1");
        var written = ReportDirectory.Write(run, folder);

        var expected = new List<string> { "summary.md", "summary.html", "junit.xml" };
        expected.AddRange(run.Properties.Where(p => p.Failure is not null).Select(p => Path.Combine("counterexamples", ReportText.Slug(p) + ".json")));
        Assert.Equal(expected.Order(), written.Select(w => Path.GetRelativePath(folder, w)).Order());
        Assert.Equal(expected.Order(), Snapshot(folder).Keys.Order());
        Assert.Equal(MarkdownReport.Render(run), File.ReadAllText(Path.Combine(folder, "summary.md")));
        Assert.Equal(HtmlReport.Render(run), File.ReadAllText(Path.Combine(folder, "summary.html")));
        Assert.Equal(JUnitReport.Render(run), File.ReadAllText(Path.Combine(folder, "junit.xml")));
        foreach (var p in run.Properties.Where(p => p.Failure is not null))
            Assert.Equal(CounterexampleJson.Render(p), File.ReadAllText(Path.Combine(folder, "counterexamples", ReportText.Slug(p) + ".json")));
        // File names stay portable whatever the law's name holds.
        Assert.All(written, w => Assert.Matches("^[A-Za-z0-9.-]+$", Path.GetFileName(w)));
    }

    [Fact]
    public void ASecondRunIntoAnExistingFolderOverwritesNothing()
    {
        var folder = Path.Combine(_root, "run");
        ReportDirectory.Write(ReportFixtures.Mixed(), folder);
        var before = Snapshot(folder);

        var second = ReportFixtures.Run(ReportFixtures.Failed("E1", "a different failure"), ReportFixtures.Passed("M2", "another law"));
        var e = Assert.Throws<InvalidInputException>(() => ReportDirectory.Write(second, folder));
        Assert.Contains(folder, e.Message);
        Assert.Equal(before, Snapshot(folder));
    }

    [Fact]
    public void AnExistingEmptyFolderIsUsed()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        var written = ReportDirectory.Write(ReportFixtures.Run(ReportFixtures.Passed("E1", "passes")), folder);
        Assert.Equal(3, written.Count);
    }

    [Fact]
    public void NewRunFolderNeverNamesAnExistingRun()
    {
        var started = new DateTimeOffset(2026, 11, 27, 23, 5, 9, TimeSpan.FromHours(2));
        var first = ReportDirectory.NewRunFolder(_root, started);
        Assert.Equal(Path.Combine(_root, "20261127-210509"), first); // named by UTC time
        ReportDirectory.Write(ReportFixtures.Mixed(), first);
        var second = ReportDirectory.NewRunFolder(_root, started);
        Assert.Equal(first + "-2", second);
        ReportDirectory.Write(ReportFixtures.Mixed(), second);
        File.WriteAllText(first + "-3", "a file, not a run");
        Assert.Equal(first + "-4", ReportDirectory.NewRunFolder(_root, started));
    }

    [Fact]
    public void LatestIsARelativeLinkToTheNewestRun()
    {
        var first = Path.Combine(_root, "20261127-000001");
        var second = Path.Combine(_root, "20261127-000002");
        ReportDirectory.Write(ReportFixtures.Run(ReportFixtures.Passed("E1", "first")), first);
        ReportDirectory.Write(ReportFixtures.Run(ReportFixtures.Passed("E1", "second")), second);

        var link = ReportDirectory.UpdateLatest(_root, first);
        Assert.Equal(Path.Combine(_root, "latest"), link);
        Assert.Equal("20261127-000001", new DirectoryInfo(link).LinkTarget);

        ReportDirectory.UpdateLatest(_root, second);
        Assert.Equal("20261127-000002", new DirectoryInfo(link).LinkTarget);
        Assert.Contains("second", File.ReadAllText(Path.Combine(link, "summary.md")));
        // Re-pointing the link leaves the runs themselves alone.
        Assert.Contains("first", File.ReadAllText(Path.Combine(first, "summary.md")));
    }

    [Fact]
    public void ARealFolderNamedLatestIsLeftAlone()
    {
        var latest = Directory.CreateDirectory(Path.Combine(_root, "latest")).FullName;
        File.WriteAllText(Path.Combine(latest, "mine.txt"), "keep");
        var run = Path.Combine(_root, "20261127-000003");
        ReportDirectory.Write(ReportFixtures.Run(ReportFixtures.Passed("E1", "x")), run);

        var marker = ReportDirectory.UpdateLatest(_root, run);
        Assert.Equal(Path.Combine(_root, "latest.txt"), marker);
        Assert.Equal("20261127-000003", File.ReadAllText(marker).Trim());
        Assert.Null(new DirectoryInfo(latest).LinkTarget);
        Assert.Equal(["mine.txt"], Directory.GetFiles(latest).Select(Path.GetFileName));
    }
}

/// <summary>One counterexample file per failing property, even when two names give the same slug.</summary>
public sealed class ReportDirectorySlugTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hcv-report-slugs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void FailuresWhoseNamesSlugAlikeGetOneFileEach()
    {
        var a = ReportFixtures.Failed("T1", "ψ(W) & φ(W) agree");
        var b = ReportFixtures.Failed("T1", "ψ(W) | φ(W) agree", ReportFixtures.Failure(check: "another check"));
        Assert.Equal(ReportText.Slug(a), ReportText.Slug(b));
        var folder = Path.Combine(_root, "run");
        var written = ReportDirectory.Write(ReportFixtures.Run(a, b), folder);
        var files = Directory.GetFiles(Path.Combine(folder, "counterexamples"));
        Assert.Equal(2, files.Length);
        Assert.Equal(new[] { "another check", a.Failure!.Check }.Order(StringComparer.Ordinal),
            files.Select(f => System.Text.Json.JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("check").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(5, written.Count);

        // The page links each failure to its own section.
        var html = HtmlReport.Render(ReportFixtures.Run(a, b));
        var ids = System.Text.RegularExpressions.Regex.Matches(html, "<h3 id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Contains($"<a href=\"#{id}\">", html));
    }
}
