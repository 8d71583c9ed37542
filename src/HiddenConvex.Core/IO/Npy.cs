using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.IO;

/// <summary>
/// A numeric array read from a NumPy .npy file, converted to float64 and stored in C (row-major)
/// order whatever the file's order. <see cref="Dtype"/> is the file's own descriptor.
/// </summary>
public sealed class NpyArray
{
    /// <summary>The shape, e.g. [n, d].</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>The entries in C order.</summary>
    public double[] Data { get; }
    /// <summary>The dtype descriptor found in the file, e.g. "&lt;f8".</summary>
    public string Dtype { get; }
    /// <summary>Where the array came from, e.g. "data.npz: X.npy" (used in messages).</summary>
    public string Source { get; }

    /// <summary>Builds an array; the data length must equal the product of the shape.</summary>
    public NpyArray(IReadOnlyList<int> shape, double[] data, string dtype = "<f8", string source = "array")
    {
        long count = 1;
        foreach (var s in shape) count *= s;
        if (count != data.Length) throw new ArgumentException($"shape ({string.Join(", ", shape)}) needs {count} entries, got {data.Length}");
        Shape = shape.ToArray(); Data = data; Dtype = dtype; Source = source;
    }

    /// <summary>A float64 array of a matrix, C order.</summary>
    public static NpyArray FromMatrix(Matrix<double> m) =>
        new([m.RowCount, m.ColumnCount], m.ToRowMajorArray());

    /// <summary>A float64 1-D array of a vector.</summary>
    public static NpyArray FromVector(Vector<double> v) => new([v.Count], v.ToArray());

    /// <summary>The shape as NumPy prints it: "(3, 2)", "(5,)".</summary>
    public string ShapeText => Shape.Count == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";
}

