using System.Diagnostics;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pipeline;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Verification;

/// <summary>The verdict of the global optimality check (THEORY.md §9).</summary>
public enum Verdict
{
    /// <summary>Certified globally optimal: the proven gap is within the tolerance.</summary>
    Optimal,
    /// <summary>Stationary (or optimal on its own slots), and a witness network decreases L_β by more than rounding can produce.</summary>
    StationaryNotOptimal,
    /// <summary>Not stationary: the Clarke measure exceeds ε_stat (a first-order descent exists).</summary>
    NotStationary,
    /// <summary>Neither proven optimal nor refuted: the proven bracket [lower, objective] ∋ P*_c is the answer.</summary>
    Undecided,
}

/// <summary>Which criterion of the decision rule decided the verdict (THEORY.md §9).</summary>
public enum Decision
{
    /// <summary>The proven gap is within tolerance (optimal).</summary>
    Certificate,
    /// <summary>The escape neuron's measured decrease exceeds the rounding bound (a refutation).</summary>
    EscapeNeuron,
    /// <summary>The §8 path to a nearly minimal network decreases L_β beyond rounding (a refutation).</summary>
    PathToNearlyMinimal,
    /// <summary>ψ of the convex optimum decreases L_β beyond rounding (a refutation).</summary>
    ConvexOptimum,
    /// <summary>The Clarke measure exceeds ε_stat (not stationary).</summary>
    ClarkeMeasure,
    /// <summary>No certificate and no refutation (undecided).</summary>
    NoProof,
}

/// <summary>The words of verdicts and decisions as reports print them.</summary>
public static class DecisionNames
{
    /// <summary>"certificate", "escape neuron", "path to a nearly minimal network", "convex optimum", "stationarity measure", "no proof either way".</summary>
    public static string Name(this Decision decision) => decision switch
    {
        Decision.Certificate => "certificate",
        Decision.EscapeNeuron => "escape neuron",
        Decision.PathToNearlyMinimal => "path to a nearly minimal network",
        Decision.ConvexOptimum => "convex optimum",
        Decision.ClarkeMeasure => "stationarity measure",
        _ => "no proof either way",
    };

    /// <summary>"optimal", "stationary-not-optimal", "not-stationary", "undecided".</summary>
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Optimal => "optimal",
        Verdict.StationaryNotOptimal => "stationary-not-optimal",
        Verdict.NotStationary => "not-stationary",
        _ => "undecided",
    };

    /// <summary>The CLI exit code of a verdict: 0 optimal, 1 refuted (stationary-not-optimal, not-stationary), 4 undecided.</summary>
    public static int ExitCode(this Verdict verdict) => verdict switch
    {
        Verdict.Optimal => 0,
        Verdict.Undecided => 4,
        _ => 1,
    };
}

