using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// High-accuracy polishing on an identified support (THEORY.md §6). From a dual vector v near v*, the
/// active blocks are those with ‖π_b(v)‖ ≈ β and the face of C_{s_b} that holds π_b is read off the
/// Lawson–Hanson passive set. On those faces the program is smooth: with w_b = N_b y_b (N_b an
/// orthonormal basis of the face's span) it is F(y) = ℓ(Σ_b γ_b diag(s_b) X N_b y_b) + β Σ_b ‖y_b‖,
/// minimised by damped Newton (Levenberg–Marquardt regularised: along 𝒲* the Hessian is singular).
/// Points are kept feasible for every row of every cone; the certificate of §4 judges the result.
/// </summary>
internal static class FacePolisher
{
    /// <summary>Relative distance of ‖π_b‖ below β within which a block is treated as active (the smallest margin used).</summary>
    private const double ActiveMargin = 1e-6;

    /// <summary>
    /// The largest automatic active margin: the margin is 10·|ρ(v)/β − 1| clamped to [<see cref="ActiveMargin"/>, this], so a
    /// point far from v* does not make every block a candidate.
    /// </summary>
    private const double MaxActiveMargin = 1e-3;

    /// <summary>Blocks priced below this fraction of β are never candidates (they cannot be active near v*).</summary>
    private const double CandidateFraction = 0.5;

    /// <summary>An active block without a start value starts at this fraction of its unit direction π_b/‖π_b‖ (it then grows by Newton).</summary>
    private const double ColdStartLength = 1e-3;

    /// <summary>
    /// A step in the quadratic region that moves the prediction z by at most this times max_j Σ|terms of z_j| ends the polish:
    /// z (hence v* = −∇ℓ(z)) is converged (relative to the magnitude of the terms summed into z, so unchanged by units), and along 𝒲* (a singular Hessian) Newton would only wander for the
    /// remaining steps without changing z or F.
    /// </summary>
    private const double PredictionConverged = 1e-15;

    /// <summary>A block whose ‖y_b‖ falls below this times the largest one has left the support.</summary>
    private const double DropRatio = 1e-10;

    /// <summary>
    /// Largest face set (Σ_b rank of its face, the Newton system's size) polished. The system is dense: its Hessian
    /// has MaxVariables² entries (32 MB) and a Cholesky step costs ≈ MaxVariables³/3 flops (≈ 0.7 s here). A point
    /// whose dual vector prices tens of thousands of blocks near β is no identified support (THEORY.md §6): the
    /// polish is skipped there rather than allocating (Σ rank)² doubles, which overflows an array's length beyond
    /// 46 340 variables.
    /// </summary>
    internal const int MaxVariables = 2000;

    /// <summary>
    /// Blocks the start leaves below this times the largest start block are dropped before the polish (with
    /// <c>dropEmpty</c>): they sit at the kink ‖y_b‖ = 0 where Newton crawls.
    /// </summary>
    private const double EmptyStartRatio = DropRatio * 1e4;

    /// <summary>‖∇F‖ ≤ this·|F|: the gradient is at the rounding of F, the polish is done.</summary>
    private const double GradientAtRounding = 1e-15;

    /// <summary>A Newton decrement λ² ≤ this·|F| is below the rounding of F (λ² ≈ 2(F − F*)): nothing left to gain.</summary>
    private const double DecrementAtRounding = 1e-30;

    /// <summary>A Newton step shorter than this times ‖y‖ is at rounding level: once accepted the polish has converged.</summary>
    private const double StepAtRounding = 1e-15;

    /// <summary>Line-search trial steps shorter than this times ‖y‖ equal the current point to rounding: the search stops.</summary>
    private const double TrialStepFloor = 1e-16;

    /// <summary>Armijo's sufficient-decrease fraction of the line search.</summary>
    private const double Armijo = 1e-4;

    /// <summary>λ² ≤ this·|F| marks the quadratic-convergence region, where F's decrease is below its rounding.</summary>
    private const double QuadraticRegionDecrement = 1e-10;

