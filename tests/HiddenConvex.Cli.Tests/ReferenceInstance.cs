using System.Globalization;
using System.Text.Json;

namespace HiddenConvex.Cli.Tests;

/// <summary>
/// A reference instance with an independently certified optimum (tests/HiddenConvex.Core.Tests/Data/reference):
/// its data file, β, the number of cells, and the certified interval [Lower, Upper] ∋ P*_c.
/// </summary>
public sealed record ReferenceInstance(string Name, string Path, double Beta, string Loss, double LossScale, int N, int D, int Cells, double BetaMax, double Lower, double Upper)
{
    /// <summary>β as hcv reads it back (round-trip format).</summary>
    public string BetaText => Beta.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Every reference instance's name, sorted (xunit member data).</summary>
    public static IEnumerable<object[]> Names() =>
        Directory.GetFiles(RepoFiles.ReferenceDirectory, "*.json")
            .Select(p => System.IO.Path.GetFileNameWithoutExtension(p)!)
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n });

    /// <summary>Loads one instance by name.</summary>
    public static ReferenceInstance Load(string name)
    {
        var path = RepoFiles.Reference(name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        var x = r.GetProperty("X");
        return new ReferenceInstance(name, path, r.GetProperty("beta").GetDouble(), r.GetProperty("loss").GetString()!,
            r.GetProperty("loss_scale").GetDouble(), x.GetArrayLength(), x[0].GetArrayLength(), r.GetProperty("cells").GetInt32(),
            r.GetProperty("beta_max").GetDouble(), r.GetProperty("lower").GetDouble(), r.GetProperty("upper").GetDouble());
    }
}
