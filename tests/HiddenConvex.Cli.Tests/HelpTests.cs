using System.Text.RegularExpressions;

namespace HiddenConvex.Cli.Tests;

/// <summary>hcv's help: the main help, and each command's --help against the options the command reads.</summary>
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
    public void MainHelpAndVersionExitWithZero()
    {
        var help = Hcv.Run("--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        foreach (var c in CommandLine.Commands) Assert.Contains($"  {c.Name}", help.Stdout);
        Assert.Equal(0, Hcv.Run("--version").ExitCode);
    }

    [Fact]
    public void UnknownCommandIsBadInput() => Hcv.Run("frobnicate").AssertBadInput("unknown command", "frobnicate");

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
    public void HelpOfEveryCommandExitsZeroAndMentionsEveryOptionItReads(string name)
    {
        var run = Hcv.Run(name, "--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(run.Stdout, Hcv.Run("help", name).Stdout);
        var options = OptionsReadBy(name);
        var command = CommandLine.Commands.Single(c => c.Name == name);
        // The source scan must see at least the declared flags, or it is not reading the command.
        Assert.Subset(options, command.Flags.ToHashSet());
        var missing = options.Where(o => !Regex.IsMatch(run.Stdout, $@"--{Regex.Escape(o)}(?![\w-])")).Order().ToList();
        Assert.True(missing.Count == 0, $"hcv {name} --help does not mention: {string.Join(", ", missing.Select(m => "--" + m))}");
    }

    /// <summary>
    /// The option names a command reads through ParsedArgs (Flag, Get, Require, RequireDouble, Double, Int), found in
    /// its source file src/HiddenConvex.Cli/Commands/&lt;Name&gt;Command.cs, plus those of TrainCommand.Settings when the
    /// command reads its optimizer settings through it.
    /// </summary>
    private static HashSet<string> OptionsReadBy(string name)
    {
        var dir = Path.Combine(RepoFiles.Root, "src", "HiddenConvex.Cli", "Commands");
        var file = Path.Combine(dir, char.ToUpperInvariant(name[0]) + name[1..] + "Command.cs");
        Assert.True(File.Exists(file), $"no source file {file} for command {name}");
        var source = File.ReadAllText(file);
        var options = Read(source);
        if (source.Contains("TrainCommand.Settings(args)", StringComparison.Ordinal))
        {
            var train = File.ReadAllText(Path.Combine(dir, "TrainCommand.cs"));
            int start = train.IndexOf("internal static TrainingSettings Settings(", StringComparison.Ordinal);
            Assert.True(start >= 0, "TrainCommand.Settings not found");
            int end = train.IndexOf("\n    }\n", start, StringComparison.Ordinal);
            options.UnionWith(Read(train[start..end]));
        }
        Assert.NotEmpty(options);
        return options;
    }

    private static HashSet<string> Read(string source) =>
        Regex.Matches(source, @"args\.(?:Flag|Get|Require|RequireDouble|Double|Int)\(""([a-z][a-z0-9-]*)""")
            .Select(m => m.Groups[1].Value).ToHashSet();
}
