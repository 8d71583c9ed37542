using System.Text.Json;
using System.Text.Json.Nodes;

namespace HiddenConvex.Harness.Reporting;

/// <summary>One JSON document per failure: the shrunk input, observed, expected, tolerance and replay command.</summary>
public static class CounterexampleJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The counterexample of a failed property as indented JSON.</summary>
    public static string Render(PropertyReport property)
    {
        var f = property.Failure ?? throw new ArgumentException("the property has no counterexample", nameof(property));
        var o = new JsonObject
        {
            ["family"] = property.Family,
            ["property"] = property.Name,
            ["check"] = f.Check,
            ["observed"] = f.Observed,
            ["expected"] = f.Expected,
            ["tolerance"] = f.Tolerance,
            ["message"] = f.Message,
            ["seed"] = f.Seed,
            ["shrinks"] = f.Shrinks,
            ["replay"] = f.ReplayCommand,
            ["input"] = ParseOrString(f.InputJson),
        };
        if (f.OriginalInputJson is not null) o["originalInput"] = ParseOrString(f.OriginalInputJson);
        return o.ToJsonString(Indented);
    }

    private static JsonNode? ParseOrString(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }
}
