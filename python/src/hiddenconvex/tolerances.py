"""Every tolerance of the package, each relative to the scale of the quantity it compares.

These are consistency checks between two computations of the same number, not solver tolerances:
the solver's tolerances are hcv's (src/HiddenConvex.Core/Numerics/Tolerance.cs) and are reported in
the `tolerances` field of `hcv check --json`.
"""

import math

#: |L_β(hcv) − L_β(numpy)| ≤ OBJECTIVE_RTOL · L_β(numpy). L_β is a sum of non-negative terms, so a
#: float64 recomputation in another summation order agrees to a few units of rounding per term;
#: a mismatch beyond this means hcv was given a different problem (wrong c, β, bias or targets).
OBJECTIVE_RTOL = 1e-9


def forward_rtol(eps: float) -> float:
    """Relative tolerance for model(X) against the numpy prediction Σ_i α_i relu(x·w_i + b_i), with
    eps the machine epsilon of the model's dtype: √eps, relative to the magnitude sum
    Σ_i |α_i|(|x|·|w_i| + |b_i|) of each sample. Rounding in the model's dtype is at most (d + m)·eps
    of that sum (typically √(d + m)·eps), below √eps for d + m < 1/√eps (2896 in float32); a module
    whose forward is not Linear → ReLU → Linear misses it by O(1)."""
    return math.sqrt(eps)
