using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;

namespace HiddenConvex.Harness.Conformance;

/// <summary>The end of shrinking: the smallest failing instance found and how it got there.</summary>
public sealed record ShrinkResult(ConformInstance Instance, int Steps, int Evaluations, IReadOnlyList<string> Log);

/// <summary>
/// Greedy delta-debugging of a failing instance: repeatedly tries smaller or simpler variants —
/// drop a row, drop a column, round X (all at once, then row by row) to small integers, round y,
/// simplify β and the loss scale — and keeps the first one that still fails the same check,
/// until no candidate fails (a local minimum) or the evaluation budget or the time limit is spent.
/// </summary>
public static class Shrinker
{
    /// <summary>Shrinks <paramref name="start"/>; <paramref name="stillFails"/> runs the implementation on a candidate.</summary>
    public static ShrinkResult Shrink(ConformInstance start, Func<ConformInstance, bool> stillFails, int budget, Action<string>? progress = null,
        DateTime? deadlineUtc = null)
    {
        bool TimeLeft() => deadlineUtc is not { } d || DateTime.UtcNow < d;
        var current = start;
        int steps = 0, evaluations = 0;
        var log = new List<string>();
        bool improved = true;
        while (improved && evaluations < budget && TimeLeft())
        {
            improved = false;
            foreach (var (what, candidate) in Candidates(current))
            {
                if (evaluations >= budget || !TimeLeft()) break;
                if (!IsValid(candidate) || Complexity(candidate).CompareTo(Complexity(current)) >= 0) continue;
                evaluations++;
                if (!stillFails(candidate)) continue;
                current = candidate;
                steps++;
                log.Add($"{what} → {candidate.Size}");
                progress?.Invoke($"shrink step {steps}: {what} → {candidate.Size}");
                improved = true;
                break;
            }
        }
        return new ShrinkResult(current, steps, evaluations, log);
    }

    /// <summary>Simpler variants of an instance, most aggressive first.</summary>
    public static IEnumerable<(string What, ConformInstance Candidate)> Candidates(ConformInstance inst)
    {
        for (int j = 0; j < inst.N && inst.N > 1; j++)
            yield return ($"drop row {j}", inst with { X = inst.X.Where((_, i) => i != j).ToArray(), Y = inst.Y.Where((_, i) => i != j).ToArray() });
        for (int k = 0; k < inst.D && inst.D > 1; k++)
            yield return ($"drop column {k}", inst with { X = inst.X.Select(r => r.Where((_, i) => i != k).ToArray()).ToArray() });
        if (inst.X.Any(r => r.Any(v => v != Math.Round(v))))
        {
            yield return ("round X to integers", inst with { X = inst.X.Select(r => r.Select(v => Math.Round(v)).ToArray()).ToArray() });
            for (int j = 0; j < inst.N; j++)
                if (inst.X[j].Any(v => v != Math.Round(v)))
                {
                    int row = j;
                    yield return ($"round row {j} of X", inst with { X = inst.X.Select((r, i) => i == row ? r.Select(v => Math.Round(v)).ToArray() : r).ToArray() });
                }
        }
        if (inst.X.Any(r => r.Any(v => Math.Abs(v) > 1 && v == Math.Round(v))))
            yield return ("clip X to [-1, 1]", inst with { X = inst.X.Select(r => r.Select(v => Math.Clamp(v, -1, 1)).ToArray()).ToArray() });
        if (inst.RealTargets && inst.Y.Any(v => v != Math.Round(v)))
            yield return ("round y to integers", inst with { Y = inst.Y.Select(v => Math.Round(v)).ToArray() });
        foreach (var b in new[] { 1.0, 0.5, 0.1 })
            if (b != inst.Beta) yield return ($"beta → {b}", inst with { Beta = b });
        double oneDigit = RoundToOneDigit(inst.Beta);
        if (oneDigit != inst.Beta && oneDigit is not (1.0 or 0.5 or 0.1)) yield return ($"beta → {oneDigit}", inst with { Beta = oneDigit });
        if (inst.LossScale != 1) yield return ("loss scale → 1", inst with { LossScale = 1 });
    }

    /// <summary>
    /// A well-founded size, compared lexicographically, that every accepted step must decrease
    /// (so shrinking terminates): rows, columns, non-integer entries of X, Σ|X|, non-integer
    /// targets, how unusual β is, and whether the loss scale differs from 1.
    /// </summary>
    public static (int, int, int, double, int, int, int) Complexity(ConformInstance inst)
    {
        int nonIntX = inst.X.Sum(r => r.Count(v => v != Math.Round(v)));
        double mass = inst.X.Sum(r => r.Sum(Math.Abs));
        int nonIntY = inst.Y.Count(v => v != Math.Round(v));
        int betaRank = inst.Beta switch { 1.0 => 0, 0.5 => 1, 0.1 => 2, _ => RoundToOneDigit(inst.Beta) == inst.Beta ? 3 : 4 };
        return (inst.N, inst.D, nonIntX, mass, nonIntY, betaRank, inst.LossScale == 1 ? 0 : 1);
    }

    private static double RoundToOneDigit(double v)
    {
        double p = Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(v))));
        return Math.Round(v / p) * p;
    }

    private static bool IsValid(ConformInstance inst)
    {
        if (inst.N < 1 || inst.D < 1 || !(inst.Beta > 0) || !(inst.LossScale > 0)) return false;
        try
        {
            inst.ToLoss().ValidateTargets(inst.ToDataset().Y, "candidate");
            return true;
        }
        catch (InvalidInputException) { return false; }
    }
}
