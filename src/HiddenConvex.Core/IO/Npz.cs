using System.IO.Compression;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// NumPy .npz archives: a zip whose members "NAME.npy" are .npy files (np.savez, np.savez_compressed).
/// </summary>
public static class Npz
{
    /// <summary>
    /// Reads the named arrays of an archive (names without ".npy"). A missing array is an input
    /// error naming the archive and listing the members found; other members are ignored.
    /// </summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path, params string[] names)
    {
        using var stream = InputFile.OpenRead(path);
        using var zip = InputFile.OpenZip(path, stream);
        var members = zip.Entries.Select(e => e.FullName).ToList();
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var entry = zip.GetEntry(name + ".npy")
                ?? throw new InvalidInputException(
                    $"{path}: missing array '{name}' (no member {name}.npy; members: {(members.Count == 0 ? "none" : string.Join(", ", members))})");
            byte[] bytes = InputFile.Parse(path, () => ReadEntry(entry));
            result[name] = Npy.Read(bytes, $"{path}: {name}.npy");
        }
        return result;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>
    /// Writes arrays as an .npz (members "NAME.npy", float64 .npy v1.0, deflate-compressed like
    /// np.savez_compressed); refuses to overwrite an existing file unless <paramref name="force"/>.
    /// </summary>
    public static void Write(string path, bool force, IEnumerable<(string Name, NpyArray Array)> arrays)
    {
        using var file = SafeFile.Create(path, force);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, array) in arrays)
        {
            var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal);
            using var s = entry.Open();
            Npy.Write(s, array);
        }
    }
}
