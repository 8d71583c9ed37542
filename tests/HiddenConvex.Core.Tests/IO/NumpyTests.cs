using HiddenConvex.Core.IO;
using static HiddenConvex.Core.Tests.IO.NpyFixture;

namespace HiddenConvex.Core.Tests.IO;

public class NpyReaderTests
{
    private static readonly double[] Table = [1, 2, 10, 3, 4, 20, 5, 6, 30]; // 3×3, last column is y

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_every_header_version(int major)
    {
        var a = Npy.Read(F8([3, 3], Table, major: major), "t.npy");
        Assert.Equal([3, 3], a.Shape);
        Assert.Equal(Table, a.Data);
        Assert.Equal("<f8", a.Dtype);
    }

    [Fact]
    public void Fortran_order_is_transposed_to_C_order()
    {
        // File order is column-major: column 0 then column 1.
        var a = Npy.Read(F8([2, 3], [1, 4, 2, 5, 3, 6], fortran: true), "t.npy");
        Assert.Equal([1.0, 2, 3, 4, 5, 6], a.Data);
    }

    [Fact]
    public void Big_endian_float64_is_read()
    {
        var a = Npy.Read(F8([2], [1.5, -2.25], bigEndian: true), "t.npy");
        Assert.Equal([1.5, -2.25], a.Data);
    }

    [Fact]
    public void Float32_and_integers_are_converted()
    {
        Assert.Equal([0.5, -1.25], Npy.Read(F4([2], [0.5f, -1.25f]), "t.npy").Data);
        Assert.Equal([-3.0, 7.0], Npy.Read(I8([2], [-3, 7]), "t.npy").Data);
        Assert.Equal([int.MinValue, 9.0], Npy.Read(I4([2], [int.MinValue, 9]), "t.npy").Data);
    }

    [Fact]
    public void Pipe_byte_order_is_accepted()
    {
        var bytes = Header("|u1", false, [3]).Concat(new byte[] { 0, 7, 255 }).ToArray();
        Assert.Equal([0.0, 7, 255], Npy.Read(bytes, "t.npy").Data);
    }

    [Fact]
    public void Unsupported_dtype_names_dtype_and_member()
    {
        var bytes = Header("<c16", false, [1]).Concat(new byte[16]).ToArray();
        Expect.Invalid(() => Npy.Read(bytes, "data.npz: X.npy"), "unsupported dtype '<c16' in data.npz: X.npy", "expected float64, float32 or float16");
        var text = Header("<U3", false, [1]).Concat(new byte[12]).ToArray();
        Expect.Invalid(() => Npy.Read(text, "a.npy"), "unsupported dtype '<U3' in a.npy");
    }