/// <summary>
/// Reader and writer of the NumPy .npy format (versions 1.0, 2.0, 3.0 of the header).
/// Accepted dtypes: float64, float32, float16 and signed/unsigned integers of 1–8 bytes
/// (converted to float64; integers beyond 2^53 round), in little-, big- or no byte order, in
/// C or Fortran order. Everything else (complex, strings, objects, structured) is rejected.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Parses the bytes of a .npy file; <paramref name="source"/> names it in every message.</summary>
    public static NpyArray Read(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8 || !bytes[..6].SequenceEqual(Magic))
            throw new InvalidInputException($"{source}: not a NumPy .npy file (missing the \\x93NUMPY magic string)");
        int major = bytes[6], minor = bytes[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidInputException($"{source}: unsupported .npy format version {major}.{minor} (expected 1.0, 2.0 or 3.0)"),
        };
        if (bytes.Length < 8 + lengthBytes) throw Truncated(source, "header");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        long dataStart = 8 + lengthBytes + headerLength;
        if (dataStart > bytes.Length) throw Truncated(source, "header");
        var headerBytes = bytes[(8 + lengthBytes)..(int)dataStart];
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (descr, fortran, shape) = ParseHeader(header, source);
        var type = ElementType.Parse(descr, source);

        long count = 1;
        foreach (var s in shape) count = checked(count * s);
        long expected = count * type.Size;
        long actual = bytes.Length - dataStart;
        if (actual < expected)
            throw new InvalidInputException($"{source}: truncated data: shape {ShapeText(shape)} of '{descr}' needs {expected} bytes, the file has {actual}");
        if (actual > expected)
            throw new InvalidInputException($"{source}: {actual - expected} unexpected bytes after the data of shape {ShapeText(shape)}");

        var raw = bytes[(int)dataStart..];
        var values = new double[count];
        for (long k = 0; k < count; k++) values[k] = type.Decode(raw.Slice((int)(k * type.Size), type.Size));
        if (fortran && shape.Length > 1) values = FortranToC(values, shape);
        return new NpyArray(shape, values, descr, source);
    }

    /// <summary>Writes a float64 little-endian C-order array as .npy version 1.0 (as NumPy's np.save does).</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {ShapeText(array.Shape.ToArray())}, }}";
        // NumPy pads the header with spaces and a newline so that the data starts at a multiple of 64.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        if (header.Length > ushort.MaxValue) throw new InvalidInputException($"array shape {array.ShapeText} is too long for a version 1.0 header");
        Span<byte> prefix = stackalloc byte[10];
        Magic.CopyTo(prefix);
        prefix[6] = 1; prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        stream.Write(prefix);
        stream.Write(Encoding.Latin1.GetBytes(header));
        var buffer = new byte[8];
        foreach (var x in array.Data)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(buffer, x);
            stream.Write(buffer);
        }
    }

    /// <summary>The .npy bytes of an array (see <see cref="Write"/>).</summary>
    public static byte[] ToBytes(NpyArray array)
    {
        using var ms = new MemoryStream();
        Write(ms, array);
        return ms.ToArray();
    }

    private static InvalidInputException Truncated(string source, string part) =>
        new($"{source}: truncated .npy file (the {part} ends early)");

    private static string ShapeText(int[] shape) => shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    private static double[] FortranToC(double[] f, int[] shape)
    {
        var c = new double[f.Length];
        var strideF = new long[shape.Length];
        long s = 1;
        for (int k = 0; k < shape.Length; k++) { strideF[k] = s; s *= shape[k]; }
        var index = new int[shape.Length];
        for (long flat = 0; flat < c.Length; flat++)
        {
            long src = 0;
            for (int k = 0; k < shape.Length; k++) src += index[k] * strideF[k];
            c[flat] = f[src];
            for (int k = shape.Length - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return c;
    }

    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string source)
    {
        object? parsed;
        try { parsed = new PythonLiteral(header).ParseWhole(); }
        catch (FormatException e) { throw new InvalidInputException($"{source}: malformed .npy header ({e.Message}): {header.Trim()}"); }
        if (parsed is not Dictionary<string, object?> dict)
            throw new InvalidInputException($"{source}: malformed .npy header (not a dictionary): {header.Trim()}");
        foreach (var key in new[] { "descr", "fortran_order", "shape" })
            if (!dict.ContainsKey(key)) throw new InvalidInputException($"{source}: .npy header has no '{key}' key: {header.Trim()}");
        if (dict["descr"] is not string descr)
            throw new InvalidInputException($"{source}: unsupported dtype {Describe(dict["descr"])} (structured arrays are not supported; expected float64, float32 or float16)");
        if (dict["fortran_order"] is not bool fortran)
            throw new InvalidInputException($"{source}: .npy header 'fortran_order' is not True or False");
        if (dict["shape"] is not List<object?> dims || dims.Any(x => x is not long))
            throw new InvalidInputException($"{source}: .npy header 'shape' is not a tuple of integers: {header.Trim()}");
        var shape = new int[dims.Count];
        for (int k = 0; k < dims.Count; k++)
        {
            long v = (long)dims[k]!;
            if (v < 0 || v > int.MaxValue) throw new InvalidInputException($"{source}: .npy header has an invalid dimension {v}");
            shape[k] = (int)v;
        }
        return (descr, fortran, shape);
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        string s => $"'{s}'",
        List<object?> l => "[" + string.Join(", ", l.Select(Describe)) + "]",
        _ => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "?",
    };

    /// <summary>One supported element type: its size and how to decode it to a double.</summary>
    private sealed record ElementType(int Size, Func<ReadOnlySpan<byte>, double> DecodeLittle, bool BigEndian)
    {
        public double Decode(ReadOnlySpan<byte> b)
        {
            if (!BigEndian || Size == 1) return DecodeLittle(b);
            Span<byte> r = stackalloc byte[Size];
            b.CopyTo(r);
            r.Reverse();
            return DecodeLittle(r);
        }

        public static ElementType Parse(string descr, string source)
        {
            InvalidInputException Unsupported() =>
                new($"unsupported dtype '{descr}' in {source} (expected float64, float32 or float16; integer dtypes are converted)");
            if (descr.Length < 3) throw Unsupported();
            char order = descr[0];
            bool big = order switch
            {
                '<' or '|' or '=' => false, // '=' is native order; every platform this runs on is little-endian
                '>' => true,
                _ => throw Unsupported(),
            };
            string code = descr[1..];
            return code switch
            {
                "f8" => new(8, b => BinaryPrimitives.ReadDoubleLittleEndian(b), big),
                "f4" => new(4, b => BinaryPrimitives.ReadSingleLittleEndian(b), big),
                "f2" => new(2, b => (double)BinaryPrimitives.ReadHalfLittleEndian(b), big),
                "i8" => new(8, b => BinaryPrimitives.ReadInt64LittleEndian(b), big),
                "i4" => new(4, b => BinaryPrimitives.ReadInt32LittleEndian(b), big),
                "i2" => new(2, b => BinaryPrimitives.ReadInt16LittleEndian(b), big),
                "i1" => new(1, b => (sbyte)b[0], big),
                "u8" => new(8, b => BinaryPrimitives.ReadUInt64LittleEndian(b), big),
                "u4" => new(4, b => BinaryPrimitives.ReadUInt32LittleEndian(b), big),
                "u2" => new(2, b => BinaryPrimitives.ReadUInt16LittleEndian(b), big),
                "u1" => new(1, b => b[0], big),
                _ => throw Unsupported(),
            };
        }
    }

    /// <summary>
    /// The subset of Python literal syntax that NumPy writes in .npy headers: dicts, tuples,
    /// lists, quoted strings, integers, True/False/None.
    /// </summary>
    private sealed class PythonLiteral(string text)
    {
        private int _pos;

        public object? ParseWhole()
        {
            var value = Value();
            SkipSpace();
            if (_pos != text.Length) throw new FormatException($"unexpected '{text[_pos]}' at offset {_pos}");
            return value;
        }

        private void SkipSpace() { while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++; }

        private char Peek()
        {
            SkipSpace();
            if (_pos >= text.Length) throw new FormatException("unexpected end of header");
            return text[_pos];
        }

        private object? Value()
        {
            char c = Peek();
            switch (c)
            {
                case '{': return Dict();
                case '(': return Sequence('(', ')');
                case '[': return Sequence('[', ']');
                case '\'' or '"': return Str();
            }
            if (char.IsDigit(c) || c == '-') return Integer();
            if (char.IsLetter(c)) return Word();
            throw new FormatException($"unexpected '{c}' at offset {_pos}");
        }

        private Dictionary<string, object?> Dict()
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal);
            _pos++;
            while (Peek() != '}')
            {
                if (Value() is not string key) throw new FormatException("dictionary key is not a string");
                if (Peek() != ':') throw new FormatException($"expected ':' at offset {_pos}");
                _pos++;
                d[key] = Value();
                if (Peek() == ',') _pos++;
                else if (Peek() != '}') throw new FormatException($"expected ',' or '}}' at offset {_pos}");
            }
            _pos++;
            return d;
        }

        private List<object?> Sequence(char open, char close)
        {
            var list = new List<object?>();
            _pos++;
            while (Peek() != close)
            {
                list.Add(Value());
                if (Peek() == ',') _pos++;
                else if (Peek() != close) throw new FormatException($"expected ',' or '{close}' at offset {_pos}");
            }
            _pos++;
            return list;
        }

        private string Str()
        {
            char quote = text[_pos++];
            int start = _pos;
            while (_pos < text.Length && text[_pos] != quote) _pos++;
            if (_pos >= text.Length) throw new FormatException("unterminated string");
            return text[start..(_pos++)];
        }

        private long Integer()
        {
            int start = _pos;
            if (text[_pos] == '-') _pos++;
            while (_pos < text.Length && char.IsDigit(text[_pos])) _pos++;
            // Python 2 era headers may write longs as "3L".
            string digits = text[start.._pos];
            if (_pos < text.Length && text[_pos] == 'L') _pos++;
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw new FormatException($"bad integer '{digits}'");
            return v;
        }

        private object? Word()
        {
            int start = _pos;
            while (_pos < text.Length && char.IsLetter(text[_pos])) _pos++;
            return text[start.._pos] switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                var w => throw new FormatException($"unexpected word '{w}'"),
            };
        }
    }
}
