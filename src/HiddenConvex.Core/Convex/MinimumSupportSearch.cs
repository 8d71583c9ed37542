using System.Diagnostics;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

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
        private readonly SupportScratch _scratch;

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
            _scratch = new SupportScratch(set.A.ToColumnMajorArray(), _n, Math.Max(1, Math.Min(_k, set.Rank)));
        }

        public MinimumSupportBounds Run()
        {
            if (Norms.Euclidean(_set.Z) == 0) return Bounds(0, 0, Vector<double>.Build.Dense(_k), MinimumSupportStop.Exact);
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
            return _set.ExactSupportPoint(index.AsSpan(0, size), _tolerance, _scratch);
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
    /// ‖A_S c − z*‖ within the tolerance; the point t (c on S, clipped at 0) or null. A_S = QR by Householder reflections,
    /// so the singular values (one-sided Jacobi on the |S|×|S| factor R) and the least-squares solution R⁻¹Qᵀz* come
    /// from R; allocation-free apart from the returned point (<see cref="SupportScratch"/>).
    /// </summary>
    private Vector<double>? ExactSupportPoint(ReadOnlySpan<int> support, double tolerance, SupportScratch scratch)
    {
        int size = support.Length, n = A.RowCount;
        var q = scratch.Q;
        var b = scratch.B;
        var columns = scratch.Columns;
        for (int i = 0; i < size; i++) columns.AsSpan(support[i] * n, n).CopyTo(q.AsSpan(i * n, n));
        for (int j = 0; j < n; j++) b[j] = Z[j];
        var r = scratch.R;
        Array.Clear(r, 0, size * size);
        for (int c = 0; c < size; c++)
        {
            var col = q.AsSpan(c * n, n);
            double norm = 0;
            for (int j = c; j < n; j++) norm += col[j] * col[j];
            norm = Math.Sqrt(norm);
            double alpha = col[c] > 0 ? -norm : norm;
            if (norm > 0)
            {
                col[c] -= alpha; // Householder vector v = x − αe_c in place
                double vv = 0;
                for (int j = c; j < n; j++) vv += col[j] * col[j];
                for (int cc = c + 1; cc < size; cc++) Reflect(col, q.AsSpan(cc * n, n), c, vv);
                Reflect(col, b, c, vv);
            }
            r[c * size + c] = alpha;
            for (int cc = c + 1; cc < size; cc++) r[c * size + cc] = q[cc * n + c];
        }
        if (!FullRank(r, size, scratch.Jacobi)) return null;
        var coef = scratch.Coefficients;
        for (int i = size - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < size; k++) sum -= r[i * size + k] * coef[k];
            coef[i] = sum / r[i * size + i];
        }
        double largest = 0, smallest = double.PositiveInfinity;
        for (int i = 0; i < size; i++) { largest = Math.Max(largest, Math.Abs(coef[i])); smallest = Math.Min(smallest, coef[i]); }
        if (smallest < -NegativeCoefficient * largest) return null;
        double residual = 0;
        for (int j = 0; j < n; j++)
        {
            double e = -Z[j];
            for (int i = 0; i < size; i++) e += columns[support[i] * n + j] * coef[i];
            residual += e * e;
        }
        if (Math.Sqrt(residual) > tolerance) return null;
        var t = Vector<double>.Build.Dense(Active.Count);
        for (int i = 0; i < size; i++) t[support[i]] = Math.Max(0, coef[i]);
        return t;
    }

    /// <summary>y ← (I − 2vvᵀ/vᵀv) y on rows from <paramref name="from"/> on.</summary>
    private static void Reflect(ReadOnlySpan<double> v, Span<double> y, int from, double vv)
    {
        double dot = 0;
        for (int j = from; j < v.Length; j++) dot += v[j] * y[j];
        double f = 2 * dot / vv;
        for (int j = from; j < v.Length; j++) y[j] -= f * v[j];
    }

    /// <summary>Sweeps of one-sided Jacobi before the singular values count as converged (they converge quadratically).</summary>
    private const int JacobiSweeps = 60;

    /// <summary>
    /// Whether the s×s upper-triangular R (row-major) has every singular value above <see cref="RankTolerance"/> times the
    /// largest: one-sided Jacobi (rotations that make the columns of a copy of R orthogonal; the column norms are then the
    /// singular values, to high relative accuracy).
    /// </summary>
    private static bool FullRank(double[] r, int s, double[] u)
    {
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++) u[j * s + i] = r[i * s + j]; // column-major copy
        for (int sweep = 0; sweep < JacobiSweeps; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < s - 1; p++)
                for (int k = p + 1; k < s; k++)
                {
                    var cp = u.AsSpan(p * s, s);
                    var ck = u.AsSpan(k * s, s);
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < s; i++) { alpha += cp[i] * cp[i]; beta += ck[i] * ck[i]; gamma += cp[i] * ck[i]; }
                    if (Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double tan = Math.Sign(zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    if (zeta == 0) tan = 1;
                    double cos = 1 / Math.Sqrt(1 + tan * tan), sin = cos * tan;
                    for (int i = 0; i < s; i++)
                    {
                        double a = cp[i], c = ck[i];
                        cp[i] = cos * a - sin * c;
                        ck[i] = sin * a + cos * c;
                    }
                }
            if (!rotated) break;
        }
        double top = 0, bottom = double.PositiveInfinity;
        for (int i = 0; i < s; i++)
        {
            double norm = 0;
            for (int k = 0; k < s; k++) norm += u[i * s + k] * u[i * s + k];
            norm = Math.Sqrt(norm);
            top = Math.Max(top, norm);
            bottom = Math.Min(bottom, norm);
        }
        return top > 0 && bottom > RankTolerance * top;
    }

    /// <summary>Work arrays of the exact support test, sized for the largest support searched.</summary>
    private sealed class SupportScratch(double[] columns, int n, int size)
    {
        /// <summary>A, column-major.</summary>
        public readonly double[] Columns = columns;
        public readonly double[] Q = new double[n * size], B = new double[n], R = new double[size * size], Jacobi = new double[size * size],
            Coefficients = new double[size];
    }
}
