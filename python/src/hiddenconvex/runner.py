"""Finding and running the `hcv` command (always with --json) and reading its answer.

hcv is taken from the environment variable HCV — a command line, possibly with arguments, e.g.
`dotnet /path/to/hcv.dll`, split like a shell would (shlex) — or else `hcv` on PATH.
Exit codes relied on: 0 success and 2 bad input (its message on stderr). Any other code that comes
with a JSON object on stdout is an answer (a negative verdict, an uncertified solve); without one it
is an error carrying hcv's stderr.
"""

import json
import numbers
import os
import re
import shlex
import shutil
import subprocess
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple, Union

from .errors import HcvError, HcvInputError, HcvNotFoundError

ENV_VAR = "HCV"
BAD_INPUT = 2

HOW_TO_GET_HCV = """\
hcv is the command of HiddenConvex.Verify (a .NET 10 program). From a checkout of the repository, either
build it and point HCV at it:
  dotnet build src/HiddenConvex.Cli -c Release
  export HCV=$PWD/src/HiddenConvex.Cli/bin/Release/net10.0/hcv
or install it as a .NET tool, so that hcv is on PATH:
  dotnet pack src/HiddenConvex.Cli -c Release -o nupkg
  dotnet tool install --global HiddenConvex.Verify --add-source nupkg
  export PATH="$PATH:$HOME/.dotnet/tools"
HCV may be any command line that runs it, e.g. HCV="dotnet /path/to/hcv.dll"."""

HcvSpec = Union[None, str, Sequence[str]]


def command(hcv: HcvSpec = None) -> List[str]:
    """The argv prefix that runs hcv: `hcv` given here, else $HCV, else `hcv` on PATH."""
    spec = hcv if hcv is not None else os.environ.get(ENV_VAR) or None
    if spec is None:
        found = shutil.which("hcv")
        if found is None:
            raise HcvNotFoundError(f"hcv was not found: ${ENV_VAR} is not set and there is no hcv on PATH.\n"
                                   + HOW_TO_GET_HCV)
        return [found]
    argv = shlex.split(spec) if isinstance(spec, str) else [str(a) for a in spec]
    origin = f"{ENV_VAR}={spec!r}" if hcv is None else f"hcv={spec!r}"
    if not argv:
        raise HcvNotFoundError(f"{origin} names no command.\n" + HOW_TO_GET_HCV)
    if shutil.which(argv[0]) is None:
        raise HcvNotFoundError(f"{origin}: {argv[0]} is not an executable program.\n" + HOW_TO_GET_HCV)
    return argv


def run_json(args: Sequence[str], hcv: HcvSpec = None) -> Tuple[dict, str]:
    """Runs `hcv ARGS --json`; returns (the JSON object on stdout, stderr). Raises HcvInputError on exit
    code 2 (with hcv's message) and HcvError when there is no JSON answer."""
    argv = command(hcv) + list(args) + ["--json"]
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8")
    except OSError as e:
        raise HcvNotFoundError(f"cannot run {argv[0]}: {e}\n" + HOW_TO_GET_HCV, command=argv) from None
    if proc.returncode == BAD_INPUT:
        raise HcvInputError(_message(proc.stderr) or "hcv refused its input (exit code 2)",
                            returncode=proc.returncode, stderr=proc.stderr, command=argv)
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise HcvError(f"hcv exited with code {proc.returncode} without a JSON answer: "
                       f"{_message(proc.stderr) or proc.stdout.strip()[:500] or '(no output)'}",
                       returncode=proc.returncode, stderr=proc.stderr, command=argv)
    return answer, proc.stderr


def require_fields(answer: dict, fields: Sequence[str], what: str) -> None:
    """Refuses an answer without the documented fields this package reads."""
    missing = [f for f in fields if f not in answer]
    if missing:
        raise HcvError(f"{what}: hcv's JSON lacks the field(s) {', '.join(missing)}; this hcv is not the one "
                       f"this package was written for")


@lru_cache(maxsize=None)
def _help(argv: Tuple[str, ...], subcommand: str) -> str:
    proc = subprocess.run(list(argv) + [subcommand, "--help"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, encoding="utf-8")
    return proc.stdout if proc.returncode == 0 else ""


def supports_option(subcommand: str, option: str, hcv: HcvSpec = None) -> bool:
    """Whether `hcv SUBCOMMAND --help` documents OPTION (e.g. "--hidden-bias")."""
    text = _help(tuple(command(hcv)), subcommand)
    return re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text) is not None


def _message(stderr: str) -> str:
    """hcv's error: its stderr from the last 'hcv <command>: ' line on (progress lines, which start the
    same way, come before the error; a usage hint may follow it)."""
    lines = stderr.strip().splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"^hcv( \S+)?: ", line)]
    return "\n".join(lines[starts[-1]:] if starts else lines[-5:])


def option(name: str, value: Optional[object]) -> List[str]:
    """[name, value] when a value is given, [] otherwise (options are passed only when asked for).
    Numbers are written so that hcv reads the same double (repr of a Python float round-trips)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [name, value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return [name, str(int(value))]
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [name, repr(float(value))]
    raise TypeError(f"{name}: expected a number or a string, got {value!r}")
