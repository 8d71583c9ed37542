using System.Diagnostics;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// Limits of the m* search of THEORY.md §6 (<see cref="OptimalSet.SearchMinimumSupport"/>). Every field states its default.
/// </summary>
/// <param name="MaxSupports">Largest number of candidate supports tried (default 2 000 000).</param>
/// <param name="MaxSeconds">Wall-clock seconds after which the search stops with the bracket proven so far (default +∞).</param>
/// <param name="WholeSizesOnly">
/// A size is searched only when all its C(|active|, size) supports fit in what is left of <paramref name="MaxSupports"/>
/// (default false: the search is anytime and may stop inside a size, which can still lower the upper bound).
/// </param>
public sealed record MinimumSupportLimits(long MaxSupports = 2_000_000, double MaxSeconds = double.PositiveInfinity, bool WholeSizesOnly = false);

/// <summary>Why an m* search stopped.</summary>
public enum MinimumSupportStop
{
    /// <summary>m* is known: a support was found after every smaller size was excluded.</summary>
    Exact,
    /// <summary>The limit on the number of supports was reached (or, with whole sizes only, the next size did not fit in it).</summary>
    SupportLimit,
    /// <summary>The time limit was reached.</summary>
    TimeLimit,
    /// <summary>Every size up to rank(A) was excluded although a point of the known support exists (rounding); the bracket is still proven as stated.</summary>
    Exhausted,
}

/// <summary>
/// What an m* search proved (THEORY.md §6): <see cref="AtLeast"/> ≤ m* ≤ <see cref="AtMost"/>. The lower bound holds because
/// every support of size below it with independent columns was tried and carries no point of 𝒲* (a dependent support
/// carrying one would prune to a smaller independent one); the upper bound is the support of <see cref="T"/>, a point of 𝒲*
/// (t ≥ 0 reproducing z*). m* is known when the two agree.
/// </summary>
public sealed record MinimumSupportBounds(int AtLeast, int AtMost, Vector<double> T, long SupportsTried, double Seconds, MinimumSupportStop Stop)
{
    /// <summary>m* is known exactly (AtLeast = AtMost).</summary>
    public bool Exact => AtLeast == AtMost;

    /// <summary>m* when known, else null.</summary>
    public int? MStar => Exact ? AtMost : null;
}

public sealed partial class OptimalSet
{
    /// <summary>
    /// The column-normalised Gram matrix G_SS of a support is well conditioned when every Cholesky pivot² is at least this
    /// (κ(A_S)² within about 1e4·2^|S|); only then may the Gram test reject a support.
    /// </summary>
    private const double GramPivotFloor = 1e-4;

    /// <summary>The Gram test rejects a well-conditioned support with a coefficient below −this·max|c| (far beyond its rounding).</summary>
    private const double GramNegativeCoefficient = 1e-6;

    /// <summary>
    /// … or with a residual above this·‖z*‖ (and above <see cref="GramResidualFactor"/> times the exact test's tolerance):
    /// the residual from the Gram matrix, ‖z*‖² − cᵀb_S, loses digits to cancellation (about κ²·u·‖z*‖²), so only clearly
    /// large residuals are trusted.
    /// </summary>
    private const double GramResidualRelative = 1e-4;

    /// <summary>See <see cref="GramResidualRelative"/>.</summary>
    private const double GramResidualFactor = 1e3;

    /// <summary>Supports between two checks of the clock.</summary>
    private const int ClockStride = 64;

    /// <summary>One m* search: the Gram matrix, the bracket so far and the limits.</summary>
    private sealed class SupportSearch
    {
        private readonly OptimalSet _set;
        private readonly MinimumSupportLimits _limits;
        private readonly Vector<double>? _known;
        private readonly bool _stopBelowKnown;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int _k, _n;
        private readonly double[] _gram, _b, _columnNorm;
        private readonly double _zz, _tolerance, _gramResidual2;
        private long _tried;