    /// <summary>Relative rounding of F (a few ulps) within which a full step in the quadratic region is accepted.</summary>
    private const double ValueRounding = 4e-16;

    /// <summary>Halvings of the line search.</summary>
    private const int LineSearchSteps = 50;

    /// <summary>A cone row violated by more than this (relative to ‖x_j‖‖w_b‖), and more than at the start, makes a trial infeasible.</summary>
    private const double FeasibilitySlack = 1e-13;

    /// <summary>Singular values of the face rows below this times the largest count as zero (the face's dimension).</summary>
    private const double FaceRankTolerance = 1e-12;

    /// <summary>Levenberg–Marquardt shift μ/max diag H of the first Newton solve, its growth per failed Cholesky, and its largest value.</summary>
    private const double FirstShift = 1e-13, ShiftGrowth = 1e3, LargestShift = 1e-7;

    private sealed class FaceBlock
    {
        public required Block Block;
        public int Sign => Block.Sign;
        public required double[] Signs;
        public required Matrix<double> Basis; // d×r
        public required double[] Y;
        // Flat row-major n×r arrays: these products run in every Newton and line-search step, and on small
        // programs allocating MathNet vectors for them cost more than the arithmetic.
        public double[] Prediction = null!; // γ diag(s) X N: z = Σ_b Prediction_b y_b
        public double[] Constraints = null!; // diag(2s − 1) X N, row-normalised: must stay ≥ 0
        public double StartViolation; // relative cone violation of the start (its projection on the face may cross a row)
        public int Rank => Y.Length;
    }

    /// <summary>
    /// Polishes around the current point. <paramref name="start"/> gives w_b for blocks of the current solution; active
    /// blocks without a value start from a small multiple of π_b. Returns the polished point as (block, w_b) pairs, or null
    /// when nothing is active or the face set has more than <see cref="MaxVariables"/> variables. <paramref name="activeMargin"/> overrides the relative margin below min(β, ρ(v)) within which
    /// a block is a candidate.
    /// </summary>
    public static List<(Block Block, Vector<double> W)>? Polish(IPricingOracle oracle, Matrix<double> x, Vector<double> y,
        Loss loss, double beta, Vector<double> v, IReadOnlyDictionary<Block, Vector<double>> start, bool dropEmpty = true, int maxSteps = 30,
        double? activeMargin = null)
    {
        var polished = PolishOn(CandidateFaces(oracle, x, beta, v, start, activeMargin, keepStartSupport: false),
            x, y, loss, beta, start, dropEmpty, maxSteps, out double value);
        if (polished is not null && !(value > StartObjective(x, y, loss, beta, start) * (1 + StartLost))) return polished;
        // The polish ended above the start: the margin left out blocks that carry the start's mass (next to near-duplicate
        // rows v can price an active block 1e-5 below β while ρ(v)/β − 1 is 1e-9), and dropping their mass cost more
        // than Newton gained. Polished again with the start's support kept, the better of the two is returned.
        // First only the start's blocks priced near β: a start block priced far below β belongs to no optimum, and Newton
        // would crawl at its kink while it keeps the others' duals off v* (a zero row next to two crossing rows leaves
        // blocks of norm 1e-7 priced 5 % below β that hold the active block's price 2e-5 below β).
        foreach (double floor in new[] { NearStartFraction, CandidateFraction })
        {
            var kept = PolishOn(CandidateFaces(oracle, x, beta, v, start, activeMargin, keepStartSupport: true, startFloor: floor),
                x, y, loss, beta, start, dropEmpty, maxSteps, out double keptValue);
            if (kept is not null && (polished is null || keptValue < value)) (polished, value) = (kept, keptValue);
        }
        return polished;
    }

    /// <summary>
    /// Start blocks priced at least this fraction of min(β, ρ(v)) are kept in the first retry with the start's support
    /// (1 − <see cref="MaxActiveMargin"/>: the widest margin an active block of a near-optimal v is read within).
    /// </summary>
    private const double NearStartFraction = 1 - MaxActiveMargin;

