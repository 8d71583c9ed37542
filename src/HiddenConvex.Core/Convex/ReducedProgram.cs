using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Convex;

/// <summary>
/// One block of a reduced program: its block (pattern s, sign γ), the irredundant rows (facets) of its cone
/// C_s = {u : a_j·u ≥ 0} and a unit direction strictly inside the cone.
/// </summary>
internal sealed class ReducedBlock
{
    /// <summary>The block (s, γ).</summary>
    public Block Block { get; }
    /// <summary>γ_b.</summary>
    public int Sign => Block.Sign;
    /// <summary>Rows with s_j = 1.</summary>
    public int[] ActiveRows { get; }
    /// <summary>Facet rows a_j = (2s_j − 1) x_j, row-major f×d.</summary>
    public double[] Facets { get; }
    /// <summary>Number of facets f.</summary>
    public int FacetCount { get; }
    /// <summary>A unit vector with a_j·u &gt; 0 on every facet.</summary>
    public double[] Interior { get; }

    private ReducedBlock(Block block, int[] activeRows, double[] facets, int facetCount, double[] interior)
    {
        Block = block; ActiveRows = activeRows; Facets = facets; FacetCount = facetCount; Interior = interior;
    }

    /// <summary>Relative threshold under which a row counts as implied by the others (‖Π_{C'}(−a_j)‖ ≤ this·‖a_j‖).</summary>
    private const double RedundancyTolerance = 1e-11;

    /// <summary>
    /// Builds the block from its cell's witness (an interior direction) and drops redundant rows: a_j is implied by a set
    /// of rows iff a_j·u ≥ 0 on their cone C', i.e. max_{u∈C',‖u‖≤1} −a_j·u = ‖Π_{C'}(−a_j)‖ = 0 (Farkas).
    /// <para>
    /// Two passes, each projection on a cone of few rows (a projection scans every row of its cone, and testing each of n
    /// rows against the other n − 1 cost O(n² d) per block: 0.9 s of a 5 s solve at n = 400, d = 2). Forward, in the order
    /// of the rows' normalised margins a_j·u/‖a_j‖ at the witness (the facets, nearest the boundary, come first): a row
    /// implied by the rows kept so far is implied by all rows and is dropped. Backward over the kept rows, one at a time
    /// as before: a kept row implied by the other kept rows still kept is dropped (a later row may imply an earlier one).
    /// Each drop removes a row implied by rows that stay, so the cone is unchanged, also with duplicate rows.
    /// </para>
    /// </summary>
    public static ReducedBlock Create(BlockGeometry geometry, Block block, Vector<double> witness)
    {
        int n = geometry.N, d = geometry.D;
        var x = geometry.XRowMajor;
        var signs = BlockGeometry.Signs(block.Pattern);
        var candidates = RowsByMargin(x, n, d, signs, witness);
        var g = new double[d];
        var q = new double[d];
        var a = new double[d];
        var kept = new List<int>();
        ConeProjector? keptCone = null;
        double[] all = [];
        foreach (int j in candidates)
        {
            if (keptCone is not null && IsImplied(keptCone, all, FacetRow(x, d, signs, j, a), g, q)) continue;
            kept.Add(j);
            keptCone = new ConeProjector(FacetRows(x, d, signs, kept), kept.Count, d);
            all = Enumerable.Repeat(1.0, kept.Count).ToArray();
        }
        var cone = keptCone ?? new ConeProjector([], 0, d);
        var still = Enumerable.Repeat(1.0, kept.Count).ToArray();
        for (int i = 0; i < kept.Count; i++)
        {
            still[i] = 0;
            if (!IsImplied(cone, still, FacetRow(x, d, signs, kept[i], a), g, q)) still[i] = 1;
        }
        var irredundant = kept.Where((_, i) => still[i] != 0).Order().ToArray();
        var facets = FacetRows(x, d, signs, irredundant);
        var active = Enumerable.Range(0, n).Where(j => signs[j] > 0).ToArray();
        var interior = InteriorDirection(witness, facets, irredundant.Length, d);
        return new ReducedBlock(block, active, facets, irredundant.Length, interior);
    }

    /// <summary>The nonzero rows, by increasing normalised margin (2s_j − 1) x_j·u/‖x_j‖ at the witness u (ties by index).</summary>
    private static int[] RowsByMargin(double[] x, int n, int d, double[] signs, Vector<double> witness)
    {
        var margins = new double[n];
        var rows = new int[n];
        int count = 0;
        for (int j = 0; j < n; j++)
        {
            double rn = 0, au = 0;
            for (int k = 0; k < d; k++) { rn += x[j * d + k] * x[j * d + k]; au += x[j * d + k] * witness[k]; }
            if (rn == 0) continue;
            margins[count] = signs[j] * au / Math.Sqrt(rn);
            rows[count++] = j;
        }
        Array.Sort(margins, rows, 0, count, Comparer<double>.Default);
        // Array.Sort is not stable: equal margins back in index order, so that the kept rows do not depend on the sort.
        for (int start = 0; start < count;)
        {
            int end = start + 1;
            while (end < count && margins[end] == margins[start]) end++;
            Array.Sort(rows, start, end - start);
            start = end;
        }
        return rows[..count];
    }

