"""check, improve, solve and objective: a PyTorch two-layer ReLU network against the hidden convex
program (THEORY.md §1, §3, §9), through `hcv check` and `hcv solve`."""

import copy
import math
import os
import tempfile
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import runner
from .data import data_arrays
from .errors import HcvError, NotCertifiedError, ObjectiveMismatchError
from .losses import LossMapping, map_loss, map_targets
from .network import Network, build_module, objective as network_objective, read_module, verify_forward
from .tolerances import OBJECTIVE_RTOL

#: Fields of `hcv check --json` this package reads (README "The hcv command"); others are kept in .raw.
CHECK_FIELDS = ("verdict", "objective", "lower", "relative_gap", "lower_proven", "explanation")
#: Fields of `hcv solve --json` this package reads.
SOLVE_FIELDS = ("status", "objective", "lower", "network")
#: The solve status that certifies a global optimum (over every activation pattern of the data).
CERTIFIED_STATUS = "optimal"


@dataclass(frozen=True)
class Problem:
    """Validated float64 data, targets as THEORY.md §1 reads them (±1 for logistic) and the loss mapping."""

    X: np.ndarray
    y: np.ndarray
    mapping: LossMapping

    @classmethod
    def of(cls, X, y, loss, weight_decay, reduction) -> "Problem":
        X, y = data_arrays(X, y)
        mapping = map_loss(loss, reduction, weight_decay, X.shape[0])
        return cls(X=X, y=map_targets(mapping.name, y), mapping=mapping)

    def objective(self, network: Network) -> float:
        return network_objective(network, self.X, self.y, self.mapping)

    def with_ones_column(self) -> "Problem":
        return Problem(X=np.column_stack([self.X, np.ones(self.X.shape[0])]), y=self.y, mapping=self.mapping)


@dataclass(frozen=True)
class EscapeNeuron:
    """A neuron whose addition decreases L_β (THEORY.md §9): `u` as hcv gives it (length d, or d + 1 =
    [weight | bias] with a hidden bias), `alpha`, and `decrease`, the decrease of L_β measured on the grown
    network (`predicted_decrease` is the first-order prediction)."""

    u: np.ndarray
    alpha: float
    decrease: float
    predicted_decrease: Optional[float]
    weight: np.ndarray
    bias: Optional[float]

    @classmethod
    def of(cls, raw: Optional[dict], hidden_bias: bool) -> Optional["EscapeNeuron"]:
        if raw is None:
            return None
        u = np.asarray(raw["u"], dtype=np.float64)
        return cls(u=u, alpha=float(raw["alpha"]), decrease=float(raw["decrease"]),
                   predicted_decrease=_float_or_none(raw.get("predicted_decrease")),
                   weight=u[:-1] if hidden_bias else u, bias=float(u[-1]) if hidden_bias else None)


@dataclass(frozen=True)
class CheckResult:
    """What `hcv check` proved about the module (THEORY.md §9).

    verdict          "optimal", "stationary-not-optimal", "not-stationary" (or a newer one, e.g. "undecided")
    objective        L_β(θ) as hcv computed it (equal to objective_numpy within OBJECTIVE_RTOL, enforced)
    lower            a lower bound on the optimum P* over all networks; proven when lower_proven
    gap, relative_gap  objective − lower and hcv's relative form of it
    escape_neuron    EscapeNeuron or None
    explanation      hcv's sentence saying what decided the verdict
    mapping          the loss, c and β hcv was given; raw is hcv's whole JSON, log its stderr
    improved         with check(..., improve=True): the new module (never of higher objective_numpy)
    """

    verdict: str
    objective: float
    lower: Optional[float]
    gap: Optional[float]
    relative_gap: Optional[float]
    lower_proven: bool
    escape_neuron: Optional[EscapeNeuron]
    explanation: str
    decided_by: Optional[str]
    objective_numpy: float
    mapping: LossMapping
    raw: dict = field(repr=False)
    log: str = field(repr=False, default="")
    improved: Optional[object] = field(repr=False, default=None)
    improved_objective: Optional[float] = None
    improved_by: Optional[str] = None

    @property
    def optimal(self) -> bool:
        return self.verdict == "optimal"


