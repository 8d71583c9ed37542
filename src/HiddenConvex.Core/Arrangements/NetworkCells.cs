using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// The cells of a network's own neurons (THEORY.md §2, §5): for each neuron with u ≠ 0 and α ≠ 0, a full-dimensional cell
/// whose closed cone contains u, with a witness strictly inside it. It stands in for S(X) wherever only the network's own
/// slots matter (slots, φ, minimalisation, the §8 path, the program restricted to θ's slots) when S(X) cannot be
/// enumerated: any closed cone containing u is an admissible slot (THEORY.md §4a). The set is marked inexact.
/// </summary>
public static class NetworkCells
{
    /// <summary>Nudges tried to move a neuron on a kink strictly inside an adjacent cell, each twice the last.</summary>
    private const int NudgeAttempts = 30;

    /// <summary>The cells of the network's active neurons, one per distinct pattern, ordered by pattern string.</summary>
    public static PatternSet Of(Network network, Matrix<double> x)
    {
        var found = new Dictionary<ActivationPattern, Vector<double>>();
        foreach (var (cell, _) in NeuronCells(network, x)) found.TryAdd(cell.Pattern, cell.Witness);
        var cells = found.Select(kv => new Cell(kv.Key, kv.Value)).OrderBy(c => c.Pattern.ToString(), StringComparer.Ordinal).ToList();
        return new PatternSet(cells, isExact: false, RowSpace.Of(x).Rank, "cells of the network's neurons", x.RowCount);
    }

    /// <summary>
    /// Each active neuron's cell (its pattern and an interior witness near u_i; THEORY.md §5: the neuron lies in the closed
    /// cone of that cell) with the sign of α_i, in neuron order.
    /// </summary>
    /// <exception cref="InvalidInputException">The network's input dimension is not the data's d (raised at the call).</exception>
    public static IReadOnlyList<(Cell Cell, int Sign)> NeuronCells(Network network, Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(x);
        InvalidInputException.Require(network.InputDim == x.ColumnCount,
            $"network has input dimension {network.InputDim} but the data has d = {x.ColumnCount} columns");
        var rowNorms = Enumerable.Range(0, x.RowCount).Select(j => Norms.OfRow(x, j)).ToArray();
        var cells = new List<(Cell, int)>();
        for (int i = 0; i < network.Width; i++)
        {
            var (u, alpha) = network.Neuron(i);
            if (alpha == 0 || Norms.Euclidean(u) == 0) continue;
            var witness = InteriorNear(x, rowNorms, u.Normalize(2));
            cells.Add((new Cell(ActivationPattern.OfDirection(x, witness), witness), Math.Sign(alpha)));
        }
        return cells;
    }

    /// <summary>
    /// A unit direction strictly inside a full-dimensional cell whose closed cone contains u: u itself when no nonzero row is
    /// within <see cref="Tolerances.SampledDirectionMargin"/> of its kink; otherwise u pushed along Σ (2s_j − 1) x_j/‖x_j‖ over
    /// the kink rows (the side the ≥ convention gives them), by steps growing until every row clears the margin.
    /// </summary>
    private static Vector<double> InteriorNear(Matrix<double> x, double[] rowNorms, Vector<double> u)
    {
        var kinks = KinkRows(x, rowNorms, u);
        if (kinks.Count == 0) return u;
        var push = Vector<double>.Build.Dense(u.Count);
        foreach (int j in kinks) push += x.Row(j) * ((x.Row(j).DotProduct(u) >= 0 ? 1.0 : -1.0) / rowNorms[j]);
        // A step may not cross a hyperplane that u clears: the closed cone of the cell reached must contain u.
        double reach = ClearRowsMargin(x, rowNorms, u, kinks);
        double step = 16 * Tolerances.SampledDirectionMargin;
        for (int attempt = 0; attempt < NudgeAttempts && Norms.Euclidean(push) > 0 && step * Norms.Euclidean(push) < reach; attempt++, step *= 2)
        {
            var moved = (u + step * push).Normalize(2);
            if (KinkRows(x, rowNorms, moved).Count == 0) return moved;
        }
        // The kink rows' own directions cancel (e.g. rows on both sides of u): random directions of the same small sizes.
        var rng = new Random(RandomSeed);
        for (step = 2 * Tolerances.SampledDirectionMargin; step < reach; step *= 2)
            for (int trial = 0; trial < RandomTrials; trial++)
            {
                var r = Vector<double>.Build.Dense(u.Count, _ => rng.NextDouble() - 0.5);
                var moved = (u + step * r.Normalize(2)).Normalize(2);
                if (KinkRows(x, rowNorms, moved).Count == 0) return moved;
            }
        return u; // no full-dimensional neighbour found: the cell of u itself, as the ≥ convention gives it
    }

    /// <summary>Random nudges tried per step size when the push along the kink rows fails, and their seed.</summary>
    private const int RandomTrials = 8, RandomSeed = 1;

    /// <summary>
    /// The smallest relative margin |x_j·u|/‖x_j‖ over the rows u clears (not kinks): a move of the unit u by less keeps
    /// their signs, so the cell reached has u in its closed cone.
    /// </summary>
    private static double ClearRowsMargin(Matrix<double> x, double[] rowNorms, Vector<double> u, List<int> kinks)
    {
        double margin = double.PositiveInfinity;
        var isKink = new HashSet<int>(kinks);
        for (int j = 0; j < x.RowCount; j++)
            if (rowNorms[j] > 0 && !isKink.Contains(j)) margin = Math.Min(margin, Math.Abs(x.Row(j).DotProduct(u)) / rowNorms[j]);
        return margin;
    }

    private static List<int> KinkRows(Matrix<double> x, double[] rowNorms, Vector<double> u)
    {
        var kinks = new List<int>();
        for (int j = 0; j < x.RowCount; j++)
            if (rowNorms[j] > 0 && Math.Abs(x.Row(j).DotProduct(u)) <= Tolerances.SampledDirectionMargin * rowNorms[j]) kinks.Add(j);
        return kinks;
    }
}
