using System.Runtime.CompilerServices;

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

    /// <summary>
    /// Throws unless the condition holds, with an interpolated message that is formatted only when it is thrown: the checks
    /// of the certificate and the solver run on every call, and formatting their messages up front cost an allocation each.
    /// </summary>
    public static void Require(bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref RequireMessage message)
    {
        if (!condition) throw new InvalidInputException(message.ToStringAndClear());
    }
}

/// <summary>The message of <see cref="InvalidInputException.Require(bool, ref RequireMessage)"/>: formatted only when the condition fails.</summary>
[InterpolatedStringHandler]
public ref struct RequireMessage
{
    private DefaultInterpolatedStringHandler _text;

    /// <summary>Starts the message when <paramref name="condition"/> fails; otherwise nothing is appended.</summary>
    public RequireMessage(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        shouldAppend = !condition;
        _text = shouldAppend ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    /// <summary>Appends a literal part.</summary>
    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    /// <summary>Appends a formatted value.</summary>
    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    /// <summary>Appends a formatted value with a format string.</summary>
    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    /// <summary>Appends a formatted value with an alignment.</summary>
    public void AppendFormatted<T>(T value, int alignment) => _text.AppendFormatted(value, alignment);

    /// <summary>Appends a formatted value with an alignment and a format string.</summary>
    public void AppendFormatted<T>(T value, int alignment, string? format) => _text.AppendFormatted(value, alignment, format);

    /// <summary>The message, formatted as the interpolated string would have been.</summary>
    internal string ToStringAndClear() => _text.ToStringAndClear();
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
