"""The two-layer ReLU network θ of THEORY.md §1 read from, and written back to, a torch nn.Module.

Accepted: a module whose direct children, in registration order, are exactly
    nn.Linear(d, m, bias=True|False),  nn.ReLU(),  nn.Linear(m, 1, bias=False)
(nn.Sequential of these, or any module with these three children and no other parameters), whose
forward applies them in that order — checked on the data by comparing model(X) with the prediction
read off its weights. A hidden-layer bias b_i is one more input weight of neuron i: u_i = [w_i | b_i]
on X with a ones column appended (THEORY.md §1).
"""

import copy
import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .data import require_finite, to_numpy
from .errors import UnsupportedModelError
from .losses import LossMapping
from .tolerances import forward_rtol

_ACCEPTED = "nn.Linear(d, m[, bias]) → nn.ReLU() → nn.Linear(m, 1, bias=False)"


@dataclass(frozen=True)
class Network:
    """θ = {(u_i, α_i)} in float64: `weight` (m×d, rows w_i), `bias` (m, or None), `alpha` (m)."""

    weight: np.ndarray
    bias: Optional[np.ndarray]
    alpha: np.ndarray

    @property
    def hidden_bias(self) -> bool:
        return self.bias is not None

    @property
    def width(self) -> int:
        return self.weight.shape[0]

    @property
    def input_dim(self) -> int:
        return self.weight.shape[1]

    @property
    def U(self) -> np.ndarray:
        """hcv's U: rows u_i = w_i, or [w_i | b_i] with a hidden bias (README "File formats")."""
        return self.weight if self.bias is None else np.column_stack([self.weight, self.bias])

    @classmethod
    def from_U(cls, U, alpha, hidden_bias: bool) -> "Network":
        """Reads hcv's (U, alpha); with a hidden bias the last column of U is the bias."""
        U = np.atleast_2d(np.asarray(U, dtype=np.float64))
        alpha = np.asarray(alpha, dtype=np.float64).reshape(-1)
        if U.shape[0] != alpha.shape[0]:
            raise ValueError(f"U has {U.shape[0]} rows but alpha has {alpha.shape[0]} entries")
        if hidden_bias:
            return cls(weight=U[:, :-1].copy(), bias=U[:, -1].copy(), alpha=alpha)
        return cls(weight=U, bias=None, alpha=alpha)

    def pre_activations(self, X: np.ndarray) -> np.ndarray:
        """X u_i for every neuron (n×m), the bias added when there is one."""
        h = X @ self.weight.T
        return h if self.bias is None else h + self.bias

    def predict(self, X: np.ndarray) -> np.ndarray:
        """f_θ(X) = Σ_i σ(X u_i) α_i (THEORY.md §1)."""
        return np.maximum(self.pre_activations(X), 0.0) @ self.alpha

    def magnitude(self, X: np.ndarray) -> np.ndarray:
        """Σ_i |α_i| (|x|·|w_i| + |b_i|) per sample: the scale of the rounding error of f_θ(X)."""
        h = np.abs(X) @ np.abs(self.weight).T
        if self.bias is not None:
            h = h + np.abs(self.bias)
        return h @ np.abs(self.alpha)

    def squared_norm(self) -> float:
        """Σ_i (‖u_i‖² + α_i²), the bias included in u_i."""
        parts = [self.weight.ravel(), self.alpha] + ([] if self.bias is None else [self.bias])
        return math.fsum(np.concatenate(parts) ** 2)

    def with_min_width(self, width: int) -> "Network":
        """The same function and L_β with zero neurons appended up to `width` (a zero neuron adds 0)."""
        extra = max(0, width - self.width)
        if extra == 0:
            return self
        return Network(weight=np.vstack([self.weight, np.zeros((extra, self.input_dim))]),
                       bias=None if self.bias is None else np.concatenate([self.bias, np.zeros(extra)]),
                       alpha=np.concatenate([self.alpha, np.zeros(extra)]))


def objective(network: Network, X: np.ndarray, y: np.ndarray, mapping: LossMapping) -> float:
    """L_β(θ) = ℓ(f_θ(X)) + (β/2) Σ_i (‖u_i‖² + α_i²) in float64 (THEORY.md §1), y already mapped
    (±1 labels for the logistic loss). Each sum is taken exactly rounded (math.fsum)."""
    z = network.predict(X)
    if mapping.kind == "squared":
        loss = 0.5 * mapping.scale * math.fsum((z - y) ** 2)
    else:
        loss = mapping.scale * math.fsum(np.logaddexp(0.0, -y * z))
    return loss + 0.5 * mapping.beta * network.squared_norm()


@dataclass(frozen=True)
class Layout:
    """Where the two Linear layers sit in the module (attribute names) and its dtype and device."""

    first: str
    second: str
    dtype: object
    device: object