/// <summary>Settings of <see cref="OptimalityCheck"/>; every field has a default from <see cref="Tolerances"/>.</summary>
public sealed record CheckSettings
{
    /// <summary>ε_stat of the Clarke measure (THEORY.md §7).</summary>
    public Tolerance Stationarity { get; init; } = Tolerances.Stationarity;
    /// <summary>Which rows count as kinks.</summary>
    public Tolerance Kink { get; init; } = Tolerances.Kink;
    /// <summary>ε_gap: θ is optimal when its proven gap Ḡ ≤ ε_gap (L̂ − B) (THEORY.md §4.1).</summary>
    public double GapTolerance { get; init; } = Tolerances.CheckGap;
    /// <summary>ε_local: θ counts as stationary when (L̂ − lower_S)/L̂ ≤ ε_local, lower_S the bound over θ's own slots.</summary>
    public double LocalGapTolerance { get; init; } = Tolerances.LocalGap;
    /// <summary>The escape neuron is sought when ρ(v) &gt; β(1 + relative part) (relative to β: unchanged by units).</summary>
    public Tolerance Pricing { get; init; } = Tolerances.Pricing;
    /// <summary>Compute the §8 path to a nearly minimal network when θ is not certified (a witness, and an improvement).</summary>
    public bool ComputePath { get; init; } = true;
    /// <summary>Solve the convex program when θ is not certified: its optimum is a witness and the end of the §8 global path (default false: it costs far more than the check).</summary>
    public bool SolveConvex { get; init; }
    /// <summary>
    /// Tighten the lower bound with the dual point of the convex program restricted to θ's own slots
    /// (a small solve): any v gives a valid bound, and near the optimum this one is far tighter than
    /// v = −∇ℓ(f_θ(X)) (default true).
    /// </summary>
    public bool TightenWithSlotSolve { get; init; } = true;
    /// <summary>
    /// The slot-restricted solve is attempted only when θ's own certificate, or its gap on its own slots, has a relative
    /// gap at most this (default 1e-3): far from the optimum the verdict cannot change and the solve would cost more than
    /// the check.
    /// </summary>
    public double TightenBelowRelativeGap { get; init; } = 1e-3;
    /// <summary>
    /// Rounds of column generation (THEORY.md §4a) from the program restricted to θ's slots that may try to prove the gap
    /// before a refutation too weak to exclude ε_gap-optimality is accepted (default 3; 0 disables it). A round adds the
    /// best block priced above β at the last dual point, solves the small restricted program and prices its dual point; the
    /// rounds run only when the escape neuron's proven decrease is at most ε_gap (L̂ − B), so a network far from optimal is
    /// refuted as fast as before. With 0, a refutation stands as soon as an escape neuron exists: the better dual point of
    /// <see cref="ImproveDualPoint"/> is then tried only when there is none.
    /// </summary>
    public int ProofColumns { get; init; } = 3;
    /// <summary>
    /// Certify θ at a better dual point (THEORY.md §4.2, §9: Newton on the dual's conditions on φ(θ)'s blocks, then the
    /// coordinate search) when its certificate misses ε_gap and no strong refutation stands (default true; false skips it,
    /// and only the column rounds of <see cref="ProofColumns"/> may then prove the gap).
    /// </summary>
    public bool ImproveDualPoint { get; init; } = true;
    /// <summary>Settings of the convex solves.</summary>
    public SolverSettings Solver { get; init; } = new();
    /// <summary>Progress lines (stderr in the CLI); null for silence.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>
/// The escape neuron of THEORY.md §9: (t u*, t γ) with u* the unit pricing maximiser of the best block (s, γ). Adding it
/// changes L_β by t²(β − γ v·σ(Xu*)) + o(t²) = −t²(ρ − β) + o(t²) (the first-order "predicted" decrease t²(ρ − β)); t is
/// the exact minimiser of L_β along the added neuron (a 1-D convex problem in s = t²), and the "actual" decrease is measured
/// from L_β of the grown network. For the squared loss L_β is quadratic in s, so at the minimiser the actual decrease is
/// exactly half the predicted one. It refutes optimality only when the actual decrease exceeds <see cref="Rounding"/> =
/// B(θ) + B(θ + neuron) (THEORY.md §4.1).
/// </summary>
public sealed record EscapeNeuron(
    Vector<double> U,
    double Alpha,
    Vector<double> Direction,
    Block Block,
    double Scale,
    double PredictedDecrease,
    double ActualDecrease,
    double ObjectiveAfter,
    double Rounding)
{
    /// <summary>
    /// ρ̲ − β: the decrease per unit t² as t → 0 (PredictedDecrease / t²), with ρ̲ = γ v·σ(Xu*) the value of the neuron's own
    /// block. It equals ρ(v) − β on the exact path; with branch-and-bound pricing ρ̲ is the best block found, below ρ̄.
    /// </summary>
    public double FirstOrderRate => Scale > 0 ? PredictedDecrease / (Scale * Scale) : 0;

    /// <summary>The measured decrease exceeds what rounding of the two objectives can produce.</summary>
    public bool Refutes => ActualDecrease > Rounding;
}

/// <summary>
/// A network that may refute optimality (THEORY.md §9): its objective, the rounding bound B(θ) + B(θ') of the comparison,
/// and how it was built. It refutes when L̂(θ) − L̂(θ') exceeds that bound.
/// </summary>
public sealed record Witness(Decision Kind, Network Network, double Objective, double Decrease, double Rounding, string Description)
{
    /// <summary>The measured decrease exceeds what rounding can produce: L_β(θ') &lt; L_β(θ) is proven.</summary>
    public bool Refutes => Decrease > Rounding;
}

/// <summary>The outcome of the check, with every figure the verdict was decided on.</summary>
public sealed record OptimalityReport(
    Verdict Verdict,
    Decision DecidedBy,
    string Explanation,
    double Objective,
    double ObjectiveRounding,
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
    IReadOnlyList<Witness> Witnesses,
    Network? Improved,
    string? ImprovedBy,
    double Seconds)
{
    /// <summary>The proven lower bound on P*_c (and on every P*_m).</summary>
    public double Lower => Certificate.Lower;
    /// <summary>objective − lower.</summary>
    public double Gap => Certificate.Gap;
    /// <summary>The proven relative gap Ḡ/L̂ (THEORY.md §4.1).</summary>
    public double RelativeGap => Certificate.RelativeGap;
    /// <summary>Whether the lower bound is proven for the full program.</summary>
    public bool LowerProven => Certificate.LowerProven;
    /// <summary>ρ(v) at v = −∇ℓ(f_θ(X)) (the pricing of θ itself, which decides the escape neuron).</summary>
    public double Rho => OwnCertificate.Rho;
    /// <summary>objective − (lower bound over θ's own slots): how far θ can be from the best network with its slots.</summary>
    public double LocalGap => Objective - LocalLower;
    /// <summary>LocalGap / |objective| (relative to the network's own objective, THEORY.md §4.1).</summary>
    public double LocalRelativeGap => Relative.To(LocalGap, Objective);
    /// <summary>The witness that refuted optimality, if any.</summary>
    public Witness? Refutation => Witnesses.FirstOrDefault(w => w.Refutes);
    /// <summary>The CLI exit code of the verdict: 0 optimal, 1 refuted, 4 undecided.</summary>
    public int ExitCode() => Verdict.ExitCode();
    /// <summary>Lower-case verdict as printed: optimal, stationary-not-optimal, not-stationary, undecided.</summary>
    public string VerdictName => Verdict.Name();
}

/// <summary>
/// The global optimality check of a given network (THEORY.md §9). With z = f_θ(X), v = −∇ℓ(z), lower = the largest of the
/// §4 certificates of z, of z_S (the solution of the convex program restricted to θ's own slots, re-priced over all of
/// S(X): every dual point gives a valid bound) and, when the escape neuron's decrease is too small to exclude
/// ε_gap-optimality, of the dual points of a few rounds of §4a column generation from θ's slots (so that a network within
/// ε_gap of P*_c is certified, not refuted, whichever admissible slot a kink neuron is read in), the proven gap
/// Ḡ = gap + B(θ) + B_low, the Clarke measure of §7 and the slot-restricted bound lower_S (ρ_S(v) = max over θ's own slots), the decision rule is
/// <code>
/// certified  := lower proven for the full program ∧ Ḡ ≤ ε_gap (L̂ − B(θ))
/// stationary := measure ≤ ε_stat = rel·‖θ‖(β + ‖X‖₂‖∇ℓ(z)‖)  ∨  (L̂ − lower_S)/L̂ ≤ ε_local
/// refuted    := some witness θ' (escape neuron, §8 path, ψ of the convex optimum) has L̂(θ) − L̂(θ') &gt; B(θ) + B(θ')
/// optimal                ⇔ certified
/// stationary-not-optimal ⇔ ¬certified ∧ stationary ∧ refuted
/// not-stationary         ⇔ ¬certified ∧ ¬stationary
/// undecided              ⇔ ¬certified ∧ stationary ∧ ¬refuted   (the proven bracket [lower, L̂] ∋ P*_c is reported)
/// </code>
/// Every figure is relative to the instance's own scale, so the verdict obeys the unit laws of THEORY.md §4.1; "optimal"
/// is granted only on a proven gap. "local" is the §7 characterisation of stationary points (optimal on the convex
/// program restricted to their slots), which survives the float noise that keeps a trained network's Clarke measure above
/// ε_stat; a non-stationary measure far above ε_stat proves a first-order descent.
/// </summary>
public static class OptimalityCheck
{
    /// <summary>Checks θ over the exact cell enumeration of X with the default settings.</summary>
    public static OptimalityReport Check(Network network, Dataset data, Loss loss, double beta) =>
        Check(network, data, loss, beta, CellEnumerator.Enumerate(data.X), new CheckSettings());

