using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Conformance;

/// <summary>Identifiers of the checks an answer can fail (the report groups by them).</summary>
public static class CheckIds
{
    /// <summary>Timeout, crash, malformed answer, NaN, error answer.</summary>
    public const string Protocol = "protocol";
    /// <summary>The implementation did not claim an optimal (converged) result.</summary>
    public const string Status = "status";
    /// <summary>A block's pattern is not in S(X) (THEORY.md §2, partition convention) or a block is listed twice.</summary>
    public const string Pattern = "pattern";
    /// <summary>A block lies outside its cone C_s (THEORY.md §2–§3).</summary>
    public const string Feasibility = "feasibility";
    /// <summary>The claimed objective differs from the objective recomputed from the answer.</summary>
    public const string Objective = "objective";
    /// <summary>The certified gap (THEORY.md §4) exceeds the tolerance the implementation claims.</summary>
    public const string Gap = "gap";
    /// <summary>The returned network is not ψ(W) of the returned blocks (THEORY.md §5, M1).</summary>
    public const string Psi = "M1-psi";
    /// <summary>A metamorphic invariance of THEORY.md §10 (I1) is broken across related requests.</summary>
    public const string Invariance = "I1";
    /// <summary>A trained network claims an objective below a proven lower bound (D1).</summary>
    public const string WeakDuality = "D1";
    /// <summary>A trainer claiming convergence returned a network that is not scaled / nearly minimal (T4).</summary>
    public const string NearMinimal = "T4";
}

/// <summary>One failed check with a message that states the numbers and the tolerance used.</summary>
public sealed record Violation(string Check, string Message);

/// <summary>What checking a solve-convex answer found, with the recomputed quantities.</summary>
public sealed record ConvexCheckResult(
    IReadOnlyList<Violation> Violations,
    ConvexPoint? W,
    double? RecomputedObjective,
    Certificate? Certificate,
    double ClaimedTolerance);

/// <summary>What checking a train answer found.</summary>
public sealed record TrainCheckResult(IReadOnlyList<Violation> Violations, double? RecomputedObjective, Certificate? Certificate);