    /// <summary>
    /// Polish on the faces the start point itself sits on (THEORY.md §6), for when its dual vector is too inaccurate to read
    /// them: every start block carrying at least <see cref="EmptyStartRatio"/> of the largest one keeps its pattern, and its
    /// face is spanned by the rows its w_b nearly meets, |x_j·w_b| ≤ <see cref="OwnFaceRatio"/>·‖x_j‖‖w_b‖ (next to a row a
    /// million times longer than the others the barrier's dual prices that row's block far above β, while its primal point
    /// already lies within 1e-4 of the optimum's face). Returns null when no block is left.
    /// </summary>
    public static List<(Block Block, Vector<double> W)>? PolishOnOwnFaces(Matrix<double> x, Vector<double> y, Loss loss, double beta,
        IReadOnlyDictionary<Block, Vector<double>> start, int maxSteps = 30)
    {
        int n = x.RowCount;
        double largest = start.Count == 0 ? 0 : start.Values.Max(w => Norms.Euclidean(w));
        var blocks = new List<FaceBlock>();
        foreach (var (block, w0) in start)
        {
            double mass = Norms.Euclidean(w0);
            if (mass == 0 || mass < EmptyStartRatio * largest) continue;
            var faceRows = Enumerable.Range(0, n)
                .Where(j => Math.Abs(x.Row(j).DotProduct(w0)) <= OwnFaceRatio * Norms.OfRow(x, j) * mass && Norms.OfRow(x, j) > 0).ToArray();
            if (OnFace(x, block, faceRows, w0) is { } face) blocks.Add(face);
        }
        return PolishOn(blocks, x, y, loss, beta, start, dropEmpty: false, maxSteps, out _);
    }

    /// <summary>
    /// A row is on a start block's own face when |x_j·w_b| ≤ this·‖x_j‖‖w_b‖ (<see cref="PolishOnOwnFaces"/>): where the
    /// barrier's last point already lies (measured: 1e-4 puts the blocks of two orthogonal rows of norms 3e-5 and 3e6 on
    /// the optimum's face; 1e-2 and 1e-6 certified no more instances of the soaks' widely scaled data).
    /// </summary>
    private const double OwnFaceRatio = 1e-4;

    /// <summary>A polished F above the start's objective by more than this (relative) means the face set lost start mass.</summary>
    private const double StartLost = 1e-12;

    /// <summary>Newton on the given faces; the polished point and its F, or null when nothing is left to polish.</summary>
    private static List<(Block Block, Vector<double> W)>? PolishOn(List<FaceBlock>? blocks, Matrix<double> x, Vector<double> y, Loss loss,
        double beta, IReadOnlyDictionary<Block, Vector<double>> start, bool dropEmpty, int maxSteps, out double value)
    {
        value = double.PositiveInfinity;
        if (blocks is null) return null;
        // Blocks the start point leaves (numerically) empty are priced just below β: they sit at the
        // kink ‖y_b‖ = 0 where Newton crawls, so they are left out (the certificate re-checks them).
        double startLargest = blocks.Count == 0 ? 0 : blocks.Max(bk => Norm(bk.Y));
        if (dropEmpty) blocks.RemoveAll(bk => start.ContainsKey(bk.Block) && Norm(bk.Y) < EmptyStartRatio * startLargest);
        if (blocks.Count == 0 || blocks.Sum(bk => (long)bk.Rank) > MaxVariables) return null;
        foreach (var bk in blocks)
        {
            Precompute(bk, x);
            bk.StartViolation = Violation(bk);
        }
        NewtonOnFaces(blocks, x, y, loss, beta, maxSteps);
        value = Value(blocks, x, y, loss, beta);
        return blocks.Select(bk => (bk.Block, bk.Basis * Vector<double>.Build.DenseOfArray(bk.Y))).ToList();
    }

    /// <summary>L^c_β of the start point (THEORY.md §3): ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖.</summary>
    private static double StartObjective(Matrix<double> x, Vector<double> y, Loss loss, double beta, IReadOnlyDictionary<Block, Vector<double>> start)
    {
        var w = new ConvexPoint(start.Select(kv => new BlockValue(kv.Key, kv.Value)), x.ColumnCount);
        return loss.Value(w.Predict(x), y) + beta * w.GroupNorm();
    }

