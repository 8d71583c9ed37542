using System.Text;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Arrangements;

/// <summary>
/// An activation pattern s ∈ {0,1}^n (THEORY.md §2), stored as a bit set. Immutable, with value
/// equality, so it can key dictionaries. Printed as a 0/1 string, row 0 first.
/// </summary>
public sealed class ActivationPattern : IEquatable<ActivationPattern>
{
    private readonly ulong[] _bits;

    /// <summary>Number of rows n.</summary>
    public int Length { get; }

    private ActivationPattern(ulong[] bits, int length) { _bits = bits; Length = length; }

    /// <summary>s_j ∈ {false, true}.</summary>
    public bool this[int j] => (_bits[j >> 6] >> (j & 63) & 1UL) != 0;

    /// <summary>From booleans.</summary>
    public static ActivationPattern FromBools(IReadOnlyList<bool> s)
    {
        var bits = new ulong[(s.Count + 63) >> 6];
        for (int j = 0; j < s.Count; j++) if (s[j]) bits[j >> 6] |= 1UL << (j & 63);
        return new ActivationPattern(bits, s.Count);
    }

    /// <summary>From a 0/1 string such as "0110".</summary>
    public static ActivationPattern Parse(string s) => FromBools(s.Select(c => c switch
    {
        '1' => true,
        '0' => false,
        _ => throw new Data.InvalidInputException($"pattern '{s}' has a character other than 0 or 1"),
    }).ToArray());

    /// <summary>
    /// The pattern of a direction: s(u) = 1[X u ≥ 0] (THEORY.md §2, partition convention:
    /// a row with x_j·u = 0 counts as active).
    /// </summary>
    public static ActivationPattern OfDirection(Matrix<double> x, Vector<double> u)
    {
        var bits = new ulong[(x.RowCount + 63) >> 6];
        for (int j = 0; j < x.RowCount; j++)
        {
            double a = 0;
            for (int k = 0; k < x.ColumnCount; k++) a += x[j, k] * u[k];
            if (a >= 0) bits[j >> 6] |= 1UL << (j & 63);
        }
        return new ActivationPattern(bits, x.RowCount);
    }

    /// <summary>The pattern as booleans.</summary>
    public bool[] ToBools()
    {
        var r = new bool[Length];
        for (int j = 0; j < Length; j++) r[j] = this[j];
        return r;
    }

    /// <summary>The pattern as 0/1 integers.</summary>
    public int[] ToInts() => ToBools().Select(b => b ? 1 : 0).ToArray();

    /// <summary>The sign vector 2s − 1 ∈ {−1, +1}^n.</summary>
    public double Sign(int j) => this[j] ? 1.0 : -1.0;

    /// <summary>Pattern of the permuted data: entry k of the result is entry perm[k] of this one.</summary>
    public ActivationPattern Permute(IReadOnlyList<int> perm) => FromBools(perm.Select(p => this[p]).ToArray());

    /// <inheritdoc />
    public bool Equals(ActivationPattern? other) =>
        other is not null && other.Length == Length && _bits.AsSpan().SequenceEqual(other._bits);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ActivationPattern);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Length);
        foreach (var b in _bits) h.Add(b);
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder(Length);
        for (int j = 0; j < Length; j++) sb.Append(this[j] ? '1' : '0');
        return sb.ToString();
    }
}
