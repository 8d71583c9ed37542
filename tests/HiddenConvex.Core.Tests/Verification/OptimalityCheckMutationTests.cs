using System.Globalization;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Tests.Networks;
using HiddenConvex.Core.Training;
using HiddenConvex.Core.Verification;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Verification;

/// <summary>
/// The report of the global optimality check (THEORY.md §9) figure by figure: the words and exit codes of verdicts, the
/// derived fields of the report and of its witnesses, the explanation of each verdict as the decision rule states it, and
/// the errors of bad settings.
/// </summary>
public class OptimalityCheckMutationTests
{
    private static readonly SquaredLoss Squared = new();

    [Fact]
    public void Verdicts_and_decisions_have_their_printed_names_and_exit_codes()
    {
        Assert.Equal("certificate", Decision.Certificate.Name());
        Assert.Equal("escape neuron", Decision.EscapeNeuron.Name());
        Assert.Equal("path to a nearly minimal network", Decision.PathToNearlyMinimal.Name());
        Assert.Equal("convex optimum", Decision.ConvexOptimum.Name());
        Assert.Equal("stationarity measure", Decision.ClarkeMeasure.Name());
        Assert.Equal("no proof either way", Decision.NoProof.Name());
        Assert.Equal("optimal", Verdict.Optimal.Name());
        Assert.Equal("stationary-not-optimal", Verdict.StationaryNotOptimal.Name());
        Assert.Equal("not-stationary", Verdict.NotStationary.Name());
        Assert.Equal("undecided", Verdict.Undecided.Name());
        Assert.Equal(0, Verdict.Optimal.ExitCode());
        Assert.Equal(1, Verdict.StationaryNotOptimal.ExitCode());
        Assert.Equal(1, Verdict.NotStationary.ExitCode());
        Assert.Equal(4, Verdict.Undecided.ExitCode());
    }

    [Fact]
    public void A_witness_refutes_only_when_its_decrease_exceeds_the_rounding_bound_strictly()
    {
        var net = Trainer.Initialise(1, 2, 0);
        Assert.True(new Witness(Decision.EscapeNeuron, net, 1, 2e-10, 1e-10, "").Refutes);
        Assert.False(new Witness(Decision.EscapeNeuron, net, 1, 1e-10, 1e-10, "").Refutes);
        Assert.False(new Witness(Decision.EscapeNeuron, net, 1, -1, 1e-10, "").Refutes);
        var u = Vector<double>.Build.Dense(2);
        EscapeNeuron Escape(double scale, double predicted, double actual, double rounding) =>
            new(u, 0, u, null!, scale, predicted, actual, 0, rounding);
        // ρ − β = PredictedDecrease / t².
        Assert.Equal(0.75, Escape(2, 3, 1, 0).FirstOrderRate);
        Assert.Equal(0, Escape(0, 3, 1, 0).FirstOrderRate);
        Assert.True(Escape(1, 1, 2e-10, 1e-10).Refutes);
        Assert.False(Escape(1, 1, 1e-10, 1e-10).Refutes);
    }

    /// <summary>The explanation of a report, as <see cref="OptimalityCheck"/>'s decision rule documents it, from the report's own figures.</summary>
    internal static string ExpectedExplanation(OptimalityReport r, CheckSettings s)
    {
        string G(double x, string f) => x.ToString(f, CultureInfo.CurrentCulture);
        var c = r.Certificate;
        var st = r.Stationarity;
        string pricing = r.Rho <= r.Beta ? $"rho(v) = {G(r.Rho, "G10")} <= beta = {G(r.Beta, "G10")}" : $"rho(v) = {G(r.Rho, "G10")} > beta = {G(r.Beta, "G10")}";
        string gap = $"proven relative gap {G(c.RelativeGap, "G3")} (tolerance {G(s.GapTolerance, "G3")})";
        string stat = $"Clarke stationarity measure {G(st.Measure, "G3")} (threshold {G(st.Threshold, "G3")} = {st.Tolerance})";
        string loc = $"relative gap on its own slots {G(r.LocalRelativeGap, "G3")} (tolerance {G(s.LocalGapTolerance, "G3")})";
        string proven = c.LowerProven ? "" : " The pattern set is sampled, so no bound is proven for the full program.";
        var refutation = r.Witnesses.FirstOrDefault(w => w.Refutes);
        string best = r.Witnesses.Count == 0 ? "no witness network was found"
            : $"the best witness decreases L_beta by {G(r.Witnesses.Max(w => w.Decrease), "G3")}, within the rounding bound of the comparison";
        return r.Verdict switch
        {
            Verdict.Optimal => $"Globally optimal: {gap}; {pricing}; {stat}.{proven}" + (refutation is null ? ""
                : $" The {refutation.Kind.Name()} decreases the objective by {G(refutation.Decrease, "G6")} (rounding bound {G(refutation.Rounding, "G3")}), within the tolerance of the gap (THEORY.md §9)."),
            Verdict.StationaryNotOptimal => $"Stationary but not optimal: {(st.IsStationary ? stat : loc)}, while {pricing} and {gap}: " +
                $"the {r.DecidedBy.Name()} decreases the objective by {G(refutation!.Decrease, "G6")} (rounding bound {G(refutation.Rounding, "G3")}).{proven}",
            Verdict.NotStationary => $"Not stationary: {stat} and {loc}; {pricing}; {gap}.{proven}",
            _ => $"Undecided: {gap} is not within tolerance and {best}; P* lies in the proven bracket [{G(c.Lower, "G10")}, {G(c.Objective, "G10")}]; {pricing}; " +
                 $"{(st.IsStationary ? stat : loc)}.{proven}",
        };
    }

