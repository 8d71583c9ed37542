using System.CommandLine;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv check: check a trained network for global optimality (THEORY.md §9).</summary>
public sealed class CheckCommand : HcvCommand
{
    private readonly Argument<string> _data = Opts.Positional("DATA", "the data set: .json with arrays \"X\", \"y\", .csv (last column y), .npy, .npz (arrays X, y)");
    private readonly Argument<string> _net = Opts.Positional("NET", "the network: .json with arrays \"U\", \"alpha\" or .npz (U: m×d, rows u_i; alpha: m); no second-layer bias");
    private readonly ProblemOptions _problem = new();
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON on stdout");
    private readonly Option<string?> _improve = Opts.Text("--improve", "OUT",
        "write an improved network to OUT (.json or .npz), pruned (see below); the output says what was written");
    private readonly Option<bool> _noPrune = Opts.Flag("--no-prune", "write the improvement as found (θ plus the escape neuron, the path's end) without minimalising or pruning it");
    private readonly Option<bool> _force = Opts.Flag("--force", "allow --improve to overwrite an existing file");
    private readonly Option<double> _gapTol = Opts.Number("--gap-tol", "E", "ε_gap: relative certified gap at or below which θ is optimal", Tolerances.CheckGap);
    private readonly Option<double> _localGapTol = Opts.Number("--local-gap-tol", "E", "ε_local: relative gap to the best network on θ's own slots", Tolerances.LocalGap);
    private readonly Option<double> _statTol = Opts.Number("--stat-tol", "E",
        $"relative part of ε_stat = abs + rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖) (abs {Tolerances.Stationarity.Absolute:G3})", Tolerances.Stationarity.Relative);
    private readonly Option<double> _kinkTol = Opts.Number("--kink-tol", "E",
        "rows with |x_j·u| ≤ E·‖x_j‖‖u‖ are kinks of neuron u, their ReLU slope free in [0, 1] (a Goldstein radius: trained " +
        "networks hover within 1e-6..1e-4 of kinks, where E = 1e-4 measures their stationarity)", Tolerances.Kink.Relative);
    private readonly Option<bool> _solve = Opts.Flag("--solve",
        "for a not-stationary network, also solve the convex program: P* and the decrease available along the §8 path to the global minimum (default: only with --improve)");
    private readonly Option<bool> _noSolve = Opts.Flag("--no-solve", "never solve the convex program (--improve then writes the end of the §8 path or θ plus the escape neuron)");
    private readonly Option<double> _timeLimit = Opts.Number("--time-limit", "SEC",
        "wall-clock limit in seconds of each of the check's internal convex solves and, with --patterns bnb, of its branch-and-bound pricing over all brackets", 3600);
    private readonly Option<string> _patterns = PatternChoice.Option();
    private readonly Option<int> _seed = PatternChoice.SeedOption();

    /// <inheritdoc />
    public override string Name => "check";

    /// <inheritdoc />
    public override string Summary => "check a trained network for global optimality; suggest an improvement";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols =>
    [
        _data, _net, .. _problem.Symbols, _json, _improve, _noPrune, _force, _gapTol, _localGapTol, _statTol, _kinkTol, _solve, _noSolve,
        _timeLimit, _patterns, _seed,
    ];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes =>
        [(ExitCode.Success, "optimal"), (ExitCode.Negative, "refuted: stationary-not-optimal or not-stationary"), (ExitCode.Undecided, "undecided: neither certified nor refuted")];

