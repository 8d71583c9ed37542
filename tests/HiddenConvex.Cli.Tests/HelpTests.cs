using System.Text.RegularExpressions;

namespace HiddenConvex.Cli.Tests;

/// <summary>hcv's help: the main help, and each command's --help generated from the command's one definition.</summary>
public sealed class HelpTests
{
    public static IEnumerable<object[]> CommandNames() => CommandLine.Commands.Select(c => new object[] { c.Name });

    [Fact]
    public void NoArgumentsPrintsTheCommandsAndExitsWithTwo()
    {
        var run = Hcv.Run();
        Assert.True(run.ExitCode == 2, run.ToString());
        foreach (var c in CommandLine.Commands) Assert.Contains(c.Name, run.Stdout);
    }

    [Fact]
    public void MainHelpListsTheCommandsAndEveryExitCodeAndVersionExitsWithZero()
    {
        var help = Hcv.Run("--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        foreach (var c in CommandLine.Commands) Assert.Matches($@"(?m)^  {c.Name}\b", help.Stdout);
        foreach (int code in new[] { 0, 1, 2, 3 }) Assert.Matches($@"(?m)^  {code}  \S", help.Stdout);
        Assert.Equal(0, Hcv.Run("--version").ExitCode);
    }

    [Fact]
    public void UnknownCommandIsBadInput() => Hcv.Run("frobnicate").AssertBadInput("unknown command", "frobnicate");

    [Fact]
    public void UnknownOptionIsNamedWithTheOptionSpeltNearlyLikeIt()
    {
        using var tmp = new TempFolder();
        var data = tmp.Write("d.json", """{"X": [[1, 0], [0, 1]], "y": [1, 2]}""");
        Hcv.Run("solve", data, "--bta", "0.1").AssertBadInput("unknown option --bta", "did you mean --beta");
        // An unknown option before the positional argument is not taken for it.
        Hcv.Run("patterns", "--frobnicate", data).AssertBadInput("unknown option --frobnicate");
    }

    [Fact]
    public void ConformWithoutASolverOrIntoAUsedReportFolderIsBadInput()
    {
        Hcv.Run("conform").AssertBadInput("--solver", "required");
        using var tmp = new TempFolder();
        tmp.Write("old-report.md", "an earlier run");
        Hcv.Run("conform", "--solver", "/bin/false", "--report", tmp.Path).AssertBadInput(tmp.Path, "not empty");
        Assert.Equal("an earlier run", File.ReadAllText(tmp.File("old-report.md")));
        Hcv.Run("conform", "--solver", "/bin/false", "--task", "guess").AssertBadInput("guess");
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void HelpOfEveryCommandListsEveryOptionOfItsDefinitionAndEveryExitCode(string name)
    {
        var run = Hcv.Run(name, "--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(run.Stdout, Hcv.Run("help", name).Stdout);
        var command = CommandLine.Commands.Single(c => c.Name == name).Build();
        Assert.NotEmpty(command.Options);
        foreach (var option in command.Options)
            Assert.True(Regex.IsMatch(run.Stdout, $@"{Regex.Escape(option.Name)}(?![\w-])"), $"hcv {name} --help does not list {option.Name}\n{run.Stdout}");
        foreach (var argument in command.Arguments) Assert.Contains($"<{argument.Name}>", run.Stdout);
        // Every command documents all four exit codes, including 3 (an internal error).
        var codes = Regex.Matches(run.Stdout[run.Stdout.IndexOf("Exit codes:", StringComparison.Ordinal)..], @"(?m)^  (\d)  \S").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("2", codes);
        Assert.Contains("3", codes);
        Assert.Contains("0", codes);
    }

    [Fact]
    public void DefaultsShownByHelpAreTheValuesTheCommandsUse()
    {
        var help = Hcv.Run("check", "--help").Stdout;
        Assert.Matches(@"--gap-tol <E>.*\[default: 1E-06\]", help);
        Assert.Matches(@"--patterns <P>.*\[default: auto\]", help);
    }
}
