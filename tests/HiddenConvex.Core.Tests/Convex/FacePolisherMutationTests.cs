using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The face polish (THEORY.md §6) judged by what it returns: from a point near the optimum of a program over the exact
/// cells (enumerated), the polished point lies in its cones and is certified by THEORY.md §4 to the rounding level of the
/// objective, below the start's objective. Written against the survivors of a mutation run (docs/mutation/solver.md).
/// </summary>
public class FacePolisherMutationTests
{
    /// <summary>Relative certified gap a polished point reaches (the quick attempt keeps a point only at this accuracy).</summary>
    internal const double PolishedGap = 1e-12;

    internal static ConvexPoint Point(IEnumerable<(Block Block, Vector<double> W)> blocks, int d) =>
        new(blocks.Select(b => new BlockValue(b.Block, b.W)), d);

    internal static Vector<double> Dual(ConvexProblem problem, ConvexPoint w) =>
        -problem.Loss.Gradient(w.Predict(problem.Data.X), problem.Data.Y);

    /// <summary>The solver's optimum (certified to the default gap) with every block scaled by <paramref name="scale"/> (cones are cones).</summary>
    internal static (ConvexPoint Optimum, Dictionary<Block, Vector<double>> Start) OptimumAndStart(ConvexProblem problem, double scale)
    {
        var solved = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, solved.Status);
        return (solved.W, solved.W.NonZeroBlocks.ToDictionary(b => b.Block, b => b.W * scale));
    }

    private static void AssertPolished(ConvexProblem problem, List<(Block Block, Vector<double> W)>? polished, double startObjective, string what)
    {
        Assert.NotNull(polished);
        var point = Point(polished, problem.Data.D);
        var certificate = problem.Certify(point);
        double violation = point.MaxConeViolation(problem.Data.X);
        Assert.True(violation <= Tolerances.Cone.At(1), $"{what}: cone violation {violation:E3} (tolerance {Tolerances.Cone})");
        Assert.True(certificate.LowerProven && certificate.RelativeGap <= PolishedGap,
            $"{what}: polished point certified only to relative gap {certificate.RelativeGap:E3} (objective {certificate.Objective:R}, lower {certificate.Lower:R}), wanted {PolishedGap:E0}");
        Assert.True(certificate.Objective < startObjective, $"{what}: polished objective {certificate.Objective:R} not below the start's {startObjective:R}");
    }

    public static IEnumerable<object[]> Instances() =>
        new[] { "ref00_n3_d2_gauss_f0.5", "ref01_n5_d2_int_f0.1", "ref02_n5_d3_gauss_f0.1", "ref04_n7_d3_int_f0.5", "ref06_n6_d1_gauss_f0.1" }
            .Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Instances))]
    public void A_start_off_the_optimum_is_polished_to_a_point_certified_at_rounding_level(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1.05);
        double startObjective = problem.Objective(Point(start.Select(kv => (kv.Key, kv.Value)), problem.Data.D));
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta,
            Dual(problem, optimum), start);
        AssertPolished(problem, polished, startObjective, name);
    }

    [Theory]
    [MemberData(nameof(Instances))]
    public void Without_a_start_the_active_blocks_read_off_the_dual_grow_to_the_optimum(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, _) = OptimumAndStart(problem, 1);
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta,
            Dual(problem, optimum), new Dictionary<Block, Vector<double>>());
        // The start is W = 0, whose objective is ℓ(0).
        AssertPolished(problem, polished, problem.Objective(ConvexPoint.Zero(problem.Data.D)), name);
    }

    [Theory]
    [MemberData(nameof(Instances))]
    public void On_the_start_points_own_faces_the_polish_reaches_the_optimum(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1.05);
        double startObjective = problem.Objective(Point(start.Select(kv => (kv.Key, kv.Value)), problem.Data.D));
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, start);
        AssertPolished(problem, polished, startObjective, name);
    }

    [Fact]
    public void A_dual_vector_priced_below_half_of_beta_has_nothing_to_polish()
    {
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (optimum, _) = OptimumAndStart(problem, 1);
        var v = Dual(problem, optimum);
        double rho = problem.Oracle.Price(v).Rho;
        // ρ(v) = 0.49 β: no block may be a candidate.
        var shortV = v * (0.49 * problem.Beta / rho);
        Assert.Null(FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, shortV,
            new Dictionary<Block, Vector<double>>()));
        // At 0.51 β the blocks priced within the margin of ρ(v) are read and polished (to a point of the program).
        var longer = v * (0.51 * problem.Beta / rho);
        Assert.NotNull(FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, longer,
            new Dictionary<Block, Vector<double>>()));
    }

    [Theory]
    [InlineData("ref02_n5_d3_gauss_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    [InlineData("ref06_n6_d1_gauss_f0.1")]
    public void A_margin_that_leaves_out_blocks_carrying_the_starts_mass_is_repaired_by_keeping_the_starts_support(string name)
    {
        // The dual of the start (W* scaled by 1.05) prices the optimum's blocks at different values; a margin of 1e-15
        // below min(β, ρ(v)) keeps only the top-priced ones, and polishing them alone loses the others' mass (on ref02,
        // ref04 and ref06 the first polish ends far above the start). The polish then tries again with the start's support
        // kept and returns the better point: here it ends below the start. Not on ref01: there both retries end above the
        // start too (0.6728456601713124 against the start's 0.6678799539466119; the caller keeps the better of the polish
        // and its own point), so ref01 is left out.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1.05);
        var startPoint = Point(start.Select(kv => (kv.Key, kv.Value)), problem.Data.D);
        double startObjective = problem.Objective(startPoint);
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta,
            Dual(problem, startPoint), start, activeMargin: 1e-15);
        Assert.NotNull(polished);
        var point = Point(polished, problem.Data.D);
        Assert.True(point.MaxConeViolation(problem.Data.X) <= Tolerances.Cone.At(1), $"{name}: cone violation {point.MaxConeViolation(problem.Data.X):E3}");
        double objective = problem.Objective(point);
        Assert.True(objective < startObjective, $"{name}: polished objective {objective:R} not below the start's {startObjective:R}");
    }

    [Fact]
    public void Newton_steps_that_would_leave_the_cone_are_cut_back_inside_it()
    {
        // One block of the cone {w : w_1 ≥ 0, w_2 ≥ 0} (rows e_1, e_2, both active) started inside it at (0.5, 0.5). Its face
        // on its own rows is all of R² (no row is nearly met), and with y = (1, −1) the minimiser of F over R² has w_2 < 0:
        // Newton heads out of the cone, and the line search must keep every trial inside (THEORY.md §6: points are kept
        // feasible for every row of every cone).
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 } });
        var y = Vector<double>.Build.DenseOfArray(new[] { 1.0, -1.0 });
        var block = new Block(ActivationPattern.OfDirection(x, Vector<double>.Build.DenseOfArray(new[] { 1.0, 1.0 })), +1);
        var start = new Dictionary<Block, Vector<double>> { [block] = Vector<double>.Build.DenseOfArray(new[] { 0.5, 0.5 }) };
        var loss = new SquaredLoss();
        double beta = 0.1;
        var polished = FacePolisher.PolishOnOwnFaces(x, y, loss, beta, start);
        Assert.NotNull(polished);
        var point = Point(polished, 2);
        var startPoint = Point(start.Select(kv => (kv.Key, kv.Value)), 2);
        double violation = point.MaxConeViolation(x);
        Assert.True(violation <= Tolerances.Cone.At(1), $"polished point ({point.Blocks[0].W[0]:R}, {point.Blocks[0].W[1]:R}) leaves its cone by {violation:E3} (tolerance {Tolerances.Cone})");
        double objective = loss.Value(point.Predict(x), y) + beta * point.GroupNorm();
        double startObjective = loss.Value(startPoint.Predict(x), y) + beta * startPoint.GroupNorm();
        Assert.True(objective < startObjective, $"polished objective {objective:R} not below the start's {startObjective:R}");
    }
}
