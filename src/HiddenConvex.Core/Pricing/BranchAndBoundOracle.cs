using HiddenConvex.Core.Data;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Pricing;

/// <summary>
/// Settings of <see cref="BranchAndBoundOracle"/>. Every field has a default; use <c>with</c> to change one.
/// </summary>
public sealed record BranchAndBoundOracleSettings
{
    /// <summary>
    /// The settings of each bracket (default: <see cref="BranchAndBoundSettings"/>'s defaults with RelativeTolerance 1e-7,
    /// a tenth of <see cref="Numerics.Tolerances.CheckGap"/>: the certificate's scale t = β/ρ̄ then loses at most that share
    /// of the bound). Its time limit is the limit of one call; its seeds are extended by the oracle's own.
    /// </summary>
    public BranchAndBoundSettings Search { get; init; } = new() { RelativeTolerance = 1e-7 };

    /// <summary>
    /// β of the program priced for (default null). When set, a bracket stops as soon as ρ̄ ≤ β or ρ̲ &gt; β(1 +
    /// <see cref="RefutationMargin"/>). At ρ̄ ≤ β the certificate's scale may reach t = 1 (THEORY.md §4), which is where a
    /// point near the optimum has its best bound; a tighter ρ̄ could only widen t beyond 1.
    /// </summary>
    public double? Beta { get; init; }

    /// <summary>
    /// A bracket stops once a block prices above β(1 + this) (default 1e-2): ρ(v) is then at least 1 % above β, the escape
    /// neuron of THEORY.md §9 exists, and the certificate at t = β/ρ̄ ≤ 1/1.01 is far from ε_gap; closing the bracket
    /// further would spend the budget on a bound that decides nothing. Soundness does not depend on it (ρ̄ stays proven).
    /// </summary>
    public double RefutationMargin { get; init; } = 1e-2;

