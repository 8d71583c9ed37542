using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using static HiddenConvex.Core.Tests.Convex.BarrierMutationTests;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The dense algebra of the barrier's Newton systems (THEORY.md §3), judged against MathNet and hand-worked factors: the
/// Cholesky factorisations the block Hessians, the n×n Woodbury coupling and the dense Hessian go through. Written against
/// the survivors of a mutation run of Convex/BarrierNewtonSystem.cs (docs/mutation/barrier.md). The class name puts it in
/// the barrier group's test filter (…Convex.NewtonForm).
/// </summary>
public class NewtonFormMutationTests
{
    /// <summary>
    /// Agreement of a Cholesky factor with MathNet's, entrywise relative to max|L|: both are backward stable and the matrices
    /// below have condition ≤ 1e4 (diagonal scales within 10^±1), so the factors differ by about n·ε·cond ≈ 1e-12 at most.
    /// </summary>
    private const double FactorsAgree = 1e-10;

    /// <summary>A = D G Gᵀ D + I (G n×rank Gaussian, D = diag(10^U(−1, 1))), positive definite; its upper triangle is NaN.</summary>
    private static double[] PositiveDefinite(int n, int rank, int seed)
    {
        var rng = new Random(seed);
        var g = TestProblems.Gaussian(rng, n, rank);
        var scale = Enumerable.Range(0, n).Select(_ => Math.Pow(10, 2 * rng.NextDouble() - 1)).ToArray();
        var a = Enumerable.Repeat(double.NaN, n * n).ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                a[i * n + j] = scale[i] * g.Row(i).DotProduct(g.Row(j)) * scale[j] + (i == j ? 1 : 0);
        return a;
    }

    /// <summary>The full symmetric matrix of a lower triangle, for MathNet.</summary>
    private static Matrix<double> FromLower(double[] a, int n) =>
        Matrix<double>.Build.Dense(n, n, (i, j) => i >= j ? a[i * n + j] : a[j * n + i]);

    private delegate bool Factorisation(ReadOnlySpan<double> a, Span<double> l, int n);

    private static readonly (string Name, Factorisation Factor)[] Factorisations =
    [
        ("Cholesky", BarrierRun.Cholesky),
        ("CholeskyByRows", BarrierRun.CholeskyByRows),
        ("CholeskyByTrailingRows", BarrierRun.CholeskyByTrailingRows),
    ];

