using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>A full-dimensional cell of the arrangement: its pattern and an interior witness u (x_j·u ≠ 0 for x_j ≠ 0).</summary>
public sealed record Cell(ActivationPattern Pattern, Vector<double> Witness);

/// <summary>
/// The pattern set S(X) used by the convex program (THEORY.md §2): the patterns of the
/// full-dimensional cells with a witness each. <see cref="IsExact"/> says whether it is the
/// exact enumeration or a random sample (then the program is a restriction and its
/// lower bounds are not proven for the full program — every result must say so).
/// </summary>
public sealed class PatternSet
{
    private readonly Dictionary<ActivationPattern, int> _index;

    /// <summary>The cells, in a deterministic order.</summary>
    public IReadOnlyList<Cell> Cells { get; }
    /// <summary>True when every full-dimensional cell is present (exact enumeration).</summary>
    public bool IsExact { get; }
    /// <summary>Numerical rank of X.</summary>
    public int Rank { get; }
    /// <summary>How the set was obtained, e.g. "exact" or "sampled:1000 (seed 1)".</summary>
    public string Method { get; }
    /// <summary>Number of rows n of the data the patterns belong to.</summary>
    public int N { get; }
    /// <summary>p = |S(X)|.</summary>
    public int Count => Cells.Count;

    /// <summary>Builds the set; duplicate patterns are an error (the enumeration must be distinct).</summary>
    public PatternSet(IReadOnlyList<Cell> cells, bool isExact, int rank, string method, int n)
    {
        Cells = cells; IsExact = isExact; Rank = rank; Method = method; N = n;
        _index = new Dictionary<ActivationPattern, int>(cells.Count);
        for (int i = 0; i < cells.Count; i++)
            if (!_index.TryAdd(cells[i].Pattern, i))
                throw new InvalidOperationException($"pattern {cells[i].Pattern} appears twice in the pattern set");
    }

    /// <summary>Patterns in order.</summary>
    public IEnumerable<ActivationPattern> Patterns => Cells.Select(c => c.Pattern);

    /// <summary>True when s ∈ S(X).</summary>
    public bool Contains(ActivationPattern s) => _index.ContainsKey(s);

    /// <summary>Index of s in <see cref="Cells"/>, or −1.</summary>
    public int IndexOf(ActivationPattern s) => _index.TryGetValue(s, out var i) ? i : -1;
}
