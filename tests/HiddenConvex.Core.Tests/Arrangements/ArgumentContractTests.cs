using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// A missing argument is named (ArgumentNullException with the parameter's name), never a NullReferenceException
/// from deep inside; a non-finite entry of X is reported with the name of the matrix.
/// </summary>
public class ArgumentContractTests
{
    [Fact]
    public void EnumerationNamesAMissingMatrix() =>
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => CellEnumerator.Enumerate(null!)).ParamName);

    [Fact]
    public void EnumerationNamesTheMatrixWithANonFiniteEntry()
    {
        var x = Matrix<double>.Build.DenseOfArray(new[,] { { 1.0, 0 }, { 0, double.NaN } });
        var e = Assert.Throws<InvalidInputException>(() => CellEnumerator.Enumerate(x));
        Assert.Contains("X[1,1]", e.Message);
    }

    [Fact]
    public void TheMarginCheckNamesItsMissingArguments()
    {
        var x = Matrix<double>.Build.DenseOfArray(new[,] { { 1.0, 0 }, { 0, 1.0 } });
        var set = CellEnumerator.Enumerate(x);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => CellEnumerator.MinimumRelativeMargin(null!, set)).ParamName);
        Assert.Equal("set", Assert.Throws<ArgumentNullException>(() => CellEnumerator.MinimumRelativeMargin(x, null!)).ParamName);
    }

    [Fact]
    public void TheRowSpaceNamesAMissingMatrix() =>
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => RowSpace.Of(null!)).ParamName);
}
