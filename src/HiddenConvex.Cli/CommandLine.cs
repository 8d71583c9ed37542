using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using HiddenConvex.Cli.Commands;
using HiddenConvex.Cli.Infrastructure;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Cli;

/// <summary>
/// hcv's command line on System.CommandLine: the commands' definitions (options, defaults, help text, exit codes) are
/// the only source of parsing and of --help; errors are worded "hcv CMD: error: ..." and mapped to exit codes
/// (2 bad input, 3 internal error).
/// </summary>
public static class CommandLine
{
    /// <summary>All commands, in the order --help lists them.</summary>
    public static readonly IReadOnlyList<HcvCommand> Commands =
    [
        new PatternsCommand(),
        new SolveCommand(),
        new CheckCommand(),
        new TrainCommand(),
        new LandscapeCommand(),
        new ConformCommand(),
    ];

    private const string Title = "hcv — HiddenConvex.Verify: certify global optimality of weight-decayed two-layer ReLU networks";

    /// <summary>Entry point: parses, runs, and returns the exit code.</summary>
    public static int Run(string[] args)
    {
        // "hcv help CMD" is "hcv CMD --help".
        if (args is ["help", var name, ..]) args = [name, "--help"];
        else if (args is ["help"]) args = ["--help"];
        var (root, byCommand) = BuildRoot();
        var output = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = Console.Error, EnableDefaultExceptionHandler = false };

        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke(configuration);
            Console.Out.Write(output.ToString());
            return ExitCode.BadInput;
        }
        if (!args[0].StartsWith('-') && Commands.All(c => c.Name != args[0]))
        {
            Console.Error.WriteLine($"hcv: error: unknown command '{args[0]}'; the commands are {string.Join(", ", Commands.Select(c => c.Name))}. Run 'hcv --help' for the list.");
            return ExitCode.BadInput;
        }

        var parse = root.Parse(args);
        var command = byCommand.GetValueOrDefault(parse.CommandResult.Command);
        bool version = parse.GetResult(root.Options.OfType<VersionOption>().Single()) is not null;
        if (parse.Action is HelpText || version || (command is null && parse.Errors.Count == 0))
        {
            parse.Invoke(configuration);
            Console.Out.Write(output.ToString());
            return ExitCode.Success;
        }
        if (command is null)
        {
            Console.Error.WriteLine($"hcv: error: {parse.Errors[0].Message} Run 'hcv --help' for usage.");
            return ExitCode.BadInput;
        }
        var errors = Errors(parse, command).ToList();
        if (errors.Count > 0) return Usage(command, errors);
        return Execute(command, parse);
    }

    /// <summary>The main help text (what 'hcv --help' prints).</summary>
    public static string MainHelp()
    {
        var (root, _) = BuildRoot();
        var output = new StringWriter();
        root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    /// <summary>The --help text of one command.</summary>
    public static string HelpOf(string name)
    {
        var (root, _) = BuildRoot();
        var output = new StringWriter();
        root.Parse([name, "--help"]).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    /// <summary>Runs a command, mapping exceptions to exit codes and hcv's wording.</summary>
    private static int Execute(HcvCommand command, ParseResult parse)
    {
        try
        {
            return command.Run(parse);
        }
        catch (OutputExistsException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Path} already exists; pass --force to overwrite it");
            return ExitCode.BadInput;
        }
        catch (InvalidInputException e)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {e.Message}");
            return ExitCode.BadInput;
        }
        catch (UsageException e)
        {
            return Usage(command, [e.Message]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"hcv {command.Name}: error: {Describe(e)}");
            return ExitCode.BadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("HCV_DEBUG") is null)
        {
            // A defect, not bad input: say so plainly; HCV_DEBUG=1 lets the stack trace through.
            Console.Error.WriteLine($"hcv {command.Name}: internal error ({e.GetType().Name}): {e.Message}");
            Console.Error.WriteLine("This is a defect of hcv; rerun with HCV_DEBUG=1 for details and report it with the input.");
            return ExitCode.InternalError;
        }
    }

    /// <summary>A file-system failure in hcv's words (the path and what went wrong), not .NET's exception text.</summary>
    private static string Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied while reading or writing a file",
        DirectoryNotFoundException => "a folder on the path does not exist",
        FileNotFoundException f => $"{f.FileName}: no such file",
        PathTooLongException => "a file name is too long",
        _ => $"reading or writing a file failed ({e.Message})",
    };

    private static int Usage(HcvCommand command, IReadOnlyList<string> messages)
    {
        foreach (var m in messages) Console.Error.WriteLine($"hcv {command.Name}: error: {m}");
        Console.Error.WriteLine($"Run 'hcv {command.Name} --help' for usage.");
        return ExitCode.BadInput;
    }

    /// <summary>
    /// The parse's errors in hcv's words: unknown options (with the option spelt nearly like it), missing arguments and
    /// required options, bad values, then the command's own cross-option checks.
    /// </summary>
    private static IEnumerable<string> Errors(ParseResult parse, HcvCommand command)
    {
        var built = parse.CommandResult.Command;
        var known = built.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        bool any = false;
        // An unknown "--name" can be taken for a positional argument's value: look at the tokens themselves.
        var unknown = parse.Tokens.Select(t => t.Value).TakeWhile(t => t != "--")
            .Where(t => t.StartsWith("--", StringComparison.Ordinal) && !known.Contains(t.Split('=')[0])).Select(t => t.Split('=')[0]).Distinct().ToList();
        foreach (var name in unknown)
        {
            any = true;
            var close = known.Where(k => k.StartsWith("--", StringComparison.Ordinal) && EditDistance(k, name) <= 2).ToList();
            yield return $"unknown option {name}" + (close.Count > 0 ? $" (did you mean {string.Join(" or ", close)}?)" : "");
        }
        // After an unknown option the positional arguments are unreliable (it may have taken one's place): only required options follow.
        bool positionalsKnown = !any;
        foreach (var token in parse.UnmatchedTokens.Where(_ => positionalsKnown))
        {
            any = true;
            yield return $"unexpected argument '{token}'";
        }
        var missingArguments = built.Arguments.Where(a => parse.GetResult(a) is not { Tokens.Count: > 0 }).ToList();
        if (missingArguments.Count > 0 && positionalsKnown)
        {
            any = true;
            yield return $"missing argument: expected {string.Join(" ", built.Arguments.Select(a => a.Name))}";
        }
        foreach (var option in built.Options.Where(o => o.Required && parse.GetResult(o) is not { IdentifierToken: not null }))
        {
            any = true;
            yield return $"option {option.Name} is required";
        }
        foreach (var error in parse.Errors.Where(_ => positionalsKnown))
        {
            // The cases above are worded already; what remains are bad values (our parsers' messages) and missing values.
            if (error.SymbolResult is CommandResult or OptionResult { IdentifierToken: null }) continue;
            if (error.SymbolResult is ArgumentResult a && built.Arguments.Contains(a.Argument)) continue;
            any = true;
            yield return error.Message.TrimEnd('.');
        }
        if (!any)
            foreach (var message in command.Validate(parse)) yield return message;
    }

    private static (RootCommand Root, Dictionary<Command, HcvCommand> ByCommand) BuildRoot()
    {
        var root = new RootCommand(Title);
        var byCommand = new Dictionary<Command, HcvCommand>();
        foreach (var c in Commands)
        {
            var built = c.Build();
            byCommand[built] = c;
            root.Subcommands.Add(built);
        }
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpText(byCommand);
        return (root, byCommand);
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
