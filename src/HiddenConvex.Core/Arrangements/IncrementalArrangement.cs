using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// The full-dimensional cells of a central arrangement of distinct hyperplanes {w : h_j·w = 0}
/// in R^dim (unit normals h_j, pairwise distinct up to sign), each with a unit interior witness
/// and its sign vector (bit j set when h_j·w ≥ 0). Used by <see cref="CellEnumerator"/> (THEORY.md §2).
/// </summary>
/// <remarks>
/// Hyperplanes are inserted one at a time. Inserting h_k splits exactly the cells whose interior
/// meets h_k, and those correspond one to one to the full-dimensional cells of the restricted
/// arrangement {h_j ∩ h_k : j &lt; k} inside h_k, an arrangement of dimension dim − 1 that is built
/// by the same procedure. A witness w of a restricted cell lies in h_k and in the interior of the
/// cell it splits, so its sign vector finds that cell in a hash table; the two halves get the
/// witnesses w ± ε h_k with ε = min_j |h_j·w| / (1 + |h_j·h_k|), which keeps every sign of w and
/// makes the distance to h_k equal to the guaranteed distance to the others. A cell that h_k does
/// not split keeps its witness: its distance to h_k is at least its distance to its own boundary.
/// In the plane the cells are the sectors between consecutive lines, with their bisectors as witnesses.
/// Witnesses and sign vectors are stored flat (stride dim and words) to keep the inner loops cache-friendly.
/// </remarks>
internal sealed class IncrementalArrangement
{
    private readonly IReadOnlyList<double[]> _normals;
    private readonly IReadOnlyList<double> _errors;
    private readonly double _tolerance;
    private readonly int _dim;
    private readonly int _words;
    private double[] _witnesses;
    private ulong[] _signs;
    private ulong[] _hashes;
    private readonly ulong[] _probe;
    private int[] _table = [];

    /// <summary>Number of cells.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Numerical events that exact arithmetic rules out: a restricted cell that found no cell or one
    /// already split, a zero step ε, or two cells with one sign vector. Zero on every healthy input.
    /// </summary>
    public int Inconsistencies { get; private set; }

    /// <summary>
    /// Intersections h_j ∩ h_k merged by the tolerance although farther apart than their error bounds, at any depth:
    /// nearly concurrent hyperplanes taken as concurrent, so the thin cells between them are not built.
    /// </summary>
    public int ToleranceMerges { get; private set; }

    /// <summary>The unit interior witness of cell i.</summary>
    public ReadOnlySpan<double> Witness(int i) => _witnesses.AsSpan(i * _dim, _dim);

    /// <summary>The sign vector of cell i: bit j set when h_j·w ≥ 0 for its witness w.</summary>
    public ReadOnlySpan<ulong> Signs(int i) => _signs.AsSpan(i * _words, _words);

    private IncrementalArrangement(IReadOnlyList<double[]> normals, IReadOnlyList<double> errors, int dim, double tolerance, int capacity)
    {
        _normals = normals;
        _errors = errors;
        _tolerance = tolerance;
        _dim = dim;
        _words = (normals.Count + 63) >> 6;
        _probe = new ulong[_words];
        _witnesses = new double[Math.Max(1, ArraySize.Product("the cell witnesses (cells × d)", capacity, dim))];
        _signs = new ulong[Math.Max(1, ArraySize.Product("the cell sign vectors (cells × words)", capacity, _words))];
        _hashes = new ulong[Math.Max(1, capacity)];
    }

