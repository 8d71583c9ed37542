using System.Diagnostics;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pipeline;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Verification;

/// <summary>The verdict of the global optimality check (THEORY.md §9).</summary>
public enum Verdict
{
    /// <summary>Certified globally optimal (within the gap tolerance).</summary>
    Optimal,
    /// <summary>Stationary (or optimal on its own slots) but a missing neuron decreases L_β.</summary>
    StationaryNotOptimal,
    /// <summary>Neither: a local move (the §8 path) decreases L_β.</summary>
    NotStationary,
}

/// <summary>Which criterion of the decision rule decided the verdict (THEORY.md §9).</summary>
public enum Decision
{
    /// <summary>The proven gap is within tolerance.</summary>
    Certificate,
    /// <summary>Stationary and ρ(v) ≤ β (within the pricing tolerance).</summary>
    StationarityAndPricing,
    /// <summary>The Clarke measure is within ε_stat.</summary>
    Stationarity,
    /// <summary>The gap to the best network on θ's own slots is within ε_local.</summary>
    SlotRestrictedGap,
    /// <summary>Neither the Clarke measure nor the slot-restricted gap is within its tolerance.</summary>
    StationarityAndSlotRestrictedGap,
}

/// <summary>The words of a <see cref="Decision"/> as reports print them.</summary>
public static class DecisionNames
{
    /// <summary>"certificate", "stationarity+pricing", "stationarity", "slot-restricted gap", "stationarity and slot-restricted gap".</summary>
    public static string Name(this Decision decision) => decision switch
    {
        Decision.Certificate => "certificate",
        Decision.StationarityAndPricing => "stationarity+pricing",
        Decision.Stationarity => "stationarity",
        Decision.SlotRestrictedGap => "slot-restricted gap",
        _ => "stationarity and slot-restricted gap",
    };
}

