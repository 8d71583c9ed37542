using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>File creation that never overwrites without being asked.</summary>
public static class SafeFile
{
    /// <summary>
    /// Opens a new file for writing; an existing file is an <see cref="OutputExistsException"/> unless force is set.
    /// Missing parent directories are created. I/O failures become "cannot write {path}: ...".
    /// </summary>
    public static FileStream Create(string path, bool force)
    {
        if (Directory.Exists(path)) throw new InvalidInputException($"cannot write {path}: it is a directory");
        if (File.Exists(path) && !force)
            throw new OutputExistsException(path);
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            return new FileStream(path, force ? FileMode.Create : FileMode.CreateNew, FileAccess.Write);
        }
        catch (UnauthorizedAccessException) { throw new InvalidInputException($"cannot write {path}: permission denied"); }
        catch (IOException) when (!force && File.Exists(path))
        {
            throw new OutputExistsException(path);
        }
        catch (IOException e) { throw new InvalidInputException($"cannot write {path}: {e.Message}"); }
    }

    /// <summary>Writes text to a new file (see <see cref="Create"/>).</summary>
    public static void WriteAllText(string path, string text, bool force)
    {
        using var fs = Create(path, force);
        using var w = new StreamWriter(fs);
        w.Write(text);
    }
}