    /// <summary>Checks θ over a given pattern set (exact or sampled) with given settings.</summary>
    public static OptimalityReport Check(Network network, Dataset data, Loss loss, double beta, PatternSet patterns, CheckSettings settings) =>
        Check(network, data, loss, beta, new EnumeratedPricing(data.X, patterns), patterns, settings);

    /// <summary>
    /// Checks θ with a pricing oracle (an enumeration, or one that needs none: THEORY.md §4a) and the cells its own slots
    /// are read in (<paramref name="patterns"/>: S(X) when enumerated, else <see cref="NetworkCells.Of"/>).
    /// </summary>
    public static OptimalityReport Check(Network network, Dataset data, Loss loss, double beta, IPricingOracle oracle, PatternSet patterns,
        CheckSettings settings)
    {
        var clock = Stopwatch.StartNew();
        Validate(network, data, loss, beta, settings);
        var log = settings.Log;
        var z = network.Predict(data.X);
        double objective = NetworkObjective.Value(network, data, loss, beta);
        double rounding = NetworkObjective.Rounding(network, data, loss, beta, z, objective);
        var own = CertificateChecker.ForPrediction(data, loss, beta, oracle, z, objective, rounding);
        var slots = NeuronOps.Slots(network, data, patterns);
        var (localRho, localLower) = SlotCertificate(data, loss, beta, oracle, slots, own.V);
        double localRel = Relative.To(objective - localLower, objective);
        bool tightened = WorthTightening(own, localRel, settings);
        var certificate = tightened ? Tightened(own, data, loss, beta, patterns, oracle, slots, settings) : own;
        var stationarity = Stationarity.Measure(network, data, loss, beta, settings.Stationarity, settings.Kink);
        bool certified = certificate.CertifiedAt(settings.GapTolerance);
        bool stationary = stationarity.IsStationary || localRel <= settings.LocalGapTolerance;

        var escape = certified || own.Rho <= beta * (1 + settings.Pricing.Relative) ? null
            : EscapeFor(network, data, loss, beta, oracle, own, objective);
        // A better dual point can change the verdict only where no strong refutation stands (THEORY.md §9).
        if (settings.ImproveDualPoint && !certified && (escape is null || MayBeWithinGap(escape, objective, rounding, settings)))
        {
            certificate = AtBetterDualPoint(certificate, own, network, z, data, loss, beta, oracle, patterns, settings, clock.Elapsed);
            certified = certificate.CertifiedAt(settings.GapTolerance);
        }
        log?.WriteLine($"  objective {objective:G12}, proven lower bound {certificate.Lower:G12}, rho {certificate.Rho:G8} (beta {beta:G8})");
        if (!certified && escape is not null && MayBeWithinGap(escape, objective, rounding, settings))
        {
            certificate = WithColumns(certificate, own, tightened, data, loss, beta, patterns, oracle, slots, settings);
            certified = certificate.CertifiedAt(settings.GapTolerance);
        }
        var path = !certified && settings.ComputePath ? PathWitness(network, data, loss, beta, patterns, log) : null;
        var witnesses = Witnesses(network, data, loss, beta, objective, rounding, escape, path);
        CertifiedSolution? convex = null;
        // The convex optimum is the end of the §8 global path of a non-stationary network, and settles a stationary one that
        // nothing cheaper refuted; a refuted stationary network keeps its escape neuron as the improvement.
        if (!certified && settings.SolveConvex && (!stationary || !witnesses.Any(w => w.Refutes)))
        {
            convex = SolveConvex(new ConvexProblem(data, loss, beta, oracle), settings);
            if (ConvexWitness(convex, data, loss, beta, objective, rounding) is { } w) witnesses.Add(w);
        }
        var (verdict, decidedBy) = Decide(certified, stationary, witnesses);
        var minimal = NeuronOps.Minimalise(network, data, patterns);
        var (improved, improvedBy) = Improvement(verdict, minimal, witnesses);
        string explanation = Explain(verdict, decidedBy, certificate, own.Rho, beta, stationarity, localRel, settings, witnesses);
        return new OptimalityReport(verdict, decidedBy, explanation, objective, rounding, certificate, own, beta, stationarity,
            localLower, localRho, NeuronOps.IsScaled(network), NeuronOps.IsNearlyMinimal(network, data, patterns),
            network.Width, slots.Count, minimal.Width, escape, path, convex?.Solve, witnesses, improved, improvedBy, clock.Elapsed.TotalSeconds);
    }

