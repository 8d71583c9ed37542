namespace HiddenConvex.Cli.Commands;

/// <summary>hcv landscape: train widths 1..n+2 and compare with the convex optimum.</summary>
public sealed class LandscapeCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "landscape";
    /// <inheritdoc />
    public string Summary => "train widths 1..n+2 and compare with the convex optimum (not yet available)";
    /// <inheritdoc />
    public IReadOnlyCollection<string> Flags => ["json"];
    /// <inheritdoc />
    public string Help => "hcv landscape: not yet available\n";

    /// <inheritdoc />
    public int Run(ParsedArgs args)
    {
        Console.Error.WriteLine("hcv landscape: not yet available");
        return 1;
    }
}
