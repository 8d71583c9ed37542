using HiddenConvex.Core.Data;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// A file hcv will write, checked before any work is done: it must not be a directory, its folder must exist (hcv creates
/// no folders), the folder must be writable, and an existing file is overwritten only with --force. Failures are worded
/// by hcv (InvalidInputException, OutputExistsException), not by .NET.
/// </summary>
public static class OutputTarget
{
    /// <summary>Checks the path (null: nothing to check) and returns it.</summary>
    public static string? Check(string? path, bool force)
    {
        if (path is null) return null;
        if (path.Length == 0) throw new InvalidInputException("an output file name is empty");
        if (Directory.Exists(path)) throw new InvalidInputException($"cannot write {path}: it is a directory");
        if (File.Exists(path) && !force) throw new OutputExistsException(path);
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidInputException($"cannot write {path}: not a valid file name");
        }
        var folder = Path.GetDirectoryName(full) ?? "/";
        if (File.Exists(folder)) throw new InvalidInputException($"cannot write {path}: {folder} is a file, not a folder");
        if (!Directory.Exists(folder)) throw new InvalidInputException($"cannot write {path}: the folder {folder} does not exist");
        if (!CanCreateIn(folder)) throw new InvalidInputException($"cannot write {path}: the folder {folder} is not writable");
        return path;
    }

    /// <summary>Whether a file can be created in the folder: a probe file is created and removed at once.</summary>
    private static bool CanCreateIn(string folder)
    {
        var probe = Path.Combine(folder, $".hcv-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
