using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The face polish (THEORY.md §6) on programs small enough to price by hand, where the blocks' values, faces and starts
/// are exact in binary floating point: which blocks it reads off v and keeps from the start (every threshold checked on
/// both sides and at its bound), when it polishes again with the start's support, and the size limit of its Newton
/// system. Written against the survivors of a mutation run (docs/mutation/face-polish.md).
/// </summary>
public class FacePolisherMutationTests3
{
    /// <summary>
    /// X = I₂. At v = (ρ, −h) (h, ρ &gt; 0) the blocks are priced exactly: "11"+ and "10"+ at ρ with π = (ρ, 0), "11"− and
    /// "01"− at h with π = (0, h), the others at 0. The projection of "11"+ meets the row x₂ (its face read off v is
    /// span(e₁)) and that of "11"− the row x₁ (span(e₂)); those of "10"+ and "01"− meet no row (g_s lies in their cones
    /// already), so their faces are R².
    /// </summary>
    private static readonly Matrix<double> Identity2 = Matrix<double>.Build.DenseIdentity(2);

    private static readonly EnumeratedPricing Oracle2 = new(Identity2, CellEnumerator.Enumerate(Identity2));

    private static Block B(string pattern, int sign) => new(ActivationPattern.Parse(pattern), sign);

    private static Vector<double> V(params double[] entries) => Vector<double>.Build.DenseOfArray(entries);

    private static readonly Block TopOn = B("11", +1), TopOff = B("10", +1), LowOn = B("11", -1), LowOff = B("01", -1);

    /// <summary>
    /// The program of X = I₂ restricted to the blocks "11"+, "11"− and "01"− (a block subset, THEORY.md §7): at v = (ρ, −h)
    /// "11"+ alone is priced ρ ("10"+, whose π = (ρ, 0) meets no row, is left out).
    /// </summary>
    private static readonly EnumeratedPricing Subset2 = new(Identity2, CellEnumerator.Enumerate(Identity2), [TopOn, LowOn, LowOff]);

    private static string Names(IEnumerable<Block> blocks) =>
        string.Join(", ", blocks.Select(b => $"{b.Pattern}{(b.Sign > 0 ? "+" : "−")}").Order());

    private static HashSet<Block> BlocksOf(List<(Block Block, Vector<double> W)>? polished) =>
        polished is null ? [] : polished.Select(b => b.Block).ToHashSet();

    private static void AssertBlocks(IEnumerable<Block> expected, List<(Block Block, Vector<double> W)>? polished, string what)
    {
        Assert.True(polished is not null, $"{what}: the polish returned null, wanted the blocks {Names(expected)}");
        var blocks = BlocksOf(polished);
        Assert.True(blocks.SetEquals(expected), $"{what}: returned the blocks {Names(blocks)}, wanted {Names(expected)}");
    }

    /// <summary>
    /// The blocks read off v = (ρ, −h) at β without a start and without a Newton step (y = 2v: the small cold starts along
    /// π_b lower F below ℓ(0), so the first reading is returned and not retried).
    /// </summary>
    private static List<(Block Block, Vector<double> W)>? ReadOff(double rho, double h, double beta, double? margin) =>
        FacePolisher.Polish(Oracle2, Identity2, V(2 * rho, -2 * h), new SquaredLoss(), beta, V(rho, -h),
            new Dictionary<Block, Vector<double>>(), maxSteps: 0, activeMargin: margin);

    [Theory]
    [InlineData(0.7, 0.0, false)]   // a margin of 0: the threshold is ρ itself, and the blocks priced exactly at ρ are read
    [InlineData(0.7, 0.5, true)]    // a margin of 0.5 reads the blocks priced 0.7
    [InlineData(0.3, 0.9, false)]   // a margin of 0.9 reaches down to 0.1 ρ, but blocks below β/2 are never read
    public void The_blocks_read_off_v_are_those_priced_within_the_margin_below_rho_and_not_below_half_of_beta(double h, double margin, bool lowRead)
    {
        var expected = lowRead ? new[] { TopOn, TopOff, LowOn, LowOff } : new[] { TopOn, TopOff };
        AssertBlocks(expected, ReadOff(1, h, 1, margin), $"blocks priced 1 and {h} at β = 1, margin {margin}");
    }

