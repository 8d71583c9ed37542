using System.Globalization;
using System.Text;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv solve: solve the convex program of THEORY.md §3 with a certified duality gap (§4) and describe its optimal set (§6).</summary>
public sealed class SolveCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "solve";
    /// <inheritdoc />
    public string Summary => "solve the convex program with a certified duality gap; prune to a minimal optimal network";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "force", "quiet"];
    /// <inheritdoc />
    public string Help => """
        hcv solve DATA --beta B [options]

        Solves min over W of ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖ with w_b in the cone of pattern s_b
        (THEORY.md §3) and proves the answer with the dual certificate of §4: 'lower' is a proven lower
        bound on the optimum (and on every network's L_β), 'gap' = objective − lower. It then reads the
        active blocks off the dual (§6), prunes the solution to a vertex of the optimal set (support ≤ n),
        finds m* (the smallest support over the optimal set) by exact search when at most 200000 supports
        need trying, and reports the network ψ of the pruned solution.

        Options:
          --beta B              regularisation β > 0 (required)
          --loss NAME           squared (default) or logistic (labels must be -1/+1)
          --loss-scale C        loss scale c > 0 (default 1)
          --tolerance EPS       target relative certified gap: stop when gap ≤ EPS·max(1, |objective|) (default 1e-9)
          --patterns P          exact (default: every full-dimensional cell) or sampled:K (K random directions;
                                then the lower bound holds only for the sampled program)
          --seed S              seed for --patterns sampled:K (default 1)
          --max-iterations N    outer working-set iterations (default 50)
          --time-limit SEC      wall-clock limit (default 3600)
          --out FILE            write the pruned solution (JSON: blocks with pattern, sign, w); refuses to overwrite
          --force               allow --out to overwrite an existing file
          --json                print one JSON object on stdout; its "network" {"U", "alpha"} is a NET file for
                                'hcv check' (W* = 0 is printed as one zero neuron)
          --quiet               no progress lines on stderr

        DATA: .json {"X": [[..]], "y": [..]}, .csv (last column is y), .npy or .npz.
        Exit codes: 0 certified (status optimal or optimal-restricted), 1 not certified (max-iterations,
        time-limit, numerical-error), 2 bad input.

        """;

    /// <summary>Largest number of candidate supports the exact m* search of THEORY.md §6 may try.</summary>
    private const long MaxSupportsForMStar = 200_000;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        double beta = args.RequireDouble("beta");
        string lossName = args.Get("loss") ?? "squared";
        double scale = args.Double("loss-scale", 1.0);
        double tolerance = args.Double("tolerance", Core.Numerics.Tolerances.DefaultSolverGap);
        string patternsSpec = args.Get("patterns") ?? "exact";
        int seed = args.Int("seed", 1);
        int maxIterations = args.Int("max-iterations", 50);
        double timeLimit = args.Double("time-limit", 3600);
        string? outFile = args.Get("out");
        bool force = args.Flag("force"), json = args.Flag("json"), quiet = args.Flag("quiet");
        args.Done(1, 1, "DATA");

        var loss = Loss.Parse(lossName, scale);
        Guard.PositiveBeta(beta, "--beta");
        var settings = new SolverSettings
        {
            Tolerance = tolerance, MaxIterations = maxIterations, TimeLimitSeconds = timeLimit, Verbose = !quiet,
        }.Validated();
        if (outFile is not null && File.Exists(outFile) && !force)
            throw new InvalidInputException($"{outFile} already exists; pass --force to overwrite it");

        var data = DataLoader.Load(args.Positional[0]);
        loss.ValidateTargets(data.Y, data.Source);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!quiet) Console.Error.WriteLine($"solve: enumerating patterns ({patternsSpec}) for n = {data.N}, d = {data.D} ...");
        var patterns = BuildPatterns(data, patternsSpec, seed);
        if (!quiet) Console.Error.WriteLine($"solve: {patterns.Count} patterns ({patterns.Method}) in {clock.Elapsed.TotalSeconds:F2} s");

        var problem = new ConvexProblem(data, loss, beta, patterns);
        var solution = CertifiedPipeline.Run(problem, new PipelineSettings
        {
            Solver = settings, MaxSupportsForMStar = MaxSupportsForMStar, Log = quiet ? null : Console.Error,
        });
        var (result, set, setFailure, final, prunedCert, usePruned, network, mStar) = (solution.Solve, solution.OptimalSet,
            solution.OptimalSetFailure, solution.Final, solution.PrunedCertificate, solution.UsedPruned, solution.Network, solution.MStar);
        bool certified = solution.Certified;
        double seconds = clock.Elapsed.TotalSeconds;

        if (outFile is not null) WriteSolution(outFile, force, problem, result, final, usePruned);
        if (json) Console.Out.WriteLine(Json(problem, result, set, setFailure, final, network, seconds, tolerance, mStar));
        else Console.Out.Write(Text(problem, result, set, setFailure, final, prunedCert, usePruned, network, seconds, mStar));
        return certified ? 0 : 1;
    }

    /// <summary>"exact" or "sampled:K".</summary>
    private static PatternSet BuildPatterns(Dataset data, string spec, int seed)
    {
        if (spec == "exact") return CellEnumerator.Enumerate(data.X);
        if (spec.StartsWith("sampled:", StringComparison.Ordinal)
            && int.TryParse(spec["sampled:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k > 0)
            return PatternSampler.Sample(data.X, k, seed);
        throw new UsageException($"--patterns expects 'exact' or 'sampled:K' with K > 0, got '{spec}'");
    }

    private static string Text(ConvexProblem problem, SolverResult r, OptimalSet? set, string? setFailure, ConvexPoint final, Certificate? prunedCert,
        bool usePruned, Network network, double seconds, int? mStar)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        void Line(string key, string value) => sb.Append(inv, $"{key,-20} {value}\n");
        Line("status", r.StatusName + (problem.Patterns!.IsExact ? "" : "  (sampled patterns: the lower bound holds for the sampled program only)"));
        Line("objective", r.Objective.ToString("R", inv));
        Line("lower bound", r.Lower.ToString("R", inv));
        Line("gap", $"{r.Gap.ToString("E3", inv)}  (relative {r.RelativeGap.ToString("E3", inv)})");
        Line("patterns", $"{problem.Patterns!.Count} ({problem.Patterns!.Method}), {2 * problem.Patterns!.Count} blocks");
        Line("iterations", $"{r.Iterations} outer, {r.NewtonSteps} Newton, working set {r.WorkingSetSize}");
        Line("active blocks", set is null ? $"n/a ({setFailure})" : $"{set.Active.Count} (rank {set.Rank})");
        Line("solution support", r.W.NonZeroBlocks.Count().ToString(inv));
        Line("m*", mStar is int m ? m.ToString(inv) : $"n/a ({(set is null ? setFailure : $"more than {MaxSupportsForMStar} supports to search")})");
        Line("pruned support", set is null ? $"n/a ({setFailure})"
            : $"{final.NonZeroBlocks.Count()}{(usePruned ? "" : " (pruning not used: its certificate " + prunedCert!.RelativeGap.ToString("E2", inv) + ")")}");
        Line("network width", network.Width.ToString(inv));
        Line("cone violation", r.MaxConeViolation.ToString("E2", inv));
        Line("time", $"{seconds.ToString("F3", inv)} s (solver {r.Seconds.ToString("F3", inv)} s)");
        return sb.ToString();
    }

    private static string Json(ConvexProblem problem, SolverResult r, OptimalSet? set, string? setFailure, ConvexPoint final, Network network, double seconds, double tolerance, int? mStar)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("status", r.StatusName);
            w.WriteNumber("objective", r.Objective);
            w.WriteNumber("lower", r.Lower);
            w.WriteNumber("gap", r.Gap);
            w.WriteNumber("relative_gap", r.RelativeGap);
            w.WriteNumber("tolerance", tolerance);
            w.WriteNumber("patterns", problem.Patterns!.Count);
            w.WriteBoolean("exact_patterns", problem.Patterns!.IsExact);
            w.WriteString("pattern_method", problem.Patterns!.Method);
            if (set is null) { w.WriteNull("active_blocks"); w.WriteNull("rank"); w.WriteString("optimal_set", setFailure); }
            else { w.WriteNumber("active_blocks", set.Active.Count); w.WriteNumber("rank", set.Rank); }
            w.WriteNumber("solution_support", r.W.NonZeroBlocks.Count());
            w.WriteNumber("support", final.NonZeroBlocks.Count());
            if (mStar is int m) w.WriteNumber("m_star", m); else w.WriteNull("m_star");
            w.WriteNumber("iterations", r.Iterations);
            w.WriteNumber("newton_steps", r.NewtonSteps);
            w.WriteNumber("max_cone_violation", r.MaxConeViolation);
            w.WriteNumber("seconds", seconds);
            w.WriteNumber("solver_seconds", r.Seconds);
            w.WriteNumber("beta", problem.Beta);
            w.WriteString("loss", problem.Loss.Name);
            w.WriteNumber("loss_scale", problem.Loss.Scale);
            // A width-0 U cannot carry d in JSON (NetworkIO refuses it): W* = 0 is printed as one zero neuron.
            var printed = network.Width == 0 ? network.PadWithZeros(1) : network;
            w.WriteStartObject("network");
            JsonArrays.WriteMatrix(w, "U", printed.U);
            JsonArrays.WriteVector(w, "alpha", printed.Alpha);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteSolution(string path, bool force, ConvexProblem problem, SolverResult r, ConvexPoint final, bool pruned)
    {
        using var fs = SafeFile.Create(path, force);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("status", r.StatusName);
        w.WriteNumber("beta", problem.Beta);
        w.WriteString("loss", problem.Loss.Name);
        w.WriteNumber("loss_scale", problem.Loss.Scale);
        w.WriteNumber("objective", problem.Objective(final));
        w.WriteNumber("lower", r.Lower);
        w.WriteBoolean("exact_patterns", problem.Patterns!.IsExact);
        w.WriteBoolean("pruned", pruned);
        w.WriteStartArray("blocks");
        foreach (var b in final.NonZeroBlocks)
        {
            w.WriteStartObject();
            w.WriteString("pattern", b.Pattern.ToString());
            w.WriteNumber("sign", b.Sign);
            JsonArrays.WriteVector(w, "w", b.W);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