@dataclass(frozen=True)
class SolveResult:
    """What `hcv solve` proved (THEORY.md §3–§4) and the network it returned.

    status           hcv's status; `certified` when it is "optimal" (every pattern, gap within tolerance)
    objective        L_β of the returned network ψ(W*) in float64 (numpy): an upper bound on the optimum P*
    lower            a proven lower bound on P* (for the sampled patterns only unless lower_proven)
    gap              objective − lower; relative_gap is hcv's relative gap of its own solution
    hcv_objective    hcv's objective of its solution (the pruned vertex it returns may differ by its tolerance)
    network, model   ψ(W*) as a Network and as nn.Sequential; model_objective is L_β of the module's
                     weights as stored in its dtype
    """

    status: str
    objective: float
    lower: float
    gap: float
    relative_gap: Optional[float]
    lower_proven: bool
    hcv_objective: float
    network: Network
    model: object = field(repr=False)
    model_objective: float = math.nan
    mapping: Optional[LossMapping] = None
    raw: dict = field(repr=False, default_factory=dict)
    log: str = field(repr=False, default="")

    @property
    def certified(self) -> bool:
        return self.status == CERTIFIED_STATUS


def objective(model, X, y, *, loss="mse", weight_decay, reduction=None) -> float:
    """L_β of `model` on (X, y) in float64 from its weights (THEORY.md §1): the PyTorch objective
    loss(model(X), y) + (weight_decay/2)·Σ_p ‖p‖², computed by numpy with exactly rounded sums."""
    problem = Problem.of(X, y, loss, weight_decay, reduction)
    network, _ = _read_checked(model, problem)
    return problem.objective(network)


def check(model, X, y, *, loss="mse", weight_decay, reduction=None, time_limit=None, patterns=None,
          improve=False, hcv=None) -> CheckResult:
    """Is `model` globally optimal for loss(model(X), y) + (weight_decay/2)·‖θ‖² (THEORY.md §9)?

    loss: "mse", "softmargin", "bce" or an nn.MSELoss / nn.SoftMarginLoss / nn.BCEWithLogitsLoss
    (reduction "mean" or "sum"; None = the module's, or "mean"). X: n×d, y: n (or n×1), torch or numpy.
    time_limit (seconds) and patterns (e.g. "exact", "sampled:K") are passed to hcv only when given.
    improve=True also asks hcv for an improved network: CheckResult.improved.
    hcv: the command to run (default: $HCV, else hcv on PATH)."""
    problem = Problem.of(X, y, loss, weight_decay, reduction)
    network, layout = _read_checked(model, problem)
    objective_numpy = problem.objective(network)
    with tempfile.TemporaryDirectory(prefix="hiddenconvex-") as tmp:
        out = os.path.join(tmp, "improved.npz")
        args = (["check", _save_data(tmp, problem.X, problem.y), _save_network(tmp, network)]
                + problem.mapping.hcv_args() + (["--hidden-bias"] if network.hidden_bias else [])
                + runner.option("--time-limit", time_limit) + runner.option("--patterns", patterns)
                + (["--improve", out] if improve else []))
        raw, log = runner.run_json(args, hcv)
        runner.require_fields(raw, CHECK_FIELDS, "hcv check")
        proposed = _load_network(out, network.hidden_bias) if improve and os.path.exists(out) else None
    hcv_objective = float(raw["objective"])
    _require_same_objective(hcv_objective, objective_numpy, "hcv check")
    improved = improved_objective = improved_by = None
    if improve:
        improved, improved_objective, improved_by = _not_worse(model, layout, problem, objective_numpy, proposed,
                                                               raw.get("improved_by"))
    lower = _float_or_none(raw["lower"])  # null only if a future hcv proves no bound
    gap = _float_or_none(raw.get("gap", None if lower is None else hcv_objective - lower))
    return CheckResult(
        verdict=str(raw["verdict"]), objective=hcv_objective, lower=lower,
        gap=gap, relative_gap=_float_or_none(raw["relative_gap"]),
        lower_proven=bool(raw["lower_proven"]),
        escape_neuron=EscapeNeuron.of(raw.get("escape_neuron"), network.hidden_bias),
        explanation=str(raw["explanation"]), decided_by=raw.get("decided_by"), objective_numpy=objective_numpy,
        mapping=problem.mapping, raw=raw, log=log, improved=improved, improved_objective=improved_objective,
        improved_by=improved_by)


