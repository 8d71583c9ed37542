"""Shared helpers of the tests: the package from python/src, the real hcv, small data and trained models.

The real hcv is $HCV, or else the apphost that `dotnet build -c Release` (tests/run-all.sh) leaves in
src/HiddenConvex.Cli/bin/Release/net10.0/hcv; tests that need it fail (they do not skip) without it.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
REPO = os.path.dirname(PACKAGE_ROOT)
sys.path.insert(0, os.path.join(PACKAGE_ROOT, "src"))

import numpy as np  # noqa: E402

try:
    import torch  # noqa: E402
    from torch import nn  # noqa: E402
except ImportError:  # the torch tests skip themselves
    torch = nn = None

import hiddenconvex as hc  # noqa: E402

BUILT_HCV = os.path.join(REPO, "src", "HiddenConvex.Cli", "bin", "Release", "net10.0", "hcv")
needs_torch = unittest.skipUnless(torch is not None, "torch is not installed (apt-get install python3-torch)")

#: Agreement of two float64 evaluations of the same L_β in different orders (sums of non-negative terms).
SAME_VALUE_RTOL = 1e-12


def real_hcv() -> str:
    """The hcv command line the tests run; fails the test when there is none."""
    spec = os.environ.get("HCV") or (BUILT_HCV if os.access(BUILT_HCV, os.X_OK) else None)
    if spec is None:
        raise AssertionError(f"no hcv: set HCV or build it (dotnet build src/HiddenConvex.Cli -c Release -> {BUILT_HCV})")
    return spec


def relative_difference(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def regression_data(n=12, d=2, seed=0, dtype=None):
    """X (n×d) standard normal and y = sin(2 x₁) + 0.3 x₂ + noise, as torch tensors."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype or torch.float32)
    y = torch.sin(2 * X[:, 0]) + 0.3 * X[:, -1] + 0.05 * torch.randn(n, generator=g, dtype=X.dtype)
    return X, y


def classification_data(n=12, d=2, seed=0, dtype=None):
    """X (n×d) and 0/1 targets t = 1[x₁ + 0.5 x₂² > 0.3], as torch tensors."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype or torch.float32)
    t = ((X[:, 0] + 0.5 * X[:, -1] ** 2) > 0.3).to(X.dtype)
    return X, t


def two_layer(d, m, hidden_bias=True, seed=0, dtype=None):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, m, bias=hidden_bias), nn.ReLU(), nn.Linear(m, 1, bias=False)).to(
        dtype or torch.float32)


def train(model, X, y, loss_fn, weight_decay, steps=300, lr=1e-2):
    """Full-batch Adam with weight_decay (an L2 penalty: Adam adds wd·θ to the gradient)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(X).squeeze(1), y).backward()
        opt.step()
    return model


def torch_objective(model, X, y, loss_fn, weight_decay) -> float:
    """PyTorch's own objective loss_fn(model(X), y) + (wd/2)·Σ_p ‖p‖², evaluated in float64 on a copy."""
    import copy

    m = copy.deepcopy(model).double()
    with torch.no_grad():
        value = loss_fn(m(X.double()).squeeze(1), y.double())
        value = value + 0.5 * weight_decay * sum((p.double() ** 2).sum() for p in m.parameters())
    return float(value)
