namespace HiddenConvex.Cli.Commands;

/// <summary>hcv patterns DATA [--json] [--list]: the activation patterns of a data set (THEORY.md §2).</summary>
public sealed class PatternsCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "patterns";
    /// <inheritdoc />
    public string Summary => "enumerate the activation patterns (cells) of a data set";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json", "list"];
    /// <inheritdoc />
    public string Help => "hcv patterns DATA [--json] [--list]\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args) => throw new NotImplementedException();
}
