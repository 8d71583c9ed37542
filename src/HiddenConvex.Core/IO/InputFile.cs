using System.IO.Compression;
using System.Text.Json;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// Reading input files so that every failure is an <see cref="InvalidInputException"/> naming the
/// file: a missing file, a permission problem, or a parser's own exception (never a stack trace).
/// </summary>
internal static class InputFile
{
    /// <summary>All bytes of a file; I/O failures become "cannot read {path}: ...".</summary>
    public static byte[] ReadAllBytes(string path) => Guard(path, () => File.ReadAllBytes(path));

    /// <summary>All text of a file (UTF-8, BOM honoured); I/O failures become "cannot read {path}: ...".</summary>
    public static string ReadAllText(string path) => Guard(path, () => File.ReadAllText(path));

    /// <summary>Opens a file for reading; I/O failures become "cannot read {path}: ...".</summary>
    public static FileStream OpenRead(string path) => Guard(path, () => File.OpenRead(path));

    private static T Guard<T>(string path, Func<T> read)
    {
        if (Directory.Exists(path)) throw new InvalidInputException($"cannot read {path}: it is a directory");
        try { return read(); }
        catch (FileNotFoundException) { throw new InvalidInputException($"cannot read {path}: no such file"); }
        catch (DirectoryNotFoundException) { throw new InvalidInputException($"cannot read {path}: no such file"); }
        catch (UnauthorizedAccessException) { throw new InvalidInputException($"cannot read {path}: permission denied"); }
        catch (IOException e) { throw new InvalidInputException($"cannot read {path}: {e.Message}"); }
    }

    /// <summary>
    /// Runs a parser and turns the exceptions parsers throw on malformed input into an
    /// <see cref="InvalidInputException"/> that names the file.
    /// </summary>
    public static T Parse<T>(string path, Func<T> parse)
    {
        try { return parse(); }
        catch (InvalidInputException) { throw; }
        catch (JsonException e) { throw new InvalidInputException($"{path}: invalid JSON{JsonPosition(e)}: {FirstSentence(e.Message)}"); }
        catch (InvalidDataException e) { throw new InvalidInputException($"{path}: not a valid zip (.npz) file: {e.Message}"); }
        catch (EndOfStreamException) { throw new InvalidInputException($"{path}: file is truncated"); }
        catch (FormatException e) { throw new InvalidInputException($"{path}: {e.Message}"); }
        catch (OverflowException e) { throw new InvalidInputException($"{path}: {e.Message}"); }
        catch (IOException e) { throw new InvalidInputException($"cannot read {path}: {e.Message}"); }
    }

    private static string JsonPosition(JsonException e) =>
        e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";

    // System.Text.Json appends its own position ("Path: $ | LineNumber: 0 | BytePositionInLine: 4.") and advice about
    // its reader options: the position is reported once, in our words (1-based), and the advice does not concern the user.
    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            int cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        var sentences = message.Replace(" which is not supported in this mode", "", StringComparison.Ordinal).Split(". ", StringSplitOptions.RemoveEmptyEntries)
            .Where(x => !x.Contains("reader options", StringComparison.OrdinalIgnoreCase));
        return string.Join("; ", sentences).TrimEnd('.', ' ');
    }

    /// <summary>An extension for messages: "'.txt'" or "(no extension)".</summary>
    public static string Describe(string extension) => extension.Length == 0 ? "(no extension)" : $"'{extension}'";

    /// <summary>Lower-case extension including the dot, e.g. ".npz".</summary>
    public static string Extension(string path) => Path.GetExtension(path).ToLowerInvariant();

    /// <summary>Opens a zip archive over a stream, mapping a corrupt archive to an input error.</summary>
    public static ZipArchive OpenZip(string path, Stream stream) =>
        Parse(path, () => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false));
}
