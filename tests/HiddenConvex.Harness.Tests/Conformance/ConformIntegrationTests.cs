using HiddenConvex.Harness.Conformance;
using Xunit.Abstractions;

namespace HiddenConvex.Harness.Tests.Conformance;

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
    public void AFailureThatNeedsEarlierRequestsIsNotOfferedAsAShrunkReplay()
    {
        // The reference adapter behind a wrapper that answers its first three requests and then only garbage: shrinking in
        // the same process "finds" a 1×1 protocol failure, which passes alone. It must not be offered as the replay.
        var dir = Directory.CreateTempSubdirectory("hcv-conform-history-");
        try
        {
            var script = Path.Combine(dir.FullName, "tires.sh");
            File.WriteAllText(script, $$"""
                coproc SOLVER { {{ConformFixtures.AdapterCommand()}}; }
                n=0
                while IFS= read -r line; do
                  n=$((n+1))
                  if [ $n -le 3 ]; then
                    printf '%s\n' "$line" >&"${SOLVER[1]}"
                    IFS= read -r answer <&"${SOLVER[0]}"
                    printf '%s\n' "$answer"
                  else
                    echo 'not json'
                  fi
                done
                """);
            var r = new ConformRunner(new ConformOptions { Command = $"bash {script}", MaxTests = 5, Seed = 1, Timeout = TimeSpan.FromSeconds(60), ShrinkBudget = 30 },
                line => output.WriteLine(line)).Run();
            var f = r.Failure!;
            Assert.Equal(CheckIds.Protocol, f.Check);
            Assert.False(f.Confirmed, f.ReplayNote);
            Assert.Contains("depends on the request history", f.ReplayNote);
            Assert.True(f.History.Count >= 4, $"history of {f.History.Count} requests");
            var report = ConformReport.Build(r, DateTimeOffset.UtcNow);
            var ce = report.Properties.Single(p => p.Family == CheckIds.Protocol).Failure!;
            Assert.Contains("depends on the request history", ce.Message);
            Assert.Equal(f.History.Count, ce.ReplayCommand.Split("'{").Length - 1);
        }
        finally { dir.Delete(recursive: true); }
    }

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

/// <summary>`hcv conform --task train` against the gradient-descent trainer adapter and its mutant.</summary>
[Trait("Category", "Conform")]
public class ConformTrainIntegrationTests(ITestOutputHelper output)
{
    private ConformResult Run(string? mutant, int maxTests) =>
        new ConformRunner(new ConformOptions
        {
            Command = $"{ConformFixtures.RequirePython()} {Path.Combine(ConformFixtures.RepoRoot(), "adapters", "numpy_trainer.py")}" + (mutant is null ? "" : $" --mutant {mutant}"),
            Task = ConformTask.Train,
            MaxTests = maxTests,
            Seed = 1,
            Timeout = TimeSpan.FromSeconds(120),
        }, line => output.WriteLine(line)).Run();

    [Fact]
    public void TheGradientDescentTrainerConformsAndSomeAnswersClaimConvergence()
    {
        var r = Run(null, 12);
        Assert.True(r.Conforms, r.Failure is { } f ? $"check {f.Check}: {f.Original.Violations[0].Message}\nrequest: {f.Original.Request}" : "");
        Assert.True(r.Statuses.GetValueOrDefault("converged") > 0, "no answer claimed convergence, so T4 was never exercised");
    }

    [Fact]
    public void AnUnbalancedNetworkClaimedConvergedIsCaughtByT4()
    {
        var r = Run("unbalanced", 12);
        Assert.False(r.Conforms);
        Assert.Equal(CheckIds.NearMinimal, r.Failure!.Check);
        Assert.True(r.Failure.Shrunk.Instance.N <= 3 && r.Failure.Shrunk.Instance.D <= 2, $"shrunk to {r.Failure.Shrunk.Instance.Size}");
    }
}
