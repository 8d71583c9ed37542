using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>One reference instance of Data/reference (fields X, y, beta, loss, loss_scale, cells, beta_max, upper, lower).</summary>
internal sealed record ReferenceInstance(string Name, Dataset Data, Loss Loss, double Beta, int Cells, double BetaMax, double Upper, double Lower)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Data", "reference");

    public static IEnumerable<object[]> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public static ReferenceInstance Load(string name)
    {
        var path = Path.Combine(Directory, name + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var rows = root.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var y = root.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var loss = Loss.Parse(root.GetProperty("loss").GetString()!, root.GetProperty("loss_scale").GetDouble());
        return new ReferenceInstance(name, Dataset.Create(rows, y, name), loss, root.GetProperty("beta").GetDouble(),
            root.GetProperty("cells").GetInt32(), root.GetProperty("beta_max").GetDouble(),
            root.GetProperty("upper").GetDouble(), root.GetProperty("lower").GetDouble());
    }

    /// <summary>
    /// The instance's cells found by sampling directions and perturbed rays, asserted complete against the
    /// recorded count (the exact enumeration of Arrangements is tested on its own).
    /// </summary>
    public PatternSet Patterns()
    {
        var set = TestProblems.SampledPatterns(Data.X, 20000, 17, Cells);
        Assert.True(set.IsExact, $"{Name}: test sampling found {set.Count} of {Cells} cells");
        return set;
    }

    /// <summary>The instance's program over its (sampled, asserted complete) pattern set.</summary>
    public ConvexProblem Problem() => new(Data, Loss, Beta, Patterns());

    /// <summary>The instance's program over the exact enumeration of S(X) (<see cref="CellEnumerator"/>).</summary>
    public ConvexProblem ExactProblem() => new(Data, Loss, Beta, CellEnumerator.Enumerate(Data.X));
}
