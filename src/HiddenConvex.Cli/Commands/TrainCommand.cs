using System.CommandLine;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Training;

namespace HiddenConvex.Cli.Commands;

/// <summary>The trainer's options, shared by 'hcv train' and 'hcv landscape'.</summary>
public sealed class TrainingOptions
{
    /// <summary>--optimizer.</summary>
    public Option<string> Optimizer { get; } = Opts.Text("--optimizer", "O", "adam, lbfgs or gd", "adam");
    /// <summary>--seed.</summary>
    public Option<int> Seed { get; } = Opts.Integer("--seed", "S", "initialisation seed (landscape: the first of S, S+1, …)", 0);
    /// <summary>--max-iter.</summary>
    public Option<int> MaxIter { get; } = Opts.Integer("--max-iter", "N", "iteration budget", 20_000);
    /// <summary>--lr.</summary>
    public Option<double> LearningRate { get; } = Opts.Number("--lr", "LR", "initial learning rate (Adam; the first trial step of the line searches)", 1e-2);
    /// <summary>--final-lr.</summary>
    public Option<double?> FinalLearningRate { get; } = Opts.OptionalNumber("--final-lr", "LR", "rate Adam decays to geometrically over --max-iter (default 1e-6 for adam, none otherwise)");
    /// <summary>--stat-tol.</summary>
    public Option<double> StatTol { get; } = Opts.Number("--stat-tol", "E",
        $"relative part of ε_stat = abs + rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖) (abs {Tolerances.Stationarity.Absolute:G3})", Tolerances.Stationarity.Relative);

    /// <summary>The options in help order.</summary>
    public IEnumerable<Symbol> Symbols => [Optimizer, Seed, MaxIter, LearningRate, FinalLearningRate, StatTol];

    /// <summary>The trainer's settings.</summary>
    public TrainingSettings Read(ParseResult parse)
    {
        var optimizer = parse.GetValue(Optimizer)!.ToLowerInvariant() switch
        {
            "lbfgs" or "l-bfgs" => OptimizerKind.Lbfgs,
            "adam" => OptimizerKind.Adam,
            "gd" or "gradient-descent" => OptimizerKind.GradientDescent,
            var o => throw new UsageException($"unknown optimizer '{o}': expected adam, lbfgs or gd"),
        };
        int maxIter = parse.GetValue(MaxIter);
        if (maxIter < 0) throw new UsageException($"--max-iter must be ≥ 0, got {maxIter}");
        return new TrainingSettings
        {
            Optimizer = optimizer,
            Seed = parse.GetValue(Seed),
            MaxIterations = maxIter,
            LearningRate = Guard.Positive(parse.GetValue(LearningRate), "--lr"),
            FinalLearningRate = parse.GetValue(FinalLearningRate) is { } f ? Guard.Positive(f, "--final-lr") : optimizer == OptimizerKind.Adam ? 1e-6 : null,
            Stationarity = Tolerances.Stationarity with { Relative = Guard.Positive(parse.GetValue(StatTol), "--stat-tol") },
        };
    }
}

/// <summary>hcv train: train a network by gradient methods on the non-convex objective (THEORY.md §1, §7).</summary>
public sealed class TrainCommand : HcvCommand
{
    private readonly Argument<string> _data = Opts.Positional("DATA", "the data set (.json, .csv, .npy, .npz; see 'hcv patterns --help')");
    private readonly ProblemOptions _problem = new();
    private readonly Option<int> _width = Opts.RequiredInteger("--width", "M", "number of hidden neurons m ≥ 1");
    private readonly TrainingOptions _training = new();
    private readonly Option<string?> _out = Opts.Text("--out", "NET", "write the trained network (.json or .npz), as trained (not pruned)");
    private readonly Option<bool> _force = Opts.Flag("--force", "allow --out to overwrite an existing file");
    private readonly Option<bool> _json = Opts.Flag("--json", "one line of JSON on stdout, with the trained network {\"U\", \"alpha\"} (a NET file for 'hcv check')");

