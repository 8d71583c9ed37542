using System.Reflection;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

using static HiddenConvex.Core.Tests.Convex.FacePolisherMutationTests;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The face polish (THEORY.md §6) observed where <see cref="FacePolisherMutationTests"/> does not look: how many Newton steps it
/// takes (counted through the loss's Hessian, evaluated once per step), its step budget, the face basis and the
/// Levenberg–Marquardt step's fallback, and which start blocks it keeps. Written against the survivors of a mutation run
/// (docs/mutation/face-polish.md).
/// </summary>
public class FacePolisherMutationTests2
{
    /// <summary>A loss that delegates to another and counts its Hessian diagonals: the polish evaluates one per Newton step.</summary>
    private sealed class CountingLoss(Loss inner) : Loss(inner.Scale)
    {
        public int Hessians;
        public override TargetDomain Targets => inner.Targets;
        public override double Value(Vector<double> z, Vector<double> y) => inner.Value(z, y);
        public override Vector<double> Gradient(Vector<double> z, Vector<double> y) => inner.Gradient(z, y);
        public override Vector<double> HessianDiagonal(Vector<double> z, Vector<double> y) { Hessians++; return inner.HessianDiagonal(z, y); }
        public override double NegConjugate(Vector<double> v, Vector<double> y) => inner.NegConjugate(v, y);
        public override double BestDualScale(Vector<double> v, Vector<double> y, double tMax) => inner.BestDualScale(v, y, tMax);
        public override double CurvatureBound => inner.CurvatureBound;
        public override double LowerRounding(Vector<double> v, Vector<double> y, double t, double lower) => inner.LowerRounding(v, y, t, lower);
        public override double DualScaleCap => inner.DualScaleCap;
    }

    private static double Gap(ConvexProblem problem, List<(Block Block, Vector<double> W)> polished) =>
        problem.Certify(Point(polished, problem.Data.D)).RelativeGap;