    private static void Validate(Network network, Dataset data, Loss loss, double beta, CheckSettings settings)
    {
        Guard.PositiveBeta(beta);
        InvalidInputException.Require(settings.ProofColumns >= 0, $"the rounds of column generation must be ≥ 0, got {settings.ProofColumns}");
        loss.ValidateTargets(data.Y, data.Source);
        InvalidInputException.Require(network.InputDim == data.D,
            $"network has input dimension {network.InputDim} but the data has d = {data.D} columns" +
            (network.InputDim == data.D + 1 ? " (a network with a hidden-layer bias needs the data with a ones column)" : ""));
    }

    /// <summary>
    /// The decision rule of the class comment, with the criterion that decided: a refutation is named by the first refuting
    /// witness in the order escape neuron, §8 path, convex optimum (the cheapest proof first).
    /// </summary>
    private static (Verdict, Decision) Decide(bool certified, bool stationary, IReadOnlyList<Witness> witnesses)
    {
        if (certified) return (Verdict.Optimal, Decision.Certificate);
        if (!stationary) return (Verdict.NotStationary, Decision.ClarkeMeasure);
        var refutation = witnesses.FirstOrDefault(w => w.Refutes);
        return refutation is null ? (Verdict.Undecided, Decision.NoProof) : (Verdict.StationaryNotOptimal, refutation.Kind);
    }

