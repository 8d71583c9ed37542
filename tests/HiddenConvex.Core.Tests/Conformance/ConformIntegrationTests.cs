using HiddenConvex.Core.Conformance;
using Xunit.Abstractions;

namespace HiddenConvex.Core.Tests.Conformance;

/// <summary>
/// `hcv conform` against the reference CVXOPT adapter (must conform) and each of its mutants
/// (must be caught with a small shrunk counterexample). Needs Debian's /usr/bin/python3 with
/// python3-cvxopt and python3-numpy; without them these tests fail and say so.
/// </summary>
[Trait("Category", "Conform")]
public class ConformIntegrationTests(ITestOutputHelper output)
{
    /// <summary>Every mutant of adapters/cvxopt_solver.py (its --list-mutants).</summary>
    public static TheoryData<string> Mutants() =>
        ["gt", "no-sqrt", "no-cone", "neg-sign", "no-half", "early-stop", "sampled", "swap-rows"];

    private ConformResult Run(string command, int maxTests) =>
        new ConformRunner(new ConformOptions { Command = command, MaxTests = maxTests, Seed = 1, Timeout = TimeSpan.FromSeconds(60) },
            line => output.WriteLine(line)).Run();

    [Fact]
    public void TheCvxoptReferenceAdapterConforms()
    {
        var r = Run(ConformFixtures.AdapterCommand(), maxTests: 30);
        Assert.True(r.Conforms, r.Failure is { } f
            ? $"check {f.Check} failed on {f.Original.Instance.Describe()}: {f.Original.Violations[0].Message}\nrequest: {f.Original.Request}"
            : "");
        Assert.Equal(30, r.TestsPassed);
        Assert.Equal(60, r.Requests);
        Assert.Equal(1, r.ProcessStarts);
    }

    [Theory]
    [MemberData(nameof(Mutants))]
    public void EachMutantIsCaughtWithASmallShrunkCounterexample(string mutant)
    {
        var r = Run(ConformFixtures.AdapterCommand(mutant), maxTests: 60);
        Assert.False(r.Conforms, $"mutant {mutant} passed {r.TestsPassed} instances undetected");
        var f = r.Failure!;
        output.WriteLine($"mutant {mutant}: caught by {f.Check} on test {f.TestIndex + 1}, {f.Original.Instance.Size} shrunk to {f.Shrunk.Instance.Size} in {f.Shrinking.Steps} steps");
        Assert.NotEqual(CheckIds.Protocol, f.Check);
        Assert.Contains(f.Shrunk.Violations, v => v.Check == f.Check);
        Assert.True(f.Shrunk.Instance.N <= 3 && f.Shrunk.Instance.D <= 2,
            $"mutant {mutant}: the shrunk counterexample is {f.Shrunk.Instance.Size}, expected at most 3×2");
        Assert.True(f.Shrunk.Instance.N <= f.Original.Instance.N && f.Shrunk.Instance.D <= f.Original.Instance.D);
    }
}