    /// <summary>a_j = (2s_j − 1) x_j into a.</summary>
    private static double[] FacetRow(double[] x, int d, double[] signs, int j, double[] a)
    {
        for (int k = 0; k < d; k++) a[k] = signs[j] * x[j * d + k];
        return a;
    }

    /// <summary>The rows a_j of the given indices, row-major.</summary>
    private static double[] FacetRows(double[] x, int d, double[] signs, IReadOnlyList<int> rows)
    {
        var facets = new double[rows.Count * d];
        for (int i = 0; i < rows.Count; i++)
            for (int k = 0; k < d; k++) facets[i * d + k] = signs[rows[i]] * x[rows[i] * d + k];
        return facets;
    }

    /// <summary>
    /// a is implied by the rows of the cone with a nonzero weight: ‖Π_{C'}(−a)‖ ≤ <see cref="RedundancyTolerance"/>·‖a‖
    /// (g and q are work vectors of length d).
    /// </summary>
    private static bool IsImplied(ConeProjector cone, double[] weights, double[] a, double[] g, double[] q)
    {
        double an = 0;
        for (int k = 0; k < a.Length; k++) { g[k] = -a[k]; an += a[k] * a[k]; }
        return cone.Project(weights, g, q) <= RedundancyTolerance * Math.Sqrt(an);
    }

    /// <summary>
    /// The block of the same pattern with the other sign γ: the cone, its facets and interior direction depend on the
    /// pattern only, so they are shared rather than computed again (n cone projections per block).
    /// </summary>
    public ReducedBlock Sibling() => new(Block.Sibling, ActiveRows, Facets, FacetCount, Interior);

    /// <summary>Smallest relative margin a_j·u/‖a_j‖ at which the interior direction counts as strictly inside.</summary>
    private const double InteriorMargin = 1e-12;

    /// <summary>Size of the first nudge inwards; each further attempt is 4 times larger.</summary>
    private const double FirstNudge = 1e-6;

    /// <summary>Nudges tried before the direction is used as it is.</summary>
    private const int NudgeAttempts = 20;

    /// <summary>
    /// The cell's witness (interior by construction of the enumeration), normalised; if rounding put it on a facet
    /// (margin ≤ <see cref="InteriorMargin"/>), it is nudged inwards along the sum of the normalised facet rows.
    /// </summary>
    private static double[] InteriorDirection(Vector<double> witness, double[] facets, int f, int d)
    {
        var u = new double[d];
        double nrm = Norms.Euclidean(witness);
        for (int k = 0; k < d; k++) u[k] = nrm > 0 ? witness[k] / nrm : 0;
        for (int attempt = 0; attempt < NudgeAttempts && MinMargin(facets, f, d, u) <= InteriorMargin; attempt++)
        {
            var push = new double[d];
            for (int i = 0; i < f; i++)
            {
                double an = 0, au = 0;
                for (int k = 0; k < d; k++) { an += facets[i * d + k] * facets[i * d + k]; au += facets[i * d + k] * u[k]; }
                an = Math.Sqrt(an);
                if (au / an > InteriorMargin) continue;
                for (int k = 0; k < d; k++) push[k] += facets[i * d + k] / an;
            }
            for (int k = 0; k < d; k++) u[k] += FirstNudge * Math.Pow(4, attempt) * push[k];
            nrm = Math.Sqrt(u.Sum(a => a * a));
            for (int k = 0; k < d; k++) u[k] /= nrm;
        }
        return u;
    }

    /// <summary>min_i a_i·u/‖a_i‖ over the facets (+∞ without facets).</summary>
    public static double MinMargin(double[] facets, int f, int d, double[] u)
    {
        double m = double.PositiveInfinity;
        for (int i = 0; i < f; i++)
        {
            double an = 0, au = 0;
            for (int k = 0; k < d; k++) { an += facets[i * d + k] * facets[i * d + k]; au += facets[i * d + k] * u[k]; }
            m = Math.Min(m, au / Math.Sqrt(an));
        }
        return m;
    }
}

