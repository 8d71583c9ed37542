"""Data X (n×d) and targets y (n) from torch tensors or numpy arrays, as validated float64 arrays."""

from typing import Tuple

import numpy as np


def to_numpy(a, what: str) -> np.ndarray:
    """A float64 copy of a torch tensor, numpy array or nested sequence (float32 values convert exactly)."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor, without importing torch
        a = a.detach().cpu().numpy()
    try:
        out = np.array(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what}: cannot be read as an array of numbers ({e})") from None
    return out


def data_arrays(X, y) -> Tuple[np.ndarray, np.ndarray]:
    """(X, y) as float64 with X n×d, y of length n (an n×1 y is flattened), both finite and non-empty."""
    X = to_numpy(X, "X")
    y = to_numpy(y, "y")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n×d), got shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must have shape (n,) or (n, 1), got {y.shape}")
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"the data is empty: X has shape {X.shape}")
    if y.shape[0] != n:
        raise ValueError(f"X has n = {n} rows but y has {y.shape[0]} entries")
    require_finite(X, "X")
    require_finite(y, "y")
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


def require_finite(a: np.ndarray, what: str) -> None:
    """Refuses NaN/Inf, naming the first position."""
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        pos = tuple(int(i) for i in bad[0])
        raise ValueError(f"{what}{list(pos)} = {a[pos]!r}: must be finite (no NaN or Inf)")