    /// <summary>
    /// The candidate blocks with their faces read off v: the blocks priced within the active margin below min(β, ρ(v)).
    /// The margin also covers how far ρ(v) itself is from β: a point priced below β (a certified point whose v is short of
    /// v*) is read relative to ρ(v), otherwise a small certified gap can leave no block at all to polish. ρ(v) comes first
    /// (<see cref="IPricingOracle.Price(MathNet.Numerics.LinearAlgebra.Vector{double})"/>), then only the blocks above the threshold are listed. Null as soon as the
    /// blocks without a start value (which the polish never drops) exceed <see cref="MaxVariables"/> face variables, or when
    /// the oracle does not list every block above the threshold (<see cref="IPricingOracle.ListsEveryBlock"/>).
    /// </summary>
    private static List<FaceBlock>? CandidateFaces(IPricingOracle oracle, Matrix<double> x, double beta, Vector<double> v,
        IReadOnlyDictionary<Block, Vector<double>> start, double? activeMargin, bool keepStartSupport, double startFloor = CandidateFraction)
    {
        // A face read off some of the blocks near β only (an oracle that does not list them all) is not v*'s face.
        if (!oracle.ListsEveryBlock) return null;
        var vArr = v.AsArray() ?? v.ToArray();
        var blocks = new List<FaceBlock>();
        double rho = oracle.Price(v).Rho;
        if (!(rho >= CandidateFraction * beta)) return blocks;
        double margin = activeMargin ?? Math.Clamp(10 * Math.Abs(rho / beta - 1), ActiveMargin, MaxActiveMargin);
        double threshold = Math.Min(beta, rho) * (1 - margin);
        long withoutStart = 0;
        var listed = new HashSet<Block>();
        bool Add(Block block)
        {
            listed.Add(block);
            var (pi, norm, faceRows) = oracle.Geometry.Face(block, vArr);
            Vector<double> w0 = start.TryGetValue(block, out var w) && Norms.Euclidean(w) > 0
                ? w
                : Vector<double>.Build.DenseOfArray(pi) * (ColdStartLength / Math.Max(norm, Tolerances.ZeroNorm));
            if (OnFace(x, block, faceRows, w0) is not { } face) return true;
            if (!start.ContainsKey(block) && (withoutStart += face.Rank) > MaxVariables) return false;
            blocks.Add(face);
            return true;
        }
        foreach (var candidate in oracle.BlocksAbove(v, Math.Max(threshold, CandidateFraction * beta)).Blocks)
            if (candidate.Value >= threshold && !Add(candidate.Block)) return null;
        if (!keepStartSupport) return blocks;
        // The start's support: every block priced above startFloor·min(β, ρ(v)) (and CandidateFraction·β), whatever the
        // margin, that carries at least EmptyStartRatio of the largest start block's mass or prices near β.
        double startLargest = start.Count == 0 ? 0 : start.Values.Max(w => Norms.Euclidean(w));
        foreach (var (block, w) in start)
        {
            double mass = Norms.Euclidean(w);
            if (listed.Contains(block) || !oracle.Includes(block) || mass == 0) continue;
            oracle.Geometry.Projection(block, vArr, out double value);
            // A start block priced near β is kept however light: along rows a thousand times longer than the others an
            // active block carries 5e-7 of the largest block's mass (its price is then 1e-5 below β until Newton settles it).
            bool nearBeta = value >= NearStartFraction * Math.Min(beta, rho);
            if (!nearBeta && mass < EmptyStartRatio * startLargest) continue;
            if (value >= startFloor * Math.Min(beta, rho) && value >= CandidateFraction * beta) Add(block);
        }
        return blocks;
    }