/// <summary>Settings of <see cref="OptimalityCheck"/>; every field has a default from <see cref="Tolerances"/>.</summary>
public sealed record CheckSettings
{
    /// <summary>ε_stat of the Clarke measure (THEORY.md §7).</summary>
    public Tolerance Stationarity { get; init; } = Tolerances.Stationarity;
    /// <summary>Which rows count as kinks.</summary>
    public Tolerance Kink { get; init; } = Tolerances.Kink;
    /// <summary>ε_gap: relative certified gap at or below which θ is optimal.</summary>
    public double GapTolerance { get; init; } = Tolerances.CheckGap;
    /// <summary>ε_local: relative gap to the best network on θ's own slots at or below which θ counts as stationary.</summary>
    public double LocalGapTolerance { get; init; } = Tolerances.LocalGap;
    /// <summary>Tolerance of ρ(v) ≤ β.</summary>
    public Tolerance Pricing { get; init; } = Tolerances.Pricing;
    /// <summary>Compute the §8 path to a nearly minimal network (for the decrease it offers and --improve).</summary>
    public bool ComputePath { get; init; } = true;
    /// <summary>Solve the convex program for P*_c and the global path endpoint when θ is not stationary (default false: it costs far more than the check).</summary>
    public bool SolveConvex { get; init; }
    /// <summary>
    /// Tighten the lower bound with the dual point of the convex program restricted to θ's own slots
    /// (a small solve): any v gives a valid bound, and near the optimum this one is far tighter than
    /// v = −∇ℓ(f_θ(X)) (default true).
    /// </summary>
    public bool TightenWithSlotSolve { get; init; } = true;
    /// <summary>
    /// The slot-restricted solve is attempted only when θ's own certificate has a relative gap at most this
    /// (default 1e-3): far from the optimum the verdict cannot change and the solve would cost more than the check.
    /// </summary>
    public double TightenBelowRelativeGap { get; init; } = 1e-3;
    /// <summary>Settings of the convex solves.</summary>
    public SolverSettings Solver { get; init; } = new();
    /// <summary>Progress lines (stderr in the CLI); null for silence.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>
/// The escape neuron of THEORY.md §9: (t u*, t γ) with u* the unit pricing maximiser of the best block
/// (s, γ). Adding it changes L_β by t²(β − γ v·σ(Xu*)) + o(t²) = −t²(ρ − β) + o(t²); t is the exact
/// minimiser of L_β along the added neuron (a 1-D convex problem in s = t²).
/// </summary>
public sealed record EscapeNeuron(
    Vector<double> U,
    double Alpha,
    Vector<double> Direction,
    Block Block,
    double Scale,
    double PredictedDecrease,
    double ActualDecrease,
    double ObjectiveAfter);

/// <summary>The outcome of the check, with every figure the verdict was decided on.</summary>
public sealed record OptimalityReport(
    Verdict Verdict,
    Decision DecidedBy,
    string Explanation,
    double Objective,
    Certificate Certificate,
    Certificate OwnCertificate,
    double Beta,
    StationarityReport Stationarity,
    double LocalLower,
    double LocalRho,
    bool Scaled,
    bool NearlyMinimal,
    int Width,
    int Slots,
    int MinimalWidth,
    EscapeNeuron? Escape,
    NetworkPath? PathToNearlyMinimal,
    SolverResult? Convex,
    Network? Improved,
    string? ImprovedBy,
    double Seconds)
{
    /// <summary>The certified lower bound on P*_c (and on every P*_m).</summary>
    public double Lower => Certificate.Lower;
    /// <summary>objective − lower.</summary>
    public double Gap => Certificate.Gap;
    /// <summary>gap / max(1, |objective|).</summary>
    public double RelativeGap => Certificate.RelativeGap;
    /// <summary>ρ(v) at v = −∇ℓ(f_θ(X)) (the pricing of θ itself, which decides the escape neuron).</summary>
    public double Rho => OwnCertificate.Rho;
    /// <summary>objective − (lower bound over θ's own slots): how far θ can be from the best network with its slots.</summary>
    public double LocalGap => Objective - LocalLower;
    /// <summary>LocalGap / max(1, |objective|).</summary>
    public double LocalRelativeGap => LocalGap / Math.Max(1, Math.Abs(Objective));
    /// <summary>The CLI exit code of the verdict: 0 optimal, 1 otherwise.</summary>
    public int ExitCode() => Verdict == Verdict.Optimal ? 0 : 1;

    /// <summary>Lower-case verdict as printed: optimal, stationary-not-optimal, not-stationary.</summary>
    public string VerdictName => Verdict switch
    {
        Verdict.Optimal => "optimal",
        Verdict.StationaryNotOptimal => "stationary-not-optimal",
        _ => "not-stationary",
    };
}

/// <summary>
/// The global optimality check of a given network (THEORY.md §9). With z = f_θ(X), v = −∇ℓ(z),
/// lower = the larger of the §4 certificates of z and of z_S (the solution of the convex program restricted
/// to θ's own slots, re-priced over all of S(X): every dual point gives a valid bound), gap = L_β(θ) − lower,
/// the Clarke measure of §7 and the slot-restricted certificate of θ (ρ_S(v) = max over θ's own slots,
/// lower_S = −ℓ*(−t v), t ≤ β/ρ_S), the decision rule is
/// <code>
/// certified  := S(X) exact ∧ gap ≤ ε_gap · max(1, |L_β(θ)|)
/// stationary := measure ≤ ε_stat = abs + rel·‖θ‖(β + ‖X‖₂‖∇ℓ(z)‖)
/// priced     := ρ(v) ≤ β + ε_price(β)
/// local      := L_β(θ) − lower_S ≤ ε_local · max(1, |L_β(θ)|)
/// optimal                ⇔ certified ∨ (S(X) exact ∧ stationary ∧ priced)
/// stationary-not-optimal ⇔ ¬optimal ∧ (stationary ∨ local)
/// not-stationary         ⇔ otherwise
/// </code>
/// The certificate proves near-optimality whatever the stationarity; "local" is the §7
/// characterisation of stationary points (optimal on the convex program restricted to their slots),
/// which survives the float noise that keeps a trained network's Clarke measure above ε_stat.
/// Whenever ρ(v) &gt; β the escape neuron is computed and its actual decrease verified.
/// </summary>
public static class OptimalityCheck
{
    /// <summary>Checks θ over the exact cell enumeration of X with the default settings.</summary>
    public static OptimalityReport Check(Network network, Dataset data, Loss loss, double beta) =>
        Check(network, data, loss, beta, CellEnumerator.Enumerate(data.X), new CheckSettings());