    /// <summary>The §8 path to a nearly minimal network (a witness when it decreases L_β).</summary>
    private static NetworkPath PathWitness(Network network, Dataset data, Loss loss, double beta, PatternSet patterns, TextWriter? log)
    {
        log?.WriteLine("  path to a nearly minimal network (THEORY.md §8)");
        return Paths.ToNearlyMinimal(network, data, loss, beta, patterns, 2);
    }

    /// <summary>The escape neuron and the end of the §8 path as witnesses, each with its rounding bound B(θ) + B(θ').</summary>
    private static List<Witness> Witnesses(Network network, Dataset data, Loss loss, double beta, double objective, double rounding,
        EscapeNeuron? escape, NetworkPath? path)
    {
        var witnesses = new List<Witness>();
        if (escape is not null)
            witnesses.Add(new Witness(Decision.EscapeNeuron, Network.FromNeurons(network.Neurons().Append((escape.U, escape.Alpha)), data.D),
                escape.ObjectiveAfter, escape.ActualDecrease, escape.Rounding, "escape neuron added (THEORY.md §9)"));
        if (path is not null && path.Points.Count > 1)
        {
            double after = NetworkObjective.Value(path.End, data, loss, beta);
            witnesses.Add(new Witness(Decision.PathToNearlyMinimal, path.End, after, objective - after,
                rounding + NetworkObjective.Rounding(path.End, data, loss, beta), "end of the THEORY.md §8 path to a nearly minimal network"));
        }
        return witnesses;
    }

    /// <summary>The certified pipeline on the full program: its pruned vertex (at most n + 1 neurons) is the end of the §8 global path.</summary>
    private static CertifiedSolution SolveConvex(ConvexProblem problem, CheckSettings settings)
    {
        settings.Log?.WriteLine("  solving the convex program for P*_c (THEORY.md §3)");
        return CertifiedPipeline.Run(problem, new PipelineSettings
        {
            Solver = settings.Solver with { Progress = settings.Log, Verbose = settings.Log is not null }, MaxSupportsForMStar = 0, Log = settings.Log,
        });
    }

    /// <summary>ψ of the convex optimum as a witness (null when the optimum is W = 0, which gives no network to compare).</summary>
    private static Witness? ConvexWitness(CertifiedSolution convex, Dataset data, Loss loss, double beta, double objective, double rounding)
    {
        var net = convex.Network;
        double after = NetworkObjective.Value(net, data, loss, beta);
        return new Witness(Decision.ConvexOptimum, net, after, objective - after, rounding + NetworkObjective.Rounding(net, data, loss, beta),
            $"end of the THEORY.md §8 path to the global minimum (convex solution, status {convex.Solve.StatusName}" +
            $"{(convex.UsedPruned ? ", pruned to a vertex of the optimal set" : "")})");
    }

    /// <summary>
    /// The slot-restricted solve is worth its cost when it can change the verdict: θ's own certificate is not yet certified
    /// (Ḡ &gt; ε_gap(L̂ − B)) but θ is close to optimal — its own relative gap, or its gap on its own slots (which does not
    /// depend on how tight ρ̄ is: a branch-and-bound bracket stopped at its first refuting block has a loose ρ̄), is at most
    /// <see cref="CheckSettings.TightenBelowRelativeGap"/>. A certified θ keeps its own certificate (the solve would only
    /// move the lower bound within the tolerance; at n in the thousands it costs far more than the check).
    /// </summary>
    private static bool WorthTightening(Certificate own, double localRelativeGap, CheckSettings settings) =>
        settings.TightenWithSlotSolve && !own.CertifiedAt(settings.GapTolerance)
        && Math.Min(own.RelativeGap, localRelativeGap) <= settings.TightenBelowRelativeGap;

    /// <summary>
    /// The better of θ's own certificate and the certificate of the solution z_S of the convex program
    /// restricted to θ's slots, re-priced over the full pattern set (so its lower bound holds for P*_c).
    /// The objective stays L_β(θ) with its rounding bound.
    /// </summary>
    private static Certificate Tightened(Certificate own, Dataset data, Loss loss, double beta, PatternSet patterns,
        IPricingOracle oracle, IReadOnlyList<Slot> slots, CheckSettings settings)
    {
        var cells = SlotCells(slots, patterns);
        if (cells.Count == 0) return own;
        var other = RestrictedCertificate(own, data, loss, beta, cells, patterns, oracle, settings, "slot-restricted solve");
        return other.Lower > own.Lower ? other : own;
    }