    /// <inheritdoc />
    public override string Details => $"""
        Is the two-layer ReLU network NET globally optimal for L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² on DATA (THEORY.md §1, §9)?
        The check prices v = −∇ℓ(f_θ(X)) over the activation cells of X — enumerated (--patterns exact), or bounded by branch
        and bound without enumeration (--patterns bnb, THEORY.md §4a: a proven bracket ρ̲ ≤ ρ(v) ≤ ρ̄; auto picks it when the
        enumeration would not fit or take too long) — and reports a proven lower bound on the optimum P*, the gap, the Clarke
        stationarity measure, and what would improve the network. With bnb the certificate uses ρ̄, so 'lower' stays proven;
        when the time limit leaves the bracket too wide, the verdict may be 'undecided' with the proven bracket [lower, L̂].

        Decision rule (THEORY.md §4.1, §9; L̂ = L_β(θ) with its rounding bound B, lower = the best of the THEORY.md §4
        certificates of f_θ(X), of the optimum of the convex program restricted to θ's slots and, when the escape neuron's
        decrease is within ε_gap·L̂, of a few rounds of column generation from that program (THEORY.md §4a),
        Ḡ = L̂ − lower + B + B_low the proven gap; every test is relative to the instance's own scale):
          certified  := Ḡ ≤ ε_gap·(L̂ − B), with ρ(v) from the exact pattern set or ρ̄ from branch and bound
          stationary := Clarke measure ≤ ε_stat = rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖)  or  (L̂ − lower over θ's own slots)/L̂ ≤ ε_local
          refuted    := a witness network (the escape neuron, the §8 path, ψ of the convex optimum) has
                        L̂(θ) − L̂(θ') > B(θ) + B(θ')  (a decrease rounding cannot produce)
          optimal                 if certified
          stationary-not-optimal  else if stationary and refuted
          not-stationary          else if not stationary
          undecided               otherwise: P* lies in the proven bracket [lower, L̂]
        The output says which criterion decided. 'scaled' and 'nearly minimal' are judged with the tolerances θ's own
        stationarity implies (THEORY.md §7.2: T4a, and T4b under the §7 condition (K)), printed with them.

        --improve writes: for an optimal θ, its minimal equivalent network pruned to a vertex of the optimal set (width at
        most n + 1); otherwise the best of ψ(W*) (the end of the §8 path to the global minimum: a pruned vertex, with
        --solve or by default with --improve), θ plus the escape neuron, and the end of the §8 path to a nearly minimal
        network, minimalised (NeuronOps.Minimalise: one neuron per slot; same prediction, L_β not larger). --no-prune
        writes it as found. The target is checked before the work: an existing file needs --force, its folder must exist.
        --time-limit bounds each convex solve of the check (the slot-restricted one and, with --solve, the full one).
        """;

    /// <inheritdoc />
    public override IEnumerable<string> Validate(ParseResult parse)
    {
        if (parse.GetValue(_solve) && parse.GetValue(_noSolve)) yield return "--solve and --no-solve exclude each other";
        if (parse.Given(_noPrune) && parse.GetValue(_improve) is null) yield return "--no-prune only applies with --improve";
    }

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var loss = _problem.ReadLoss(parse);
        double beta = _problem.ReadBeta(parse);
        bool force = parse.GetValue(_force);
        var choice = PatternChoice.Parse(parse.GetValue(_patterns)!);
        string? improve = OutputTarget.Check(parse.GetValue(_improve), force);
        var settings = new CheckSettings
        {
            GapTolerance = Guard.Positive(parse.GetValue(_gapTol), "--gap-tol"),
            LocalGapTolerance = Guard.Positive(parse.GetValue(_localGapTol), "--local-gap-tol"),
            Stationarity = Tolerances.Stationarity with { Relative = Guard.Positive(parse.GetValue(_statTol), "--stat-tol") },
            Kink = Tolerances.Kink with { Relative = Guard.Positive(parse.GetValue(_kinkTol), "--kink-tol") },
            SolveConvex = parse.GetValue(_solve) || (improve is not null && !parse.GetValue(_noSolve)),
            Solver = new SolverSettings { TimeLimitSeconds = Guard.Positive(parse.GetValue(_timeLimit), "--time-limit") }.Validated(),
            Log = Console.Error,
        };
        var dataPath = parse.GetValue(_data)!;
        var netPath = parse.GetValue(_net)!;
        var data = _problem.LoadData(parse, dataPath, loss);
        var network = _problem.LoadNetwork(parse, netPath, data, netPath);

        Console.Error.WriteLine($"hcv check: n = {data.N}, d = {data.D}, width {network.Width}, {loss}, beta = {Fmt.Value(beta)}");
        double timeLimit = settings.Solver.TimeLimitSeconds;
        var bnb = PatternChoice.OracleSettings(beta, settings.GapTolerance, timeLimit, Console.Error, "  ");
        var setup = choice.Build(data, parse.GetValue(_seed), network, bnb, Console.Error);
        var patterns = setup.Cells;
        Console.Error.WriteLine($"  {setup.Description}");
        var report = OptimalityCheck.Check(network, data, loss, beta, setup.Oracle, patterns, settings);
        var balance = BalanceAtStationarity.Of(network, data, loss, beta, patterns, report.Stationarity, settings.Kink);