def improve(model, X, y, *, loss="mse", weight_decay, reduction=None, time_limit=None, patterns=None, hcv=None):
    """A NEW module of the same form as `model` (its class and forward kept; the width may change) whose
    L_β is not higher: hcv's improvement (the escape neuron added, the end of the THEORY.md §8 path, or
    the minimal equivalent network), or a copy of `model` when the proposal's L_β, recomputed from the new
    module's weights in its own dtype, would be higher (or hcv proposes nothing). Arguments as for check()."""
    return check(model, X, y, loss=loss, weight_decay=weight_decay, reduction=reduction, time_limit=time_limit,
                 patterns=patterns, improve=True, hcv=hcv).improved


def solve_convex(X, y, *, loss="mse", weight_decay, reduction=None, hidden_bias=False, time_limit=None,
                 patterns=None, dtype=None, device=None, hcv=None) -> SolveResult:
    """Solves the convex program of THEORY.md §3 with a certified gap (`hcv solve`) and returns the
    SolveResult, certified or not. The network is nn.Sequential(Linear(d, m, bias=hidden_bias), ReLU,
    Linear(m, 1, bias=False)) in `dtype` (default: X's torch dtype, else float64) on `device`."""
    import torch

    problem = Problem.of(X, y, loss, weight_decay, reduction)
    if dtype is None:
        dtype = X.dtype if isinstance(X, torch.Tensor) and X.dtype.is_floating_point else torch.float64
    native = hidden_bias and runner.supports_option("solve", "--hidden-bias", hcv)
    # Without `solve --hidden-bias` the ones column is appended here: the same program (THEORY.md §1).
    sent = problem.with_ones_column() if hidden_bias and not native else problem
    with tempfile.TemporaryDirectory(prefix="hiddenconvex-") as tmp:
        args = (["solve", _save_data(tmp, sent.X, sent.y)] + problem.mapping.hcv_args()
                + (["--hidden-bias"] if native else []) + ["--quiet"]
                + runner.option("--time-limit", time_limit) + runner.option("--patterns", patterns))
        raw, log = runner.run_json(args, hcv)
    runner.require_fields(raw, SOLVE_FIELDS, "hcv solve")
    network = Network.from_U(raw["network"]["U"], raw["network"]["alpha"], hidden_bias)
    if network.input_dim != problem.X.shape[1]:
        raise HcvError(f"hcv solve returned U with {network.U.shape[1]} columns for d = {problem.X.shape[1]}"
                       f"{' plus the bias' if hidden_bias else ''}")
    model = build_module(network, dtype=dtype, device=device)
    stored, _ = read_module(model)
    value, lower = problem.objective(network), float(raw["lower"])
    # Weak duality (THEORY.md §4): every network's L_β is at least the proven lower bound.
    if not value >= lower - OBJECTIVE_RTOL * abs(value):
        raise ObjectiveMismatchError(
            f"hcv solve's network has L_β = {value!r} below its proven lower bound {lower!r}: hcv solved another "
            f"problem than the one given")
    return SolveResult(
        status=str(raw["status"]), objective=value, lower=lower, gap=value - lower,
        relative_gap=_float_or_none(raw.get("relative_gap")),
        lower_proven=bool(raw.get("lower_proven", raw.get("exact_patterns", False))),
        hcv_objective=float(raw["objective"]), network=network, model=model,
        model_objective=problem.objective(stored), mapping=problem.mapping, raw=raw, log=log)


