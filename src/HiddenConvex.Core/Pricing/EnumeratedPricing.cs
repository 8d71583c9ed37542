using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Exact pricing ρ(v) = max_{‖u‖≤1} |v·σ(Xu)| = max_{s ∈ S(X), γ = ±1} ‖Π_{C_s}(γ X^T diag(s) v)‖ (THEORY.md §4) over an
/// enumerated pattern set, as one-call helpers.
/// </summary>
public static class ExactPricing
{
    /// <summary>ρ(v) over the given pattern set, with the best block and u* = Π/‖Π‖ (u* = 0, ρ = 0 when v = 0).</summary>
    public static PricingResult Price(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        new EnumeratedPricing(x, patterns).Price(v);

    /// <summary>‖Π_{C_s}(γ X^T diag(s) v)‖ for every block of the set, in <see cref="BlockId"/> order.</summary>
    public static double[] BlockValues(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        new EnumeratedPricing(x, patterns).Values(v);
}

/// <summary>
/// The pricing oracle of an enumerated pattern set (THEORY.md §4), reused across many dual vectors: each pattern is
/// stored as a ±1 sign array, blocks are numbered by <see cref="BlockId"/>, and every thread has its own projection
/// workspace. Its bound is ρ itself, proven for the full program when the set is the exact enumeration of S(X) and no
/// block subset was given; a sampled set or a block subset prices the restricted program.
/// <para>
/// Work is shared between calls at the same dual vector (the solver's certificate, its column generation and the face
/// polish all price the v of one point): the directions g_s of the last v and every block value projected at it are kept
/// (<see cref="PricingMemo"/>), so a second call projects only what the first did not. A block subset keeps only its own
/// patterns' signs and directions.
/// </para>
/// <para>
/// A block is projected only when an upper bound on its value can reach what the call asks for (the best value so far for
/// ρ, the threshold for a list): the bound ‖g_s‖ (a projection never lengthens a vector) and, from the
/// <see cref="SupportTableFrom"/>-th dual vector on, the cone's support bound (<see cref="ConeSupportBounds"/>), which is
/// close to the value on thin cones. Both hold for the computed g_s with their rounding, so every result is the one of a
/// projection of every block.
/// </para>
/// </summary>
public sealed class EnumeratedPricing : IPricingOracle
{
    private readonly double[] _signs; // rows × n, row-major: the patterns that take part (all, or a subset's)
    private readonly int[] _rowOf;    // pattern → its row of _signs, or −1 when no block of it takes part
    private readonly int[] _patternOf; // row → pattern
    private readonly bool[]? _blockMask;
    private readonly double[] _rowNorms; // ‖x_j‖, for the error bound of the computed directions (DirectionError)
    private PricingMemo? _memo;
    private ConeSupportBounds? _support;
    private int _dualVectors;

    /// <summary>
    /// The support table (2d projections per pattern, about d pricings' worth) is built when this many distinct dual vectors
    /// have been priced: a one-off pricing (β_max, one certificate) does not pay for it, a solve (one dual vector per
    /// iteration) does after a few.
    /// </summary>
    internal const int SupportTableFrom = 3;

    /// <summary>Rows n.</summary>
    public int N { get; }
    /// <summary>Input dimension d.</summary>
    public int D { get; }
    /// <summary>The pattern set.</summary>
    public PatternSet Patterns { get; }
    /// <inheritdoc />
    public BlockGeometry Geometry { get; }
    /// <summary>Number of blocks 2p.</summary>
    public int BlockCount => BlockId.Count(Patterns.Count);

    /// <inheritdoc />
    public string Method => _blockMask is null ? Patterns.Method : $"{Patterns.Method}, restricted to a block subset";

    /// <summary>True when ρ covers every block of an exact pattern set (no block subset).</summary>
    /// <inheritdoc />
    public bool ListsEveryBlock => true;

    public bool BoundsFullProgram => Patterns.IsExact && _blockMask is null;

    /// <summary>Prepares pricing for data X and pattern set S.</summary>
    public EnumeratedPricing(Matrix<double> x, PatternSet patterns) : this(x, patterns, null) { }

    /// <summary>
    /// Prepares pricing restricted to a block subset (a subsampled program, THEORY.md §7) when <paramref name="blocks"/>
    /// is not null: the other blocks are ignored, so ρ is the restricted program's dual constraint.
    /// </summary>
    public EnumeratedPricing(Matrix<double> x, PatternSet patterns, IEnumerable<Block>? blocks)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.N != x.RowCount)
            throw new InvalidInputException($"pattern set is for n = {patterns.N} rows but X has {x.RowCount}");
        N = x.RowCount; D = x.ColumnCount; Patterns = patterns;
        _rowNorms = new double[N];
        for (int j = 0; j < N; j++)
        {
            double squares = 0;
            for (int k = 0; k < D; k++) squares += x[j, k] * x[j, k];
            _rowNorms[j] = Math.Sqrt(squares);
        }
        Geometry = new BlockGeometry(x);
        if (blocks is not null)
        {
            _blockMask = new bool[BlockCount];
            foreach (var b in blocks)
            {
                var id = IdOf(b) ?? throw new InvalidInputException($"block {b} has a pattern outside the pattern set");
                _blockMask[id.Value] = true;
            }
        }
        _rowOf = new int[patterns.Count];
        var rows = new List<int>(_blockMask is null ? patterns.Count : 0);
        for (int i = 0; i < patterns.Count; i++)
        {
            bool used = _blockMask is null || _blockMask[2 * i] || _blockMask[2 * i + 1];
            _rowOf[i] = used ? rows.Count : -1;
            if (used) rows.Add(i);
        }
        _patternOf = rows.ToArray();
        _signs = new double[ArraySize.Product("the pricing sign table (patterns × n)", _patternOf.Length, N)];
        for (int r = 0; r < _patternOf.Length; r++)
        {
            var s = patterns.Cells[_patternOf[r]].Pattern;
            for (int j = 0; j < N; j++) _signs[r * N + j] = s[j] ? 1.0 : -1.0;
        }
    }

