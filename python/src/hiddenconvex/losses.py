"""PyTorch losses + weight decay mapped onto hcv's loss, loss scale c and β (THEORY.md §1).

THEORY.md §1: L_β(θ) = ℓ(f_θ(X)) + (β/2) Σ_i (‖u_i‖² + α_i²) with
  squared  ℓ(z) = (c/2) Σ_j (z_j − y_j)²,
  logistic ℓ(z) = c Σ_j log(1 + exp(−y_j z_j)),  y_j ∈ {−1, +1}.
A PyTorch objective `loss_fn(model(X), y) + (wd/2) Σ_p ‖p‖²` (what SGD/Adam `weight_decay=wd`
minimise; not AdamW) is exactly L_β with β = wd and

  MSELoss mean            (1/n) Σ (z − y)²                →  squared,  c = 2/n
  MSELoss sum             Σ (z − y)²                      →  squared,  c = 2
  SoftMarginLoss mean     (1/n) Σ log(1 + exp(−y z))      →  logistic, c = 1/n  (y ∈ {−1, +1})
  SoftMarginLoss sum      Σ log(1 + exp(−y z))            →  logistic, c = 1
  BCEWithLogitsLoss mean  (1/n) Σ −[t log σ(z) + (1 − t) log(1 − σ(z))], t ∈ {0, 1}
                          = (1/n) Σ log(1 + exp(−y z)) with y = 2t − 1   →  logistic, c = 1/n
  BCEWithLogitsLoss sum   →  logistic, c = 1
"""

from dataclasses import dataclass
from typing import List, Optional, Union

import numpy as np

from .errors import UnsupportedModelError

#: Loss names accepted as strings, with the PyTorch class each one stands for.
LOSS_NAMES = {"mse": "MSELoss", "softmargin": "SoftMarginLoss", "bce": "BCEWithLogitsLoss"}
_HCV_LOSS = {"mse": "squared", "softmargin": "logistic", "bce": "logistic"}
#: c for reduction "sum" (Σ(z − y)² = (c/2)Σ(z − y)² with c = 2); reduction "mean" divides it by n.
_SUM_SCALE = {"mse": 2.0, "softmargin": 1.0, "bce": 1.0}
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class LossMapping:
    """What hcv is asked: `--loss kind --loss-scale scale --beta beta`, for PyTorch's `source` loss."""

    name: str        #: "mse", "softmargin" or "bce"
    reduction: str   #: "mean" or "sum"
    kind: str        #: hcv's loss: "squared" or "logistic"
    scale: float     #: the loss scale c of THEORY.md §1
    beta: float      #: β = weight_decay
    n: int           #: number of samples the scale was computed for

    @property
    def source(self) -> str:
        """The PyTorch loss this mapping describes, e.g. "MSELoss(reduction='mean')"."""
        return f"{LOSS_NAMES[self.name]}(reduction={self.reduction!r})"

    def hcv_args(self) -> List[str]:
        """The hcv options; repr() round-trips the doubles exactly, so hcv sees the same c and β."""
        return ["--loss", self.kind, "--loss-scale", repr(self.scale), "--beta", repr(self.beta)]


def map_loss(loss, reduction: Optional[str], weight_decay: float, n: int) -> LossMapping:
    """Maps a loss (a name in LOSS_NAMES or a torch loss module), its reduction and weight_decay for
    n samples onto hcv's (kind, c, β) (THEORY.md §1); refuses what the model does not cover.

    `reduction=None` means the module's own reduction, or "mean" for a name."""
    name, module_reduction = _loss_name(loss)
    if module_reduction is not None and reduction is not None and reduction != module_reduction:
        raise ValueError(f"reduction={reduction!r} contradicts the loss module's reduction={module_reduction!r}")
    reduction = reduction or module_reduction or "mean"
    if reduction not in REDUCTIONS:
        raise UnsupportedModelError(
            f"reduction={reduction!r} is not supported: the objective must be a scalar loss, "
            f"the mean or the sum over the samples ({', '.join(REDUCTIONS)})")
    beta = _weight_decay(weight_decay)
    if n <= 0:
        raise ValueError("the data is empty (n = 0)")
    scale = _SUM_SCALE[name] / n if reduction == "mean" else _SUM_SCALE[name]
    return LossMapping(name=name, reduction=reduction, kind=_HCV_LOSS[name], scale=scale, beta=beta, n=n)


def map_targets(name: str, y: np.ndarray) -> np.ndarray:
    """Targets as THEORY.md §1 reads them: y for "mse", ±1 labels for "softmargin", and
    y = 2t − 1 for the 0/1 targets t of "bce" (BCEWithLogitsLoss with t ∈ {0, 1} is the logistic loss
    on ±1 labels). Refuses labels the loss does not take, naming the first offending position."""
    if name == "mse":
        return y
    allowed = (-1.0, 1.0) if name == "softmargin" else (0.0, 1.0)
    bad = np.flatnonzero(~np.isin(y, allowed))
    if bad.size:
        j = int(bad[0])
        hint = ("" if name == "softmargin" else
                "; BCEWithLogitsLoss takes targets 0/1 (for ±1 labels use loss='softmargin', the same logistic loss)")
        raise UnsupportedModelError(
            f"y[{j}] = {y[j]!r}: {LOSS_NAMES[name]} needs targets in {{{allowed[0]:g}, {allowed[1]:g}}}{hint}")
    return y if name == "softmargin" else 2.0 * y - 1.0


def _loss_name(loss: Union[str, object]):
    """(name, the module's reduction or None) for a loss given by name or as a torch loss module."""
    if isinstance(loss, str):
        key = loss.strip().lower()
        if key not in LOSS_NAMES:
            raise UnsupportedModelError(
                f"loss={loss!r} is not supported: use one of {', '.join(map(repr, LOSS_NAMES))} or the modules "
                f"nn.MSELoss, nn.SoftMarginLoss, nn.BCEWithLogitsLoss (THEORY.md §1 covers the squared and "
                f"logistic losses only)")
        return key, None
    from torch import nn  # a loss object can only come from torch

    if isinstance(loss, nn.BCEWithLogitsLoss):
        if loss.weight is not None or loss.pos_weight is not None:
            raise UnsupportedModelError(
                "BCEWithLogitsLoss with weight or pos_weight is a weighted loss: THEORY.md §1 covers the "
                "unweighted logistic loss only")
        return "bce", loss.reduction
    if isinstance(loss, nn.MSELoss):
        return "mse", loss.reduction
    if isinstance(loss, nn.SoftMarginLoss):
        return "softmargin", loss.reduction
    raise UnsupportedModelError(
        f"loss {type(loss).__name__} is not supported: THEORY.md §1 covers the squared loss (nn.MSELoss) and the "
        f"logistic loss (nn.SoftMarginLoss on ±1 labels, nn.BCEWithLogitsLoss on 0/1 targets) only")


def _weight_decay(weight_decay) -> float:
    try:
        beta = float(weight_decay)
    except (TypeError, ValueError):
        raise ValueError(f"weight_decay must be a number, got {weight_decay!r}") from None
    if not np.isfinite(beta) or beta <= 0:
        raise ValueError(
            f"weight_decay = {weight_decay!r}: it must be finite and > 0 (it is β of THEORY.md §1; without weight "
            f"decay the hidden convex program and its certificates do not exist)")
    return beta
