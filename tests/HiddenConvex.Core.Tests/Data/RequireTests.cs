using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Tests.Data;

public class RequireTests
{
    /// <summary>Counts how often it is formatted.</summary>
    private sealed class Counted
    {
        public int Formatted { get; private set; }
        public override string ToString() { Formatted++; return "x"; }
    }

    [Fact]
    public void A_failed_requirement_throws_its_interpolated_message_as_formatted()
    {
        int rows = 3;
        double value = 2.5;
        var e = Assert.Throws<InvalidInputException>(() =>
            InvalidInputException.Require(rows == 4, $"prediction has {rows} entries, {value:E1} at {rows,3}|{value,-6:F2}|"));
        Assert.Equal($"prediction has {rows} entries, {value:E1} at {rows,3}|{value,-6:F2}|", e.Message);
    }

    [Fact]
    public void A_requirement_that_holds_formats_nothing()
    {
        var counted = new Counted();
        InvalidInputException.Require(true, $"never shown: {counted}");
        Assert.Equal(0, counted.Formatted);
        Assert.Throws<InvalidInputException>(() => InvalidInputException.Require(false, $"shown: {counted}"));
        Assert.Equal(1, counted.Formatted);
    }

    [Fact]
    public void A_plain_message_is_thrown_as_given() =>
        Assert.Equal("data.csv: X[3,1] is NaN",
            Assert.Throws<InvalidInputException>(() => InvalidInputException.Require(false, "data.csv: X[3,1] is NaN")).Message);
}
