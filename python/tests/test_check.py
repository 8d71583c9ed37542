"""check, improve and solve on real small PyTorch models against the real hcv (THEORY.md §9)."""

import unittest

from support import (SAME_VALUE_RTOL, classification_data, hc, needs_torch, nn, real_hcv, regression_data,
                     relative_difference, torch, torch_objective, train, two_layer)

WD = 1e-2
VERDICTS = {"optimal", "stationary-not-optimal", "not-stationary", "undecided"}


@needs_torch
class TrainedModelTests(unittest.TestCase):
    """The README example: a model trained for a few hundred Adam steps with weight_decay, float32."""

    @classmethod
    def setUpClass(cls):
        cls.X, cls.y = regression_data(n=12, d=2, seed=0)
        cls.model = train(two_layer(2, 8, seed=0), cls.X, cls.y, nn.MSELoss(), WD, steps=300)
        cls.result = hc.check(cls.model, cls.X, cls.y, loss="mse", weight_decay=WD, hcv=real_hcv())

    def test_check_reports_a_verdict_with_a_proven_bracket(self):
        r = self.result
        self.assertIn(r.verdict, VERDICTS)
        self.assertTrue(r.lower_proven)
        self.assertLessEqual(r.lower, r.objective)
        self.assertAlmostEqual(r.gap, r.objective - r.lower, delta=1e-12 * r.objective)
        self.assertTrue(r.explanation)
        self.assertEqual(r.raw["verdict"], r.verdict)
        self.assertEqual(r.mapping.scale, 2.0 / 12)

    def test_branch_and_bound_pricing_keeps_the_lower_bound_proven_and_the_verdict(self):
        bnb = hc.check(self.model, self.X, self.y, loss="mse", weight_decay=WD, patterns="bnb", time_limit=60, hcv=real_hcv())
        self.assertEqual(bnb.raw["pattern_method"], "bnb")
        self.assertTrue(bnb.lower_proven)
        self.assertLessEqual(bnb.lower, bnb.objective)
        self.assertLessEqual(bnb.raw["pricing"]["rho_lower"], bnb.raw["pricing"]["rho_upper"])
        self.assertEqual(bnb.verdict, self.result.verdict)

    def test_check_objective_is_pytorchs_objective(self):
        theirs = torch_objective(self.model, self.X, self.y, nn.MSELoss(), WD)
        self.assertLessEqual(relative_difference(self.result.objective, theirs), 1e-9)

    def test_a_non_optimal_verdict_comes_with_a_decreasing_escape_neuron_or_a_path(self):
        r = self.result
        if r.verdict == "stationary-not-optimal":
            self.assertIsNotNone(r.escape_neuron)
        if r.escape_neuron is not None:
            e = r.escape_neuron
            self.assertEqual(e.u.shape, (3,))  # [weight | bias] with the hidden bias
            self.assertEqual((e.weight.shape, e.bias), ((2,), e.u[2]))
            self.assertGreater(e.decrease, 0.0)

    def test_improve_returns_a_new_module_of_the_same_form_not_higher(self):
        before = [p.detach().clone() for p in self.model.parameters()]
        better = hc.improve(self.model, self.X, self.y, loss="mse", weight_decay=WD, hcv=real_hcv())
        self.assertIsNot(better, self.model)
        self.assertIsInstance(better, nn.Sequential)
        self.assertEqual([type(c) for c in better], [nn.Linear, nn.ReLU, nn.Linear])
        self.assertIsNone(better[2].bias)
        self.assertEqual(better[0].weight.dtype, torch.float32)
        for p, q in zip(before, self.model.parameters()):
            self.assertTrue(torch.equal(p, q), "improve must not modify the model")
        old = hc.objective(self.model, self.X, self.y, weight_decay=WD)
        new = hc.objective(better, self.X, self.y, weight_decay=WD)
        self.assertLessEqual(new, old)
        if self.result.verdict != "optimal":
            self.assertLess(new, old, "a model that is not optimal has an improvement")

    def test_solve_gives_a_certified_network_at_or_below_every_trained_one(self):
        best = hc.solve(self.X, self.y, loss="mse", weight_decay=WD, hidden_bias=True, hcv=real_hcv())
        self.assertEqual([type(c) for c in best], [nn.Linear, nn.ReLU, nn.Linear])
        self.assertEqual(best[0].weight.dtype, torch.float32)  # X's dtype
        best_value = hc.objective(best, self.X, self.y, weight_decay=WD)
        self.assertLessEqual(best_value, self.result.objective)
        # Weak duality: the trained model's proven lower bound holds for every network.
        self.assertGreaterEqual(best_value, self.result.lower * (1 - 1e-12))
        again = hc.check(best, self.X, self.y, loss="mse", weight_decay=WD, hcv=real_hcv())
        self.assertEqual(again.verdict, "optimal", again.explanation)


