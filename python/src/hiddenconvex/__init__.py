"""hiddenconvex: check a PyTorch two-layer ReLU network trained with weight decay for global optimality.

    import hiddenconvex as hc
    r = hc.check(model, X, y, loss="mse", weight_decay=1e-3)    # r.verdict, r.objective, r.lower, ...
    better = hc.improve(model, X, y, loss="mse", weight_decay=1e-3)
    best = hc.solve(X, y, loss="mse", weight_decay=1e-3, hidden_bias=True)

The work is done by the `hcv` command of HiddenConvex.Verify ($HCV or hcv on PATH); torch is imported
only when a module is read or built. docs/python.md: install, the loss mapping, what is refused and why.
"""

from .api import CheckResult, EscapeNeuron, SolveResult, check, improve, objective, solve, solve_convex
from .errors import (HcvError, HcvInputError, HcvNotFoundError, NotCertifiedError, ObjectiveMismatchError,
                     UnsupportedModelError)
from .losses import LossMapping, map_loss
from .network import Network, read_module
from .tolerances import OBJECTIVE_RTOL

__version__ = "0.1.0"

__all__ = [
    "check", "improve", "solve", "solve_convex", "objective",
    "CheckResult", "SolveResult", "EscapeNeuron", "LossMapping", "Network",
    "map_loss", "read_module", "OBJECTIVE_RTOL",
    "HcvError", "HcvInputError", "HcvNotFoundError", "NotCertifiedError", "ObjectiveMismatchError",
    "UnsupportedModelError",
]