    /// <summary>The figures every report derives from its own: gap, local gap, refutation, exit code, verdict name.</summary>
    internal static void AssertDerivedFields(OptimalityReport r)
    {
        Assert.Equal(r.Objective - r.LocalLower, r.LocalGap);
        Assert.Equal(Relative.To(r.Objective - r.LocalLower, r.Objective), r.LocalRelativeGap);
        Assert.Equal(r.Certificate.Lower, r.Lower);
        Assert.Equal(r.Certificate.Gap, r.Gap);
        Assert.Equal(r.Certificate.RelativeGap, r.RelativeGap);
        Assert.Equal(r.Certificate.LowerProven, r.LowerProven);
        Assert.Equal(r.OwnCertificate.Rho, r.Rho);
        Assert.Same(r.Witnesses.FirstOrDefault(w => w.Refutes), r.Refutation);
        Assert.Equal(r.Verdict.ExitCode(), r.ExitCode());
        Assert.Equal(r.Verdict.Name(), r.VerdictName);
    }

    [Fact]
    public void The_convex_optimum_is_explained_as_globally_optimal_and_improves_to_its_minimal_equivalent()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var net = Maps.Psi(ConvexSolver.Solve(new ConvexProblem(r.Data, Squared, r.Beta, p)).W);
        var settings = new CheckSettings();
        var report = OptimalityCheck.Check(net, r.Data, Squared, r.Beta, p, settings);
        Assert.Equal(Verdict.Optimal, report.Verdict);
        Assert.Equal(Decision.Certificate, report.DecidedBy);
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
        AssertDerivedFields(report);
        Assert.Equal("minimal equivalent network (already optimal)", report.ImprovedBy);
        Assert.Equal(report.MinimalWidth, report.Improved!.Width);
        Assert.Null(report.Escape);
        Assert.Null(report.PathToNearlyMinimal);
        Assert.Equal(net.Width, report.Width);
        // Optimal on its own slots: its active blocks price at β (ρ_S(v) = β) and the slot-restricted bound −ℓ*(−t v),
        // t ≤ β/ρ_S, meets the objective within the local tolerance, from below up to rounding.
        Assert.True(Tolerances.Pricing.Agree(r.Beta, report.LocalRho), $"ρ_S = {report.LocalRho:R}, β = {r.Beta:R} (tolerance {Tolerances.Pricing})");
        Assert.True(report.LocalRelativeGap <= settings.LocalGapTolerance, $"local relative gap {report.LocalRelativeGap:G3}");
        Assert.True(report.LocalLower <= report.Objective + report.ObjectiveRounding,
            $"slot-restricted bound {report.LocalLower:R} above the objective {report.Objective:R} (rounding {report.ObjectiveRounding:G3})");
    }

    [Fact]
    public void A_stationary_network_without_a_proof_either_way_is_undecided_with_its_bracket()
    {
        // ε_gap = 0 can never be met (the proven gap carries the rounding bounds), and nothing decreases L_β below ψ(W*).
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var net = Maps.Psi(ConvexSolver.Solve(new ConvexProblem(r.Data, Squared, r.Beta, p)).W);
        var settings = new CheckSettings { GapTolerance = 0 };
        var report = OptimalityCheck.Check(net, r.Data, Squared, r.Beta, p, settings);
        Assert.Equal(Verdict.Undecided, report.Verdict);
        Assert.Equal(Decision.NoProof, report.DecidedBy);
        Assert.Equal(4, report.ExitCode());
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
        AssertDerivedFields(report);
        Assert.Null(report.Refutation);
        // ρ(v) exceeds β only within the pricing tolerance: no escape neuron is sought.
        Assert.True(report.Rho > report.Beta && report.Rho <= report.Beta * (1 + settings.Pricing.Relative),
            $"ρ/β − 1 = {report.Rho / report.Beta - 1:G3} (pricing tolerance {settings.Pricing})");
        Assert.Null(report.Escape);
        Assert.Null(report.Improved);
        Assert.Null(report.ImprovedBy);
        Assert.Contains($"P* lies in the proven bracket [{report.Lower:G10}, {report.Objective:G10}]", report.Explanation);
        // The §8 path is a witness only when it moves (more than its starting point).
        Assert.Equal(report.PathToNearlyMinimal!.Points.Count > 1 ? 1 : 0, report.Witnesses.Count(w => w.Kind == Decision.PathToNearlyMinimal));
    }

    [Fact]
    public void An_untrained_network_is_explained_as_not_stationary_with_the_measure_and_the_local_gap()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var net = Trainer.Initialise(6, r.Data.D, 4);
        var settings = new CheckSettings();
        var report = OptimalityCheck.Check(net, r.Data, Squared, r.Beta, p, settings);
        Assert.Equal(Verdict.NotStationary, report.Verdict);
        Assert.Equal(Decision.ClarkeMeasure, report.DecidedBy);
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
        AssertDerivedFields(report);
        Assert.True(report.LocalRelativeGap > settings.LocalGapTolerance);
        Assert.Null(report.Convex);
        // Far from the optimum (relative gap above 1e-3) the slot-restricted solve is not worth its cost: θ's own certificate.
        Assert.True(report.OwnCertificate.RelativeGap > settings.TightenBelowRelativeGap);
        Assert.Same(report.OwnCertificate, report.Certificate);
        // The end of the §8 path as a witness: its decrease L̂(θ) − L̂(θ') and rounding bound B(θ) + B(θ').
        var path = report.PathToNearlyMinimal!;
        var pw = report.Witnesses.Single(w => w.Kind == Decision.PathToNearlyMinimal);
        double after = NetworkObjective.Value(path.End, r.Data, Squared, r.Beta);
        Assert.Same(path.End, pw.Network);
        Assert.Equal(after, pw.Objective);
        Assert.Equal(report.Objective - after, pw.Decrease);
        Assert.Equal(report.ObjectiveRounding + NetworkObjective.Rounding(path.End, r.Data, Squared, r.Beta), pw.Rounding);
        Assert.Equal("end of the THEORY.md §8 path to a nearly minimal network", pw.Description);
        // The improvement is the refuting witness with the lowest objective.
        var best = report.Witnesses.Where(w => w.Refutes).MinBy(w => w.Objective)!;
        Assert.Same(best.Network, report.Improved);
        Assert.Equal(best.Description, report.ImprovedBy);
    }

    [Fact]
    public void A_refuted_stationary_network_names_the_escape_neuron_and_its_decrease()
    {
        var settings = new CheckSettings { ProofColumns = 0 };
        var report = WeakRefutationTests.ViaBranchAndBound(settings);
        Assert.Equal(Verdict.StationaryNotOptimal, report.Verdict);
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
        AssertDerivedFields(report);
        var e = report.Escape!;
        var witness = report.Witnesses[0];
        Assert.Equal(Decision.EscapeNeuron, witness.Kind);
        Assert.Equal(e.ActualDecrease, witness.Decrease);
        Assert.Equal(e.Rounding, witness.Rounding);
        Assert.Equal(e.ObjectiveAfter, witness.Objective);
        Assert.Equal("escape neuron added (THEORY.md §9)", witness.Description);
        Assert.Equal(report.Width + 1, witness.Network.Width);
        // t² minimises φ(s) = ℓ(z + s h) + β s, h = γσ(Xu*) (logistic loss: φ is not quadratic, so the bracket by doubling and
        // the bisection both matter): φ'(t²) = h·∇ℓ(z + t² h) + β = 0 up to the bisection's width.
        var d = WeakRefutationTests.Data;
        var h = Network.FromNeurons([(e.Direction, (double)e.Block.Sign)], d.D).Predict(d.X);
        var z = WeakRefutationTests.Theta.Predict(d.X);
        double s = e.Scale * e.Scale;
        double Slope(double x) => h.DotProduct(WeakRefutationTests.Loss.Gradient(z + x * h, d.Y)) + WeakRefutationTests.Beta;
        Assert.True(Slope(s * (1 - 1e-9)) < 0 && Slope(s * (1 + 1e-9)) > 0,
            $"φ' changes sign away from t² = {s:R}: φ'(t²(1 ∓ 1e-9)) = {Slope(s * (1 - 1e-9)):G3}, {Slope(s * (1 + 1e-9)):G3}");
        Assert.Equal(s * (e.FirstOrderRate), e.PredictedDecrease, 12);
        // θ's neurons first, the escape neuron appended; its rounding bound is B(θ) + B(θ + neuron).
        var neurons = witness.Network.Neurons().ToList();
        Assert.Equal(e.U.ToArray(), neurons[^1].U.ToArray());
        Assert.Equal(e.Alpha, neurons[^1].Alpha);
        Assert.Equal(WeakRefutationTests.Theta.Neurons().First().U.ToArray(), neurons[0].U.ToArray());
        Assert.Equal(NetworkObjective.Rounding(WeakRefutationTests.Theta, WeakRefutationTests.Data, WeakRefutationTests.Loss, WeakRefutationTests.Beta)
            + NetworkObjective.Rounding(witness.Network, WeakRefutationTests.Data, WeakRefutationTests.Loss, WeakRefutationTests.Beta), e.Rounding, 15);
        Assert.True(Tolerances.Objective.Agree(e.ObjectiveAfter, NetworkObjective.Value(witness.Network, WeakRefutationTests.Data,
            WeakRefutationTests.Loss, WeakRefutationTests.Beta)));
    }

    [Fact]
    public void A_network_certified_although_its_escape_neuron_decreases_L_says_so()
    {
        var settings = new CheckSettings();
        var report = WeakRefutationTests.ViaBranchAndBound(settings);
        Assert.Equal(Verdict.Optimal, report.Verdict);
        Assert.NotNull(report.Refutation);
        Assert.Equal("minimal equivalent network (already optimal)", report.ImprovedBy);
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
        AssertDerivedFields(report);
    }

    [Fact]
    public void The_convex_optimum_is_a_witness_with_its_own_decrease_and_rounding_bound()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var report = OptimalityCheck.Check(Trainer.Initialise(6, r.Data.D, 4), r.Data, Squared, r.Beta, p, new CheckSettings { SolveConvex = true });
        Assert.NotNull(report.Convex);
        var cw = report.Witnesses.Single(w => w.Kind == Decision.ConvexOptimum);
        double after = NetworkObjective.Value(cw.Network, r.Data, Squared, r.Beta);
        Assert.Equal(after, cw.Objective);
        Assert.Equal(report.Objective - after, cw.Decrease);
        Assert.Equal(report.ObjectiveRounding + NetworkObjective.Rounding(cw.Network, r.Data, Squared, r.Beta), cw.Rounding);
        Assert.StartsWith($"end of the THEORY.md §8 path to the global minimum (convex solution, status {report.Convex!.StatusName}", cw.Description);
        Assert.EndsWith(")", cw.Description);
        // The lowest refuting witness is written.
        Assert.Same(report.Witnesses.Where(w => w.Refutes).MinBy(w => w.Objective)!.Network, report.Improved);
    }

    [Fact]
    public void The_column_rounds_before_a_weak_refutation_are_logged_in_order_and_stop_at_the_first_certificate()
    {
        var log = new StringWriter();
        // Without the better dual point, which now certifies this θ first over branch and bound too (THEORY.md §9).
        var report = WeakRefutationTests.ViaBranchAndBound(new CheckSettings { Log = log, ImproveDualPoint = false });
        Assert.Equal(Verdict.Optimal, report.Verdict);
        var rounds = log.ToString().Split('\n').Where(l => l.Contains("column generation before refuting")).ToList();
        Assert.NotEmpty(rounds);
        Assert.True(rounds.Count <= new CheckSettings().ProofColumns);
        for (int k = 0; k < rounds.Count; k++)
            Assert.StartsWith($"  column generation before refuting, round {k + 1} (THEORY.md §4a) (", rounds[k]);
        Assert.EndsWith($"from θ itself", rounds[^1].TrimEnd('\r'));
    }

    [Fact]
    public void A_network_near_the_optimum_is_tightened_by_the_slot_restricted_solve_and_the_log_says_so()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var optimum = Maps.Psi(ConvexSolver.Solve(new ConvexProblem(r.Data, Squared, r.Beta, p)).W);
        var rng = new Random(3);
        var noisy = Network.Create(optimum.U.Map(v => v * (1 + 1e-5 * (2 * rng.NextDouble() - 1))), optimum.Alpha);
        var log = new StringWriter();
        var report = OptimalityCheck.Check(noisy, r.Data, Squared, r.Beta, p, new CheckSettings { Log = log });
        Assert.True(report.Lower > report.OwnCertificate.Lower, "the slot-restricted dual point gives the better bound here");
        Assert.Contains($"  slot-restricted solve (", log.ToString());
        Assert.Contains($"lower bound {report.Lower:G12} vs {report.OwnCertificate.Lower:G12} from θ itself", log.ToString());
        // Without the tightening, θ's own certificate.
        var plain = OptimalityCheck.Check(noisy, r.Data, Squared, r.Beta, p, new CheckSettings { TightenWithSlotSolve = false, ProofColumns = 0 });
        Assert.Same(plain.OwnCertificate, plain.Certificate);
    }

    [Fact]
    public void On_a_sampled_pattern_set_no_bound_is_proven_and_the_explanation_says_so()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var exact = CellEnumerator.Enumerate(r.Data.X);
        var sampled = new PatternSet(exact.Cells, false, exact.Rank, "sampled", exact.N);
        var net = Maps.Psi(ConvexSolver.Solve(new ConvexProblem(r.Data, Squared, r.Beta, exact)).W);
        var settings = new CheckSettings();
        var report = OptimalityCheck.Check(net, r.Data, Squared, r.Beta, sampled, settings);
        Assert.False(report.LowerProven);
        Assert.NotEqual(Verdict.Optimal, report.Verdict);
        Assert.EndsWith(" The pattern set is sampled, so no bound is proven for the full program.", report.Explanation);
        Assert.Equal(ExpectedExplanation(report, settings), report.Explanation);
    }

    [Fact]
    public void Bad_settings_and_shapes_are_named()
    {
        var r = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1");
        var net = Trainer.Initialise(2, r.Data.D, 0);
        var p = CellEnumerator.Enumerate(r.Data.X);
        Assert.Contains("the rounds of column generation must be ≥ 0, got -1", Assert.Throws<InvalidInputException>(() =>
            OptimalityCheck.Check(net, r.Data, Squared, r.Beta, p, new CheckSettings { ProofColumns = -1 })).Message);
        var narrow = Assert.Throws<InvalidInputException>(() =>
            OptimalityCheck.Check(Trainer.Initialise(2, r.Data.D - 1, 0), r.Data, Squared, r.Beta, p, new CheckSettings())).Message;
        Assert.Equal($"network has input dimension {r.Data.D - 1} but the data has d = {r.Data.D} columns", narrow);
        var wide = Assert.Throws<InvalidInputException>(() =>
            OptimalityCheck.Check(Trainer.Initialise(2, r.Data.D + 1, 0), r.Data, Squared, r.Beta, p, new CheckSettings())).Message;
        Assert.Equal($"network has input dimension {r.Data.D + 1} but the data has d = {r.Data.D} columns" +
            " (a network with a hidden-layer bias needs the data with a ones column)", wide);
        Assert.Contains("-1 or +1", Assert.Throws<InvalidInputException>(() =>
            OptimalityCheck.Check(net, r.Data, new LogisticLoss(), r.Beta, p, new CheckSettings())).Message);
        Assert.Contains("beta", Assert.Throws<InvalidInputException>(() =>
            OptimalityCheck.Check(net, r.Data, Squared, 0, p, new CheckSettings { ProofColumns = -1 })).Message);
    }

    [Fact]
    public void The_log_reports_the_objective_the_lower_bound_and_the_path()
    {
        var r = ReferenceInstance.Load("ref04_n7_d3_int_f0.1");
        var p = CellEnumerator.Enumerate(r.Data.X);
        var log = new StringWriter();
        var report = OptimalityCheck.Check(Trainer.Initialise(6, r.Data.D, 4), r.Data, Squared, r.Beta, p, new CheckSettings { Log = log });
        var text = log.ToString();
        Assert.Contains($"  objective {report.Objective:G12}, proven lower bound {report.Lower:G12}, rho {report.Certificate.Rho:G8} (beta {r.Beta:G8})", text);
        Assert.Contains("  path to a nearly minimal network (THEORY.md §8)", text);
    }
}
