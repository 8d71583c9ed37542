using HiddenConvex.Core.Arrangements;

namespace HiddenConvex.Core.Tests.Arrangements;

/// <summary>
/// The incremental cell builder under the exact enumeration (THEORY.md §2) on arrangements whose
/// cells and witnesses are known: coordinate hyperplanes (orthants) and lines in the plane.
/// </summary>
public class IncrementalArrangementTests
{
    private static IncrementalArrangement Build(int dim, params double[][] normals) =>
        IncrementalArrangement.Build(normals, Enumerable.Repeat(0.0, normals.Length).ToList(), dim, 1e-10, CancellationToken.None);

    private static double[] E(int dim, int k) { var e = new double[dim]; e[k] = 1; return e; }

    private static void AssertCellsAreGenuine(IncrementalArrangement a, double[][] normals)
    {
        var seen = new HashSet<string>();
        for (int c = 0; c < a.Count; c++)
        {
            var w = a.Witness(c).ToArray();
            Assert.Equal(1, Math.Sqrt(UnitNormals.Dot(w, w)), 12);
            var bits = string.Concat(normals.Select((h, j) =>
            {
                double s = UnitNormals.Dot(h, w);
                Assert.True(Math.Abs(s) > 1e-9, $"cell {c}: witness on hyperplane {j}");
                bool set = (a.Signs(c)[j >> 6] >> (j & 63) & 1UL) != 0;
                Assert.Equal(s >= 0, set);
                return set ? '1' : '0';
            }));
            Assert.True(seen.Add(bits), $"sign vector {bits} appears twice");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void CoordinateHyperplanesCutTheOrthants(int dim)
    {
        var normals = Enumerable.Range(0, dim).Select(k => E(dim, k)).ToArray();
        var a = Build(dim, normals);
        Assert.Equal(1 << dim, a.Count);
        Assert.Equal(0, a.Inconsistencies);
        AssertCellsAreGenuine(a, normals);
    }

    [Fact]
    public void WithoutHyperplanesThereIsOneCell()
    {
        var a = Build(3);
        Assert.Equal(1, a.Count);
        Assert.Equal([1.0, 0.0, 0.0], a.Witness(0).ToArray());
    }

    [Fact]
    public void PlanarSectorsHaveTheirBisectorsAsWitnesses()
    {
        // Lines with normals (1, 0) and (1, 1)/√2: rays at 90°, 135°, 270°, 315°, so sectors of 45° and 135°
        // whose bisectors lie at 112.5°, 202.5°, 292.5° and 22.5°.
        double r = Math.Sqrt(0.5);
        double[][] normals = [[1, 0], [r, r]];
        var a = Build(2, normals);
        Assert.Equal(4, a.Count);
        AssertCellsAreGenuine(a, normals);
        var angles = Enumerable.Range(0, 4).Select(c => Math.Atan2(a.Witness(c)[1], a.Witness(c)[0]) * 180 / Math.PI)
            .Select(t => Math.Round((t + 360) % 360, 9)).Order();
        Assert.Equal([22.5, 112.5, 202.5, 292.5], angles);
    }

    [Fact]
    public void ThreeHyperplanesThroughOneLineGiveSixCells()
    {
        // Planes through the x_2 axis in R^3: the planar count 2m, not Cover's 2 + m(m − 1) = 8.
        double[][] normals = [[1, 0, 0], [0, 1, 0], [Math.Sqrt(0.5), Math.Sqrt(0.5), 0]];
        var a = Build(3, normals);
        Assert.Equal(6, a.Count);
        Assert.Equal(0, a.Inconsistencies);
        AssertCellsAreGenuine(a, normals);
    }

    [Fact]
    public void ARepeatedNormalIsReportedAsInconsistent()
    {
        // The builder requires distinct hyperplanes; a repeated one cannot be stepped off (ε = 0), and the
        // self-check of the enumeration relies on this count to reject the result.
        var a = Build(3, E(3, 0), E(3, 0), E(3, 1));
        Assert.True(a.Inconsistencies > 0, "a repeated hyperplane went unnoticed");
    }
}
