using HiddenConvex.Core.IO;

namespace HiddenConvex.Core.Tests.IO;

public class DataLoaderJsonTests
{
    [Fact]
    public void Reads_X_and_y_and_ignores_other_fields()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"name": "t", "X": [[1, 2.5], [-3e-1, 4]], "y": [0.5, -1], "beta": 0.1}""");
        var data = DataLoader.Load(path);
        Assert.Equal(2, data.N);
        Assert.Equal(2, data.D);
        Assert.Equal(2.5, data.X[0, 1]);
        Assert.Equal(-0.3, data.X[1, 0]);
        Assert.Equal(-1.0, data.Y[1]);
        Assert.Equal(path, data.Source);
    }

    [Fact]
    public void Reads_every_reference_instance()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Data", "reference");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.Equal(16, files.Length);
        foreach (var f in files)
        {
            var data = DataLoader.Load(f);
            // File names carry the shape: refNN_n{n}_d{d}_...
            var parts = Path.GetFileName(f).Split('_');
            Assert.Equal(int.Parse(parts[1][1..]), data.N);
            Assert.Equal(int.Parse(parts[2][1..]), data.D);
        }
    }

    [Fact]
    public void Extension_is_case_insensitive()
    {
        using var dir = new TempDir();
        var data = DataLoader.Load(dir.Text("DATA.JSON", """{"X": [[1]], "y": [2]}"""));
        Assert.Equal(2.0, data.Y[0]);
    }

    [Fact]
    public void Missing_file_is_named() =>
        Expect.Invalid(() => DataLoader.Load("no/such/dir/data.json"), "cannot read no/such/dir/data.json: no such file");

    [Fact]
    public void Unknown_extension_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.txt", "1,2");
        Expect.Invalid(() => DataLoader.Load(path), "data.txt", "'.txt'", ".json, .csv, .npy or .npz");
    }

    [Fact]
    public void Missing_field_lists_the_fields_present()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"x": [[1]], "y": [2]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json", "missing field \"X\"", "\"x\"");
    }

    [Fact]
    public void Missing_y_is_named()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1]]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json", "missing field \"y\"");
    }

    [Fact]
    public void Wrong_json_types_name_field_and_position()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("a.json", """{"X": 3, "y": [1]}""")), "a.json", "\"X\"", "found a number");
        Expect.Invalid(() => DataLoader.Load(dir.Text("b.json", """{"X": [[1], 2], "y": [1, 2]}""")), "b.json", "X[1]", "found a number");
        Expect.Invalid(() => DataLoader.Load(dir.Text("c.json", """{"X": [[1, "a"]], "y": [1]}""")), "c.json", "X[0,1]", "string");
        Expect.Invalid(() => DataLoader.Load(dir.Text("d.json", """{"X": [[1, null]], "y": [1]}""")), "d.json", "X[0,1]", "null");
        Expect.Invalid(() => DataLoader.Load(dir.Text("e.json", """{"X": [[1]], "y": [true]}""")), "e.json", "y[0]", "true");
        Expect.Invalid(() => DataLoader.Load(dir.Text("f.json", """[1, 2]""")), "f.json", "top level", "an array");
        Expect.Invalid(() => DataLoader.Load(dir.Text("g.json", """{"X": [[1e400]], "y": [1]}""")), "g.json", "X[0,0]", "1e400");
    }

    [Fact]
    public void Ragged_rows_are_named()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1, 2], [3, 4], [5]], "y": [1, 2, 3]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json", "X[2] has 1 entries but X[0] has 2", "ragged");
    }

    [Fact]
    public void Shape_mismatch_is_named()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1], [2], [3]], "y": [1, 2]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json", "y has 2 entries but X has 3 rows");
    }

    [Fact]
    public void Empty_data_is_rejected()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("a.json", """{"X": [], "y": []}""")), "a.json", "X is empty");
        Expect.Invalid(() => DataLoader.Load(dir.Text("b.json", """{"X": [[]], "y": [1]}""")), "b.json", "no columns");
    }

    [Fact]
    public void Bare_NaN_written_by_python_is_reported_at_its_position()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1, 2], [3, NaN]], "y": [1, -Infinity]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json: X[1,1] is NaN");
        var path2 = dir.Text("data2.json", """{"X": [[1, 2], [3, 4]], "y": [1, -Infinity]}""");
        Expect.Invalid(() => DataLoader.Load(path2), "data2.json: y[1] is -Inf");
    }

    [Fact]
    public void Quoted_non_finite_is_reported()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [["Infinity"]], "y": [1]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json: X[0,0] is +Inf");
    }

    [Fact]
    public void Malformed_json_reports_file_and_line()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", "{\"X\": [[1, 2],\n [3 4]], \"y\": [1, 2]}");
        Expect.Invalid(() => DataLoader.Load(path), "data.json: invalid JSON at line 2");
    }

    [Fact]
    public void NaN_inside_a_string_field_is_left_alone()
    {
        using var dir = new TempDir();
        // The quoting pass must not touch strings; the real error is the bare token.
        var path = dir.Text("data.json", """{"note": "NaN here", "X": [[NaN]], "y": [1]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json: X[0,0] is NaN");
    }

    [Fact]
    public void Duplicate_field_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1]], "y": [1], "y": [2]}""");
        Expect.Invalid(() => DataLoader.Load(path), "data.json", "\"y\" appears twice");
    }

    [Fact]
    public void Target_column_is_rejected_for_named_arrays()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.json", """{"X": [[1]], "y": [1]}""");
        Expect.Invalid(() => DataLoader.Load(path, new DataLoadOptions { TargetColumn = 0 }), "data.json", "target column");
    }
}

public class DataLoaderCsvTests
{
    [Fact]
    public void Reads_last_column_as_y()
    {
        using var dir = new TempDir();
        var data = DataLoader.Load(dir.Text("data.csv", "1,2,3\n4,5.5,-6e-1\n"));
        Assert.Equal(2, data.N);
        Assert.Equal(2, data.D);
        Assert.Equal(5.5, data.X[1, 1]);
        Assert.Equal(3.0, data.Y[0]);
        Assert.Equal(-0.6, data.Y[1]);
    }

    [Fact]
    public void Detects_a_header_and_accepts_crlf_spaces_quotes_and_trailing_blank_lines()
    {
        using var dir = new TempDir();
        var data = DataLoader.Load(dir.Text("data.csv", "\"x1\",\"x2\",\"y\"\r\n 1 , 2 ,3\r\n\"4\",5,6\r\n\r\n\n  \n"));
        Assert.Equal(2, data.N);
        Assert.Equal(4.0, data.X[1, 0]);
        Assert.Equal(6.0, data.Y[1]);
    }

    [Fact]
    public void Numeric_first_line_is_data_unless_told()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "1,2\n3,4\n");
        Assert.Equal(2, DataLoader.Load(path).N);
        Assert.Equal(1, DataLoader.Load(path, new DataLoadOptions { Header = true }).N);
    }

    [Fact]
    public void Header_false_makes_a_text_line_an_error_at_line_1()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "a,b\n3,4\n");
        Expect.Invalid(() => DataLoader.Load(path, new DataLoadOptions { Header = false }),
            "data.csv line 1, column 1", "X[0,0] = 'a' is not a number");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Target_column_selects_y(int column)
    {
        using var dir = new TempDir();
        var data = DataLoader.Load(dir.Text("data.csv", "10,1,2\n20,3,4\n"), new DataLoadOptions { TargetColumn = column });
        Assert.Equal([10.0, 20.0], data.Y.ToArray());
        Assert.Equal([1.0, 2.0], data.X.Row(0).ToArray());
    }

    [Fact]
    public void Middle_target_column_keeps_the_other_columns_in_order()
    {
        using var dir = new TempDir();
        var data = DataLoader.Load(dir.Text("data.csv", "1,10,2\n3,20,4\n"), new DataLoadOptions { TargetColumn = 1 });
        Assert.Equal([10.0, 20.0], data.Y.ToArray());
        Assert.Equal([3.0, 4.0], data.X.Row(1).ToArray());
    }

    [Fact]
    public void Target_column_out_of_range_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "1,2\n3,4\n");
        Expect.Invalid(() => DataLoader.Load(path, new DataLoadOptions { TargetColumn = 2 }), "data.csv", "target column 2 is out of range for 2 columns");
    }

    [Fact]
    public void NaN_names_line_column_and_position()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "x1,x2,y\n1,2,3\n4,5,6\n7,8,9\n1,nan,2\n");
        Expect.Invalid(() => DataLoader.Load(path), "data.csv line 5, column 2: X[3,1] is NaN");
    }

    [Fact]
    public void Infinite_target_names_y()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "1,2\n3,-inf\n");
        Expect.Invalid(() => DataLoader.Load(path), "data.csv line 2, column 2: y[1] is -Inf");
    }

    [Fact]
    public void Non_number_and_empty_cells_are_named()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("a.csv", "1,2\n3,x4\n")), "a.csv line 2, column 2: y[1] = 'x4' is not a number");
        Expect.Invalid(() => DataLoader.Load(dir.Text("b.csv", "1,2,3\n3,,5\n")), "b.csv line 2, column 2: X[1,1] is empty");
        // Invariant culture: a decimal comma is not a number (it would be two columns).
        Expect.Invalid(() => DataLoader.Load(dir.Text("c.csv", "1;5,2\n"), new DataLoadOptions { Header = false }),
            "c.csv line 1, column 1", "X[0,0] = '1;5' is not a number");
    }

    [Fact]
    public void Ragged_rows_are_named_by_line()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "h1,h2,h3\n1,2,3\n4,5\n");
        Expect.Invalid(() => DataLoader.Load(path), "data.csv line 3 has 2 columns but line 2 has 3", "ragged");
    }

    [Fact]
    public void Blank_line_in_the_middle_is_named()
    {
        using var dir = new TempDir();
        var path = dir.Text("data.csv", "1,2\n\n3,4\n");
        Expect.Invalid(() => DataLoader.Load(path), "data.csv line 2 is blank");
    }

    [Fact]
    public void Empty_files_and_header_only_files_are_rejected()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("a.csv", "\n\n")), "a.csv", "empty");
        Expect.Invalid(() => DataLoader.Load(dir.Text("b.csv", "x,y\n")), "b.csv", "no data rows");
    }

    [Fact]
    public void Single_column_is_rejected()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("data.csv", "1\n2\n")), "data.csv line 1 has 1 column");
    }

    [Fact]
    public void Header_with_another_column_count_is_rejected()
    {
        using var dir = new TempDir();
        Expect.Invalid(() => DataLoader.Load(dir.Text("data.csv", "a,b\n1,2,3\n")), "data.csv", "header (line 1) has 2 columns but line 2 has 3");
    }
}
