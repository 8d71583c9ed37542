using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// The convex program of THEORY.md §3: min over W ∈ 𝒲 of ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖, over the blocks
/// its pricing oracle finds (THEORY.md §4). Immutable and validated (β &gt; 0, targets fit the loss, the oracle belongs
/// to the data).
/// </summary>
public sealed class ConvexProblem
{
    /// <summary>The data (X, y).</summary>
    public Dataset Data { get; }
    /// <summary>The loss ℓ with its scale.</summary>
    public Loss Loss { get; }
    /// <summary>The regularisation β &gt; 0.</summary>
    public double Beta { get; }

    /// <summary>
    /// How the program's blocks are found and priced: the exact enumeration of S(X), a sample, a block subset (a
    /// subsampled program, THEORY.md §7), or an oracle without enumeration. Certificates bound P*_c itself only when
    /// <see cref="IPricingOracle.BoundsFullProgram"/>.
    /// </summary>
    public IPricingOracle Oracle { get; }

    /// <summary>The enumerated pattern set the program ranges over, or null when the oracle does not enumerate.</summary>
    public PatternSet? Patterns => (Oracle as EnumeratedPricing)?.Patterns;

    /// <summary>Validates and builds the problem over the 2p blocks of a pattern set.</summary>
    public ConvexProblem(Dataset data, Loss loss, double beta, PatternSet patterns)
        : this(data, loss, beta, EnumeratedOracle(data, patterns, null)) { }

    /// <summary>
    /// Validates and builds the restricted problem over the given blocks (their patterns must be in the set): every other
    /// block is fixed at zero, so certificates price only these blocks and bound the restricted program, not P*_c.
    /// </summary>
    public ConvexProblem(Dataset data, Loss loss, double beta, PatternSet patterns, IEnumerable<Block> blocks)
        : this(data, loss, beta, EnumeratedOracle(data, patterns, blocks ?? throw new ArgumentNullException(nameof(blocks)))) { }

