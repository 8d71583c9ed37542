using BigInteger = System.Numerics.BigInteger;
using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Certificates;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Networks;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Pricing;
using HiddenConvex.Core.Tests.Arrangements;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Certificates;

/// <summary>
/// The certificate checker and the rounding bound against THEORY.md §4 and §4.1 directly: t is the largest dual-feasible
/// scale, the certificate and B transform exactly under the unit laws with powers of two, B is §4.1's formula and bounds
/// the rounding error of L̂ (measured against exact rational arithmetic), and B_low is the loss's.
/// </summary>
public class CertificateMutationTests
{
    private static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);

    private static Dataset RandomData(int seed, int n, int d, bool labels = false)
    {
        var rng = new Random(seed);
        var x = Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng));
        var y = labels ? Vector<double>.Build.Dense(n, j => (j * 7 + seed) % 3 == 0 ? -1.0 : 1.0) : Vector<double>.Build.Dense(n, _ => ArrangementData.Normal(rng));
        return Dataset.Create(x, y);
    }


    private static Network RandomNetwork(Random rng, int m, int d, double scale = 1) =>
        Network.Create(Matrix<double>.Build.Dense(m, d, (_, _) => scale * ArrangementData.Normal(rng)), Vector<double>.Build.Dense(m, _ => scale * ArrangementData.Normal(rng)));

    // ---------------------------------------------------------------- the dual scale t

    [Fact]
    public void The_feasible_scale_is_beta_over_rho_rounded_down()
    {
        // THEORY.md §4.1: the computed t must satisfy t·ρ̄ ≤ β (in exact arithmetic: t v is then dual feasible), and
        // the largest such double is β/ρ̄ rounded down.
        var rng = new Random(5);
        int roundedUp = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            double beta = Math.Exp(rng.NextDouble() * 40 - 20), rho = Math.Exp(rng.NextDouble() * 40 - 20);
            double t = CertificateChecker.FeasibleScale(beta, rho);
            Assert.True(Dyadic.Of(t) * Dyadic.Of(rho) <= Dyadic.Of(beta), $"t = {t:R}, ρ̄ = {rho:R}: t·ρ̄ > β = {beta:R} exactly");
            Assert.True(Dyadic.Of(Math.BitIncrement(t)) * Dyadic.Of(rho) > Dyadic.Of(beta),
                $"t = {t:R} is not β/ρ̄ rounded down: (t + ulp)·ρ̄ ≤ β = {beta:R}");
            if (t < beta / rho) roundedUp++;
        }
        // The quotient is rounded up often enough that the step down is exercised.
        Assert.True(roundedUp > 100, $"β/ρ̄ rounded up in only {roundedUp} of 4000 cases");
        Assert.Equal(0.5, CertificateChecker.FeasibleScale(1, 2));
        Assert.Equal(0, CertificateChecker.FeasibleScale(0, 1));
    }

    [Theory]
    [InlineData("squared", 1.0)]
    [InlineData("squared", 3.0)]
    [InlineData("logistic", 1.0)]
    [InlineData("logistic", 0.5)]
    public void The_certificate_is_recomputed_from_its_definition(string lossName, double c)
    {
        // v = −∇ℓ(z), ρ̄ the exact enumeration's proven bound (its computed ρ rounded outward, THEORY.md §4.1 "Pricing rounded
        // outward"), t maximises −ℓ*(−t v) on [0, min(cap, β/ρ̄)] with t·ρ̄ ≤ β,
        // lower = −ℓ*(−t v), B_low the loss's, objective and B passed through (THEORY.md §4, §4.1).
        var loss = Loss.Parse(lossName, c);
        var data = RandomData(3, 6, 2, labels: lossName == "logistic");
        var patterns = CellEnumerator.Enumerate(data.X);
        var rng = new Random(4);
        foreach (double beta in new[] { 0.01, 0.3, 5.0 })
            for (int trial = 0; trial < 4; trial++)
            {
                var z = Vector<double>.Build.Dense(data.N, _ => ArrangementData.Normal(rng));
                var cert = CertificateChecker.ForPrediction(data, loss, beta, patterns, z, objective: 7.5, objectiveRounding: 0.25);
                var v = -loss.Gradient(z, data.Y);
                var priced = ExactPricing.Price(data.X, patterns, v);
                double rho = priced.Upper;
                Assert.InRange(rho, priced.Rho, priced.Rho * (1 + 1e-14));
                Assert.Equal(v.ToArray(), cert.V.ToArray());
                Assert.Equal(rho, cert.Rho);
                double tMax = Math.Min(loss.DualScaleCap, CertificateChecker.FeasibleScale(beta, rho));
                Assert.InRange(cert.T, 0, tMax);
                Assert.True(cert.T * cert.Rho <= beta, $"t·ρ̄ = {cert.T * cert.Rho:R} > β = {beta}");
                // t maximises the concave g(t) = −ℓ*(−t v) on [0, tMax]: no point of a fine grid is better (up to rounding).
                double best = loss.NegConjugate(v * cert.T, data.Y);
                Assert.Equal(best, cert.Lower);
                for (int k = 0; k <= 400; k++)
                {
                    double g = loss.NegConjugate(v * (tMax * k / 400), data.Y);
                    Assert.True(Tolerances.Objective.AtMost(g, best), $"β = {beta}: t = {tMax * k / 400:R} gives {g:R} > {best:R} at t = {cert.T:R}");
                }
                Assert.Equal(loss.LowerRounding(v, data.Y, cert.T, cert.Lower), cert.LowerRounding);
                Assert.Equal(7.5, cert.Objective);
                Assert.Equal(0.25, cert.ObjectiveRounding);
                Assert.True(cert.LowerProven);
            }
    }

    [Fact]
    public void The_scale_is_bounded_by_beta_over_rho_when_rho_is_positive_and_by_the_loss_alone_when_it_is_zero()
    {
        // X = [1; 1], y = (1, 1), z = 0: v = y, ρ(v) = 2 (both rows active), the squared loss's own maximiser
        // t = v·y/‖v‖² = 1, so β = 0.5 caps it at β/ρ = 0.25 and β = 4 leaves t = 1.
        var data = Dataset.Create(Matrix<double>.Build.DenseOfArray(new double[,] { { 1 }, { 1 } }), V(1, 1));
        var patterns = CellEnumerator.Enumerate(data.X);
        var capped = CertificateChecker.ForPrediction(data, new SquaredLoss(), 0.5, patterns, V(0, 0), 2, 0);
        Assert.Equal(2, capped.Rho, 14);
        Assert.Equal(0.25, capped.T, 15);
        Assert.Equal(0.25 * 2 - 0.0625 * 2 / 2, capped.Lower, 14);
        var free = CertificateChecker.ForPrediction(data, new SquaredLoss(), 4, patterns, V(0, 0), 2, 0);
        Assert.Equal(1, free.T, 15);
        Assert.Equal(1, free.Lower, 14);
    }

    // ---------------------------------------------------------------- unit laws (THEORY.md §4.1)

    [Fact]
    public void The_certificate_transforms_exactly_under_U1_with_k_four()
    {
        // (y, β) → (4y, 4β), z → 4z: v → 4v, ρ → 4ρ, t unchanged, lower, B_low, B → 16×, bit for bit.
        var data = RandomData(7, 7, 3);
        var patterns = CellEnumerator.Enumerate(data.X);
        var net = RandomNetwork(new Random(8), 3, 3);
        var scaledData = data.WithTargets(data.Y * 4);
        var scaledNet = Network.Create(net.U * 2, net.Alpha * 2);
        var loss = new SquaredLoss();
        foreach (double beta in new[] { 0.05, 0.5 })
        {
            var a = NetworkCertificate.For(data, loss, beta, patterns, net);
            var b = NetworkCertificate.For(scaledData, loss, 4 * beta, patterns, scaledNet);
            Assert.Equal((a.V * 4).ToArray(), b.V.ToArray());
            Assert.Equal(4 * a.Rho, b.Rho);
            Assert.Equal(a.T, b.T);
            Assert.Equal(16 * a.Lower, b.Lower);
            Assert.Equal(16 * a.Objective, b.Objective);
            Assert.Equal(16 * a.LowerRounding, b.LowerRounding);
            Assert.Equal(16 * a.ObjectiveRounding, b.ObjectiveRounding);
            Assert.Equal(a.RelativeGap, b.RelativeGap);
        }
    }

    [Theory]
    [InlineData("squared")]
    [InlineData("logistic")]
    public void The_certificate_transforms_exactly_under_U2_with_k_two(string lossName)
    {
        // (c, β) → (2c, 2β), θ unchanged: v → 2v, ρ → 2ρ, t unchanged, every objective figure doubles.
        var data = RandomData(9, 6, 2, labels: lossName == "logistic");
        var patterns = CellEnumerator.Enumerate(data.X);
        var net = RandomNetwork(new Random(10), 3, 2);
        var a = NetworkCertificate.For(data, Loss.Parse(lossName, 1.5), 0.2, patterns, net);
        var b = NetworkCertificate.For(data, Loss.Parse(lossName, 3.0), 0.4, patterns, net);
        Assert.Equal((a.V * 2).ToArray(), b.V.ToArray());
        Assert.Equal(2 * a.Rho, b.Rho);
        Assert.Equal(a.T, b.T);
        Assert.Equal(2 * a.Lower, b.Lower);
        Assert.Equal(2 * a.LowerRounding, b.LowerRounding);
        Assert.Equal(2 * a.ObjectiveRounding, b.ObjectiveRounding);
    }

    [Fact]
    public void The_rounding_bound_is_positive_and_transforms_like_L_under_U1_to_U3()
    {
        var data = RandomData(11, 6, 3);
        var loss = new SquaredLoss(0.75);
        var net = RandomNetwork(new Random(12), 4, 3);
        double b = NetworkObjective.Rounding(net, data, loss, 0.3);
        double l = NetworkObjective.Value(net, data, loss, 0.3);
        Assert.True(b > 0 && b < 1e-12 * l, $"B = {b:R} for L̂ = {l:R}");
        // U1, k = 4: (y, β) → (4y, 4β), θ → 2θ.
        Assert.Equal(16 * b, NetworkObjective.Rounding(Network.Create(net.U * 2, net.Alpha * 2), data.WithTargets(data.Y * 4), loss, 1.2));
        // U2, k = 2: (c, β) → (2c, 2β).
        Assert.Equal(2 * b, NetworkObjective.Rounding(net, data, new SquaredLoss(1.5), 0.6));
        // U3, k = 4: (X, β) → (4X, 4β), θ → θ/2.
        var data4 = Dataset.Create(data.X * 4, data.Y);
        Assert.Equal(b, NetworkObjective.Rounding(Network.Create(net.U / 2, net.Alpha / 2), data4, loss, 1.2));
    }

    // ---------------------------------------------------------------- the rounding bound B (THEORY.md §4.1)

    /// <summary>γ_k = k u/(1 − k u), u = 2^−53, written out here.</summary>
    private static double Gamma(long k) => k * Math.Pow(2, -53) / (1 - k * Math.Pow(2, -53));

    [Theory]
    [InlineData("squared", 1.0)]
    [InlineData("squared", 0.5)]
    [InlineData("logistic", 2.0)]
    public void The_rounding_bound_is_the_formula_of_THEORY(string lossName, double c)
    {
        // B = 2 (γ_{n+5} ℓ(ẑ) + Σ_j |∇ℓ_j(ẑ)| e_j + (ℓ''_max/2) Σ_j e_j² + γ_{p+2} R + u L̂), e_j = γ_{d+m+1} ‖x_j‖ Σ_i |α_i|‖u_i‖,
        // R = (β/2)‖θ‖², p = m(d + 1), ℓ''_max = c (squared), c/4 (logistic).
        var loss = Loss.Parse(lossName, c);
        var data = RandomData(13, 5, 2, labels: lossName == "logistic");
        var rng = new Random(14);
        double beta = 0.4;
        for (int trial = 0; trial < 5; trial++)
        {
            var net = RandomNetwork(rng, 3, 2, scale: Math.Pow(10, trial - 2));
            int n = data.N, d = data.D, m = net.Width;
            var z = net.Predict(data.X);
            double l = loss.Value(z, data.Y);
            var g = loss.Gradient(z, data.Y);
            double s = Enumerable.Range(0, m).Sum(i => Math.Abs(net.Alpha[i]) * net.U.Row(i).L2Norm());
            var e = Enumerable.Range(0, n).Select(j => Gamma(d + m + 1) * data.X.Row(j).L2Norm() * s).ToArray();
            double r = 0.5 * beta * net.SquaredNorm();
            double objective = l + r;
            double curvature = lossName == "squared" ? c : c / 4;
            double expected = 2 * (Gamma(n + 5) * l + Enumerable.Range(0, n).Sum(j => Math.Abs(g[j]) * e[j])
                                   + curvature / 2 * e.Sum(ej => ej * ej) + Gamma((long)m * (d + 1) + 2) * r + Math.Pow(2, -53) * objective);
            double actual = NetworkObjective.Rounding(net, data, loss, beta, z, objective);
            Assert.True(Math.Abs(actual - expected) <= 1e-13 * expected, $"B = {actual:R}, formula gives {expected:R}");
            Assert.Equal(e, RoundingBound.PredictionErrors(data.X, m, s));
        }
    }

    [Fact]
    public void A_missing_loss_is_named()
    {
        var v = V(1, 2);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => RoundingBound.Objective(null!, v, v, [0.0, 0.0], 1, 1, 1)).ParamName);
    }

    [Fact]
    public void Prediction_errors_are_zero_on_zero_rows_and_scale_with_the_row_norm_and_the_magnitude()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 3, 4 }, { 0, 0 }, { -6, 8 } });
        var e = RoundingBound.PredictionErrors(x, terms: 5, magnitude: 2);
        double g = Gamma(2 + 5 + 1);
        Assert.Equal([g * 5 * 2, 0, g * 10 * 2], e);
    }

    [Fact]
    public void The_rounding_bound_bounds_the_error_of_the_computed_objective()
    {
        // |L̂ − L_β(θ)| ≤ B(θ) (THEORY.md §4.1), with L_β(θ) evaluated in exact rational arithmetic (squared loss: only
        // products and sums of doubles, so a dyadic rational is exact). Inputs of mixed magnitudes make the rounding
        // error of L̂ visible.
        var rng = new Random(15);
        var loss = new SquaredLoss(0.7);
        for (int trial = 0; trial < 30; trial++)
        {
            int n = 3 + rng.Next(6), d = 1 + rng.Next(3), m = 1 + rng.Next(4);
            var x = Matrix<double>.Build.Dense(n, d, (_, _) => ArrangementData.Normal(rng) * Math.Pow(10, rng.Next(-3, 4)));
            var y = Vector<double>.Build.Dense(n, _ => ArrangementData.Normal(rng) * Math.Pow(10, rng.Next(-2, 3)));
            var data = Dataset.Create(x, y);
            var net = RandomNetwork(rng, m, d, Math.Pow(10, rng.Next(-2, 3)));
            double beta = Math.Pow(10, rng.Next(-4, 1));
            double computed = NetworkObjective.Value(net, data, loss, beta);
            double bound = NetworkObjective.Rounding(net, data, loss, beta);
            var exact = ExactObjective(net, data, 0.7, beta);
            var error = Dyadic.Abs(exact - Dyadic.Of(computed));
            Assert.True(error <= Dyadic.Of(bound), $"trial {trial}: |L̂ − L| = {error.ToDouble():G3} > B = {bound:G3} (L̂ = {computed:R})");
        }
    }

    /// <summary>L_β(θ) for the squared loss with scale c, exactly.</summary>
    private static Dyadic ExactObjective(Network net, Dataset data, double c, double beta)
    {
        var loss = Dyadic.Zero;
        for (int j = 0; j < data.N; j++)
        {
            var zj = Dyadic.Zero;
            for (int i = 0; i < net.Width; i++)
            {
                var pre = Dyadic.Zero;
                for (int k = 0; k < data.D; k++) pre += Dyadic.Of(data.X[j, k]) * Dyadic.Of(net.U[i, k]);
                if (pre.Sign > 0) zj += pre * Dyadic.Of(net.Alpha[i]);
            }
            var r = zj - Dyadic.Of(data.Y[j]);
            loss += r * r;
        }
        var norm = Dyadic.Zero;
        foreach (var e in net.U.Enumerate()) norm += Dyadic.Of(e) * Dyadic.Of(e);
        foreach (var e in net.Alpha) norm += Dyadic.Of(e) * Dyadic.Of(e);
        return Dyadic.Of(c) * loss * Dyadic.Of(0.5) + Dyadic.Of(beta) * norm * Dyadic.Of(0.5);
    }

    /// <summary>An exact dyadic rational m·2^e (every double is one; sums and products stay exact).</summary>
    private readonly record struct Dyadic(BigInteger Mantissa, int Exponent)
    {
        public static Dyadic Zero => new(BigInteger.Zero, 0);

        public static Dyadic Of(double x)
        {
            if (x == 0) return Zero;
            long bits = BitConverter.DoubleToInt64Bits(x);
            int exp = (int)((bits >> 52) & 0x7FF);
            long frac = bits & 0xFFFFFFFFFFFFFL;
            long mant = exp == 0 ? frac : frac | (1L << 52);
            int e = (exp == 0 ? 1 : exp) - 1075;
            return new Dyadic(x < 0 ? -mant : mant, e);
        }

        public int Sign => Mantissa.Sign;

        public static Dyadic operator +(Dyadic a, Dyadic b)
        {
            int e = Math.Min(a.Exponent, b.Exponent);
            return new Dyadic((a.Mantissa << (a.Exponent - e)) + (b.Mantissa << (b.Exponent - e)), e);
        }

        public static Dyadic operator -(Dyadic a, Dyadic b) => a + new Dyadic(-b.Mantissa, b.Exponent);

        public static Dyadic operator *(Dyadic a, Dyadic b) => new(a.Mantissa * b.Mantissa, a.Exponent + b.Exponent);

        public static Dyadic Abs(Dyadic a) => new(BigInteger.Abs(a.Mantissa), a.Exponent);

        public static bool operator <=(Dyadic a, Dyadic b) => (b - a).Sign >= 0;

        public static bool operator >=(Dyadic a, Dyadic b) => (a - b).Sign >= 0;

        public static bool operator <(Dyadic a, Dyadic b) => (b - a).Sign > 0;

        public static bool operator >(Dyadic a, Dyadic b) => (a - b).Sign > 0;

        public double ToDouble()
        {
            int shift = Math.Max(0, (int)Mantissa.GetBitLength() - 60);
            return (double)(Mantissa >> shift) * Math.Pow(2, Exponent + shift);
        }
    }
}
