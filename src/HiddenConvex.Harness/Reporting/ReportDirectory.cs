namespace HiddenConvex.Harness.Reporting;

/// <summary>
/// Writes a run's files into a fresh folder: summary.md, summary.html, junit.xml and
/// counterexamples/&lt;family-slug&gt;.json, then points <c>latest</c> (a relative symbolic link
/// next to the run folders) at it. Existing runs are never overwritten: a taken name gets a suffix.
/// </summary>
public static class ReportDirectory
{
    /// <summary>A new, not yet existing run folder under root named by the UTC start time (yyyyMMdd-HHmmss).</summary>
    public static string NewRunFolder(string root, DateTimeOffset started)
    {
        var stamp = started.UtcDateTime.ToString("yyyyMMdd-HHmmss");
        var path = Path.Combine(root, stamp);
        for (int k = 2; Directory.Exists(path) || File.Exists(path); k++) path = Path.Combine(root, $"{stamp}-{k}");
        return path;
    }

    /// <summary>Writes every file of the run into folder (created; must not exist yet) and returns the written paths.</summary>
    public static IReadOnlyList<string> Write(RunReport run, string folder)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new Core.Data.InvalidInputException($"{folder} already exists and is not empty; choose another report folder");
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        void Put(string name, string text)
        {
            var path = Path.Combine(folder, name);
            Core.IO.SafeFile.WriteAllText(path, text, force: false);
            written.Add(path);
        }
        Put("summary.md", MarkdownReport.Render(run, folder));
        Put("summary.html", HtmlReport.Render(run, folder));
        Put("junit.xml", JUnitReport.Render(run));
        foreach (var (p, slug) in ReportText.FailureSlugs(run))
            Put(Path.Combine("counterexamples", slug + ".json"), CounterexampleJson.Render(p));
        return written;
    }

    /// <summary>
    /// Points root/latest at the run folder: a relative symbolic link (replacing an older link);
    /// where links cannot be made, a plain file <c>latest.txt</c> holding the run folder's name.
    /// A real folder named latest is left alone.
    /// </summary>
    public static string UpdateLatest(string root, string runFolder)
    {
        var link = Path.Combine(root, "latest");
        var target = Path.GetFileName(Path.TrimEndingDirectorySeparator(runFolder));
        try
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is not null) info.Delete();
            if (!Directory.Exists(link) && !File.Exists(link))
            {
                Directory.CreateSymbolicLink(link, target);
                return link;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException) { }
        var marker = Path.Combine(root, "latest.txt");
        File.WriteAllText(marker, target + Environment.NewLine);
        return marker;
    }
}
