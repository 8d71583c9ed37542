"""Finding hcv, the options and files it is given, and how its exit codes and answers are read."""

import json
import os
import shlex
import shutil
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np

from support import HERE, hc, needs_torch, real_hcv, regression_data, two_layer
import hiddenconvex.runner as runner

FAKE = shlex.join([sys.executable, os.path.join(HERE, "fake_hcv.py")])
WD = 0.05


class FindingHcvTests(unittest.TestCase):
    def setUp(self):
        self.empty = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.empty, True)

    def test_no_hcv_anywhere_explains_how_to_get_it(self):
        with mock.patch.dict(os.environ, {"PATH": self.empty}, clear=False):
            os.environ.pop("HCV", None)
            with self.assertRaises(hc.HcvNotFoundError) as caught:
                runner.command()
        message = str(caught.exception)
        for needed in ("HCV", "PATH", "dotnet build src/HiddenConvex.Cli -c Release", "dotnet tool install"):
            self.assertIn(needed, message)
        self.assertIsInstance(caught.exception, FileNotFoundError)

    def test_an_hcv_variable_naming_no_program_says_so(self):
        with mock.patch.dict(os.environ, {"HCV": "/nonexistent/hcv --flag"}):
            with self.assertRaisesRegex(hc.HcvNotFoundError, "(?s)HCV='/nonexistent/hcv --flag'.*dotnet build"):
                runner.command()

    def test_the_hcv_variable_is_a_command_line_split_like_a_shell(self):
        with mock.patch.dict(os.environ, {"HCV": "dotnet '/some path/hcv.dll'"}):
            if runner.shutil.which("dotnet") is None:
                self.skipTest("no dotnet on PATH")
            self.assertEqual(runner.command()[1:], ["/some path/hcv.dll"])

    @needs_torch
    def test_check_without_hcv_raises_the_explanation(self):
        X, y = regression_data(n=5, d=2)
        with self.assertRaisesRegex(hc.HcvNotFoundError, "dotnet tool install"):
            hc.check(two_layer(2, 3), X, y, weight_decay=WD, hcv="/nonexistent/hcv")


class OptionTests(unittest.TestCase):
    def test_options_are_passed_only_when_given_and_round_trip(self):
        self.assertEqual(runner.option("--time-limit", None), [])
        self.assertEqual(runner.option("--time-limit", 30), ["--time-limit", "30"])
        self.assertEqual(runner.option("--time-limit", np.float64(0.1)), ["--time-limit", "0.1"])
        self.assertEqual(runner.option("--patterns", "sampled:100"), ["--patterns", "sampled:100"])
        with self.assertRaises(TypeError):
            runner.option("--time-limit", True)


