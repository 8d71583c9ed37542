using System.CommandLine;

namespace HiddenConvex.Cli.Infrastructure;

/// <summary>
/// A sub-command of hcv, defined once: its options and arguments (System.CommandLine symbols with their descriptions and
/// defaults), the text --help prints after them, its exit codes, and what it does with a parse. Help, parsing and
/// defaults all come from this one definition.
/// </summary>
public abstract class HcvCommand
{
    /// <summary>The word that selects it, e.g. "patterns".</summary>
    public abstract string Name { get; }

    /// <summary>One line for the command list and the head of --help.</summary>
    public abstract string Summary { get; }

    /// <summary>What --help prints after the options: what is computed, file formats, decision rules (no option list).</summary>
    public virtual string Details => "";

    /// <summary>The exit codes particular to this command (0 and 1); 2 (bad input) and 3 (internal error) are added to every command.</summary>
    protected abstract IReadOnlyList<(int Code, string Meaning)> OwnExitCodes { get; }

    /// <summary>Every exit code of the command with its meaning, as --help lists them.</summary>
    public IReadOnlyList<(int Code, string Meaning)> ExitCodes =>
        [.. OwnExitCodes.Append((ExitCode.BadInput, "bad input (files, options, values)")).Append((ExitCode.InternalError, "internal error (a defect of hcv, never an answer)")).OrderBy(c => c.Item1)];

    /// <summary>The options and arguments, in the order --help lists them.</summary>
    public abstract IEnumerable<Symbol> Symbols { get; }

    /// <summary>Checks that need more than one option (e.g. two that exclude each other); returns messages, empty when fine.</summary>
    public virtual IEnumerable<string> Validate(ParseResult parse) => [];

    /// <summary>Runs with a parse free of errors; returns the exit code.</summary>
    public abstract int Run(ParseResult parse);

    /// <summary>The System.CommandLine command of this definition.</summary>
    public Command Build()
    {
        var command = new Command(Name, Summary);
        foreach (var symbol in Symbols)
        {
            switch (symbol)
            {
                case Option o: command.Options.Add(o); break;
                case Argument a: command.Arguments.Add(a); break;
                default: throw new InvalidOperationException($"unsupported symbol {symbol.GetType().Name}");
            }
        }
        return command;
    }
}

/// <summary>The process exit codes of hcv.</summary>
public static class ExitCode
{
    /// <summary>Success (for 'check': optimal).</summary>
    public const int Success = 0;
    /// <summary>A negative verdict or a failed check.</summary>
    public const int Negative = 1;
    /// <summary>Bad input: files, options, values.</summary>
    public const int BadInput = 2;
    /// <summary>An internal error: a defect of hcv, never an answer.</summary>
    public const int InternalError = 3;
    /// <summary>'check' could neither certify nor refute optimality (THEORY.md §9).</summary>
    public const int Undecided = 4;
}

/// <summary>A usage error found while running (an option value that is well-formed but not allowed): exit code 2 with a pointer to --help.</summary>
public sealed class UsageException(string message) : Exception(message);
