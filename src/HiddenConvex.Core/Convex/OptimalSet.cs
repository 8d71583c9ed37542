using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Convex;

/// <summary>The optimal set of THEORY.md §6 cannot be described from the given point (its dual vector is too inaccurate).</summary>
public sealed class OptimalSetException(string message) : Exception(message);

/// <summary>An active block of THEORY.md §6: ‖π_b‖ = β at v*, with its unit direction d_b and column γ_b diag(s_b) X d_b.</summary>
public sealed record ActiveBlock(Block Block, Vector<double> Direction, Vector<double> Column, double Price);

/// <summary>
/// The optimal set 𝒲* of THEORY.md §6, read off the dual: with v* = −∇ℓ(z*), the active blocks are
/// those with ‖π_b‖ = β (up to <see cref="Tolerances.Pricing"/>), over ALL blocks — not only the nonzero
/// blocks of one solution — and 𝒲* = {w_b = t_b d_b : t ≥ 0, A t = z*} with A's columns
/// γ_b diag(s_b) X d_b. Every point has objective P*_c and Σ_b t_b = v*·z*/β.
/// </summary>
public sealed partial class OptimalSet
{
    /// <summary>The program.</summary>
    public ConvexProblem Problem { get; }
    /// <summary>The optimal prediction z*.</summary>
    public Vector<double> Z { get; }
    /// <summary>The dual vector v* = −∇ℓ(z*).</summary>
    public Vector<double> V { get; }
    /// <summary>The active blocks in pricing order.</summary>
    public IReadOnlyList<ActiveBlock> Active { get; }
    /// <summary>A = [γ_b diag(s_b) X d_b]_b (n × |active|).</summary>
    public Matrix<double> A { get; }
    /// <summary>rank(A) (singular values above <see cref="RankTolerance"/>·σ_max).</summary>
    public int Rank { get; }
    /// <summary>
    /// A point t ≥ 0 of the polytope {t ≥ 0 : A t = z*}: the non-negative least-squares (Lawson–Hanson) point, or W's own
    /// block norms when the active directions are read off W's own blocks (see <see cref="FromSolution(ConvexProblem, ConvexPoint, double)"/>).
    /// </summary>
    public Vector<double> Point { get; }
    /// <summary>‖A·Point − z*‖ / ‖z*‖: how well the active directions reproduce z* (0 when z* = 0 is reproduced).</summary>
    public double Residual { get; }

    private const double RankTolerance = Tolerances.RelativeRank;

    /// <summary>e_j, the rounding bound of the computed z*_j (THEORY.md §4.1), for the prediction checks.</summary>
    public IReadOnlyList<double> ZRounding => _zRounding;

    private readonly double[] _zRounding;

    /// <summary>L^c_β of the point the set was read from (W restricted to the active blocks): every point of the set is within <see cref="Tolerances.SetObjective"/> of it.</summary>
    private readonly double _referenceObjective;

    /// <summary>A support's coefficient below −this·max|coefficient| is negative: the support carries no point of 𝒲*.</summary>
    private const double NegativeCoefficient = 1e-12;

    private OptimalSet(ConvexProblem problem, Vector<double> z, Vector<double> v, List<ActiveBlock> active, double referenceObjective,
        double[] zRounding, Vector<double>? point = null)
    {
        Problem = problem; Z = z; V = v; Active = active; _referenceObjective = referenceObjective; _zRounding = zRounding;
        int n = z.Count;
        A = active.Count == 0 ? Matrix<double>.Build.Dense(n, 0) : Matrix<double>.Build.DenseOfColumnVectors(active.Select(a => a.Column));
        Rank = active.Count == 0 ? 0 : NumericalRank(A);
        Point = point ?? NonNegativeSolve(A, z);
        Residual = Relative.To(active.Count == 0 ? Norms.Euclidean(z) : Norms.Euclidean(A * Point - z), Norms.Euclidean(z));
    }

    /// <summary>
    /// Builds 𝒲* around an (accurate) optimal point W of the program. The active blocks are those with
    /// ‖π_b(v)‖ ≥ β(1 − <see cref="RoundingActiveMargin"/>) when they pass the checks below, else those with
    /// ‖π_b(v)‖ ≥ β − <see cref="Tolerances.Pricing"/>; when rounding in v puts a truly active block just below
    /// that threshold, the polytope {t ≥ 0 : A t = z*} comes out empty, so the threshold is widened step by step
    /// (<see cref="WidenedActiveMargins"/>) and the first active set whose polytope reproduces z* (entrywise within
    /// <see cref="Tolerances.Prediction"/> at the scale ‖z*‖∞) and whose NNLS point attains L^c_β(W) (within
    /// <see cref="Tolerances.SetObjective"/>) is kept.
    /// </summary>
    /// <exception cref="OptimalSetException">No active set passes both checks: W is not accurate enough to read 𝒲* off
    /// its dual vector (e.g. not certified optimal, or certified only with a coarse gap).</exception>
    public static OptimalSet FromSolution(ConvexProblem problem, ConvexPoint w) =>
        FromSolution(problem, w, Tolerances.DefaultSolverGap);