    [Fact]
    public void Structured_dtype_is_rejected()
    {
        var h = System.Text.Encoding.Latin1.GetBytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }\n");
        byte[] bytes = [0x93, .. "NUMPY"u8, 1, 0, (byte)h.Length, 0, .. h, .. new byte[8]];
        Expect.Invalid(() => Npy.Read(bytes, "s.npy"), "s.npy", "unsupported dtype", "structured");
    }

    [Fact]
    public void Truncated_data_is_named()
    {
        var bytes = F8([3, 3], Table);
        Expect.Invalid(() => Npy.Read(bytes.AsSpan(0, bytes.Length - 5), "t.npy"), "t.npy: truncated data", "needs 72 bytes, the file has 67");
    }

    [Fact]
    public void Truncated_header_is_named()
    {
        var bytes = F8([3, 3], Table);
        Expect.Invalid(() => Npy.Read(bytes.AsSpan(0, 30), "t.npy"), "t.npy: truncated .npy file (the header ends early)");
        Expect.Invalid(() => Npy.Read(bytes.AsSpan(0, 5), "t.npy"), "t.npy: not a NumPy .npy file");
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        byte[] bytes = [.. F8([2], [1, 2]), 0, 0, 0];
        Expect.Invalid(() => Npy.Read(bytes, "t.npy"), "t.npy: 3 unexpected bytes after the data");
    }

    [Fact]
    public void Unknown_version_and_malformed_header_are_rejected()
    {
        var bytes = F8([2], [1, 2]);
        bytes[6] = 4;
        Expect.Invalid(() => Npy.Read(bytes, "t.npy"), "t.npy: unsupported .npy format version 4.0");
        var h = System.Text.Encoding.Latin1.GetBytes("{'descr': '<f8', 'shape': (1,), }\n");
        byte[] noOrder = [0x93, .. "NUMPY"u8, 1, 0, (byte)h.Length, 0, .. h, .. new byte[8]];
        Expect.Invalid(() => Npy.Read(noOrder, "t.npy"), "t.npy: .npy header has no 'fortran_order' key");
        var g = System.Text.Encoding.Latin1.GetBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,\n");
        byte[] broken = [0x93, .. "NUMPY"u8, 1, 0, (byte)g.Length, 0, .. g, .. new byte[8]];
        Expect.Invalid(() => Npy.Read(broken, "t.npy"), "t.npy: malformed .npy header");
    }

    [Fact]
    public void Writer_output_reads_back_exactly_and_aligns_data_to_64_bytes()
    {
        var values = new[] { 1.0 / 3, -0.0, double.Epsilon, 1e300, -7.25, 42 };
        var a = new NpyArray([2, 3], values);
        var bytes = Npy.ToBytes(a);
        Assert.Equal(0, (bytes.Length - 6 * 8) % 64);
        var back = Npy.Read(bytes, "t.npy");
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), back.Data.Select(BitConverter.DoubleToInt64Bits));
        // The writer's header is also what an independent writer produces.
        Assert.Equal(Header("<f8", false, [2, 3]), bytes.Take(bytes.Length - 48).ToArray());
    }
}

