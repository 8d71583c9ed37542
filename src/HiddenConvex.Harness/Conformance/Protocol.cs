using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Conformance;

/// <summary>An answer that breaks the protocol (not JSON, wrong id, missing or ill-shaped field, NaN).</summary>
public sealed class ProtocolException(string message) : Exception(message);

/// <summary>One block of an answer, as sent: pattern (0/1 per row), sign γ and w_b.</summary>
public sealed record AnswerBlock(int[] Pattern, int Sign, double[] W);

/// <summary>An answer to a solve-convex request (docs/conform-protocol.md).</summary>
public sealed record ConvexAnswer(
    string Status,
    IReadOnlyList<AnswerBlock> Blocks,
    double Objective,
    double? GapTolerance,
    bool PatternsExact,
    Network? Network,
    string? Solver);

/// <summary>An answer to a train request: the network, its claimed objective and status.</summary>
public sealed record TrainAnswer(string Status, Network Network, double Objective, double? StationarityTolerance, string? Solver);

/// <summary>
/// The line-oriented JSON protocol of `hcv conform` (docs/conform-protocol.md): one request per
/// line on the implementation's stdin, one answer per line on its stdout, matched by "id".
/// </summary>
public static partial class Protocol
{
    /// <summary>Version written into every request ("protocol").</summary>
    public const int Version = 1;

    /// <summary>The request line for a task on an instance; the exact pattern set S(X) is sent along.</summary>
    public static string Request(string id, ConformTask task, ConformInstance inst, PatternSet patterns, double tolerance)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteNumber("protocol", Version);
            w.WriteString("task", ConformTasks.Name(task));
            w.WriteStartArray("X");
            foreach (var row in inst.X) JsonArrays.WriteVector(w, row);
            w.WriteEndArray();
            JsonArrays.WriteVector(w, "y", inst.Y);
            w.WriteNumber("beta", inst.Beta);
            w.WriteString("loss", inst.Loss);
            w.WriteNumber("loss_scale", inst.LossScale);
            w.WriteStartArray("patterns");
            foreach (var s in patterns.Patterns)
            {
                w.WriteStartArray();
                foreach (var b in s.ToInts()) w.WriteNumberValue(b);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            if (task == ConformTask.SolveConvex) w.WriteNumber("tolerance", tolerance);
            else
            {
                w.WriteNumber("width", inst.Width);
                w.WriteNumber("seed", inst.Seed);
                w.WriteNumber("tolerance", tolerance);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [GeneratedRegex(@"(?<![A-Za-z""])-?(NaN|Infinity|inf|nan)(?![A-Za-z""])")]
    private static partial Regex NonFiniteToken();

    /// <summary>Parses the JSON object of an answer line and checks its id; an "error" field becomes a <see cref="ProtocolException"/>.</summary>
    public static JsonElement ParseObject(string? line, string expectedId)
    {
        if (line is null) throw new ProtocolException("no answer: the implementation closed its output");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e)
        {
            if (NonFiniteToken().IsMatch(line))
                throw new ProtocolException("the answer contains a non-finite number (NaN or Infinity), which is not valid JSON and not a valid value");
            throw new ProtocolException($"the answer is not valid JSON ({e.Message}): {Clip(line)}");
        }
        var root = doc.RootElement.Clone();
        if (root.ValueKind != JsonValueKind.Object) throw new ProtocolException($"the answer is not a JSON object: {Clip(line)}");
        if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != expectedId)
            throw new ProtocolException($"the answer's \"id\" is {(root.TryGetProperty("id", out var got) ? got.GetRawText() : "missing")}, expected \"{expectedId}\"");
        if (root.TryGetProperty("error", out var err))
            throw new ProtocolException($"the implementation answered with an error: {(err.ValueKind == JsonValueKind.String ? err.GetString() : err.GetRawText())}");
        return root;
    }