    /// <summary>
    /// As <see cref="FromSolution(ConvexProblem, ConvexPoint)"/>, for a W certified at relative gap
    /// <paramref name="gapTolerance"/> (THEORY.md §4): W must pass that certificate itself, otherwise there is
    /// no reason to read 𝒲* off its dual vector.
    /// </summary>
    public static OptimalSet FromSolution(ConvexProblem problem, ConvexPoint w, double gapTolerance) =>
        FromSolution(problem, w, gapTolerance, null);

    /// <summary>
    /// As <see cref="FromSolution(ConvexProblem, ConvexPoint, double)"/>, for a W certified at the dual vector of the prediction
    /// <paramref name="dualPrediction"/> (THEORY.md §4.2; W's own when null): the active blocks are read off that dual
    /// vector, which is the more accurate one when W's own misses ε.
    /// </summary>
    public static OptimalSet FromSolution(ConvexProblem problem, ConvexPoint w, double gapTolerance, Vector<double>? dualPrediction)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(w);
        var certificate = problem.Certify(w, dualPrediction);
        if (!(certificate.RelativeGap <= gapTolerance))
            throw new OptimalSetException($"the optimal set cannot be read off this point (THEORY.md §6): its certified relative gap " +
                                          $"{certificate.RelativeGap:E3} exceeds {gapTolerance:E3}");
        var reader = new ActiveSetReader(problem, w, certificate.V, dualPrediction);
        return Read(reader, out string failure)
               ?? throw new OptimalSetException($"the optimal set cannot be read off this point (THEORY.md §6): {failure}");
    }

    /// <summary>
    /// The active set read off the reader's dual vector: the blocks priced within <see cref="RoundingActiveMargin"/> of β, then the
    /// wider <see cref="Thresholds"/>, then W's own blocks whose price rounding cannot tell from β; null with the reason when
    /// none passes the checks.
    /// </summary>
    private static OptimalSet? Read(ActiveSetReader reader, out string failure)
    {
        // Blocks priced at β up to rounding first: a block priced visibly below β is not active (RoundingActiveMargin).
        double beta = reader.Beta;
        double exact = beta * (1 - RoundingActiveMargin);
        failure = "";
        if (reader.TryActiveSet(reader.ActiveAbove(exact), exact, out _) is { } exactSet) return exactSet;
        int lastCount = -1;
        foreach (double threshold in Thresholds(beta))
        {
            var active = reader.ActiveAbove(threshold);
            if (active.Count == lastCount) continue;
            lastCount = active.Count;
            if (reader.TryActiveSet(active, threshold, out failure) is { } set) return set;
        }
        // Last: W's own blocks whose price rounding cannot tell from β (rows of very different norms), with the widest set.
        double widest = WidestThreshold(beta);
        var undetermined = reader.WithOwnBlocksAtBetaUpToRounding(reader.ActiveAbove(widest));
        bool withRounding = undetermined.Count > lastCount;
        if (withRounding && reader.TryActiveSet(undetermined, widest, out failure) is { } roundingSet) return roundingSet;
        failure = $"{failure}; active blocks were tried down to ‖π_b‖ ≥ β(1 − {WidenedActiveMargins[^1]:G2})" +
                  (withRounding ? ", then with W's blocks priced within their rounding of β," : "") +
                  $" with β = {beta:R}, ρ(v) = {reader.Rho:R}";
        return null;
    }

    /// <summary>A point's nonzero blocks summed by block (the oracle's blocks only).</summary>
    private static Dictionary<Block, Vector<double>> OwnBlocks(ConvexProblem problem, ConvexPoint point)
    {
        var own = new Dictionary<Block, Vector<double>>();
        foreach (var bv in point.NonZeroBlocks)
            if (problem.Oracle.Includes(bv.Block))
                own[bv.Block] = own.TryGetValue(bv.Block, out var sum) ? sum + bv.W : bv.W;
        return own;
    }

    /// <summary>A point polished on its own faces (<see cref="FacePolisher.PolishOnOwnFaces"/>), or null when the polish returns nothing.</summary>
    private static ConvexPoint? PolishedOnOwnFaces(ConvexProblem problem, ConvexPoint point)
    {
        var polished = FacePolisher.PolishOnOwnFaces(problem.Data.X, problem.Data.Y, problem.Loss, problem.Beta, OwnBlocks(problem, point));
        return polished is null ? null : new ConvexPoint(polished.Select(p => new BlockValue(p.Block, p.W)), problem.Data.D);
    }

    /// <summary>
    /// Reads candidate active sets off the dual vector of a point W: the blocks priced above the widest threshold once,
    /// then, for one threshold, the polytope of THEORY.md §6 with its directions from the dual or from W's own blocks.
    /// </summary>
    private sealed class ActiveSetReader
    {
        private readonly ConvexProblem _problem;
        private readonly ConvexPoint _w;
        private readonly double _objective;
        private readonly double[] _v;
        private readonly IReadOnlyList<PricedBlock> _priced;
        private readonly Dictionary<Block, Vector<double>> _own;
        private readonly Vector<double>? _dualPrediction;

        /// <summary>The dual vector the active set is read from: the certificate's, v = −∇ℓ(z_W) or the certifying dual point's.</summary>
        public Vector<double> V { get; }

        public ActiveSetReader(ConvexProblem problem, ConvexPoint w, Vector<double> v, Vector<double>? dualPrediction = null)
        {
            _problem = problem; _w = w; _dualPrediction = dualPrediction;
            _objective = problem.Objective(w);
            V = v;
            _v = V.AsArray() ?? V.ToArray();
            double beta = problem.Beta;
            double widest = WidestThreshold(beta);
            if (!problem.Oracle.ListsEveryBlock)
                throw new OptimalSetException(
                    $"the optimal set is not read with {problem.Oracle.Method} pricing (THEORY.md §6 needs every block priced near β, " +
                    "and this oracle lists only some of them)");
            _priced = problem.Oracle.BlocksAbove(V, Math.Min(widest, beta - Tolerances.Pricing.At(beta))).Blocks;
            _own = OwnBlocks(problem, w);
        }

        /// <summary>
        /// The given active blocks and W's own blocks b whose computed price is within its rounding bound r_b of β
        /// (THEORY.md §6, "Active blocks in floating point"): ‖π_b(v̂)‖ ≥ β(1 − <see cref="WidenedActiveMargins"/>[^1]) − r_b,
        /// r_b = Σ_{j ∈ D_b} ℓ''_max e_j ‖x_j‖ with e_j the rounding bound of W's prediction (§4.1). Next to a row thousands
        /// of times longer than the others, r_b can exceed β: the price of such a block says nothing, and only the
        /// polytope's checks decide.
        /// </summary>
        public List<Block> WithOwnBlocksAtBetaUpToRounding(List<Block> active)
        {
            var errors = _problem.PredictionRounding(_w);
            var priceRounding = new double[errors.Length];
            for (int j = 0; j < errors.Length; j++) priceRounding[j] = _problem.Loss.CurvatureBound * errors[j] * RowNorms[j];
            double widest = WidestThreshold(_problem.Beta);
            var result = new List<Block>(active);
            var listed = active.ToHashSet();
            foreach (var block in _own.Keys)
            {
                if (listed.Contains(block)) continue;
                double margin = 0;
                for (int j = 0; j < errors.Length; j++)
                    if (block.Pattern[j]) margin += priceRounding[j];
                _problem.Oracle.Geometry.Projection(block, _v, out double price);
                if (price >= widest - margin) result.Add(block);
            }
            return result;
        }

        /// <summary>β of the program.</summary>
        public double Beta => _problem.Beta;

        /// <summary>ρ(v) at the dual vector the set is read from.</summary>
        public double Rho => _problem.Oracle.Price(V).Rho;

        /// <summary>The priced blocks with ‖π_b‖ ≥ threshold, in the oracle's order.</summary>
        public List<Block> ActiveAbove(double threshold) => _priced.Where(p => p.Value >= threshold).Select(p => p.Block).ToList();

        /// <summary>
        /// 𝒲* over the given active blocks without those another of them shadows (<see cref="ShadowingBlocks"/>), read from W
        /// with its weight on them moved to the blocks that shadow them (<see cref="WithShadowedWeightMoved"/>), or, when that
        /// set fails its checks or its directions are not stationary (<see cref="HasStationaryDirections"/>) while those of
        /// the set over all of them are, over all of them (<see cref="TryActiveSetOf"/>); null with the reason. Why the
        /// second try: next to near-duplicate rows 2 000 long, W's weight 1.5e-5 on a shadowed block could not be polished
        /// away within the set's objective tolerance, and the set with it passes every check; next to a row 3 001 long, the
        /// shadowing block's direction was 2.3e-7 off the face where the shadowed one lies, the weight moved to it shifted
        /// z*_j on that row by 1.1e-5, and at that z* the direction's neuron had Clarke measure 1.8× the threshold (the set
        /// with both blocks: 1.7e-5×).
        /// </summary>
        public OptimalSet? TryActiveSet(List<Block> active, double threshold, out string failure)
        {
            var shadowing = ShadowingBlocks(active);
            if (shadowing.Count == 0) return TryActiveSetOf(active, threshold, _w, out failure);
            var unshadowed = active.Where(b => !shadowing.ContainsKey(b)).ToList();
            var withoutShadowed = TryActiveSetOf(unshadowed, threshold, WithShadowedWeightMoved(shadowing), out failure);
            if (withoutShadowed is { HasStationaryDirections: true }) return withoutShadowed;
            var withAll = TryActiveSetOf(active, threshold, _w, out string allFailure);
            if (withAll is { HasStationaryDirections: true } || withoutShadowed is null)
            {
                failure = allFailure;
                return withAll;
            }
            return withoutShadowed;
        }

        /// <summary>
        /// W with its weight on each shadowed block b moved to the block b' that shadows it, along b''s direction
        /// (<see cref="DirectionOf"/>), where W's own w_b is on the kink of every row the two patterns differ on
        /// (|x_j·w_b| ≤ <see cref="Tolerances.Kink"/>): the two directions then differ by about that kink radius, the
        /// penalty does not grow (‖‖w_b‖d_b' + w_b'‖ ≤ ‖w_b‖ + ‖w_b'‖) and the set's objective check bounds the change of the
        /// prediction. Why along d_b': added as it is, w_b tilts b''s neuron off both faces (near-duplicate rows 4 243 long,
        /// the two directions 5e-8 apart: the merged neuron's Clarke measure was 0.14 against 3.4e-4). Elsewhere W is
        /// unchanged, and its weight on a shadowed block not on those kinks is dropped with the blocks below the threshold.
        /// </summary>
        private ConvexPoint WithShadowedWeightMoved(Dictionary<Block, Block> shadowing)
        {
            var moved = new Dictionary<Block, Vector<double>>();
            var order = new List<Block>();
            foreach (var bv in _w.NonZeroBlocks)
            {
                double norm = Norms.Euclidean(bv.W);
                bool move = shadowing.TryGetValue(bv.Block, out var by)
                            && DiffersOnlyOnKinks(bv.Block, (_problem.Data.X * bv.W).ToArray(), norm, by);
                var block = move ? by! : bv.Block;
                var w = move ? norm * DirectionOf(by!) : bv.W;
                if (moved.TryGetValue(block, out var sum)) moved[block] = sum + w;
                else { moved[block] = w; order.Add(block); }
            }
            return new ConvexPoint(order.Select(b => new BlockValue(b, moved[b])), _w.InputDim);
        }

        /// <summary>
        /// 𝒲* over the given active blocks, or null with the reason (the first candidate that passes the checks and whose
        /// directions are stationary, else the first that passes the checks): blocks W leaves nonzero but that price below the
        /// threshold are off the support of 𝒲*, so W restricted to the active blocks is the point 𝒲* is read from,
        /// provided that does not raise the objective — or, when it does, that restriction polished on its own faces
        /// (<see cref="FacePolisher.PolishOnOwnFaces"/>) is, provided that attains L^c_β(W). Why: with β small, a point
        /// certified at gap G may carry weight up to G/(βδ) on a block priced β(1 − δ) (THEORY.md §6), which the
        /// active blocks take over at the optimum.
        /// </summary>
        private OptimalSet? TryActiveSetOf(List<Block> active, double threshold, ConvexPoint from, out string failure)
        {
            var activeSet = active.ToHashSet();
            var kept = new ConvexPoint(from.NonZeroBlocks.Where(bv => activeSet.Contains(bv.Block)), _problem.Data.D);
            double keptObjective = _problem.Objective(kept);
            if (keptObjective - _objective > Tolerances.SetObjective.At(_objective))
            {
                var polished = PolishedOnOwnFaces(_problem, kept);
                double polishedObjective = polished is null ? double.NaN : _problem.Objective(polished);
                if (!(polishedObjective - _objective <= Tolerances.SetObjective.At(_objective)))
                {
                    failure = $"dropping the blocks of W priced below β(1 − {1 - threshold / _problem.Beta:G2}) raises the objective from {_objective:R} to {keptObjective:R}" +
                              (polished is null ? "" : $" ({polishedObjective:R} polished on its own faces)");
                    return null;
                }
                (kept, keptObjective) = (polished!, polishedObjective);
            }
            var ownKept = OwnBlocks(_problem, kept);
            var x = _problem.Data.X;
            var z = kept.Predict(x);
            var zRounding = _problem.PredictionRounding(kept);
            var v = -_problem.Loss.Gradient(z, _problem.Data.Y);
            // Directions π_b(v)/β with a Lawson–Hanson point first (THEORY.md §6 as written). When rows of very different
            // norms make π_b ill-conditioned in v, or many nearly dependent columns limit Lawson–Hanson, W's own block
            // directions and norms are a point of the polytope exact to rounding (for an optimal W, w_b ∥ π_b(v*)).
            var dual = active.Select(b => ActiveBlockOf(b, null)).ToList();
            var primal = active.Select(b => ActiveBlockOf(b, ownKept)).ToList();
            var own = Vector<double>.Build.Dense(primal.Count, i => ownKept.TryGetValue(active[i], out var wb) ? Norms.Euclidean(wb) : 0);
            failure = "";
            OptimalSet? consistent = null;
            foreach (var (blocks, point) in new[] { (dual, (Vector<double>?)null), (primal, own), (primal, null) })
            {
                var set = new OptimalSet(_problem, z, v, blocks, keptObjective, zRounding, point);
                failure = set.Inconsistency();
                if (failure.Length > 0) continue;
                if (set.HasStationaryDirections) return set;
                consistent ??= set;
            }
            if (AtTheReadersPrediction(dual, keptObjective) is { } atReaders) return atReaders;
            if (consistent is not null) failure = "";
            return consistent;
        }

        /// <summary>
        /// The set read at the prediction z_V whose dual vector V the directions were read at (the certificate's dual
        /// prediction z′ of THEORY.md §4.2, else W's own) instead of at the point it was read from: z* = z_V, the directions
        /// π_b(V), the NNLS point of A t = z_V; kept only when it passes the checks and its directions are stationary. Tried
        /// when no set read at that point has stationary directions. Why: next to rows 4.6e4 long (logistic, seed
        /// 2270000026's T3), W certified at 8e-16 carried weights of 1e-4 relative on three blocks priced below the
        /// threshold; W without them predicted z_j on a long row 1e-4 off W, its v priced the directions read at W's v at
        /// 1.0004β, and a network of that set had Clarke measure 1.6× the threshold.
        /// </summary>
        private OptimalSet? AtTheReadersPrediction(List<ActiveBlock> dual, double referenceObjective)
        {
            var z = _dualPrediction ?? _w.Predict(_problem.Data.X);
            var set = new OptimalSet(_problem, z, V, dual, referenceObjective, _dualPrediction is null ? _problem.PredictionRounding(_w) : new double[z.Count]);
            return set.Inconsistency().Length == 0 && set.HasStationaryDirections ? set : null;
        }

        /// <summary>
        /// The listed blocks that another listed block shadows, each with one that shadows it (THEORY.md §6, "Blocks on an
        /// active direction's kink rows", its converse): b' of b's sign whose pattern differs from b's only on rows where
        /// d_b is on the kink (|x_j·d_b| ≤ <see cref="Tolerances.Kink"/>) while d_b' is off the kink of one of them prices
        /// strictly above b at this v (its direction differs from d_b), so b is not active along d_b. When both directions
        /// are on the kink of every row where the patterns differ, the two blocks hold one direction and neither shadows
        /// the other.
        /// </summary>
        private Dictionary<Block, Block> ShadowingBlocks(List<Block> active)
        {
            var directions = active.Select(DualDirection).ToList();
            var products = directions.Select(d => (_problem.Data.X * d).ToArray()).ToList();
            bool Differ(int of, int from) => DiffersOnlyOnKinks(active[of], products[of], Norms.Euclidean(directions[of]), active[from]);
            var shadowing = new Dictionary<Block, Block>();
            for (int i = 0; i < active.Count; i++)
                for (int k = 0; k < active.Count; k++)
                    if (k != i && Differ(i, k) && !Differ(k, i))
                    {
                        shadowing[active[i]] = active[k];
                        break;
                    }
            return shadowing;
        }

        /// <summary>
        /// <paramref name="other"/> has b's sign and its pattern differs from b's only on rows j whose product x_j·d (given
        /// for every row, with ‖d‖) is on the kink (<see cref="Tolerances.Kink"/>).
        /// </summary>
        private bool DiffersOnlyOnKinks(Block b, double[] products, double norm, Block other)
        {
            if (other.Sign != b.Sign || other.Equals(b)) return false;
            for (int j = 0; j < products.Length; j++)
                if (b.Pattern[j] != other.Pattern[j] && Math.Abs(products[j]) > Tolerances.Kink.At(RowNorms[j] * norm))
                    return false;
            return true;
        }

        private double[] RowNorms => _rowNorms ??= Enumerable.Range(0, _problem.Data.N).Select(j => Norms.OfRow(_problem.Data.X, j)).ToArray();
        private double[]? _rowNorms;

        /// <summary>The unit direction of W's own block b, or π_b(v)/‖π_b(v)‖ when W does not use b.</summary>
        private Vector<double> DirectionOf(Block block) => Direction(block, _own, out _);

        /// <summary>π_b(v)/‖π_b(v)‖.</summary>
        private Vector<double> DualDirection(Block block) => Direction(block, null, out _);

        /// <summary>
        /// The unit direction of b in <paramref name="own"/> when given and it holds b with a nonzero sum, else
        /// π_b(v)/‖π_b(v)‖; with the price ‖π_b(v)‖ either way.
        /// </summary>
        private Vector<double> Direction(Block block, Dictionary<Block, Vector<double>>? own, out double price)
        {
            var pi = _problem.Oracle.Geometry.Projection(block, _v, out price);
            return own is not null && own.TryGetValue(block, out var wb) && Norms.Euclidean(wb) > 0
                ? wb / Norms.Euclidean(wb)
                : Vector<double>.Build.DenseOfArray(pi) / price;
        }

        /// <summary>
        /// Active block b with its direction d_b: π_b(v)/‖π_b(v)‖ (= π_b/β on an active block), or, when
        /// <paramref name="own"/> is given and W uses b, the unit direction of W's own block.
        /// </summary>
        private ActiveBlock ActiveBlockOf(Block block, Dictionary<Block, Vector<double>>? own)
        {
            var dir = Direction(block, own, out double norm);
            return new ActiveBlock(block, dir, Arrangements.Cones.MaskedProduct(_problem.Data.X, block.Pattern, dir) * block.Sign, norm);
        }
    }

    /// <summary>
    /// Relative margins below β tried, in order, after the <see cref="Tolerances.Pricing"/> threshold when the polytope
    /// is empty. A near-active block b used in 𝒲* costs at most t_b‖π_b‖(1 − ‖π_b‖/β) above P*_c, which the
    /// objective check bounds.
    /// </summary>
    public static readonly double[] WidenedActiveMargins = [1e-6, 1e-5];

    /// <summary>
    /// Relative margin below β within which a block is first taken as active, about a thousand times the rounding of
    /// a computed price; only when no such active set reproduces z* and attains the objective are the blocks within
    /// <see cref="Tolerances.Pricing"/> (then <see cref="WidenedActiveMargins"/>) taken. A block priced δ below β in
    /// exact arithmetic is not active, and within <see cref="Tolerances.Pricing"/> it is invisible to the objective
    /// (cost t_b β δ), yet a neuron along its direction on a cone face has Clarke measure about |α| β √(2δ)
    /// (THEORY.md §7): 2.9e-4 at δ = 5.8e-8, far above <see cref="Tolerances.Stationarity"/>.
    /// </summary>
    public const double RoundingActiveMargin = 1e-12;

    /// <summary>β(1 − the widest of <see cref="WidenedActiveMargins"/>): the lowest price at which a block is read as active.</summary>
    private static double WidestThreshold(double beta) => beta * (1 - WidenedActiveMargins[^1]);

    private static IEnumerable<double> Thresholds(double beta)
    {
        double tight = beta - Tolerances.Pricing.At(beta);
        yield return tight;
        foreach (double m in WidenedActiveMargins)
            if (beta * (1 - m) < tight) yield return beta * (1 - m);
    }

    /// <summary>
    /// Every active direction, as the unit neuron (d_b, γ_b), is Clarke ε-stationary at z* (THEORY.md §7, "The optimal set's
    /// directions are stationary" in §6): ∂L/∂u and ∂L/∂α of a neuron (s d_b, s γ_b) of any network of 𝒲* are s times the
    /// unit neuron's at the shared prediction z*, and ‖θ‖ = √2 ‖s‖, so a network of 𝒲* (split, padded) is ε-stationary
    /// when each unit neuron's share is ≤ <see cref="Tolerances.Stationarity"/> at √2(β + ‖X‖₂‖∇ℓ(z*)‖), the gradient
    /// scale of one unit neuron. Every point of the exact 𝒲* is optimal, hence stationary; a set read in floating point whose
    /// directions are not is the worse reading (<see cref="ActiveSetReader.TryActiveSet"/>).
    /// </summary>
    internal bool HasStationaryDirections => _stationaryDirections ??= DirectionsAreStationary();
    private bool? _stationaryDirections;

    private bool DirectionsAreStationary()
    {
        var x = Problem.Data.X;
        var g = -V;
        var rowNorms = Enumerable.Range(0, x.RowCount).Select(j => Norms.OfRow(x, j)).ToArray();
        double worst = 0;
        foreach (var a in Active)
        {
            var e = NeuronClarkeSet.Smallest(a.Direction, a.Block.Sign, x * a.Direction, x, g, rowNorms, Problem.Beta, Tolerances.Kink);
            worst = Math.Max(worst, double.Hypot(e.AlphaPartial, e.UNorm));
        }
        // The threshold at max_j ‖x_j‖ ≤ ‖X‖₂ ≤ ‖X‖_F decides without the SVD of X unless the measure falls between the two.
        double Threshold(double xNorm) => Tolerances.Stationarity.At(Math.Sqrt(2) * (Problem.Beta + xNorm * Norms.Euclidean(g)));
        if (worst <= Threshold(rowNorms.Max())) return true;
        if (worst > Threshold(x.FrobeniusNorm())) return false;
        return worst <= Threshold(x.L2Norm());
    }

    /// <summary>
    /// Empty when the NNLS point reproduces z* (as A t, and as the network ψ of that point, THEORY.md §6 "Directions outside
    /// their cones") and attains the (certified) objective of the point 𝒲* was read from; else why not.
    /// </summary>
    private string Inconsistency()
    {
        double objective = _referenceObjective;
        double scale = Z.AbsoluteMaximum();
        var point = ToPoint(Point);
        var rounding = Problem.PredictionRounding(point);
        double deviation = DeviationBeyondRounding(point.Predict(Problem.Data.X), rounding);
        if (deviation > Tolerances.Prediction.At(scale))
            return $"with {Active.Count} active blocks A t reproduces z* only to {deviation:E3} beyond the rounding bounds of §4.1 " +
                   $"(Tolerances.Prediction {Tolerances.Prediction}, scale {scale:E3})";
        double l = PointObjective;
        if (l - objective > Tolerances.SetObjective.At(objective))
            return $"with {Active.Count} active blocks the NNLS point has objective {l:R} above {objective:R} (Tolerances.SetObjective {Tolerances.SetObjective})";
        // ψ's ReLUs follow the signs of x_j·w_b where A t follows the patterns: they differ by t_b |x_j·d_b| where d_b is outside its cone.
        double networkDeviation = DeviationBeyondRounding(point.PredictAsNetwork(Problem.Data.X), rounding);
        if (networkDeviation > Tolerances.Prediction.At(scale))
            return $"with {Active.Count} active blocks ψ of the NNLS point predicts z* only to {networkDeviation:E3} beyond the rounding bounds of §4.1: " +
                   $"a direction is outside its cone (THEORY.md §6, \"Directions outside their cones\"; Tolerances.Prediction {Tolerances.Prediction}, scale {scale:E3})";
        return "";
    }

    /// <summary>
    /// max_j (|ẑ_j(t) − z*_j| − e_j(t) − e_j(z*)): how far the prediction of a point of the set misses z* beyond what rounding
    /// in the two computed predictions explains (THEORY.md §4.1; next to a row 10⁵ long carrying a block of norm 10³ on its
    /// hyperplane each is computed only to about 10⁻⁸).
    /// </summary>
    private double DeviationBeyondRounding(ConvexPoint point) =>
        DeviationBeyondRounding(point.Predict(Problem.Data.X), Problem.PredictionRounding(point));

    /// <summary>max_j (|z_j − z*_j| − e_j − e_j(z*)) for a prediction z computed with the rounding bounds e.</summary>
    private double DeviationBeyondRounding(Vector<double> z, double[] rounding)
    {
        double worst = 0;
        for (int j = 0; j < z.Count; j++) worst = Math.Max(worst, Math.Abs(z[j] - Z[j]) - rounding[j] - _zRounding[j]);
        return worst;
    }

    /// <summary>The convex point w_b = t_b d_b (zero entries of t give no block).</summary>
    public ConvexPoint ToPoint(Vector<double> t)
    {
        if (t.Count != Active.Count) throw new ArgumentException($"t has {t.Count} entries, there are {Active.Count} active blocks");
        var blocks = new List<BlockValue>();
        for (int i = 0; i < t.Count; i++)
            if (t[i] > 0) blocks.Add(new BlockValue(Active[i].Block, Active[i].Direction * t[i]));
        return new ConvexPoint(blocks, Problem.Data.D);
    }

    /// <summary>
    /// Carathéodory pruning (THEORY.md §6): while the columns of A on supp(t) are dependent, move along
    /// a null vector c (oriented so some c_b &gt; 0) by the largest τ keeping t ≥ 0, zeroing an entry.
    /// Ends at a vertex with |supp| ≤ rank(A) ≤ n.
    /// </summary>
    public Vector<double> Prune(Vector<double> t)
    {
        var r = t.Clone();
        for (int guard = 0; guard <= t.Count; guard++)
        {
            var support = Enumerable.Range(0, r.Count).Where(i => r[i] > 0).ToArray();
            if (support.Length == 0) break;
            var sub = Matrix<double>.Build.DenseOfColumnVectors(support.Select(i => A.Column(i)));
            var c = NullVector(sub);
            if (c is null) break;
            if (c.Maximum() <= 0) c = -c;
            double tau = double.PositiveInfinity;
            int hit = -1;
            for (int k = 0; k < support.Length; k++)
                if (c[k] > 0 && r[support[k]] / c[k] < tau) { tau = r[support[k]] / c[k]; hit = k; }
            for (int k = 0; k < support.Length; k++) r[support[k]] = Math.Max(0, r[support[k]] - tau * c[k]);
            r[support[hit]] = 0;
        }
        return r;
    }

    /// <summary>
    /// m* exactly: the smallest support of a point of 𝒲*, by trying supports of increasing size with
    /// independent columns (a smaller dependent support would prune to a smaller independent one).
    /// Sizes are searched from 1 up to rank(A) with no point known in advance (<see cref="SearchMinimumSupport"/> stops
    /// below the support of a known point, and is anytime). Returns null when more than <paramref name="maxSupports"/> supports would have to be tried: a size is
    /// searched only when all its C(|active|, size) supports fit in what is left of the budget, so a hopeless search
    /// (hundreds of active blocks) is refused at once instead of after spending the whole budget.
    /// </summary>
    public (int MStar, Vector<double> T)? MinimumSupport(long maxSupports = 2_000_000)
    {
        var search = new SupportSearch(this, new MinimumSupportLimits(maxSupports, WholeSizesOnly: true), known: null, stopBelowKnown: false).Run();
        return search.Exact && search.Stop is not (MinimumSupportStop.SupportLimit or MinimumSupportStop.TimeLimit) ? (search.AtMost, search.T) : null;
    }

    /// <summary>
    /// The m* search of THEORY.md §6 within limits, anytime: supports of increasing size are tried (independent columns
    /// only, as in <see cref="MinimumSupport"/>) until one carries a point of 𝒲*, every size below the best known
    /// support is excluded, or a limit is reached. What is proven when it stops is the bracket
    /// <see cref="MinimumSupportBounds.AtLeast"/> ≤ m* ≤ <see cref="MinimumSupportBounds.AtMost"/>: at least one more than
    /// the largest size all of whose supports were excluded, at most the support of the point returned (the first
    /// support found, else <paramref name="known"/> or the pruned <see cref="Point"/>).
    /// Each support S is tested on the Gram matrix G = AᵀA and b = Aᵀz* computed once (O(|S|³): Cholesky of the
    /// column-normalised G_SS, coefficients c, residual² = ‖z*‖² − 2cᵀb_S + cᵀG_SS c); it is rejected there only when
    /// it is clearly not a point of 𝒲* (well conditioned and a clearly negative coefficient or a residual far above the
    /// tolerance); every other support is decided by the exact test (thin QR of A_S, SVD of its R: the rank test and the
    /// least-squares coefficients of <see cref="MinimumSupport"/>).
    /// </summary>
    public MinimumSupportBounds SearchMinimumSupport(MinimumSupportLimits limits, Vector<double>? known = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new SupportSearch(this, limits, known, stopBelowKnown: true).Run();
    }

    /// <summary>
    /// A random point of 𝒲*: a random convex combination (Dirichlet(1) weights) of the stored point and of
    /// vertices of the polytope {t ≥ 0 : A t = z*}. A vertex is found by Lawson–Hanson on randomly rescaled
    /// columns, t = D s with s = argmin_{s ≥ 0} ‖A D s − z*‖: the scaling changes which column enters first and
    /// so which vertex is reached. A vertex that does not reproduce z* entrywise within
    /// <see cref="Tolerances.Prediction"/>, or whose objective is not within <see cref="Tolerances.SetObjective"/> of L^c_β(W) (<see cref="RandomVertex"/>), is
    /// left out; 𝒲* is convex, so the result is in it.
    /// </summary>
    public Vector<double> Sample(Random rng, int vertices = 4)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var points = new List<Vector<double>> { Point };
        for (int i = 0; i < vertices; i++)
            if (RandomVertex(rng) is { } vertex) points.Add(vertex);
        var weights = points.Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        double total = weights.Sum();
        var t = Vector<double>.Build.Dense(Active.Count);
        for (int i = 0; i < points.Count; i++) t += points[i] * (weights[i] / total);
        return t;
    }

    /// <summary>
    /// The Lawson–Hanson vertex for column scales e^{U(−2, 2)}, or null when it misses z* or its objective exceeds L^c_β(W)
    /// by more than <see cref="Tolerances.SetObjective"/> — the test <see cref="Inconsistency"/> applies to the stored point.
    /// Why the objective too: an active block priced at β(1 − δ) costs δβ per unit of t_b more than its share of v*·z*, so a vertex that loads it heavily (t_b in the thousands next to near-duplicate rows) lies above P*
    /// (measured 6e-9 relative). The objective is convex, so a mix of accepted points stays within the tolerance.
    /// </summary>
    private Vector<double>? RandomVertex(Random rng)
    {
        var scale = Vector<double>.Build.Dense(Active.Count, _ => Math.Exp(4 * (rng.NextDouble() - 0.5)));
        var t = NonNegativeSolve(A * Matrix<double>.Build.DiagonalOfDiagonalVector(scale), Z).PointwiseMultiply(scale);
        if (DeviationBeyondRounding(ToPoint(t)) > Tolerances.Prediction.At(Z.AbsoluteMaximum())) return null;
        return Problem.Objective(ToPoint(t)) - _referenceObjective <= Tolerances.SetObjective.At(_referenceObjective) ? t : null;
    }

    private double? _pointObjective;

    /// <summary>L^c_β of the stored point, computed once.</summary>
    private double PointObjective => _pointObjective ??= Problem.Objective(ToPoint(Point));

    private static int NumericalRank(Matrix<double> m)
    {
        if (m.ColumnCount == 0) return 0;
        var s = m.Svd(false).S;
        return s.Count(v => v > RankTolerance * s[0]);
    }

    /// <summary>
    /// The unit null vector of m with the smallest singular value (the most nearly exact: an exact one when m has more
    /// columns than rows), or null when the columns are independent.
    /// </summary>
    private static Vector<double>? NullVector(Matrix<double> m)
    {
        var basis = NullBasis(m);
        return basis.ColumnCount == 0 ? null : basis.Column(basis.ColumnCount - 1);
    }

    private static Matrix<double> NullBasis(Matrix<double> m)
    {
        int cols = m.ColumnCount;
        // A tall m has the null space and singular values of its thin QR factor R (cols × cols): no n×n U is formed.
        var svd = (m.RowCount > cols ? m.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).R : m).Svd(true);
        var s = svd.S;
        int rank = s.Count(v => v > RankTolerance * s[0]);
        if (rank >= cols) return Matrix<double>.Build.Dense(cols, 0);
        return svd.VT.SubMatrix(rank, cols - rank, 0, cols).Transpose();
    }

    /// <summary>argmin_{t ≥ 0} ‖A t − z‖ by Lawson–Hanson (the cone-projection NNLS with the columns of A as rows).</summary>
    private static Vector<double> NonNegativeSolve(Matrix<double> a, Vector<double> z)
    {
        int k = a.ColumnCount, n = a.RowCount;
        if (k == 0) return Vector<double>.Build.Dense(0);
        var rows = a.Transpose().ToRowMajorArray();
        var projector = new ConeProjector(rows, k, n);
        var signs = Enumerable.Repeat(1.0, k).ToArray();
        var g = (-z).ToArray();
        projector.Project(signs, g, new double[n]);
        return Vector<double>.Build.DenseOfArray(projector.Multipliers());
    }

}