    /// <summary>Checks θ over a given pattern set (exact or sampled) with given settings.</summary>
    public static OptimalityReport Check(Network network, Dataset data, Loss loss, double beta, PatternSet patterns, CheckSettings settings)
    {
        var clock = Stopwatch.StartNew();
        Guard.PositiveBeta(beta);
        loss.ValidateTargets(data.Y, data.Source);
        InvalidInputException.Require(network.InputDim == data.D,
            $"network has input dimension {network.InputDim} but the data has d = {data.D} columns" +
            (network.InputDim == data.D + 1 ? " (a network with a hidden-layer bias needs the data with a ones column)" : ""));
        var log = settings.Log;
        var engine = new EnumeratedPricing(data.X, patterns);
        double objective = NetworkObjective.Value(network, data, loss, beta);
        var z = network.Predict(data.X);
        var own = CertificateChecker.ForPrediction(data, loss, beta, engine, z, objective);
        var slots = NeuronOps.Slots(network, data, patterns);
        var certificate = settings.TightenWithSlotSolve && own.RelativeGap <= settings.TightenBelowRelativeGap ? Tightened(own, data, loss, beta, patterns, engine, slots, settings) : own;
        log?.WriteLine($"  objective {objective:G12}, certified lower bound {certificate.Lower:G12}, rho {certificate.Rho:G8} (beta {beta:G8})");
        var stationarity = Stationarity.Measure(network, data, loss, beta, settings.Stationarity, settings.Kink);
        var (localRho, localLower) = SlotCertificate(data, loss, beta, engine, slots, own.V);

        bool exact = patterns.IsExact;
        bool certified = exact && certificate.RelativeGap <= settings.GapTolerance;
        bool priced = own.Rho <= beta + settings.Pricing.At(beta);
        bool stationary = stationarity.IsStationary;
        double localRel = (objective - localLower) / Math.Max(1, Math.Abs(objective));
        bool local = localRel <= settings.LocalGapTolerance;

        var (verdict, decidedBy) = Decide(certified, exact && stationary && priced, stationary, local);

        // For a certified network any escape neuron's gain is below the gap: not worth reporting.
        var escape = priced || verdict == Verdict.Optimal ? null : EscapeFor(network, data, loss, beta, engine, own, objective);
        NetworkPath? path = null;
        CertifiedSolution? convex = null;
        if (verdict != Verdict.Optimal && settings.ComputePath)
        {
            log?.WriteLine("  path to a nearly minimal network (THEORY.md §8)");
            path = Paths.ToNearlyMinimal(network, data, loss, beta, patterns, 2);
        }
        if (verdict == Verdict.NotStationary && settings.SolveConvex)
        {
            log?.WriteLine("  solving the convex program for P*_c (THEORY.md §3)");
            // The certified pipeline prunes the optimum to a vertex of the optimal set: the network written is at most n + 1 wide.
            convex = CertifiedPipeline.Run(new ConvexProblem(data, loss, beta, patterns), new PipelineSettings
            {
                Solver = settings.Solver with { Progress = log, Verbose = log is not null }, MaxSupportsForMStar = 0, Log = log,
            });
        }
        var minimal = NeuronOps.Minimalise(network, data, patterns);
        var (improved, improvedBy) = Improvement(verdict, network, minimal, escape, path, convex, data, loss, beta);
        string explanation = Explain(verdict, decidedBy, certificate, own.Rho, stationarity, localRel, settings, priced, exact, beta);
        return new OptimalityReport(verdict, decidedBy, explanation, objective, certificate, own, beta, stationarity,
            localLower, localRho, NeuronOps.IsScaled(network), NeuronOps.IsNearlyMinimal(network, data, patterns),
            network.Width, slots.Count, minimal.Width, escape, path, convex?.Solve, improved, improvedBy, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The decision rule of the class comment, with the criterion that decided.</summary>
    private static (Verdict, Decision) Decide(bool certified, bool stationaryAndPriced, bool stationary, bool local) =>
        certified ? (Verdict.Optimal, Decision.Certificate)
        : stationaryAndPriced ? (Verdict.Optimal, Decision.StationarityAndPricing)
        : stationary ? (Verdict.StationaryNotOptimal, Decision.Stationarity)
        : local ? (Verdict.StationaryNotOptimal, Decision.SlotRestrictedGap)
        : (Verdict.NotStationary, Decision.StationarityAndSlotRestrictedGap);

    /// <summary>
    /// The better of θ's own certificate and the certificate of the solution z_S of the convex program
    /// restricted to θ's slots, re-priced over the full pattern set (so its lower bound holds for P*_c).
    /// The objective stays L_β(θ).
    /// </summary>
    private static Certificate Tightened(Certificate own, Dataset data, Loss loss, double beta, PatternSet patterns,
        IPricingOracle engine, IReadOnlyList<Slot> slots, CheckSettings settings)
    {
        var cells = slots.Select(sl => patterns.IndexOf(sl.Block.Pattern)).Where(i => i >= 0).Distinct()
            .Select(i => patterns.Cells[i]).ToList();
        if (cells.Count == 0) return own;
        var restricted = new PatternSet(cells, false, patterns.Rank, "slots of the checked network", patterns.N);
        var solved = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, restricted), settings.Solver with { MaxIterations = 20 });
        var other = CertificateChecker.ForPrediction(data, loss, beta, engine, solved.W.Predict(data.X), own.Objective);
        settings.Log?.WriteLine($"  slot-restricted solve ({cells.Count} patterns, {solved.StatusName}): lower bound {other.Lower:G12} vs {own.Lower:G12} from θ itself");
        return other.Lower > own.Lower ? other : own;
    }