        Written? written = null;
        if (improve is not null && report.Improved is { } better)
        {
            written = Improvement.Prepare(report, better, network, data, loss, beta, patterns, settings, !parse.GetValue(_noPrune));
            // JSON cannot hold a width-0 network (d would be lost): the zero network is written as one zero neuron.
            bool json0 = written.Network.Width == 0 && string.Equals(Path.GetExtension(improve), ".json", StringComparison.OrdinalIgnoreCase);
            NetworkIO.Save(json0 ? written.Network.PadWithZeros(1) : written.Network, improve, force);
            Console.Error.WriteLine($"  wrote {improve}: {written.Description}");
        }
        else if (improve is not null)
            Console.Error.WriteLine($"  nothing written to {improve}: no improvement found");

        var record = CheckJson.Of(report, balance, setup, settings, improve, written);
        if (parse.GetValue(_json)) JsonOutput.Print(record);
        else Console.Out.Write(Text(record));
        return report.ExitCode();
    }

    /// <summary>What --improve wrote: the network, its width, L_β, and in words what it is.</summary>
    public sealed record Written(Network Network, double Objective, string Description);

    /// <summary>The --json record of a check. Field names are the Python module's contract (docs/python.md).</summary>
    public sealed record CheckJson(
        string Verdict, string DecidedBy, string Explanation, double Objective, double Lower, double Gap, double RelativeGap,
        double ProvenGap, double ObjectiveRounding, double LowerRounding, bool Certified, bool Refuted, string? RefutedBy, bool LowerProven, double Rho, double Beta, double Stationarity, double StationarityThreshold, double StationarityRelative,
        bool Stationary, int KinkRows, double LocalGap, double LocalRelativeGap, bool Scaled, double ScaledTolerance,
        bool NearlyMinimal, double ColinearityTolerance, string? WhyNotNearlyMinimal, int Width, int Slots, int MinimalWidth,
        EscapeJson? EscapeNeuron, double? PathDecrease, ConvexJson? Convex, int Cells, bool PatternsExact, string PatternMethod, PricingJson? Pricing,
        string? Improved, string? ImprovedBy, int? ImprovedWidth, double? ImprovedObjective, TolerancesJson Tolerances, double Seconds)
    {
        /// <summary>The record of a report.</summary>
        public static CheckJson Of(OptimalityReport r, BalanceAtStationarity b, PricingSetup setup, CheckSettings s, string? improve, Written? w) =>
            new(r.VerdictName, r.DecidedBy.Name(), r.Explanation, r.Objective, r.Lower, r.Gap, r.RelativeGap,
                r.Certificate.ProvenGap, r.ObjectiveRounding, r.Certificate.LowerRounding, r.Certificate.CertifiedAt(s.GapTolerance),
                r.Refutation is not null, r.Refutation?.Description, r.LowerProven, r.Rho, r.Beta,
                r.Stationarity.Measure, r.Stationarity.Threshold, r.Stationarity.RelativeMeasure, r.Stationarity.IsStationary, r.Stationarity.KinkRows,
                r.LocalGap, r.LocalRelativeGap, b.Scaled, b.MaxBalanceAllowance, b.NearlyMinimal, b.MaxColinearityAllowance, b.WhyNotNearlyMinimal,
                r.Width, r.Slots, r.MinimalWidth,
                r.Escape is { } e ? new EscapeJson(e.U.ToArray(), e.Alpha, e.ActualDecrease, e.Scale, e.Block.Sign, e.FirstOrderRate, e.Rounding, e.Refutes) : null,
                r.PathToNearlyMinimal?.Decrease,
                r.Convex is { } c ? new ConvexJson(c.StatusName, c.Objective, c.Lower, r.Objective - c.Objective) : null,
                setup.Cells.Count, setup.Cells.IsExact, setup.Oracle.Method, PricingJson.Of(setup.Oracle),
                w is null ? null : improve, w?.Description, w?.Network.Width, w?.Objective,
                new TolerancesJson(s.GapTolerance, s.LocalGapTolerance, s.Stationarity.Absolute, s.Stationarity.Relative, s.Kink.Relative,
                    s.Pricing.Absolute, s.Pricing.Relative, s.Solver.TimeLimitSeconds),
                r.Seconds);
    }

    /// <summary>
    /// The escape neuron (THEORY.md §9): u, α = t·sign, the exact decrease of L_β at the best step t, the first-order rate
    /// ρ − β (the decrease per unit t² as t → 0), the rounding bound B(θ) + B(θ') of the comparison and whether the decrease
    /// exceeds it (a refutation, §4.1).
    /// </summary>
    public sealed record EscapeJson(double[] U, double Alpha, double Decrease, double T, int Sign, double FirstOrderRate, double Rounding, bool Refutes);

    /// <summary>The convex program's bracket [lower, objective] ∋ P*_c and the decrease it makes available.</summary>
    public sealed record ConvexJson(string Status, double Objective, double Lower, double DecreaseAvailable);

    /// <summary>The tolerances the check used.</summary>
    public sealed record TolerancesJson(double Gap, double LocalGap, double StationarityAbsolute, double StationarityRelative, double KinkRelative,
        double PricingAbsolute, double PricingRelative, double TimeLimit);

    private static string Text(CheckJson r)
    {
        var sb = new System.Text.StringBuilder();
        void Line(string label, string value) => sb.Append($"{label,-22} {value}\n");
        Line("verdict", $"{r.Verdict} (decided by {r.DecidedBy})");
        Line("objective L_beta", Fmt.Value(r.Objective));
        Line("lower bound on P*", $"{Fmt.Value(r.Lower)}{(r.LowerProven ? "" : " (sampled patterns: not proven)")}");
        Line("gap", $"{Fmt.Small(r.Gap)}; proven gap {Fmt.Small(r.ProvenGap)} with rounding (relative {Fmt.Small(r.RelativeGap)}, tolerance {Fmt.Small(r.Tolerances.Gap)})");
        Line(r.Pricing is null ? "rho(v) / beta" : "rho upper / beta", $"{Fmt.Value(r.Rho)} / {Fmt.Value(r.Beta)}");
        if (r.Pricing is { } bb)
            Line("pricing (bnb)", $"rho in [{Fmt.Value(bb.RhoLower)}, {Fmt.Value(bb.RhoUpper)}] ({bb.Status}, {bb.Nodes} nodes); {bb.Calls} brackets, {Fmt.Seconds(bb.Seconds)} s");
        Line("stationarity", $"{Fmt.Small(r.Stationarity)} (threshold {Fmt.Small(r.StationarityThreshold)}, relative {Fmt.Small(r.StationarityRelative)}, {r.KinkRows} kink rows)");
        Line("gap on own slots", $"{Fmt.Small(r.LocalGap)} (relative {Fmt.Small(r.LocalRelativeGap)}, tolerance {Fmt.Small(r.Tolerances.LocalGap)})");
        Line("scaled", $"{YesNo(r.Scaled)} (| ‖u_i‖ − |α_i| | within the T4a bound of its stationarity, at most {Fmt.Small(r.ScaledTolerance)})");
        Line("nearly minimal", $"{YesNo(r.NearlyMinimal)} (1 − cos within a slot at most {Fmt.Small(r.ColinearityTolerance)}: T4b under (K) at its stationarity)" +
                               (r.WhyNotNearlyMinimal is { } why ? $"; {why}" : ""));
        Line("width / slots", $"{r.Width} / {r.Slots}; minimal equivalent width {r.MinimalWidth}");
        if (r.EscapeNeuron is { } e)
            Line("escape neuron", $"alpha = {Fmt.Value(e.Alpha)}, u = [{string.Join(", ", e.U.Select(Fmt.Value))}]; decreases L_beta by {Fmt.Small(e.Decrease)} " +
                                  $"(exact, at the best step t = {Fmt.Small(e.T)}; first-order rate = block value - beta = {Fmt.Small(e.FirstOrderRate)} per unit t²)");
        if (r.RefutedBy is { } by)
            Line("refuted by", by);
        if (r.PathDecrease is { } p)
            Line("path decrease", $"{Fmt.Small(p)} to a nearly minimal network (THEORY.md §8)");
        if (r.Convex is { } c)
            Line("convex optimum P*", $"[{Fmt.Value(c.Lower)}, {Fmt.Value(c.Objective)}] ({c.Status}); decrease available {Fmt.Small(c.DecreaseAvailable)}");
        if (r.Improved is { } path)
            Line("written", $"{path}: {r.ImprovedBy}; width {r.ImprovedWidth}, L_beta {Fmt.Value(r.ImprovedObjective ?? double.NaN)}");
        sb.Append('\n').Append(Fmt.Prose(r.Explanation)).Append('\n');
        return sb.ToString();
    }

    private static string YesNo(bool b) => b ? "yes" : "no";
}