    /// <summary>
    /// Builds the cells of the arrangement of <paramref name="normals"/> in R^<paramref name="dim"/>, each
    /// normal known up to an error bound (<paramref name="errors"/>, the rounding of the data). Restricted
    /// normals closer than <paramref name="tolerance"/> plus their error bounds up to sign are one hyperplane:
    /// projecting h_j onto h_k^⊥ divides its error by sin∠(h_j, h_k), so exact coincidences of the data
    /// (several hyperplanes through one subspace) stay recognisable at every depth of the recursion.
    /// </summary>
    public static IncrementalArrangement Build(IReadOnlyList<double[]> normals, IReadOnlyList<double> errors, int dim, double tolerance,
        CancellationToken cancellationToken)
    {
        int capacity = CellBound(normals.Count, dim, 1 << 16);
        var a = new IncrementalArrangement(normals, errors, dim, tolerance, capacity);
        if (dim == 2)
        {
            a.BuildPlanar();
            return a;
        }
        var start = new double[dim];
        if (dim > 0) start[0] = 1;
        a.AddCell(start, 0);
        for (int k = 0; k < normals.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            a.Insert(k, cancellationToken);
        }
        return a;
    }

    /// <summary>min(cap, Cover's bound 2 Σ_{k&lt;dim} C(m−1, k)) on the number of cells of m hyperplanes in R^dim.</summary>
    private static int CellBound(int m, int dim, int cap)
    {
        if (m == 0 || dim == 0) return 1;
        long sum = 0, binomial = 1;
        for (int k = 0; k < dim && k <= m - 1 && sum <= cap; k++)
        {
            sum += binomial;
            binomial = Math.Min(binomial * (m - 1 - k) / (k + 1), cap + 1L);
        }
        return (int)Math.Min(cap, 2 * sum);
    }

    /// <summary>
    /// In the plane the m distinct lines cut 2m sectors: sorting the 2m rays ±t_i (t_i ⊥ h_i) by angle,
    /// each sector's bisector is its witness, the point farthest from its two bounding lines.
    /// </summary>
    private void BuildPlanar()
    {
        if (_normals.Count == 0)
        {
            AddCell([1.0, 0.0], 0);
            return;
        }
        var angles = new double[2 * _normals.Count];
        for (int i = 0; i < _normals.Count; i++)
        {
            double a = Math.Atan2(_normals[i][0], -_normals[i][1]); // the ray t_i = (−h_i1, h_i0)
            angles[2 * i] = a;
            angles[2 * i + 1] = a > 0 ? a - Math.PI : a + Math.PI;
        }
        Array.Sort(angles);
        Span<double> w = stackalloc double[2];
        for (int r = 0; r < angles.Length; r++)
        {
            double next = r + 1 < angles.Length ? angles[r + 1] : angles[0] + 2 * Math.PI;
            double mid = 0.5 * (angles[r] + next);
            w[0] = Math.Cos(mid);
            w[1] = Math.Sin(mid);
            int c = AddCell(w, 0);
            for (int j = 0; j < _normals.Count; j++)
                if (UnitNormals.Dot(_normals[j], w) >= 0) SetBit(c, j);
        }
    }

    private void Insert(int k, CancellationToken cancellationToken)
    {
        var h = _normals[k];
        var reflector = new Reflector(h);
        var restrictedNormals = RestrictedNormals(k, reflector, out var restrictedErrors, out int merges);
        var restricted = Build(restrictedNormals, restrictedErrors, _dim - 1, _tolerance, cancellationToken);
        Inconsistencies += restricted.Inconsistencies;
        ToleranceMerges += merges + restricted.ToleranceMerges;

        int before = Count;
        var split = FindSplitCells(k, reflector, restricted, out var liftedWitnesses);
        for (int i = 0; i < before; i++)
            if (split[i] < 0 && UnitNormals.Dot(h, Witness(i)) >= 0) SetBit(i, k);

        var moved = new double[_dim];
        for (int i = 0; i < before; i++)
        {
            if (split[i] < 0) continue;
            var w = liftedWitnesses.AsSpan(split[i] * _dim, _dim);
            double eps = StepOffHyperplane(k, w);
            if (!(eps > 0)) Inconsistencies++;
            Offset(w, h, -eps, moved);
            int minus = AddCell(moved, 0);
            Signs(i).CopyTo(_signs.AsSpan(minus * _words, _words));
            _hashes[minus] = _hashes[i];
            Offset(w, h, eps, _witnesses.AsSpan(i * _dim, _dim));
            SetBit(i, k);
        }
    }

