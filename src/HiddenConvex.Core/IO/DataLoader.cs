using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.IO;

/// <summary>Options for reading a data file.</summary>
public sealed record DataLoadOptions
{
    /// <summary>
    /// CSV and .npy: index of the target column (default −1 = last column). Negative counts from
    /// the end. Formats with named arrays (.json, .npz) reject any other value than −1.
    /// </summary>
    public int TargetColumn { get; init; } = -1;
    /// <summary>CSV: whether the first line is a header (default null = detect: a first line that does not parse as numbers).</summary>
    public bool? Header { get; init; }
}

/// <summary>
/// Reads data sets (THEORY.md §1: X ∈ R^{n×d}, y ∈ R^n): JSON {"X": [[..]], "y": [..]} (other
/// fields are ignored), CSV (last column is y unless told otherwise; optional header), NumPy .npy
/// (a 2-D array whose last column is y) and .npz (arrays X (n×d) and y (n or n×1)). NumPy arrays
/// may be float64, float32 or integer, in C or Fortran order. Every error is an
/// <see cref="InvalidInputException"/> naming the file, the field and the position.
/// </summary>
public static class DataLoader
{
    /// <summary>Loads a data set, choosing the format by extension (case-insensitive).</summary>
    public static Dataset Load(string path, DataLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new DataLoadOptions();
        return InputFile.Extension(path) switch
        {
            ".json" => LoadJson(path, options),
            ".csv" => CsvData.Parse(path, InputFile.ReadAllText(path), options),
            ".npy" => LoadNpy(path, options),
            ".npz" => LoadNpz(path, options),
            var ext => throw new InvalidInputException(
                $"{path}: unknown data format {InputFile.Describe(ext)} (expected .json, .csv, .npy or .npz)"),
        };
    }

    private static void NoTargetColumn(string path, DataLoadOptions options, string format)
    {
        if (options.TargetColumn != -1)
            throw new InvalidInputException(
                $"{path}: a target column ({options.TargetColumn}) applies only to .csv and .npy data; {format} files name X and y explicitly");
    }

    private static Dataset LoadJson(string path, DataLoadOptions options)
    {
        NoTargetColumn(path, options, ".json");
        using var doc = JsonArrays.ParseObject(path, InputFile.ReadAllText(path));
        var root = doc.RootElement;
        var x = JsonArrays.Matrix(JsonArrays.Field(root, "X", path), path, "X");
        var y = JsonArrays.Vector(JsonArrays.Field(root, "y", path), path, "y");
        InvalidInputException.Require(x.Length > 0, $"{path}: X is empty (no rows)");
        InvalidInputException.Require(x[0].Length > 0, $"{path}: X has no columns");
        return Dataset.Create(x, y, path);
    }

    private static Dataset LoadNpy(string path, DataLoadOptions options)
    {
        var a = Npy.Read(InputFile.ReadAllBytes(path), path);
        if (a.Shape.Count != 2)
            throw new InvalidInputException(
                $"{path}: the array has shape {a.ShapeText}; a data .npy must be 2-D with the target in one column (or use an .npz with arrays X and y)");
        int n = a.Shape[0], columns = a.Shape[1];
        InvalidInputException.Require(n > 0, $"{path}: the array has no rows");
        InvalidInputException.Require(columns >= 2,
            $"{path}: the array has {columns} column(s); need at least 2 (the inputs and the target)");
        int target = CsvData.TargetIndex(options.TargetColumn, columns, path);
        var x = Matrix<double>.Build.Dense(n, columns - 1);
        var y = Vector<double>.Build.Dense(n);
        for (int i = 0; i < n; i++)
            for (int c = 0, k = 0; c < columns; c++)
            {
                double v = a.Data[i * columns + c];
                string position = c == target ? $"y[{i}]" : $"X[{i},{k}]";
                if (!double.IsFinite(v))
                    throw new InvalidInputException($"{path}: array[{i},{c}] ({position}) is {(double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf")}");
                if (c == target) y[i] = v; else x[i, k++] = v;
            }
        return Dataset.Create(x, y, path);
    }

    private static Dataset LoadNpz(string path, DataLoadOptions options)
    {
        NoTargetColumn(path, options, ".npz");
        var arrays = Npz.Read(path, "X", "y");
        var x = NpyShapes.Matrix(arrays["X"], path, "X");
        var y = NpyShapes.Vector(arrays["y"], path, "y", allowRow: false);
        return Dataset.Create(x, y, path);
    }
}

/// <summary>Interpreting NumPy arrays as the matrices and vectors of THEORY.md §1.</summary>
internal static class NpyShapes
{
    /// <summary>A 2-D array as a matrix; anything else is an input error naming the field.</summary>
    public static Matrix<double> Matrix(NpyArray a, string path, string field)
    {
        if (a.Shape.Count != 2)
            throw new InvalidInputException(
                $"{path}: {field} has shape {a.ShapeText} but must be 2-D{(a.Shape.Count == 1 ? $" (for one column use {field}.reshape(-1, 1))" : "")}");
        return Matrix<double>.Build.Dense(a.Shape[0], a.Shape[1], (i, j) => a.Data[i * a.Shape[1] + j]);
    }

    /// <summary>
    /// A 1-D array, or a 2-D column (k×1) as a vector; with <paramref name="allowRow"/> also a
    /// 2-D row (1×k), the shape of a PyTorch output layer's weight.
    /// </summary>
    public static Vector<double> Vector(NpyArray a, string path, string field, bool allowRow)
    {
        bool ok = a.Shape.Count == 1
            || (a.Shape.Count == 2 && a.Shape[1] == 1)
            || (allowRow && a.Shape.Count == 2 && a.Shape[0] == 1);
        if (!ok)
            throw new InvalidInputException(
                $"{path}: {field} has shape {a.ShapeText} but must be 1-D{(allowRow ? ", k×1 or 1×k" : " or k×1")}");
        return Vector<double>.Build.DenseOfArray((double[])a.Data.Clone());
    }
}
