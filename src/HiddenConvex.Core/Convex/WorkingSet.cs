using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The working set of <see cref="ConvexSolver"/>'s column generation: the blocks of the reduced program, every block built
/// so far (a block of the other sign shares its cone), the blocks pruned once, and the last inner solution by block (the
/// next inner solve's warm start).
/// </summary>
internal sealed class WorkingSet
{
    private readonly List<ReducedBlock> _blocks = [];
    private readonly HashSet<Block> _members = [];
    private readonly Dictionary<Block, ReducedBlock> _built = [];
    private readonly Dictionary<Block, int> _timesPruned = [];

    /// <summary>The blocks of the reduced program, in the order of its variables.</summary>
    public IReadOnlyList<ReducedBlock> Blocks => _blocks;

    /// <summary>Number of blocks K.</summary>
    public int Count => _blocks.Count;

    /// <summary>The last inner solution (w_b, s_b) by block, or null before the first inner solve.</summary>
    public Dictionary<Block, (double[] W, double S)>? LastSolution { get; private set; }

    /// <summary>Blocks dropped when ‖w_b‖ ≤ this times the largest ‖w_b‖ of the last inner solution …</summary>
    public const double PruneNormRatio = 1e-3;

    /// <summary>
    /// … and ‖Π_b(v)‖ ≤ β(1 − δ_b) at its dual vector v, δ_b = this·2^k after the block was dropped k times before. Wide:
    /// next to large near-parallel rows a block's value moves by ‖X‖·‖Δv‖ between inner solves, and a block priced 2%
    /// below β at a loose point can be active at v*. The margin doubles with every drop, so a block is dropped at most
    /// three times (δ_b = 0.2, 0.4, 0.8): dropping and adding the same block cannot cycle.
    /// </summary>
    public const double PruneMargin = 0.2;

    /// <summary>
    /// Adds up to k blocks with ‖Π_b(v)‖ &gt; β not yet in the working set, largest first (THEORY.md §4: a block priced above
    /// β can lower the objective). Returns how many were added, and whether the oracle could neither find a block above β
    /// nor prove that none exists (<see cref="PricedBlocks.Undecided"/>).
    /// </summary>
    public ColumnAddition AddViolated(IPricingOracle oracle, double beta, Vector<double> v, int k)
    {
        var priced = oracle.BlocksAbove(v, beta);
        var candidates = new List<(double Value, PricedBlock Block)>();
        double largest = 0;
        foreach (var block in priced.Blocks)
        {
            largest = Math.Max(largest, block.Value);
            if (block.Value > beta && !_members.Contains(block.Block)) candidates.Add((block.Value, block));
        }
        candidates.Sort((a, c) => c.Value.CompareTo(a.Value));
        int added = 0;
        foreach (var (_, block) in candidates.Take(k))
        {
            _blocks.Add(Build(oracle.Geometry, block));
            _members.Add(block.Block);
            added++;
        }
        return new ColumnAddition(added, priced.Undecided, largest);
    }

    /// <summary>Adds the given blocks (the oracle's program's, not yet in the working set); returns how many were added.</summary>
    public int AddInitial(IPricingOracle oracle, IEnumerable<PricedBlock> blocks)
    {
        int added = 0;
        foreach (var priced in blocks)
        {
            if (_members.Contains(priced.Block) || !oracle.Includes(priced.Block)) continue;
            _blocks.Add(Build(oracle.Geometry, priced));
            _members.Add(priced.Block);
            added++;
        }
        return added;
    }

    /// <summary>The block's reduced form, built once (its sibling's cone is reused).</summary>
    private ReducedBlock Build(BlockGeometry geometry, PricedBlock priced)
    {
        if (_built.TryGetValue(priced.Block, out var block)) return block;
        block = _built.TryGetValue(priced.Block.Sibling, out var sibling)
            ? sibling.Sibling()
            : ReducedBlock.Create(geometry, priced.Block, priced.Witness);
        _built[priced.Block] = block;
        return block;
    }

    /// <summary>
    /// Drops the blocks that the last inner solution leaves (numerically) empty, ‖w_b‖ ≤ <see cref="PruneNormRatio"/>·max‖w‖,
    /// and that price clearly below β, ‖Π_b(v)‖ ≤ β(1 − δ_b) with δ_b of <see cref="PruneMargin"/>: an optimum uses at most
    /// n blocks, and a Newton step costs O(K n² d) in the working-set size K, so the working set is kept near the blocks the
    /// dual still prices close to β, at every iteration. A dropped block re-enters through pricing if it ever prices above
    /// β again, with a margin twice as wide for its next drop (with widely scaled rows ‖w_b‖ says little about a block's
    /// weight, and dropping and adding it again at one margin would cycle). Returns how many were dropped. The certificate
    /// always prices every block of the program.
    /// </summary>
    public int Prune(BlockGeometry geometry, double beta, Vector<double> v)
    {
        if (LastSolution is not { } last) return 0;
        double largest = 0;
        foreach (var (w, _) in last.Values) largest = Math.Max(largest, Norm(w));
        var vArr = v.AsArray() ?? v.ToArray();
        int before = _blocks.Count;
        _blocks.RemoveAll(blk =>
        {
            double margin = PruneMargin * Math.Pow(2, _timesPruned.GetValueOrDefault(blk.Block));
            if (margin >= 1) return false;
            if (!last.TryGetValue(blk.Block, out var point) || Norm(point.W) > PruneNormRatio * largest) return false;
            geometry.Projection(blk.Block, vArr, out double value);
            if (value > beta * (1 - margin)) return false;
            _members.Remove(blk.Block);
            _timesPruned[blk.Block] = _timesPruned.GetValueOrDefault(blk.Block) + 1;
            return true;
        });
        return before - _blocks.Count;
    }

    /// <summary>Keeps an inner solution by block, the warm start of the next inner solve.</summary>
    public void Remember(InnerOutcome inner, int d)
    {
        var snapshot = new Dictionary<Block, (double[] W, double S)>(_blocks.Count);
        for (int i = 0; i < _blocks.Count; i++) snapshot[_blocks[i].Block] = (inner.W.AsSpan(i * d, d).ToArray(), inner.S[i]);
        LastSolution = snapshot;
    }

    /// <summary>An inner solution as a sparse point (exactly zero blocks are left out).</summary>
    public ConvexPoint ToPoint(double[] w, int d)
    {
        var blocks = new List<BlockValue>();
        for (int i = 0; i < _blocks.Count; i++)
        {
            var wb = Vector<double>.Build.Dense(d, k => w[i * d + k]);
            if (Norms.Euclidean(wb) == 0) continue;
            blocks.Add(new BlockValue(_blocks[i].Block, wb));
        }
        return new ConvexPoint(blocks, d);
    }

    private static double Norm(double[] w) => Math.Sqrt(w.Sum(a => a * a));
}

/// <summary>
/// What one round of column generation did: blocks added, whether the pricing was left undecided at a limit, and the
/// largest value ‖π_b(v)‖ among the blocks it priced above β (0 when none): a value some block attains, so a lower bound on
/// ρ(v) (equal to it for an enumeration).
/// </summary>
internal readonly record struct ColumnAddition(int Added, bool PricingUndecided, double LargestPriced);
