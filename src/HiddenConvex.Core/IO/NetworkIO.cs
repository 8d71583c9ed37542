using System.Text.Json;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// Reads and writes networks (THEORY.md §1: U ∈ R^{m×d} with row i = u_i, α ∈ R^m):
/// JSON {"U": [[..]], "alpha": [..]} (other fields ignored) and .npz (arrays U (m×d) and alpha
/// (m, m×1 or 1×m)). Writing never overwrites an existing file unless <c>force</c> is set.
/// </summary>
public static class NetworkIO
{
    /// <summary>Loads a network, choosing the format by extension (case-insensitive).</summary>
    public static Network Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return InputFile.Extension(path) switch
        {
            ".json" => LoadJson(path),
            ".npz" => LoadNpz(path),
            var ext => throw new InvalidInputException($"{path}: unknown network format {InputFile.Describe(ext)} (expected .json or .npz)"),
        };
    }

    /// <summary>
    /// Writes a network as JSON (.json) or .npz; refuses to overwrite without force. A width-0
    /// network can only be written as .npz (a JSON "U": [] would lose the input dimension).
    /// </summary>
    public static void Save(Network network, string path, bool force)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        switch (InputFile.Extension(path))
        {
            case ".json": SaveJson(network, path, force); break;
            case ".npz":
                Npz.Write(path, force, [("U", NpyArray.FromMatrix(network.U)), ("alpha", NpyArray.FromVector(network.Alpha))]);
                break;
            case var ext:
                throw new InvalidInputException($"{path}: unknown network format {InputFile.Describe(ext)} (expected .json or .npz)");
        }
    }

    private static Network LoadJson(string path)
    {
        using var doc = JsonArrays.ParseObject(path, InputFile.ReadAllText(path));
        var root = doc.RootElement;
        var u = JsonArrays.Matrix(JsonArrays.Field(root, "U", path), path, "U");
        var alpha = JsonArrays.Vector(JsonArrays.Field(root, "alpha", path), path, "alpha");
        InvalidInputException.Require(u.Length > 0,
            $"{path}: U is empty (width 0 cannot be stored in JSON since the input dimension is unknown; use .npz)");
        InvalidInputException.Require(u[0].Length > 0, $"{path}: U has no columns");
        return Network.Create(
            MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowArrays(u),
            MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(alpha), path);
    }

    private static Network LoadNpz(string path)
    {
        var arrays = Npz.Read(path, "U", "alpha");
        var u = NpyShapes.Matrix(arrays["U"], path, "U");
        var alpha = NpyShapes.Vector(arrays["alpha"], path, "alpha", allowRow: true);
        return Network.Create(u, alpha, path);
    }

    private static void SaveJson(Network network, string path, bool force)
    {
        InvalidInputException.Require(network.Width > 0,
            $"{path}: a width-0 network cannot be written as JSON (the input dimension would be lost); use .npz");
        using var file = SafeFile.Create(path, force);
        using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        JsonArrays.WriteMatrix(w, "U", network.U);
        JsonArrays.WriteVector(w, "alpha", network.Alpha);
        w.WriteEndObject();
    }
}
