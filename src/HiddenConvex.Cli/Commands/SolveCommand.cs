using System.CommandLine;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv solve: solve the convex program of THEORY.md §3 with a certified duality gap (§4) and describe its optimal set (§6).</summary>
public sealed class SolveCommand : HcvCommand
{
    /// <summary>Largest number of candidate supports the exact m* search of THEORY.md §6 may try.</summary>
    public const long MaxSupportsForMStar = 200_000;

    private readonly Argument<string> _data = Opts.Positional("DATA", "the data set: .json {\"X\", \"y\"}, .csv (last column y), .npy or .npz");
    private readonly ProblemOptions _problem = new();
    private readonly Option<double> _tolerance = Opts.Number("--tolerance", "EPS",
        "target relative certified gap ε: the solver stops when its proven gap is within ε of the objective (THEORY.md §4.1)",
        Core.Numerics.Tolerances.DefaultSolverGap);
    private readonly Option<string> _patterns = PatternChoice.Option();
    private readonly Option<int> _seed = PatternChoice.SeedOption();
    private readonly Option<int> _maxIterations = Opts.Integer("--max-iterations", "N",
        $"outer working-set iterations (default 50; {BranchAndBoundIterations} with --patterns bnb, which adds one block per iteration)", 50);

    /// <summary>Share of the time left that one branch-and-bound bracket of the solve may take (each iteration prices a new v).</summary>
    public const double PricingShareOfBudget = 0.25;

    /// <summary>
    /// Random directions whose cells form the program solved first with --patterns bnb (its support is the working set the
    /// column generation starts from; the certificate still prices all of S(X)).
    /// </summary>
    public const int WarmStartDirections = 200;

    /// <summary>Share of --time-limit the warm start may take.</summary>
    public const double WarmStartShareOfTime = 0.3;

