using HiddenConvex.Core.Data;
using HiddenConvex.Core.Numerics;

namespace HiddenConvex.Core.Tests.Numerics;

/// <summary>
/// The numerical helpers at their boundaries: tolerances at exactly their allowance (values chosen so that every sum is
/// exact in binary), γ_k at k u = ½ and beyond 1, binomial coefficients against exact values on both sides of n/2 and
/// near the limit of a long, array sizes at exactly <see cref="Array.MaxLength"/>.
/// </summary>
public class NumericsMutationTests
{
    [Fact]
    public void Agreement_and_at_most_hold_at_exactly_the_allowance()
    {
        // |a − b| ≤ Absolute + Relative·max(|a|, |b|) with equality, in numbers whose sums are exact in binary.
        Assert.True(new Tolerance(0.25, 0).Agree(1, 1.25));
        Assert.True(new Tolerance(0.25, 0.5).Agree(1, 2.5)); // 1.5 = 0.25 + 0.5·2.5
        Assert.False(new Tolerance(0.25, 0).Agree(1, 1.25 + Math.Pow(2, -50)));
        // The relative part is taken at the larger magnitude: |4 − 2| = 2 = 0.5·4, but 0.5·2 = 1 < 2.
        Assert.True(new Tolerance(0, 0.5).Agree(2, 4));
        Assert.True(new Tolerance(0, 0.5).Agree(4, 2));
        Assert.True(new Tolerance(0, 0.5).AtMost(4, 2));
        Assert.False(new Tolerance(0, 0.5).AtMost(4 + Math.Pow(2, -40), 2));
        // AtMost: a ≤ b, or a above b by at most the allowance.
        Assert.True(new Tolerance(0.25, 0).AtMost(1.25, 1));
        Assert.False(new Tolerance(0.25, 0).AtMost(1.25 + Math.Pow(2, -50), 1));
        Assert.True(new Tolerance(0, 0).AtMost(double.PositiveInfinity, double.PositiveInfinity));
        Assert.True(new Tolerance(0, 0).AtMost(3, 3));
        Assert.Equal(0.25 + 0.5 * 3, new Tolerance(0.25, 0.5).At(-3));
    }

    [Fact]
    public void A_tolerance_prints_both_parts()
    {
        Assert.Equal("abs 1E-10 + rel 1E-09", Tolerances.Objective.ToString());
        Assert.Equal("abs 0 + rel 1E-07", Tolerances.Pricing.ToString());
    }

    [Fact]
    public void The_witness_margin_is_the_larger_of_1e_minus_14_and_4_d_u()
    {
        double u = Math.Pow(2, -53);
        Assert.Equal(1e-14, Tolerances.WitnessMargin(3));
        Assert.Equal(4 * 100 * u, Tolerances.WitnessMargin(100));
        Assert.Equal(4 * 1000 * u, Tolerances.WitnessMargin(1000));
    }

    [Fact]
    public void Gamma_is_k_u_over_one_minus_k_u_and_infinite_from_k_u_equal_one()
    {
        double u = Math.Pow(2, -53);
        Assert.Equal(u, Rounding.Unit);
        Assert.Equal(0, Rounding.Gamma(0));
        Assert.Equal(3 * u / (1 - 3 * u), Rounding.Gamma(3));
        Assert.Equal(1, Rounding.Gamma(1L << 52));                    // k u = ½: ½ / ½
        Assert.Equal(3, Rounding.Gamma(3L << 51));                    // k u = ¾: ¾ / ¼
        Assert.Equal(double.PositiveInfinity, Rounding.Gamma(1L << 53)); // k u = 1
        Assert.Equal(double.PositiveInfinity, Rounding.Gamma(1L << 54)); // k u = 2: no finite bound, not −2
    }

    [Fact]
    public void Count_is_exact_on_both_sides_of_n_over_2_near_the_limit_of_a_long()
    {
        // C(n, k) = C(n, n − k); the coefficient is built over the shorter side, whose running products stay in a long.
        Assert.Equal(279_692_573_246_309_972L, Combinations.Count(62, 27));
        Assert.Equal(279_692_573_246_309_972L, Combinations.Count(62, 35));
        Assert.Equal(232_714_176_627_630_544L, Combinations.Count(61, 30));
        Assert.Equal(326_491_255_747_232_576L, Combinations.Count(260, 250));
        Assert.Equal(1, Combinations.Count(5, 5));
        Assert.Equal(0, Combinations.Count(5, 6));
        Assert.Equal(0, Combinations.Count(5, -1));
    }

    [Fact]
    public void Subsets_are_increasing_distinct_and_in_lexicographic_order()
    {
        var all = Combinations.Of(6, 3).ToList();
        Assert.Equal(20, all.Count);
        Assert.Equal([0, 1, 2], all[0]);
        Assert.Equal([0, 1, 3], all[1]);
        Assert.Equal([3, 4, 5], all[^1]);
        for (int i = 1; i < all.Count; i++)
            Assert.True(Compare(all[i - 1], all[i]) < 0, $"{string.Join(",", all[i - 1])} before {string.Join(",", all[i])}");
        Assert.All(all, s => Assert.True(s[0] < s[1] && s[1] < s[2] && s[2] < 6));
        // Each yielded array is a fresh copy.
        all[0][0] = 99;
        Assert.Equal([0, 1, 2], Combinations.Of(6, 3).First());
        Assert.Equal([[]], Combinations.Of(4, 0).ToList());
        Assert.Empty(Combinations.Of(2, 3));
    }

    private static int Compare(int[] a, int[] b)
    {
        for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return 0;
    }

    [Fact]
    public void Array_sizes_reach_exactly_the_largest_array_and_an_empty_factor_gives_zero()
    {
        Assert.Equal(Array.MaxLength, ArraySize.Product("test array", Array.MaxLength, 1));
        Assert.Equal(0, ArraySize.Product("test array", 5, 3, 0));
        Assert.Throws<InvalidInputException>(() => ArraySize.Product("test array", (long)Array.MaxLength + 1, 1));
    }

    [Theory]
    [InlineData(-1L, 2L, 1L)]
    [InlineData(2L, -1L, 1L)]
    [InlineData(2L, 1L, -3L)]
    public void A_negative_count_is_refused_naming_the_array_and_the_counts(long a, long b, long c)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ArraySize.Product("the test table", a, b, c));
        Assert.Contains($"the test table: negative count in {a}×{b}×{c}", e.Message);
    }

    [Fact]
    public void A_product_beyond_an_array_names_every_count_and_the_limit()
    {
        var two = Assert.Throws<InvalidInputException>(() => ArraySize.Product("the test table", 50_000, 50_000)).Message;
        Assert.Contains("the test table needs 50000×50000 = 2.500E+009 entries", two);
        Assert.Contains($"more than an array can hold ({Array.MaxLength})", two);
        Assert.DoesNotContain("×1 ", two);
        var three = Assert.Throws<InvalidInputException>(() => ArraySize.Product("the test table", 50_000, 50_000, 3)).Message;
        Assert.Contains("50000×50000×3 = 7.500E+009", three);
    }
}
