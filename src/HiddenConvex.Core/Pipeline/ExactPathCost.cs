using HiddenConvex.Core.Pricing;

namespace HiddenConvex.Core.Pipeline;

/// <summary>
/// A forecast of the exact path's run time in seconds, by phase (see <see cref="ExactPathCost"/>).
/// </summary>
/// <param name="Cells">The cell count used: the guard's bound Cov(N, r) on |S(X)| (THEORY.md §2).</param>
/// <param name="Enumeration">Seconds to enumerate the cells.</param>
/// <param name="Pricing">Seconds of exact pricing over the solve (every pass touches every cell).</param>
/// <param name="WorkingSetSolve">Seconds of inner (barrier) solves over the working set.</param>
public sealed record ExactPathCostEstimate(double Cells, double Enumeration, double Pricing, double WorkingSetSolve)
{
    /// <summary>The whole forecast: enumeration + pricing + working-set solves.</summary>
    public double Seconds => Enumeration + Pricing + WorkingSetSolve;
}

/// <summary>
/// The exact path's cost model, so that `--patterns auto` can compare it with a non-enumerating oracle's (THEORY.md §2, §4):
/// <code>
/// enumeration  = c_e · p · n · d
/// pricing      = P · c_p · p · n · d                      (P pricing passes, each computing g_s and projecting near-β cells)
/// solve        = S · min(n³/3 + K n² d/4,  n (K d)²/4 + (K (d+1))³/3) / F     (S Newton steps, the cheaper Newton form)
/// </code>
/// with p = Cov(N, r) cells (<see cref="ExactPathGuard.Estimate"/>), K = min(2p, <see cref="WorkingSetPerRow"/>·n) the
/// working set, P = <see cref="PricingPasses"/>, S = <see cref="NewtonSteps"/>, F = <see cref="FlopsPerSecond"/>. The
/// constants are fitted to the CPU seconds of the `edge` benchmark (benchmarks/HiddenConvex.Benchmarks, planted teachers at
/// (100,3) … (400,2), β = 0.01 β_max) on the 2-core machine this project runs on; the forecast is an order of magnitude
/// for choosing a method, not a promise. It is monotone in n, d and p.
/// </summary>
public static class ExactPathCost
{
    /// <summary>Seconds per cell, row and dimension of the incremental enumeration (c_e).</summary>
    public const double EnumerationSecondsPerCellRowDim = 2.5e-8;

    /// <summary>Seconds per cell, row and dimension of one exact pricing pass (c_p: directions g_s and the projections near β).</summary>
    public const double PricingSecondsPerCellRowDim = 6e-9;

    /// <summary>Pricing passes of a solve (P): certificate and column generation share one per outer iteration, plus the polishes'.</summary>
    public const double PricingPasses = 20;

    /// <summary>Newton steps of a solve over all its inner solves (S).</summary>
    public const double NewtonSteps = 400;

    /// <summary>Working-set blocks per row of X (K ≈ this·n, at most the 2p blocks).</summary>
    public const double WorkingSetPerRow = 1.5;

    /// <summary>Effective floating-point rate of the Newton systems (F).</summary>
    public const double FlopsPerSecond = 1e9;

    /// <summary>The forecast for data X (its guard estimate: distinct rows, rank, Cov(N, r)).</summary>
    public static ExactPathCostEstimate Estimate(ExactPathEstimate guard, int d)
    {
        ArgumentNullException.ThrowIfNull(guard);
        return Estimate(guard.Rows, d, guard.CellBound);
    }

    /// <summary>The forecast for n rows in R^d with p cells (see the class comment for the formula).</summary>
    public static ExactPathCostEstimate Estimate(int n, int d, double cells)
    {
        Data.InvalidInputException.Require(n >= 1 && d >= 1 && cells >= 1 && double.IsFinite(cells),
            $"the exact path's cost needs n ≥ 1, d ≥ 1 and a finite cell count ≥ 1, got n = {n}, d = {d}, cells = {cells}");
        double work = cells * n * d;
        double enumeration = EnumerationSecondsPerCellRowDim * work;
        double pricing = PricingPasses * PricingSecondsPerCellRowDim * work;
        double k = Math.Min(2 * cells, WorkingSetPerRow * n);
        double woodbury = (double)n * n * n / 3 + k * n * n * d / 4;
        double kd = k * d, km = k * (d + 1);
        double dense = n * kd * kd / 4 + km * km * km / 3;
        double solve = NewtonSteps * Math.Min(woodbury, dense) / FlopsPerSecond;
        return new ExactPathCostEstimate(cells, enumeration, pricing, solve);
    }
}
