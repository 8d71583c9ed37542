using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>One block's value w_b ∈ C_{s_b}.</summary>
public sealed record BlockValue(Block Block, Vector<double> W)
{
    /// <summary>Shortcut for the block's pattern.</summary>
    public ActivationPattern Pattern => Block.Pattern;
    /// <summary>Shortcut for the block's sign γ.</summary>
    public int Sign => Block.Sign;
}

/// <summary>
/// A point W of the convex program (THEORY.md §3), stored sparsely: the listed blocks carry
/// their values, every other block is zero. A block appears at most once.
/// </summary>
public sealed class ConvexPoint
{
    /// <summary>The listed (possibly zero) blocks.</summary>
    public IReadOnlyList<BlockValue> Blocks { get; }
    /// <summary>Input dimension d.</summary>
    public int InputDim { get; }

    /// <summary>Builds W; listing a block twice is an error.</summary>
    public ConvexPoint(IEnumerable<BlockValue> blocks, int inputDim)
    {
        Blocks = blocks.ToList();
        InputDim = inputDim;
        var seen = new HashSet<Block>();
        foreach (var b in Blocks)
        {
            if (b.W.Count != inputDim)
                throw new Data.InvalidInputException($"block {b.Block} has {b.W.Count} entries, expected d = {inputDim}");
            if (!seen.Add(b.Block)) throw new Data.InvalidInputException($"block {b.Block} is listed twice");
        }
    }

    /// <summary>W = 0.</summary>
    public static ConvexPoint Zero(int inputDim) => new([], inputDim);

    /// <summary>The blocks with w_b ≠ 0.</summary>
    public IEnumerable<BlockValue> NonZeroBlocks => Blocks.Where(b => Norms.Euclidean(b.W) > 0);