        /// <summary>
        /// A search of the set within limits; with <paramref name="stopBelowKnown"/> it ends once every size below the known
        /// point's support is excluded (that point then has the minimum support), else it goes on up to rank(A).
        /// </summary>
        public SupportSearch(OptimalSet set, MinimumSupportLimits limits, Vector<double>? known, bool stopBelowKnown)
        {
            _set = set; _limits = limits; _known = known; _stopBelowKnown = stopBelowKnown;
            _k = set.Active.Count; _n = set.Z.Count;
            var gram = set.A.TransposeThisAndMultiply(set.A);
            var b = set.A.TransposeThisAndMultiply(set.Z);
            _gram = gram.ToRowMajorArray();
            _b = b.ToArray();
            _columnNorm = Enumerable.Range(0, _k).Select(i => Math.Sqrt(_gram[i * _k + i])).ToArray();
            _zz = set.Z.DotProduct(set.Z);
            _tolerance = ResidualTolerance(set.Z);
            double gramResidual = Math.Max(GramResidualRelative * Math.Sqrt(_zz), GramResidualFactor * _tolerance);
            _gramResidual2 = gramResidual * gramResidual;
        }

        public MinimumSupportBounds Run()
        {
            if (_set.Z.L2Norm() == 0) return Bounds(0, 0, Vector<double>.Build.Dense(_k), MinimumSupportStop.Exact);
            var known = KnownPoint();
            int upper = Support(known);
            int lower = 1;
            var index = new int[Math.Max(1, Math.Min(_k, _set.Rank))];
            var work = new double[index.Length * (index.Length + 2)];
            long left = _limits.MaxSupports;
            int largest = Math.Min(_set.Rank, _k);
            if (_stopBelowKnown) largest = Math.Min(largest, upper - 1);
            for (int size = 1; size <= largest; size++)
            {
                if (_limits.WholeSizesOnly && Combinations.Count(_k, size) > left) return Bounds(lower, upper, known, MinimumSupportStop.SupportLimit);
                for (int i = 0; i < size; i++) index[i] = i;
                while (true)
                {
                    if (left <= 0) return Bounds(lower, upper, known, MinimumSupportStop.SupportLimit);
                    if (_tried % ClockStride == 0 && _clock.Elapsed.TotalSeconds > _limits.MaxSeconds)
                        return Bounds(lower, upper, known, MinimumSupportStop.TimeLimit);
                    left--;
                    _tried++;
                    if (Carries(index, size, work) is { } t) return Bounds(size, size, t, MinimumSupportStop.Exact);
                    if (!Next(index, size)) break;
                }
                lower = size + 1;
            }
            // Every size up to the known support excluded contradicts the known point only by rounding (the exact test's
            // least-squares residual against its entrywise check): the known point stands, and with it m* ≤ its support.
            return lower >= upper
                ? Bounds(upper, upper, known, lower == upper ? MinimumSupportStop.Exact : MinimumSupportStop.Exhausted)
                : Bounds(lower, upper, known, MinimumSupportStop.Exhausted);
        }

        /// <summary>The bracket; a search that stops below a known point has found m* whenever the two bounds meet.</summary>
        private MinimumSupportBounds Bounds(int lower, int upper, Vector<double> t, MinimumSupportStop stop) =>
            new(lower, upper, t, _tried, _clock.Elapsed.TotalSeconds, _stopBelowKnown && lower == upper ? MinimumSupportStop.Exact : stop);

        /// <summary>The caller's point of 𝒲*, else the pruned <see cref="Point"/>, when it reproduces z*; else <see cref="Point"/> itself.</summary>
        private Vector<double> KnownPoint()
        {
            foreach (var candidate in new[] { _known, _set.Prune(_set.Point) })
                if (candidate is not null && candidate.Count == _k && candidate.Minimum() >= 0 && _set.Reproduces(candidate)) return candidate;
            return _set.Point;
        }

        private static int Support(Vector<double> t) => t.Count(v => v > 0);

        /// <summary>The next increasing index array of the given size in lexicographic order; false after the last.</summary>
        private bool Next(int[] index, int size)
        {
            int i = size - 1;
            while (i >= 0 && index[i] == _k - size + i) i--;
            if (i < 0) return false;
            index[i]++;
            for (int j = i + 1; j < size; j++) index[j] = index[j - 1] + 1;
            return true;
        }

        /// <summary>The point of 𝒲* on the support, or null: the Gram test first, the exact test for what it cannot reject.</summary>
        private Vector<double>? Carries(int[] index, int size, double[] work)
        {
            if (GramRejects(index, size, work)) return null;
            return _set.ExactSupportPoint(index.AsSpan(0, size), _tolerance);
        }