    /// <summary>The sign array 2s − 1 of a pattern that takes part (a view).</summary>
    private ReadOnlySpan<double> SignsOfRow(int row) => _signs.AsSpan(row * N, N);

    /// <summary>Block <paramref name="id"/> as a <see cref="Block"/>.</summary>
    public Block BlockAt(BlockId id) => new(Patterns.Cells[id.Pattern].Pattern, id.Sign);

    /// <summary>The number of a block in this set, or null when its pattern is not in the set.</summary>
    public BlockId? IdOf(Block block)
    {
        int i = Patterns.IndexOf(block.Pattern);
        return i < 0 ? null : BlockId.Of(i, block.Sign);
    }

    /// <inheritdoc />
    public bool Includes(Block block) => IdOf(block) is { } id && Includes(id);

    /// <summary>Whether block <paramref name="id"/> takes part in pricing (all blocks unless a subset was given).</summary>
    public bool Includes(BlockId id) => _blockMask is null || _blockMask[id.Value];

    /// <summary>g_s = X^T diag(s) v for every pattern (p×d row-major) and ‖g_s‖ (zero for the patterns outside a block subset).</summary>
    public (double[] G, double[] Norms) Directions(ReadOnlySpan<double> v)
    {
        var memo = MemoFor(v);
        int p = Patterns.Count, d = D;
        var g = new double[ArraySize.Product("the pricing directions (patterns × d)", p, d)];
        var norms = new double[p];
        for (int r = 0; r < _patternOf.Length; r++)
        {
            int i = _patternOf[r];
            memo.G.AsSpan(r * d, d).CopyTo(g.AsSpan(i * d, d));
            norms[i] = memo.Norms[r];
        }
        return (g, norms);
    }

    /// <summary>The memo of this dual vector: the last one when v is the same, else a new one with its directions.</summary>
    private PricingMemo MemoFor(ReadOnlySpan<double> v)
    {
        var memo = Volatile.Read(ref _memo);
        if (memo is not null && v.SequenceEqual(memo.V)) return memo;
        memo = new PricingMemo(v.ToArray(), _patternOf.Length, D);
        ComputeDirections(memo);
        ComputeBounds(memo, SupportTable());
        Volatile.Write(ref _memo, memo);
        return memo;
    }

