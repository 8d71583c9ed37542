"""L_β recomputed by the package equals PyTorch's own objective and hcv's objective (THEORY.md §1)."""

import unittest

from support import (SAME_VALUE_RTOL, classification_data, hc, needs_torch, nn, real_hcv, regression_data,
                     relative_difference, torch_objective, two_layer)

WD = 0.03


@needs_torch
class ObjectiveTests(unittest.TestCase):
    def cases(self):
        """(name, loss argument, torch loss module, X, targets as PyTorch takes them)."""
        Xr, yr = regression_data(n=11, d=3, seed=1)
        Xc, t = classification_data(n=11, d=3, seed=2)
        for reduction in ("mean", "sum"):
            yield f"mse {reduction}", "mse", nn.MSELoss(reduction=reduction), reduction, Xr, yr
            yield f"softmargin {reduction}", "softmargin", nn.SoftMarginLoss(reduction=reduction), reduction, Xc, 2 * t - 1
            yield f"bce {reduction}", "bce", nn.BCEWithLogitsLoss(reduction=reduction), reduction, Xc, t

    def test_package_objective_equals_pytorch_objective_for_every_loss_and_bias(self):
        for hidden_bias in (True, False):
            model = two_layer(3, 5, hidden_bias=hidden_bias, seed=3)
            for name, loss, module, reduction, X, y in self.cases():
                with self.subTest(name, hidden_bias=hidden_bias):
                    ours = hc.objective(model, X, y, loss=loss, weight_decay=WD, reduction=reduction)
                    theirs = torch_objective(model, X, y, module, WD)
                    self.assertLessEqual(relative_difference(ours, theirs), SAME_VALUE_RTOL,
                                         f"package {ours!r} vs torch {theirs!r}")

    def test_hcv_objective_equals_the_numpy_recomputation_to_1e_9(self):
        self.assertEqual(hc.OBJECTIVE_RTOL, 1e-9)
        for hidden_bias in (True, False):
            model = two_layer(3, 5, hidden_bias=hidden_bias, seed=4)
            for name, loss, module, reduction, X, y in self.cases():
                with self.subTest(name, hidden_bias=hidden_bias):
                    r = hc.check(model, X, y, loss=loss, weight_decay=WD, reduction=reduction, hcv=real_hcv())
                    numpy_value = hc.objective(model, X, y, loss=loss, weight_decay=WD, reduction=reduction)
                    self.assertLessEqual(relative_difference(r.objective, numpy_value), 1e-9,
                                         f"hcv {r.objective!r} vs numpy {numpy_value!r}")
                    self.assertEqual(r.objective_numpy, numpy_value)


if __name__ == "__main__":
    unittest.main()