    /// <summary>
    /// Damped Newton on F over the faces, in place: a Levenberg–Marquardt step, a line search that keeps every cone row,
    /// and blocks driven to zero dropped (F is not smooth there).
    /// </summary>
    private static void NewtonOnFaces(List<FaceBlock> blocks, Matrix<double> x, Vector<double> y, Loss loss, double beta, int maxSteps)
    {
        double f = Value(blocks, x, y, loss, beta);
        for (int step = 0; step < maxSteps; step++)
        {
            var (grad, hess) = Derivatives(blocks, x, y, loss, beta);
            if (Norms.Euclidean(grad) <= GradientAtRounding * Math.Abs(f)) break;
            var dir = RegularisedNewtonStep(hess, grad);
            double decrease = -grad.DotProduct(dir);
            // λ² ≈ 2(F − F*): below the rounding of F there is nothing left to gain.
            if (!(decrease > DecrementAtRounding * Math.Abs(f))) break;
            var (moved, converged) = LineSearch(blocks, x, y, loss, beta, dir, decrease, ref f);
            if (!moved) break;
            // A block driven to zero has left the support: drop it (F is not smooth there).
            double largest = blocks.Max(o => Norm(o.Y));
            blocks.RemoveAll(bk => Norm(bk.Y) <= DropRatio * largest);
            f = Value(blocks, x, y, loss, beta);
            if (converged) break;
        }
    }

    /// <summary>
    /// Backtracking along the Newton direction from the current y (restored when no step is taken). Accepts Armijo's
    /// decrease, or, in the quadratic region, the full step when F changes below its rounding (z still gains digits that F
    /// cannot show). Converged: the step or its change of z is at rounding level.
    /// </summary>
    private static (bool Moved, bool Converged) LineSearch(List<FaceBlock> blocks, Matrix<double> x, Vector<double> y, Loss loss,
        double beta, Vector<double> dir, double decrease, ref double f)
    {
        double yNorm = Math.Sqrt(blocks.Sum(bk => Dot(bk.Y, bk.Y)));
        double dirNorm = Norms.Euclidean(dir);
        bool tinyStep = dirNorm <= StepAtRounding * yNorm;
        // Judged at F before the step (the Armijo branch re-judges it at the accepted F).
        bool quadratic = decrease <= QuadraticRegionDecrement * Math.Abs(f);
        var saved = blocks.Select(bk => bk.Y).ToList();
        double alpha = 1;
        for (int ls = 0; ls < LineSearchSteps; ls++, alpha *= 0.5)
        {
            // Shorter trial points equal the current one to rounding: nothing left to find.
            if (alpha * dirNorm <= TrialStepFloor * yNorm) break;
            SetTrial(blocks, saved, dir, alpha);
            if (!Feasible(blocks)) continue;
            double f1 = Value(blocks, x, y, loss, beta);
            if (f1 <= f - Armijo * alpha * decrease)
            {
                f = f1;
                return (true, decrease <= QuadraticRegionDecrement * Math.Abs(f) && PredictionUnchanged(blocks, saved, x));
            }
            if (alpha == 1 && f1 <= f + ValueRounding * Math.Abs(f) && quadratic)
                return (true, tinyStep || PredictionUnchanged(blocks, saved, x));
        }
        for (int i = 0; i < blocks.Count; i++) blocks[i].Y = saved[i];
        return (false, false);
    }