@needs_torch
class EscapeNeuronTests(unittest.TestCase):
    """The zero network is a stationary point (every gradient vanishes) and, for β below ρ(−∇ℓ(0)),
    not optimal: THEORY.md §9's escape neuron decreases L_β, and improve() adds it."""

    def test_zero_network_gets_an_escape_neuron_that_improve_adds(self):
        X, y = regression_data(n=12, d=2, seed=0)
        model = two_layer(2, 3, seed=0)
        with torch.no_grad():
            for p in model.parameters():
                p.zero_()
        r = hc.check(model, X, y, weight_decay=WD, improve=True, hcv=real_hcv())
        self.assertEqual(r.verdict, "stationary-not-optimal", r.explanation)
        e = r.escape_neuron
        self.assertGreater(e.decrease, 0.0)
        # hcv writes the improvement minimalised (one neuron per slot): the three zero neurons go, the escape neuron stays.
        self.assertEqual(r.improved[0].weight.shape, (1, 2))
        added = torch.cat([r.improved[0].weight[0], r.improved[0].bias[0:]]).detach().double().numpy()
        self.assertLessEqual(float(abs(added - e.u).max()), 1e-6 * float(abs(e.u).max()))  # float32 storage
        self.assertAlmostEqual(float(r.improved[2].weight[0, 0]), e.alpha, delta=1e-6 * abs(e.alpha))
        # The measured decrease is that of the grown network, up to its float32 storage.
        self.assertAlmostEqual(r.objective_numpy - r.improved_objective, e.decrease, delta=1e-6 * r.objective_numpy)


@needs_torch
class RefusalTests(unittest.TestCase):
    """What THEORY.md §1 does not cover is refused before hcv runs (no hcv is needed to refuse)."""

    X, y = (None, None)

    def setUp(self):
        self.X, self.y = regression_data(n=6, d=2)

    def refused(self, model, pattern):
        with self.assertRaisesRegex(hc.UnsupportedModelError, pattern):
            hc.check(model, self.X, self.y, weight_decay=WD, hcv="/nonexistent/hcv")

    def test_second_layer_bias_is_refused_naming_the_bias(self):
        self.refused(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1, bias=True)), "bias")

    def test_more_than_one_output_is_refused(self):
        self.refused(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2, bias=False)), "2 outputs")

    def test_other_activations_are_refused(self):
        for act in (nn.Tanh(), nn.LeakyReLU(), nn.GELU()):
            with self.subTest(type(act).__name__):
                self.refused(nn.Sequential(nn.Linear(2, 4), act, nn.Linear(4, 1, bias=False)), "is not ReLU")

    def test_other_layer_types_and_depths_are_refused(self):
        self.refused(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Dropout(0.1), nn.Linear(4, 1, bias=False)),
                     r"\[Linear, ReLU, Dropout, Linear\]")
        self.refused(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)),
                     "other layer types")

    def test_a_forward_other_than_the_three_layers_in_order_is_refused(self):
        class Skip(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.act, self.fc2 = nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1, bias=False)

            def forward(self, x):
                return self.fc2(self.act(self.fc1(x))) + x[:, :1]

        self.refused(Skip(), "forward")

    def test_parameters_outside_the_layers_are_refused(self):
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1, bias=False))
        model.register_parameter("scale", nn.Parameter(torch.ones(1)))
        self.refused(model, "parameters outside")

    def test_nan_data_is_refused_naming_the_position(self):
        X = self.X.clone()
        X[3, 1] = float("nan")
        with self.assertRaisesRegex(ValueError, r"X\[3, 1\]"):
            hc.check(two_layer(2, 3), X, self.y, weight_decay=WD, hcv="/nonexistent/hcv")