    /// <summary>
    /// Wall-clock budget in seconds from the oracle's construction (default +∞): a command's time limit. Each call gets
    /// min(Search.TimeLimitSeconds, what is left), so no bracket runs past it; once it is spent a call still computes its
    /// first bracket (the two root bounds and the seeds' cells) with <see cref="MinimumCallSeconds"/>, so every answer
    /// carries a proven ρ̄.
    /// </summary>
    public double TotalSeconds { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// Share of the budget left that one <see cref="BranchAndBoundOracle.Price(Vector{double})"/> may take (default 1: a check prices one v
    /// that matters). Column generation prices a new v at every iteration and needs only the last one closed: a share
    /// below 1 (e.g. 0.25) leaves time to the iterations that follow.
    /// </summary>
    public double CallShareOfBudget { get; init; } = 1;

    /// <summary>Time limit of a call once <see cref="TotalSeconds"/> is spent (default 0.05 s).</summary>
    public double MinimumCallSeconds { get; init; } = 0.05;

    /// <summary>
    /// Time limit of the search for a block above a threshold that column generation asks for
    /// (<see cref="BranchAndBoundOracle.BlocksAbove"/>, default 2 s).
    /// </summary>
    public double ColumnSearchSeconds { get; init; } = 2;

    /// <summary>
    /// Relative closing tolerance of that search (default 0.05): column generation needs a block near the most violated
    /// one, not a proof, so the search stops once no open node can beat the best block by more than 5 %.
    /// </summary>
    public double ColumnRelativeTolerance { get; init; } = 0.05;

    /// <summary>
    /// Random directions whose cells are priced for column generation next to the search's incumbents (default 256): a
    /// cheap source of many violated blocks per iteration while the dual is far from feasible.
    /// </summary>
    public int ColumnSampleDirections { get; init; } = 256;

    /// <summary>
    /// Most blocks returned to column generation per call (default 16): every block added makes each Newton step of the
    /// reduced program dearer (its dense form grows with (K(d + 1))²), and far from the optimum the blocks priced at one v
    /// are mostly replaced by better ones at the next.
    /// </summary>
    public int ColumnBlocksPerCall { get; init; } = 16;

    /// <summary>Seed of those random directions (default 1; each call draws new ones from one generator).</summary>
    public int ColumnSampleSeed { get; init; } = 1;

    /// <summary>Maximisers of earlier calls kept as seeds of the next (default 64; the oldest are dropped first).</summary>
    public int RememberedSeeds { get; init; } = 64;

    /// <summary>Checks every field; returns this.</summary>
    /// <exception cref="InvalidInputException">A field is out of range, named in the message.</exception>
    public BranchAndBoundOracleSettings Validated(int inputDim)
    {
        ArgumentNullException.ThrowIfNull(Search);
        Search.Validated(inputDim);
        InvalidInputException.Require(Beta is null || (double.IsFinite(Beta.Value) && Beta.Value > 0), $"β must be a positive finite number, got {Beta}");
        InvalidInputException.Require(double.IsFinite(RefutationMargin) && RefutationMargin >= 0, $"refutation margin must be finite and ≥ 0, got {RefutationMargin}");
        InvalidInputException.Require(TotalSeconds > 0, $"the total time budget must be positive, got {TotalSeconds}");
        Guard.Positive(MinimumCallSeconds, "minimum call time (seconds)");
        InvalidInputException.Require(CallShareOfBudget > 0 && CallShareOfBudget <= 1, $"call share of the budget must be in (0, 1], got {CallShareOfBudget}");
        Guard.Positive(ColumnSearchSeconds, "column search time (seconds)");
        InvalidInputException.Require(double.IsFinite(ColumnRelativeTolerance) && ColumnRelativeTolerance >= 0,
            $"column search tolerance must be finite and ≥ 0, got {ColumnRelativeTolerance}");
        InvalidInputException.Require(ColumnBlocksPerCall >= 1, $"column blocks per call must be ≥ 1, got {ColumnBlocksPerCall}");
        InvalidInputException.Require(ColumnSampleDirections >= 0, $"column sample directions must be ≥ 0, got {ColumnSampleDirections}");
        InvalidInputException.Require(RememberedSeeds >= 0, $"remembered seeds must be ≥ 0, got {RememberedSeeds}");
        return this;
    }
}

/// <summary>
/// The pricing oracle that needs no enumeration of S(X) (THEORY.md §4a): each <see cref="Price(Vector{double})"/> is a proven bracket
/// ρ̲ ≤ ρ(v) ≤ ρ̄ by branch and bound (<see cref="BranchAndBoundPricing"/>), and the certificate of THEORY.md §4 built on ρ̄
/// bounds the full program (<see cref="BoundsFullProgram"/> is true whatever the bracket's width: ρ̄ is always proven).
/// </summary>
/// <remarks>
/// The last bracket is kept: the certificate, the escape neuron and column generation price the same v one after the other.
/// Maximisers found are remembered as seeds of later calls (the next dual vector is usually close), after the seeds given
/// at construction (e.g. the neurons of a network being checked). <see cref="BlocksAbove"/> is heuristic (column generation
/// only needs some violated block): the best block of a short bracket, with <see cref="PricedBlocks.Complete"/> only when the
/// bracket proves that no block exceeds the threshold.
/// </remarks>
public sealed class BranchAndBoundOracle : IPricingOracle
{
    private readonly BranchAndBoundPricing _search;
    private readonly BranchAndBoundOracleSettings _settings;
    private readonly List<Vector<double>> _givenSeeds;
    private readonly List<Vector<double>> _remembered = [];
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private readonly System.Diagnostics.Stopwatch _sinceCreated = System.Diagnostics.Stopwatch.StartNew();
    private readonly Random _directions;
    private double[]? _lastV;
    private PricingBracket? _lastBracket;
    private PricingResult? _lastResult;
    private double[]? _columnV;
    private int _columnCallsAtV;

    /// <summary>Prepares the oracle for data X with seed directions (e.g. a network's neurons) and settings.</summary>
    /// <exception cref="InvalidInputException">X is empty or not finite, a seed has the wrong length, or a setting is out of range.</exception>
    public BranchAndBoundOracle(Matrix<double> x, IEnumerable<Vector<double>>? seeds = null, BranchAndBoundOracleSettings? settings = null)
    {
        _search = new BranchAndBoundPricing(x);
        N = x.RowCount;
        D = x.ColumnCount;
        _settings = (settings ?? new BranchAndBoundOracleSettings()).Validated(D);
        _givenSeeds = (seeds ?? []).Where(s => Norms.Euclidean(s) > 0).ToList();
        _ = (_settings.Search with { Seeds = _givenSeeds }).Validated(D);
        Geometry = new BlockGeometry(x);
        _directions = new Random(_settings.ColumnSampleSeed);
    }