    /// <summary>
    /// ρ_S(v) over θ's own slots and the lower bound −ℓ*(−t v), t ∈ [0, min(cap, β/ρ_S)], on the convex
    /// program restricted to those blocks (weak duality of THEORY.md §4 on the sub-program).
    /// </summary>
    private static (double Rho, double Lower) SlotCertificate(Dataset data, Loss loss, double beta, IPricingOracle engine,
        IReadOnlyList<Slot> slots, Vector<double> v)
    {
        double rho = 0;
        var va = v.ToArray();
        foreach (var slot in slots)
        {
            if (!engine.Includes(slot.Block)) continue;
            engine.Geometry.Projection(slot.Block, va, out double norm);
            rho = Math.Max(rho, norm);
        }
        double tMax = rho > 0 ? Math.Min(loss.DualScaleCap, beta / rho) : loss.DualScaleCap;
        if (double.IsPositiveInfinity(tMax)) tMax = double.MaxValue;
        double t = loss.BestDualScale(v, data.Y, tMax);
        return (rho, loss.NegConjugate(v * t, data.Y));
    }

    /// <summary>
    /// The escape neuron (THEORY.md §9) for ρ(v) &gt; β, with t² the exact minimiser of the convex
    /// φ(s) = ℓ(z + s h) + β s, h = γσ(Xu*); the actual decrease is recomputed from L_β of the grown network.
    /// </summary>
    public static EscapeNeuron EscapeFor(Network network, Dataset data, Loss loss, double beta, IPricingOracle engine, Certificate certificate, double objective)
    {
        var v = certificate.V;
        var pricing = engine.Price(v);
        var u = pricing.Maximiser;
        int gamma = pricing.BestBlock.Sign;
        var h = Network.FromNeurons([(u, (double)gamma)], data.D).Predict(data.X);
        var z = network.Predict(data.X);
        double Slope(double s) => h.DotProduct(loss.Gradient(z + s * h, data.Y)) + beta;
        double s = BestStep(Slope);
        double t = Math.Sqrt(s);
        var grown = Network.FromNeurons(network.Neurons().Append((u * t, gamma * t)), data.D);
        double after = NetworkObjective.Value(grown, data, loss, beta);
        return new EscapeNeuron(u * t, gamma * t, u, pricing.BestBlock, t, s * (pricing.Rho - beta), objective - after, after);
    }

