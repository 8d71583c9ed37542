using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>The pricing value ρ(v), the best block and its unit maximiser u* (THEORY.md §4).</summary>
public sealed record PricingResult(double Rho, Block BestBlock, Vector<double> Maximiser, bool PatternsExact);

/// <summary>
/// Exact pricing ρ(v) = max_{‖u‖≤1} |v·σ(Xu)| = max_{s ∈ S(X), γ = ±1} ‖Π_{C_s}(γ X^T diag(s) v)‖ (THEORY.md §4).
/// </summary>
public static class Pricing
{
    /// <summary>ρ(v) over the given pattern set, with the best block and u* = Π/‖Π‖ (u* = 0, ρ = 0 when v = 0).</summary>
    public static PricingResult Price(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        new PricingEngine(x, patterns).Price(v);

    /// <summary>‖Π_{C_s}(γ X^T diag(s) v)‖ for every block b of the set, in <see cref="ConvexProblem.AllBlocks"/> order.</summary>
    public static double[] BlockValues(Matrix<double> x, PatternSet patterns, Vector<double> v) =>
        new PricingEngine(x, patterns).Values(v);
}

/// <summary>
/// Pricing over a fixed (X, S) pair, reused across many dual vectors: X is stored row-major, each
/// pattern as a ±1 sign array, and every thread has its own projection workspace. Block b is
/// (pattern b/2, +1) for even b and (pattern b/2, −1) for odd b (<see cref="ConvexProblem.AllBlocks"/> order).
/// </summary>
public sealed class PricingEngine
{
    private readonly double[] _x;
    private readonly double[] _signs; // p×n, row-major
    private readonly ThreadLocal<ConeProjector> _projectors;

    /// <summary>Rows n.</summary>
    public int N { get; }
    /// <summary>Input dimension d.</summary>
    public int D { get; }
    /// <summary>The pattern set.</summary>
    public PatternSet Patterns { get; }
    /// <summary>Number of blocks 2p.</summary>
    public int BlockCount => 2 * Patterns.Count;

    private readonly bool[]? _blockMask;

    /// <summary>True when ρ covers every block of an exact pattern set (no block subset).</summary>
    public bool CoversExactSet => Patterns.IsExact && _blockMask is null;

    /// <summary>Whether block b takes part in pricing (all blocks unless a subset was given).</summary>
    public bool Includes(int b) => _blockMask is null || _blockMask[b];

    /// <summary>
    /// Prepares pricing restricted to a block subset (a subsampled program, THEORY.md §7): the other
    /// blocks are ignored, so ρ is the restricted program's dual constraint.
    /// </summary>
    public PricingEngine(Matrix<double> x, PatternSet patterns, IEnumerable<Block>? blocks) : this(x, patterns)
    {
        if (blocks is null) return;
        _blockMask = new bool[BlockCount];
        foreach (var b in blocks)
        {
            int i = IndexOf(b);
            if (i < 0) throw new Data.InvalidInputException($"block {b} has a pattern outside the pattern set");
            _blockMask[i] = true;
        }
    }

    /// <summary>Pricing for a convex program (restricted to its block subset when it has one).</summary>
    public static PricingEngine For(ConvexProblem problem) => new(problem.Data.X, problem.Patterns, problem.BlockSubset);