    /// <inheritdoc />
    public int N { get; }

    /// <inheritdoc />
    public int D { get; }

    /// <inheritdoc />
    public string Method => "bnb";

    /// <inheritdoc />
    public bool BoundsFullProgram => true;

    /// <inheritdoc />
    public bool ListsEveryBlock => false;

    /// <inheritdoc />
    public BlockGeometry Geometry { get; }

    /// <summary>The bracket of the last call (null before the first).</summary>
    public PricingBracket? LastBracket => _lastBracket;

    /// <summary>Brackets computed (cached answers not counted).</summary>
    public int Calls { get; private set; }

    /// <summary>Nodes bounded over all calls.</summary>
    public long TotalNodes { get; private set; }

    /// <summary>Seconds spent in brackets over all calls.</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Brackets that stopped at a limit (time, nodes, memory) rather than with a proven outcome.</summary>
    public int LimitedCalls { get; private set; }

    /// <summary>
    /// ρ(v) as a proven bracket (THEORY.md §4a): <see cref="PricingResult.Rho"/> = ρ̲ attained by the best block found,
    /// <see cref="PricingResult.Upper"/> = ρ̄, outward rounded. The stopping rule is <see cref="BranchAndBoundPricing"/>'s,
    /// with StopBelow = β and StopAbove = β(1 + margin) when β is set.
    /// </summary>
    public PricingResult Price(Vector<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (KeptAt(v) is { } kept) return kept;
        var bracket = Bracket(v, CallSettings(Math.Min(_settings.Search.TimeLimitSeconds, _settings.CallShareOfBudget * SecondsLeft)));
        return Remember(v, bracket);
    }

    /// <inheritdoc />
    public bool StopsAtDecision => true;

    /// <summary>
    /// <see cref="Price(Vector{double})"/> for a certificate that needs only its test decided (ρ_c of
    /// <see cref="Certificates.CertificateChecker.DecidingRho"/>): the bracket stops once ρ̄ ≤ ρ_c (the certificate meets
    /// its ε) or ρ̲ &gt; ρ_c (no ρ̄ can make it), instead of at β and β(1 + <see cref="BranchAndBoundOracleSettings.RefutationMargin"/>).
    /// Why: column generation certifies a point at every iteration, and a point that cannot meet ε (a loose inner solve,
    /// a working set still missing blocks) would otherwise search for its whole share of the budget for a bound that
    /// decides nothing. A bracket kept at v is reused as by <see cref="Price(Vector{double})"/>.
    /// </summary>
    public PricingResult Price(Vector<double> v, double decidingRho)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (KeptAt(v) is { } kept) return kept;
        return Remember(v, Bracket(v, DecidingSettings(_settings.CallShareOfBudget * SecondsLeft, decidingRho)));
    }

    /// <summary>
    /// A bracket at v with all the budget that is left (<see cref="IPricingOracle.SearchLonger"/>), when the one kept at v
    /// stopped at a limit with ρ̲ ≤ ρ_c &lt; ρ̄ (or none is kept). Why: each certificate's bracket gets only
    /// <see cref="BranchAndBoundOracleSettings.CallShareOfBudget"/> of what is left, and a solve that has nothing else to
    /// try would otherwise end with time unspent on the one proof that decides it. A new search starts from the root (the
    /// kept one's open nodes are gone), so it pays off when the budget left is well above the kept search's.
    /// </summary>
    public LongerSearch SearchLonger(Vector<double> v, double decidingRho)
    {
        ArgumentNullException.ThrowIfNull(v);
        var kept = KeptAt(v);
        if (kept is not null && (kept.Upper <= decidingRho || kept.Rho > decidingRho)) return LongerSearch.NotNeeded;
        if (!(SecondsLeft > _settings.MinimumCallSeconds)) return LongerSearch.BudgetSpent;
        Remember(v, Bracket(v, DecidingSettings(SecondsLeft, decidingRho)), kept);
        return LongerSearch.Searched;
    }