    /// <summary>
    /// The distinct unit normals of h_j ∩ h_k (j &lt; k) in coordinates of h_k, with error bounds
    /// (e_j + e_k + dim·2^−53) / ‖P h_j‖: the projection's rounding and the inherited errors, magnified by
    /// the normalisation of the projected normal.
    /// </summary>
    private List<double[]> RestrictedNormals(int k, Reflector reflector, out List<double> errors, out int toleranceMerges)
    {
        var projected = new List<double[]>(k);
        var projectedErrors = new List<double>(k);
        for (int j = 0; j < k; j++)
        {
            var g = reflector.Restrict(_normals[j]);
            double norm = UnitNormals.Norm(g);
            if (norm == 0) continue;
            for (int i = 0; i < g.Length; i++) g[i] /= norm;
            projected.Add(g);
            projectedErrors.Add((_errors[j] + _errors[k] + _dim * Math.Pow(2, -53)) / norm);
        }
        return UnitNormals.DistinctUpToSign(projected, projectedErrors, _tolerance, out _, out _, out errors, out toleranceMerges);
    }

    /// <summary>
    /// For every restricted witness, lifted into R^dim (row r of <paramref name="lifted"/>), the cell of
    /// H_{k−1} whose interior holds it. Returns per cell the row of its restricted witness, or −1.
    /// </summary>
    private int[] FindSplitCells(int k, Reflector reflector, IncrementalArrangement restricted, out double[] lifted)
    {
        BuildTable();
        var split = new int[Count];
        Array.Fill(split, -1);
        lifted = new double[restricted.Count * _dim];
        for (int r = 0; r < restricted.Count; r++)
        {
            var w = lifted.AsSpan(r * _dim, _dim);
            reflector.Lift(restricted.Witness(r), w);
            int cell = Find(SetProbe(w, k));
            if (cell >= 0 && split[cell] < 0) split[cell] = r;
            else Inconsistencies++;
        }
        return split;
    }

    /// <summary>ε = min(1, min_{j&lt;k} |h_j·w| / (1 + |h_j·h_k|)): w ± ε h_k keeps every sign of w, at distance ≥ ε from every h_j.</summary>
    private double StepOffHyperplane(int k, ReadOnlySpan<double> w)
    {
        var h = _normals[k];
        double eps = 1;
        for (int j = 0; j < k; j++)
        {
            var hj = _normals[j];
            eps = Math.Min(eps, Math.Abs(UnitNormals.Dot(hj, w)) / (1 + Math.Abs(UnitNormals.Dot(hj, h))));
        }
        return eps;
    }

