using System.CommandLine;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.IO;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// The options that define the objective L_β(θ) = ℓ(f_θ(X)) + (β/2)‖θ‖² (THEORY.md §1), shared by solve, check, train and
/// landscape: --beta, --loss, --loss-scale, --hidden-bias. One definition, so their wording and defaults agree.
/// </summary>
public sealed class ProblemOptions
{
    /// <summary>--beta B (required).</summary>
    public Option<double> Beta { get; } = Opts.RequiredNumber("--beta", "B", "weight decay β > 0");

    /// <summary>--loss NAME.</summary>
    public Option<string> Loss { get; } = Opts.Text("--loss", "NAME",
        $"the loss ℓ: {string.Join(" or ", LossRegistry.Names)} (logistic needs labels -1/+1)", "squared");

    /// <summary>--loss-scale C.</summary>
    public Option<double> LossScale { get; } = Opts.Number("--loss-scale", "C",
        "loss scale c > 0. PyTorch MSELoss() (mean) with weight_decay wd on all weights is c = 2/n, β = wd (docs/pytorch.md)", 1.0);

    /// <summary>--hidden-bias.</summary>
    public Option<bool> HiddenBias { get; } = Opts.Flag("--hidden-bias",
        "append a ones column to X: U is then [weight | bias] of nn.Linear(d, m) (THEORY.md §1)");

    /// <summary>The four options, in help order.</summary>
    public IEnumerable<Symbol> Symbols => [Beta, Loss, LossScale, HiddenBias];

    /// <summary>β, validated (> 0 and finite).</summary>
    public double ReadBeta(ParseResult parse) => Guard.PositiveBeta(parse.GetValue(Beta), "--beta");

    /// <summary>The loss with its scale, validated.</summary>
    public Loss ReadLoss(ParseResult parse) =>
        Core.Losses.Loss.Parse(parse.GetValue(Loss)!, Guard.Positive(parse.GetValue(LossScale), "--loss-scale"));

    /// <summary>Loads DATA, appends the ones column when --hidden-bias is given, and checks y against the loss.</summary>
    public Dataset LoadData(ParseResult parse, string path, Loss loss)
    {
        var data = DataLoader.Load(path);
        if (parse.GetValue(HiddenBias)) data = data.WithHiddenBias();
        loss.ValidateTargets(data.Y, path);
        return data;
    }

    /// <summary>
    /// Loads a NET file for the loaded data: its U must have the data's d columns (d + 1 with --hidden-bias), else an error
    /// that starts with <paramref name="what"/> and says which option is likely missing.
    /// </summary>
    public Network LoadNetwork(ParseResult parse, string path, Dataset data, string what)
    {
        var network = NetworkIO.Load(path);
        InvalidInputException.Require(network.InputDim == data.D,
            $"{what}: U has {network.InputDim} columns but the data has d = {data.D}" +
            (parse.GetValue(HiddenBias) ? " (with the ones column of --hidden-bias)"
                : network.InputDim == data.D + 1 ? " (did you forget --hidden-bias?)" : ""));
        return network;
    }
}
