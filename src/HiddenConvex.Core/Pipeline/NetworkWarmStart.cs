using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Pipeline;

/// <summary>
/// A starting working set for column generation from a given network (`hcv solve --init NET`; THEORY.md §3, §5): the block
/// (s, sign α_i) of each active neuron, with s the cell whose closed cone holds u_i (<see cref="NetworkCells.NeuronCells"/>)
/// and its interior witness. Those are blocks of the full program, so starting from them changes where the solve starts,
/// never what it certifies: the certificate still prices every block. Why: a trained network's neurons sit in (or next
/// to) the cells of the optimum, which column generation from W = 0 adds a few per iteration.
/// </summary>
public static class NetworkWarmStart
{
    /// <summary>One block per distinct (pattern, sign) of the network's active neurons, in neuron order.</summary>
    /// <exception cref="InvalidInputException">The network's input dimension is not the data's d.</exception>
    public static IReadOnlyList<PricedBlock> Blocks(Network network, Matrix<double> x)
    {
        var seen = new HashSet<Block>();
        var blocks = new List<PricedBlock>();
        foreach (var (cell, sign) in NetworkCells.NeuronCells(network, x))
        {
            var block = new Block(cell.Pattern, sign);
            if (seen.Add(block)) blocks.Add(new PricedBlock(block, 0, cell.Witness));
        }
        return blocks;
    }
}