    [Theory]
    [MemberData(nameof(Instances), MemberType = typeof(FacePolisherMutationTests))]
    public void From_the_optimum_the_polish_on_its_own_faces_stops_after_one_Newton_step(string name)
    {
        // At W* the first Newton step is at rounding level (or the decrement is): the polish has converged and must stop
        // there rather than spend its budget repeating the optimum.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1);
        var loss = new CountingLoss(problem.Loss);
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, loss, problem.Beta, start);
        Assert.NotNull(polished);
        Assert.True(loss.Hessians <= 1, $"{name}: {loss.Hessians} Newton steps from the optimum itself, wanted at most 1");
        double gap = Gap(problem, polished);
        Assert.True(gap <= PolishedGap, $"{name}: certified only to relative gap {gap:E3}, wanted {PolishedGap:E0}");
    }

    public static IEnumerable<object[]> ScaledStarts() =>
        from name in new[] { "ref00_n3_d2_gauss_f0.5", "ref01_n5_d2_int_f0.1", "ref04_n7_d3_int_f0.5", "ref06_n6_d1_gauss_f0.1" }
        from scale in new[] { 0.5, 1.05, 2.0 }
        select new object[] { name, scale };

    /// <summary>Newton steps within which the polish converges from W* scaled by 0.5 … 2 where W* is a point (measured: 3).</summary>
    private const int QuadraticSteps = 5;

    [Theory]
    [MemberData(nameof(ScaledStarts))]
    public void From_a_scaled_optimum_Newton_converges_within_a_few_steps_and_stops(string name, double scale)
    {
        // On these instances the optimum is a single point with a regular Hessian on its faces: damped Newton converges
        // quadratically, and once F, z and the step are at rounding level the polish stops (its stopping rules). Not
        // ref02: its optimal set is not a point (the Hessian is singular along it) and Newton needs 14 to 26 steps there.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, scale);
        var loss = new CountingLoss(problem.Loss);
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, loss, problem.Beta, start);
        Assert.NotNull(polished);
        Assert.True(loss.Hessians <= QuadraticSteps, $"{name} × {scale}: {loss.Hessians} Newton steps, wanted at most {QuadraticSteps}");
        double gap = Gap(problem, polished);
        Assert.True(gap <= PolishedGap, $"{name} × {scale}: certified only to relative gap {gap:E3}, wanted {PolishedGap:E0}");
    }

    [Theory]
    [MemberData(nameof(Instances), MemberType = typeof(FacePolisherMutationTests))]
    public void A_step_budget_of_zero_returns_the_start_on_its_faces_unchanged(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1.05);
        var loss = new CountingLoss(problem.Loss);
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, loss, problem.Beta, start, maxSteps: 0);
        Assert.NotNull(polished);
        Assert.Equal(0, loss.Hessians);
        Assert.Equal(start.Count, polished.Count);
        // The start lies in the span of its own face, so its coordinates in the face's orthonormal basis give it back to rounding.
        foreach (var (block, w) in polished)
        {
            double change = (w - start[block]).L2Norm(), size = start[block].L2Norm();
            Assert.True(change <= Tolerances.Prediction.At(size), $"{name}: block moved by {change:E3} of {size:E3} without a step (tolerance {Tolerances.Prediction})");
        }
    }

    [Theory]
    [MemberData(nameof(Instances), MemberType = typeof(FacePolisherMutationTests))]
    public void A_step_budget_of_one_takes_exactly_one_Newton_step_that_lowers_the_objective(string name)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1.05);
        double startObjective = problem.Objective(Point(start.Select(kv => (kv.Key, kv.Value)), problem.Data.D));
        var loss = new CountingLoss(problem.Loss);
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, loss, problem.Beta, start, maxSteps: 1);
        Assert.NotNull(polished);
        Assert.Equal(1, loss.Hessians);
        double objective = problem.Objective(Point(polished, problem.Data.D));
        Assert.True(objective < startObjective, $"{name}: one Newton step left the objective at {objective:R}, the start's is {startObjective:R}");
    }

    private static Matrix<double> Rows(double[,] rows) => Matrix<double>.Build.DenseOfArray(rows);

    private static double[] Positive(int n) => Enumerable.Repeat(1.0, n).ToArray();

    [Fact]
    public void The_face_of_no_rows_is_the_whole_space()
    {
        var x = Rows(new double[,] { { 1, 2, 3 }, { 0, 1, 0 } });
        var basis = FacePolisher.FaceBasis(x, Positive(2), [], 3);
        Assert.Equal(3, basis.ColumnCount);
        double error = (basis.TransposeThisAndMultiply(basis) - Matrix<double>.Build.DenseIdentity(3)).InfinityNorm();
        Assert.True(error <= Tolerances.RelativeRank, $"basis of the empty face is not orthonormal: ‖NᵀN − I‖∞ = {error:E3} (tolerance {Tolerances.RelativeRank:E0})");
    }

    [Fact]
    public void The_face_of_d_independent_rows_is_zero()
    {
        var x = Rows(new double[,] { { 1, 2, 3 }, { 0, 1, 0 }, { 0, 0, 2 } });
        Assert.Equal(0, FacePolisher.FaceBasis(x, Positive(3), [0, 1, 2], 3).ColumnCount);
    }

    [Fact]
    public void Rows_parallel_to_rounding_count_once_in_the_face()
    {
        // Two rows of norm 1e3 that differ by 1e-10 in one entry: their second singular value is 7e-11, below
        // 1e-12 of the largest (1.4e3): they are one hyperplane and the face is the plane orthogonal to it.
        var x = Rows(new double[,] { { 1e3, 0, 0 }, { 1e3, 1e-10, 0 } });
        var basis = FacePolisher.FaceBasis(x, Positive(2), [0, 1], 3);
        Assert.Equal(2, basis.ColumnCount);
        double onRow = (x.Row(0) * basis).L2Norm() / x.Row(0).L2Norm();
        Assert.True(onRow <= Tolerances.RelativeRank, $"face basis leaves the row's hyperplane by {onRow:E3} (tolerance {Tolerances.RelativeRank:E0})");
    }

    [Fact]
    public void The_face_of_independent_rows_is_their_orthogonal_complement_with_the_signs_applied()
    {
        // Signs flip a row's hyperplane into itself: the face is the same for either sign.
        var x = Rows(new double[,] { { 1, 1, 0, 0 }, { 0, 1, 1, 0 }, { 5, 5, 5, 5 } });
        var basis = FacePolisher.FaceBasis(x, new[] { -1.0, 1.0, 1.0 }, [0, 1], 4);
        Assert.Equal(2, basis.ColumnCount);
        double orth = (basis.TransposeThisAndMultiply(basis) - Matrix<double>.Build.DenseIdentity(2)).InfinityNorm();
        double onRows = Math.Max((x.Row(0) * basis).L2Norm(), (x.Row(1) * basis).L2Norm());
        Assert.True(orth <= Tolerances.RelativeRank && onRows <= Tolerances.RelativeRank,
            $"face basis: ‖NᵀN − I‖∞ = {orth:E3}, largest |a_j·N| = {onRows:E3} (tolerance {Tolerances.RelativeRank:E0})");
    }

    /// <summary>The polish's Levenberg–Marquardt step −(H + μI)⁻¹g (private; reached through reflection: no program of a convex loss makes the Cholesky factorisation of H + 1e-7·max diag H·I fail).</summary>
    private static Vector<double> NewtonStep(Matrix<double> hess, Vector<double> grad)
    {
        var method = typeof(FacePolisher).GetMethod("RegularisedNewtonStep", BindingFlags.NonPublic | BindingFlags.Static);
        Assert.True(method is not null, "FacePolisher.RegularisedNewtonStep(Matrix, Vector) not found: the test reaches it by name");
        return (Vector<double>)method.Invoke(null, [hess, grad])!;
    }

    private static void AssertSolves(Matrix<double> shifted, Vector<double> grad, Vector<double> step, string what)
    {
        var expected = -shifted.Inverse() * grad;
        double error = (step - expected).L2Norm();
        Assert.True(error <= Tolerances.Prediction.At(expected.L2Norm()),
            $"{what}: step ({string.Join(", ", step.Select(s => s.ToString("R")))}) is not −(H + μI)⁻¹g = ({string.Join(", ", expected.Select(s => s.ToString("R")))}): off by {error:E3} (tolerance {Tolerances.Prediction})");
    }

    [Fact]
    public void A_Hessian_whose_Cholesky_fails_at_every_shift_is_solved_by_SVD_with_the_first_shift()
    {
        // diag(−4, 0): no shift up to 1e-7·4 makes it positive definite. The fallback solves (H + 1e-13·4·I) d = −g, whose
        // second entry −1/(4e-13) depends on the shift's size and sign.
        var hess = Matrix<double>.Build.DenseOfDiagonalArray([-4.0, 0.0]);
        var grad = Vector<double>.Build.DenseOfArray([1.0, 1.0]);
        var step = NewtonStep(hess, grad);
        AssertSolves(Matrix<double>.Build.DenseOfDiagonalArray([-4.0 + 4e-13, 4e-13]), grad, step, "SVD fallback");
    }

    [Fact]
    public void A_Hessian_slightly_indefinite_is_shifted_until_its_Cholesky_factorisation_succeeds()
    {
        // diag(2, −2e-11): 1e-13·2 leaves it indefinite, 1e-10·2 does not. The step solves the system of that shift.
        var hess = Matrix<double>.Build.DenseOfDiagonalArray([2.0, -2e-11]);
        var grad = Vector<double>.Build.DenseOfArray([1.0, 1.0]);
        var step = NewtonStep(hess, grad);
        AssertSolves(Matrix<double>.Build.DenseOfDiagonalArray([2.0 + 2e-10, -2e-11 + 2e-10]), grad, step, "second shift");
    }

    [Fact]
    public void A_positive_definite_Hessian_gets_the_Newton_step_with_the_first_shift()
    {
        var hess = Matrix<double>.Build.DenseOfArray(new double[,] { { 4, 1 }, { 1, 3 } });
        var grad = Vector<double>.Build.DenseOfArray([1.0, -2.0]);
        var step = NewtonStep(hess, grad);
        AssertSolves(hess + Matrix<double>.Build.DenseIdentity(2) * 4e-13, grad, step, "first shift");
    }




    /// <summary>The instance's program with y, β and every w_b in units 2^k smaller (exact in binary floating point).</summary>
    private static ConvexProblem InUnits(ConvexProblem problem, double unit) =>
        new(Dataset.Create(problem.Data.X, problem.Data.Y * unit), problem.Loss, problem.Beta * unit, problem.Oracle);

    private static double LargestChange(List<(Block Block, Vector<double> W)> scaled, List<(Block Block, Vector<double> W)> reference, double unit)
    {
        var byBlock = reference.ToDictionary(b => b.Block, b => b.W);
        Assert.Equal(reference.Count, scaled.Count);
        return scaled.Max(b => (b.W / unit - byBlock[b.Block]).L2Norm() / byBlock[b.Block].L2Norm());
    }

    /// <summary>
    /// Instances whose solved optimum holds every block of its face at v*, so that no block is cold-started. ref02 f0.1 was one
    /// until the certificates' ρ̄ was rounded outward: its optimum is not unique, and the solve now ends at the optimum
    /// without the block (10101, −), which the polish at v* then starts at the absolute length 1e-3 (defect 2 of
    /// docs/mutation/face-polish.md); ref03 f0.1 takes its place.
    /// </summary>
    public static IEnumerable<object[]> SmallUnits() =>
        from name in new[] { "ref00_n3_d2_gauss_f0.5", "ref03_n7_d2_dup_f0.1", "ref04_n7_d3_int_f0.5", "ref06_n6_d1_gauss_f0.1" }
        from k in new[] { -30, -60 }
        select new object[] { name, k };

    [Theory]
    [MemberData(nameof(SmallUnits))]
    public void In_smaller_units_of_y_the_polish_takes_the_same_steps_to_the_same_point(string name, int k)
    {
        // Every stopping rule and threshold of the polish is relative (to |F|, ‖y‖, the terms of z, the largest block), so
        // y, β and W in units 2^k smaller (exact in binary) give the same Newton steps and the same point in those units.
        // Larger units and cold-started blocks are left out: see docs/mutation/face-polish.md (the gradient rule
        // ‖∇F‖ ≤ 1e-15·|F| and the cold start's length 1e-3 are absolute in one power of the units).
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1.05);
        double unit = Math.Pow(2, k);
        var scaled = InUnits(problem, unit);
        var scaledStart = start.ToDictionary(kv => kv.Key, kv => kv.Value * unit);
        var scaledOptimum = new ConvexPoint(optimum.Blocks.Select(b => new BlockValue(b.Block, b.W * unit)), problem.Data.D);
        foreach (bool own in new[] { true, false })
        {
            var loss = new CountingLoss(problem.Loss);
            var reference = own ? FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, loss, problem.Beta, start)
                : FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, loss, problem.Beta, Dual(problem, optimum), start);
            int steps = loss.Hessians;
            var scaledLoss = new CountingLoss(problem.Loss);
            var inUnits = own ? FacePolisher.PolishOnOwnFaces(scaled.Data.X, scaled.Data.Y, scaledLoss, scaled.Beta, scaledStart)
                : FacePolisher.Polish(scaled.Oracle, scaled.Data.X, scaled.Data.Y, scaledLoss, scaled.Beta, Dual(scaled, scaledOptimum), scaledStart);
            string what = $"{name}, units 2^{k}, {(own ? "own faces" : "faces read off v*")}";
            Assert.NotNull(reference);
            Assert.NotNull(inUnits);
            Assert.True(scaledLoss.Hessians == steps, $"{what}: {scaledLoss.Hessians} Newton steps, {steps} in the instance's units");
            double change = LargestChange(inUnits, reference, unit);
            Assert.True(change <= Tolerances.Objective.Relative, $"{what}: a block differs by {change:E3} relative from the instance's units (tolerance {Tolerances.Objective.Relative:E0})");
            double gap = Gap(scaled, inUnits);
            Assert.True(gap <= PolishedGap, $"{what}: certified only to relative gap {gap:E3}, wanted {PolishedGap:E0}");
        }
    }

    [Fact]
    public void An_empty_start_has_no_own_faces()
    {
        var problem = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.5").ExactProblem();
        Assert.Null(FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, new Dictionary<Block, Vector<double>>()));
        var (_, start) = OptimumAndStart(problem, 1);
        var zero = start.ToDictionary(kv => kv.Key, kv => kv.Value * 0);
        Assert.Null(FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, zero));
    }

    [Theory]
    [InlineData("ref04_n7_d3_int_f0.5")]
    [InlineData("ref01_n5_d2_int_f0.1")]
    public void On_its_own_faces_a_start_block_lighter_than_a_millionth_of_the_largest_is_left_out(string name)
    {
        // One block of W*·1.05 shrunk to 1e-8 of its mass: it sits at the kink ‖w_b‖ = 0 and is left out of the own faces,
        // while every block of comparable mass is polished (and returned).
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (_, start) = OptimumAndStart(problem, 1.05);
        var light = start.Keys.OrderBy(b => start[b].L2Norm()).First();
        start[light] = start[light] * 1e-8;
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, start);
        Assert.NotNull(polished);
        var blocks = polished.Select(b => b.Block).ToHashSet();
        Assert.DoesNotContain(light, blocks);
        Assert.Equal(start.Count - 1, blocks.Count);
    }

    [Theory]
    [InlineData(5e-5, true)]
    [InlineData(5e-3, false)]
    public void A_row_the_start_nearly_meets_bounds_its_own_face(double offRow, bool onFace)
    {
        // One block of the cone {w ≥ 0} in R² (rows 2e_1 and 2e_2) started at (1.4, 1.4·offRow): within 1e-4·‖x_2‖‖w‖ of the
        // row x_2, the face is the line w_2 = 0 and the polish stays on it; 5e-3 off it, w_2 is free and moves to the
        // optimum's w_2 > 0 (y_2 = 0.5).
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 2, 0 }, { 0, 2 } });
        var y = Vector<double>.Build.DenseOfArray([3.0, 0.5]);
        var block = new Block(ActivationPattern.OfDirection(x, Vector<double>.Build.DenseOfArray([1.0, 1.0])), +1);
        var w0 = Vector<double>.Build.DenseOfArray([1.4, 1.4 * offRow]);
        var polished = FacePolisher.PolishOnOwnFaces(x, y, new SquaredLoss(), 0.1, new Dictionary<Block, Vector<double>> { [block] = w0 });
        Assert.NotNull(polished);
        var w = Assert.Single(polished).W;
        double offset = Math.Abs(w[1]) / w.L2Norm();
        if (onFace) Assert.True(offset <= Tolerances.Cone.Absolute, $"start {offRow:E0} off the row: polished w = ({w[0]:R}, {w[1]:R}) left the face w_2 = 0 (tolerance {Tolerances.Cone.Absolute:E0})");
        else Assert.True(offset > 0.1, $"start {offRow:E0} off the row: polished w = ({w[0]:R}, {w[1]:R}) kept w_2 near 0, the optimum's w_2 is 0.2");
    }

    [Theory]
    [InlineData("ref04_n7_d3_int_f0.5")]
    [InlineData("ref00_n3_d2_gauss_f0.5")]
    public void A_start_block_of_zero_is_started_like_a_block_without_a_start(string name)
    {
        // The heaviest block of W* set to zero in the start: read off v* it is active, and it starts cold (a small multiple
        // of π_b) instead of at w = 0, where it has no direction on its face to grow along.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1);
        var heavy = start.Keys.OrderByDescending(b => start[b].L2Norm()).First();
        start[heavy] = start[heavy] * 0;
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, Dual(problem, optimum), start);
        Assert.NotNull(polished);
        Assert.Contains(heavy, polished.Select(b => b.Block));
        double gap = Gap(problem, polished);
        Assert.True(gap <= PolishedGap, $"{name}: certified only to relative gap {gap:E3}, wanted {PolishedGap:E0}");
    }

    [Fact]
    public void A_sparse_dual_vector_reads_the_same_faces_as_a_dense_one()
    {
        var problem = ReferenceInstance.Load("ref04_n7_d3_int_f0.5").ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1.05);
        var v = Dual(problem, optimum);
        var dense = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, v, start);
        var sparse = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta,
            Vector<double>.Build.SparseOfEnumerable(v), start);
        Assert.NotNull(dense);
        Assert.NotNull(sparse);
        double change = LargestChange(sparse, dense, 1);
        Assert.True(change <= Tolerances.Objective.Relative, $"sparse v: a block differs by {change:E3} relative (tolerance {Tolerances.Objective.Relative:E0})");
    }

    [Fact]
    public void A_dual_vector_priced_at_exactly_half_of_beta_is_read()
    {
        // ρ(v) ≥ β/2 admits candidates (the bound is inclusive): β = 2ρ(v) exactly.
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.1").ExactProblem();
        var (optimum, _) = OptimumAndStart(problem, 1);
        var v = Dual(problem, optimum);
        double beta = 2 * problem.Oracle.Price(v).Rho;
        Assert.NotNull(FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, beta, v,
            new Dictionary<Block, Vector<double>>(), maxSteps: 0));
    }

    /// <summary>The blocks read off v at β: with no start and no Newton step the polish returns its candidates as they start.</summary>
    private static HashSet<Block> Candidates(ConvexProblem problem, Vector<double> v, double beta) =>
        FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, beta, v, new Dictionary<Block, Vector<double>>(), maxSteps: 0)!
            .Select(b => b.Block).ToHashSet();

    [Theory]
    // ref02 f0.5: one block (not in W*) priced 9.72e-5 below β at v*; ref04 f0.1: one priced 6.74e-4 below (the next 3.3e-2).
    [InlineData("ref02_n5_d3_gauss_f0.5", 0.0, false)]       // ρ = β: the margin is its floor 1e-6
    [InlineData("ref02_n5_d3_gauss_f0.5", 2e-5, true)]       // ρ above β by 2e-5: margin 2e-4 below β
    [InlineData("ref02_n5_d3_gauss_f0.5", -1.02e-5, true)]   // ρ below β by 1.02e-5: margin 1.02e-4 below ρ (not below β)
    [InlineData("ref02_n5_d3_gauss_f0.5", -8e-6, false)]     // margin 8e-5 below ρ
    [InlineData("ref04_n7_d3_int_f0.1", 2e-5, false)]        // margin 2e-4
    [InlineData("ref04_n7_d3_int_f0.1", 1e-4, true)]         // margin 1e-3, the ceiling
    [InlineData("ref04_n7_d3_int_f0.1", 1e-2, true)]         // margin clamped to 1e-3
    public void The_automatic_margin_reads_blocks_within_ten_times_the_relative_distance_of_rho_from_beta(string name, double rhoAboveBeta, bool near)
    {
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, _) = OptimumAndStart(problem, 1);
        var v = Dual(problem, optimum);
        var priced = problem.Oracle.BlocksAbove(v, 0.5 * problem.Beta).Blocks.OrderByDescending(b => b.Value).ToList();
        double rho = priced[0].Value;
        // The first block priced more than 1e-6 below ρ: the one the margin takes in or leaves out.
        var nearBlock = priced.First(b => b.Value < rho * (1 - 1e-6));
        double beta = rho / (1 + rhoAboveBeta);
        var candidates = Candidates(problem, v, beta);
        Assert.Contains(priced[0].Block, candidates);
        Assert.True(candidates.Contains(nearBlock.Block) == near,
            $"{name}: block priced {1 - nearBlock.Value / rho:E3} below ρ, ρ/β − 1 = {rhoAboveBeta:E2}: {(near ? "not read" : "read")}, {candidates.Count} candidates");
    }

    [Theory]
    [InlineData("ref04_n7_d3_int_f0.5", true)]
    [InlineData("ref04_n7_d3_int_f0.5", false)]
    [InlineData("ref01_n5_d2_int_f0.1", true)]
    [InlineData("ref01_n5_d2_int_f0.1", false)]
    public void A_start_block_left_numerically_empty_is_dropped_only_when_asked(string name, bool dropEmpty)
    {
        // W* with one block shrunk to 1e-8 of its mass: v* still prices it at β, so it is read as active with that start.
        // With dropEmpty it sits at the kink ‖w_b‖ = 0 and is left out before Newton; without, it is polished with the others.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1);
        var light = start.Keys.OrderBy(b => start[b].L2Norm()).First();
        start[light] = start[light] * 1e-8;
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, Dual(problem, optimum), start,
            dropEmpty: dropEmpty);
        Assert.NotNull(polished);
        bool kept = polished.Any(b => b.Block == light);
        Assert.True(kept != dropEmpty, $"{name}: the light start block was {(kept ? "kept" : "dropped")} with dropEmpty = {dropEmpty}");
    }

    public static IEnumerable<object[]> ScaledStartsReadOffTheDual() =>
        from name in new[] { "ref00_n3_d2_gauss_f0.5", "ref04_n7_d3_int_f0.5", "ref06_n6_d1_gauss_f0.1" }
        from scale in new[] { 0.5, 1.05, 2.0 }
        select new object[] { name, scale };

    [Theory]
    [MemberData(nameof(ScaledStartsReadOffTheDual))]
    public void On_the_faces_read_off_the_dual_a_polish_that_ends_below_the_start_is_not_repeated(string name, double scale)
    {
        // v* reads exactly W*'s blocks here (no other block is priced at β): the first polish converges below the start in a
        // few steps and is returned; the retries with the start's support run only when it ends above the start.
        var problem = ReferenceInstance.Load(name).ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, scale);
        var loss = new CountingLoss(problem.Loss);
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, loss, problem.Beta, Dual(problem, optimum), start);
        Assert.NotNull(polished);
        Assert.True(loss.Hessians <= QuadraticSteps, $"{name} × {scale}: {loss.Hessians} Newton steps, wanted at most {QuadraticSteps} (one polish)");
        double gap = Gap(problem, polished);
        Assert.True(gap <= PolishedGap, $"{name} × {scale}: certified only to relative gap {gap:E3}, wanted {PolishedGap:E0}");
    }

    [Fact]
    public void Where_every_trial_of_the_line_search_leaves_the_cone_the_polish_stops_before_its_budget()
    {
        // One block of {w ≥ 0} (rows 2e_1, 3e_2 and a zero row) started inside at (0.5, 0.5), y = (1, −1, 0): the minimiser
        // over the face R² has w_2 < 0. Newton's trials are cut back to the cone and approach the boundary w_2 = 0 (measured:
        // 25 steps, w = (0.4818, −4.8e-14)); there no trial is feasible any more, and the polish stops instead of repeating
        // the failed search for the rest of a budget of 100 steps.
        const int budget = 100;
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 2, 0 }, { 0, 3 }, { 0, 0 } });
        var y = Vector<double>.Build.DenseOfArray([1.0, -1.0, 0.0]);
        var block = new Block(ActivationPattern.OfDirection(x, Vector<double>.Build.DenseOfArray([1.0, 1.0])), +1);
        var start = new Dictionary<Block, Vector<double>> { [block] = Vector<double>.Build.DenseOfArray([0.5, 0.5]) };
        var loss = new CountingLoss(new SquaredLoss());
        var polished = FacePolisher.PolishOnOwnFaces(x, y, loss, 0.1, start, maxSteps: budget);
        Assert.NotNull(polished);
        var w = Assert.Single(polished).W;
        var point = new ConvexPoint([new BlockValue(block, w)], 2);
        double violation = point.MaxConeViolation(x);
        Assert.True(violation <= Tolerances.Cone.At(1), $"polished w = ({w[0]:R}, {w[1]:R}) leaves its cone by {violation:E3} (tolerance {Tolerances.Cone})");
        Assert.True(loss.Hessians < budget, $"{loss.Hessians} Newton steps: the polish ran its whole budget at w = ({w[0]:R}, {w[1]:R})");
    }

    [Theory]
    [InlineData(1e-3, true)]
    [InlineData(1e-6, false)]
    public void An_explicit_margin_replaces_the_automatic_one(double margin, bool near)
    {
        // ref02 (f 0.5) at v*: ρ = β, so the automatic margin is its floor 1e-6, and the block priced 9.72e-5 below β is not
        // read; an explicit margin of 1e-3 reads it.
        var problem = ReferenceInstance.Load("ref02_n5_d3_gauss_f0.5").ExactProblem();
        var (optimum, _) = OptimumAndStart(problem, 1);
        var v = Dual(problem, optimum);
        var priced = problem.Oracle.BlocksAbove(v, 0.5 * problem.Beta).Blocks.OrderByDescending(b => b.Value).ToList();
        var nearBlock = priced.First(b => b.Value < priced[0].Value * (1 - 1e-6));
        var candidates = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, v,
            new Dictionary<Block, Vector<double>>(), maxSteps: 0, activeMargin: margin)!.Select(b => b.Block).ToHashSet();
        Assert.True(candidates.Contains(nearBlock.Block) == near,
            $"margin {margin:E0}: block priced {1 - nearBlock.Value / priced[0].Value:E3} below ρ {(near ? "not read" : "read")}, {candidates.Count} candidates");
    }

    [Fact]
    public void The_retry_keeps_a_light_start_block_priced_near_beta_and_adds_blocks_priced_below_it_only_in_the_widest_retry()
    {
        // ref04 (f 0.1) at v*: W* has five blocks, two of them priced 4.4e-16 and 5.6e-16 below β; block N (not in W*) is
        // priced 6.7e-4 below β and block H 3.3e-2 below. The start is W*, N with 1e-9 of the largest block's mass and H
        // with 1e-3 of it. A margin of 1e-16 reads only three of W*'s blocks, so the first polish loses the other two's
        // mass and ends above the start. The first retry adds the start blocks priced within 1e-3 below β, however light:
        // W*'s other two and N. The second adds every start block priced above β/2 that is not numerically empty: H as
        // well, which only costs (it is priced below β). With no Newton step (a budget of 0, nothing dropped) each
        // attempt returns its blocks as they start, and the best is the first retry: W* and N, without H.
        var problem = ReferenceInstance.Load("ref04_n7_d3_int_f0.1").ExactProblem();
        var (optimum, start) = OptimumAndStart(problem, 1);
        var v = Dual(problem, optimum);
        var priced = problem.Oracle.BlocksAbove(v, 0.5 * problem.Beta).Blocks.OrderByDescending(b => b.Value).ToList();
        var outside = priced.Where(b => !start.ContainsKey(b.Block)).ToList();
        var (near, below) = (outside[0], outside[1]);
        Assert.True(near.Value >= (1 - 1e-3) * problem.Beta && below.Value < (1 - 1e-3) * problem.Beta,
            $"blocks priced {1 - near.Value / problem.Beta:E3} and {1 - below.Value / problem.Beta:E3} below β: the instance no longer has the shape this test needs");
        double largest = start.Values.Max(w => w.L2Norm());
        start[near.Block] = problem.Oracle.Geometry.Maximiser(near.Block, v.ToArray()) * (1e-9 * largest);
        start[below.Block] = problem.Oracle.Geometry.Maximiser(below.Block, v.ToArray()) * (1e-3 * largest);
        var polished = FacePolisher.Polish(problem.Oracle, problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, v, start,
            dropEmpty: false, maxSteps: 0, activeMargin: 1e-16);
        Assert.NotNull(polished);
        var blocks = polished.Select(b => b.Block).ToHashSet();
        var expected = optimum.NonZeroBlocks.Select(b => b.Block).Append(near.Block).ToHashSet();
        Assert.True(blocks.SetEquals(expected),
            $"returned {blocks.Count} blocks: W*'s {optimum.NonZeroBlocks.Count(b => blocks.Contains(b.Block))} of {optimum.NonZeroBlocks.Count()}, N {(blocks.Contains(near.Block) ? "in" : "out")}, H {(blocks.Contains(below.Block) ? "in" : "out")}; wanted W* and N");
    }
}