    /// <summary>The support table once <see cref="SupportTableFrom"/> dual vectors have been priced (built once), else null.</summary>
    private ConeSupportBounds? SupportTable()
    {
        if (Interlocked.Increment(ref _dualVectors) < SupportTableFrom) return Volatile.Read(ref _support);
        return LazyInitializer.EnsureInitialized(ref _support, () =>
            ConeSupportBounds.Build(Geometry, _signs, _patternOf.Select(i => Patterns.Cells[i].Witness).ToArray()));
    }

    /// <summary>
    /// An upper bound on every block's value at the memo's v: ‖g_s‖ with its rounding (γ_{d+1} relative, doubled), and the
    /// support bound when the table exists (the smaller of the two).
    /// </summary>
    private void ComputeBounds(PricingMemo memo, ConeSupportBounds? support)
    {
        int rows = _patternOf.Length, d = D;
        double normScale = 1 + 2 * Rounding.Gamma(d + 1);
        WorkLoops.For(rows, r =>
        {
            double norm = memo.Norms[r] * normScale;
            double plus = norm, minus = norm;
            if (support is not null)
            {
                var (p, m) = support.Bounds(r, memo.G.AsSpan(r * d, d));
                plus = Math.Min(plus, p);
                minus = Math.Min(minus, m);
            }
            memo.Bounds[2 * r] = plus;
            memo.Bounds[2 * r + 1] = minus;
        });
    }

    /// <summary>g_s and ‖g_s‖ for every pattern that takes part (parallel over patterns).</summary>
    private void ComputeDirections(PricingMemo memo)
    {
        int rows = _patternOf.Length, n = N, d = D;
        var vArr = memo.V;
        var x = Geometry.XRowMajor;
        WorkLoops.For(rows, r =>
        {
            var gi = memo.G.AsSpan(r * d, d);
            var si = _signs.AsSpan(r * n, n);
            for (int j = 0; j < n; j++)
            {
                if (si[j] < 0 || vArr[j] == 0) continue;
                double vj = vArr[j];
                int o = j * d;
                for (int k = 0; k < d; k++) gi[k] += vj * x[o + k];
            }
            double s = 0;
            for (int k = 0; k < d; k++) s += gi[k] * gi[k];
            memo.Norms[r] = Math.Sqrt(s);
        });
        double mass = 0;
        for (int j = 0; j < n; j++) mass += Math.Abs(vArr[j]) * _rowNorms[j];
        memo.DirectionError = mass > 0 ? 2 * Rounding.Gamma(n) * mass + (double)n * d * double.Epsilon : 0;
    }

    /// <summary>
    /// ‖π_b‖ for block (row, sign) at the memo's v: the value projected before at this v, else projected now (π_b into
    /// <paramref name="pi"/>) and kept.
    /// </summary>
    private double BlockValue(PricingMemo memo, int row, int sign, Span<double> pi)
    {
        int slot = 2 * row + (sign > 0 ? 0 : 1);
        double known = memo.Values[slot];
        if (!double.IsNaN(known)) return known;
        double value = Geometry.Project(SignsOfRow(row), sign, memo.G.AsSpan(row * D, D), pi);
        memo.Masses[slot] = Geometry.Projector.MultiplierMass();
        memo.Values[slot] = value;
        return value;
    }

    /// <summary>‖π_b‖ for every block (exact, parallel over patterns) in <see cref="BlockId"/> order; −1 for blocks outside a subset.</summary>
    public double[] Values(Vector<double> v) => ValuesOf(v.AsArray() ?? v.ToArray(), _ => true);

    /// <summary>
    /// ‖π_b‖ for every block whose upper bound (‖g_{s_b}‖, or the support bound) exceeds <paramref name="threshold"/>; the
    /// other entries get −1 (their value is at most that bound, hence at most the threshold).
    /// </summary>
    public double[] ValuesAbove(ReadOnlySpan<double> v, double threshold) => ValuesOf(v, bound => bound > threshold);

