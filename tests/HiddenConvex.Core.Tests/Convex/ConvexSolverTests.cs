using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Verification;
using Xunit.Abstractions;

namespace HiddenConvex.Core.Tests.Convex;

public class ConvexSolverTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ReferenceInstance.Names), MemberType = typeof(ReferenceInstance))]
    public void CertifiedIntervalOverlapsTheReferenceInterval(string name)
    {
        var r = ReferenceInstance.Load(name);
        var problem = r.Problem();
        var log = new StringWriter();
        var result = ConvexSolver.Solve(problem, new SolverSettings { Verbose = true, Progress = log, Tolerance = double.Parse(Environment.GetEnvironmentVariable("HCV_TOL") ?? "1e-9") });
        output.WriteLine(log.ToString());
        output.WriteLine($"{name}: {result.StatusName} objective {result.Objective:R} lower {result.Lower:R} rel.gap {result.RelativeGap:E2} ref [{r.Lower:R}, {r.Upper:R}] {result.Seconds:F3}s");
        Assert.Equal(SolverStatus.Optimal, result.Status);
        Assert.True(result.RelativeGap <= Tolerances.DefaultSolverGap, $"relative gap {result.RelativeGap}");
        var tol = Tolerances.Objective;
        Assert.True(tol.AtMost(r.Lower, result.Objective), $"objective {result.Objective:R} below the reference lower bound {r.Lower:R} (tolerance {tol})");
        Assert.True(tol.AtMost(result.Lower, r.Upper), $"our lower bound {result.Lower:R} above the reference upper bound {r.Upper:R} (tolerance {tol})");
        var again = problem.Certify(result.W);
        Assert.True(tol.Agree(again.Lower, result.Lower), $"recomputed lower {again.Lower:R} vs {result.Lower:R} (tolerance {tol})");
        Assert.True(result.MaxConeViolation <= Tolerances.Cone.At(1), $"cone violation {result.MaxConeViolation}");
    }
}
