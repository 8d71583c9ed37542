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
/// </summary>
public sealed class EnumeratedPricing : IPricingOracle
{
    private readonly double[] _signs; // p×n, row-major
    private readonly bool[]? _blockMask;

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
        Geometry = new BlockGeometry(x);
        _signs = new double[ArraySize.Product("the pricing sign table (patterns × n)", patterns.Count, N)];
        for (int i = 0; i < patterns.Count; i++)
        {
            var s = patterns.Cells[i].Pattern;
            for (int j = 0; j < N; j++) _signs[i * N + j] = s[j] ? 1.0 : -1.0;
        }
        if (blocks is null) return;
        _blockMask = new bool[BlockCount];
        foreach (var b in blocks)
        {
            var id = IdOf(b) ?? throw new InvalidInputException($"block {b} has a pattern outside the pattern set");
            _blockMask[id.Value] = true;
        }
    }

    /// <summary>The sign array 2s − 1 of pattern i (a view).</summary>
    internal ReadOnlySpan<double> Signs(int pattern) => _signs.AsSpan(pattern * N, N);

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

    /// <summary>g_s = X^T diag(s) v for every pattern (p×d row-major) and ‖g_s‖.</summary>
    public (double[] G, double[] Norms) Directions(ReadOnlySpan<double> v)
    {
        int p = Patterns.Count, n = N, d = D;
        var g = new double[ArraySize.Product("the pricing directions (patterns × d)", p, d)];
        var norms = new double[p];
        var vArr = v.ToArray();
        var x = Geometry.XRowMajor;
        Parallel.For(0, p, ParallelOptions(p), i =>
        {
            var gi = g.AsSpan(i * d, d);
            var si = _signs.AsSpan(i * n, n);
            for (int j = 0; j < n; j++)
            {
                if (si[j] < 0 || vArr[j] == 0) continue;
                double vj = vArr[j];
                int o = j * d;
                for (int k = 0; k < d; k++) gi[k] += vj * x[o + k];
            }
            double s = 0;
            for (int k = 0; k < d; k++) s += gi[k] * gi[k];
            norms[i] = Math.Sqrt(s);
        });
        return (g, norms);
    }

    /// <summary>‖π_b‖ for block <paramref name="id"/> given its pattern's g_s (<see cref="Directions"/>), π_b written to <paramref name="pi"/>.</summary>
    private double ProjectBlock(BlockId id, ReadOnlySpan<double> gPattern, Span<double> pi) =>
        Geometry.Project(Signs(id.Pattern), id.Sign, gPattern, pi);

    /// <summary>‖π_b‖ for every block (exact, parallel over patterns) in <see cref="BlockId"/> order; −1 for blocks outside a subset.</summary>
    public double[] Values(Vector<double> v) => ValuesOf(v.AsArray() ?? v.ToArray(), _ => true);

    /// <summary>
    /// ‖π_b‖ for every block whose ‖g_{s_b}‖ exceeds <paramref name="threshold"/>; the other entries get −1 (their
    /// value is ≤ ‖g_{s_b}‖ ≤ threshold since a projection never lengthens a vector).
    /// </summary>
    public double[] ValuesAbove(ReadOnlySpan<double> v, double threshold) => ValuesOf(v, norm => norm > threshold);

    private double[] ValuesOf(ReadOnlySpan<double> v, Func<double, bool> worthProjecting)
    {
        var (g, norms) = Directions(v);
        var values = new double[BlockCount];
        int d = D;
        Parallel.For(0, Patterns.Count, ParallelOptions(Patterns.Count), i =>
        {
            var plus = BlockId.Of(i, +1);
            var minus = plus.Sibling;
            if (!worthProjecting(norms[i])) { values[plus.Value] = -1; values[minus.Value] = -1; return; }
            Span<double> pi = stackalloc double[d];
            var gi = g.AsSpan(i * d, d);
            values[plus.Value] = Includes(plus) ? ProjectBlock(plus, gi, pi) : -1;
            values[minus.Value] = Includes(minus) ? ProjectBlock(minus, gi, pi) : -1;
        });
        return values;
    }

    /// <inheritdoc />
    public PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(v);
        RequireLength(v);
        var vArr = v.AsArray() ?? v.ToArray();
        // A block priced exactly at the threshold belongs to the list: project every pattern with ‖g_s‖ ≥ threshold.
        var values = ValuesOf(vArr, norm => norm >= threshold);
        var found = new List<PricedBlock>();
        for (int b = 0; b < values.Length && found.Count < maxCount; b++)
            if (values[b] >= threshold) found.Add(Priced(new BlockId(b), values[b]));
        return new PricedBlocks(found, Complete: values.Count(val => val >= threshold) <= maxCount);
    }

    /// <summary>Block <paramref name="id"/> with its value and its cell's witness.</summary>
    private PricedBlock Priced(BlockId id, double value) => new(BlockAt(id), value, Patterns.Cells[id.Pattern].Witness);

    /// <summary>
    /// ρ(v) with the best block and u* = π/‖π‖. Patterns are visited in decreasing ‖g_s‖ and a pattern is skipped once
    /// ‖g_s‖ cannot beat the best value found (‖Π(g)‖ ≤ ‖g‖), which keeps the result exact; ρ̄ = ρ.
    /// </summary>
    public PricingResult Price(Vector<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        RequireLength(v);
        var vArr = v.AsArray() ?? v.ToArray();
        var (g, norms) = Directions(vArr);
        int p = Patterns.Count, d = D;
        var order = Enumerable.Range(0, p).ToArray();
        Array.Sort(norms.ToArray(), order);
        Array.Reverse(order);
        double best = 0;
        var bestBlock = new BlockId(0);
        var gate = new object();
        Parallel.For(0, p, ParallelOptions(p), () => new double[d], (r, state, pi) =>
        {
            int i = order[r];
            if (norms[i] <= Volatile.Read(ref best)) { return pi; }
            var gi = g.AsSpan(i * d, d);
            for (int sgn = 0; sgn < 2; sgn++)
            {
                var b = new BlockId(2 * i + sgn);
                if (!Includes(b)) continue;
                double val = ProjectBlock(b, gi, pi);
                if (val > Volatile.Read(ref best))
                    lock (gate)
                        if (val > best || (val == best && b.Value < bestBlock.Value)) { best = val; bestBlock = b; }
            }
            return pi;
        }, _ => { });
        var maximiser = best > 0 ? Geometry.Maximiser(BlockAt(bestBlock), vArr) : Vector<double>.Build.Dense(d);
        return new PricingResult(Priced(bestBlock, best), maximiser, best, BoundsFullProgram);
    }

    private void RequireLength(Vector<double> v)
    {
        if (v.Count != N) throw new InvalidInputException($"dual vector has {v.Count} entries but the data has {N} rows");
    }

    private static ParallelOptions ParallelOptions(int work) =>
        new() { MaxDegreeOfParallelism = work < 256 ? 1 : Environment.ProcessorCount };
}
