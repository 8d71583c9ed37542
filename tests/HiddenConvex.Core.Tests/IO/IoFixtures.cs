using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Tests.IO;

/// <summary>A temporary directory removed at the end of a test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hcv-io-").FullName;

    /// <summary>Full path of a file in the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes text and returns the path.</summary>
    public string Text(string name, string text) { System.IO.File.WriteAllText(File(name), text); return File(name); }

    /// <summary>Writes bytes and returns the path.</summary>
    public string Bytes(string name, byte[] bytes) { System.IO.File.WriteAllBytes(File(name), bytes); return File(name); }

    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

/// <summary>
/// Builds .npy / .npz bytes independently of the reader under test, following the format
/// description of NumPy (magic, version, little-endian header length, Python-dict header
/// padded with spaces and a newline to a multiple of 64, then raw data).
/// </summary>
public static class NpyFixture
{
    public static byte[] Header(string descr, bool fortran, int[] shape, int major = 1)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int lenBytes = major == 1 ? 2 : 4;
        int total = 8 + lenBytes + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        var b = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        var len = new byte[lenBytes];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        b.AddRange(len);
        b.AddRange(major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header));
        return b.ToArray();
    }

    /// <summary>float64 little-endian, values given in file order.</summary>
    public static byte[] F8(int[] shape, double[] fileOrder, bool fortran = false, int major = 1, bool bigEndian = false)
    {
        var data = new byte[fileOrder.Length * 8];
        for (int k = 0; k < fileOrder.Length; k++)
            if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(data.AsSpan(k * 8), fileOrder[k]);
            else BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(k * 8), fileOrder[k]);
        return [.. Header(bigEndian ? ">f8" : "<f8", fortran, shape, major), .. data];
    }

    public static byte[] F4(int[] shape, float[] values)
    {
        var data = new byte[values.Length * 4];
        for (int k = 0; k < values.Length; k++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(k * 4), values[k]);
        return [.. Header("<f4", false, shape), .. data];
    }

    public static byte[] I8(int[] shape, long[] values)
    {
        var data = new byte[values.Length * 8];
        for (int k = 0; k < values.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(k * 8), values[k]);
        return [.. Header("<i8", false, shape), .. data];
    }

    public static byte[] I4(int[] shape, int[] values)
    {
        var data = new byte[values.Length * 4];
        for (int k = 0; k < values.Length; k++) BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(k * 4), values[k]);
        return [.. Header("<i4", false, shape), .. data];
    }

    /// <summary>A zip with the given members (stored, like np.savez).</summary>
    public static byte[] Zip(params (string Name, byte[] Bytes)[] members)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in members)
            {
                var e = zip.CreateEntry(name, CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(bytes);
            }
        return ms.ToArray();
    }
}

public static class Expect
{
    /// <summary>Asserts an InvalidInputException whose message contains every fragment.</summary>
    public static string Invalid(Action action, params string[] fragments)
    {
        var e = Assert.Throws<InvalidInputException>(action);
        foreach (var f in fragments)
            Assert.True(e.Message.Contains(f, StringComparison.Ordinal), $"message \"{e.Message}\" should contain \"{f}\"");
        return e.Message;
    }
}
