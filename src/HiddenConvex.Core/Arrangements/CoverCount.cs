namespace HiddenConvex.Core.Arrangements;

/// <summary>Cover's count of the full-dimensional cells in general position (THEORY.md §2).</summary>
public static class CoverCount
{
    /// <summary>
    /// |S(X)| = 2 Σ_{k=0}^{d−1} C(n−1, k) for n ≥ 1 rows in general position in R^d (d ≥ 1).
    /// Throws <see cref="OverflowException"/> when the count does not fit in a long.
    /// </summary>
    public static long GeneralPosition(int n, int d)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        long sum = 0, binomial = 1; // C(n−1, 0)
        for (int k = 0; k < d && k <= n - 1; k++)
        {
            checked
            {
                sum += binomial;
                binomial = binomial * (n - 1 - k) / (k + 1); // exact: C(n−1, k)·(n−1−k) is divisible by k+1
            }
        }
        return checked(2 * sum);
    }
}