    /// <inheritdoc />
    public override string Name => "train";

    /// <inheritdoc />
    public override string Summary => "train a network by gradient methods on the non-convex objective";

    /// <inheritdoc />
    public override IEnumerable<Symbol> Symbols => [_data, .. _problem.Symbols, _width, .. _training.Symbols, _out, _force, _json];

    /// <inheritdoc />
    protected override IReadOnlyList<(int Code, string Meaning)> OwnExitCodes =>
        [(ExitCode.Success, "trained (whatever the stopping reason, which the output states)")];

    /// <inheritdoc />
    public override string Details => """
        Minimises L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² over width-M networks in float64, from PyTorch's default nn.Linear
        initialisation drawn with the seed (equal seeds give identical runs). Progress on stderr.

        Stopping rule: stationary when the gradient norm, or (every 25 iterations) the Clarke measure of THEORY.md §7,
        is ≤ ε_stat = abs + rel·‖θ‖(β + ‖X‖₂‖∇ℓ‖); otherwise stop at --max-iter, when no step decreases L_β
        (stalled), or on overflow. L-BFGS and gradient descent use an Armijo line search and fall back to the
        minimum-norm element of the Clarke set at kinks; Adam uses the rate --lr, decaying geometrically to --final-lr
        over the --max-iter iterations. Adam with the decaying rate is the default: on ReLU networks it gets much
        closer to the optimum than L-BFGS, which stalls at kinks.
        """;

    /// <inheritdoc />
    public override IEnumerable<string> Validate(ParseResult parse)
    {
        if (parse.GetValue(_width) < 1) yield return $"--width must be at least 1, got {parse.GetValue(_width)}";
    }

    /// <inheritdoc />
    public override int Run(ParseResult parse)
    {
        var loss = _problem.ReadLoss(parse);
        double beta = _problem.ReadBeta(parse);
        int width = parse.GetValue(_width);
        var settings = _training.Read(parse);
        bool force = parse.GetValue(_force);
        var output = OutputTarget.Check(parse.GetValue(_out), force);
        var data = _problem.LoadData(parse, parse.GetValue(_data)!, loss);
        Console.Error.WriteLine($"hcv train: n = {data.N}, d = {data.D}, width {width}, {loss}, beta = {Fmt.Value(beta)}, {settings.Optimizer}, seed {settings.Seed}");
        var result = Trainer.Train(data, loss, beta, width, settings with { Log = Console.Error });
        if (output is not null) NetworkIO.Save(result.Network, output, force);
        if (parse.GetValue(_json)) JsonOutput.Print(TrainJson.Of(result, output));
        else Console.Out.Write(Text(result, output));
        return ExitCode.Success;
    }

    /// <summary>The --json record of a training run, with the network.</summary>
    public sealed record TrainJson(string Status, string Optimizer, int Seed, int Iterations, double Objective, double Stationarity,
        double StationarityThreshold, double Seconds, int Width, string? Out, NetJson Network)
    {
        /// <summary>The record of a result.</summary>
        public static TrainJson Of(TrainingResult r, string? output) =>
            new(r.Status.ToString().ToLowerInvariant(), r.Optimizer.ToString().ToLowerInvariant(), r.Seed, r.Iterations, r.Objective,
                r.Stationarity.Measure, r.Stationarity.Threshold, r.Seconds, r.Network.Width, output, NetJson.Of(r.Network));
    }

    private static string Text(TrainingResult r, string? output)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append($"status        {r.Status.ToString().ToLowerInvariant()} after {r.Iterations} iterations ({Fmt.Seconds(r.Seconds)} s)\n");
        sb.Append($"objective     {Fmt.Value(r.Objective)}\n");
        sb.Append($"stationarity  {Fmt.Small(r.Stationarity.Measure)} (threshold {Fmt.Small(r.Stationarity.Threshold)}, relative {Fmt.Small(r.Stationarity.RelativeMeasure)})\n");
        if (output is not null) sb.Append($"network       {output}\n");
        return sb.ToString();
    }
}
