using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>The optimal set of THEORY.md §6 at its edges: W* = 0, the budget identity Σ t_b = v*·z*/β, and refusals.</summary>
public class OptimalSetEdgeTests
{
    /// <summary>β = 2ρ(y) is above β_max = ρ(y) of the reference file, so W* = 0 (THEORY.md §4: ρ(v*) ≤ β with no active block).</summary>
    [Fact]
    public void Above_beta_max_the_optimal_set_is_the_origin_with_no_active_block()
    {
        var r = ReferenceInstance.Load("ref01_n5_d2_int_f0.1");
        var problem = new ConvexProblem(r.Data, r.Loss, 2 * r.BetaMax, r.Patterns());
        var set = OptimalSet.FromSolution(problem, ConvexPoint.Zero(r.Data.D));
        Assert.Empty(set.Active);
        Assert.Equal(0, set.A.ColumnCount);
        Assert.Equal(r.Data.N, set.A.RowCount);
        Assert.Equal(0, set.Rank);
        Assert.Empty(set.Point);
        Assert.Equal(0.0, set.Residual);
        Assert.Equal(0.0, set.Z.L2Norm());
        Assert.Equal(r.Data.Y, set.V); // v* = −∇ℓ(0) = c·y with c = 1
        var min = set.MinimumSupport();
        Assert.NotNull(min);
        Assert.Equal(0, min.Value.MStar);
        Assert.Empty(set.Prune(set.Point));
        Assert.Empty(set.Sample(new Random(1)));
        Assert.Empty(set.ToPoint(set.Point).NonZeroBlocks);
    }

    /// <summary>
    /// On 𝒲*, ‖w_b‖ = t_b and v*·A_b = β for every active column, so every point has Σ t_b = v*·z*/β
    /// (the penalty β Σ‖w_b‖ = P*_c − ℓ(z*) is the same at every optimum).
    /// </summary>
    [Theory]
    [InlineData("ref03_n7_d2_dup_f0.1")]
    [InlineData("ref04_n7_d3_int_f0.5")]
    public void Every_point_of_the_optimal_set_spends_the_same_budget(string name)
    {
        var r = ReferenceInstance.Load(name);
        var problem = r.Problem();
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        double budget = set.V.DotProduct(set.Z) / problem.Beta;
        var rng = new Random(11);
        var min = set.MinimumSupport();
        Assert.NotNull(min);
        foreach (var (what, t) in new[] { ("point", set.Point), ("pruned", set.Prune(set.Point)), ("minimum support", min.Value.T), ("sample", set.Sample(rng)) })
        {
            Assert.True(Tolerances.Objective.Agree(budget, t.Sum()), $"{what}: Σ t_b = {t.Sum():R}, v*·z*/β = {budget:R} (tolerance {Tolerances.Objective})");
            for (int b = 0; b < t.Count; b++)
                if (t[b] > 0) Assert.True(Tolerances.Objective.Agree(t[b], set.ToPoint(t).NonZeroBlocks.Single(w => w.Block == set.Active[b].Block).W.L2Norm()),
                    $"{what}: ‖w_b‖ ≠ t_b for block {set.Active[b].Block}");
        }
        Assert.Equal(min.Value.MStar, min.Value.T.Count(v => v > 0));
        Assert.Equal(set.Active.Count, set.A.ColumnCount);
    }