    /// <summary>Parses and validates a solve-convex answer against the instance's shape (n, d).</summary>
    public static ConvexAnswer ParseConvexAnswer(string? line, string expectedId, int n, int d)
    {
        var root = ParseObject(line, expectedId);
        string status = RequiredString(root, "status");
        var blocksEl = Required(root, "blocks", JsonValueKind.Array);
        var blocks = new List<AnswerBlock>();
        int i = 0;
        foreach (var b in blocksEl.EnumerateArray())
        {
            string where = $"blocks[{i}]";
            if (b.ValueKind != JsonValueKind.Object) throw new ProtocolException($"{where} is not an object");
            var pat = Numbers(Required(b, "pattern", JsonValueKind.Array, where), $"{where}.pattern");
            if (pat.Length != n) throw new ProtocolException($"{where}.pattern has {pat.Length} entries, the data has n = {n} rows");
            for (int j = 0; j < n; j++)
                if (pat[j] != 0 && pat[j] != 1) throw new ProtocolException($"{where}.pattern[{j}] = {pat[j]}, expected 0 or 1");
            double sign = Number(Required(b, "sign", JsonValueKind.Number, where), $"{where}.sign");
            if (sign != 1 && sign != -1) throw new ProtocolException($"{where}.sign = {sign}, expected +1 or -1");
            var w = Numbers(Required(b, "w", JsonValueKind.Array, where), $"{where}.w");
            if (w.Length != d) throw new ProtocolException($"{where}.w has {w.Length} entries, expected d = {d}");
            blocks.Add(new AnswerBlock(pat.Select(v => (int)v).ToArray(), (int)sign, w));
            i++;
        }
        double objective = Number(Required(root, "objective", JsonValueKind.Number), "objective");
        double? gapTol = OptionalNumber(root, "gap_tolerance");
        if (gapTol is { } g && !(g >= 0)) throw new ProtocolException($"gap_tolerance = {g}, expected a number ≥ 0");
        bool exact = !root.TryGetProperty("patterns_exact", out var ex) || ex.ValueKind != JsonValueKind.False;
        Network? net = root.TryGetProperty("network", out var netEl) && netEl.ValueKind != JsonValueKind.Null
            ? ParseNetwork(netEl, d, "network") : null;
        return new ConvexAnswer(status, blocks, objective, gapTol, exact, net, OptionalString(root, "solver"));
    }

    /// <summary>Parses and validates a train answer: {"U": m×d, "alpha": m, "objective", "status"}.</summary>
    public static TrainAnswer ParseTrainAnswer(string? line, string expectedId, int d)
    {
        var root = ParseObject(line, expectedId);
        string status = RequiredString(root, "status");
        var net = ParseNetwork(root, d, "answer");
        double objective = Number(Required(root, "objective", JsonValueKind.Number), "objective");
        double? tol = OptionalNumber(root, "stationarity_tolerance");
        return new TrainAnswer(status, net, objective, tol, OptionalString(root, "solver"));
    }

    private static Network ParseNetwork(JsonElement el, int d, string where)
    {
        if (el.ValueKind != JsonValueKind.Object) throw new ProtocolException($"{where} is not an object");
        var uEl = Required(el, "U", JsonValueKind.Array, where);
        var rows = new List<double[]>();
        int i = 0;
        foreach (var r in uEl.EnumerateArray())
        {
            if (r.ValueKind != JsonValueKind.Array) throw new ProtocolException($"{where}.U[{i}] is not an array");
            var row = Numbers(r, $"{where}.U[{i}]");
            if (row.Length != d) throw new ProtocolException($"{where}.U[{i}] has {row.Length} entries, expected d = {d}");
            rows.Add(row);
            i++;
        }
        var alpha = Numbers(Required(el, "alpha", JsonValueKind.Array, where), $"{where}.alpha");
        if (alpha.Length != rows.Count) throw new ProtocolException($"{where}.alpha has {alpha.Length} entries but U has {rows.Count} rows");
        var u = Matrix<double>.Build.Dense(rows.Count, d, (a, b) => rows[a][b]);
        return Network.Create(u, Vector<double>.Build.DenseOfArray(alpha), where);
    }

    private static JsonElement Required(JsonElement obj, string name, JsonValueKind kind, string? where = null)
    {
        string path = where is null ? name : $"{where}.{name}";
        if (!obj.TryGetProperty(name, out var v)) throw new ProtocolException($"the answer has no field \"{path}\"");
        if (v.ValueKind != kind)
            throw new ProtocolException($"\"{path}\" is {Describe(v)}, expected {kind.ToString().ToLowerInvariant()}");
        return v;
    }

    private static string RequiredString(JsonElement obj, string name) => Required(obj, name, JsonValueKind.String).GetString()!;

    private static string? OptionalString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? OptionalNumber(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number) throw new ProtocolException($"\"{name}\" is {Describe(v)}, expected a number");
        return Number(v, name);
    }

    private static double Number(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.Number) throw new ProtocolException($"\"{path}\" is {Describe(v)}, expected a number");
        if (!v.TryGetDouble(out double x) || !double.IsFinite(x)) throw new ProtocolException($"\"{path}\" is not a finite number");
        return x;
    }

    private static double[] Numbers(JsonElement arr, string path)
    {
        var r = new double[arr.GetArrayLength()];
        int i = 0;
        foreach (var v in arr.EnumerateArray()) { r[i] = Number(v, $"{path}[{i}]"); i++; }
        return r;
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Clip(v.GetString() ?? "", 40)}\"",
        JsonValueKind.Null => "null",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    /// <summary>A long line cut for messages.</summary>
    public static string Clip(string s, int max = 300) => s.Length <= max ? s : s[..max] + $"… ({s.Length} characters)";
}