/// <summary>
/// The properties an external answer must satisfy (THEORY.md §2–§5, §10), checked with the
/// suite's own code: pattern membership, cone feasibility, objective recomputation, the
/// certified gap over the exact pattern set, ψ for the returned network, weak duality and
/// scaledness for trained networks.
/// </summary>
public static class ConformChecks
{
    private static string F(double v) => v.ToString("G10", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks a solve-convex answer against the problem over the exact pattern set S(X), judged at the REQUEST's tolerance:
    /// the certified gap must meet ε = <paramref name="requestedTolerance"/> by <see cref="Certificate.CertifiedAt"/> (the
    /// certificate's own test, THEORY.md §4.1), and an answer that declares a looser tolerance than requested fails (a
    /// tighter one is fine). Blocks must lie in their cones within <paramref name="cone"/>
    /// (default <see cref="ConformTolerances.Cone"/>).
    /// </summary>
    public static ConvexCheckResult CheckConvex(ConvexProblem problem, ConvexAnswer answer, double requestedTolerance, Tolerance? cone = null)
    {
        var v = new List<Violation>();
        var coneTolerance = cone ?? ConformTolerances.Cone;
        double claimedTol = answer.GapTolerance ?? requestedTolerance;
        if (claimedTol > requestedTolerance)
            v.Add(new(CheckIds.Gap, $"the answer declares gap tolerance {F(claimedTol)}, looser than the requested {F(requestedTolerance)}: " +
                "an answer is judged at the request's tolerance"));
        if (answer.Status != "optimal")
            v.Add(new(CheckIds.Status, $"the implementation reports status \"{answer.Status}\", not \"optimal\""));
        var x = problem.Data.X;
        var blocks = new List<BlockValue>();
        var seen = new HashSet<Block>();
        for (int i = 0; i < answer.Blocks.Count; i++)
        {
            var b = answer.Blocks[i];
            var s = ActivationPattern.FromBools(b.Pattern.Select(p => p == 1).ToArray());
            if (!problem.Patterns!.Contains(s))
                v.Add(new(CheckIds.Pattern, $"blocks[{i}] has pattern {s}, which is not the pattern of any full-dimensional cell of X " +
                    "(S(X) under the partition convention s(u) = 1[Xu ≥ 0], zero rows active; THEORY.md §2)"));
            var block = new Block(s, b.Sign);
            if (!seen.Add(block))
            {
                v.Add(new(CheckIds.Pattern, $"blocks[{i}] repeats block {block} (each block may appear once)"));
                continue;
            }
            var w = Vector<double>.Build.DenseOfArray(b.W);
            if (ConeViolation(x, s, w, coneTolerance) is { } cv)
                v.Add(new(CheckIds.Feasibility, $"blocks[{i}] {block}: w = [{string.Join(", ", b.W.Select(F))}] is outside its cone: {cv}"));
            blocks.Add(new BlockValue(block, w));
        }
        var point = new ConvexPoint(blocks, problem.Data.D);
        // The objective and the certificate are judged by the one solution check every test shares; membership and
        // feasibility are reported per returned block above, with their indices.
        var shared = SolutionCheck.Check(problem, new ClaimedSolution(point, answer.Objective), requestedTolerance, coneTolerance);
        double objective = shared.RecomputedObjective;
        if (!shared.Of(SolutionAspect.Objective).Ok)
            v.Add(new(CheckIds.Objective, $"claimed objective {F(answer.Objective)} but L^c_β(W) recomputed from the returned blocks is {F(objective)} " +
                $"(difference {F(answer.Objective - objective)}; tolerance {Tolerances.Objective})"));
        var cert = shared.Certificate;
        if (!(shared.Of(SolutionAspect.Proven).Ok && shared.Of(SolutionAspect.Certified).Ok))
            v.Add(new(CheckIds.Gap, $"not certified at the requested tolerance {F(requestedTolerance)} (declared {F(claimedTol)}): certified gap " +
                $"{F(cert.Gap)}, relative {F(cert.RelativeGap)} by the certificate's test (THEORY.md §4.1); objective {F(objective)}, proven lower " +
                $"bound {F(cert.Lower)} over the exact pattern set (ρ(v) = {F(cert.Rho)}, β = {F(problem.Beta)})" +
                (answer.PatternsExact ? "; the implementation claims its pattern set is exact" : "; the implementation says its pattern set is not exact")));
        if (answer.Network is { } net) v.AddRange(CheckPsi(point, net));
        return new ConvexCheckResult(v, point, objective, cert, claimedTol);
    }

    /// <summary>Violation of w ∈ C_s beyond the cone tolerance (default <see cref="ConformTolerances.Cone"/>), described, or null.</summary>
    public static string? ConeViolation(Matrix<double> x, ActivationPattern s, Vector<double> w, Tolerance? cone = null)
    {
        var tolerance = cone ?? ConformTolerances.Cone;
        double wn = w.L2Norm();
        for (int j = 0; j < x.RowCount; j++)
        {
            var row = x.Row(j);
            double viol = -s.Sign(j) * row.DotProduct(w);
            double allowed = tolerance.At(row.L2Norm() * wn);
            if (viol > allowed)
                return $"row {j}: (2s_j − 1)·x_j·w = {F(-viol)} < 0 (allowed violation {F(allowed)} = {tolerance} at ‖x_j‖‖w‖)";
        }
        return null;
    }

    /// <summary>
    /// M1 (THEORY.md §5): the returned network must be ψ(W) — one neuron (w/√‖w‖, γ√‖w‖) per
    /// nonzero block, in any order — so that L_β(ψ(W)) = L^c_β(W).
    /// </summary>
    public static IEnumerable<Violation> CheckPsi(ConvexPoint w, Network network)
    {
        var expected = Maps.Psi(w);
        var used = new bool[network.Width];
        int nonzero = Enumerable.Range(0, network.Width).Count(i => network.Alpha[i] != 0 || network.U.Row(i).L2Norm() > 0);
        if (nonzero != expected.Width)
        {
            yield return new(CheckIds.Psi, $"the network has {nonzero} nonzero neurons but ψ(W) has {expected.Width} (one per nonzero block)");
            yield break;
        }
        for (int k = 0; k < expected.Width; k++)
        {
            var (eu, ea) = expected.Neuron(k);
            double scale = Math.Max(eu.L2Norm(), Math.Abs(ea));
            int match = -1;
            for (int i = 0; i < network.Width && match < 0; i++)
            {
                if (used[i]) continue;
                var (u, a) = network.Neuron(i);
                double diff = (u - eu).L2Norm() + Math.Abs(a - ea);
                if (diff <= Tolerances.Prediction.At(scale)) match = i;
            }
            if (match < 0)
            {
                yield return new(CheckIds.Psi, $"no neuron of the network equals ψ of block {k}: expected u = [{string.Join(", ", eu.Select(F))}], " +
                    $"α = {F(ea)} (u = w/√‖w‖, α = γ√‖w‖; tolerance {Tolerances.Prediction}); network L_β would differ from L^c_β(W)");
                yield break;
            }
            used[match] = true;
        }
    }

    /// <summary>
    /// T4 for a network claimed ε-stationary (THEORY.md §7, §10): (1) the suite's Clarke
    /// stationarity measure is at most ε (+ <see cref="Tolerances.Stationarity"/> at the gradient
    /// scale); (2) it is scaled up to ε/β, since u·∂_uL − α·∂_αL = β(‖u‖² − α²) gives
    /// ||u‖ − |α|| ≤ ε/β; (3) neurons sharing a slot are positively colinear: with r_i = u_i/α_i,
    /// stationarity puts every r_i of a slot within ε/(β|α_i|) of −X^T D ∇ℓ/β, so
    /// ‖û_i − û_k‖ ≤ 2‖r_i − r_k‖/max‖r‖ ≤ 4ε/(β·min|α|·max‖r‖) (+ <see cref="Tolerances.Colinearity"/>).
    /// Returns the first failure, or null.
    /// </summary>
    public static string? CheckConverged(Network net, Dataset data, Loss loss, double beta, PatternSet patterns, double eps)
    {
        var st = Stationarity.Measure(net, data, loss, beta);
        double allowedMeasure = eps + st.Threshold;
        if (st.Measure > allowedMeasure)
            return $"the trainer claims convergence (stationarity ≤ {F(eps)}) but the Clarke stationarity measure is {F(st.Measure)} " +
                   $"(allowed {F(allowedMeasure)} = ε + {st.Tolerance} at scale {F(st.Scale)}; THEORY.md §7)";
        for (int i = 0; i < net.Width; i++)
        {
            var (u, a) = net.Neuron(i);
            double diff = Math.Abs(u.L2Norm() - Math.Abs(a));
            double allowed = eps / beta + Tolerances.Balance.At(Math.Max(u.L2Norm(), Math.Abs(a)));
            if (diff > allowed)
                return $"the trainer claims convergence (stationarity ≤ {F(eps)}) but neuron {i} is not scaled: " +
                       $"‖u‖ = {F(u.L2Norm())}, |α| = {F(Math.Abs(a))}; ε-stationarity implies ||u‖ − |α|| ≤ ε/β, allowed {F(allowed)} (THEORY.md §5, §7)";
        }
        foreach (var slot in NeuronOps.Slots(net, data, patterns))
            for (int p = 0; p < slot.Neurons.Count; p++)
                for (int q = p + 1; q < slot.Neurons.Count; q++)
                {
                    var (ui, ai) = net.Neuron(slot.Neurons[p]);
                    var (uk, ak) = net.Neuron(slot.Neurons[q]);
                    double rmax = Math.Max(ui.L2Norm() / Math.Abs(ai), uk.L2Norm() / Math.Abs(ak));
                    double allowed = 4 * eps / (beta * Math.Min(Math.Abs(ai), Math.Abs(ak)) * rmax) + Tolerances.Colinearity.At(1);
                    double dist = (ui.Normalize(2) - uk.Normalize(2)).L2Norm();
                    if (dist > allowed)
                        return $"the trainer claims convergence (stationarity ≤ {F(eps)}) but neurons {slot.Neurons[p]} and {slot.Neurons[q]} share slot {slot.Block} " +
                               $"without being colinear: ‖û_i − û_k‖ = {F(dist)} > {F(allowed)} = 4ε/(β·min|α|·max‖u/α‖) + {Tolerances.Colinearity} (T4, THEORY.md §5, §7)";
                }
        return null;
    }

    /// <summary>
    /// Checks a train answer: claimed objective = L_β(θ) recomputed; D1: the claim is not below
    /// the proven lower bound over the exact pattern set; and for a trainer that claims
    /// convergence at stationarity tolerance ε, scaledness ||u_i‖ − |α_i|| ≤ ε/β (a consequence of
    /// ε-stationarity, THEORY.md §7) and near-minimality (T4).
    /// </summary>
    public static TrainCheckResult CheckTrain(Dataset data, Loss loss, double beta, PatternSet patterns, TrainAnswer answer, double requestedTolerance)
    {
        var v = new List<Violation>();
        var net = answer.Network;
        double objective = NetworkObjective.Value(net, data, loss, beta);
        if (!Tolerances.Objective.Agree(answer.Objective, objective))
            v.Add(new(CheckIds.Objective, $"claimed objective {F(answer.Objective)} but L_β(θ) recomputed from (U, α) is {F(objective)} " +
                $"(difference {F(answer.Objective - objective)}; tolerance {Tolerances.Objective})"));
        var z = net.Predict(data.X);
        var cert = CertificateChecker.ForPrediction(data, loss, beta, patterns, z, objective, NetworkObjective.Rounding(net, data, loss, beta, z, objective));
        if (!Tolerances.Objective.AtMost(cert.Lower, answer.Objective))
            v.Add(new(CheckIds.WeakDuality, $"claimed objective {F(answer.Objective)} is below the proven lower bound {F(cert.Lower)} on every network's L_β " +
                $"(THEORY.md §4, D1; tolerance {Tolerances.Objective})"));
        if (answer.Status == "converged")
        {
            double eps = answer.StationarityTolerance ?? requestedTolerance;
            if (CheckConverged(net, data, loss, beta, patterns, eps) is { } why)
                v.Add(new(CheckIds.NearMinimal, why));
        }
        return new TrainCheckResult(v, objective, cert);
    }
}
