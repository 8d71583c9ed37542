namespace HiddenConvex.Core.Convex;

/// <summary>
/// Settings of <see cref="ConvexSolver"/> (Problem → Settings → Result). Every field states its default.
/// </summary>
public sealed record SolverSettings
{
    /// <summary>
    /// Target relative certified gap ε (default 1e-9, <see cref="Numerics.Tolerances.DefaultSolverGap"/>): the
    /// solver stops with <see cref="SolverStatus.Optimal"/> when the proven gap Ḡ = (objective − lower) + B + B_low satisfies
    /// Ḡ ≤ ε (objective − B), lower being the THEORY.md §4 certificate over every block of the program and B, B_low the rounding
    /// bounds of THEORY.md §4.1 (relative to the objective: no unit-dependent floor). While the working set can be
    /// polished, a certified point is first made accurate to relative 1e-12 when a tighter inner target is left
    /// (<see cref="ConvexSolver.AccurateRelativeGap"/>, THEORY.md §6): the optimal set and ψ are read off it.
    /// </summary>
    public double Tolerance { get; init; } = Numerics.Tolerances.DefaultSolverGap;

    /// <summary>Maximum number of outer (working-set) iterations (default 50).</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Maximum number of Newton steps of one inner interior-point solve (default 400).</summary>
    public int MaxNewtonSteps { get; init; } = 400;

    /// <summary>Wall-clock limit in seconds (default 3600); on expiry the best certified point is returned with <see cref="SolverStatus.TimeLimit"/>.</summary>
    public double TimeLimitSeconds { get; init; } = 3600;

    /// <summary>
    /// Largest number of blocks added to the working set per outer iteration (default 0 = automatic:
    /// max(10, min(n, ⌈3√n⌉))). Blocks are added in decreasing ‖Π_b‖ among those with ‖Π_b‖ &gt; β.
    /// </summary>
    public int BlocksPerIteration { get; init; }

    /// <summary>
    /// Blocks the working set starts with (default none), each with an interior witness of its cone, e.g. the support of a
    /// solution over sampled patterns: column generation over an oracle that does not enumerate S(X) then starts near the
    /// optimum instead of from W = 0. Blocks the oracle's program does not include are ignored.
    /// </summary>
    public IReadOnlyList<Pricing.PricedBlock> InitialBlocks { get; init; } = [];

    /// <summary>
    /// On a small program (every block listed, 2p·d ≤ 600), make one quick attempt: the first tight inner solve stops at
    /// relative gap 1e-3 and the face polish decides; its point is kept only when certified to 1e-12, otherwise the solve
    /// goes on as on a large program (default true; <see cref="ConvexSolver.IsSmallProgram"/>).
    /// </summary>
    public bool QuickAttempt { get; init; } = true;

    /// <summary>Print one progress line per outer iteration to stderr (default false).</summary>
    public bool Verbose { get; init; }

    /// <summary>Where progress lines go (default <see cref="Console.Error"/>).</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>Validates the numbers (ε &gt; 0, limits &gt; 0).</summary>
    public SolverSettings Validated()
    {
        Data.Guard.Positive(Tolerance, "tolerance");
        Data.Guard.Positive(TimeLimitSeconds, "time limit");
        Data.InvalidInputException.Require(MaxIterations > 0, $"max iterations must be > 0, got {MaxIterations}");
        Data.InvalidInputException.Require(MaxNewtonSteps > 0, $"max Newton steps must be > 0, got {MaxNewtonSteps}");
        Data.InvalidInputException.Require(BlocksPerIteration >= 0, $"blocks per iteration must be ≥ 0, got {BlocksPerIteration}");
        ArgumentNullException.ThrowIfNull(InitialBlocks);
        return this;
    }
}
