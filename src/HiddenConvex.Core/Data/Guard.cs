using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Data;

/// <summary>Validation helpers shared by every entry point that accepts numbers from outside.</summary>
public static class Guard
{
    /// <summary>Rejects NaN/Inf entries of a matrix, naming the first offending position.</summary>
    public static void Finite(Matrix<double> m, string source, string field)
    {
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 0; j < m.ColumnCount; j++)
                if (!double.IsFinite(m[i, j]))
                    throw new InvalidInputException($"{source}: {field}[{i},{j}] is {Describe(m[i, j])}");
    }

    /// <summary>Rejects NaN/Inf entries of a vector, naming the first offending position.</summary>
    public static void Finite(Vector<double> v, string source, string field)
    {
        for (int i = 0; i < v.Count; i++)
            if (!double.IsFinite(v[i]))
                throw new InvalidInputException($"{source}: {field}[{i}] is {Describe(v[i])}");
    }

    /// <summary>Rejects β ≤ 0, NaN or ∞ (the objective of THEORY.md §1 needs β &gt; 0).</summary>
    public static double PositiveBeta(double beta, string field = "beta")
    {
        if (!double.IsFinite(beta) || beta <= 0)
            throw new InvalidInputException($"{field} must be a finite number > 0, got {beta}");
        return beta;
    }

    /// <summary>Rejects a non-positive or non-finite scalar parameter.</summary>
    public static double Positive(double value, string field)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new InvalidInputException($"{field} must be a finite number > 0, got {value}");
        return value;
    }

    private static string Describe(double x) => double.IsNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
}