    [Fact]
    public void A_start_block_with_no_component_on_its_face_read_off_v_is_left_out_and_the_other_blocks_are_polished()
    {
        // v = (1, −1): four blocks priced at β = 1. The start puts "11"+ at (0, 0.5), orthogonal to its face span(e₁): it has
        // nothing to polish there and is left out; the three others start cold and are read as usual.
        var start = new Dictionary<Block, Vector<double>> { [TopOn] = V(0, 0.5) };
        var polished = FacePolisher.Polish(Oracle2, Identity2, V(2, -2), new SquaredLoss(), 1, V(1, -1), start, maxSteps: 0);
        AssertBlocks([TopOff, LowOn, LowOff], polished, "start orthogonal to the face of 11+");
    }

    [Fact]
    public void Without_a_start_a_reading_that_ends_above_the_zero_point_is_kept_by_retries_that_add_nothing()
    {
        // y = (0.1, 0) prices every block at most 0.1 < β at W = 0: the cold starts of the two blocks read off v = (1, −0.7)
        // raise F above ℓ(0), so the polish tries again with the start's support; an empty start adds no block.
        var polished = FacePolisher.Polish(Oracle2, Identity2, V(0.1, 0), new SquaredLoss(), 1, V(1, -0.7),
            new Dictionary<Block, Vector<double>>(), maxSteps: 0);
        AssertBlocks([TopOn, TopOff], polished, "no start, y = (0.1, 0)");
    }

    /// <summary>The largest start block of <see cref="SupportRetry"/> (a power of two: every ratio to it is exact).</summary>
    private const double StartLargest = 0.25;

    /// <summary>The polish's EmptyStartRatio (1e-10·1e4 is 1e-6 exactly in binary64).</summary>
    private const double EmptyStartRatio = 1e-6;

    /// <summary>
    /// <see cref="Subset2"/> at v = (ρ, −h). The start puts the block priced ρ ("11"+) at (0, 0.25), orthogonal to its face
    /// span(e₁), so the faces read off v polish nothing, and a heavy block "11"− (0.125) and a block "01"− of
    /// <paramref name="lightRatio"/> of the largest start block along e₂ (on their faces), both priced h. Only the retries
    /// with the start's support polish something; without a Newton step and with nothing dropped they return their blocks
    /// as they start.
    /// </summary>
    private static List<(Block Block, Vector<double> W)>? SupportRetry(double rho, double h, double beta, double lightRatio, double? margin = null) =>
        FacePolisher.Polish(Subset2, Identity2, V(rho, -h), new SquaredLoss(), beta, V(rho, -h),
            new Dictionary<Block, Vector<double>>
            {
                [TopOn] = V(0, StartLargest),
                [LowOn] = V(0, 0.125), [LowOff] = V(0, lightRatio * StartLargest),
            },
            dropEmpty: false, maxSteps: 0, activeMargin: margin);

    [Theory]
    [InlineData(1e-9, false)]   // numerically empty and priced far below β: not kept
    [InlineData(1e-6, true)]    // exactly the ratio: kept (at least 1e-6 of the largest)
    [InlineData(4e-6, true)]    // 1e-6 in mass: above 1e-6 of the largest (0.25), though below 1e-6 divided by it
    public void The_retry_keeps_a_start_block_priced_below_beta_only_when_it_carries_a_millionth_of_the_largest(double lightRatio, bool kept)
    {
        // h = 0.7: only the widest retry (start blocks priced at least β/2) adds anything: the heavy block, and the light one
        // when it is not numerically empty.
        var expected = kept ? new[] { LowOn, LowOff } : new[] { LowOn };
        AssertBlocks(expected, SupportRetry(1, 0.7, 1, lightRatio), $"light start block of {lightRatio:E0} of the largest, priced 0.7 β");
    }

