using HiddenConvex.Harness.Reporting;

namespace HiddenConvex.Harness.Tests.Reporting;

/// <summary>Small runs to render: passed, failed (with figures) and skipped properties, and names full of special characters.</summary>
internal static class ReportFixtures
{
    /// <summary>A law name with every character the writers must escape or flatten: markup, ampersand, quotes, a pipe and a newline.</summary>
    public const string NastyName = "law <b>bold</b> & \"quoted\" 'single' | piped\nsecond line";

    public const string ReplayCommand = "dotnet run --project properties/HiddenConvex.Properties -c Release -- --replay \"(123,456,17)\" --law \"x & y\"";

    /// <summary>A counterexample input whose numbers must survive the JSON round trip exactly.</summary>
    public const string InputJson = """{"Problem":{"X":[[0.1,-2.5E+17],[5E-324,1E-300]],"Y":[0.30000000000000004,-1],"Loss":"squared <&>"},"Seed":37705}""";

    public static Counterexample Failure(string check = "L_β(θ) < P*_c & \"x\" <y>", IReadOnlyList<Figure>? figures = null, string? original = null) =>
        new(InputJson, check, "0.25 <", "≤ 0.125 & more", "Tolerances.Objective (abs 1E-10 + rel 1E-09)",
            "message with <tags> & \"quotes\"\nand a second line", ReplayCommand, "(123,456,17)", 4, original, figures);

    public static RunReport Run(params PropertyReport[] properties) =>
        new("Property run <T> & \"co\"", new DateTimeOffset(2026, 11, 27, 23, 5, 9, TimeSpan.Zero), TimeSpan.FromSeconds(12.5),
            "default: 200 cases per law, --seed 1", properties);

    public static PropertyReport Passed(string family, string name, int cases = 200) =>
        new(family, name, cases, TimeSpan.FromMilliseconds(1234), PropertyStatus.Passed,
            [new ClassCount("n=3", cases / 2), new ClassCount("n=10", cases - cases / 2), new ClassCount("data=gaussian", cases)]);

    public static PropertyReport Failed(string family, string name, Counterexample? failure = null) =>
        new(family, name, 17, TimeSpan.FromMilliseconds(456), PropertyStatus.Failed, [new ClassCount("n=2", 17)], failure ?? Failure());

    public static PropertyReport Skipped(string family, string name) =>
        new(family, name, 0, TimeSpan.Zero, PropertyStatus.Skipped, [], Note: "core not implemented yet: <Solver> & co");

    /// <summary>Two passed, two failed (one with an SVG figure and the unshrunk input, one with the nasty name), one skipped.</summary>
    public static RunReport Mixed()
    {
        var figure = new Figure("L_β along the path <§8>", SvgPlot.Line([3.0, 2.5, 2.0, 1.75], "path & <objective>", "L_β"));
        return Run(
            Passed("E1", "the number of cells is Cover's count"),
            Failed("M1", "ψ maps every feasible W to a network with the same prediction", Failure(figures: [figure], original: """{"Seed": 1, "X": [[1, 2, 3]]}""")),
            Failed("T3", NastyName),
            Skipped("T5", "the path of §8 decreases L_β"),
            Passed("D1", NastyName.Replace("law", "other law")));
    }
}