public class DataLoaderNumpyTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "numpy", name);

    private static readonly double[,] KnownX = { { 1.5, -2.0 }, { 0.25, 3.0 }, { -1.0, 0.5 } };

    private static void AssertKnownX(Core.Data.Dataset data)
    {
        Assert.Equal(3, data.N);
        Assert.Equal(2, data.D);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++)
                Assert.Equal(KnownX[i, j], data.X[i, j]);
    }

    [Fact]
    public void Reads_npz_written_by_numpy()
    {
        var data = DataLoader.Load(Fixture("data_f8.npz"));
        AssertKnownX(data);
        Assert.Equal([1.0, -1.0, 0.5], data.Y.ToArray());
    }

    [Fact]
    public void Reads_compressed_fortran_float32_and_int64_npz_written_by_numpy()
    {
        var data = DataLoader.Load(Fixture("data_mixed.npz"));
        AssertKnownX(data); // every value is exact in float32
        Assert.Equal([1.0, -1.0, 2.0], data.Y.ToArray());
    }

    [Fact]
    public void Reads_npy_written_by_numpy_with_last_column_as_y()
    {
        var data = DataLoader.Load(Fixture("data_f8.npy"));
        AssertKnownX(data);
        Assert.Equal([1.0, -1.0, 0.5], data.Y.ToArray());
    }

    [Fact]
    public void Npy_target_column_selects_y()
    {
        var data = DataLoader.Load(Fixture("data_f8.npy"), new DataLoadOptions { TargetColumn = 0 });
        Assert.Equal([1.5, 0.25, -1.0], data.Y.ToArray());
        Assert.Equal([-2.0, 1.0], data.X.Row(0).ToArray());
    }

    [Fact]
    public void Npy_NaN_names_array_and_data_positions()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("data.npy", F8([2, 3], [1, 2, 3, 4, double.NaN, 6]));
        Expect.Invalid(() => DataLoader.Load(path), "data.npy: array[1,1] (X[1,1]) is NaN");
        Expect.Invalid(() => DataLoader.Load(path, new DataLoadOptions { TargetColumn = 1 }), "data.npy: array[1,1] (y[1]) is NaN");
    }

    [Fact]
    public void Npy_must_be_two_dimensional_with_two_columns()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Bytes("a.npy", F8([3], [1, 2, 3]))), "a.npy", "shape (3,)", "2-D");
        Expect.Invalid(() => DataLoader.Load(dir.Bytes("b.npy", F8([3, 1], [1, 2, 3]))), "b.npy", "1 column(s)");
        Expect.Invalid(() => DataLoader.Load(dir.Bytes("c.npy", F8([0, 3], []))), "c.npy", "no rows");
    }

    [Fact]
    public void Npz_integer_members_are_converted()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("data.npz", Zip(("X.npy", I8([2, 1], [3, -4])), ("y.npy", I4([2], [1, 0]))));
        var data = DataLoader.Load(path);
        Assert.Equal([3.0, -4.0], data.X.Column(0).ToArray());
        Assert.Equal([1.0, 0.0], data.Y.ToArray());
    }

    [Fact]
    public void Npz_y_may_be_a_column()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("data.npz", Zip(("X.npy", F8([2, 1], [1, 2])), ("y.npy", F8([2, 1], [5, 6]))));
        Assert.Equal([5.0, 6.0], DataLoader.Load(path).Y.ToArray());
    }

    [Fact]
    public void Npz_missing_member_lists_members()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("data.npz", Zip(("X.npy", F8([2, 1], [1, 2])), ("Y.npy", F8([2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(path), "data.npz: missing array 'y'", "X.npy, Y.npy");
    }

    [Fact]
    public void Npz_wrong_shapes_are_named()
    {
        using var dir = new TempDir();
        var a = dir.Bytes("a.npz", Zip(("X.npy", F8([2], [1, 2])), ("y.npy", F8([2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(a), "a.npz: X has shape (2,) but must be 2-D", "reshape(-1, 1)");
        var b = dir.Bytes("b.npz", Zip(("X.npy", F8([2, 1], [1, 2])), ("y.npy", F8([1, 2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(b), "b.npz: y has shape (1, 2)");
        var c = dir.Bytes("c.npz", Zip(("X.npy", F8([3, 1], [1, 2, 3])), ("y.npy", F8([2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(c), "c.npz: y has 2 entries but X has 3 rows");
    }

    [Fact]
    public void Npz_non_finite_is_named()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("data.npz", Zip(("X.npy", F8([2, 2], [1, 2, double.PositiveInfinity, 4])), ("y.npy", F8([2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(path), "data.npz: X[1,0] is +Inf");
    }

    [Fact]
    public void Npz_unsupported_dtype_names_the_member()
    {
        using var dir = new TempDir();
        var x = Header("<c8", false, [1, 1]).Concat(new byte[8]).ToArray();
        var path = dir.Bytes("data.npz", Zip(("X.npy", x), ("y.npy", F8([1], [5]))));
        Expect.Invalid(() => DataLoader.Load(path), "unsupported dtype '<c8' in", "data.npz: X.npy");
    }

    [Fact]
    public void Npz_truncated_member_is_named()
    {
        using var dir = new TempDir();
        var x = F8([2, 2], [1, 2, 3, 4]);
        var path = dir.Bytes("data.npz", Zip(("X.npy", x[..^8]), ("y.npy", F8([2], [5, 6]))));
        Expect.Invalid(() => DataLoader.Load(path), "data.npz: X.npy: truncated data");
    }

    [Fact]
    public void Corrupt_or_truncated_zip_is_named()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("a.npz", "this is not a zip")), "a.npz: not a valid zip (.npz) file");
        var zip = Zip(("X.npy", F8([2, 1], [1, 2])), ("y.npy", F8([2], [5, 6])));
        Expect.Invalid(() => DataLoader.Load(dir.Bytes("b.npz", zip[..(zip.Length / 2)])), "b.npz");
    }
}