    [Fact]
    public void The_retry_keeps_a_light_start_block_priced_exactly_at_the_near_beta_fraction()
    {
        // h = 1 − 1e-3 = the fraction of min(β, ρ) within which a start block counts as priced near β, and is kept however light.
        AssertBlocks([LowOn, LowOff], SupportRetry(1, 1 - 1e-3, 1, 1e-9), "light start block priced (1 − 1e-3) β");
    }

    [Fact]
    public void The_near_beta_fraction_is_taken_of_the_smaller_of_beta_and_rho()
    {
        // ρ = 1.2 above β = 1: a light start block priced 0.9995 is within 1e-3 below β (though not below ρ) and is kept.
        // A margin of 1e-6 keeps it out of the faces read off v (the automatic one, 1e-3 here, would read it there).
        AssertBlocks([LowOn, LowOff], SupportRetry(1.2, 0.9995, 1, 1e-9, margin: 1e-6), "light start block priced 0.9995, β = 1, ρ = 1.2, margin 1e-6");
    }

    [Theory]
    [InlineData(1.0, 0.5)]    // priced exactly β/2 (and half of min(β, ρ)): kept
    [InlineData(1.2, 0.55)]   // ρ = 1.2 above β = 1: half of min(β, ρ) is 0.5, not 0.6
    public void The_widest_retry_adds_the_start_blocks_priced_at_least_half_of_beta_and_of_rho(double rho, double h)
    {
        AssertBlocks([LowOn], SupportRetry(rho, h, 1, 1e-9), $"heavy start block priced {h}, β = 1, ρ = {rho}");
    }

