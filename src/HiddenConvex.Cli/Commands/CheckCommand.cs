namespace HiddenConvex.Cli.Commands;

/// <summary>hcv check: check a trained network for global optimality.</summary>
public sealed class CheckCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "check";
    /// <inheritdoc />
    public string Summary => "check a trained network for global optimality (not yet available)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json"];
    /// <inheritdoc />
    public string Help => "hcv check: not yet available\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        Console.Error.WriteLine("hcv check: not yet available");
        return 1;
    }
}
