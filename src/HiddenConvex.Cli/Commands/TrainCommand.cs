using System.Globalization;
using System.Text;
using System.Text.Json;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;

namespace HiddenConvex.Cli.Commands;

/// <summary>hcv train: train a network by gradient methods on the non-convex objective (THEORY.md §1, §7).</summary>
public sealed class TrainCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "train";
    /// <inheritdoc />
    public string Summary => "train a network by gradient methods on the non-convex objective";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "hidden-bias", "force"];

    /// <inheritdoc />
    public string Help => $"""
        hcv train DATA --beta B --width M [--optimizer adam|lbfgs|gd] [--seed S] [--out NET [--force]]
                  [--loss squared|logistic] [--loss-scale C] [--hidden-bias] [--max-iter N] [--lr LR]
                  [--final-lr LR] [--stat-tol E] [--json]

        Minimises L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² over width-M networks in float64, from PyTorch's default
        nn.Linear initialisation drawn with the seed (equal seeds give identical runs). Progress on stderr.

        Stopping rule: stationary when the gradient norm, or (every 25 iterations) the Clarke measure of
        THEORY.md §7, is ≤ ε_stat = abs + rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖) (default rel {Tolerances.Stationarity.Relative:G3});
        otherwise stop at --max-iter (default 20000), when no step decreases L_β (stalled), or on overflow.
        L-BFGS and gradient descent use an Armijo line search and fall back to the minimum-norm element
        of the Clarke set at kinks; Adam uses the rate --lr (default 0.01), decaying geometrically to
        --final-lr (default 1e-6) over the --max-iter iterations. Adam with the decaying rate is the
        default: on ReLU networks it gets much closer to the optimum than L-BFGS, which stalls at kinks.

        Options:
          --beta B, --width M  required
          --optimizer O        adam (default), lbfgs, gd
          --seed S             initialisation seed (default 0)
          --out NET            write the trained network (.json or .npz); --force overwrites
          --loss, --loss-scale, --hidden-bias   as in 'hcv check'
          --json               one JSON object on stdout

        """;

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        double beta = Guard.PositiveBeta(args.RequireDouble("beta"), "--beta");
        int width = args.Int("width", -1);
        if (width < 1) throw new UsageException(width == -1 ? "option --width is required" : $"--width must be at least 1, got {width}");
        var loss = Loss.Parse(args.Get("loss") ?? "squared", args.Double("loss-scale", 1.0));
        var settings = Settings(args);
        bool hiddenBias = args.Flag("hidden-bias"), json = args.Flag("json"), force = args.Flag("force");
        string? output = args.Get("out");
        args.Done(1, 1, "DATA");
        if (output is not null && File.Exists(output) && !force)
            throw new InvalidInputException($"{output} already exists; pass --force to overwrite it");
        var data = DataLoader.Load(args.Positional[0]);
        if (hiddenBias) data = data.WithHiddenBias();
        Console.Error.WriteLine($"hcv train: n = {data.N}, d = {data.D}, width {width}, {loss}, beta = {beta:G6}, {settings.Optimizer}, seed {settings.Seed}");
        var result = Trainer.Train(data, loss, beta, width, settings with { Log = Console.Error });
        if (output is not null) NetworkIO.Save(result.Network, output, force);
        Console.Out.Write(json ? ToJson(result, output) : ToText(result, output));
        return 0;
    }

    /// <summary>Optimizer settings shared with 'hcv landscape'.</summary>
    internal static TrainingSettings Settings(ParsedArgs args)
    {
        var optimizer = (args.Get("optimizer") ?? "adam").ToLowerInvariant() switch
        {
            "lbfgs" or "l-bfgs" => OptimizerKind.Lbfgs,
            "adam" => OptimizerKind.Adam,
            "gd" or "gradient-descent" => OptimizerKind.GradientDescent,
            var o => throw new UsageException($"unknown optimizer '{o}': expected lbfgs, adam or gd"),
        };
        int maxIter = args.Int("max-iter", 20_000);
        if (maxIter < 0) throw new UsageException($"--max-iter must be ≥ 0, got {maxIter}");
        return new TrainingSettings
        {
            Optimizer = optimizer,
            Seed = args.Int("seed", 0),
            MaxIterations = maxIter,
            LearningRate = Guard.Positive(args.Double("lr", 1e-2), "--lr"),
            FinalLearningRate = args.Get("final-lr") is not null ? Guard.Positive(args.Double("final-lr", 1e-6), "--final-lr")
                : optimizer == OptimizerKind.Adam ? 1e-6 : null,
            Stationarity = Tolerances.Stationarity with { Relative = Guard.Positive(args.Double("stat-tol", Tolerances.Stationarity.Relative), "--stat-tol") },
        };
    }

    private static string ToText(TrainingResult r, string? output)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"status        {r.Status} after {r.Iterations} iterations ({r.Seconds:F2} s)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"objective     {r.Objective:G12}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"stationarity  {r.Stationarity.Measure:G3} (threshold {r.Stationarity.Threshold:G3}, relative {r.Stationarity.RelativeMeasure:G3})");
        if (output is not null) sb.AppendLine($"network       {output}");
        return sb.ToString();
    }

    private static string ToJson(TrainingResult r, string? output)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("status", r.Status.ToString().ToLowerInvariant());
            w.WriteString("optimizer", r.Optimizer.ToString().ToLowerInvariant());
            w.WriteNumber("seed", r.Seed);
            w.WriteNumber("iterations", r.Iterations);
            w.WriteNumber("objective", r.Objective);
            w.WriteNumber("stationarity", r.Stationarity.Measure);
            w.WriteNumber("stationarity_threshold", r.Stationarity.Threshold);
            w.WriteNumber("seconds", r.Seconds);
            w.WriteNumber("width", r.Network.Width);
            if (output is not null) w.WriteString("network", output);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + Environment.NewLine;
    }
}
