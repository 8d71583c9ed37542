"""Exceptions of the hiddenconvex package."""

from typing import Optional, Sequence


class UnsupportedModelError(ValueError):
    """The module, loss or targets are outside the model of THEORY.md §1 (the message says why)."""


class HcvError(RuntimeError):
    """`hcv` failed or answered something this package cannot read.

    `returncode`, `stderr` and `command` are those of the `hcv` process (None when it never ran).
    """

    def __init__(self, message: str, *, returncode: Optional[int] = None, stderr: str = "",
                 command: Optional[Sequence[str]] = None):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.command = list(command) if command is not None else None


class HcvNotFoundError(HcvError, FileNotFoundError):
    """No `hcv` command: neither the environment variable HCV nor PATH names one that runs."""


class HcvInputError(HcvError, ValueError):
    """`hcv` refused its input (exit code 2); the message is hcv's own."""


class NotCertifiedError(HcvError):
    """`hcv solve` ended without a certified optimum (time or iteration limit, numerical trouble).

    `result` is the SolveResult with the proven bracket [lower, objective] reached so far.
    """

    def __init__(self, message: str, result):
        super().__init__(message)
        self.result = result


class ObjectiveMismatchError(HcvError):
    """hcv's objective L_β differs from this package's float64 recomputation beyond OBJECTIVE_RTOL:
    hcv checked a different problem than the module describes (a mapping defect, never a verdict)."""
