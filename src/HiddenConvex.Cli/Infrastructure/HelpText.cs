using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// --help: System.CommandLine's description, usage, arguments and options (with their defaults), followed by the command's
/// own text (what it computes, formats, rules) and its exit codes; the main help adds the exit codes and the output
/// conventions. Everything comes from the commands' definitions.
/// </summary>
public sealed class HelpText(IReadOnlyDictionary<Command, HcvCommand> byCommand) : SynchronousCommandLineAction
{
    private readonly HelpAction _standard = new();

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        _standard.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        var text = byCommand.TryGetValue(parseResult.CommandResult.Command, out var hcv)
            ? Join(hcv.Details, ExitCodes(hcv.ExitCodes))
            : MainNotes();
        output.WriteLine(text.TrimEnd());
        output.WriteLine();
        return ExitCode.Success;
    }

    /// <summary>"Exit codes:" and one line per code.</summary>
    public static string ExitCodes(IEnumerable<(int Code, string Meaning)> codes) =>
        "Exit codes:\n" + string.Join("\n", codes.Select(c => $"  {c.Code}  {c.Meaning}"));

    private static string Join(params string[] parts) => string.Join("\n\n", parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.TrimEnd()));

    private static string MainNotes() => Join(
        ExitCodes([(ExitCode.Success, "success (for 'check': optimal)"), (ExitCode.Negative, "a negative verdict or a failed check"),
            (ExitCode.BadInput, "bad input (files, options, values)"), (ExitCode.InternalError, "internal error (a defect of hcv, never an answer)"),
            (ExitCode.Undecided, "'check' only: undecided (neither certified nor refuted)")]),
        "Machine-readable output (--json) is one line of JSON on stdout; progress and errors go to stderr.\n" +
        "Run 'hcv <command> --help' (or 'hcv help <command>') for one command.");
}
