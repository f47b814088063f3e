"""Run a student's file in a separate process, with a time and a memory limit.

The student's code never runs in the caller's process: whatever it does (fail to import,
raise, loop forever, allocate without end, exit, print without end) the caller gets either
the numbers or a :class:`StudentCodeError` with one line saying what went wrong.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKER = Path(__file__).with_name("worker.py")
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 1024
#: How often a waiting check looks for a cancellation, in seconds.
POLL_SECONDS = 0.05
#: The most of the child's own error output read back (a crash's last lines).
STDERR_TAIL = 2000


class StudentCodeError(Exception):
    """The student's file cannot be checked; the message is one line naming why."""


@dataclass(frozen=True)
class CheckPoint:
    """One call of the student's functions: a sample, weights, and the engine's forward
    dict that ``backward_propagation`` receives."""

    x: tuple[float, ...]
    y: float
    w: tuple[float, ...]
    forward: Mapping[str, float]


@dataclass(frozen=True)
class StudentRun:
    """What the student's functions returned, one entry per check point.

    Attributes
    ----------
    forward
        ``forward_propagation``'s numeric entries per point, or ``None`` when the file
        does not define it.
    backward
        ``backward_propagation``'s values of the requested keys per point, in key order.
    """

    forward: tuple[Mapping[str, float], ...] | None
    backward: tuple[tuple[float, ...], ...]


def run_student_file(path: str | os.PathLike[str], points: Sequence[CheckPoint],
                     backward_keys: Sequence[str], timeout: float = DEFAULT_TIMEOUT,
                     memory_mb: int = DEFAULT_MEMORY_MB,
                     cancel: threading.Event | None = None) -> StudentRun:
    """Call the file's ``forward_propagation`` (if any) and ``backward_propagation`` on
    every point, in a child process.

    Parameters
    ----------
    path
        The student's Python file.
    points
        Where to call the functions.
    backward_keys
        The keys ``backward_propagation`` must return (``dw1`` ...).
    timeout
        Seconds of wall-clock time for the whole run, import included.
    memory_mb
        Address-space limit of the child (POSIX).
    cancel
        Set from another thread to stop the child at once (the window closing).

    Raises
    ------
    StudentCodeError
        The file is missing, fails to import, raises, runs out of time or memory, returns
        something else than a dict of numbers with every key, or the process dies.
    """
    file = Path(path)
    if file.is_dir():
        raise StudentCodeError(f"{file} is a folder, not a Python file")
    if not file.is_file():
        raise StudentCodeError(f"{file}: no such file")
    if not math.isfinite(timeout) or timeout <= 0:
        raise StudentCodeError(f"the time limit must be a positive number of seconds, "
                               f"got {timeout}")
    request = {
        "path": str(file.resolve()),
        "backward_keys": list(backward_keys),
        "memory_mb": int(memory_mb),
        "cpu_seconds": math.ceil(timeout) + 1,
        "points": [{"x": list(p.x), "y": p.y, "w": list(p.w), "forward": dict(p.forward)}
                   for p in points],
    }
    with tempfile.TemporaryDirectory(prefix="backward-check-") as folder:
        request_path = Path(folder, "request.json")
        result_path = Path(folder, "result.json")
        stderr_path = Path(folder, "stderr.txt")
        request_path.write_text(json.dumps(request), encoding="utf-8")
        status = _run_child(request_path, result_path, stderr_path, timeout, file.name,
                            cancel)
        if not result_path.exists():
            raise StudentCodeError(_died_message(file.name, status, stderr_path))
        try:
            outcome = json.loads(result_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise StudentCodeError(f"{file.name}: the check process wrote an unreadable "
                                   "result") from None
    return _parse(outcome, len(points), len(backward_keys), file.name)


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    # One BLAS thread: the address-space limit counts every thread's stack and buffers.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _run_child(request_path: Path, result_path: Path, stderr_path: Path, timeout: float,
               name: str, cancel: threading.Event | None) -> int:
    """Start the worker, wait at most ``timeout`` seconds, kill it (and anything it
    started) when late or cancelled; the exit status."""
    posix = os.name == "posix"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own worker, this interpreter
            [sys.executable, str(WORKER), str(request_path), str(result_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            env=_child_environment(), start_new_session=posix,
        )
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    return process.wait(timeout=min(POLL_SECONDS, timeout))
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        _kill(process, posix)
                        raise StudentCodeError(f"the check of {name} was cancelled") from None
                    if time.monotonic() >= deadline:
                        raise
        except subprocess.TimeoutExpired:
            _kill(process, posix)
            raise StudentCodeError(f"{name} did not finish within {timeout:g} s (an endless "
                                   "loop?): stopped") from None
        except BaseException:
            _kill(process, posix)  # interrupted: the child must not outlive the check
            raise


def _kill(process: subprocess.Popen[bytes], posix: bool) -> None:
    if posix:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        process.kill()
    process.wait()


def _died_message(name: str, status: int, stderr_path: Path) -> str:
    try:
        with open(stderr_path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - STDERR_TAIL))
            tail = stream.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        tail = []
    last = tail[-1].strip() if tail else ""
    if status < 0:
        try:
            how = signal.Signals(-status).name
        except ValueError:
            how = f"signal {-status}"
        if how == "SIGXCPU":
            return f"{name} used more CPU time than the check allows: stopped"
        if how == "SIGXFSZ":
            return f"{name} wrote a file (or output) larger than the check allows: stopped"
        detail = f"killed by {how}"
    else:
        detail = f"exit status {status}"
    return f"{name}: the check process stopped without a result ({detail})" + (
        f": {last}" if last else "")


def _parse(outcome: Any, n_points: int, n_keys: int, name: str) -> StudentRun:
    if not isinstance(outcome, dict):
        raise StudentCodeError(f"{name}: the check process wrote an unreadable result")
    if not outcome.get("ok"):
        raise StudentCodeError(str(outcome.get("message", f"{name} cannot be checked")))
    backward = outcome.get("backward")
    if (not isinstance(backward, list) or len(backward) != n_points
            or any(not isinstance(row, list) or len(row) != n_keys for row in backward)):
        raise StudentCodeError(f"{name}: the check process wrote an incomplete result")
    forward = outcome.get("forward")
    forwards = None
    if forward is not None:
        if not isinstance(forward, list) or len(forward) != n_points:
            raise StudentCodeError(f"{name}: the check process wrote an incomplete result")
        forwards = tuple({str(k): float(v) for k, v in entry.items()} for entry in forward)
    return StudentRun(forward=forwards,
                      backward=tuple(tuple(float(v) for v in row) for row in backward))