def read_module(model) -> Tuple[Network, Layout]:
    """θ and its layout from `model`, or UnsupportedModelError saying why THEORY.md §1 does not cover it."""
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    children = list(model.named_children())
    _require_layers(model, children)
    (first_name, first), _, (second_name, second) = children
    problems = []
    if second.out_features != 1:
        problems.append(f"the output layer has {second.out_features} outputs, the model has one "
                        f"(f(x) = Σ_i α_i relu(u_i·x))")
    if second.bias is not None:
        problems.append("the output layer has a bias, which is not part of the model (THEORY.md §1 has no "
                        "second-layer bias): train with nn.Linear(m, 1, bias=False), or centre y and fix it at 0")
    if first.out_features != second.in_features:
        problems.append(f"the hidden layer has {first.out_features} outputs but the output layer takes "
                        f"{second.in_features}")
    own = {id(p) for layer in (first, second) for p in layer.parameters()}
    extra = [name for name, p in model.named_parameters() if id(p) not in own]
    if extra:
        problems.append(f"parameters outside the two Linear layers ({', '.join(extra)}) are not part of the model")
    if problems:
        raise UnsupportedModelError(f"{type(model).__name__} is not covered: " + "; ".join(problems))
    network = Network(weight=to_numpy(first.weight, "hidden weight"),
                      bias=None if first.bias is None else to_numpy(first.bias, "hidden bias"),
                      alpha=to_numpy(second.weight, "output weight").reshape(-1))
    for what, a in (("hidden weight", network.weight), ("hidden bias", network.bias), ("output weight", network.alpha)):
        if a is not None:
            require_finite(a, what)
    return network, Layout(first=first_name, second=second_name, dtype=first.weight.dtype, device=first.weight.device)


def _require_layers(model, children) -> None:
    from torch import nn

    kinds = [type(c).__name__ for _, c in children]
    three = len(children) == 3
    if three and isinstance(children[0][1], nn.Linear) and isinstance(children[2][1], nn.Linear) \
            and not isinstance(children[1][1], nn.ReLU):
        raise UnsupportedModelError(
            f"{type(model).__name__}: the activation {kinds[1]} is not ReLU; THEORY.md §1 (and the hidden convex "
            f"program) is that of σ(z) = max(z, 0). Accepted: {_ACCEPTED}")
    if not (three and isinstance(children[0][1], nn.Linear) and isinstance(children[1][1], nn.ReLU)
            and isinstance(children[2][1], nn.Linear)):
        raise UnsupportedModelError(
            f"{type(model).__name__} has the layers [{', '.join(kinds)}]; accepted are exactly the three layers "
            f"{_ACCEPTED} (THEORY.md §1: a two-layer ReLU network with one output): other layer types, "
            f"activations and depths are not part of the model")


def verify_forward(model, network: Network, layout: Layout, X: np.ndarray) -> None:
    """Refuses a module whose forward on X is not f_θ(X) of its layers (within forward_rtol)."""
    import torch

    with torch.no_grad():
        out = model(torch.as_tensor(X, dtype=layout.dtype, device=layout.device))
    out = to_numpy(out, "model(X)")
    if out.shape not in ((X.shape[0],), (X.shape[0], 1)):
        raise UnsupportedModelError(f"model(X) has shape {out.shape}, expected ({X.shape[0]}, 1)")
    out = out.reshape(-1)
    expected = network.predict(X)
    rtol = forward_rtol(torch.finfo(layout.dtype).eps)
    bad = np.flatnonzero(~(np.abs(out - expected) <= rtol * network.magnitude(X)))
    if bad.size:
        j = int(bad[0])
        raise UnsupportedModelError(
            f"model(X)[{j}] = {out[j]!r} but {_ACCEPTED} applied to its weights gives {expected[j]!r} "
            f"(relative tolerance {rtol:.3g}): its forward() is not these layers applied in order")


def build_module(network: Network, template=None, layout: Optional[Layout] = None, dtype=None, device=None):
    """A new module computing θ: a deep copy of `template` with its two Linear layers replaced (so its
    class and forward are kept), or nn.Sequential(Linear, ReLU, Linear) without a template. A width-0
    network becomes one zero neuron (same function and L_β)."""
    import torch
    from torch import nn

    if template is not None:
        dtype, device = layout.dtype, layout.device
    dtype = dtype or torch.get_default_dtype()
    net = network.with_min_width(1)
    first = nn.Linear(net.input_dim, net.width, bias=net.hidden_bias, dtype=dtype, device=device)
    second = nn.Linear(net.width, 1, bias=False, dtype=dtype, device=device)
    with torch.no_grad():
        first.weight.copy_(torch.from_numpy(net.weight))
        if net.bias is not None:
            first.bias.copy_(torch.from_numpy(net.bias))
        second.weight.copy_(torch.from_numpy(net.alpha).reshape(1, -1))
    if template is None:
        return nn.Sequential(first, nn.ReLU(), second)
    module = copy.deepcopy(template)
    setattr(module, layout.first, first.train(template.training))
    setattr(module, layout.second, second.train(template.training))
    return module
