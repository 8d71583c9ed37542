using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>Options for reading a data file.</summary>
public sealed record DataLoadOptions
{
    /// <summary>CSV: index of the target column (default −1 = last column). Negative counts from the end.</summary>
    public int TargetColumn { get; init; } = -1;
    /// <summary>CSV: whether the first line is a header (default null = detect: a first line that does not parse as numbers).</summary>
    public bool? Header { get; init; }
}

/// <summary>
/// Reads data sets: JSON {"X": [[..]], "y": [..]}, CSV (last column is y unless told otherwise;
/// optional header), NumPy .npy (a 2-D array whose last column is y) and .npz (arrays X and y;
/// float64/float32, C order). Errors name file, field and position.
/// </summary>
public static class DataLoader
{
    /// <summary>Loads a data set, choosing the format by extension.</summary>
    public static Dataset Load(string path, DataLoadOptions? options = null) => throw new NotImplementedException();
}
