using System.Reflection;
using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.Losses;

/// <summary>What the targets y of a loss may be (THEORY.md §1).</summary>
public enum TargetDomain
{
    /// <summary>Any finite real numbers; (y, β) → (ky, kβ) scales the program by k² (THEORY.md §4.1, U1).</summary>
    Real,
    /// <summary>Labels −1 or +1.</summary>
    SignLabels,
}

/// <summary>
/// Names a loss for <see cref="LossRegistry"/>: its name as the command line and the files spell it, and aliases. A loss
/// class with this attribute and a public constructor taking the scale c is registered: adding a loss touches its own
/// file (and its tests) only.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LossNameAttribute(string name, params string[] aliases) : Attribute
{
    /// <summary>The canonical lower-case name, e.g. "squared".</summary>
    public string Name { get; } = name;
    /// <summary>Other accepted spellings (case-insensitive).</summary>
    public IReadOnlyList<string> Aliases { get; } = aliases;
}

/// <summary>The losses by name: every <see cref="Loss"/> subclass of this assembly carrying a <see cref="LossNameAttribute"/>.</summary>
public static class LossRegistry
{
    internal sealed record Entry(string Name, Type Type, Func<double, Loss> Create);

    private static readonly IReadOnlyList<Entry> Entries = Discover(typeof(Loss).Assembly.GetTypes());

    private static readonly Dictionary<string, Entry> ByName = Entries
        .SelectMany(e => e.Type.GetCustomAttribute<LossNameAttribute>()!.Aliases.Prepend(e.Name).Select(alias => (alias, e)))
        .ToDictionary(p => p.alias.ToLowerInvariant(), p => p.e);

    /// <summary>The registered losses among <paramref name="types"/>: concrete <see cref="Loss"/> subclasses carrying <see cref="LossNameAttribute"/>, by name.</summary>
    internal static IReadOnlyList<Entry> Discover(IEnumerable<Type> types) =>
        types
            .Where(t => t.IsSubclassOf(typeof(Loss)) && !t.IsAbstract && t.GetCustomAttribute<LossNameAttribute>() is not null)
            .Select(t => new Entry(t.GetCustomAttribute<LossNameAttribute>()!.Name, t, ConstructorOf(t)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>A loss type's constructor from its scale c; a type without one is a malformed registration.</summary>
    internal static Func<double, Loss> ConstructorOf(Type t)
    {
        var ctor = t.GetConstructor([typeof(double)])
                   ?? throw new InvalidOperationException($"loss {t.Name} needs a public constructor taking its scale c");
        return c =>
        {
            try { return (Loss)ctor.Invoke([c]); }
            catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
        };
    }

    /// <summary>The canonical names of the registered losses, sorted.</summary>
    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToList();

    /// <summary>The loss of a name or alias (case-insensitive, surrounding blanks ignored) with scale c; an unknown name is an input error listing the known ones.</summary>
    public static Loss Create(string name, double scale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ByName.TryGetValue(name.Trim().ToLowerInvariant(), out var entry))
            throw new InvalidInputException($"unknown loss '{name}': expected {string.Join(" or ", Names.Select(n => $"'{n}'"))}");
        return entry.Create(scale);
    }

    /// <summary>The canonical name of a registered loss type.</summary>
    internal static string NameOf(Type lossType) =>
        lossType.GetCustomAttribute<LossNameAttribute>()?.Name
        ?? throw new InvalidOperationException($"loss {lossType.Name} has no [LossName] attribute");
}
