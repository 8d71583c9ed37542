using HiddenConvex.Core.Arrangements;
using HiddenConvex.Harness.Conformance;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Harness.Tests.Conformance;

public class ProtocolTests
{
    private const string Good = """{"id":"r1","status":"optimal","blocks":[{"pattern":[1,0],"sign":-1,"w":[0.5,-0.25]}],"objective":1.5,"gap_tolerance":1e-7,"patterns_exact":false,"network":{"U":[[1,2]],"alpha":[3]},"solver":"x"}""";

    [Fact]
    public void ParsesAWellFormedConvexAnswer()
    {
        var a = Protocol.ParseConvexAnswer(Good, "r1", 2, 2);
        Assert.Equal("optimal", a.Status);
        var b = Assert.Single(a.Blocks);
        Assert.Equal([1, 0], b.Pattern);
        Assert.Equal(-1, b.Sign);
        Assert.Equal([0.5, -0.25], b.W);
        Assert.Equal(1.5, a.Objective);
        Assert.Equal(1e-7, a.GapTolerance);
        Assert.False(a.PatternsExact);
        Assert.Equal(3.0, a.Network!.Alpha[0]);
        Assert.Equal("x", a.Solver);
    }

    [Theory]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[],"objective":NaN}""", "non-finite")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[{"pattern":[1,0],"sign":1,"w":[Infinity,0]}],"objective":1}""", "non-finite")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[],"objective":"NaN"}""", "is the string \"NaN\", expected number")]
    [InlineData("""{"id":"r2","status":"optimal","blocks":[],"objective":1}""", "expected \"r1\"")]
    [InlineData("""{"status":"optimal","blocks":[],"objective":1}""", "\"id\" is missing")]
    [InlineData("""{"id":"r1","blocks":[],"objective":1}""", "no field \"status\"")]
    [InlineData("""{"id":"r1","status":"optimal","objective":1}""", "no field \"blocks\"")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[{"pattern":[1],"sign":1,"w":[0,0]}],"objective":1}""", "pattern has 1 entries")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[{"pattern":[1,2],"sign":1,"w":[0,0]}],"objective":1}""", "expected 0 or 1")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[{"pattern":[1,0],"sign":0,"w":[0,0]}],"objective":1}""", "expected +1 or -1")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[{"pattern":[1,0],"sign":1,"w":[0]}],"objective":1}""", "expected d = 2")]
    [InlineData("""{"id":"r1","status":"optimal","blocks":[],"objective":1,"network":{"U":[[1,2]],"alpha":[1,2]}}""", "alpha has 2 entries")]
    [InlineData("""{"id":"r1","error":"singular KKT system"}""", "singular KKT system")]
    [InlineData("""this is not json""", "not valid JSON")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData(null, "closed its output")]
    public void RejectsMalformedAnswersNamingTheProblem(string? line, string expected)
    {
        var e = Assert.Throws<ProtocolException>(() => Protocol.ParseConvexAnswer(line, "r1", 2, 2));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ParsesATrainAnswerAndRejectsNaNWeights()
    {
        var t = Protocol.ParseTrainAnswer("""{"id":"a","status":"converged","U":[[1,0],[0,1]],"alpha":[1,-1],"objective":2,"stationarity_tolerance":1e-5}""", "a", 2);
        Assert.Equal(2, t.Network.Width);
        Assert.Equal(1e-5, t.StationarityTolerance);
        var e = Assert.Throws<ProtocolException>(() => Protocol.ParseTrainAnswer("""{"id":"a","status":"converged","U":[[NaN,0]],"alpha":[1],"objective":2}""", "a", 2));
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void RequestIsOneLineWithTheExactPatternSetAndRoundTripsNumbers()
    {
        var inst = ConformFixtures.OneByOne() with { X = [[0.1], [-1e-17]], Y = [1.0 / 3, 2] };
        var s0 = ActivationPattern.Parse("10");
        var s1 = ActivationPattern.Parse("01");
        var patterns = new PatternSet([new Cell(s0, Vector<double>.Build.Dense([1.0])), new Cell(s1, Vector<double>.Build.Dense([-1.0]))], true, 1, "exact", 2);
        string line = Protocol.Request("q7", ConformTask.SolveConvex, inst, patterns, 1e-6);
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("{\"id\":\"q7\"", line);
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("solve-convex", root.GetProperty("task").GetString());
        Assert.Equal(1.0 / 3, root.GetProperty("y")[0].GetDouble());
        Assert.Equal(-1e-17, root.GetProperty("X")[1][0].GetDouble());
        Assert.Equal(2, root.GetProperty("patterns").GetArrayLength());
        Assert.Equal(1, root.GetProperty("patterns")[0][0].GetInt32());
        Assert.Equal("squared", root.GetProperty("loss").GetString());
        string train = Protocol.Request("q8", ConformTask.Train, inst, patterns, 1e-6);
        using var tdoc = System.Text.Json.JsonDocument.Parse(train);
        Assert.Equal(2, tdoc.RootElement.GetProperty("width").GetInt32());
    }
}
