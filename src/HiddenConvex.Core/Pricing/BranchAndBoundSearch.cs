using System.Diagnostics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// One run of <see cref="BranchAndBoundPricing"/> (the method and its soundness argument are in that class's remarks):
/// the open list, the incumbent block, the blocks found above a threshold and the stopping rule. The two children of a
/// node are bounded on two threads (each with its own <see cref="NodeBounder"/>); everything else is sequential, so a
/// run is deterministic. Not reusable.
/// </summary>
internal sealed class BranchAndBoundSearch
{
    /// <summary>Seeds whose cells are improved by the local ascent: the best this many by block value.</summary>
    private const int SeedsAscended = 8;

    private readonly double[] _v;
    private readonly int _n, _d;
    private readonly BranchAndBoundSettings _settings;
    private readonly bool _enumerate;
    private readonly double _threshold;
    private readonly int _maxCount;
    private readonly CancellationToken _ct;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CellSearch _cells;
    private readonly NodeBounder _bounder, _siblingBounder;
    private readonly PriorityQueue<SearchNode, double> _open = new();
    private long _openBytes, _nodes;
    private int _maxOpen;
    private double _closedMax, _lastProgress;
    /// <summary>Tolerances.DecidedRow·Σ_j |v_j|‖x_j‖: the rounding level of the bounds, which the decided rows' slacks reach.</summary>
    private readonly double _floor;

    // Incumbent (bracket).
    private readonly CellState _best, _candidate, _scratch, _neighbour;
    private double _bestValue;
    private bool _hasBest;

    // Blocks above the threshold (enumeration).
    private readonly List<FoundBlock> _found = [];
    private readonly List<FoundBlock> _incumbents = [];

    /// <summary>Successive incumbents kept for <see cref="PricingBracket.Incumbents"/> (the last ones, the best last).</summary>
    private const int KeptIncumbents = 16;
    private double _remainder;
    private bool _countLimited;
    private int _thinLeaves;

    public BranchAndBoundSearch(BranchAndBoundPricing owner, double[] v, BranchAndBoundSettings settings, bool enumerate,
        double threshold, int maxCount, CancellationToken ct)
    {
        var x = owner.XRowMajor;
        var rowNorm = owner.RowNorms;
        _n = owner.N; _d = owner.D; _v = v;
        _settings = settings; _enumerate = enumerate; _threshold = threshold; _maxCount = maxCount; _ct = ct;
        _cells = new CellSearch(x, rowNorm, _n, _d, v);
        _bounder = new NodeBounder(x, rowNorm, _n, _d, v, enumerate);
        _siblingBounder = new NodeBounder(x, rowNorm, _n, _d, v, enumerate);
        _best = new CellState(_n, _d); _candidate = new CellState(_n, _d);
        _scratch = new CellState(_n, _d); _neighbour = new CellState(_n, _d);
        _remainder = threshold;
        double scale = 0;
        for (int j = 0; j < _n; j++) scale += Math.Abs(v[j]) * rowNorm[j];
        _floor = Numerics.Tolerances.DecidedRow * scale;
    }

    // ---------------------------------------------------------------- bracket

    public PricingBracket RunBracket()
    {
        StartIncumbent();
        SeedIncumbent();
        var warm = _hasBest ? _best.Witness : new double[_d];
        for (int gamma = 1; gamma >= -1; gamma -= 2) Admit(_bounder.Root(gamma, warm, _bestValue));
        double first = _clock.Elapsed.TotalSeconds;
        var status = Explore();
        Report(force: true);
        return new PricingBracket(_bestValue, Upper(), _hasBest ? BranchAndBoundPricing.ToRecord(_best) : null, status,
            _nodes, _maxOpen, _clock.Elapsed.TotalSeconds, first, _cells.Projections)
        {
            Incumbents = Enumerable.Reverse(_incumbents).DistinctBy(b => b.Block).ToList(),
        };
    }

    /// <summary>The main loop: take the open node of largest bound, close it or bound its two children.</summary>
    private BracketStatus Explore()
    {
        var children = new SearchNode[2];
        while (true)
        {
            if (StopStatus() is { } status) return status;
            var node = _open.Dequeue();
            _openBytes -= node.Bytes;
            if (node.Bound <= PruneLevel()) { CloseAtLevel(node); continue; }
            double incumbent = _enumerate ? 0 : _bestValue; // the objective cut of a bracket (NodeBounder)
            if (_settings.ParallelChildren && node.Undecided.Length >= 32)
                Parallel.Invoke(() => children[0] = _bounder.Child(node, +1, incumbent),
                    () => children[1] = _siblingBounder.Child(node, -1, incumbent));
            else
            {
                children[0] = _bounder.Child(node, +1, incumbent);
                children[1] = _bounder.Child(node, -1, incumbent);
            }
            Admit(children[0]);
            Admit(children[1]);
            Report();
        }
    }

