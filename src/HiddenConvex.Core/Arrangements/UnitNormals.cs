using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// Small vector helpers for hyperplane normals, shared by the exact enumeration and its checks.
/// A central hyperplane {u : a·u = 0} only depends on the direction of a up to sign, so normals
/// are kept as unit vectors and compared up to sign (THEORY.md §2).
/// </summary>
internal static class UnitNormals
{
    /// <summary>a·b.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>‖a‖₂ computed without overflow or underflow for any finite entries.</summary>
    public static double Norm(ReadOnlySpan<double> a)
    {
        double scale = 0;
        foreach (var v in a) scale = Math.Max(scale, Math.Abs(v));
        if (scale == 0) return 0;
        double s = 0;
        foreach (var v in a) { double t = v / scale; s += t * t; }
        return scale * Math.Sqrt(s);
    }

    /// <summary>a/‖a‖, or null when a = 0 (scaled first so tiny or huge entries do not under/overflow).</summary>
    public static double[]? Normalized(ReadOnlySpan<double> a)
    {
        double scale = 0;
        foreach (var v in a) scale = Math.Max(scale, Math.Abs(v));
        if (scale == 0) return null;
        var r = new double[a.Length];
        double s = 0;
        for (int i = 0; i < a.Length; i++) { r[i] = a[i] / scale; s += r[i] * r[i]; }
        double n = Math.Sqrt(s);
        for (int i = 0; i < r.Length; i++) r[i] /= n;
        return r;
    }

    /// <summary>
    /// Groups unit vectors that span the same line: b joins the group of an earlier representative a
    /// when min(‖b − a‖, ‖b + a‖) ≤ <paramref name="tolerance"/> (normally <see cref="Tolerances.HyperplaneDirection"/>).
    /// Returns the representatives (first member of each group, in input order) and, per input,
    /// its group and whether it points opposite to the representative.
    /// </summary>
    public static List<double[]> DistinctUpToSign(IReadOnlyList<double[]> unit, double tolerance, out int[] group, out bool[] opposite) =>
        DistinctUpToSign(unit, null, tolerance, out group, out opposite, out _);

    /// <summary>
    /// As above, for vectors known only up to an error bound each (<paramref name="errors"/>, null for none):
    /// a and b are one line when their distance up to sign is at most tolerance + 4 (error_a + error_b),
    /// since closer vectors cannot be told apart. Returns the representatives' error bounds too.
    /// </summary>
    public static List<double[]> DistinctUpToSign(IReadOnlyList<double[]> unit, IReadOnlyList<double>? errors, double tolerance,
        out int[] group, out bool[] opposite, out List<double> representativeErrors) =>
        DistinctUpToSign(unit, errors, tolerance, out group, out opposite, out representativeErrors, out _);

    /// <summary>
    /// As above; <paramref name="toleranceMerges"/> counts the merges of vectors farther apart than their error
    /// allowance 4 (error_a + error_b): lines that the data may well tell apart, made one by the tolerance.
    /// </summary>
    public static List<double[]> DistinctUpToSign(IReadOnlyList<double[]> unit, IReadOnlyList<double>? errors, double tolerance,
        out int[] group, out bool[] opposite, out List<double> representativeErrors, out int toleranceMerges)
    {
        representativeErrors = [];
        toleranceMerges = 0;
        var reps = new List<double[]>();
        group = new int[unit.Count];
        opposite = new bool[unit.Count];
        for (int i = 0; i < unit.Count; i++)
        {
            var b = unit[i];
            group[i] = -1;
            for (int g = 0; g < reps.Count; g++)
            {
                var a = reps[g];
                bool flip = Dot(a, b) < 0;
                double allowance = errors is null ? 0 : 4 * (representativeErrors[g] + errors[i]);
                double distance = DistanceUpToSign(a, b, flip);
                if (distance <= tolerance + allowance)
                {
                    if (distance > allowance) toleranceMerges++;
                    group[i] = g;
                    opposite[i] = flip;
                    break;
                }
            }
            if (group[i] < 0)
            {
                group[i] = reps.Count;
                reps.Add(b);
                representativeErrors.Add(errors?[i] ?? 0);
            }
        }
        return reps;
    }

    private static double DistanceUpToSign(double[] a, double[] b, bool flip)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double t = flip ? a[k] + b[k] : a[k] - b[k];
            s += t * t;
        }
        return Math.Sqrt(s);
    }
}
