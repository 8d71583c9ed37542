using HiddenConvex.Cli.Commands;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Cli;

/// <summary>A sub-command of hcv.</summary>
public interface ICommand
{
    /// <summary>The word that selects it, e.g. "patterns".</summary>
    string Name { get; }
    /// <summary>One line for the command list.</summary>
    string Summary { get; }
    /// <summary>Full help text (usage, options, file formats).</summary>
    string Help { get; }
    /// <summary>Options that take no value, e.g. "json".</summary>
    IReadOnlyCollection<string> Flags { get; }
    /// <summary>Runs with parsed arguments; returns the exit code.</summary>
    int Run(ParsedArgs args);
}

/// <summary>Dispatch, help and the mapping of errors to exit codes (2 for bad input).</summary>
public static class CommandLine
{
    /// <summary>All commands, in the order --help lists them.</summary>
    public static readonly IReadOnlyList<ICommand> Commands =
    [
        new PatternsCommand(),
        new SolveCommand(),
        new CheckCommand(),
        new TrainCommand(),
        new LandscapeCommand(),
        new ConformCommand(),
    ];

    /// <summary>Exit code for bad input (files, options, values).</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for an internal error (a defect of hcv, never an answer).</summary>
    public const int InternalError = 3;

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            if (args.Length >= 2 && Find(args[1]) is { } c) { Console.Out.Write(c.Help); return 0; }
            Console.Out.Write(MainHelp());
            return args.Length == 0 ? BadInput : 0;
        }
        if (args[0] == "--version") { Console.Out.WriteLine(typeof(CommandLine).Assembly.GetName().Version); return 0; }
        var command = Find(args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"hcv: unknown command '{args[0]}'. Run 'hcv --help' for the list.");
            return BadInput;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h")) { Console.Out.Write(command.Help); return 0; }
        try
        {
            return command.Run(ParsedArgs.Parse(args.Skip(1).ToArray(), command.Flags));
        }
        catch (OutputExistsException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Path} already exists; pass --force to overwrite it");
            return BadInput;
        }
        catch (InvalidInputException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Message}");
            return BadInput;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: {e.Message}\nRun 'hcv {command.Name} --help' for usage.");
            return BadInput;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Message}");
            return BadInput;
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("HCV_DEBUG") is null)
        {
            // A defect, not bad input: say so plainly; HCV_DEBUG=1 lets the stack trace through.
            Console.Error.WriteLine($"hcv {command.Name}: internal error ({e.GetType().Name}): {e.Message}");
            Console.Error.WriteLine("This is a defect of hcv; rerun with HCV_DEBUG=1 for details and report it with the input.");
            return InternalError;
        }
    }

    private static ICommand? Find(string name) => Commands.FirstOrDefault(c => c.Name == name);

    private static string MainHelp()
    {
        var lines = new List<string>
        {
            "hcv — HiddenConvex.Verify: certify global optimality of weight-decayed two-layer ReLU networks",
            "",
            "Usage: hcv <command> [arguments] [options]",
            "       hcv <command> --help      help for one command",
            "",
            "Commands:",
        };
        lines.AddRange(Commands.Select(c => $"  {c.Name,-12} {c.Summary}"));
        lines.Add("");
        lines.Add("Exit codes: 0 success (for 'check': optimal), 1 a negative verdict or failed check, 2 bad input, 3 internal error.");
        lines.Add("Machine-readable output (--json) goes to stdout; progress and errors go to stderr.");
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
