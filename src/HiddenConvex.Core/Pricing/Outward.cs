namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Upward-rounded binary64 arithmetic for the proven upper bound of <see cref="BranchAndBoundPricing"/>: every
/// function returns a double that is at least the exact real result of the operation on its (exact) double arguments.
/// </summary>
/// <remarks>
/// Scalars: a round-to-nearest result is within half an ulp of the exact value (also in the subnormal range, where
/// the error is at most 2^−1075), so the next double up, <see cref="Math.BitIncrement"/>, is an upper bound.
/// Sums of many terms (<see cref="SoundSum"/>) use the a-priori bound of recursive summation of T products,
/// |fl(Σ_t p_t) − Σ_t p_t| ≤ γ_T Σ_t |p_t| + T·2^−1074 with γ_T = T u / (1 − T u), u = 2^−53 (Higham, Accuracy and
/// Stability of Numerical Algorithms, §3.1, with the underflow term of §2.1).
/// </remarks>
internal static class Outward
{
    /// <summary>The unit roundoff u = 2^−53 of binary64.</summary>
    public const double UnitRoundoff = 1.0 / 9007199254740992.0;

    /// <summary>The smallest positive subnormal double, 2^−1074: an upper bound on the absolute error of underflow.</summary>
    public const double Underflow = double.Epsilon;

    /// <summary>γ_k = k u / (1 − k u), valid for k u &lt; 1.</summary>
    public static double Gamma(int k) => k * UnitRoundoff / (1 - k * UnitRoundoff);

    /// <summary>An upper bound on a + b (exact when either is zero).</summary>
    public static double Add(double a, double b) => a == 0 ? b : b == 0 ? a : Math.BitIncrement(a + b);

    /// <summary>An upper bound on a − b (exact when b is zero).</summary>
    public static double Sub(double a, double b) => b == 0 ? a : Math.BitIncrement(a - b);

    /// <summary>An upper bound on a·b for a, b ≥ 0 (exact when either is zero).</summary>
    public static double Mul(double a, double b) => a == 0 || b == 0 ? 0 : Math.BitIncrement(a * b);

    /// <summary>An upper bound on √a for a ≥ 0 (the square root is correctly rounded).</summary>
    public static double Sqrt(double a) => Math.BitIncrement(Math.Sqrt(a));

    /// <summary>
    /// An upper bound on ‖r′‖ for every vector r′ with |r′_k − r_k| ≤ err_k: ‖r′‖ ≤ ‖(|r_k| + err_k)_k‖, each
    /// operation rounded up.
    /// </summary>
    public static double Norm(ReadOnlySpan<double> r, ReadOnlySpan<double> err)
    {
        double s = 0;
        for (int k = 0; k < r.Length; k++)
        {
            double t = Add(Math.Abs(r[k]), err[k]);
            s = Add(s, Mul(t, t));
        }
        return Sqrt(s);
    }
}

/// <summary>
/// A vector r = Σ_t c_t x_{j_t} accumulated in floating point together with a componentwise bound on its rounding
/// error (see <see cref="Outward"/>): after <see cref="NormUpper()"/>, the exact ‖Σ_t c_t x_{j_t}‖ of the listed doubles
/// c_t and rows x_j is at most the returned value.
/// </summary>
internal sealed class SoundSum
{
    private readonly double[] _x;
    private readonly int _d;
    private readonly double[] _sum, _abs, _err;
    private int _terms;

    /// <summary>A workspace for sums of rows of the row-major matrix <paramref name="x"/> (n×d, not copied).</summary>
    public SoundSum(double[] x, int d)
    {
        _x = x; _d = d;
        _sum = new double[d]; _abs = new double[d]; _err = new double[d];
    }

    /// <summary>The floating-point sum so far.</summary>
    public ReadOnlySpan<double> Value => _sum;

    /// <summary>Starts a new sum at zero.</summary>
    public void Clear()
    {
        Array.Clear(_sum); Array.Clear(_abs);
        _terms = 0;
    }

    /// <summary>Adds c·x_j.</summary>
    public void Add(double c, int row)
    {
        if (c == 0) return;
        int o = row * _d;
        for (int k = 0; k < _d; k++)
        {
            double p = c * _x[o + k];
            _sum[k] += p;
            _abs[k] += Math.Abs(p);
        }
        _terms++;
    }

    /// <summary>An upper bound on the exact norm of the exact sum of the added terms.</summary>
    public double NormUpper() => NormUpper(_sum, _abs, _terms);

    /// <summary>An upper bound on ‖exact sum − <see cref="Value"/>‖ (the rounding error of the sum, see <see cref="NormUpper(ReadOnlySpan{double}, ReadOnlySpan{double}, int)"/>).</summary>
    public double ErrorNormUpper()
    {
        if (_terms == 0) return 0;
        double gamma = 2 * Outward.Gamma(_terms + 4), underflow = (_terms + 1) * Outward.Underflow, s = 0;
        for (int k = 0; k < _d; k++)
        {
            double e = Outward.Add(Outward.Mul(gamma, _abs[k]), underflow);
            s = Outward.Add(s, Outward.Mul(e, e));
        }
        return Outward.Sqrt(s);
    }

    /// <summary>
    /// An upper bound on ‖r‖ for the exact sum r of T terms whose floating-point sum is <paramref name="sum"/> and whose
    /// floating-point sum of absolute values is <paramref name="abs"/> (both accumulated term by term in the same order).
    /// </summary>
    /// <remarks>
    /// |r_k − sum_k| ≤ γ_T Σ|p_t| + T·2^−1074 and Σ|p_t| ≤ abs_k/(1 − γ_{T+1}), so e_k = 2γ_{T+4}·abs_k + (T+1)·2^−1074, computed
    /// in floating point, bounds the error (the factor 2 absorbs the rounding of e_k itself). The norm of (|sum_k| + e_k)_k is
    /// computed in floating point with d + 2 roundings per term, each relative at most u, and multiplied by 1 + 2γ_{d+8}
    /// before a last step up, which covers them.
    /// </remarks>
    public static double NormUpper(ReadOnlySpan<double> sum, ReadOnlySpan<double> abs, int terms)
    {
        if (terms == 0) return 0; // an empty sum is exactly zero
        double gamma = 2 * Outward.Gamma(terms + 4), underflow = (terms + 1) * Outward.Underflow;
        int d = sum.Length;
        Span<double> t = d <= 256 ? stackalloc double[d] : new double[d];
        double largest = 0;
        for (int k = 0; k < d; k++)
        {
            t[k] = Math.Abs(sum[k]) + (gamma * abs[k] + underflow);
            largest = Math.Max(largest, t[k]);
        }
        // Scaling by a power of two is exact, so the squares neither underflow nor overflow.
        int e = Math.ILogB(largest);
        double s = 0;
        for (int k = 0; k < d; k++) { double a = Math.ScaleB(t[k], -e); s += a * a; }
        return Math.BitIncrement(Math.ScaleB(Math.Sqrt(s) * (1 + 2 * Outward.Gamma(d + 8)), e));
    }
}
