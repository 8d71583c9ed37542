using System.Globalization;
using System.Text;
using System.Text.Json;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv check: check a trained network for global optimality (THEORY.md §9).</summary>
public sealed class CheckCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "check";
    /// <inheritdoc />
    public string Summary => "check a trained network for global optimality; suggest an improvement";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "hidden-bias", "force", "solve", "no-solve"];

    /// <inheritdoc />
    public string Help => $"""
        hcv check DATA NET --beta B [--loss squared|logistic] [--loss-scale C] [--hidden-bias]
                  [--json] [--improve OUT [--force]] [--gap-tol E] [--local-gap-tol E] [--stat-tol E] [--kink-tol E] [--solve | --no-solve]

        Is the two-layer ReLU network NET globally optimal for L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² on DATA
        (THEORY.md §1, §9)? The check enumerates the activation cells of X exactly, prices v = −∇ℓ(f_θ(X)),
        and reports a proven lower bound on the optimum P*, the gap, the Clarke stationarity measure, and
        what would improve the network.

        DATA  data set: .json with arrays "X", "y", .csv (last column y), .npy, .npz (arrays X, y)
        NET   network: .json with arrays "U", "alpha" or .npz (U: m×d, rows u_i; alpha: m). No second-layer bias.

        Options:
          --beta B          weight decay β > 0 (required)
          --loss L          squared (default) or logistic (labels ±1)
          --loss-scale C    loss scale c > 0 (default 1). PyTorch MSELoss() (mean) + weight_decay wd on all
                            weights is c = 2/n, β = wd (docs/pytorch.md)
          --hidden-bias     append a ones column to X: U is then [weight | bias] of nn.Linear(d, m)
          --improve OUT     write an improved network to OUT (.json or .npz): the escape neuron added
                            (stationary-not-optimal), the end of the §8 path (not-stationary), or the
                            minimal equivalent network (optimal; the zero network goes to .json as one
                            zero neuron). --force overwrites OUT
          --gap-tol E       ε_gap (default {Tolerances.CheckGap:G3})
          --local-gap-tol E ε_local (default {Tolerances.LocalGap:G3})
          --stat-tol E      relative ε_stat (default {Tolerances.Stationarity.Relative:G3}, absolute {Tolerances.Stationarity.Absolute:G3})
          --kink-tol E      rows with |x_j·u| ≤ E·‖x_j‖‖u‖ are kinks of neuron u, their ReLU slope free in
                            [0, 1] (default {Tolerances.Kink.Relative:G3}; a Goldstein radius: trained networks
                            hover within 1e-6..1e-4 of kinks, where E = 1e-4 measures their stationarity)
          --solve           for a not-stationary network, also solve the convex program: P* and the
                            decrease available along the §8 path to the global minimum (default: only
                            with --improve, whose output is then that path's end ψ(W*))
          --no-solve        never solve the convex program (--improve then writes the end of the §8
                            path to a nearly minimal network, or θ plus the escape neuron)
          --json            one JSON object on stdout

        Decision rule (THEORY.md §4.1, §9; L̂ = L_β(θ) with its rounding bound B, lower = the better of the
        THEORY.md §4 certificates of f_θ(X) and of the optimum of the convex program restricted to θ's slots,
        Ḡ = L̂ − lower + B + B_low the proven gap; every test is relative to the instance's own scale):
          certified  := Ḡ ≤ ε_gap·(L̂ − B), over the exact pattern set
          stationary := Clarke measure ≤ ε_stat = rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖)  or  (L̂ − lower over θ's own slots)/L̂ ≤ ε_local
          refuted    := a witness network (the escape neuron, the §8 path, ψ of the convex optimum) has
                        L̂(θ) − L̂(θ') > B(θ) + B(θ')  (a decrease rounding cannot produce)
          optimal                 if certified
          stationary-not-optimal  else if stationary and refuted
          not-stationary          else if not stationary
          undecided               otherwise: P* lies in the proven bracket [lower, L̂]
        The output says which criterion decided.

        Exit codes: 0 optimal, 1 stationary-not-optimal or not-stationary, 2 bad input, 3 internal error, 4 undecided.

        """;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        double beta = Guard.PositiveBeta(args.RequireDouble("beta"), "--beta");
        var loss = Loss.Parse(args.Get("loss") ?? "squared", args.Double("loss-scale", 1.0));
        bool hiddenBias = args.Flag("hidden-bias");
        bool json = args.Flag("json");
        bool force = args.Flag("force");
        bool solve = args.Flag("solve"), noSolve = args.Flag("no-solve");
        string? improve = args.Get("improve");
        if (solve && noSolve) throw new UsageException("--solve and --no-solve exclude each other");
        var settings = new CheckSettings
        {
            GapTolerance = Guard.Positive(args.Double("gap-tol", Tolerances.CheckGap), "--gap-tol"),
            LocalGapTolerance = Guard.Positive(args.Double("local-gap-tol", Tolerances.LocalGap), "--local-gap-tol"),
            Stationarity = Tolerances.Stationarity with { Relative = Guard.Positive(args.Double("stat-tol", Tolerances.Stationarity.Relative), "--stat-tol") },
            Kink = Tolerances.Kink with { Relative = Guard.Positive(args.Double("kink-tol", Tolerances.Kink.Relative), "--kink-tol") },
            SolveConvex = solve || (improve is not null && !noSolve),
            Log = Console.Error,
        };
        args.Done(2, 2, "DATA NET");
        if (improve is not null && File.Exists(improve) && !force)
            throw new InvalidInputException($"{improve} already exists; pass --force to overwrite it");

        var data = DataLoader.Load(args.Positional[0]);
        if (hiddenBias) data = data.WithHiddenBias();
        loss.ValidateTargets(data.Y, args.Positional[0]);
        var network = NetworkIO.Load(args.Positional[1]);
        InvalidInputException.Require(network.InputDim == data.D,
            $"{args.Positional[1]}: U has {network.InputDim} columns but the data has d = {data.D}" +
            (hiddenBias ? " (with the ones column of --hidden-bias)" : network.InputDim == data.D + 1 ? " (did you forget --hidden-bias?)" : ""));

        Console.Error.WriteLine($"hcv check: n = {data.N}, d = {data.D}, width {network.Width}, {loss}, beta = {beta:G6}");
        var patterns = CellEnumerator.Enumerate(data.X);
        Console.Error.WriteLine($"  {patterns.Count} activation cells ({patterns.Method})");
        var report = OptimalityCheck.Check(network, data, loss, beta, patterns, settings);

        if (improve is not null && report.Improved is { } better)
        {
            // JSON cannot hold a width-0 network (d would be lost): the zero network is written as one zero neuron.
            bool json0 = better.Width == 0 && string.Equals(Path.GetExtension(improve), ".json", StringComparison.OrdinalIgnoreCase);
            NetworkIO.Save(json0 ? better.PadWithZeros(1) : better, improve, force);
            Console.Error.WriteLine($"  wrote {improve}: {report.ImprovedBy}");
        }
        else if (improve is not null)
            Console.Error.WriteLine($"  nothing written to {improve}: no improvement found");

        Console.Out.Write(json ? ToJson(report, patterns, settings, improve) : ToText(report, patterns));
        return report.ExitCode();
    }

    private static string ToText(OptimalityReport r, PatternSet patterns)
    {
        var sb = new StringBuilder();
        void Line(string label, string value) => sb.AppendLine(CultureInfo.InvariantCulture, $"{label,-22} {value}");
        Line("verdict", $"{r.VerdictName} (decided by {r.DecidedBy.Name()})");
        Line("objective L_beta", F(r.Objective));
        Line("lower bound on P*", $"{F(r.Lower)}{(patterns.IsExact ? "" : " (sampled patterns: not proven)")}");
        Line("gap", $"{F(r.Gap)} (relative {r.RelativeGap:G3})");
        Line("rho(v) / beta", $"{F(r.Rho)} / {F(r.Beta)}");
        Line("stationarity", $"{r.Stationarity.Measure:G3} (threshold {r.Stationarity.Threshold:G3}, relative {r.Stationarity.RelativeMeasure:G3}, {r.Stationarity.KinkRows} kink rows)");
        Line("gap on own slots", $"{r.LocalGap:G3} (relative {r.LocalRelativeGap:G3})");
        Line("scaled", r.Scaled ? "yes" : "no");
        Line("nearly minimal", r.NearlyMinimal ? "yes" : "no");
        Line("width / slots", $"{r.Width} / {r.Slots}; minimal equivalent width {r.MinimalWidth}");
        if (r.Escape is { } e)
            Line("escape neuron", $"alpha = {F(e.Alpha)}, u = [{string.Join(", ", e.U.Select(F))}]; predicted decrease {e.PredictedDecrease:G6}, actual {e.ActualDecrease:G6}");
        if (r.PathToNearlyMinimal is { } p)
            Line("path decrease", $"{p.Decrease:G6} to a nearly minimal network (THEORY.md §8)");
        if (r.Convex is { } c)
            Line("convex optimum P*", $"[{F(c.Lower)}, {F(c.Objective)}] ({c.StatusName}); decrease available {r.Objective - c.Objective:G6}");
        sb.AppendLine();
        sb.AppendLine(r.Explanation);
        return sb.ToString();
    }

    private static string ToJson(OptimalityReport r, PatternSet patterns, CheckSettings s, string? improve)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("verdict", r.VerdictName);
            w.WriteString("decided_by", r.DecidedBy.Name());
            w.WriteString("explanation", r.Explanation);
            w.WriteNumber("objective", r.Objective);
            w.WriteNumber("lower", r.Lower);
            w.WriteNumber("gap", r.Gap);
            w.WriteNumber("relative_gap", r.RelativeGap);
            w.WriteNumber("proven_gap", r.Certificate.ProvenGap);
            w.WriteNumber("objective_rounding", r.ObjectiveRounding);
            w.WriteNumber("lower_rounding", r.Certificate.LowerRounding);
            w.WriteBoolean("certified", r.Certificate.CertifiedAt(s.GapTolerance));
            w.WriteBoolean("refuted", r.Refutation is not null);
            w.WriteBoolean("lower_proven", patterns.IsExact);
            w.WriteNumber("rho", r.Rho);
            w.WriteNumber("beta", r.Beta);
            w.WriteNumber("stationarity", r.Stationarity.Measure);
            w.WriteNumber("stationarity_threshold", r.Stationarity.Threshold);
            w.WriteNumber("stationarity_relative", r.Stationarity.RelativeMeasure);
            w.WriteBoolean("stationary", r.Stationarity.IsStationary);
            w.WriteNumber("kink_rows", r.Stationarity.KinkRows);
            w.WriteNumber("local_gap", r.LocalGap);
            w.WriteNumber("local_relative_gap", r.LocalRelativeGap);
            w.WriteBoolean("scaled", r.Scaled);
            w.WriteBoolean("nearly_minimal", r.NearlyMinimal);
            w.WriteNumber("width", r.Width);
            w.WriteNumber("slots", r.Slots);
            w.WriteNumber("minimal_width", r.MinimalWidth);
            if (r.Escape is { } e)
            {
                w.WriteStartObject("escape_neuron");
                JsonArrays.WriteVector(w, "u", e.U);
                w.WriteNumber("alpha", e.Alpha);
                w.WriteNumber("decrease", e.ActualDecrease);
                w.WriteNumber("predicted_decrease", e.PredictedDecrease);
                w.WriteNumber("actual_decrease", e.ActualDecrease);
                w.WriteNumber("t", e.Scale);
                w.WriteNumber("sign", e.Block.Sign);
                w.WriteEndObject();
            }
            else w.WriteNull("escape_neuron");
            if (r.PathToNearlyMinimal is { } p) w.WriteNumber("path_decrease", p.Decrease); else w.WriteNull("path_decrease");
            if (r.Convex is { } c)
            {
                w.WriteStartObject("convex");
                w.WriteString("status", c.StatusName);
                w.WriteNumber("objective", c.Objective);
                w.WriteNumber("lower", c.Lower);
                w.WriteNumber("decrease_available", r.Objective - c.Objective);
                w.WriteEndObject();
            }
            else w.WriteNull("convex");
            w.WriteNumber("cells", patterns.Count);
            w.WriteBoolean("patterns_exact", patterns.IsExact);
            if (improve is not null && r.Improved is not null) { w.WriteString("improved", improve); w.WriteString("improved_by", r.ImprovedBy); }
            w.WriteStartObject("tolerances");
            w.WriteNumber("gap", s.GapTolerance);
            w.WriteNumber("local_gap", s.LocalGapTolerance);
            w.WriteNumber("stationarity_absolute", s.Stationarity.Absolute);
            w.WriteNumber("stationarity_relative", s.Stationarity.Relative);
            w.WriteNumber("kink_relative", s.Kink.Relative);
            w.WriteNumber("pricing_absolute", s.Pricing.Absolute);
            w.WriteNumber("pricing_relative", s.Pricing.Relative);
            w.WriteEndObject();
            w.WriteNumber("seconds", r.Seconds);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + Environment.NewLine;
    }

    private static string F(double x) => x.ToString("G10", CultureInfo.InvariantCulture);
}
