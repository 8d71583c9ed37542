namespace HiddenConvex.Cli.Commands;

/// <summary>hcv solve: solve the convex program with a certified duality gap.</summary>
public sealed class SolveCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "solve";
    /// <inheritdoc />
    public string Summary => "solve the convex program with a certified duality gap (not yet available)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json"];
    /// <inheritdoc />
    public string Help => "hcv solve: not yet available\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        Console.Error.WriteLine("hcv solve: not yet available");
        return 1;
    }
}