    /// <summary>Root of the non-decreasing φ'(s) on s ≥ 0 (φ'(0) &lt; 0): bracket by doubling, then bisection.</summary>
    private static double BestStep(Func<double, double> slope)
    {
        if (!(slope(0) < 0)) return 0;
        double lo = 0, hi = 1e-8;
        for (int k = 0; k < 400 && slope(hi) < 0; k++) { lo = hi; hi *= 2; }
        for (int k = 0; k < 200 && hi - lo > 1e-15 * hi; k++)
        {
            double mid = 0.5 * (lo + hi);
            if (slope(mid) < 0) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// The network --improve writes: the minimal equivalent of an optimal θ; otherwise the candidate with
    /// the lowest L_β among ψ(W*) (end of the §8 global path), θ plus the escape neuron, and the end of
    /// the §8 path to a nearly minimal network.
    /// </summary>
    private static (Network? Network, string? By) Improvement(Verdict verdict, Network network, Network minimal, EscapeNeuron? escape,
        NetworkPath? path, CertifiedSolution? convex, Dataset data, Loss loss, double beta)
    {
        if (verdict == Verdict.Optimal) return (minimal, "minimal equivalent network (already optimal)");
        var candidates = new List<(Network Net, double Value, string By)>();
        if (convex is { } c && c.Final.NonZeroBlocks.Any())
            candidates.Add((c.Network, c.Problem.Objective(c.Final), $"end of the THEORY.md §8 path to the global minimum (convex solution, status {c.Solve.StatusName}{(c.UsedPruned ? ", pruned to a vertex of the optimal set" : "")})"));
        if (escape is { ActualDecrease: > 0 })
            candidates.Add((Network.FromNeurons(network.Neurons().Append((escape.U, escape.Alpha)), data.D), escape.ObjectiveAfter, "escape neuron added (THEORY.md §9)"));
        if (path is { Decrease: > 0 })
            candidates.Add((path.End, path.EndLoss, "end of the THEORY.md §8 path to a nearly minimal network"));
        double current = NetworkObjective.Value(network, data, loss, beta);
        var best = candidates.Where(x => x.Value < current).OrderBy(x => x.Value).FirstOrDefault();
        return best.Net is null ? (null, null) : (best.Net, best.By);
    }

    private static string Explain(Verdict verdict, Decision decidedBy, Certificate c, double rho, StationarityReport st, double localRel,
        CheckSettings s, bool priced, bool exact, double beta)
    {
        string pricing = priced ? $"rho(v) = {rho:G10} <= beta = {beta:G10}" : $"rho(v) = {rho:G10} > beta = {beta:G10}";
        string gap = $"certified relative gap {c.RelativeGap:G3} (tolerance {s.GapTolerance:G3})";
        string stat = $"Clarke stationarity measure {st.Measure:G3} (threshold {st.Threshold:G3} = {st.Tolerance})";
        string loc = $"relative gap on its own slots {localRel:G3} (tolerance {s.LocalGapTolerance:G3})";
        string patterns = exact ? "" : " The pattern set is sampled, so no bound is proven for the full program.";
        return verdict switch
        {
            Verdict.Optimal when decidedBy == Decision.Certificate => $"Globally optimal: {gap}; {pricing}; {stat}.{patterns}",
            Verdict.Optimal => $"Globally optimal: stationary ({stat}) and {pricing}; {gap}.{patterns}",
            Verdict.StationaryNotOptimal => $"Stationary but not optimal: {(decidedBy == Decision.Stationarity ? stat : loc)}, while {pricing} and {gap}: adding the escape neuron decreases the objective.{patterns}",
            _ => $"Not stationary: {stat} and {loc}; {pricing}; {gap}.{patterns}",
        };
    }
}
