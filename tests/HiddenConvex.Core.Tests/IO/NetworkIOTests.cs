using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.IO.NpyFixture;

namespace HiddenConvex.Core.Tests.IO;

public class NetworkIOTests
{
    private static Network Sample() => Network.Create(
        Matrix<double>.Build.DenseOfArray(new[,] { { 0.1, -1.0 / 3 }, { 2e-300, 1e300 }, { 0, 0 } }),
        Vector<double>.Build.DenseOfArray([Math.PI, -0.0, 0]));

    private static void AssertBitIdentical(Network a, Network b)
    {
        Assert.Equal(a.Width, b.Width);
        Assert.Equal(a.InputDim, b.InputDim);
        Assert.Equal(a.U.ToRowMajorArray().Select(BitConverter.DoubleToInt64Bits), b.U.ToRowMajorArray().Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(a.Alpha.Select(BitConverter.DoubleToInt64Bits), b.Alpha.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData("net.json")]
    [InlineData("net.npz")]
    public void Round_trip_is_exact(string name)
    {
        using var dir = new TempDir();
        var path = dir.File(name);
        NetworkIO.Save(Sample(), path, force: false);
        AssertBitIdentical(Sample(), NetworkIO.Load(path));
    }

    [Theory]
    [InlineData("net.json")]
    [InlineData("net.npz")]
    public void Refuses_to_overwrite_unless_forced(string name)
    {
        using var dir = new TempDir();
        var path = dir.Text(name, "keep me");
        var refused = Assert.Throws<OutputExistsException>(() => NetworkIO.Save(Sample(), path, force: false));
        Assert.Equal(path, refused.Path);
        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(path));
        NetworkIO.Save(Sample(), path, force: true);
        AssertBitIdentical(Sample(), NetworkIO.Load(path));
    }

    [Fact]
    public void Creates_missing_directories()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "a", "b", "net.json");
        NetworkIO.Save(Sample(), path, force: false);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Width_zero_round_trips_through_npz_only()
    {
        using var dir = new TempDir();
        var empty = Network.Empty(4);
        var npz = dir.File("empty.npz");
        NetworkIO.Save(empty, npz, force: false);
        var back = NetworkIO.Load(npz);
        Assert.Equal(0, back.Width);
        Assert.Equal(4, back.InputDim);
        Expect.Invalid(() => NetworkIO.Save(empty, dir.File("empty.json"), force: false), "empty.json", "width-0", ".npz");
        Assert.False(File.Exists(dir.File("empty.json")));
    }

    [Fact]
    public void Reads_npz_written_by_numpy_with_alpha_as_a_column()
    {
        var net = NetworkIO.Load(Path.Combine(AppContext.BaseDirectory, "Data", "numpy", "network.npz"));
        Assert.Equal(3, net.Width);
        Assert.Equal(2, net.InputDim);
        Assert.Equal([0.5, -1.0, 2.0, 0.0, 0.0, 0.0], net.U.ToRowMajorArray());
        Assert.Equal([1.25, -0.5, 0.0], net.Alpha.ToArray());
    }

    [Fact]
    public void Accepts_alpha_as_a_row_like_a_pytorch_output_layer()
    {
        using var dir = new TempDir();
        var path = dir.Bytes("net.npz", Zip(("U.npy", F8([2, 1], [1, 2])), ("alpha.npy", F8([1, 2], [3, 4]))));
        Assert.Equal([3.0, 4.0], NetworkIO.Load(path).Alpha.ToArray());
    }

    [Fact]
    public void Json_errors_name_file_field_and_position()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => NetworkIO.Load(dir.Text("a.json", """{"U": [[1, 2]], "a": [1]}""")), "a.json", "missing field \"alpha\"", "\"a\"");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("b.json", """{"U": [[1, 2]], "alpha": [1, 2]}""")), "b.json", "alpha has 2 entries but U has 1 rows");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("c.json", """{"U": [[1, 2], [3]], "alpha": [1, 2]}""")), "c.json", "U[1] has 1 entries", "ragged");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("d.json", """{"U": [[1, NaN]], "alpha": [1]}""")), "d.json: U[0,1] is NaN");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("e.json", """{"U": [], "alpha": []}""")), "e.json", "U is empty");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("f.json", """{"U": [[1]], "alpha": 1}""")), "f.json", "\"alpha\" must be an array");
        Expect.Invalid(() => NetworkIO.Load(dir.File("missing.json")), "cannot read", "missing.json: no such file");
    }

    [Fact]
    public void Npz_errors_name_file_and_field()
    {
        using var dir = new TempDir();
        var a = dir.Bytes("a.npz", Zip(("U.npy", F8([2, 1], [1, 2]))));
        Expect.Invalid(() => NetworkIO.Load(a), "a.npz: missing array 'alpha'");
        var b = dir.Bytes("b.npz", Zip(("U.npy", F8([2, 1], [1, 2])), ("alpha.npy", F8([2, 2], [1, 2, 3, 4]))));
        Expect.Invalid(() => NetworkIO.Load(b), "b.npz: alpha has shape (2, 2)");
        var c = dir.Bytes("c.npz", Zip(("U.npy", F8([2, 1], [1, double.NaN])), ("alpha.npy", F8([2], [1, 2]))));
        Expect.Invalid(() => NetworkIO.Load(c), "c.npz: U[1,0] is NaN");
    }

    [Fact]
    public void Unknown_extension_is_rejected()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => NetworkIO.Save(Sample(), dir.File("net.pt"), false), "net.pt", "'.pt'");
        Expect.Invalid(() => NetworkIO.Load(dir.Text("net.csv", "1,2")), "net.csv", "'.csv'");
    }

    [Fact]
    public void Saving_over_a_directory_is_an_input_error()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("x.json"));
        Expect.Invalid(() => NetworkIO.Save(Sample(), dir.File("x.json"), force: true), "cannot write", "x.json", "directory");
    }
}

public class FileNameTests
{
    [Fact]
    public void A_file_without_extension_is_named_as_such()
    {
        using var dir = new TempDir();
        var path = dir.Text("data", "1,2");
        Expect.Invalid(() => DataLoader.Load(path), "unknown data format (no extension)");
        Expect.Invalid(() => NetworkIO.Load(path), "unknown network format (no extension)");
    }

    [Fact]
    public void A_directory_is_not_a_data_file()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("d.csv"));
        Expect.Invalid(() => DataLoader.Load(dir.File("d.csv")), "cannot read", "d.csv: it is a directory");
    }
}
