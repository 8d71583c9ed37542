namespace HiddenConvex.Core.Numerics;

/// <summary>
/// A dot product Σ_t a_t b_t summed as in twice the working precision with a proven bound on its error (THEORY.md §4.1,
/// "Predictions summed accurately"): Dot2 of Ogita, Rump and Oishi (<i>Accurate sum and dot product</i>, SIAM J. Sci.
/// Comput. 26, 2005) — every product split exactly into h + r by an FMA, the h added by TwoSum and all errors collected —
/// has |r̂ − r| ≤ u|r| + γ_T² Σ_t |a_t b_t| over T products (T u &lt; 1). <see cref="ErrorBound"/> doubles it (the factor covers
/// |r| ≤ |r̂| + error and the rounding of the computed Σ|a_t b_t|) and adds 2^−1074 per product for products in the
/// subnormal range, where the FMA's remainder is no longer exact ("Underflow").
/// </summary>
internal struct AccurateDot
{
    private double _sum, _compensation, _magnitude;
    private long _terms;

    /// <summary>Adds a·b.</summary>
    public void Add(double a, double b)
    {
        double product = a * b;
        double productError = Math.FusedMultiplyAdd(a, b, -product);
        double next = _sum + product;
        double virtualTerm = next - _sum;
        _compensation += (_sum - (next - virtualTerm)) + (product - virtualTerm) + productError;
        _sum = next;
        _magnitude += Math.Abs(product);
        _terms++;
    }

    /// <summary>r̂: the sum rounded once.</summary>
    public readonly double Value => _sum + _compensation;

    /// <summary>A bound on |r̂ − r|: 2(u|r̂| + γ_T² Σ|a_t b_t| + T·2^−1074).</summary>
    public readonly double ErrorBound
    {
        get
        {
            double gamma = Rounding.Gamma(_terms);
            return 2 * (Rounding.Unit * Math.Abs(Value) + gamma * gamma * _magnitude + _terms * double.Epsilon);
        }
    }
}