        /// <summary>
        /// True when the support is clearly not a point of 𝒲*: G_SS (column-normalised) is well conditioned and its
        /// least-squares coefficients have a clearly negative entry or leave a clearly large residual.
        /// </summary>
        private bool GramRejects(int[] index, int size, double[] work)
        {
            int s = size;
            var l = work.AsSpan(0, s * s);
            var y = work.AsSpan(s * s, s);
            for (int i = 0; i < s; i++)
            {
                int a = index[i];
                for (int j = 0; j <= i; j++)
                {
                    int c = index[j];
                    double sum = _gram[a * _k + c] / (_columnNorm[a] * _columnNorm[c]);
                    for (int m = 0; m < j; m++) sum -= l[i * s + m] * l[j * s + m];
                    if (i == j)
                    {
                        if (!(sum >= GramPivotFloor)) return false; // ill conditioned: the exact test decides
                        l[i * s + i] = Math.Sqrt(sum);
                    }
                    else l[i * s + j] = sum / l[j * s + j];
                }
            }
            double fit = 0;
            for (int i = 0; i < s; i++)
            {
                double sum = _b[index[i]] / _columnNorm[index[i]];
                for (int m = 0; m < i; m++) sum -= l[i * s + m] * y[m];
                y[i] = sum / l[i * s + i];
                fit += y[i] * y[i]; // ‖L⁻¹ r‖² = rᵀ G⁻¹ r = cᵀ b_S
            }
            if (_zz - fit > _gramResidual2) return true;
            for (int i = s - 1; i >= 0; i--)
            {
                double sum = y[i];
                for (int m = i + 1; m < s; m++) sum -= l[m * s + i] * y[m];
                y[i] = sum / l[i * s + i];
            }
            double largest = 0, smallest = double.PositiveInfinity;
            for (int i = 0; i < s; i++)
            {
                double c = y[i] / _columnNorm[index[i]];
                largest = Math.Max(largest, Math.Abs(c));
                smallest = Math.Min(smallest, c);
            }
            return smallest < -GramNegativeCoefficient * largest;
        }
    }

    /// <summary>The exact test's residual tolerance: ‖A_S c − z*‖ ≤ <see cref="Tolerances.Prediction"/> at ‖z*‖∞, times √n.</summary>
    private static double ResidualTolerance(Vector<double> z) => Tolerances.Prediction.At(z.AbsoluteMaximum()) * Math.Sqrt(z.Count);

    /// <summary>t reproduces z* entrywise within <see cref="Tolerances.Prediction"/> at the scale ‖z*‖∞.</summary>
    private bool Reproduces(Vector<double> t) => (A * t - Z).AbsoluteMaximum() <= Tolerances.Prediction.At(Z.AbsoluteMaximum());

    /// <summary>
    /// The exact test of a support S: independent columns (rank of A_S, singular values above <see cref="RankTolerance"/>
    /// times the largest), least-squares coefficients c ≥ 0 (none below −<see cref="NegativeCoefficient"/>·max|c|) and
    /// ‖A_S c − z*‖ within the tolerance; the point t (c on S, clipped at 0) or null. A_S = QR (thin), so the singular
    /// values and the least-squares solution come from the |S|×|S| factor R.
    /// </summary>
    private Vector<double>? ExactSupportPoint(ReadOnlySpan<int> support, double tolerance)
    {
        int size = support.Length;
        var sub = Matrix<double>.Build.Dense(A.RowCount, size);
        for (int i = 0; i < size; i++) sub.SetColumn(i, A.Column(support[i]));
        var qr = sub.QR(QRMethod.Thin);
        var svd = qr.R.Svd(true);
        if (svd.S.Count(v => v > RankTolerance * svd.S[0]) < size) return null;
        var coef = svd.Solve(qr.Q.TransposeThisAndMultiply(Z));
        if (coef.Minimum() < -NegativeCoefficient * coef.AbsoluteMaximum()) return null;
        if ((sub * coef - Z).L2Norm() > tolerance) return null;
        var t = Vector<double>.Build.Dense(Active.Count);
        for (int i = 0; i < size; i++) t[support[i]] = Math.Max(0, coef[i]);
        return t;
    }
}