    [Fact]
    public void Refusals_name_the_gap_and_the_shape()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = ConvexSolver.Solve(problem).W;
        var half = TestProblems.Scaled(w, 0.5);
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, half, 1e-3));
        Assert.Contains("exceeds 1.000E-003", e.Message);
        Assert.Throws<ArgumentNullException>(() => OptimalSet.FromSolution(null!, w));
        Assert.Throws<ArgumentNullException>(() => OptimalSet.FromSolution(problem, null!));

        var set = OptimalSet.FromSolution(problem, w);
        var wrong = Vector<double>.Build.Dense(set.Active.Count + 1);
        var a = Assert.Throws<ArgumentException>(() => set.ToPoint(wrong));
        Assert.Contains($"t has {set.Active.Count + 1} entries, there are {set.Active.Count} active blocks", a.Message);
        Assert.Throws<ArgumentNullException>(() => set.Sample(null!));
    }

    /// <summary>
    /// Carathéodory pruning (THEORY.md §6) from a point that is not a vertex: a sample of 𝒲* (the solver's point mixed
    /// with random vertices), which uses every active block. Moving along null vectors of A keeps A t, and keeps Σ t_b
    /// (v*·A_b = β on every column), while the support drops to at most rank(A).
    /// </summary>
    [Theory]
    [InlineData("ref03_n7_d2_dup_f0.1")]
    [InlineData("ref05_n8_d3_gauss_f0.1")]
    public void Pruning_a_point_on_every_active_block_keeps_At_and_the_budget_and_ends_at_a_vertex(string name)
    {
        var r = ReferenceInstance.Load(name);
        var problem = r.Problem();
        var w = ConvexSolver.Solve(problem).W;
        var set = OptimalSet.FromSolution(problem, w);
        var own = set.Sample(new Random(7), vertices: 64);
        Assert.True(own.Count(v => v > 0) > set.Rank, $"{name}: the sample uses {own.Count(v => v > 0)} blocks, rank {set.Rank}: nothing to prune");
        var pruned = set.Prune(own);
        Assert.True(pruned.Minimum() >= 0, $"negative entry {pruned.Minimum()}");
        int support = pruned.Count(v => v > 0);
        Assert.True(support <= set.Rank, $"pruned support {support} above rank {set.Rank}");
        var before = set.A * own;
        var after = set.A * pruned;
        double scale = before.AbsoluteMaximum();
        Assert.True((after - before).AbsoluteMaximum() <= Tolerances.Prediction.At(scale),
            $"pruning moved A t by {(after - before).AbsoluteMaximum():E3} (tolerance {Tolerances.Prediction})");
        Assert.True(Tolerances.Objective.Agree(own.Sum(), pruned.Sum()), $"Σ t_b {own.Sum():R} → {pruned.Sum():R}");
        // Every entry left is a column of an independent set: no further pruning is possible.
        var again = set.Prune(pruned);
        Assert.Equal(pruned, again);
    }

    /// <summary>
    /// 𝒲* of ref05 (β = 0.1 β_max) has 12 active blocks of rank 4, and the solver's own point uses all 12: the polytope
    /// is not a single point, so random points must differ by far more than rounding, and each must stay in 𝒲*.
    /// </summary>
    [Fact]
    public void Samples_of_a_polytope_with_dependent_columns_differ_and_stay_optimal()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var problem = r.Problem();
        var result = ConvexSolver.Solve(problem);
        var set = OptimalSet.FromSolution(problem, result.W);
        Assert.True(set.Active.Count > set.Rank, $"{set.Active.Count} active blocks, rank {set.Rank}");
        var rng = new Random(4);
        var samples = Enumerable.Range(0, 3).Select(_ => set.Sample(rng)).ToList();
        for (int i = 0; i < samples.Count; i++)
        {
            var t = samples[i];
            Assert.True(t.Minimum() >= 0, $"sample {i}: negative entry {t.Minimum()}");
            Assert.True(t.Count(v => v > 0) > set.Rank, $"sample {i} has support {t.Count(v => v > 0)}: not a mixture of distinct vertices");
            double dev = (set.ToPoint(t).Predict(r.Data.X) - set.Z).AbsoluteMaximum();
            Assert.True(dev <= Tolerances.Prediction.At(set.Z.AbsoluteMaximum()), $"sample {i}: prediction off by {dev:E3} (tolerance {Tolerances.Prediction})");
            Assert.True(Tolerances.Objective.Agree(problem.Objective(set.ToPoint(t)), result.Objective),
                $"sample {i}: objective {problem.Objective(set.ToPoint(t)):R} vs {result.Objective:R} (tolerance {Tolerances.Objective})");
            if (i > 0)
                Assert.True((t - samples[0]).L2Norm() > 1e-3 * t.L2Norm(), $"samples 0 and {i} differ by only {(t - samples[0]).L2Norm():E3}");
        }
    }

    /// <summary>
    /// Rows (2, 2), (−2, −1), (2, 1), y = (−1, 2, 3), β = 0.2 ρ(y): five active blocks of rank 3, and z* is reached by two
    /// blocks, fewer than rank(A). m* = 2 exactly: a two-block point of 𝒲* is
    /// checked directly, and no single active column is a non-negative multiple of z* (THEORY.md §6, m* by search).
    /// </summary>
    [Fact]
    public void Minimum_support_beats_pruning_when_z_star_lies_on_a_face_of_the_active_cone()
    {
        var data = Dataset.Create([[2, 2], [-2, -1], [2, 1]], [-1, 2, 3]);
        var problem = new ConvexProblem(data, new SquaredLoss(1), 0.894427190999916, CellEnumerator.Enumerate(data.X));
        var result = ConvexSolver.Solve(problem);
        Assert.Equal(SolverStatus.Optimal, result.Status);
        // Read off the solve's point without its numerically empty blocks: the solve may end with a block of 1e-9 on two
        // kinks (which of two optima of equal certified gap it keeps is decided by rounding), whose v, 1e-9 away, reads only
        // a face of rank 2 at the first margin.
        double largest = result.W.Blocks.Max(b => b.W.L2Norm());
        var set = OptimalSet.FromSolution(problem, new ConvexPoint(result.W.Blocks.Where(b => b.W.L2Norm() > 1e-6 * largest), data.D));
        Assert.Equal(3, set.Rank);
        // Pruning ends at some vertex, with support between m* and rank(A); which vertex depends on the solver's point.
        Assert.InRange(set.Prune(set.Point).Count(v => v > 0), 2, set.Rank);

        var min = set.MinimumSupport();
        Assert.NotNull(min);
        Assert.Equal(2, min.Value.MStar);
        var t = min.Value.T;
        Assert.Equal(2, t.Count(v => v > 0));
        Assert.True(t.Minimum() >= 0, $"negative entry {t.Minimum()}");
        var w = set.ToPoint(t);
        double dev = (w.Predict(data.X) - set.Z).AbsoluteMaximum();
        Assert.True(dev <= Tolerances.Prediction.At(set.Z.AbsoluteMaximum()), $"the two-block point misses z* by {dev:E3} (tolerance {Tolerances.Prediction})");
        var net = Maps.Psi(w);
        Assert.Equal(2, net.Width);
        double l = NetworkObjective.Value(net, data, problem.Loss, problem.Beta);
        Assert.True(Tolerances.Objective.Agree(l, result.Objective), $"L_β of the width-2 network {l:R} vs P*_c {result.Objective:R} (tolerance {Tolerances.Objective})");
        Assert.True(l >= result.Lower - Tolerances.Objective.At(result.Lower), $"L_β {l:R} below the certified lower bound {result.Lower:R}");

        // No single block: z* is not a non-negative multiple of any active column.
        for (int b = 0; b < set.Active.Count; b++)
        {
            var col = set.A.Column(b);
            double s = Math.Max(0, col.DotProduct(set.Z) / col.DotProduct(col));
            Assert.True((col * s - set.Z).L2Norm() > 1e-6, $"z* is a multiple of the column of {set.Active[b].Block}");
        }
        // The search is bounded: one support tried is not enough, and a size is searched only when all its supports fit.
        Assert.Null(set.MinimumSupport(maxSupports: 1));
        int k = set.Active.Count;
        long sizesOneAndTwo = k + (long)k * (k - 1) / 2;
        Assert.Equal(2, set.MinimumSupport(maxSupports: sizesOneAndTwo)?.MStar);
        Assert.Null(set.MinimumSupport(maxSupports: sizesOneAndTwo - 1));
    }

    [Fact]
    public void ToPoint_gives_a_block_only_for_positive_entries()
    {
        var r = ReferenceInstance.Load("ref05_n8_d3_gauss_f0.1");
        var problem = r.Problem();
        var set = OptimalSet.FromSolution(problem, ConvexSolver.Solve(problem).W);
        var w = set.ToPoint(set.Point);
        Assert.Equal(set.Point.Count(v => v > 0), w.Blocks.Count);
    }

    /// <summary>
    /// W* enlarged by 1 + δ prices its block at β(1 − δ) under its own v (ref01, β = 0.5 β_max): below the tight threshold
    /// β − Tolerances.Pricing, so the block is found only by widening the margin step by step (1e-6, then 1e-5).
    /// </summary>
    [Theory]
    [InlineData(1e-6)]
    [InlineData(3e-6)]
    public void A_block_priced_just_below_the_tight_threshold_is_found_by_widening(double delta)
    {
        var r = ReferenceInstance.Load("ref01_n5_d2_int_f0.5");
        var problem = r.Problem();
        var w = ConvexSolver.Solve(problem).W;
        var enlarged = TestProblems.Scaled(w, 1 + delta);
        var set = OptimalSet.FromSolution(problem, enlarged, 1e-2);
        var block = Assert.Single(w.NonZeroBlocks).Block;
        var active = Assert.Single(set.Active);
        Assert.Equal(block, active.Block);
        Assert.True(active.Price < problem.Beta - Tolerances.Pricing.At(problem.Beta),
            $"price {active.Price:R} is not below the tight threshold {problem.Beta - Tolerances.Pricing.At(problem.Beta):R}");
        Assert.True(set.Residual <= Tolerances.Prediction.At(1), $"residual {set.Residual:E3}");
    }

    /// <summary>Enlarged by 1 + 1e-5 on ref00, W's block prices 7.5e-5 below β, beyond the widest margin: refused, with the reason.</summary>
    [Fact]
    public void A_point_whose_blocks_price_beyond_the_widest_margin_is_refused_with_the_reason()
    {
        var r = ReferenceInstance.Load("ref00_n3_d2_gauss_f0.1");
        var problem = r.Problem();
        var w = ConvexSolver.Solve(problem).W;
        var enlarged = TestProblems.Scaled(w, 1 + 1e-5);
        var e = Assert.Throws<OptimalSetException>(() => OptimalSet.FromSolution(problem, enlarged, 1e-2));
        Assert.Contains("dropping the blocks of W priced below β(1 − 1E-07) raises the objective", e.Message);
        Assert.Contains($"active blocks were tried down to ‖π_b‖ ≥ β(1 − 1E-05) with β = {r.Beta:R}", e.Message);
    }
}