@needs_torch
class CustomModuleTests(unittest.TestCase):
    def test_a_module_with_the_three_children_is_checked_and_improved_keeping_its_class(self):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden, self.relu, self.out = nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False)

            def forward(self, x):
                return self.out(self.relu(self.hidden(x)))

        X, y = regression_data(n=8, d=2, seed=5)
        torch.manual_seed(1)
        model = Net()
        r = hc.check(model, X, y, weight_decay=WD, hcv=real_hcv())
        self.assertIn(r.verdict, VERDICTS)
        better = hc.improve(model, X, y, weight_decay=WD, hcv=real_hcv())
        self.assertIsInstance(better, Net)
        self.assertIsNone(better.hidden.bias)
        self.assertLessEqual(hc.objective(better, X, y, weight_decay=WD), r.objective_numpy)


@needs_torch
class ReductionMappingTests(unittest.TestCase):
    """MSELoss sum with β·n is n times MSELoss mean with β: the same problem, the same verdict."""

    def check_both(self, model, X, y):
        n = X.shape[0]
        mean = hc.check(model, X, y, loss=nn.MSELoss(), weight_decay=WD, hcv=real_hcv())
        total = hc.check(model, X, y, loss=nn.MSELoss(reduction="sum"), weight_decay=n * WD, hcv=real_hcv())
        self.assertEqual((mean.mapping.scale, total.mapping.scale), (2.0 / n, 2.0))
        self.assertEqual(mean.verdict, total.verdict)
        self.assertLessEqual(relative_difference(total.objective, n * mean.objective), SAME_VALUE_RTOL)
        self.assertLessEqual(relative_difference(total.lower, n * mean.lower), 1e-6)
        for r, fn, wd in ((mean, nn.MSELoss(), WD), (total, nn.MSELoss(reduction="sum"), n * WD)):
            self.assertLessEqual(relative_difference(r.objective, torch_objective(model, X, y, fn, wd)), 1e-9)
        return mean.verdict

    def test_same_verdict_on_an_untrained_and_on_an_optimal_model(self):
        X, y = regression_data(n=10, d=2, seed=6, dtype=torch.float64)
        self.assertEqual(self.check_both(two_layer(2, 4, seed=2, dtype=torch.float64), X, y), "not-stationary")
        best = hc.solve(X, y, loss="mse", weight_decay=WD, hidden_bias=True, hcv=real_hcv())
        self.assertEqual(self.check_both(best, X, y), "optimal")


@needs_torch
class LogisticTests(unittest.TestCase):
    """BCEWithLogitsLoss on 0/1 targets t is the logistic loss on y = 2t − 1 (SoftMarginLoss)."""

    @classmethod
    def setUpClass(cls):
        cls.X, cls.t = classification_data(n=12, d=2, seed=3, dtype=torch.float64)
        cls.model = train(two_layer(2, 6, seed=3, dtype=torch.float64), cls.X, cls.t, nn.BCEWithLogitsLoss(), WD)

    def test_bce_on_zero_one_targets_equals_softmargin_on_plus_minus_one(self):
        bce = hc.check(self.model, self.X, self.t, loss=nn.BCEWithLogitsLoss(), weight_decay=WD, hcv=real_hcv())
        soft = hc.check(self.model, self.X, 2 * self.t - 1, loss="softmargin", weight_decay=WD, hcv=real_hcv())
        self.assertEqual((bce.mapping.kind, bce.mapping.scale), ("logistic", 1.0 / 12))
        self.assertEqual(bce.verdict, soft.verdict)
        self.assertLessEqual(relative_difference(bce.objective, soft.objective), SAME_VALUE_RTOL)
        self.assertLessEqual(relative_difference(bce.lower, soft.lower), 1e-9)
        theirs = torch_objective(self.model, self.X, self.t, nn.BCEWithLogitsLoss(), WD)
        self.assertLessEqual(relative_difference(bce.objective, theirs), 1e-9)

    def test_logistic_solve_is_certified_and_checks_optimal(self):
        best = hc.solve(self.X, self.t, loss="bce", weight_decay=WD, hidden_bias=True, hcv=real_hcv())
        r = hc.check(best, self.X, self.t, loss="bce", weight_decay=WD, hcv=real_hcv())
        self.assertEqual(r.verdict, "optimal", r.explanation)
        self.assertLessEqual(r.objective, hc.objective(self.model, self.X, self.t, loss="bce", weight_decay=WD))


