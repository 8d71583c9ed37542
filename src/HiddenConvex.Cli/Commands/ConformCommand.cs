namespace HiddenConvex.Cli.Commands;

/// <summary>hcv conform: validate an external solver or trainer against the properties.</summary>
public sealed class ConformCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "conform";
    /// <inheritdoc />
    public string Summary => "validate an external solver or trainer against the properties (not yet available)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json"];
    /// <inheritdoc />
    public string Help => "hcv conform: not yet available\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        Console.Error.WriteLine("hcv conform: not yet available");
        return 1;
    }
}
