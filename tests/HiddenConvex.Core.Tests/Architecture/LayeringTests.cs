using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using HiddenConvex.Core.Convex;
using NetArchTest.Rules;

namespace HiddenConvex.Core.Tests.Architecture;

/// <summary>
/// The layering of docs/ARCHITECTURE.md, enforced: no namespace cycle in the numeric core, the core never references the
/// harness or the CLI, and no command-line option name appears in the core's messages (the CLI words them).
/// </summary>
public class LayeringTests
{
    private static readonly Assembly Core = typeof(ConvexSolver).Assembly;

    private static IReadOnlyList<string> CoreNamespaces() =>
        Core.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("HiddenConvex.Core.", StringComparison.Ordinal))
            .Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();

    /// <summary>Namespace → the core namespaces its types depend on (NetArchTest reads the IL).</summary>
    private static Dictionary<string, List<string>> DependencyGraph()
    {
        var namespaces = CoreNamespaces();
        return namespaces.ToDictionary(a => a, a => namespaces.Where(b => b != a && !Types.InAssembly(Core).That().ResideInNamespace(a)
            .ShouldNot().HaveDependencyOn(b).GetResult().IsSuccessful).ToList());
    }

    [Fact]
    public void TheCoreHasItsDomainNamespaces()
    {
        // Guards the test itself: a graph of one namespace would have no cycle to find.
        Assert.Superset(new HashSet<string> { "HiddenConvex.Core.Pricing", "HiddenConvex.Core.Certificates", "HiddenConvex.Core.Convex",
            "HiddenConvex.Core.Networks", "HiddenConvex.Core.Verification", "HiddenConvex.Core.Pipeline" }, CoreNamespaces().ToHashSet());
    }

    [Fact]
    public void NoNamespaceOfTheCoreDependsOnItselfThroughAnother()
    {
        var graph = DependencyGraph();
        Assert.NotEmpty(graph["HiddenConvex.Core.Convex"]); // the graph is read, not empty
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"namespace cycle: {string.Join(" → ", cycle ?? [])}");
    }

    [Theory]
    [InlineData("HiddenConvex.Core.Convex", "HiddenConvex.Core.Verification")]
    [InlineData("HiddenConvex.Core.Convex", "HiddenConvex.Core.Networks")]
    [InlineData("HiddenConvex.Core.Certificates", "HiddenConvex.Core.Convex")]
    [InlineData("HiddenConvex.Core.Pricing", "HiddenConvex.Core.Certificates")]
    [InlineData("HiddenConvex.Core.Arrangements", "HiddenConvex.Core.Pricing")]
    public void ALowerLayerNeverUsesAHigherOne(string lower, string higher)
    {
        var result = Types.InAssembly(Core).That().ResideInNamespace(lower).ShouldNot().HaveDependencyOn(higher).GetResult();
        Assert.True(result.IsSuccessful, $"{lower} uses {higher} in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void TheCoreNeverReferencesTheHarnessOrTheCommandLine()
    {
        var referenced = Core.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("HiddenConvex.Harness", referenced);
        Assert.DoesNotContain("hcv", referenced);
        var result = Types.InAssembly(Core).ShouldNot().HaveDependencyOnAny("HiddenConvex.Harness", "HiddenConvex.Cli").GetResult();
        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void NoCommandLineOptionNameAppearsInTheCoresStrings()
    {
        var options = UserStrings(Core.Location).Where(s => Regex.IsMatch(s, @"(^|[\s(""'])--[a-z][a-z-]+")).ToList();
        Assert.True(options.Count == 0, "core strings naming a command-line option: " + string.Join(" | ", options));
    }

    /// <summary>A message worded the way the CLI words it, kept in this assembly for the scan below to find.</summary>
    private static readonly string CliWorded = "out.json already exists; pass --force to overwrite it";

    [Fact]
    public void TheOptionScanFindsAnOptionWhereThereIsOne()
    {
        // The scan must see an option where there is one (else the test above could not fail).
        Assert.Contains(CliWorded, UserStrings(typeof(LayeringTests).Assembly.Location));
        Assert.Matches(@"(^|[\s(""'])--[a-z][a-z-]+", CliWorded);
    }

    /// <summary>The string literals of an assembly (its #US heap).</summary>
    private static IReadOnlyList<string> UserStrings(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var strings = new List<string>();
        var handle = MetadataTokens.UserStringHandle(1);
        while (!handle.IsNil)
        {
            strings.Add(md.GetUserString(handle));
            handle = md.GetNextHandle(handle);
        }
        return strings;
    }

    /// <summary>A cycle of the directed graph as a path a → … → a, or null (depth-first search with colours).</summary>
    private static List<string>? FindCycle(Dictionary<string, List<string>> graph)
    {
        var state = graph.Keys.ToDictionary(k => k, _ => 0); // 0 new, 1 on the stack, 2 done
        var stack = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            stack.Add(node);
            foreach (var next in graph[node])
            {
                if (state[next] == 1) return stack.SkipWhile(n => n != next).Append(next).ToList();
                if (state[next] == 0 && Visit(next) is { } found) return found;
            }
            stack.RemoveAt(stack.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys)
            if (state[node] == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }
}