    /// <summary>A first incumbent from a fixed direction (every cell's value is a valid lower bound).</summary>
    private void StartIncumbent()
    {
        var rng = new Random(1);
        var u = new double[_d];
        for (int k = 0; k < _d; k++) u[k] = rng.NextDouble() - 0.5;
        for (int gamma = 1; gamma >= -1; gamma -= 2) TryDirection(u, gamma, ascend: false);
    }

    /// <summary>
    /// The seeds' cells for both signs; the best <see cref="SeedsAscended"/> of them are improved by the local ascent.
    /// Stops at the time limit or on cancellation (the search that follows then stops at once).
    /// </summary>
    private void SeedIncumbent()
    {
        var ranked = new List<(double Value, int Seed, int Gamma)>();
        for (int i = 0; i < _settings.Seeds.Count && !OutOfTime(); i++)
        {
            var u = _settings.Seeds[i].ToArray();
            for (int gamma = 1; gamma >= -1; gamma -= 2)
            {
                if (!_cells.CellOf(u, gamma, _candidate)) continue;
                ranked.Add((_candidate.Value, i, gamma));
                Adopt(_candidate);
            }
            Report();
        }
        foreach (var (_, seed, gamma) in ranked.OrderByDescending(r => r.Value).Take(SeedsAscended))
        {
            if (OutOfTime()) break;
            TryDirection(_settings.Seeds[seed].ToArray(), gamma, ascend: true);
            Report();
        }
    }

    private bool OutOfTime() => _ct.IsCancellationRequested || _clock.Elapsed.TotalSeconds >= _settings.TimeLimitSeconds;

    /// <summary>Evaluates the cell of u for sign γ (and ascends from it); adopts it when it beats the incumbent.</summary>
    private void TryDirection(ReadOnlySpan<double> u, int gamma, bool ascend)
    {
        if (!_cells.CellOf(u, gamma, _candidate)) return;
        if (ascend && _settings.AscentSteps > 0) _cells.Ascend(_candidate, _scratch, _neighbour, _settings.AscentSteps);
        Adopt(_candidate);
    }

    private void Adopt(CellState cell)
    {
        if (_hasBest && !(cell.Value > _bestValue)) return;
        _best.CopyFrom(cell);
        _bestValue = cell.Value;
        _hasBest = true;
        if (!_enumerate && cell.Value > 0)
        {
            _incumbents.Add(BranchAndBoundPricing.ToRecord(cell));
            if (_incumbents.Count > KeptIncumbents) _incumbents.RemoveAt(0);
        }
    }

    /// <summary>
    /// Nodes with a bound at most this are closed: max(Lower·(1 + tol) + floor, StopBelow) for a bracket (floor =
    /// <see cref="Numerics.Tolerances.DecidedRow"/>·Σ_j |v_j|‖x_j‖); for an enumeration the threshold, or the smallest listed
    /// value once the list is full.
    /// </summary>
    private double PruneLevel() => _enumerate
        ? (_found.Count >= _maxCount ? Math.Max(_threshold, _found[^1].Value) : _threshold)
        : Math.Max(_bestValue * (1 + _settings.RelativeTolerance) + _floor, _settings.StopBelow ?? 0);

    /// <summary>
    /// ρ̄ = max(ρ̲, largest bound of a closed node, largest bound of an open node); +∞ until both roots are bounded (the seeds
    /// are evaluated first). ρ̲ enters because a node bound tightened by the objective cut holds for max(incumbent, bound).
    /// </summary>
    private double Upper() => _nodes < 2 ? double.PositiveInfinity
        : Math.Max(Math.Max(_closedMax, _bestValue), _open.TryPeek(out var top, out _) ? top.Bound : 0);