    /// <summary>
    /// The same point with every row j that a block's pattern contains but whose computed x_j·w_b is zero up to its own
    /// rounding (|x̂_j·w_b| ≤ 2γ_d Σ_k |x_jk w_bk|, which holds with equality at 0 when x_j and w_b have disjoint supports)
    /// left out of that block's pattern, when <paramref name="includes"/> has the
    /// resulting block; blocks that land on the same block are summed (both lie in its closed cone). On the kink w_b lies in
    /// both closed cones, so this is the same prediction up to that rounding (the penalty β Σ‖w_b‖ can only fall where
    /// blocks are summed: ‖w + w′‖ ≤ ‖w‖ + ‖w′‖, 1.5e-4 relative of L on ref02 after one iteration), but its prediction z_j no longer
    /// carries the rounding of terms of size ‖x_j‖‖w_b‖, which the objective's rounding bound B and the dual vector v_j
    /// would otherwise charge (THEORY.md §4.1): on a row of norm 1e6 at the optimum's kink that rounding is 4e-8 of L.
    /// Returns this point when no block changes.
    /// </summary>
    public ConvexPoint WithKinkRowsLeftOut(Matrix<double> x, Func<Block, bool> includes)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(includes);
        double rounding = KinkRounding(x);
        var merged = new Dictionary<Block, Vector<double>>();
        var order = new List<Block>();
        bool changed = false;
        foreach (var b in Blocks)
        {
            var block = KinkFree(x, b, rounding, includes);
            changed |= !block.Equals(b.Block);
            if (merged.TryGetValue(block, out var sum)) merged[block] = sum + b.W;
            else { merged[block] = b.W; order.Add(block); }
        }
        return changed ? new ConvexPoint(order.Select(bl => new BlockValue(bl, merged[bl])), InputDim) : this;
    }

    private static Block KinkFree(Matrix<double> x, BlockValue b, double rounding, Func<Block, bool> includes)
    {
        if (Norms.Euclidean(b.W) == 0) return b.Block;
        var rows = b.Pattern.ToBools();
        bool any = false;
        for (int j = 0; j < rows.Length; j++)
        {
            if (!rows[j]) continue;
            var (dot, magnitude) = PlainProduct(x, j, b.W);
            // A row whose support misses w_b's (every product exactly 0) is on the kink exactly; a zero row is left
            // alone: it charges no rounding (‖x_j‖ = 0), so leaving it out would only change the block.
            if (Math.Abs(dot) <= rounding * magnitude && !IsZeroRow(x, j)) { rows[j] = false; any = true; }
        }
        if (!any) return b.Block;
        var candidate = new Block(ActivationPattern.FromBools(rows), b.Sign);
        return includes(candidate) ? candidate : b.Block;
    }

    /// <summary>
    /// 2γ_d: the computed x̂_j·w of <see cref="PlainProduct"/> is within γ_d Σ_k |x_jk w_k| of the exact one (doubled for the
    /// rounding of that sum), so beyond this fraction of it x̂_j·w has the exact value's sign, and within it w is on the kink.
    /// </summary>
    private static double KinkRounding(Matrix<double> x) => 2 * Numerics.Rounding.Gamma(x.ColumnCount);

    /// <summary>x̂_j·w summed plainly, with Σ_k |x_jk w_k| (the scale of its rounding).</summary>
    private static (double Dot, double Magnitude) PlainProduct(Matrix<double> x, int j, Vector<double> w)
    {
        double dot = 0, magnitude = 0;
        for (int k = 0; k < x.ColumnCount; k++)
        {
            dot += x[j, k] * w[k];
            magnitude += Math.Abs(x[j, k] * w[k]);
        }
        return (dot, magnitude);
    }

    private static bool IsZeroRow(Matrix<double> x, int j)
    {
        for (int k = 0; k < x.ColumnCount; k++)
            if (x[j, k] != 0) return false;
        return true;
    }

    /// <summary>Σ_b γ_b diag(s_b) X w_b (THEORY.md §3).</summary>
    /// <remarks>
    /// Summed in place, block after block in list order (<see cref="Cones.AddMaskedProduct"/>): the same floating-point
    /// operations, so the same bits, as adding each block's masked product vector, without three vectors per block.
    /// </remarks>
    public Vector<double> Predict(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var z = new double[x.RowCount];
        foreach (var b in Blocks)
        {
            if (Norms.Euclidean(b.W) == 0) continue;
            Cones.AddMaskedProduct(x, b.Pattern, b.W, b.Sign, z);
        }
        return Vector<double>.Build.Dense(z);
    }

    /// <summary>
    /// Σ_b γ_b diag(s_b) X w_b summed as in twice the working precision, with a bound e_j on each entry's error (THEORY.md
    /// §4.1, "Predictions summed accurately"): Dot2 of Ogita, Rump and Oishi (2005) — every product x_jk w_bk split exactly
    /// into h + r by an FMA, the h summed by TwoSum with the errors collected — has |ẑ_j − z_j| ≤ u|z_j| + γ_m² Σ|x_jk w_bk|
    /// over the row's m products; e_j = <see cref="AccurateDot.ErrorBound"/> = 2(u|ẑ_j| + γ_m² A_j + m·2^−1074) with A_j the
    /// computed Σ|x_jk w_bk| (the factor 2 covers z_j's own error in u|z_j| and A_j's rounding). Why: where a row's terms cancel (two blocks of opposite signs on a row 3.8e6
    /// long, each term 1e11 and their sum near 0) the plain sum's bound γ_{d+K+1}‖x_j‖Σ_b‖w_b‖ is 1e-5, which alone kept the
    /// objective's rounding bound at 5e-8 of L and no point could be certified at 1e-9; this bound is 1e-19 there.
    /// </summary>
    public (Vector<double> Prediction, double[] Errors) PredictAccurately(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.RowCount;
        var z = new double[n];
        var errors = new double[n];
        for (int j = 0; j < n; j++)
        {
            var row = new AccurateDot();
            foreach (var b in Blocks)
            {
                if (!b.Pattern[j]) continue;
                for (int k = 0; k < b.W.Count; k++) row.Add(b.Sign * x[j, k], b.W[k]);
            }
            z[j] = row.Value;
            errors[j] = row.ErrorBound;
        }
        return (Vector<double>.Build.Dense(z), errors);
    }

    /// <summary>
    /// δ_j ≥ |Σ_b γ_b (σ(x_j·w_b) − s_b(j) x_j·w_b)|: how far the exact prediction of the network ψ(W) can lie from W's own
    /// at row j (THEORY.md §4.1, "Points a hair outside their cones"). A term is 0 when x_j·w_b is on its pattern's side
    /// of 0; otherwise it is the crossing |x_j·w_b|. Where the plain x̂_j·w_b is on the right side beyond its rounding
    /// (<see cref="KinkRounding"/>, the test <see cref="WithKinkRowsLeftOut"/> reads kinks by), the term is 0; elsewhere —
    /// on a kink, or across it — x_j·w_b is summed as in twice the working precision (Dot2, as <see cref="PredictAccurately"/>)
    /// and the term is its crossing plus that sum's error bound, so a block on a kink costs about 10⁻³² of Σ_k |x_jk w_bk|
    /// unless it truly crosses. Why: a point
    /// within the cone tolerance but outside its cones has a convex objective that can undercut P*, and the certificate's
    /// upper side must bound what its network achieves.
    /// </summary>
    public double[] CrossingBounds(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var bounds = new double[x.RowCount];
        double rounding = KinkRounding(x);
        foreach (var b in Blocks)
        {
            if (Norms.Euclidean(b.W) == 0) continue;
            for (int j = 0; j < bounds.Length; j++)
            {
                double side = b.Pattern[j] ? 1 : -1;
                var (dot, magnitude) = PlainProduct(x, j, b.W);
                if (side * dot > rounding * magnitude) continue;
                var accurate = new AccurateDot();
                for (int k = 0; k < x.ColumnCount; k++) accurate.Add(x[j, k], b.W[k]);
                bounds[j] += Math.Max(0, -side * accurate.Value + accurate.ErrorBound);
            }
        }
        return bounds;
    }

    /// <summary>
    /// Σ_b γ_b σ(X w_b): the prediction of the network ψ(W) (THEORY.md §5), whose ReLUs follow the signs of x_j·w_b where
    /// <see cref="Predict"/> follows the patterns; the two agree when every w_b is in its closed cone (§6, "Directions outside
    /// their cones"). Written out rather than through <see cref="Data.Network.Predict"/> of the neurons (w_b, γ_b), which gives
    /// the same sums: building that network (copies, finiteness checks, X Uᵀ) made the whole pipeline of a tiny reference
    /// instance 30 % slower (ref06 f0.5: 29 → 38.5 µs), and every optimal-set reading calls this.
    /// </summary>
    public Vector<double> PredictAsNetwork(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var z = new double[x.RowCount];
        foreach (var b in Blocks)
            for (int j = 0; j < z.Length; j++)
            {
                double pre = 0;
                for (int k = 0; k < b.W.Count; k++) pre += x[j, k] * b.W[k];
                if (pre > 0) z[j] += b.Sign * pre;
            }
        return Vector<double>.Build.Dense(z);
    }

    /// <summary>Σ_b ‖w_b‖₂ (the group-lasso penalty without β).</summary>
    public double GroupNorm() => Blocks.Sum(b => Norms.Euclidean(b.W));

    /// <summary>max_b of the relative cone violation of w_b ∈ C_{s_b} (0 when feasible).</summary>
    public double MaxConeViolation(Matrix<double> x) =>
        Blocks.Count == 0 ? 0 : Blocks.Max(b => Cones.RelativeViolation(x, b.Pattern, b.W));
}