def solve(X, y, *, loss="mse", weight_decay, reduction=None, hidden_bias=False, time_limit=None, patterns=None,
          dtype=None, device=None, hcv=None):
    """The certified globally optimal network as a module (see solve_convex); NotCertifiedError, carrying
    the SolveResult and its proven bracket, when hcv did not certify a global optimum."""
    result = solve_convex(X, y, loss=loss, weight_decay=weight_decay, reduction=reduction, hidden_bias=hidden_bias,
                          time_limit=time_limit, patterns=patterns, dtype=dtype, device=device, hcv=hcv)
    if not result.certified:
        raise NotCertifiedError(
            f"hcv solve ended with status {result.status!r}, not {CERTIFIED_STATUS!r}: the optimum is proven only to "
            f"lie in [{result.lower!r}, {result.objective!r}]"
            f"{'' if result.lower_proven else ' for the sampled patterns'}; solve_convex() returns this network",
            result)
    return result.model


def _read_checked(model, problem: Problem):
    network, layout = read_module(model)
    if network.input_dim != problem.X.shape[1]:
        raise ValueError(f"the hidden layer takes d = {network.input_dim} inputs but X has {problem.X.shape[1]} columns")
    verify_forward(model, network, layout, problem.X)
    return network, layout


def _require_same_objective(hcv_value: float, numpy_value: float, what: str) -> None:
    if not abs(hcv_value - numpy_value) <= OBJECTIVE_RTOL * abs(numpy_value):
        raise ObjectiveMismatchError(
            f"{what} computed L_β = {hcv_value!r} but the module's weights give {numpy_value!r} (relative difference "
            f"{abs(hcv_value - numpy_value) / abs(numpy_value):.3g} > OBJECTIVE_RTOL = {OBJECTIVE_RTOL:g}): hcv "
            f"checked another problem than the module describes")


def _not_worse(model, layout, problem: Problem, objective_numpy: float, proposed: Optional[Network],
               hcv_reason: Optional[str]):
    """(module, its L_β, why): hcv's proposal if its L_β, recomputed from the weights as stored in the
    model's dtype, is not higher than the model's; otherwise a copy of the model."""
    if proposed is not None:
        candidate = build_module(proposed, template=model, layout=layout)
        stored, _ = read_module(candidate)
        value = problem.objective(stored)
        if value <= objective_numpy:
            return candidate, value, hcv_reason or "hcv's improved network"
        reason = (f"hcv's proposal has L_β = {value!r} > {objective_numpy!r} in the model's dtype: "
                  f"the model is returned unchanged")
    else:
        reason = "hcv found no improvement: the model is returned unchanged"
    return copy.deepcopy(model), objective_numpy, reason


def _save_data(folder: str, X: np.ndarray, y: np.ndarray) -> str:
    """README "File formats": an .npz with X (n×d) and y (n), float64."""
    path = os.path.join(folder, "data.npz")
    np.savez(path, X=np.ascontiguousarray(X, dtype=np.float64), y=np.ascontiguousarray(y, dtype=np.float64))
    return path


def _save_network(folder: str, network: Network) -> str:
    """README "File formats": an .npz with U (m×d, or m×(d+1) = [weight | bias]) and alpha (m)."""
    path = os.path.join(folder, "net.npz")
    np.savez(path, U=np.ascontiguousarray(network.U, dtype=np.float64),
             alpha=np.ascontiguousarray(network.alpha, dtype=np.float64))
    return path


def _load_network(path: str, hidden_bias: bool) -> Network:
    with np.load(path) as f:
        return Network.from_U(f["U"], f["alpha"], hidden_bias)


def _float_or_none(v) -> Optional[float]:
    return None if v is None else float(v)