@needs_torch
class ImproveNeverHigherTests(unittest.TestCase):
    def test_improve_is_never_higher_and_lower_when_not_optimal(self):
        X, y = regression_data(n=10, d=2, seed=7)
        models = {
            "untrained": two_layer(2, 5, seed=4),
            "narrow trained": train(two_layer(2, 1, seed=5), X, y, nn.MSELoss(), WD, steps=400),
            "wide trained": train(two_layer(2, 12, seed=6), X, y, nn.MSELoss(), WD, steps=400),
            "no hidden bias": train(two_layer(2, 4, hidden_bias=False, seed=7), X, y, nn.MSELoss(), WD),
            "solved": hc.solve(X, y, weight_decay=WD, hidden_bias=True, hcv=real_hcv()),
        }
        for name, model in models.items():
            with self.subTest(name):
                r = hc.check(model, X, y, weight_decay=WD, improve=True, hcv=real_hcv())
                new = hc.objective(r.improved, X, y, weight_decay=WD)
                self.assertLessEqual(new, r.objective_numpy, r.improved_by)
                self.assertEqual(new, r.improved_objective)
                if r.verdict in ("not-stationary", "stationary-not-optimal"):
                    self.assertLess(new, r.objective_numpy, f"{r.verdict}: {r.improved_by}")


@needs_torch
class SolveTests(unittest.TestCase):
    def setUp(self):
        self.X, self.y = regression_data(n=9, d=2, seed=8, dtype=torch.float64)

    def test_hidden_bias_by_appending_the_ones_column_here(self):
        import hiddenconvex.runner as runner

        original = runner.supports_option
        runner.supports_option = lambda *a, **k: False
        try:
            appended = hc.solve_convex(self.X, self.y, weight_decay=WD, hidden_bias=True, hcv=real_hcv())
        finally:
            runner.supports_option = original
        self.assertTrue(appended.certified, appended.status)
        self.assertTrue(appended.network.hidden_bias)
        self.assertIsNotNone(appended.model[0].bias)
        self.assertLessEqual(relative_difference(appended.model_objective, appended.objective), 1e-12)
        self.assertLessEqual(appended.lower, appended.objective)
        self.assertLessEqual(relative_difference(appended.objective, appended.hcv_objective), 1e-8)

    def test_hidden_bias_through_hcv_when_it_offers_it(self):
        import hiddenconvex.runner as runner

        if not runner.supports_option("solve", "--hidden-bias", real_hcv()):
            self.skipTest("this hcv's solve has no --hidden-bias: the ones column is appended by the package")
        native = hc.solve_convex(self.X, self.y, weight_decay=WD, hidden_bias=True, hcv=real_hcv())
        self.assertTrue(native.certified, native.status)
        self.assertLessEqual(relative_difference(native.objective, native.lower), 1e-8)

    def test_without_hidden_bias_and_with_float32(self):
        best = hc.solve(self.X.float(), self.y.float(), weight_decay=WD, hcv=real_hcv())
        self.assertIsNone(best[0].bias)
        self.assertEqual(best[0].weight.dtype, torch.float32)
        self.assertEqual(hc.check(best, self.X, self.y, weight_decay=WD, hcv=real_hcv()).verdict, "optimal")


if __name__ == "__main__":
    unittest.main()
