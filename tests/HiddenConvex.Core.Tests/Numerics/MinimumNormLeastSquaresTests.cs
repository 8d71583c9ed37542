using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Numerics;

public class MinimumNormLeastSquaresTests
{
    /// <summary>
    /// A nonsingular system whose rows and columns are scaled 1e14 apart (as the dual polish's Newton system is on rows 1e8
    /// apart in norm): the plain solve's relative cutoff drops the small directions, the equilibrated solve keeps them.
    /// </summary>
    [Fact]
    public void An_equilibrated_solve_keeps_the_directions_a_relative_cutoff_drops_from_a_badly_scaled_system()
    {
        var well = Matrix<double>.Build.DenseOfArray(new double[,] { { 2, 1, 0 }, { 1, 3, 1 }, { 0, 1, 4 } });
        var scales = Vector<double>.Build.DenseOfArray([1e7, 1, 1e-7]);
        var m = Matrix<double>.Build.Dense(3, 3, (i, j) => scales[i] * well[i, j] * scales[j]);
        var x = Vector<double>.Build.DenseOfArray([1e-7, 2, -3e7]); // x = S⁻¹ (1, 2, −3)
        var rhs = m * x;

        var plain = MinimumNormLeastSquares.Solve(m, rhs, Tolerances.RelativeRank);
        var equilibrated = MinimumNormLeastSquares.SolveEquilibrated(m, rhs, Tolerances.RelativeRank);

        Assert.True((plain - x).AbsoluteMaximum() > 0.5 * x.AbsoluteMaximum(), $"the plain solve recovered x: {plain}");
        for (int i = 0; i < 3; i++) Assert.Equal(x[i], equilibrated[i], Math.Abs(x[i]) * 1e-12);
    }

    [Fact]
    public void A_singular_system_gets_its_minimum_norm_solution_in_the_equilibrated_variables_and_solves_the_system()
    {
        // Two equal columns (two blocks on one face): any split of their sum solves it.
        var m = Matrix<double>.Build.DenseOfArray(new double[,] { { 1e6, 1e6 }, { 2e6, 2e6 } });
        var rhs = Vector<double>.Build.DenseOfArray([3e6, 6e6]);
        var x = MinimumNormLeastSquares.SolveEquilibrated(m, rhs, Tolerances.RelativeRank);
        Assert.Equal(1.5, x[0], 1e-12);
        Assert.Equal(1.5, x[1], 1e-12);
    }

    [Fact]
    public void A_zero_row_or_column_is_left_alone()
    {
        var m = Matrix<double>.Build.DenseOfArray(new double[,] { { 4, 0 }, { 0, 0 } });
        var x = MinimumNormLeastSquares.SolveEquilibrated(m, Vector<double>.Build.DenseOfArray([8, 0]), Tolerances.RelativeRank);
        Assert.Equal(2.0, x[0], 1e-15);
        Assert.Equal(0.0, x[1]);
    }
}
