using HiddenConvex.Core.Convex;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier's vectorised Cholesky factorisation (trailing-row updates in SIMD lanes, used from n = 32 on: the n×n
/// Woodbury coupling of THEORY.md §3) gives the row-by-row factor bit for bit, so the solver's path does not depend on it.
/// </summary>
public class BarrierCholeskyTests
{
    /// <summary>I + S K S as the coupling has it: K = G Gᵀ of rank r, S with entries over many orders of magnitude.</summary>
    private static double[] Coupling(int n, int rank, double spread, int seed)
    {
        var rng = new Random(seed);
        var g = new double[n * rank];
        for (int i = 0; i < g.Length; i++) g[i] = TestProblems.Normal(rng);
        var s = Enumerable.Range(0, n).Select(_ => Math.Pow(10, spread * rng.NextDouble())).ToArray();
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double k = 0;
                for (int c = 0; c < rank; c++) k += g[i * rank + c] * g[j * rank + c];
                a[i * n + j] = a[j * n + i] = s[i] * k * s[j] + (i == j ? 1 : 0);
            }
        return a;
    }

    [Theory]
    [InlineData(32, 3, 0.0, 1)]
    [InlineData(57, 2, 4.0, 2)]   // the (400, 2) kind: rank-2 pattern couplings, curvatures over 4 orders
    [InlineData(100, 40, 8.0, 3)]
    [InlineData(131, 131, 1.0, 4)]
    public void TrailingRowUpdatesGiveTheRowByRowFactorExactly(int n, int rank, double spread, int seed)
    {
        var a = Coupling(n, rank, spread, seed);
        var byRows = new double[n * n];
        var byTrailing = new double[n * n];
        Assert.True(BarrierRun.CholeskyByRows(a, byRows, n), "the row-by-row factorisation failed on a positive definite matrix");
        Assert.True(BarrierRun.CholeskyByTrailingRows(a, byTrailing, n), "the trailing-row factorisation failed on a positive definite matrix");
        int differ = Enumerable.Range(0, n * n).Count(i => BitConverter.DoubleToInt64Bits(byRows[i]) != BitConverter.DoubleToInt64Bits(byTrailing[i]));
        Assert.True(differ == 0, $"{differ} of {n * n} entries of the factors differ (n = {n}, rank {rank}, curvature spread 1e{spread})");
    }

    [Fact]
    public void BothRefuseAnIndefiniteMatrixAtTheSamePivot()
    {
        int n = 40;
        var a = Coupling(n, 5, 0, 5);
        a[17 * n + 17] = -1; // a negative diagonal entry: no Cholesky factor
        Assert.False(BarrierRun.CholeskyByRows(a, new double[n * n], n));
        Assert.False(BarrierRun.CholeskyByTrailingRows(a, new double[n * n], n));
    }
}