@needs_torch
class TalkingToHcvTests(unittest.TestCase):
    """Against a stand-in hcv that records its arguments (tests/fake_hcv.py)."""

    def setUp(self):
        runner._help.cache_clear()
        self.folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.log = os.path.join(self.folder, "argv.jsonl")
        self.keep = os.path.join(self.folder, "files")
        os.mkdir(self.keep)
        self.env = mock.patch.dict(os.environ, {"FAKE_HCV_LOG": self.log, "FAKE_HCV_KEEP": self.keep})
        self.env.start()
        self.addCleanup(self.env.stop)
        self.X, self.y = regression_data(n=7, d=2, seed=9)
        self.model = two_layer(2, 3, seed=9)
        self.value = hc.objective(self.model, self.X, self.y, weight_decay=WD)

    def answer(self, rc=0, stderr="", **fields):
        body = {"verdict": "not-stationary", "objective": self.value, "lower": 0.5 * self.value,
                "gap": 0.5 * self.value, "relative_gap": 0.5, "lower_proven": True, "escape_neuron": None,
                "explanation": "fake", **fields}
        os.environ.update(FAKE_HCV_STDOUT=json.dumps(body), FAKE_HCV_RC=str(rc), FAKE_HCV_STDERR=stderr)

    def calls(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def check(self, **kw):
        return hc.check(self.model, self.X, self.y, weight_decay=WD, hcv=FAKE, **kw)

    def test_check_arguments_files_and_unknown_fields(self):
        self.answer(pattern_method="exact", something_new={"a": 1})
        r = self.check()
        argv = self.calls()[0]
        self.assertEqual(argv[0], "check")
        self.assertIn("--json", argv)
        self.assertIn("--hidden-bias", argv)
        self.assertNotIn("--time-limit", argv)
        self.assertNotIn("--patterns", argv)
        self.assertEqual(float(argv[argv.index("--loss-scale") + 1]), 2.0 / 7)
        self.assertEqual(r.raw["something_new"], {"a": 1})
        with np.load(os.path.join(self.keep, "data.npz")) as f:
            np.testing.assert_array_equal(f["X"], self.X.double().numpy())
            self.assertEqual(f["X"].dtype, np.float64)
        with np.load(os.path.join(self.keep, "net.npz")) as f:
            self.assertEqual(f["U"].shape, (3, 3))  # [weight | bias]
            np.testing.assert_array_equal(f["U"][:, 2], self.model[0].bias.detach().double().numpy())
            np.testing.assert_array_equal(f["alpha"], self.model[2].weight.detach().double().numpy()[0])

    def test_time_limit_and_patterns_are_passed_when_given(self):
        self.answer()
        self.check(time_limit=2.5, patterns="exact")
        argv = self.calls()[0]
        self.assertEqual(argv[argv.index("--time-limit") + 1], "2.5")
        self.assertEqual(argv[argv.index("--patterns") + 1], "exact")

    def test_any_exit_code_but_two_with_a_json_answer_is_an_answer(self):
        for rc, verdict in ((1, "stationary-not-optimal"), (4, "undecided")):
            self.answer(rc=rc, verdict=verdict)
            self.assertEqual(self.check().verdict, verdict)

    def test_exit_code_two_is_an_input_error_with_hcvs_message(self):
        self.answer(rc=2, stderr="hcv check: n = 7\nhcv check: error: y[3] is NaN\n")
        with self.assertRaises(hc.HcvInputError) as caught:
            self.check()
        self.assertEqual(str(caught.exception), "hcv check: error: y[3] is NaN")
        self.assertEqual(caught.exception.returncode, 2)

    def test_no_json_answer_is_an_error_with_stderr(self):
        os.environ.update(FAKE_HCV_STDOUT="", FAKE_HCV_RC="3", FAKE_HCV_STDERR="hcv check: internal error (X): boom\n")
        with self.assertRaisesRegex(hc.HcvError, "code 3.*internal error"):
            self.check()

    def test_missing_documented_fields_are_an_error(self):
        os.environ.update(FAKE_HCV_STDOUT=json.dumps({"verdict": "optimal"}), FAKE_HCV_RC="0")
        with self.assertRaisesRegex(hc.HcvError, "objective"):
            self.check()

    def test_an_objective_other_than_the_modules_is_refused(self):
        self.answer(objective=self.value * (1 + 1e-6))
        with self.assertRaisesRegex(hc.ObjectiveMismatchError, "OBJECTIVE_RTOL"):
            self.check()

    def solve_answer(self, U, alpha):
        os.environ.update(FAKE_HCV_RC="0", FAKE_HCV_STDOUT=json.dumps(
            {"status": "optimal", "objective": 1.0, "lower": 0.0, "network": {"U": U, "alpha": alpha}}))

    def test_solve_hidden_bias_uses_hcvs_option_when_its_help_has_it(self):
        os.environ["FAKE_HCV_HELP"] = "  --hidden-bias     append a ones column\n"
        self.solve_answer([[1.0, 2.0, 3.0]], [0.5])
        model = hc.solve(self.X, self.y, weight_decay=WD, hidden_bias=True, hcv=FAKE)
        argv = self.calls()[0]
        self.assertIn("--hidden-bias", argv)
        with np.load(os.path.join(self.keep, "data.npz")) as f:
            self.assertEqual(f["X"].shape, (7, 2))
        self.assertEqual(model[0].bias.tolist(), [3.0])
        self.assertEqual(model[0].weight.tolist(), [[1.0, 2.0]])

    def test_solve_hidden_bias_appends_the_ones_column_when_hcv_lacks_the_option(self):
        os.environ["FAKE_HCV_HELP"] = "  --hidden-biasless  not the option\n"
        self.solve_answer([[1.0, 2.0, 3.0]], [0.5])
        hc.solve(self.X, self.y, weight_decay=WD, hidden_bias=True, hcv=FAKE)
        self.assertNotIn("--hidden-bias", self.calls()[0])
        with np.load(os.path.join(self.keep, "data.npz")) as f:
            self.assertEqual(f["X"].shape, (7, 3))
            np.testing.assert_array_equal(f["X"][:, 2], np.ones(7))

    def test_an_uncertified_solve_raises_with_the_bracket(self):
        os.environ.update(FAKE_HCV_RC="1", FAKE_HCV_STDOUT=json.dumps(
            {"status": "time-limit", "objective": 0.5, "lower": 1e-3, "exact_patterns": True,
             "network": {"U": [[0.0, 0.0]], "alpha": [0.0]}}))
        with self.assertRaises(hc.NotCertifiedError) as caught:
            hc.solve(self.X, self.y, weight_decay=WD, hcv=FAKE, time_limit=1)
        self.assertEqual(caught.exception.result.status, "time-limit")
        self.assertEqual(caught.exception.result.lower, 1e-3)
        self.assertIn("--time-limit", self.calls()[0])


@needs_torch
class RealHcvErrorTests(unittest.TestCase):
    def test_hcv_refusing_its_input_becomes_an_input_error_with_its_message(self):
        X, y = regression_data(n=5, d=2)
        with self.assertRaises(hc.HcvInputError) as caught:
            hc.check(two_layer(2, 3), X, y, weight_decay=WD, patterns="no-such-method", hcv=real_hcv())
        self.assertRegex(str(caught.exception), r"^hcv check: ")
        self.assertEqual(caught.exception.returncode, 2)

    def test_a_missing_file_is_reported_by_name(self):
        with self.assertRaisesRegex(hc.HcvInputError, "nonexistent-data.npz"):
            runner.run_json(["check", "/nonexistent-data.npz", "/nonexistent-net.npz", "--beta", "1"], real_hcv())


if __name__ == "__main__":
    unittest.main()