    /// <summary>Default iteration limit of column generation over branch-and-bound pricing (one block per iteration; the time limit bounds it too).</summary>
    public const int BranchAndBoundIterations = 1000;
    private readonly Option<double> _timeLimit = Opts.Number("--time-limit", "SEC", "wall-clock limit of the solve in seconds", 3600);
    private readonly Option<string?> _out = Opts.Text("--out", "NET",
        "write the reported network ψ(W) (the pruned vertex) as a NET file that 'hcv check' reads: .npz (U, alpha) or " +
        ".json (U, alpha, and the solution's blocks with pattern, sign, w and its status, objective, lower bound)");
    private readonly Option<bool> _force = Opts.Flag("--force", "allow --out to overwrite an existing file");
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON on stdout; its \"network\" {\"U\", \"alpha\"} is a NET file for 'hcv check'");
    private readonly Option<bool> _quiet = Opts.Flag("--quiet", "no progress lines on stderr");
    private readonly Option<string?> _init = Opts.Text("--init", "NET",
        "start column generation from the blocks of this network's neurons (a NET file as 'hcv check' reads, e.g. a " +
        "PyTorch-trained network): changes where the solve starts, never what it certifies");

    /// <inheritdoc />
    public override string Name => "solve";

    /// <inheritdoc />
    public override string Summary => "solve the convex program with a certified duality gap; prune to a minimal optimal network";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols =>
        [_data, .. _problem.Symbols, _tolerance, _patterns, _seed, _maxIterations, _timeLimit, _init, _out, _force, _json, _quiet];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes =>
    [
        (ExitCode.Success, "certified (status optimal, or optimal-restricted for sampled patterns)"),
        (ExitCode.Negative, "not certified (status max-iterations, time-limit or numerical-error)"),
    ];

    /// <inheritdoc />
    public override string Details => $"""
        Solves min over W of ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖ with w_b in the cone of pattern s_b (THEORY.md §3)
        and proves the answer with the dual certificate of §4: 'lower' is a proven lower bound on the optimum (and on
        every network's L_β), 'gap' = objective − lower. The bound comes from the solution's own dual vector or, when that
        misses the tolerance, from the dual vector of a nearby prediction, given as 'dual_prediction' (§4.2), so that
        anyone can recompute it. It then reads the active blocks off the dual (§6), prunes the
        solution to a vertex of the optimal set (support ≤ n + 1), finds m* (the smallest support over the optimal set)
        by exact search when at most {MaxSupportsForMStar} supports need trying, and reports the network ψ of the pruned
        solution. With --hidden-bias, U has d + 1 columns: [weight | bias].

        --patterns bnb (or auto when S(X) is too large to enumerate, THEORY.md §4a): no enumeration. The program over the
        cells of {WarmStartDirections} random directions is solved first (within {WarmStartShareOfTime:P0} of --time-limit); its support
        is the working set column generation starts from; blocks are added from branch-and-bound searches, and the end is
        certified by the proven bound ρ̄ over all of S(X); each point's bracket searches only until it decides whether the
        point meets --tolerance (THEORY.md §4a), and when nothing is left to add, the best point's undecided bracket is
        searched again with the time left. At the time limit the best point is returned with status
        time-limit and its proven bracket [lower, objective]. The optimal set, pruning and m* need every block priced near
        β and are not computed then.

        --init NET: the working set starts with the block (cell of u_i, sign of α_i) of each neuron of NET (THEORY.md §5;
        over branch and bound, together with the sampled warm start's blocks, and NET's neurons also seed the searches).
        A trained network's neurons lie in or next to the cells of the optimum, which column generation from W = 0 finds a
        few per iteration. The certificate still prices every block.
        """;

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var loss = _problem.ReadLoss(parse);
        double beta = _problem.ReadBeta(parse);
        bool quiet = parse.GetValue(_quiet), force = parse.GetValue(_force);
        var choice = PatternChoice.Parse(parse.GetValue(_patterns)!);
        var settings = new SolverSettings
        {
            Tolerance = parse.GetValue(_tolerance), MaxIterations = parse.GetValue(_maxIterations),
            TimeLimitSeconds = parse.GetValue(_timeLimit), Verbose = !quiet,
        }.Validated();
        var outFile = OutputTarget.Check(parse.GetValue(_out), force);
        var data = _problem.LoadData(parse, parse.GetValue(_data)!, loss);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var log = quiet ? null : Console.Error;
        if (!quiet) Console.Error.WriteLine($"solve: patterns {choice.Spec} for n = {data.N}, d = {data.D} ...");
        string? initPath = parse.GetValue(_init);
        var init = initPath is null ? null : _problem.LoadNetwork(parse, initPath, data, $"--init {initPath}");
        var bnb = PatternChoice.OracleSettings(beta, settings.Tolerance, settings.TimeLimitSeconds, log, "solve: ", PricingShareOfBudget);
        var setup = choice.Build(data, parse.GetValue(_seed), init, bnb, log, "solve: ");
        if (!quiet) Console.Error.WriteLine($"solve: {setup.Description} in {Fmt.Seconds(clock.Elapsed.TotalSeconds)} s");

        if (setup.Oracle is BranchAndBoundOracle)
        {
            if (!parse.Given(_maxIterations)) settings = settings with { MaxIterations = BranchAndBoundIterations };
            var warm = SampledWarmStart.Find(data, loss, beta, WarmStartDirections, parse.GetValue(_seed),
                settings with { TimeLimitSeconds = WarmStartShareOfTime * settings.TimeLimitSeconds, MaxIterations = 50, Verbose = false });
            if (!quiet)
                Console.Error.WriteLine($"solve: warm start over {warm.Patterns} sampled cells: {warm.Blocks.Count} blocks, objective " +
                                        $"{Fmt.Value(warm.Solve.Objective)} ({warm.Solve.StatusName}) in {Fmt.Seconds(warm.Seconds)} s");
            settings = settings with { InitialBlocks = warm.Blocks, TimeLimitSeconds = Math.Max(1, settings.TimeLimitSeconds - warm.Seconds) };
        }
        if (init is not null)
        {
            var own = NetworkWarmStart.Blocks(init, data.X);
            settings = settings with { InitialBlocks = [.. own, .. settings.InitialBlocks] };
            if (!quiet) Console.Error.WriteLine($"solve: starting from the {own.Count} blocks of the neurons of {initPath}");
        }
        var problem = new ConvexProblem(data, loss, beta, setup.Oracle);
        var solution = CertifiedPipeline.Run(problem, new PipelineSettings
        {
            Solver = settings, MaxSupportsForMStar = MaxSupportsForMStar, Log = quiet ? null : Console.Error,
        });
        double seconds = clock.Elapsed.TotalSeconds;
        var report = SolveJson.Of(solution, settings.Tolerance, seconds, parse.GetValue(_problem.HiddenBias));

        if (outFile is not null)
        {
            WriteNetwork(outFile, force, solution, report);
            if (!quiet) Console.Error.WriteLine($"solve: wrote {outFile}: the network ψ of the {(solution.UsedPruned ? "pruned vertex" : "solver's point")}, width {solution.Network.Width}");
        }
        if (parse.GetValue(_json)) JsonOutput.Print(report);
        else Console.Out.Write(Text(solution, report));
        return solution.Certified ? ExitCode.Success : ExitCode.Negative;
    }

    /// <summary>
    /// The --json record of a solve. <c>dual_prediction</c>: the prediction z′ whose dual vector v = −∇ℓ(z′) gives
    /// <c>lower</c> when that is not the solution's own prediction (THEORY.md §4.2), else null.
    /// </summary>
    public sealed record SolveJson(
        string Status, double Objective, double Lower, double Gap, double RelativeGap, double Tolerance,
        int? Patterns, bool ExactPatterns, bool LowerProven, string PatternMethod, PricingJson? Pricing, int? ActiveBlocks, int? Rank, string? OptimalSet,
        int SolutionSupport, int Support, bool Pruned, int? MStar, int Iterations, int NewtonSteps, double MaxConeViolation,
        double Seconds, double SolverSeconds, double Beta, string Loss, double LossScale, bool HiddenBias, NetJson Network,
        double[]? DualPrediction)
    {
        /// <summary>The record of a pipeline's result.</summary>
        public static SolveJson Of(CertifiedSolution s, double tolerance, double seconds, bool hiddenBias)
        {
            var r = s.Solve;
            var p = s.Problem;
            return new SolveJson(r.StatusName, r.Objective, r.Lower, r.Gap, r.RelativeGap, tolerance,
                p.Patterns?.Count, p.Patterns?.IsExact ?? false, p.BoundsFullProgram, p.Patterns?.Method ?? p.Oracle.Method, PricingJson.Of(p.Oracle), s.OptimalSet?.Active.Count, s.OptimalSet?.Rank, s.OptimalSetFailure,
                r.W.NonZeroBlocks.Count(), s.Final.NonZeroBlocks.Count(), s.UsedPruned, s.MStar, r.Iterations, r.NewtonSteps, r.MaxConeViolation,
                seconds, r.Seconds, p.Beta, p.Loss.Name, p.Loss.Scale, hiddenBias, NetJson.Of(s.Network), r.DualPrediction?.ToArray());
        }
    }

    /// <summary>The NET file of --out in JSON: the network, plus the solution's blocks and figures (fields 'hcv check' ignores).</summary>
    public sealed record SolutionFileJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("U")] double[][] U,
        [property: System.Text.Json.Serialization.JsonPropertyName("alpha")] double[] Alpha,
        string Status, double Beta, string Loss, double LossScale, bool HiddenBias, double Objective, double Lower,
        bool ExactPatterns, bool Pruned, IReadOnlyList<BlockJson> Blocks, double[]? DualPrediction);

    /// <summary>One block of W: pattern (row 0 first), sign γ and w.</summary>
    public sealed record BlockJson(string Pattern, int Sign, double[] W);

    private static void WriteNetwork(string path, bool force, CertifiedSolution s, SolveJson report)
    {
        if (!string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase))
        {
            NetworkIO.Save(s.Network.Width == 0 ? s.Network.PadWithZeros(1) : s.Network, path, force);
            return;
        }
        var net = report.Network;
        var file = new SolutionFileJson(net.U, net.Alpha, report.Status, report.Beta, report.Loss, report.LossScale, report.HiddenBias,
            s.Problem.Objective(s.Final), report.Lower, report.ExactPatterns, s.UsedPruned,
            s.Final.NonZeroBlocks.Select(b => new BlockJson(b.Pattern.ToString(), b.Sign, b.W.ToArray())).ToList(),
            report.DualPrediction);
        SafeFile.WriteAllText(path, JsonOutput.Serialize(file) + "\n", force);
    }

    private static string Text(CertifiedSolution s, SolveJson j)
    {
        var sb = new System.Text.StringBuilder();
        void Line(string key, string value) => sb.Append($"{key,-20} {value}\n");
        Line("status", j.Status + (j.LowerProven ? "" : "  (sampled patterns: the lower bound holds for the sampled program only)"));
        Line("objective", Fmt.Value(j.Objective));
        Line("lower bound", Fmt.Value(j.Lower));
        Line("gap", $"{Fmt.Small(j.Gap)}  (relative {Fmt.Small(j.RelativeGap)}, target {Fmt.Small(j.Tolerance)})");
        Line("patterns", j.Patterns is { } count ? $"{count} ({j.PatternMethod}), {2 * count} blocks" : $"not enumerated ({j.PatternMethod})");
        if (j.Pricing is { } bb)
            Line("pricing (bnb)", $"last rho in [{Fmt.Value(bb.RhoLower)}, {Fmt.Value(bb.RhoUpper)}] ({bb.Status}); {bb.Calls} brackets, {bb.TotalNodes} nodes, {Fmt.Seconds(bb.Seconds)} s");
        Line("iterations", $"{j.Iterations} outer, {j.NewtonSteps} Newton, working set {s.Solve.WorkingSetSize}");
        Line("active blocks", j.ActiveBlocks is { } a ? $"{a} (rank {j.Rank})" : $"n/a ({j.OptimalSet})");
        Line("solution support", Fmt.Int(j.SolutionSupport));
        Line("m*", j.MStar is { } m ? Fmt.Int(m) : $"n/a ({(s.OptimalSet is null ? j.OptimalSet : $"more than {MaxSupportsForMStar} supports to search")})");
        Line("pruned support", s.OptimalSet is null ? $"n/a ({j.OptimalSet})"
            : $"{j.Support}{(j.Pruned ? "" : " (pruning not used: its certificate's relative gap is " + Fmt.Small(s.PrunedCertificate!.RelativeGap) + ")")}");
        Line("network width", Fmt.Int(s.Network.Width));
        Line("cone violation", Fmt.Small(j.MaxConeViolation));
        Line("time", $"{Fmt.Seconds(j.Seconds)} s (solver {Fmt.Seconds(j.SolverSeconds)} s)");
        return sb.ToString();
    }
}
