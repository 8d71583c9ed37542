namespace HiddenConvex.Core.Data;

/// <summary>
/// Bad input rejected before any computation: the message names the source (file), the field
/// and the position, e.g. "data.csv: X[3,1] is NaN". The CLI maps it to exit code 2.
/// </summary>
public sealed class InvalidInputException(string message) : Exception(message)
{
    /// <summary>Throws unless the condition holds.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidInputException(message);
    }
}
