using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// The cells of a network's own neurons (THEORY.md §2, §4a): every neuron lies in the closed cone of a cell of the set, and
/// every cell's witness is strictly inside it, also for neurons trained onto kinks (|x_j·u| at the rounding level of several
/// rows at once, as L-BFGS leaves them).
/// </summary>
public class NetworkCellsTests
{

    /// <summary>A unit direction orthogonal to the given rows (the null space of those rows), plus a perturbation of relative size eta.</summary>
    private static Vector<double> OnKinks(Matrix<double> x, int[] rows, Random rng, double eta)
    {
        var a = Matrix<double>.Build.DenseOfRowVectors(rows.Select(x.Row));
        var kernel = a.Kernel();
        var u = kernel.Aggregate(Vector<double>.Build.Dense(x.ColumnCount), (acc, k) => acc + ArrangementData.Normal(rng) * k);
        var noise = Vector<double>.Build.Dense(x.ColumnCount, _ => ArrangementData.Normal(rng));
        return (u.Normalize(2) + eta * noise).Normalize(2);
    }

    [Theory]
    [InlineData(1, 3, 2)]
    [InlineData(2, 4, 3)]
    [InlineData(3, 10, 5)]
    [InlineData(4, 10, 9)]
    public void EveryNeuronOnKinksLiesInTheClosedConeOfItsCellAndEveryWitnessIsInterior(int seed, int d, int kinksPerNeuron)
    {
        var rng = new Random(seed);
        int n = 200;
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng));
        var neurons = Enumerable.Range(0, 12).Select(i =>
        {
            var rows = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(Math.Min(kinksPerNeuron, d - 1)).ToArray();
            return (U: OnKinks(x, rows, rng, i % 3 == 0 ? 0 : 1e-13), Alpha: ArrangementData.Normal(rng));
        }).ToList();
        var net = Network.FromNeurons(neurons, d);
        var cells = NetworkCells.Of(net, x);
        foreach (var (u, _) in neurons)
        {
            var slot = Maps.SlotPattern(x, u, cells);
            Assert.True(Maps.InClosedCone(x, slot, u), $"neuron {u} is not in the closed cone of its slot (tolerance {Tolerances.Cone})");
        }
        foreach (var cell in cells.Cells)
        {
            Assert.Equal(cell.Pattern, ActivationPattern.OfDirection(x, cell.Witness));
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(x.Row(j).DotProduct(cell.Witness)) > Tolerances.SampledDirectionMargin * x.Row(j).L2Norm(),
                    $"witness of {cell.Pattern} within the margin of row {j}");
        }
    }

    [Fact]
    public void APushAlongKinkRowsThatNearlyCancelDoesNotCrossARowTheNeuronClears()
    {
        // u = e3 lies on the kinks of x1 = e1 and x2 = −e1 + 1e-3 e2; their push (≈ 1e-3 e2) must grow to 1e-3 before it
        // clears them, and by then it has crossed x3 = −e2 + 1e-8 e3, which u clears by 1e-8: the cell reached would not
        // contain u.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0, 0 }, { -1, 1e-3, 0 }, { 0, -1, 1e-8 }, { 0.3, 0.2, 1 } });
        var u = Vector<double>.Build.DenseOfArray([0, 0, 1]);
        var net = Network.FromNeurons([(u, 1.0)], 3);
        var cells = NetworkCells.Of(net, x);
        var slot = Maps.SlotPattern(x, u, cells);
        Assert.True(Maps.InClosedCone(x, slot, u), $"u is not in the closed cone of its slot {slot} (tolerance {Tolerances.Cone})");
        var cell = Assert.Single(cells.Cells);
        for (int j = 0; j < x.RowCount; j++)
            Assert.True(Math.Abs(x.Row(j).DotProduct(cell.Witness)) > Tolerances.SampledDirectionMargin * x.Row(j).L2Norm(),
                $"witness of {cell.Pattern} within the margin of row {j}");
    }
}
