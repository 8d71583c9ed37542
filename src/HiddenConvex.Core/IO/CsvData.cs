using System.Globalization;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// Comma-separated data: one sample per line, the target in one column (the last by default),
/// an optional header line, blank lines allowed only at the end. Numbers use the invariant
/// culture ('.' as decimal point). Messages give the line and column (1-based) and the
/// position in X or y (0-based): "data.csv line 5, column 2: X[3,1] is NaN".
/// </summary>
internal static class CsvData
{
    public static Dataset Parse(string path, string text, DataLoadOptions options)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1])) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new InvalidInputException($"{path}: the file is empty (no data rows)");

        int first = HasHeader(lines[0], options.Header) ? 1 : 0;
        if (first == lines.Count) throw new InvalidInputException($"{path}: no data rows after the header line");
        int columns = Split(lines[first]).Length;
        if (first == 1 && Split(lines[0]).Length != columns)
            throw new InvalidInputException($"{path}: the header (line 1) has {Split(lines[0]).Length} columns but line 2 has {columns}");
        if (columns < 2)
            throw new InvalidInputException($"{path} line {first + 1} has 1 column; need at least 2 (the inputs and the target) separated by commas");
        int target = TargetIndex(options.TargetColumn, columns, path);

        int n = lines.Count - first;
        var x = new double[n][];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            int lineNo = first + i + 1;
            if (string.IsNullOrWhiteSpace(lines[first + i]))
                throw new InvalidInputException($"{path} line {lineNo} is blank (blank lines are allowed only at the end)");
            var fields = Split(lines[first + i]);
            if (fields.Length != columns)
                throw new InvalidInputException($"{path} line {lineNo} has {fields.Length} columns but line {first + 1} has {columns} (ragged rows)");
            x[i] = new double[columns - 1];
            for (int c = 0, k = 0; c < columns; c++)
            {
                string position = c == target ? $"y[{i}]" : $"X[{i},{k}]";
                double v = Number(fields[c], $"{path} line {lineNo}, column {c + 1}", position);
                if (c == target) y[i] = v; else x[i][k++] = v;
            }
        }
        return Dataset.Create(x, y, path);
    }

    /// <summary>The 0-based index of the target column; negative values count from the end (−1 = last).</summary>
    internal static int TargetIndex(int targetColumn, int columns, string path)
    {
        int t = targetColumn < 0 ? columns + targetColumn : targetColumn;
        if (t < 0 || t >= columns)
            throw new InvalidInputException($"{path}: target column {targetColumn} is out of range for {columns} columns");
        return t;
    }

    private static bool HasHeader(string line, bool? header) =>
        header ?? Split(line).Any(f => !TryNumber(f, out _));

    private static string[] Split(string line) => line.Split(',').Select(Unquote).ToArray();

    private static string Unquote(string f)
    {
        f = f.Trim();
        return f.Length >= 2 && f[0] == '"' && f[^1] == '"' ? f[1..^1].Trim() : f;
    }

    private static bool TryNumber(string s, out double v)
    {
        if (JsonArrays.NonFiniteName(s) is { } name)
        {
            v = name == "NaN" ? double.NaN : name == "+Inf" ? double.PositiveInfinity : double.NegativeInfinity;
            return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    private static double Number(string s, string where, string position)
    {
        if (!TryNumber(s, out var v))
            throw new InvalidInputException(s.Length == 0
                ? $"{where}: {position} is empty"
                : $"{where}: {position} = '{s}' is not a number");
        if (!double.IsFinite(v))
            throw new InvalidInputException($"{where}: {position} is {(double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf")}");
        return v;
    }
}