    /// <summary>
    /// θ certified at a better dual point (THEORY.md §4.2, <see cref="DualPoints"/>): Newton on the dual's conditions on the
    /// blocks of φ(θ) from θ's own prediction, then the coordinate search (over either oracle); the
    /// better of that and <paramref name="current"/>. The objective stays L_β(θ) with its rounding bound. Within max(0.5 s,
    /// the time the check has taken so far). Why: next to a long row that θ leaves on its kink with y_j = 0, θ's own v_j is
    /// 0 and prices the blocks activating row j far above β (ρ/β = 7.1 on an optimal network of two rows), while the
    /// optimal v_j is about −β/‖x_j‖. Over both oracles, so that the branch-and-bound check certifies what the exact one
    /// does (law B3: a weakly refuted network certified by the exact check at its polished dual point was refuted over
    /// branch and bound).
    /// </summary>
    private static Certificate AtBetterDualPoint(Certificate current, Certificate own, Network network, Vector<double> z, Dataset data,
        Loss loss, double beta, IPricingOracle oracle, PatternSet patterns, CheckSettings settings, TimeSpan elapsed)
    {
        var problem = new ConvexProblem(data, loss, beta, oracle);
        var deadline = DateTime.UtcNow.AddSeconds(Math.Max(ConvexSolver.MinDualSearchSeconds, elapsed.TotalSeconds));
        var found = DualPoints.Improve(problem, Maps.Phi(network, data, patterns), own, z, settings.GapTolerance, deadline);
        if (found is not { } f || !(f.Certificate.Lower > current.Lower)) return current;
        settings.Log?.WriteLine($"  better dual point: lower bound {f.Certificate.Lower:G12} vs {current.Lower:G12}");
        return f.Certificate;
    }

    /// <summary>The cells of θ's slots (THEORY.md §7.1: the blocks of θ's own program), once each.</summary>
    private static List<Cell> SlotCells(IReadOnlyList<Slot> slots, PatternSet patterns) =>
        slots.Select(sl => patterns.IndexOf(sl.Block.Pattern)).Where(i => i >= 0).Distinct().Select(i => patterns.Cells[i]).ToList();

    /// <summary>
    /// THEORY.md §4a (certificate from an upper bound): θ's certificate at the dual point v = −∇ℓ(z_R) of the solution z_R
    /// of the convex program restricted to <paramref name="cells"/> (both signs of each; z_R the solve's dual prediction when
    /// it certified at one, §4.2), priced by the full oracle, so its lower bound holds for P*_c whatever the cells are. The objective stays L_β(θ) with its rounding bound.
    /// </summary>
    private static Certificate RestrictedCertificate(Certificate own, Dataset data, Loss loss, double beta, IReadOnlyList<Cell> cells,
        PatternSet patterns, IPricingOracle oracle, CheckSettings settings, string what)
    {
        var restricted = new PatternSet(cells, false, patterns.Rank, "slots of the checked network", patterns.N);
        var solved = ConvexSolver.Solve(new ConvexProblem(data, loss, beta, restricted), settings.Solver with { MaxIterations = 20 });
        // The solve's own dual point when it has one (THEORY.md §4.2: the prediction whose v proves its bound): next to a long
        // row whose blocks cancel, W_R's prediction carries their rounding and its v prices far above β (seed 2160000005's T6).
        var zR = solved.DualPrediction ?? solved.W.Predict(data.X);
        var other = CertificateChecker.ForPrediction(data, loss, beta, oracle, zR, own.Objective, own.ObjectiveRounding);
        settings.Log?.WriteLine($"  {what} ({cells.Count} patterns, {solved.StatusName}): lower bound {other.Lower:G12} vs {own.Lower:G12} from θ itself");
        return other;
    }

    /// <summary>
    /// Whether θ may still be certified although the escape neuron refutes it (THEORY.md §4.1, §9): a witness θ' proves
    /// L_β(θ) − P*_c ≥ L̂(θ) − L̂(θ') − (B(θ) + B(θ')), and certification needs L_β(θ) − P*_c ≤ Ḡ ≤ ε_gap (L̂ − B(θ)); so a
    /// certificate can exist only when decrease − rounding ≤ ε_gap (|L̂| − B(θ)). §9: "optimal" means optimal within ε_gap,
    /// and a witness whose proven decrease is below ε_gap L̂ does not contradict it. Relative to L̂: unchanged by units.
    /// </summary>
    private static bool MayBeWithinGap(EscapeNeuron escape, double objective, double rounding, CheckSettings settings) =>
        settings.ProofColumns > 0 && escape.ActualDecrease - escape.Rounding <= settings.GapTolerance * (Math.Abs(objective) - rounding);