    /// <summary>Prepares pricing for data X and pattern set S.</summary>
    public PricingEngine(Matrix<double> x, PatternSet patterns)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.N != x.RowCount)
            throw new Data.InvalidInputException($"pattern set is for n = {patterns.N} rows but X has {x.RowCount}");
        N = x.RowCount; D = x.ColumnCount; Patterns = patterns;
        _x = x.ToRowMajorArray();
        int p = patterns.Count;
        _signs = new double[ArraySize.Product("the pricing sign table (patterns × n)", p, N)];
        for (int i = 0; i < p; i++)
        {
            var s = patterns.Cells[i].Pattern;
            for (int j = 0; j < N; j++) _signs[i * N + j] = s[j] ? 1.0 : -1.0;
        }
        _projectors = new ThreadLocal<ConeProjector>(() => new ConeProjector(_x, N, D));
    }

    /// <summary>Row-major copy of X (shared, do not modify).</summary>
    internal double[] XRowMajor => _x;

    /// <summary>The sign array 2s − 1 of pattern i (a view).</summary>
    internal ReadOnlySpan<double> Signs(int pattern) => _signs.AsSpan(pattern * N, N);

    /// <summary>Block b as a <see cref="Block"/>.</summary>
    public Block BlockAt(int b) => new(Patterns.Cells[b >> 1].Pattern, (b & 1) == 0 ? +1 : -1);

    /// <summary>Index of a block in this engine's order, or −1.</summary>
    public int IndexOf(Block block)
    {
        int i = Patterns.IndexOf(block.Pattern);
        return i < 0 ? -1 : 2 * i + (block.Sign > 0 ? 0 : 1);
    }

    /// <summary>Sign γ_b of block b.</summary>
    public static int SignOf(int b) => (b & 1) == 0 ? +1 : -1;

    /// <summary>g_s = X^T diag(s) v for every pattern (p×d row-major) and ‖g_s‖.</summary>
    public (double[] G, double[] Norms) Directions(ReadOnlySpan<double> v)
    {
        int p = Patterns.Count, n = N, d = D;
        var g = new double[ArraySize.Product("the pricing directions (patterns × d)", p, d)];
        var norms = new double[p];
        var vArr = v.ToArray();
        Parallel.For(0, p, ParallelOptions(p), i =>
        {
            var gi = g.AsSpan(i * d, d);
            var si = _signs.AsSpan(i * n, n);
            for (int j = 0; j < n; j++)
            {
                if (si[j] < 0 || vArr[j] == 0) continue;
                double vj = vArr[j];
                int o = j * d;
                for (int k = 0; k < d; k++) gi[k] += vj * _x[o + k];
            }
            double s = 0;
            for (int k = 0; k < d; k++) s += gi[k] * gi[k];
            norms[i] = Math.Sqrt(s);
        });
        return (g, norms);
    }

    /// <summary>
    /// π_b = Π_{C_{s_b}}(γ_b g_{s_b}) written to <paramref name="pi"/>; returns ‖π_b‖ (an upper bound on
    /// max_{u∈C,‖u‖≤1} γ_b g·u, equal to it up to rounding; see <see cref="ConeProjection"/>).
    /// </summary>
    public double ProjectBlock(int b, ReadOnlySpan<double> gPattern, Span<double> pi)
    {
        Span<double> gb = stackalloc double[D];
        double sign = SignOf(b);
        for (int k = 0; k < D; k++) gb[k] = sign * gPattern[k];
        return _projectors.Value!.Project(Signs(b >> 1), gb, pi);
    }

    /// <summary>‖π_b‖ for every block (exact, parallel over patterns); −1 for blocks outside a subset.</summary>
    public double[] Values(Vector<double> v)
    {
        var (g, _) = Directions(v.AsArray() ?? v.ToArray());
        var values = new double[BlockCount];
        int d = D;
        Parallel.For(0, Patterns.Count, ParallelOptions(Patterns.Count), i =>
        {
            Span<double> pi = stackalloc double[d];
            var gi = g.AsSpan(i * d, d);
            values[2 * i] = Includes(2 * i) ? ProjectBlock(2 * i, gi, pi) : -1;
            values[2 * i + 1] = Includes(2 * i + 1) ? ProjectBlock(2 * i + 1, gi, pi) : -1;
        });
        return values;
    }

    /// <summary>
    /// ‖π_b‖ for every block whose ‖g_{s_b}‖ exceeds <paramref name="threshold"/>; the other entries
    /// get −1 (their value is ≤ ‖g_{s_b}‖ ≤ threshold since a projection never lengthens a vector).
    /// </summary>
    public double[] ValuesAbove(ReadOnlySpan<double> v, double threshold)
    {
        var (g, norms) = Directions(v);
        var values = new double[BlockCount];
        int d = D;
        Parallel.For(0, Patterns.Count, ParallelOptions(Patterns.Count), i =>
        {
            if (norms[i] <= threshold) { values[2 * i] = -1; values[2 * i + 1] = -1; return; }
            Span<double> pi = stackalloc double[d];
            var gi = g.AsSpan(i * d, d);
            values[2 * i] = Includes(2 * i) ? ProjectBlock(2 * i, gi, pi) : -1;
            values[2 * i + 1] = Includes(2 * i + 1) ? ProjectBlock(2 * i + 1, gi, pi) : -1;
        });
        return values;
    }

    /// <summary>
    /// π_b at v together with the Lawson–Hanson passive rows of its projection (the rows whose
    /// hyperplanes contain the face of C_{s_b} holding π_b; THEORY.md §6 directions).
    /// </summary>
    public (double[] Pi, double Norm, int[] FaceRows) BlockFace(int b, ReadOnlySpan<double> v)
    {
        var pi = BlockProjection(b, v, out double norm);
        return (pi, norm, _projectors.Value!.PassiveRows());
    }

    /// <summary>π_b for one block at dual vector v.</summary>
    public double[] BlockProjection(int b, ReadOnlySpan<double> v, out double norm)
    {
        var gs = new double[D];
        var signs = Signs(b >> 1);
        for (int j = 0; j < N; j++)
        {
            if (signs[j] < 0 || v[j] == 0) continue;
            for (int k = 0; k < D; k++) gs[k] += v[j] * _x[j * D + k];
        }
        var pi = new double[D];
        norm = ProjectBlock(b, gs, pi);
        return pi;
    }

    /// <summary>
    /// ρ(v) with the best block and u* = π/‖π‖. Patterns are visited in decreasing ‖g_s‖ and a
    /// pattern is skipped once ‖g_s‖ cannot beat the best value found (‖Π(g)‖ ≤ ‖g‖), which keeps
    /// the result exact.
    /// </summary>
    public PricingResult Price(Vector<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Count != N) throw new Data.InvalidInputException($"dual vector has {v.Count} entries but the data has {N} rows");
        var (g, norms) = Directions(v.AsArray() ?? v.ToArray());
        int p = Patterns.Count, d = D;
        var order = Enumerable.Range(0, p).ToArray();
        Array.Sort(norms.ToArray(), order);
        Array.Reverse(order);
        double best = 0;
        int bestBlock = 0;
        var gate = new object();
        Parallel.For(0, p, ParallelOptions(p), () => new double[d], (r, state, pi) =>
        {
            int i = order[r];
            if (norms[i] <= Volatile.Read(ref best)) { return pi; }
            var gi = g.AsSpan(i * d, d);
            for (int sgn = 0; sgn < 2; sgn++)
            {
                int b = 2 * i + sgn;
                if (!Includes(b)) continue;
                double val = ProjectBlock(b, gi, pi);
                if (val > Volatile.Read(ref best))
                    lock (gate)
                        if (val > best || (val == best && b < bestBlock)) { best = val; bestBlock = b; }
            }
            return pi;
        }, _ => { });
        var block = BlockAt(bestBlock);
        var maximiser = Vector<double>.Build.Dense(d);
        if (best > 0)
        {
            var pi = BlockProjection(bestBlock, v.AsArray() ?? v.ToArray(), out double nrm);
            for (int k = 0; k < d; k++) maximiser[k] = pi[k] / nrm;
        }
        return new PricingResult(best, block, maximiser, CoversExactSet);
    }

    private static ParallelOptions ParallelOptions(int work) =>
        new() { MaxDegreeOfParallelism = work < 256 ? 1 : Environment.ProcessorCount };
}
