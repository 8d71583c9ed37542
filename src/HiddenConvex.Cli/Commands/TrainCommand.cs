namespace HiddenConvex.Cli.Commands;

/// <summary>hcv train: train a network by gradient methods on the non-convex objective.</summary>
public sealed class TrainCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "train";
    /// <inheritdoc />
    public string Summary => "train a network by gradient methods on the non-convex objective (not yet available)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json"];
    /// <inheritdoc />
    public string Help => "hcv train: not yet available\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        Console.Error.WriteLine("hcv train: not yet available");
        return 1;
    }
}