    /// <summary>
    /// Tries to prove the gap before a weak refutation is accepted (<see cref="MayBeWithinGap"/>), keeping the decision order
    /// of THEORY.md §9 (certified first) on every pricing path: the column generation of THEORY.md §4a started from the
    /// program restricted to θ's slot cells. Each round prices the last dual point (first θ's own v, whose best block is the
    /// escape neuron's; then the dual point of the last restricted solve), adds its best block when it prices above β and
    /// its pattern is not in the program yet, solves the program (both signs of each cell) and certifies θ at its dual point
    /// (<see cref="RestrictedCertificate"/>). It stops when a certificate proves the gap, when the program is the one solved
    /// last (nothing was added; the slot program counts as solved when <paramref name="slotProgramSolved"/>), or after
    /// <see cref="CheckSettings.ProofColumns"/> solves. Any dual point gives a valid bound (§4a): the best lower bound found is
    /// kept. Why it is needed: a neuron on a kink lies in the closed cones of several cells, and whichever cell its slot is
    /// read in (S(X)'s first, or the cell <see cref="NetworkCells"/> nudges it into) is admissible; when the optimum lies
    /// strictly inside another one, θ can be optimal on its own program with a dual point that prices above β, and only the
    /// program with that cell has a dual point that proves the gap.
    /// </summary>
    private static Certificate WithColumns(Certificate best, Certificate own, bool slotProgramSolved, Dataset data, Loss loss, double beta,
        PatternSet patterns, IPricingOracle oracle, IReadOnlyList<Slot> slots, CheckSettings settings)
    {
        var cells = SlotCells(slots, patterns);
        var v = own.V;
        bool solved = slotProgramSolved;
        for (int round = 0; round < settings.ProofColumns && !best.CertifiedAt(settings.GapTolerance); round++)
        {
            // Both oracles keep the answer at the v they priced last: θ's own v (the escape neuron), then each new dual point
            // (its certificate), so this pricing costs nothing.
            var priced = oracle.Price(v);
            bool added = priced.Rho > beta && !cells.Any(c => c.Pattern.Equals(priced.BestBlock.Pattern));
            if (added) cells.Add(new Cell(priced.BestBlock.Pattern, priced.Best.Witness));
            else if (solved || cells.Count == 0) break; // the program is the one solved last: its dual point is known
            var next = RestrictedCertificate(own, data, loss, beta, cells, patterns, oracle, settings,
                $"column generation before refuting, round {round + 1} (THEORY.md §4a)");
            solved = true;
            if (next.Lower > best.Lower) best = next;
            v = next.V;
        }
        return best;
    }

    /// <summary>
    /// ρ_S(v) over θ's own slots and the lower bound −ℓ*(−t v), t ∈ [0, min(cap, β/ρ_S)], on the convex
    /// program restricted to those blocks (weak duality of THEORY.md §4 on the sub-program).
    /// </summary>
    private static (double Rho, double Lower) SlotCertificate(Dataset data, Loss loss, double beta, IPricingOracle oracle,
        IReadOnlyList<Slot> slots, Vector<double> v)
    {
        double rho = 0;
        var va = v.ToArray();
        foreach (var slot in slots)
        {
            if (!oracle.Includes(slot.Block)) continue;
            oracle.Geometry.Projection(slot.Block, va, out double norm);
            rho = Math.Max(rho, norm);
        }
        double tMax = rho > 0 ? Math.Min(loss.DualScaleCap, CertificateChecker.FeasibleScale(beta, rho)) : loss.DualScaleCap;
        if (double.IsPositiveInfinity(tMax)) tMax = double.MaxValue;
        double t = loss.BestDualScale(v, data.Y, tMax);
        return (rho, loss.NegConjugate(v * t, data.Y));
    }

    /// <summary>
    /// The escape neuron (THEORY.md §9) for ρ(v) &gt; β, with t² the exact minimiser of the convex
    /// φ(s) = ℓ(z + s h) + β s, h = γσ(Xu*); the actual decrease is recomputed from L_β of the grown network, and compared
    /// with B(θ) + B(grown) (THEORY.md §4.1).
    /// </summary>
    public static EscapeNeuron EscapeFor(Network network, Dataset data, Loss loss, double beta, IPricingOracle oracle, Certificate certificate, double objective)
    {
        var v = certificate.V;
        var pricing = oracle.Price(v);
        var u = pricing.Maximiser;
        int gamma = pricing.BestBlock.Sign;
        var h = Network.FromNeurons([(u, (double)gamma)], data.D).Predict(data.X);
        var z = network.Predict(data.X);
        double Slope(double s) => h.DotProduct(loss.Gradient(z + s * h, data.Y)) + beta;
        // φ'' ≤ ℓ''_max ‖h‖², so −φ'(0)/(ℓ''_max ‖h‖²) ≤ s* (equal for the squared loss): a start on the instance's own scale.
        double start = -Slope(0) / (loss.CurvatureBound * h.DotProduct(h));
        double s = BestStep(Slope, start);
        double t = Math.Sqrt(s);
        var grown = Network.FromNeurons(network.Neurons().Append((u * t, gamma * t)), data.D);
        double after = NetworkObjective.Value(grown, data, loss, beta);
        double rounding = NetworkObjective.Rounding(network, data, loss, beta) + NetworkObjective.Rounding(grown, data, loss, beta);
        return new EscapeNeuron(u * t, gamma * t, u, pricing.BestBlock, t, s * (pricing.Rho - beta), objective - after, after, rounding);
    }