    /// <summary>
    /// Each factorisation, at every order around the switch to trailing-row updates (32) and at 1×1: it reads only the lower
    /// triangle of A (the upper is NaN), writes L = MathNet's Cholesky factor into the lower triangle and zeros above it
    /// (whatever the output array held: it starts NaN), with a positive diagonal.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(7, 4)]
    [InlineData(31, 5)]
    [InlineData(32, 32)]
    [InlineData(33, 6)]
    [InlineData(40, 2)]
    public void Every_factorisation_is_MathNets_Cholesky_factor_from_the_lower_triangle(int n, int rank)
    {
        var a = PositiveDefinite(n, rank, seed: 100 * n + rank);
        var expected = FromLower(a, n).Cholesky().Factor;
        double scale = expected.Enumerate().Max(Math.Abs);
        foreach (var (name, factor) in Factorisations)
        {
            var l = Enumerable.Repeat(double.NaN, n * n).ToArray();
            Assert.True(factor(a, l, n), $"{name}, n = {n}: refused a positive definite matrix");
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double v = l[i * n + j];
                    if (j > i)
                        Assert.True(v == 0, $"{name}, n = {n}: L[{i},{j}] = {v:R} above the diagonal, expected 0");
                    else
                        Assert.True(Math.Abs(v - expected[i, j]) <= FactorsAgree * scale,
                            $"{name}, n = {n}: L[{i},{j}] = {v:R}, MathNet {expected[i, j]:R} (allowed {FactorsAgree:E0} of max|L| = {scale:E3})");
                }
        }
    }

    /// <summary>Hand-worked: [[4, 2, −2], [2, 10, 5], [−2, 5, 30]] = L Lᵀ with L = [[2, 0, 0], [1, 3, 0], [−1, 2, 5]] (exact in binary).</summary>
    [Fact]
    public void A_hand_worked_three_by_three_factor_is_exact()
    {
        double[] a = [4, double.NaN, double.NaN, 2, 10, double.NaN, -2, 5, 30];
        double[] expected = [2, 0, 0, 1, 3, 0, -1, 2, 5];
        foreach (var (name, factor) in Factorisations)
        {
            var l = new double[9];
            Assert.True(factor(a, l, 3), $"{name}: refused a positive definite 3×3 matrix");
            Assert.True(l.SequenceEqual(expected), $"{name}: L = [{string.Join(", ", l)}], expected [{string.Join(", ", expected)}]");
        }
    }

    /// <summary>
    /// A positive semidefinite matrix whose pivot is exactly zero ([[4, 2], [2, 1]]: the second pivot is 1 − 1·1 = 0, exactly) is
    /// refused, as are 1×1 matrices [0], [−1], [NaN]; the same at order 33 (the trailing-row updates), with the singular 2×2
    /// block placed after 31 identity rows, and an indefinite last pivot. The empty matrix has the empty factor.
    /// </summary>
    [Fact]
    public void A_zero_negative_or_NaN_pivot_is_refused_and_the_empty_matrix_is_factorised()
    {
        foreach (var (name, factor) in Factorisations)
        {
            Assert.False(factor([4, double.NaN, 2, 1], new double[4], 2), $"{name}: factorised the rank-one matrix [[4, 2], [2, 1]] (pivot exactly 0)");
            foreach (double v in new[] { 0.0, -1.0, double.NaN })
                Assert.False(factor([v], new double[1], 1), $"{name}: factorised the 1×1 matrix [{v}]");
            Assert.True(factor([], [], 0), $"{name}: refused the empty matrix");
            var root = new double[1];
            Assert.True(factor([2.25], root, 1) && root[0] == 1.5, $"{name}: the factor of [2.25] is [{root[0]:R}], not [1.5]");

            int n = 33;
            var singular = Identity(n);
            singular[31 * n + 31] = 4; singular[32 * n + 31] = 2; singular[32 * n + 32] = 1;
            Assert.False(factor(singular, new double[n * n], n), $"{name}: factorised a {n}×{n} matrix with the rank-one block [[4, 2], [2, 1]] last");
            var indefinite = Identity(n);
            indefinite[32 * n + 0] = 2; // the last pivot 1 − 2² < 0
            Assert.False(factor(indefinite, new double[n * n], n), $"{name}: factorised an indefinite {n}×{n} matrix (last pivot −3)");
        }
    }

    private static double[] Identity(int n)
    {
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = 1;
        return a;
    }

    /// <summary>
    /// The working set of every block of the data's arrangement (both signs of every pattern: the Woodbury coupling adds a
    /// pattern's two C_b before its update), in the requested form, with the program restricted to it for the certificate.
    /// </summary>
    private static Instance AllBlocks(double[][] rows, double[] y, string lossName, NewtonForm form, double beta = 0.05)
    {
        var x = Matrix<double>.Build.DenseOfRowArrays(rows);
        var yv = Vector<double>.Build.DenseOfArray(y);
        var loss = Loss.Parse(lossName);
        var patterns = CellEnumerator.Enumerate(x);
        var oracle = new EnumeratedPricing(x, patterns);
        var blocks = Enumerable.Range(0, oracle.BlockCount).Select(b => oracle.BlockAt(new BlockId(b))).ToList();
        var reduced = blocks.Select(b => ReducedBlock.Create(oracle.Geometry, b, patterns.Cells[patterns.IndexOf(b.Pattern)].Witness)).ToList();
        var program = new ReducedProgram(oracle.Geometry.XRowMajor, x.RowCount, x.ColumnCount, yv, loss, beta, reduced, form);
        return new Instance(program, new ConvexProblem(Dataset.Create(x, yv, "structured"), loss, beta, patterns, blocks));
    }

    /// <summary>Structured data: name, rows, targets, loss.</summary>
    private static readonly Dictionary<string, (double[][] Rows, double[] Y, string Loss)> Structured = new()
    {
        // Every row has x₁ > 0: the all-inactive pattern is a cell (a block with no active row, nothing to add to the coupling).
        ["halfspace"] = ([[1, 0.5], [2, -1], [0.5, 2], [1.5, 0.25], [3, -2], [1, 1.5]], [1, -0.5, 2, 0.25, -1, 1.5], "squared"),
        // One row, one feature: 1×1 data, blocks of one variable and its epigraph.
        ["one by one"] = ([[2]], [3], "squared"),
        // Rank two in three dimensions (x₃ = x₁ + x₂) with a duplicated row.
        ["rank deficient"] = ([[1, 2, 3], [-1, 0.5, -0.5], [2, -1, 1], [0.5, 0.5, 1], [1, 2, 3], [-2, 1, -1]], [1, -1, 1, -1, 1, 1], "logistic"),
        // d = 1 with rows of both signs and a zero row.
        ["one feature"] = ([[1], [-2], [0], [3], [-0.5]], [1, 2, -1, 0.5, -2], "squared"),
    };

    /// <summary>
    /// Structured working sets (a block with no active row, both signs of every pattern, 1×1 data, rank-deficient data with a
    /// duplicated row, one feature with a zero row), solved in each form to the target 1e-10: the point is in the cones and
    /// the THEORY.md §4 certificate of the program restricted to the working set proves it optimal within the target.
    /// </summary>
    [Theory]
    [InlineData("halfspace", "Woodbury")]
    [InlineData("halfspace", "Dense")]
    [InlineData("one by one", "Woodbury")]
    [InlineData("one by one", "Dense")]
    [InlineData("rank deficient", "Woodbury")]
    [InlineData("rank deficient", "Dense")]
    [InlineData("one feature", "Woodbury")]
    [InlineData("one feature", "Dense")]
    public void Structured_working_sets_are_solved_to_a_certified_optimum_in_each_form(string name, string formName)
    {
        var (rows, y, loss) = Structured[name];
        var form = Enum.Parse<NewtonForm>(formName);
        var instance = AllBlocks(rows, y, loss, form);
        var outcome = BarrierSolver.Instance.Solve(instance.Program, Request(1e-10));
        AssertSolved(instance, outcome, 1e-10, $"{name}, {form}, {instance.Program.Blocks.Count} blocks");
    }
}
