using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// The one serialiser of hcv's --json output: records through System.Text.Json with snake_case names, on one line,
/// doubles in their shortest round-trip form, a non-finite double as null (JSON has no NaN or infinity).
/// </summary>
public static class JsonOutput
{
    /// <summary>The options every --json output and every JSON file hcv writes use.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new FiniteDoubleConverter(), new NullableFiniteDoubleConverter() },
    };

    /// <summary>The record as one line of JSON (no trailing newline).</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Writes the record as one line on stdout.</summary>
    public static void Print<T>(T value) => Console.Out.WriteLine(Serialize(value));

    /// <summary>A vector as an array of doubles.</summary>
    public static double[] Array(Vector<double> v) => v.ToArray();

    /// <summary>A matrix as an array of its rows.</summary>
    public static double[][] Rows(Matrix<double> m) => m.ToRowArrays();

    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    private sealed class NullableFiniteDoubleConverter : JsonConverter<double?>
    {
        public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
        {
            if (value is { } v && double.IsFinite(v)) writer.WriteNumberValue(v);
            else writer.WriteNullValue();
        }
    }
}

/// <summary>A network in the NET file format that 'hcv check' reads: {"U": rows u_i, "alpha": α}.</summary>
public sealed record NetJson([property: JsonPropertyName("U")] double[][] U, [property: JsonPropertyName("alpha")] double[] Alpha)
{
    /// <summary>
    /// The network as a NET object. A width-0 U cannot carry d in JSON (the loader refuses it): the zero network is one
    /// zero neuron, which has the same prediction and objective.
    /// </summary>
    public static NetJson Of(Network network)
    {
        var printed = network.Width == 0 ? network.PadWithZeros(1) : network;
        return new NetJson(JsonOutput.Rows(printed.U), JsonOutput.Array(printed.Alpha));
    }
}
