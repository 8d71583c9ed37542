using System.Text;
using System.Text.Json;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// Reading numeric arrays out of JSON documents with messages that name the file, the field and
/// the position ("data.json: X[3,1] is NaN").
/// </summary>
public static class JsonArrays
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// Parses a JSON document whose root must be an object. Python's json module writes bare
    /// NaN / Infinity, which is not JSON: such a file is re-read with those tokens quoted so that
    /// the message can name the field and position of the non-finite value.
    /// </summary>
    public static JsonDocument ParseObject(string path, string text)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, Options); }
        catch (JsonException first)
        {
            string quoted = QuoteBareNonFinite(text);
            if (quoted == text) return InputFile.Parse<JsonDocument>(path, () => throw first);
            try { doc = JsonDocument.Parse(quoted, Options); }
            catch (JsonException) { return InputFile.Parse<JsonDocument>(path, () => throw first); }
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"{path}: the top level must be a JSON object, found {Kind(doc.RootElement)}");
        return doc;
    }

    /// <summary>A required field of the root object; missing or duplicated fields are input errors.</summary>
    public static JsonElement Field(JsonElement root, string name, string path)
    {
        JsonElement? found = null;
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name != name) continue;
            if (found is not null) throw new InvalidInputException($"{path}: field \"{name}\" appears twice");
            found = p.Value;
        }
        if (found is { } f) return f;
        var names = root.EnumerateObject().Select(p => $"\"{p.Name}\"").ToList();
        throw new InvalidInputException(
            $"{path}: missing field \"{name}\" (fields present: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
    }

    /// <summary>A 2-D array (array of equally long arrays of finite numbers); it may have zero rows.</summary>
    public static double[][] Matrix(JsonElement e, string path, string field)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new InvalidInputException($"{path}: field \"{field}\" must be an array of rows, found {Kind(e)}");
        var rows = new List<double[]>();
        int i = 0;
        foreach (var row in e.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
                throw new InvalidInputException($"{path}: {field}[{i}] must be an array (a row), found {Kind(row)}");
            var values = new double[row.GetArrayLength()];
            int j = 0;
            foreach (var x in row.EnumerateArray()) { values[j] = Number(x, path, $"{field}[{i},{j}]"); j++; }
            if (rows.Count > 0 && values.Length != rows[0].Length)
                throw new InvalidInputException(
                    $"{path}: {field}[{i}] has {values.Length} entries but {field}[0] has {rows[0].Length} (ragged rows)");
            rows.Add(values);
            i++;
        }
        return rows.ToArray();
    }

    /// <summary>A 1-D array of finite numbers.</summary>
    public static double[] Vector(JsonElement e, string path, string field)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new InvalidInputException($"{path}: field \"{field}\" must be an array of numbers, found {Kind(e)}");
        var values = new double[e.GetArrayLength()];
        int i = 0;
        foreach (var x in e.EnumerateArray()) { values[i] = Number(x, path, $"{field}[{i}]"); i++; }
        return values;
    }

    private static double Number(JsonElement x, string path, string position)
    {
        switch (x.ValueKind)
        {
            case JsonValueKind.Number:
                if (x.TryGetDouble(out var v) && double.IsFinite(v)) return v;
                throw new InvalidInputException($"{path}: {position} = {x.GetRawText()} is outside the range of a double");
            case JsonValueKind.String:
                var s = x.GetString() ?? "";
                if (NonFiniteName(s) is { } name) throw new InvalidInputException($"{path}: {position} is {name}");
                throw new InvalidInputException($"{path}: {position} is a string (\"{s}\"), expected a number");
            default:
                throw new InvalidInputException($"{path}: {position} is {Kind(x)}, expected a number");
        }
    }

    /// <summary>"NaN", "+Inf" or "-Inf" for the spellings of non-finite numbers, otherwise null.</summary>
    internal static string? NonFiniteName(string s) => s.Trim().ToLowerInvariant() switch
    {
        "nan" or "+nan" or "-nan" => "NaN",
        "inf" or "+inf" or "infinity" or "+infinity" => "+Inf",
        "-inf" or "-infinity" => "-Inf",
        _ => null,
    };

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Quotes the bare tokens NaN, Infinity and -Infinity that appear outside strings.</summary>
    private static string QuoteBareNonFinite(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        bool inString = false;
        for (int k = 0; k < text.Length; k++)
        {
            char c = text[k];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && k + 1 < text.Length) sb.Append(text[++k]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            string? token = null;
            foreach (var t in new[] { "-Infinity", "Infinity", "NaN" })
                if (string.CompareOrdinal(text, k, t, 0, t.Length) == 0
                    && (k + t.Length == text.Length || !char.IsLetterOrDigit(text[k + t.Length])))
                { token = t; break; }
            if (token is null) { sb.Append(c); continue; }
            sb.Append('"').Append(token).Append('"');
            k += token.Length - 1;
        }
        return sb.ToString();
    }

    /// <summary>Writes a matrix as an array of rows.</summary>
    public static void WriteMatrix(Utf8JsonWriter w, string name, MathNet.Numerics.LinearAlgebra.Matrix<double> m)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < m.RowCount; i++)
        {
            w.WriteStartArray();
            for (int j = 0; j < m.ColumnCount; j++) w.WriteNumberValue(m[i, j]);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>Writes numbers (a vector, a row, a list) as the array property <paramref name="name"/>.</summary>
    public static void WriteVector(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WritePropertyName(name);
        WriteVector(w, values);
    }

    /// <summary>Writes numbers as an array value (an element of an enclosing array, or after a property name).</summary>
    public static void WriteVector(Utf8JsonWriter w, IEnumerable<double> values)
    {
        w.WriteStartArray();
        foreach (var x in values) w.WriteNumberValue(x);
        w.WriteEndArray();
    }
}