    /// <summary>The stopping rule (class remarks of <see cref="BranchAndBoundPricing"/>), proven outcomes first.</summary>
    private BracketStatus? StopStatus()
    {
        if (!_enumerate)
        {
            if (_settings.StopAbove is { } above && _hasBest && _bestValue > above) return BracketStatus.ReachedStopAbove;
            double upper = Upper();
            if (_settings.StopBelow is { } below && upper <= below) return BracketStatus.ReachedStopBelow;
            if (upper - _bestValue <= _settings.RelativeTolerance * _bestValue + _floor) return BracketStatus.Closed;
        }
        if (_open.Count == 0) return BracketStatus.Exhausted;
        if (_ct.IsCancellationRequested) return BracketStatus.Cancelled;
        if (_clock.Elapsed.TotalSeconds >= _settings.TimeLimitSeconds) return BracketStatus.TimeLimit;
        if (_nodes >= _settings.NodeLimit) return BracketStatus.NodeLimit;
        if (_openBytes > _settings.MemoryLimitBytes) return BracketStatus.MemoryLimit;
        return null;
    }

    /// <summary>
    /// A freshly bounded node: the lower side tries its maximiser's cell when that direction beats the incumbent (bracket),
    /// or a leaf's single cell is evaluated (enumeration); then the node is closed or queued.
    /// </summary>
    private void Admit(SearchNode node)
    {
        _nodes++;
        if (_enumerate && node.BranchRow < 0) { EvaluateLeafCell(node); Close(node); return; }
        if (!_enumerate)
        {
            var u = node.Maximiser;
            if (!_hasBest || _cells.Objective(u, node.Gamma) > _bestValue) TryDirection(u, node.Gamma, ascend: true);
            if (node.BranchRow < 0) { Close(node); return; }
        }
        if (node.Bound <= PruneLevel()) { CloseAtLevel(node); return; }
        _open.Enqueue(node, -node.Bound);
        _openBytes += node.Bytes;
        _maxOpen = Math.Max(_maxOpen, _open.Count);
    }

    private void Close(SearchNode node) => _closedMax = Math.Max(_closedMax, node.Bound);

    /// <summary>Closes a node at the prune level; in an enumeration, a level above the threshold is the count limit's.</summary>
    private void CloseAtLevel(SearchNode node)
    {
        Close(node);
        if (_enumerate && node.Bound > _threshold) { _countLimited = true; _remainder = Math.Max(_remainder, node.Bound); }
    }

    private void Report(bool force = false)
    {
        var progress = _settings.Progress;
        if (progress is null) return;
        double now = _clock.Elapsed.TotalSeconds;
        if (!force && now - _lastProgress < _settings.ProgressIntervalSeconds) return;
        _lastProgress = now;
        progress(new BracketProgress(_nodes, _open.Count, _bestValue, Upper(), now));
    }

    // ---------------------------------------------------------------- blocks above a threshold

    public BlocksAboveResult RunBlocksAbove()
    {
        var warm = new double[_d];
        for (int gamma = 1; gamma >= -1; gamma -= 2) Admit(_bounder.Root(gamma, warm, 0));
        var status = Explore();
        Report(force: true);
        double openMax = _open.TryPeek(out var top, out _) ? top.Bound : 0;
        bool complete = status == BracketStatus.Exhausted && !_countLimited && _thinLeaves == 0;
        return new BlocksAboveResult(_found.ToList(), complete, complete ? _threshold : Math.Max(_remainder, openMax), status,
            _nodes, _maxOpen, _thinLeaves, _clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A leaf of the enumeration is one cell: with an interior witness, its block is listed when its value exceeds the
    /// threshold; without one (a cone thinner than the witness margin) it is counted, and the list is not proven complete.
    /// </summary>
    private void EvaluateLeafCell(SearchNode node)
    {
        var cell = _candidate;
        for (int j = 0; j < _n; j++) cell.Signs[j] = SearchNode.IsSet(node.Active, j) ? 1 : -1;
        if (!_cells.InteriorWitness(cell.Signs, cell.Witness))
        {
            if (node.Bound > _threshold) { _thinLeaves++; _remainder = Math.Max(_remainder, node.Bound); }
            return;
        }
        cell.Gamma = node.Gamma;
        cell.Value = _cells.BlockValue(cell.Signs, node.Gamma, cell.Projection, out var face);
        cell.FaceRows = face;
        if (!(cell.Value > _threshold)) return;
        var block = BranchAndBoundPricing.ToRecord(cell);
        int at = _found.FindIndex(b => b.Value < block.Value);
        _found.Insert(at < 0 ? _found.Count : at, block);
        if (_found.Count > _maxCount)
        {
            _countLimited = true;
            _remainder = Math.Max(_remainder, _found[^1].Value);
            _found.RemoveAt(_found.Count - 1);
        }
    }
}