    /// <summary>y_b = saved_b + α·dir_b for every block (dir stacked in block order).</summary>
    private static void SetTrial(List<FaceBlock> blocks, List<double[]> saved, Vector<double> dir, double alpha)
    {
        int o = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            var trial = new double[blocks[i].Rank];
            for (int c = 0; c < trial.Length; c++) trial[c] = saved[i][c] + alpha * dir[o + c];
            blocks[i].Y = trial;
            o += trial.Length;
        }
    }

    /// <summary>
    /// −(H + μI)⁻¹ g with μ = 1e-13·max diag H (Levenberg–Marquardt: along 𝒲* H is singular). When rounding makes
    /// the Cholesky factorisation fail, μ grows by 1e3 up to 1e-7·max diag H before the (much slower) SVD is used.
    /// </summary>
    private static Vector<double> RegularisedNewtonStep(Matrix<double> hess, Vector<double> grad)
    {
        double scale = Math.Max(hess.Diagonal().AbsoluteMaximum(), Tolerances.ZeroNorm);
        for (double mu = FirstShift; mu <= LargestShift; mu *= ShiftGrowth)
        {
            var shifted = hess.Clone();
            for (int i = 0; i < shifted.RowCount; i++) shifted[i, i] += mu * scale;
            try { return -shifted.Cholesky().Solve(grad); }
            catch (ArgumentException) { }
        }
        var last = hess.Clone();
        for (int i = 0; i < last.RowCount; i++) last[i, i] += FirstShift * scale;
        return -last.Svd(true).Solve(grad);
    }

    /// <summary>
    /// A block on the face spanned by the given rows, started at w0 projected onto it; null when the face is {0} or w0 has
    /// no component on it (nothing to polish there).
    /// </summary>
    private static FaceBlock? OnFace(Matrix<double> x, Block block, int[] faceRows, Vector<double> w0)
    {
        var signs = BlockGeometry.Signs(block.Pattern);
        var basis = FaceBasis(x, signs, faceRows, x.ColumnCount);
        if (basis.ColumnCount == 0) return null;
        var y0 = basis.TransposeThisAndMultiply(w0).ToArray();
        if (Norm(y0) == 0) return null;
        return new FaceBlock
        {
            Block = block, Signs = signs, Basis = basis, Y = y0,
        };
    }

    /// <summary>Orthonormal basis of {u : a_j·u = 0 for the face rows} (the face's linear span).</summary>
    internal static Matrix<double> FaceBasis(Matrix<double> x, double[] signs, int[] faceRows, int d)
    {
        if (faceRows.Length == 0) return Matrix<double>.Build.DenseIdentity(d);
        var a = Matrix<double>.Build.Dense(faceRows.Length, d, (i, k) => signs[faceRows[i]] * x[faceRows[i], k]);
        var svd = a.Svd(true);
        double top = svd.S[0];
        int rank = svd.S.Count(s => s > FaceRankTolerance * top);
        if (rank >= d) return Matrix<double>.Build.Dense(d, 0);
        return svd.VT.SubMatrix(rank, d - rank, 0, d).Transpose();
    }

    /// <summary>The fixed linear maps of a block on its face: prediction and (row-normalised) cone rows.</summary>
    private static void Precompute(FaceBlock bk, Matrix<double> x)
    {
        int n = x.RowCount, d = x.ColumnCount, r = bk.Rank;
        bk.Prediction = new double[n * r];
        bk.Constraints = new double[n * r];
        for (int j = 0; j < n; j++)
        {
            double rn = 0;
            for (int k = 0; k < d; k++) rn += x[j, k] * x[j, k];
            rn = Math.Sqrt(rn);
            for (int c = 0; c < r; c++)
            {
                double xn = 0;
                for (int k = 0; k < d; k++) xn += x[j, k] * bk.Basis[k, c];
                if (bk.Signs[j] > 0) bk.Prediction[j * r + c] = bk.Sign * xn;
                if (rn > 0) bk.Constraints[j * r + c] = bk.Signs[j] / rn * xn;
            }
        }
    }

    /// <summary>
    /// ‖z(y) − z(y_saved)‖∞ ≤ <see cref="PredictionConverged"/>·max_j Σ_b |P_b[j,·]|·|y_b|: the change is
    /// below the rounding of z itself, which grows with the terms summed into z (many blocks of large ‖y_b‖ whose
    /// predictions cancel leave a rounding floor well above ε‖z‖, and Newton along the singular directions of 𝒲*
    /// moves z by that much at every step).
    /// </summary>
    private static bool PredictionUnchanged(List<FaceBlock> blocks, List<double[]> saved, Matrix<double> x)
    {
        int n = x.RowCount;
        var change = new double[n];
        var magnitude = new double[n];
        for (int i = 0; i < blocks.Count; i++)
        {
            var bk = blocks[i];
            int r = bk.Rank;
            for (int j = 0; j < n; j++)
                for (int c = 0; c < r; c++)
                {
                    double p = bk.Prediction[j * r + c];
                    change[j] += p * (bk.Y[c] - saved[i][c]);
                    magnitude[j] += Math.Abs(p * bk.Y[c]);
                }
        }
        // max_j Σ |terms| ≥ ‖z‖∞, so the scale covers ε‖z‖∞ as well.
        return MaxAbs(change) <= PredictionConverged * MaxAbs(magnitude);
    }

    private static double[] Predict(List<FaceBlock> blocks, int n)
    {
        var z = new double[n];
        foreach (var bk in blocks)
        {
            int r = bk.Rank;
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < r; c++) s += bk.Prediction[j * r + c] * bk.Y[c];
                z[j] += s;
            }
        }
        return z;
    }

    private static double Value(List<FaceBlock> blocks, Matrix<double> x, Vector<double> y, Loss loss, double beta) =>
        loss.Value(Vector<double>.Build.Dense(Predict(blocks, x.RowCount)), y) + beta * blocks.Sum(bk => Norm(bk.Y));

    /// <summary>Every w_b = N_b y_b satisfies all rows of its cone (to rounding at the scale ‖x_j‖‖w_b‖).</summary>
    private static bool Feasible(List<FaceBlock> blocks)
    {
        // A start that crosses a row by rounding must not freeze the line search: the violation may not grow.
        foreach (var bk in blocks)
            if (Violation(bk) > Math.Max(FeasibilitySlack, bk.StartViolation)) return false;
        return true;
    }

    /// <summary>max_j (−a_j·w/‖a_j‖)_+ / ‖w‖ for w = N y.</summary>
    private static double Violation(FaceBlock bk)
    {
        double yn = Norm(bk.Y);
        if (yn == 0) return 0;
        int r = bk.Rank, n = bk.Constraints.Length / r;
        double lowest = double.PositiveInfinity;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int c = 0; c < r; c++) s += bk.Constraints[j * r + c] * bk.Y[c];
            lowest = Math.Min(lowest, s);
        }
        return Math.Max(0, -lowest / yn);
    }

    /// <summary>Gradient and Hessian of F in the stacked face coordinates.</summary>
    private static (Vector<double> Grad, Matrix<double> Hess) Derivatives(List<FaceBlock> blocks, Matrix<double> x,
        Vector<double> y, Loss loss, double beta)
    {
        int n = x.RowCount;
        var z = Vector<double>.Build.Dense(Predict(blocks, n));
        var gl = loss.Gradient(z, y);
        var hl = loss.HessianDiagonal(z, y);
        int total = blocks.Sum(bk => bk.Rank);
        // The stacked prediction map M (n × total, row-major): ∇F = Mᵀ∇ℓ + β y/‖y‖, ∇²F = Mᵀ diag(∇²ℓ) M + blocks.
        var m = new double[n * total];
        int o = 0;
        foreach (var bk in blocks)
        {
            int r = bk.Rank;
            for (int j = 0; j < n; j++)
                for (int c = 0; c < r; c++) m[j * total + o + c] = bk.Prediction[j * r + c];
            o += r;
        }
        var grad = new double[total];
        var hess = new double[total * total];
        for (int j = 0; j < n; j++)
        {
            double gj = gl[j], hj = hl[j];
            int row = j * total;
            for (int a = 0; a < total; a++)
            {
                double ma = m[row + a];
                if (ma == 0) continue;
                grad[a] += ma * gj;
                double hma = hj * ma;
                for (int b = a; b < total; b++) hess[a * total + b] += hma * m[row + b];
            }
        }
        for (int a = 0; a < total; a++)
            for (int b = a + 1; b < total; b++) hess[b * total + a] = hess[a * total + b];
        o = 0;
        foreach (var bk in blocks)
        {
            int r = bk.Rank;
            double yn = Norm(bk.Y);
            for (int i = 0; i < r; i++)
            {
                double yi = bk.Y[i] / yn;
                grad[o + i] += beta * yi;
                for (int k = 0; k < r; k++) hess[(o + i) * total + o + k] += beta * ((i == k ? 1 : 0) - yi * bk.Y[k] / yn) / yn;
            }
            o += r;
        }
        // Symmetric, so the row-major array is also its column-major storage.
        return (Vector<double>.Build.DenseOfArray(grad), Matrix<double>.Build.Dense(total, total, hess));
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (double v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
