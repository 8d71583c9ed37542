using HiddenConvex.Core.Arrangements;
using HiddenConvex.Core.Convex;
using HiddenConvex.Core.Data;
using HiddenConvex.Core.Losses;
using HiddenConvex.Core.Numerics;
using HiddenConvex.Core.Verification;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The barrier's stall at d ≥ 4: damped Newton steps right after t grows pressed large blocks against their second-order
/// cone (s_b − ‖w_b‖ about a thousand times below its central value 1/(tβ)), after which Newton crept along the cone for
/// hundreds of steps: centring stages ended on the step limit, the inner solves repeated, and the solve ended
/// numerical-error (on n = 60, d = 4 and on the n = 30, d = 5 Gaussian repro alike). This 20 × 4 instance had the same
/// failure mode (three inner solves on the Newton step limit, numerical-error at relative gap 2.0e-2 after 108 s).
/// </summary>
public class BarrierStallTests
{
    /// <summary>Gaussian 20 × 4 data, planted two-neuron teacher with noise 0.1, squared loss, β = 0.03·β_max.</summary>
    private static ConvexProblem TwentyByFour()
    {
        double[][] x =
        [
            [0.02583890258261035, -0.3747438268747079, 1.395400196635836, -1.0346743571323884], [0.03799704205231487, -1.0869448077402046, 0.8828712488218265, -0.47144535235782986],
            [-0.6366752852272767, -1.3740703186063667, -0.14168836070117447, 0.2838113890446565], [0.31505844531179256, -1.1273232816188288, 1.3331233862770455, -0.12854290320986803],
            [0.21412537109789165, -0.37983879765967987, -0.07945276302097763, 0.6088602695010282], [-1.4685091271258428, -0.047132180658263384, -0.6423228975138935, 0.5447588852069681],
            [-0.18644242707440106, 1.4056171421718835, 0.763495790813458, 0.37782107856992003], [0.3671577089966681, 0.7420717952816906, 2.0312024089733325, 2.781171881147299],
            [1.0954502372448467, 0.44435668523862687, -1.2668339562320772, 0.04118210860454354], [0.31583945485926923, 0.717657638105336, -0.5504370708568824, 1.7919431357407865],
            [0.20608456590482607, 0.37678671360152444, 1.7814495779800448, 0.0723877853166203], [1.618450856484745, 0.6801159440861672, 1.0567766625372286, -0.2829254897323623],
            [-0.4276246383143065, 0.29316667228244686, -1.2591978176804561, 0.22813399225222317], [0.9044922489622154, -1.4052973234455648, 0.2874299904799206, -0.8228558573706359],
            [0.23905154948330354, -1.3567944397299057, -2.2419897844726364, -1.3918762525943873], [-1.4055499672752043, -0.4535285214225326, 0.3933348730190979, 0.536526479631747],
            [0.26546433204424386, 0.6193063577232897, -1.144166661460811, 1.8352562318033148], [-0.42626552368168236, 1.8805467894389243, 0.008007299308837177, 0.4392920368700573],
            [0.42002683567310817, -1.2647524871556692, -0.6322350376302267, -1.2874463356972787], [1.739337687307547, 0.34072251887430216, 1.414492995363738, 1.2282932849349821],
        ];
        double[] y =
        [
            -0.020032002950847477, -0.6395020870317933, -0.45222176089139265, -1.5539231438981829, -0.08903516074634367, 0.05125814089965735, 2.706990791010859,
            4.527162483619138, 1.604014009473487, 2.9869610437714114, 1.5655714542290133, 2.9283834798320973, -0.0909055917999913, -1.300702637831649,
            -0.03309616750941235, 0.029002938729815905, 2.683203411134925, 2.5451426311900454, -0.05767324285801226, 3.5651892862816528,
        ];
        var data = Dataset.Create(x, y, "stall 20x4");
        return new ConvexProblem(data, new SquaredLoss(), 1.233695119127613, CellEnumerator.Enumerate(data.X));
    }

    [Fact]
    public void No_centring_stage_runs_out_of_Newton_steps_and_the_solve_is_certified()
    {
        var problem = TwentyByFour();
        var progress = new StringWriter();
        var r = ConvexSolver.Solve(problem, new SolverSettings { Verbose = true, Progress = progress });
        var stalls = progress.ToString().Split('\n').Where(line => line.Contains("Newton step limit")).ToList();
        Assert.True(stalls.Count == 0, $"inner solves ended on the Newton step limit:\n{string.Join('\n', stalls)}");
        Assert.True(r.Status == SolverStatus.Optimal, $"status {r.StatusName}, relative gap {r.RelativeGap:E3}\n{progress}");
        var check = SolutionCheck.Check(problem, ClaimedSolution.Of(r), Tolerances.DefaultSolverGap);
        Assert.True(check.Passed, check.Failures);
    }
}