/// <summary>
/// The program of THEORY.md §3 restricted to a working set of blocks (every other block fixed at zero), in the form
/// an inner solver takes: X row-major, the targets, the loss, β and the blocks with their cones.
/// </summary>
internal sealed class ReducedProgram
{
    /// <summary>X, row-major n×d (shared, do not modify).</summary>
    public double[] X { get; }
    /// <summary>Rows n.</summary>
    public int N { get; }
    /// <summary>Input dimension d.</summary>
    public int D { get; }
    /// <summary>The targets y.</summary>
    public Vector<double> Y { get; }
    /// <summary>The loss ℓ.</summary>
    public Loss Loss { get; }
    /// <summary>β &gt; 0.</summary>
    public double Beta { get; }
    /// <summary>The working set's blocks, in the order of the solution's variables.</summary>
    public IReadOnlyList<ReducedBlock> Blocks { get; }

    /// <summary>Which form of the Newton system a second-order inner solver uses (default: the cheaper one).</summary>
    public NewtonForm Form { get; }

    public ReducedProgram(double[] x, int n, int d, Vector<double> y, Loss loss, double beta, IReadOnlyList<ReducedBlock> blocks,
        NewtonForm form = NewtonForm.Cheaper)
    {
        X = x; N = n; D = d; Y = y; Loss = loss; Beta = beta; Blocks = blocks; Form = form;
    }
}

/// <summary>The form of a Newton system over a working set (THEORY.md §3).</summary>
internal enum NewtonForm
{
    /// <summary>Whichever of the two costs less for the program's n, d and number of blocks.</summary>
    Cheaper,
    /// <summary>Block-diagonal barrier plus the loss coupling through an n×n system (Woodbury): few rows, many blocks.</summary>
    Woodbury,
    /// <summary>The dense Hessian over the working set's K(d + 1) variables: many rows, few blocks (the scale path).</summary>
    Dense,
}

/// <summary>
/// A start point of an inner solve: the last solution's (w_b, s_b) by block, and an upper bound on the reduced
/// program's duality gap there (e.g. the THEORY.md §4 certificate gap over all blocks, which bounds it).
/// </summary>
internal sealed record WarmStart(IReadOnlyDictionary<Block, (double[] W, double S)> Points, double GapEstimate)
{
    /// <summary>Usable: a positive, finite gap estimate.</summary>
    public bool IsUsable => GapEstimate > 0 && double.IsFinite(GapEstimate);
}

/// <summary>What an inner solve is asked: its relative gap target, its Newton-step budget, the deadline, and a warm start.</summary>
internal sealed record InnerRequest(double RelativeGapTarget, int MaxNewtonSteps, DateTime Deadline, CancellationToken Cancellation,
    WarmStart? Warm = null);

/// <summary>How an inner solve ended.</summary>
internal enum InnerStatus
{
    /// <summary>The solver's own gap estimate reached the target.</summary>
    ReachedTarget,
    /// <summary>The Newton-step budget ran out.</summary>
    StepLimit,
    /// <summary>A Newton system could not be factorised (rounding has eaten every digit).</summary>
    SingularSystem,
    /// <summary>No step along the Newton direction decreased the centring objective.</summary>
    LineSearchFailed,
    /// <summary>The deadline passed.</summary>
    TimeLimit,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>
/// The result of an inner solve: the solution w (K·d, block after block) with the epigraph variables s_b, the Newton steps
/// used, how it ended and the solver's own gap estimate (a stopping heuristic only: optimality is decided by the certificate
/// of THEORY.md §4 over all blocks).
/// </summary>
internal sealed record InnerOutcome(double[] W, double[] S, int NewtonSteps, InnerStatus Status, double EstimatedGap)
{
    /// <summary>The solve stopped short of its target for a numerical reason (not a limit set by the caller).</summary>
    public bool FailedNumerically => Status is InnerStatus.StepLimit or InnerStatus.SingularSystem or InnerStatus.LineSearchFailed;

    /// <summary>The caller's deadline or cancellation ended the solve.</summary>
    public bool Interrupted => Status is InnerStatus.TimeLimit or InnerStatus.Cancelled;

    /// <summary>The status as words for progress lines (null when the target was reached).</summary>
    public string? Failure => Status switch
    {
        InnerStatus.ReachedTarget => null,
        InnerStatus.StepLimit => "Newton step limit",
        InnerStatus.SingularSystem => "singular Newton system",
        InnerStatus.LineSearchFailed => "line search failed",
        InnerStatus.TimeLimit => "time limit",
        _ => "cancelled",
    };
}

/// <summary>
/// The seam for the inner solver of <see cref="ConvexSolver"/>: solves a <see cref="ReducedProgram"/> to a relative gap
/// target. The log-barrier interior-point method (<see cref="BarrierSolver"/>) is the first implementation; the outer
/// loop trusts none of its numbers but the solution, which the certificate judges.
/// </summary>
internal interface IInnerSolver
{
    /// <summary>Solves the reduced program from the request's warm start (or a cold start).</summary>
    InnerOutcome Solve(ReducedProgram program, InnerRequest request);
}