    /// <summary>result = (w + eps h)/‖w + eps h‖.</summary>
    private static void Offset(ReadOnlySpan<double> w, double[] h, double eps, Span<double> result)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++) { result[i] = w[i] + eps * h[i]; s += result[i] * result[i]; }
        double norm = Math.Sqrt(s);
        if (norm > 0) for (int i = 0; i < w.Length; i++) result[i] /= norm;
    }

    private int AddCell(ReadOnlySpan<double> witness, ulong hash)
    {
        if (Count == _hashes.Length) Grow();
        int c = Count++;
        witness.CopyTo(_witnesses.AsSpan(c * _dim, _dim));
        _signs.AsSpan(c * _words, _words).Clear();
        _hashes[c] = hash;
        return c;
    }

    private void Grow()
    {
        int capacity = ArraySize.Product("the cell table", 2, _hashes.Length);
        Array.Resize(ref _witnesses, Math.Max(1, ArraySize.Product("the cell witnesses (cells × d)", capacity, _dim)));
        Array.Resize(ref _signs, Math.Max(1, ArraySize.Product("the cell sign vectors (cells × words)", capacity, _words)));
        Array.Resize(ref _hashes, capacity);
    }

    private void SetBit(int cell, int j)
    {
        _signs[cell * _words + (j >> 6)] |= 1UL << (j & 63);
        _hashes[cell] ^= Zobrist(j);
    }

    /// <summary>Puts the sign vector of w against h_0..h_{k−1} into the probe; returns its hash.</summary>
    private ulong SetProbe(ReadOnlySpan<double> w, int k)
    {
        Array.Clear(_probe);
        ulong hash = 0;
        for (int j = 0; j < k; j++)
        {
            if (UnitNormals.Dot(_normals[j], w) < 0) continue;
            _probe[j >> 6] |= 1UL << (j & 63);
            hash ^= Zobrist(j);
        }
        return hash;
    }

    /// <summary>An open-addressing table of the cells by sign vector (linear probing, load ≤ 1/2).</summary>
    private void BuildTable()
    {
        int size = 1;
        while (size < 2 * Count) size <<= 1;
        if (_table.Length != size) _table = new int[size];
        Array.Fill(_table, -1);
        for (int c = 0; c < Count; c++)
        {
            ulong hash = _hashes[c];
            int slot = (int)(hash & (ulong)(size - 1));
            while (_table[slot] >= 0)
            {
                int other = _table[slot];
                if (_hashes[other] == hash && Signs(other).SequenceEqual(Signs(c))) Inconsistencies++;
                slot = (slot + 1) & (size - 1);
            }
            _table[slot] = c;
        }
    }

    /// <summary>The cell whose sign vector equals the probe, or −1.</summary>
    private int Find(ulong hash)
    {
        int mask = _table.Length - 1;
        for (int slot = (int)(hash & (ulong)mask); _table[slot] >= 0; slot = (slot + 1) & mask)
        {
            int c = _table[slot];
            if (_hashes[c] == hash && Signs(c).SequenceEqual(_probe)) return c;
        }
        return -1;
    }

    /// <summary>A fixed pseudo-random 64-bit key per hyperplane (SplitMix64), so a sign vector's hash is the XOR over its set bits.</summary>
    private static ulong Zobrist(int j)
    {
        ulong z = (ulong)(j + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// The Householder reflection P = I − 2 v vᵀ/(vᵀv) with P h = ∓e_p (p = argmax |h_p|): the columns of
    /// P other than p are an orthonormal basis of the hyperplane h^⊥.
    /// </summary>
    private readonly struct Reflector
    {
        private readonly double[] _v;
        private readonly double _vv;
        private readonly int _p;

        public Reflector(double[] h)
        {
            int p = 0;
            for (int i = 1; i < h.Length; i++) if (Math.Abs(h[i]) > Math.Abs(h[p])) p = i;
            _v = (double[])h.Clone();
            _v[p] += h[p] >= 0 ? 1 : -1;
            _vv = UnitNormals.Dot(_v, _v);
            _p = p;
        }

        /// <summary>Coordinates of the orthogonal projection of a onto h^⊥ (dimension dim − 1).</summary>
        public double[] Restrict(double[] a)
        {
            double c = 2 * UnitNormals.Dot(_v, a) / _vv;
            var r = new double[a.Length - 1];
            for (int i = 0, o = 0; i < a.Length; i++)
                if (i != _p) r[o++] = a[i] - c * _v[i];
            return r;
        }

        /// <summary>The vector of h^⊥ ⊂ R^dim with coordinates w (inverse of <see cref="Restrict"/> on h^⊥).</summary>
        public void Lift(ReadOnlySpan<double> w, Span<double> e)
        {
            for (int i = 0, o = 0; i < e.Length; i++) e[i] = i == _p ? 0 : w[o++];
            double c = 2 * UnitNormals.Dot(_v, e) / _vv;
            for (int i = 0; i < e.Length; i++) e[i] -= c * _v[i];
        }
    }
}
