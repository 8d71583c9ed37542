using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Networks;

/// <summary>
/// One neuron's balance against the bound its stationarity implies (THEORY.md §7.2, T4a):
/// <c>|‖u_i‖ − |α_i|| ≤ Bound = ε_i/β + |α_i| ω_i / (β(‖u_i‖ + |α_i|))</c>, ε_i the neuron's share of the Clarke element,
/// ω_i = Σ_{j ∈ K_i} |x_j·u_i| |∇ℓ_j| over its kink rows; <see cref="Allowance"/> adds the rounding allowance
/// <see cref="Tolerances.Balance"/>.Relative · max(‖u_i‖, |α_i|).
/// </summary>
public sealed record NeuronBalance(int Index, double Deviation, double Bound, double Allowance)
{
    /// <summary>Within its allowance (a neuron with exactly one of u, α zero never is).</summary>
    public bool Scaled { get; init; }
}

/// <summary>
/// Scaledness and near-minimality judged with the tolerances a network's own stationarity implies (THEORY.md §7.2: T4a for
/// scaled, T4b under the §7 condition (K) for colinearity) instead of fixed constants: an ε-stationary network is scaled
/// within ε_i/β plus the kink term, and, when (K) holds, co-conic same-sign neurons are colinear within
/// <c>1 − cos ≤ (ε_i/(β|α_i|) + ε_k/(β|α_k|))² |α_i||α_k| / (2‖u_i‖‖u_k‖)</c> (plus <see cref="Tolerances.Colinearity"/>.Relative
/// for rounding). Every allowance transforms like the figure it bounds (§4.1). Without (K) colinearity does not follow from
/// ε (the §7 counterexample), so a non-colinear pair is reported, not excused.
/// </summary>
public sealed record BalanceAtStationarity(IReadOnlyList<NeuronBalance> Neurons, double MaxColinearityAllowance, string? WhyNotNearlyMinimal)
{
    /// <summary>Every neuron is within its T4a allowance.</summary>
    public bool Scaled => Neurons.All(n => n.Scaled);

    /// <summary>Scaled, and the neurons of every slot are colinear within their T4b allowance.</summary>
    public bool NearlyMinimal => WhyNotNearlyMinimal is null;

    /// <summary>The largest T4a allowance over the neurons (0 for width 0).</summary>
    public double MaxBalanceAllowance => Neurons.Count == 0 ? 0 : Neurons.Max(n => n.Allowance);

    /// <summary>The largest deviation/allowance ratio (≤ 1 when scaled; 0 for width 0).</summary>
    public double WorstBalanceRatio => Neurons.Count == 0 ? 0 : Neurons.Max(n => n.Allowance > 0 ? n.Deviation / n.Allowance : n.Deviation > 0 ? double.PositiveInfinity : 0);

    /// <summary>The judgement of a network at the Clarke element of its stationarity report (THEORY.md §7.2).</summary>
    public static BalanceAtStationarity Of(Network network, Dataset data, Loss loss, double beta, PatternSet patterns,
        StationarityReport stationarity, Tolerance kink)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stationarity);
        Guard.PositiveBeta(beta);
        var gradient = loss.Gradient(network.Predict(data.X), data.Y);
        var rowNorms = Enumerable.Range(0, data.N).Select(j => Norms.OfRow(data.X, j)).ToArray();
        var neurons = new List<NeuronBalance>(network.Width);
        for (int i = 0; i < network.Width; i++)
        {
            var (u, alpha) = network.Neuron(i);
            double norm = Norms.Euclidean(u), a = Math.Abs(alpha);
            double share = stationarity.Neurons[i].Norm;
            double omega = KinkTerm(data.X, u, norm, gradient, rowNorms, kink);
            double bound = share / beta + (norm + a > 0 ? a * omega / (beta * (norm + a)) : 0);
            double allowance = bound + Tolerances.Balance.Relative * Math.Max(norm, a);
            bool oneZero = (norm == 0) != (a == 0);
            double deviation = Math.Abs(norm - a);
            neurons.Add(new NeuronBalance(i, deviation, bound, allowance) { Scaled = !oneZero && deviation <= allowance });
        }
        var (maxAllowance, why) = Colinearity(network, data, patterns, beta, neurons, stationarity);
        return new BalanceAtStationarity(neurons, maxAllowance, why);
    }

    /// <summary>ω_i = Σ_{j ∈ K_i} |x_j·u_i| |∇ℓ_j|, K_i = {j : |x_j·u_i| ≤ τ(‖x_j‖‖u_i‖)} (THEORY.md §7.1).</summary>
    private static double KinkTerm(Matrix<double> x, Vector<double> u, double norm, Vector<double> gradient, double[] rowNorms, Tolerance kink)
    {
        if (norm == 0) return 0;
        double omega = 0;
        for (int j = 0; j < x.RowCount; j++)
        {
            double pre = x.Row(j).DotProduct(u);
            if (Math.Abs(pre) <= kink.At(rowNorms[j] * norm)) omega += Math.Abs(pre) * Math.Abs(gradient[j]);
        }
        return omega;
    }

    private static (double MaxAllowance, string? Why) Colinearity(Network network, Dataset data, PatternSet patterns, double beta,
        IReadOnlyList<NeuronBalance> neurons, StationarityReport stationarity)
    {
        var unscaled = neurons.FirstOrDefault(n => !n.Scaled);
        string? why = unscaled is null ? null
            : $"not scaled: neuron {unscaled.Index} has |‖u‖ − |α|| = {unscaled.Deviation:G3} > {unscaled.Allowance:G3} (T4a at its stationarity)";
        double maxAllowance = 0;
        foreach (var slot in NeuronOps.Slots(network, data, patterns))
            for (int p = 0; p < slot.Neurons.Count; p++)
                for (int q = p + 1; q < slot.Neurons.Count; q++)
                {
                    int i = slot.Neurons[p], k = slot.Neurons[q];
                    var (ui, ai) = network.Neuron(i);
                    var (uk, ak) = network.Neuron(k);
                    double ni = Norms.Euclidean(ui), nk = Norms.Euclidean(uk);
                    double r = stationarity.Neurons[i].Norm / (beta * Math.Abs(ai)) + stationarity.Neurons[k].Norm / (beta * Math.Abs(ak));
                    double allowance = r * r * Math.Abs(ai) * Math.Abs(ak) / (2 * ni * nk) + Tolerances.Colinearity.Relative;
                    maxAllowance = Math.Max(maxAllowance, allowance);
                    double oneMinusCos = NeuronOps.OneMinusCos(ui / ni, uk / nk);
                    if (why is null && oneMinusCos > allowance)
                        why = $"slot {slot.Block}: neurons {i} and {k} have 1 − cos = {oneMinusCos:G3} > {allowance:G3} (T4b under (K) at their stationarity)";
                }
        return (maxAllowance, why);
    }
}
