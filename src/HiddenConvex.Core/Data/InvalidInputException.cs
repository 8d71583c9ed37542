namespace HiddenConvex.Core.Data;

/// <summary>
/// Bad input rejected before any computation: the message names the source (file), the field
/// and the position, e.g. "data.csv: X[3,1] is NaN". The CLI maps it to exit code 2.
/// </summary>
public class InvalidInputException(string message) : Exception(message)
{
    /// <summary>Throws unless the condition holds.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidInputException(message);
    }
}

/// <summary>
/// A file that would be overwritten: the core never overwrites without being asked, and the caller (the CLI)
/// says how to ask. Carries the path.
/// </summary>
public sealed class OutputExistsException(string path) : InvalidInputException($"{path} already exists and was not overwritten")
{
    /// <summary>The existing file.</summary>
    public string Path { get; } = path;
}