    /// <summary>‖π_b‖ for the blocks whose upper bound is worth projecting; −1 for the others and for blocks outside a subset.</summary>
    private double[] ValuesOf(ReadOnlySpan<double> v, Func<double, bool> worthProjecting)
    {
        var memo = MemoFor(v);
        var values = new double[BlockCount];
        Array.Fill(values, -1.0);
        int d = D, rows = _patternOf.Length;
        WorkLoops.For(rows, r =>
        {
            Span<double> pi = stackalloc double[d];
            for (int sgn = 0; sgn < 2; sgn++)
            {
                var b = BlockId.Of(_patternOf[r], sgn == 0 ? +1 : -1);
                if (Includes(b) && worthProjecting(memo.Bounds[2 * r + sgn])) values[b.Value] = BlockValue(memo, r, b.Sign, pi);
            }
        });
        return values;
    }

    /// <inheritdoc />
    public PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(v);
        RequireLength(v);
        var vArr = v.AsArray() ?? v.ToArray();
        // A block priced exactly at the threshold belongs to the list: project every block whose bound reaches it.
        var values = ValuesOf(vArr, bound => bound >= threshold);
        var found = new List<PricedBlock>();
        int above = 0;
        for (int b = 0; b < values.Length; b++)
        {
            if (!(values[b] >= threshold)) continue;
            above++;
            if (found.Count < maxCount) found.Add(Priced(new BlockId(b), values[b]));
        }
        return new PricedBlocks(found, Complete: above <= maxCount);
    }

    /// <summary>Block <paramref name="id"/> with its value and its cell's witness.</summary>
    private PricedBlock Priced(BlockId id, double value) => new(BlockAt(id), value, Patterns.Cells[id.Pattern].Witness);

    /// <summary>
    /// ρ(v) with the best block and u* = π/‖π‖ (ρ̄ = ρ). Only the blocks whose upper bound reaches the best value found are
    /// projected: first the block of the largest bound, then, in decreasing bound, those whose bound is not below the best
    /// value so far. A skipped block's value is below the best, and every block whose value ties the best is projected, so the
    /// result (with its tie rule: the lowest block number among the best values) is that of projecting every block.
    /// </summary>
    public PricingResult Price(Vector<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        RequireLength(v);
        var vArr = v.AsArray() ?? v.ToArray();
        var memo = MemoFor(vArr);
        int d = D;
        var bounds = memo.Bounds;
        double best = 0;
        var bestBlock = new BlockId(0);
        var gate = new object();
        void Visit(int slot, Span<double> pi)
        {
            var b = SlotBlock(slot);
            double val = BlockValue(memo, slot >> 1, b.Sign, pi);
            if (val >= Volatile.Read(ref best))
                lock (gate)
                    if (val > best || (val == best && b.Value < bestBlock.Value)) { best = val; bestBlock = b; }
        }
        int seed = -1;
        for (int slot = 0; slot < bounds.Length; slot++)
            if (Includes(SlotBlock(slot)) && (seed < 0 || bounds[slot] > bounds[seed])) seed = slot;
        if (seed >= 0)
        {
            Visit(seed, stackalloc double[d]);
            double floor = best;
            var candidates = SlotsByBound(bounds, slot => slot != seed && !(bounds[slot] < floor));
            WorkLoops.For(candidates.Length, () => new double[d], (k, pi) =>
            {
                if (!(bounds[candidates[k]] < Volatile.Read(ref best))) Visit(candidates[k], pi);
            });
        }
        var maximiser = best > 0 ? Geometry.Maximiser(BlockAt(bestBlock), vArr) : Vector<double>.Build.Dense(d);
        return new PricingResult(Priced(bestBlock, best), maximiser, ProvenUpper(memo, seed, bestBlock, best), BoundsFullProgram);
    }

    /// <summary>
    /// ρ̄ ≥ ρ(v) for the exact v·σ(Xu), rounding included (THEORY.md §4.1, "Pricing rounded outward"): the best block's
    /// proven value (<see cref="BlockGeometry.ProvenValue"/>), and that of every other block whose value could exceed it —
    /// a projected block by its computed ‖π_b‖ with the projection's rounding (as <see cref="BlockGeometry.SupportUpperBound"/>),
    /// any block by its computed bound; both plus the error of the computed g_s, to which the value is 1-Lipschitz. Almost
    /// always one accurate evaluation. Never below the computed ρ (reported as ρ̲: a bracket keeps ρ̲ ≤ ρ̄, and any larger
    /// value is a bound too), so where the computed ρ was already above ρ(v) the certificate is the same as before.
    /// </summary>
    private double ProvenUpper(PricingMemo memo, int seed, BlockId bestBlock, double best)
    {
        if (seed < 0) return 0;
        double upper = best > 0 ? Math.Max(best, ProvenValueOf(memo, _rowOf[bestBlock.Pattern], bestBlock.Sign)) : 0;
        double g = 2 * Rounding.Gamma(D + 1);
        for (int slot = 0; slot < memo.Bounds.Length; slot++)
        {
            var b = SlotBlock(slot);
            if (!Includes(b) || (best > 0 && b.Value == bestBlock.Value)) continue;
            double value = memo.Values[slot];
            double possible = (double.IsNaN(value)
                ? memo.Bounds[slot]
                : Math.Min(memo.Bounds[slot], value * (1 + g) + g * (memo.Norms[slot >> 1] + memo.Masses[slot]))) + memo.DirectionError;
            if (possible > upper) upper = Math.Max(upper, ProvenValueOf(memo, slot >> 1, b.Sign));
        }
        return upper;
    }

    /// <summary>The proven value of the block (row, sign) at the memo's v.</summary>
    private double ProvenValueOf(PricingMemo memo, int row, int sign) => Geometry.ProvenValue(SignsOfRow(row), sign, memo.V);

    /// <summary>The block of memo slot 2·row + (0 for γ = +1, 1 for γ = −1).</summary>
    private BlockId SlotBlock(int slot) => BlockId.Of(_patternOf[slot >> 1], (slot & 1) == 0 ? +1 : -1);

    /// <summary>The slots of blocks that take part and pass <paramref name="keep"/>, in decreasing bound (ties: slot order).</summary>
    private int[] SlotsByBound(double[] bounds, Func<int, bool> keep)
    {
        var slots = new List<int>();
        for (int slot = 0; slot < bounds.Length; slot++)
            if (Includes(SlotBlock(slot)) && keep(slot)) slots.Add(slot);
        var order = slots.ToArray();
        var keys = order.Select(slot => -bounds[slot]).ToArray();
        Array.Sort(keys, order);
        return order;
    }

    private void RequireLength(Vector<double> v)
    {
        if (v.Count != N) throw new InvalidInputException($"dual vector has {v.Count} entries but the data has {N} rows");
    }

    /// <summary>
    /// What pricing at one dual vector v has computed: g_s and ‖g_s‖ of every pattern that takes part, an upper bound on
    /// every block's value (slot 2·row + 0 for γ = +1, + 1 for γ = −1) and the block values projected so far (NaN for the
    /// others; two threads may write the same value, which is harmless).
    /// </summary>
    private sealed class PricingMemo(double[] v, int rows, int d)
    {
        public readonly double[] V = v;
        public readonly double[] G = new double[ArraySize.Product("the pricing directions (patterns × d)", rows, d)];
        public readonly double[] Norms = new double[rows];
        public readonly double[] Values = NaNs(2L * rows);
        /// <summary>Σ_j μ_j ‖x_j‖ of each projected block's multipliers (the rounding of its computed q, with ‖g‖).</summary>
        public readonly double[] Masses = new double[ArraySize.Product("the pricing multiplier masses (2 × patterns)", 2L * rows, 1)];
        /// <summary>A bound on ‖ĝ_s − g_s‖ for every pattern s: 2γ_n Σ_j |v_j| ‖x_j‖ (+ n d 2^−1074; 0 for v = 0).</summary>
        public double DirectionError;
        public readonly double[] Bounds = new double[ArraySize.Product("the pricing bounds (2 × patterns)", 2L * rows, 1)];

        private static double[] NaNs(long count)
        {
            var a = new double[ArraySize.Product("the pricing memo (2 × patterns)", count, 1)];
            Array.Fill(a, double.NaN);
            return a;
        }
    }
}
