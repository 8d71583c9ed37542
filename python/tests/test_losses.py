"""The mapping of PyTorch losses and weight decay onto hcv's (loss, c, β) of THEORY.md §1."""

import unittest

import numpy as np

from support import hc, needs_torch, nn
from hiddenconvex.losses import map_targets


class LossMappingTests(unittest.TestCase):
    def test_mse_mean_is_squared_loss_with_c_two_over_n(self):
        m = hc.map_loss("mse", None, 0.25, n=15)
        self.assertEqual((m.kind, m.reduction, m.beta), ("squared", "mean", 0.25))
        self.assertEqual(m.scale, 2.0 / 15)

    def test_mse_sum_is_squared_loss_with_c_two(self):
        self.assertEqual(hc.map_loss("mse", "sum", 0.25, n=15).scale, 2.0)

    def test_softmargin_and_bce_are_logistic_with_c_one_over_n_or_one(self):
        for name in ("softmargin", "bce"):
            mean, total = hc.map_loss(name, "mean", 1e-3, n=8), hc.map_loss(name, "sum", 1e-3, n=8)
            self.assertEqual((mean.kind, mean.scale), ("logistic", 1.0 / 8), name)
            self.assertEqual((total.kind, total.scale), ("logistic", 1.0), name)

    def test_hcv_arguments_carry_the_exact_doubles(self):
        m = hc.map_loss("mse", "mean", 0.1, n=7)
        args = m.hcv_args()
        self.assertEqual(args[0:2], ["--loss", "squared"])
        self.assertEqual(float(args[args.index("--loss-scale") + 1]), 2.0 / 7)
        self.assertEqual(float(args[args.index("--beta") + 1]), 0.1)

    def test_reduction_none_is_refused(self):
        with self.assertRaisesRegex(hc.UnsupportedModelError, "reduction='none'"):
            hc.map_loss("mse", "none", 0.1, n=3)

    def test_unknown_loss_name_is_refused_with_the_accepted_names(self):
        with self.assertRaisesRegex(hc.UnsupportedModelError, "'mse'.*'softmargin'.*'bce'"):
            hc.map_loss("huber", None, 0.1, n=3)

    def test_weight_decay_must_be_positive_and_finite(self):
        for wd in (0.0, -1e-3, float("nan"), float("inf")):
            with self.assertRaisesRegex(ValueError, "weight_decay.*> 0.*β", msg=repr(wd)):
                hc.map_loss("mse", None, wd, n=3)

    def test_bce_targets_zero_one_map_to_minus_one_plus_one(self):
        t = np.array([0.0, 1.0, 1.0, 0.0])
        np.testing.assert_array_equal(map_targets("bce", t), [-1.0, 1.0, 1.0, -1.0])

    def test_bce_refuses_minus_one_targets_and_names_softmargin(self):
        with self.assertRaisesRegex(hc.UnsupportedModelError, r"y\[1\] = -1.0.*softmargin"):
            map_targets("bce", np.array([1.0, -1.0]))

    def test_softmargin_keeps_plus_minus_one_and_refuses_zero(self):
        np.testing.assert_array_equal(map_targets("softmargin", np.array([1.0, -1.0])), [1.0, -1.0])
        with self.assertRaisesRegex(hc.UnsupportedModelError, r"y\[0\] = 0.0"):
            map_targets("softmargin", np.array([0.0, 1.0]))


@needs_torch
class LossModuleTests(unittest.TestCase):
    def test_modules_map_like_their_names_with_their_own_reduction(self):
        self.assertEqual(hc.map_loss(nn.MSELoss(reduction="sum"), None, 0.1, n=4).scale, 2.0)
        self.assertEqual(hc.map_loss(nn.SoftMarginLoss(), None, 0.1, n=4).scale, 0.25)
        self.assertEqual(hc.map_loss(nn.BCEWithLogitsLoss(reduction="sum"), None, 0.1, n=4).kind, "logistic")

    def test_a_reduction_contradicting_the_module_is_refused(self):
        with self.assertRaisesRegex(ValueError, "contradicts"):
            hc.map_loss(nn.MSELoss(reduction="sum"), "mean", 0.1, n=4)

    def test_weighted_bce_and_other_losses_are_refused(self):
        import torch

        with self.assertRaisesRegex(hc.UnsupportedModelError, "weighted"):
            hc.map_loss(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0])), None, 0.1, n=4)
        with self.assertRaisesRegex(hc.UnsupportedModelError, "L1Loss is not supported"):
            hc.map_loss(nn.L1Loss(), None, 0.1, n=4)


if __name__ == "__main__":
    unittest.main()
