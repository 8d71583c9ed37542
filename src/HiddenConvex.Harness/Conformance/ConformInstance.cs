using System.Globalization;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Harness.Conformance;

/// <summary>What an external implementation is asked to do (docs/conform-protocol.md).</summary>
public enum ConformTask
{
    /// <summary>Solve the convex program of THEORY.md §3 and answer with its blocks.</summary>
    SolveConvex,
    /// <summary>Train a width-m network on L_β (THEORY.md §1) and answer with (U, α).</summary>
    Train,
}

/// <summary>Names of the tasks as they appear on the command line and in the protocol.</summary>
public static class ConformTasks
{
    /// <summary>"solve-convex" or "train".</summary>
    public static string Name(ConformTask task) => task == ConformTask.SolveConvex ? "solve-convex" : "train";

    /// <summary>Parses a task name; anything else is an input error.</summary>
    public static ConformTask Parse(string name) => name switch
    {
        "solve-convex" => ConformTask.SolveConvex,
        "train" => ConformTask.Train,
        _ => throw new InvalidInputException($"unknown task '{name}': expected 'solve-convex' or 'train'"),
    };
}

/// <summary>
/// One generated test instance: data (X, y), β, the loss with its scale, and for training the
/// width and seed. Plain arrays so that shrinking can edit copies freely.
/// </summary>
public sealed record ConformInstance(double[][] X, double[] Y, double Beta, string Loss, double LossScale, int Width, int Seed, string Kind)
{
    /// <summary>Number of rows n.</summary>
    public int N => X.Length;
    /// <summary>Input dimension d.</summary>
    public int D => X.Length == 0 ? 0 : X[0].Length;

    /// <summary>"n×d", the size reported for counterexamples.</summary>
    public string Size => $"{N}×{D}";

    /// <summary>The validated data set.</summary>
    public Dataset ToDataset() => Dataset.Create(X, Y, $"instance ({Kind})");

    /// <summary>The loss with its scale.</summary>
    public Loss ToLoss() => Core.Losses.Loss.Parse(Loss, LossScale);

    /// <summary>Whether the targets are real numbers (then (y, β) → (ky, kβ) scales the program by k², THEORY.md §4.1).</summary>
    public bool RealTargets => ToLoss().Targets == TargetDomain.Real;

    /// <summary>A deep copy (shrinking edits copies).</summary>
    public ConformInstance Copy() => this with { X = X.Select(r => (double[])r.Clone()).ToArray(), Y = (double[])Y.Clone() };

    /// <summary>One-line description for progress and reports.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Kind} n={N} d={D} {Loss} c={LossScale:G6} beta={Beta:G6}");
}