    /// <summary>Relative width at which the bisection of <see cref="BestStep"/> stops.</summary>
    private const double StepBisectionTolerance = 1e-15;

    /// <summary>
    /// Root of the non-decreasing φ'(s) on s ≥ 0 (φ'(0) &lt; 0): bracket by doubling from <paramref name="start"/> (a lower
    /// bound of the root on the instance's scale), then bisection to relative width <see cref="StepBisectionTolerance"/>.
    /// </summary>
    private static double BestStep(Func<double, double> slope, double start)
    {
        if (!(slope(0) < 0)) return 0;
        double lo = 0, hi = start > 0 && double.IsFinite(start) ? start : double.Epsilon;
        for (int k = 0; k < 2100 && slope(hi) < 0; k++) { lo = hi; hi *= 2; }
        for (int k = 0; k < 200 && hi - lo > StepBisectionTolerance * hi; k++)
        {
            double mid = 0.5 * (lo + hi);
            if (slope(mid) < 0) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// The network --improve writes: the minimal equivalent of an optimal θ; otherwise the refuting witness with the lowest
    /// L_β (ψ(W*) at the end of the §8 global path, θ plus the escape neuron, the end of the §8 path to a nearly minimal
    /// network). Only a witness whose decrease is proven (above rounding) is written.
    /// </summary>
    private static (Network? Network, string? By) Improvement(Verdict verdict, Network minimal, IReadOnlyList<Witness> witnesses)
    {
        if (verdict == Verdict.Optimal) return (minimal, "minimal equivalent network (already optimal)");
        var best = witnesses.Where(w => w.Refutes).MinBy(w => w.Objective);
        return best is null ? (null, null) : (best.Network, best.Description);
    }

    private static string Explain(Verdict verdict, Decision decidedBy, Certificate c, double rho, double beta, StationarityReport st,
        double localRel, CheckSettings s, IReadOnlyList<Witness> witnesses)
    {
        string pricing = rho <= beta ? $"rho(v) = {rho:G10} <= beta = {beta:G10}" : $"rho(v) = {rho:G10} > beta = {beta:G10}";
        string gap = $"proven relative gap {c.RelativeGap:G3} (tolerance {s.GapTolerance:G3})";
        string stat = $"Clarke stationarity measure {st.Measure:G3} (threshold {st.Threshold:G3} = {st.Tolerance})";
        string loc = $"relative gap on its own slots {localRel:G3} (tolerance {s.LocalGapTolerance:G3})";
        string proven = c.LowerProven ? "" : " The pattern set is sampled, so no bound is proven for the full program.";
        var refutation = witnesses.FirstOrDefault(w => w.Refutes);
        string best = witnesses.Count == 0 ? "no witness network was found"
            : $"the best witness decreases L_beta by {witnesses.Max(w => w.Decrease):G3}, within the rounding bound of the comparison";
        return verdict switch
        {
            Verdict.Optimal => $"Globally optimal: {gap}; {pricing}; {stat}.{proven}" + (refutation is null ? ""
                : $" The {refutation.Kind.Name()} decreases the objective by {refutation.Decrease:G6} (rounding bound {refutation.Rounding:G3}), within the tolerance of the gap (THEORY.md §9)."),
            Verdict.StationaryNotOptimal => $"Stationary but not optimal: {(st.IsStationary ? stat : loc)}, while {pricing} and {gap}: " +
                $"the {decidedBy.Name()} decreases the objective by {refutation!.Decrease:G6} (rounding bound {refutation.Rounding:G3}).{proven}",
            Verdict.NotStationary => $"Not stationary: {stat} and {loc}; {pricing}; {gap}.{proven}",
            _ => $"Undecided: {gap} is not within tolerance and {best}; P* lies in the proven bracket [{c.Lower:G10}, {c.Objective:G10}]; {pricing}; " +
                 $"{(st.IsStationary ? stat : loc)}.{proven}",
        };
    }
}