    /// <summary>Validates and builds the problem over the blocks of a pricing oracle.</summary>
    public ConvexProblem(Dataset data, Loss loss, double beta, IPricingOracle oracle)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Beta = Guard.PositiveBeta(beta);
        Oracle = oracle ?? throw new ArgumentNullException(nameof(oracle));
        loss.ValidateTargets(data.Y, data.Source);
        InvalidInputException.Require(oracle.N == data.N && oracle.D == data.D,
            $"the pricing oracle is for n = {oracle.N}, d = {oracle.D} but the data has n = {data.N}, d = {data.D}");
    }

    private static EnumeratedPricing EnumeratedOracle(Dataset data, PatternSet patterns, IEnumerable<Block>? blocks)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(patterns);
        InvalidInputException.Require(patterns.N == data.N, $"pattern set is for n = {patterns.N} rows but the data has {data.N}");
        return new EnumeratedPricing(data.X, patterns, blocks?.Distinct());
    }

    /// <summary>True when certificates of this program bound P*_c itself (THEORY.md §4): the oracle covers all of S(X).</summary>
    public bool BoundsFullProgram => Oracle.BoundsFullProgram;

    /// <summary>All 2p blocks of the enumerated pattern set: (s, +1) and (s, −1) for each pattern, in pattern order.</summary>
    public IEnumerable<Block> AllBlocks()
    {
        var patterns = Patterns ?? throw new InvalidOperationException("the program's blocks are not enumerated");
        foreach (var c in patterns.Cells)
        {
            yield return new Block(c.Pattern, +1);
            yield return new Block(c.Pattern, -1);
        }
    }

    /// <summary>L^c_β(W) = ℓ(Σ_b γ_b diag(s_b) X w_b) + β Σ_b ‖w_b‖ (THEORY.md §3). Feasibility is not checked here.</summary>
    public double Objective(ConvexPoint w) =>
        Loss.Value(w.Predict(Data.X), Data.Y) + Beta * w.GroupNorm();

    /// <summary>
    /// The independent certificate of a convex point W (THEORY.md §4): objective L^c_β(W), priced by this program's
    /// oracle (for a block subset, only those blocks: the restricted dual).
    /// </summary>
    public Certificate Certify(ConvexPoint w) => Certify(w, null);

    /// <summary>
    /// The certificate of W at a dual point (THEORY.md §4.2: every v gives a lower bound −ℓ*(−t v) with t ρ̄(v) ≤ β):
    /// objective L^c_β(W) with its rounding bound, lower bound at v = −∇ℓ(z′) for the prediction z′ =
    /// <paramref name="dualPrediction"/>, or at W's own v when that is null (<see cref="Certify(ConvexPoint)"/>). The prediction
    /// is summed plainly; when the objective's rounding bound B then exceeds <see cref="Tolerances.AccuratePredictionAbove"/>·|L̂|,
    /// the certificate is computed again from the prediction summed accurately (<see cref="ConvexPoint.PredictAccurately"/>,
    /// THEORY.md §4.1) and the one proving the smaller gap is returned: both are proofs, and where a long row's terms cancel
    /// only the second can meet ε.
    /// </summary>
    public Certificate Certify(ConvexPoint w, Vector<double>? dualPrediction) =>
        WithAccuratePrediction(Certify(w, dualPrediction, aim: null), w, dualPrediction);

    /// <summary>
    /// <paramref name="plain"/> (W's certificate at <paramref name="dualPrediction"/> from the plainly summed prediction), or,
    /// when its objective's rounding bound B exceeds <see cref="Tolerances.AccuratePredictionAbove"/>·|L̂|, the better of it and
    /// the certificate from the prediction summed accurately (<see cref="ConvexPoint.PredictAccurately"/>, THEORY.md §4.1).
    /// </summary>
    internal Certificate WithAccuratePrediction(Certificate plain, ConvexPoint w, Vector<double>? dualPrediction)
    {
        if (!(plain.ObjectiveRounding > Tolerances.AccuratePredictionAbove * Math.Abs(plain.Objective))) return plain;
        var (z, errors) = w.PredictAccurately(Data.X);
        var accurate = CertificateOf(w, z, errors, dualPrediction, aim: null);
        return accurate.ProvenGap < plain.ProvenGap ? accurate : plain;
    }

    /// <summary>
    /// The certificate of W at a dual point from the plainly summed prediction, for a caller that only needs to know whether
    /// it meets ε = <paramref name="aim"/> (the solver's stopping test): an anytime oracle may then stop its search once that
    /// is decided (<see cref="CertificateChecker.DecidingRho"/>). What is proven is computed the same way. The solver's
    /// iterations judge their points with this; a solve that would end uncertified tries <see cref="Certify(ConvexPoint, Vector{double})"/>
    /// last.
    /// </summary>
    public Certificate Certify(ConvexPoint w, Vector<double>? dualPrediction, double? aim)
    {
        ArgumentNullException.ThrowIfNull(w);
        return CertificateOf(w, w.Predict(Data.X), PredictionRounding(w), dualPrediction, aim);
    }

    /// <summary>
    /// W's certificate from its computed prediction z with the per-row error bounds e_j of z (THEORY.md §4.1). The objective's
    /// bound B is taken with e_j + δ_j (<see cref="ConvexPoint.CrossingBounds"/>), so that L̂ + B bounds the objective of the
    /// network ψ(W) too, which is at least P*_c whatever W is: for W in its cones δ = 0 and B is §4.1's; for a point a hair
    /// outside them (within the solver's cone tolerance) L^c_β(W) itself can undercut P*_c ("Points a hair outside their
    /// cones").
    /// </summary>
    private Certificate CertificateOf(ConvexPoint w, Vector<double> z, IReadOnlyList<double> rowErrors, Vector<double>? dualPrediction, double? aim)
    {
        double penalty = Beta * w.GroupNorm(), objective = Loss.Value(z, Data.Y) + penalty;
        var crossings = w.CrossingBounds(Data.X);
        var errors = new double[rowErrors.Count];
        for (int j = 0; j < errors.Length; j++) errors[j] = rowErrors[j] + crossings[j];
        double rounding = RoundingBound.Objective(Loss, z, Data.Y, errors, penalty, PenaltyTerms(w), objective);
        return CertificateChecker.ForPrediction(Data, Loss, Beta, Oracle, dualPrediction ?? z, objective, rounding, aim);
    }

    /// <summary>The penalty β Σ_b ‖w_b‖ has K(d + 1) terms.</summary>
    private long PenaltyTerms(ConvexPoint w) => (long)w.Blocks.Count * (Data.D + 1);

    /// <summary>
    /// e_j, a bound on the rounding error of the computed prediction ẑ_j of W (THEORY.md §4.1): z_j sums the K blocks whose
    /// pattern contains row j, and |x_j·w_b| ≤ ‖x_j‖‖w_b‖.
    /// </summary>
    public double[] PredictionRounding(ConvexPoint w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var rowMagnitudes = new double[Data.N];
        foreach (var b in w.Blocks)
        {
            double norm = Norms.Euclidean(b.W);
            for (int j = 0; j < rowMagnitudes.Length; j++)
                if (b.Pattern[j]) rowMagnitudes[j] += norm;
        }
        return RoundingBound.PredictionErrors(Data.X, w.Blocks.Count, j => rowMagnitudes[j]);
    }
}