    /// <summary>A bracket of at most <paramref name="seconds"/> (and the search's own limit) that stops once ρ_c is decided.</summary>
    private BranchAndBoundSettings DecidingSettings(double seconds, double decidingRho)
    {
        double rho = Math.Min(Math.Max(decidingRho, 0), double.MaxValue); // the settings take finite stops; +∞ means "any ρ̄"
        return CallSettings(Math.Min(_settings.Search.TimeLimitSeconds, seconds)) with { StopBelow = rho, StopAbove = rho };
    }

    /// <summary>
    /// Blocks with ‖π_b(v)‖ ≥ threshold for column generation, best first: the cells of random directions and remembered
    /// maximisers, and the best block and the earlier incumbents of a search closed to
    /// <see cref="BranchAndBoundOracleSettings.ColumnRelativeTolerance"/> within
    /// <see cref="BranchAndBoundOracleSettings.ColumnSearchSeconds"/> (the refutation stop of <see cref="Price(Vector{double})"/> finds some
    /// block above β; column generation wants one near the most violated). Complete only when the search proves that no
    /// block of S(X) reaches the threshold. Its bracket also serves later <see cref="Price(Vector{double})"/> calls at this v when it is
    /// tighter than the one kept.
    /// </summary>
    public PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(v);
        var kept = KeptAt(v);
        int repeat = CountColumnCall(v, kept is not null);
        bool settled = kept is not null && (kept.Upper < threshold
            || _lastBracket!.Status is BracketStatus.Exhausted
            || (repeat == 0 && _lastBracket.Status is BracketStatus.Closed));
        var result = settled ? kept! : Remember(v, Bracket(v, repeat == 0 ? ColumnSettings() : DecisionSettings(threshold, repeat)), kept);
        var found = new List<PricedBlock>();
        if (result.Rho >= threshold) found.Add(result.Best);
        foreach (var b in _lastBracket!.Incumbents)
            if (b.Value >= threshold) found.Add(b.Priced);
        foreach (var b in SampledCells(v, threshold)) found.Add(b.Priced);
        found = found.DistinctBy(b => b.Block).OrderByDescending(b => b.Value).ToList();
        bool complete = result.Upper < threshold;
        bool undecided = found.Count == 0 && !complete && LongerSearchCanDecide(_lastBracket.Status);
        return new PricedBlocks(found.Take(Math.Min(Math.Max(0, maxCount), _settings.ColumnBlocksPerCall)).ToList(), complete, undecided);
    }

    /// <summary>
    /// How many column searches ran at this v before this one (0 for a new v). A caller asks again at the same v only when
    /// the last answer was <see cref="PricedBlocks.Undecided"/>, so each repeat searches twice as long as the one before.
    /// </summary>
    private int CountColumnCall(Vector<double> v, bool keptAtV)
    {
        _columnCallsAtV = keptAtV && _columnV is not null && SameVector(v, _columnV) ? _columnCallsAtV + 1 : 0;
        _columnV = v.ToArray();
        return _columnCallsAtV;
    }

    /// <summary>
    /// A repeated column search at v decides whether a block reaches the threshold: it stops at the first such block or at a
    /// proof that none does, within <see cref="BranchAndBoundOracleSettings.ColumnSearchSeconds"/>·2^repeat seconds (and the
    /// budget) and the search's node limit times 2^repeat.
    /// </summary>
    private BranchAndBoundSettings DecisionSettings(double threshold, int repeat)
    {
        double growth = Math.Pow(2, Math.Min(repeat, 30));
        var s = CallSettings(Math.Min(_settings.ColumnSearchSeconds * growth, _settings.Search.TimeLimitSeconds));
        long nodes = (long)Math.Min(s.NodeLimit * growth, long.MaxValue / 2);
        return s with { StopBelow = threshold, StopAbove = threshold, NodeLimit = nodes };
    }

    private static bool IsLimited(BracketStatus status) =>
        status is BracketStatus.TimeLimit or BracketStatus.NodeLimit or BracketStatus.MemoryLimit;

    /// <summary>Limits a longer search can pass: the open list's memory bound stays the same at every repeat.</summary>
    private static bool LongerSearchCanDecide(BracketStatus status) =>
        status is BracketStatus.TimeLimit or BracketStatus.NodeLimit;

    /// <summary>Every block of S(X) belongs to the program.</summary>
    public bool Includes(Block block) => true;

    private PricingBracket Bracket(Vector<double> v, BranchAndBoundSettings settings)
    {
        _clock.Start();
        try { return _search.Bracket(v, settings); }
        finally { _clock.Stop(); }
    }

    /// <summary>What is left of <see cref="BranchAndBoundOracleSettings.TotalSeconds"/> (wall clock since construction).</summary>
    private double SecondsLeft => _settings.TotalSeconds - _sinceCreated.Elapsed.TotalSeconds;

    private BranchAndBoundSettings CallSettings(double callLimit)
    {
        double left = SecondsLeft;
        double limit = Math.Max(_settings.MinimumCallSeconds, Math.Min(callLimit, left));
        var seeds = _givenSeeds.Concat(Enumerable.Reverse(_remembered)).ToList();
        var s = _settings.Search with { TimeLimitSeconds = limit, Seeds = seeds };
        if (_settings.Beta is { } beta) s = s with { StopBelow = beta, StopAbove = beta * (1 + _settings.RefutationMargin) };
        return s;
    }

    /// <summary>The cells of <see cref="BranchAndBoundOracleSettings.ColumnSampleDirections"/> Gaussian directions and of the remembered seeds above the threshold.</summary>
    private IReadOnlyList<FoundBlock> SampledCells(Vector<double> v, double threshold)
    {
        var directions = Enumerable.Range(0, _settings.ColumnSampleDirections)
            .Select(_ => Vector<double>.Build.Dense(D, _ => Arrangements.PatternSampler.StandardNormal(_directions)))
            .Concat(_remembered).ToList();
        _clock.Start();
        try { return _search.CellsOf(v, directions, threshold); }
        finally { _clock.Stop(); }
    }

    private BranchAndBoundSettings ColumnSettings()
    {
        var s = CallSettings(Math.Min(_settings.ColumnSearchSeconds, _settings.Search.TimeLimitSeconds));
        return s with { StopAbove = null, RelativeTolerance = Math.Max(s.RelativeTolerance, _settings.ColumnRelativeTolerance) };
    }

    /// <summary>
    /// Keeps the bracket as the answer at v, combined with an earlier answer at the same v: the larger ρ̲ (its block) and
    /// the smaller ρ̄ (both are proven).
    /// </summary>
    private PricingResult Remember(Vector<double> v, PricingBracket bracket, PricingResult? earlier = null)
    {
        Calls++;
        TotalNodes += bracket.Nodes;
        if (IsLimited(bracket.Status)) LimitedCalls++;
        var best = bracket.Best ?? throw new InvalidOperationException(
            "branch-and-bound pricing found no cell with an interior witness (every tried direction lay on a hyperplane of X)");
        if (best.Value > 0 && _settings.RememberedSeeds > 0)
        {
            _remembered.Add(best.Maximiser);
            if (_remembered.Count > _settings.RememberedSeeds) _remembered.RemoveAt(0);
        }
        _lastV = v.ToArray();
        _lastBracket = bracket;
        var result = new PricingResult(best.Priced, best.Maximiser, bracket.Upper, UpperProven: true);
        if (earlier is not null)
            result = (earlier.Rho > result.Rho ? earlier : result) with { Upper = Math.Min(earlier.Upper, result.Upper) };
        _lastResult = result;
        return _lastResult;
    }

    /// <summary>The answer kept from the last call when it priced this very v, else null.</summary>
    private PricingResult? KeptAt(Vector<double> v) => _lastResult is not null && _lastV is not null && SameVector(v, _lastV) ? _lastResult : null;

    private static bool SameVector(Vector<double> v, double[] w)
    {
        if (v.Count != w.Length) return false;
        for (int i = 0; i < w.Length; i++)
            if (v[i] != w[i]) return false;
        return true;
    }
}