    /// <summary>An oracle that counts how often the blocks above a threshold are listed (the face polish lists once per reading of the faces).</summary>
    private sealed class CountingOracle(IPricingOracle inner) : IPricingOracle
    {
        public int Listings;
        public int N => inner.N;
        public int D => inner.D;
        public string Method => inner.Method;
        public bool BoundsFullProgram => inner.BoundsFullProgram;
        public bool ListsEveryBlock => inner.ListsEveryBlock;
        public BlockGeometry Geometry => inner.Geometry;
        public PricingResult Price(Vector<double> v) => inner.Price(v);
        public PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue) { Listings++; return inner.BlocksAbove(v, threshold, maxCount); }
        public bool Includes(Block block) => inner.Includes(block);
    }

    [Fact]
    public void A_reading_that_ends_at_the_starts_objective_is_not_retried()
    {
        // The start lies on the faces read off v = (1, −0.7) (both blocks priced ρ = β, along e₁): without a Newton step the
        // polish ends at the start's objective, to rounding. Only a polish that ends above it (by more than 1e-12 relative)
        // is retried with the start's support.
        var oracle = new CountingOracle(Oracle2);
        var start = new Dictionary<Block, Vector<double>> { [TopOn] = V(0.5, 0), [TopOff] = V(0.25, 0) };
        var polished = FacePolisher.Polish(oracle, Identity2, V(2, -1.4), new SquaredLoss(), 1, V(1, -0.7), start, maxSteps: 0);
        AssertBlocks([TopOn, TopOff], polished, "start on the faces read off v");
        Assert.True(oracle.Listings == 1, $"the faces were read {oracle.Listings} times, wanted once (no retry)");
    }

    // The start's own faces.

    [Fact]
    public void On_its_own_faces_a_start_block_whose_face_keeps_little_of_it_is_not_dropped()
    {
        // Rows x₁ = e₁ and x₂ = e₁ + 1e-5 e₂ in R³ (nearly parallel). Both blocks of the pattern 11 nearly meet both rows,
        // so both faces are span(e₃): "11"+ starts at e₃ (all of it on its face), "11"− at (0, 1, 1e-7), which keeps 1e-7
        // of its mass there, below 1e-6 of the other's. The own faces drop no start block that carries 1e-6 of the largest
        // start block's mass, whatever its face keeps of it.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0, 0 }, { 1, 1e-5, 0 } });
        var start = new Dictionary<Block, Vector<double>> { [B("11", +1)] = V(0, 0, 1), [B("11", -1)] = V(0, 1, 1e-7) };
        var polished = FacePolisher.PolishOnOwnFaces(x, V(1, 1), new SquaredLoss(), 0.1, start, maxSteps: 0);
        AssertBlocks(start.Keys, polished, "a start block keeping 1e-7 of its mass on its own face");
        var w = polished!.Single(b => b.Block.Sign < 0).W;
        double offFace = Math.Abs(w[0]) + Math.Abs(w[1]);
        Assert.True(offFace <= Tolerances.Cone.At(w.L2Norm()), $"11− polished at ({w[0]:R}, {w[1]:R}, {w[2]:R}), not on its face span(e₃) (tolerance {Tolerances.Cone})");
    }

    [Fact]
    public void On_its_own_faces_a_start_block_of_exactly_a_millionth_of_the_largest_is_kept()
    {
        // X = I₂, both blocks on their own face span(e₁): "11"+ at e₁ and "11"− at 1e-6·e₁, exactly the ratio below which a
        // start block is left out: it carries at least 1e-6 of the largest and is kept.
        var start = new Dictionary<Block, Vector<double>> { [B("11", +1)] = V(1, 0), [B("11", -1)] = V(EmptyStartRatio, 0) };
        Assert.Equal(EmptyStartRatio, start[B("11", -1)].L2Norm());
        var polished = FacePolisher.PolishOnOwnFaces(Identity2, V(1, 1), new SquaredLoss(), 0.1, start, maxSteps: 0);
        AssertBlocks(start.Keys, polished, "start blocks of mass 1 and 1e-6");
    }

    /// <summary>The polish's OwnFaceRatio: a row is on a start block's own face when |x_j·w| ≤ this·‖x_j‖‖w‖.</summary>
    private const double OwnFaceRatio = 1e-4;

    [Fact]
    public void A_row_the_start_meets_at_exactly_the_own_face_ratio_bounds_its_own_face()
    {
        // w = (a, b) with b = 1e-4·‖w‖ in floating point (a found by stepping through the doubles): the row x₂ = e₂ is met
        // within the ratio (inclusive), so the face is span(e₁) and the start is projected onto it.
        double b = 1e-4;
        double norm = b / OwnFaceRatio;
        while (OwnFaceRatio * norm < b) norm = Math.BitIncrement(norm);
        while (OwnFaceRatio * norm > b) norm = Math.BitDecrement(norm);
        Assert.True(OwnFaceRatio * norm == b, $"no norm m with 1e-4·m = {b:R} in floating point");
        double a = Math.Sqrt(norm * norm - b * b);
        Vector<double> w0 = V(a, b);
        for (int i = 0; i < 64 && w0.L2Norm() != norm; i++)
            w0 = V(w0.L2Norm() < norm ? Math.BitIncrement(w0[0]) : Math.BitDecrement(w0[0]), b);
        Assert.True(OwnFaceRatio * 1.0 * w0.L2Norm() == b, $"start ({w0[0]:R}, {b:R}): 1e-4·‖w‖ = {OwnFaceRatio * w0.L2Norm():R}, not exactly {b:R}");
        var block = B("11", +1);
        var polished = FacePolisher.PolishOnOwnFaces(Identity2, V(1, 1), new SquaredLoss(), 0.1,
            new Dictionary<Block, Vector<double>> { [block] = w0 }, maxSteps: 0);
        AssertBlocks([block], polished, "start at the own-face ratio");
        var w = polished!.Single().W;
        Assert.True(Math.Abs(w[1]) <= Tolerances.Cone.At(w.L2Norm()), $"start ({w0[0]:R}, {b:R}) returned at ({w[0]:R}, {w[1]:R}), not on the face w₂ = 0 (tolerance {Tolerances.Cone})");
    }

    /// <summary>
    /// <paramref name="count"/> blocks in R⁵⁰ (patterns of 6 rows), each started at a positive vector that meets none of
    /// the positive rows: every own face is all of R⁵⁰, 50 variables a block.
    /// </summary>
    private static List<(Block Block, Vector<double> W)>? OwnFacesOfFullBlocks(int count)
    {
        const int n = 6, d = 50;
        var x = Matrix<double>.Build.Dense(n, d, (j, k) => 1 + (j * d + k) % 7 * 0.125);
        var start = new Dictionary<Block, Vector<double>>();
        for (int i = 0; i < count; i++)
        {
            var pattern = ActivationPattern.FromBools(Enumerable.Range(0, n).Select(j => (i >> 1 >> j & 1) == 1).ToArray());
            start[new Block(pattern, i % 2 == 0 ? +1 : -1)] = Vector<double>.Build.Dense(d, k => 1 + (i + k) % 5 * 0.25);
        }
        return FacePolisher.PolishOnOwnFaces(x, Vector<double>.Build.Dense(n, 1), new SquaredLoss(), 0.1, start, maxSteps: 0);
    }

    [Fact]
    public void A_face_set_of_exactly_the_largest_size_is_polished()
    {
        int count = FacePolisher.MaxVariables / 50;
        var polished = OwnFacesOfFullBlocks(count);
        Assert.True(polished is not null, $"{count} blocks of 50 variables ({FacePolisher.MaxVariables} in all): not polished, the limit is inclusive");
        Assert.Equal(count, polished.Count);
    }

    [Fact]
    public void A_face_set_beyond_the_largest_size_is_not_polished_though_each_face_is_small()
    {
        int count = FacePolisher.MaxVariables / 50 + 1;
        Assert.True(OwnFacesOfFullBlocks(count) is null, $"{count} blocks of 50 variables ({50 * count} in all, above {FacePolisher.MaxVariables}) were polished");
    }

    [Fact]
    public void A_start_block_read_off_v_with_exactly_a_millionth_of_the_largest_start_block_is_not_dropped()
    {
        // v = (1, −0.7): "11"+ (face span(e₁)) and "10"+ (face R²) are read at β = 1. The start puts them at e₁ and 1e-6·e₁:
        // the lighter is not numerically empty (the polish drops only start blocks below 1e-6 of the largest).
        var start = new Dictionary<Block, Vector<double>> { [TopOn] = V(1, 0), [TopOff] = V(EmptyStartRatio, 0) };
        var polished = FacePolisher.Polish(Oracle2, Identity2, V(2, -1.4), new SquaredLoss(), 1, V(1, -0.7), start, maxSteps: 0);
        AssertBlocks([TopOn, TopOff], polished, "start blocks of mass 1 and 1e-6 read off v");
    }

    /// <summary>
    /// Ten rows e₁ … e₁₀ in R⁵⁰ and v = (1, 1, 1, 1, 1, −1, −1, −1, −1, −1). A block "+" whose pattern makes the first five
    /// rows active and a set S of the last five, or a block "−" whose pattern makes the last five active and a set S of the
    /// first five, is priced √5 with π on the face of the rows S (they are met), of dimension 50 − |S|. The program is
    /// restricted to such blocks with |S| ∈ {0, 2, 3}: 2·(50 + 10·48 + 10·47) = 2000 face variables, plus the blocks
    /// <paramref name="extra"/> (pattern, sign).
    /// </summary>
    private static (EnumeratedPricing Oracle, Matrix<double> X, Vector<double> V, Block[] Blocks) TwoThousandVariables(params (ActivationPattern Pattern, int Sign)[] extra)
    {
        const int n = 10, d = 50;
        var x = Matrix<double>.Build.Dense(n, d, (j, k) => j == k ? 1 : 0);
        var v = Vector<double>.Build.Dense(n, j => j < 5 ? 1 : -1);
        var cells = new List<Cell>();
        var blocks = new List<Block>();
        for (int mask = 0; mask < 32; mask++)
            foreach (int sign in new[] { +1, -1 })
            {
                // sign +1: the first five rows active and the rows 5 + k of the mask; sign −1 the other way round.
                var active = Enumerable.Range(0, n).Select(j => sign > 0 ? j < 5 || (mask >> (j - 5) & 1) == 1 : j >= 5 || (mask >> j & 1) == 1).ToArray();
                var pattern = ActivationPattern.FromBools(active);
                if (cells.All(c => !c.Pattern.Equals(pattern)))
                    cells.Add(new Cell(pattern, Vector<double>.Build.Dense(d, k => k < n ? (active[k] ? 1 : -1) : 0)));
                int met = System.Numerics.BitOperations.PopCount((uint)mask);
                if (met is 0 or 2 or 3) blocks.Add(new Block(pattern, sign));
            }
        blocks.AddRange(extra.Select(e => new Block(e.Pattern, e.Sign)));
        var oracle = new EnumeratedPricing(x, new PatternSet(cells, true, n, "the patterns of the test", n), blocks);
        return (oracle, x, v, blocks.ToArray());
    }

    [Fact]
    public void Blocks_without_a_start_of_exactly_the_largest_size_are_polished()
    {
        var (oracle, x, v, blocks) = TwoThousandVariables();
        double rho = oracle.Price(v).Rho;
        var polished = FacePolisher.Polish(oracle, x, 2 * v, new SquaredLoss(), rho, v, new Dictionary<Block, Vector<double>>(), maxSteps: 0);
        AssertBlocks(blocks, polished, $"{blocks.Length} blocks without a start, {FacePolisher.MaxVariables} face variables");
    }

    [Fact]
    public void A_numerically_empty_start_block_does_not_count_towards_the_largest_size()
    {
        // The 2000 variables of the program plus a block of 49 (S of one row) whose start is numerically empty: the face set
        // has 2049 variables until it is dropped, then 2000, and is polished.
        var extraPattern = ActivationPattern.FromBools(Enumerable.Range(0, 10).Select(j => j <= 5).ToArray());
        var (oracle, x, v, blocks) = TwoThousandVariables((extraPattern, +1));
        double rho = oracle.Price(v).Rho;
        var start = blocks.ToDictionary(b => b, b => oracle.Geometry.Maximiser(b, v.ToArray()));
        var extra = blocks[^1];
        start[extra] *= 1e-9;
        var polished = FacePolisher.Polish(oracle, x, 2 * v, new SquaredLoss(), rho, v, start, maxSteps: 0);
        AssertBlocks(blocks.SkipLast(1), polished, "2000 variables started at π/‖π‖ and 49 of a numerically empty start");
    }

    [Fact]
    public void The_line_search_keeps_a_short_row_to_the_cones_relative_rounding()
    {
        // One block of the cone {w ≥ 0} with rows e₁ and 1e-4·e₂, started at (0.5, 0.5); y₂ = −1e-4 pulls w₂ to −1 and the
        // line search must stop every trial at the row (relative to ‖x₂‖‖w‖, not to ‖w‖ alone or ‖x₂‖²).
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1e-4 } });
        var block = B("11", +1);
        var start = new Dictionary<Block, Vector<double>> { [block] = V(0.5, 0.5) };
        var polished = FacePolisher.PolishOnOwnFaces(x, V(1, -1e-4), new SquaredLoss(), 0.1, start, maxSteps: 100);
        Assert.True(polished is not null, "nothing polished");
        var w = Assert.Single(polished).W;
        var point = new ConvexPoint([new BlockValue(block, w)], 2);
        double violation = point.MaxConeViolation(x);
        Assert.True(violation <= Tolerances.Cone.At(1), $"polished w = ({w[0]:R}, {w[1]:R}) leaves its cone by {violation:E3} relative (tolerance {Tolerances.Cone})");
    }

    [Fact]
    public void The_face_of_zero_rows_is_the_whole_space()
    {
        // A zero row constrains nothing: its singular value 0 is no larger than 1e-12 of the largest (0 as well), so the
        // face of two zero rows in R³ has rank 0 and is all of R³.
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 0, 0 }, { 0, 0, 0 }, { 1, 2, 3 } });
        var basis = FacePolisher.FaceBasis(x, [1.0, -1.0, 1.0], [0, 1], 3);
        Assert.True(basis.ColumnCount == 3, $"the face of two zero rows has {basis.ColumnCount} dimensions, wanted 3");
        double error = (basis.TransposeThisAndMultiply(basis) - Matrix<double>.Build.DenseIdentity(3)).InfinityNorm();
        Assert.True(error <= Tolerances.RelativeRank, $"basis of the face of zero rows is not orthonormal: ‖NᵀN − I‖∞ = {error:E3} (tolerance {Tolerances.RelativeRank:E0})");
    }
}
