"""The child process that runs a student's file: ``python worker.py REQUEST RESULT``.

It imports nothing of the project (only the standard library and numpy), lowers its own
memory and CPU limits before the student's code runs, hides the student's printing, calls
``forward_propagation`` (when defined) and ``backward_propagation`` once per check point, and
writes one JSON result: the numbers, or one line saying why the file cannot be checked.

Request (JSON): ``{"path", "backward_keys", "memory_mb", "cpu_seconds", "points": [{"x",
"y", "w", "forward"}]}``.  Result: ``{"ok": true, "forward": [{key: number}] | null,
"backward": [[number, ...]]}`` or ``{"ok": false, "message": "..."}``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
import traceback
from collections.abc import Mapping
from types import ModuleType
from typing import Any

#: Characters of the student's own printing kept (and then dropped): printing in a loop must
#: not fill memory or a pipe.
PRINT_BUDGET = 10_000


class CannotCheckError(Exception):
    """The file cannot be checked; the message is one line for the user."""


class BoundedSink(io.TextIOBase):
    """A text stream that keeps the first ``PRINT_BUDGET`` characters and drops the rest."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.size < PRINT_BUDGET:
            self.kept.append(text[: PRINT_BUDGET - self.size])
            self.size += len(text)
        return len(text)


#: The largest file the student's code may write (its error output included), in bytes.
FILE_LIMIT = 64 * 1024 * 1024


def limit_resources(memory_mb: int, cpu_seconds: int) -> None:
    """Cap address space, CPU time and file size (POSIX; elsewhere only the parent's wall
    clock limits the run).  Soft and hard limits alike, so the student's code cannot lift
    them."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    for which, value in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024),
                         (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, FILE_LIMIT)):
        # A lower hard limit already in force stays.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))


def where(error: BaseException, path: str) -> str:
    """``FILE, line N`` of the innermost frame of the student's file in ``error``."""
    if isinstance(error, SyntaxError) and error.filename == path:
        return f"{os.path.basename(path)}, line {error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename) == path]
    if not frames:
        return os.path.basename(path)
    return f"{os.path.basename(path)}, line {frames[-1].lineno}"


def describe(error: BaseException) -> str:
    text = " ".join(str(error).split())  # one line
    if len(text) > 200:
        text = text[:197] + "..."
    name = type(error).__name__
    if isinstance(error, MemoryError):
        return f"{name} (the check allows {LIMITS['memory_mb']} MB of memory)"
    return f"{name}: {text}" if text else name


#: The limits in force, for messages.
LIMITS: dict[str, int] = {"memory_mb": 0}


def load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("student_backward", path)
    if spec is None or spec.loader is None:
        raise CannotCheckError(f"{os.path.basename(path)} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as error:  # anything the student's file does
        if isinstance(error, KeyboardInterrupt):
            raise
        raise CannotCheckError(f"importing {where(error, path)}: {describe(error)}") from None
    return module


def number(value: Any) -> float | None:
    """A real number from a float, int, numpy scalar or one-element array; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    size = getattr(value, "size", None)
    if size == 1 and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            return float(item)
    return None


def call(function: Any, name: str, path: str, args: tuple[Any, ...]) -> Any:
    try:
        return function(*args)
    except BaseException as error:  # anything the student's code does
        if isinstance(error, KeyboardInterrupt):
            raise
        raise CannotCheckError(
            f"{name} raised at {where(error, path)}: {describe(error)}") from None


def run(request: Mapping[str, Any]) -> dict[str, Any]:
    path = os.path.abspath(request["path"])
    module = load(path)
    backward = getattr(module, "backward_propagation", None)
    if not callable(backward):
        raise CannotCheckError(f"{os.path.basename(path)} defines no backward_propagation"
                          "(x, y, w, forward_dict)")
    forward = getattr(module, "forward_propagation", None)
    if forward is not None and not callable(forward):
        forward = None
    import numpy as np  # only now: a file that fails to load is reported sooner

    keys: list[str] = list(request["backward_keys"])
    forwards: list[dict[str, float]] = []
    backwards: list[list[float]] = []
    for point in request["points"]:
        x, y, w = np.array(point["x"]), float(point["y"]), np.array(point["w"])
        engine_forward: dict[str, float] = dict(point["forward"])
        given: dict[str, Any] = {}
        if forward is not None:
            result = call(forward, "forward_propagation", path, (x.copy(), y, w.copy()))
            if not isinstance(result, Mapping):
                raise CannotCheckError(f"forward_propagation returned {type(result).__name__}, "
                                  "expected a dict such as {'loss': ..., 'dy_pred': ...}")
            given = dict(result)
            forwards.append({str(k): v for k, v in
                             ((k, number(v)) for k, v in given.items()) if v is not None})
        # The engine's values of the notebook's keys: a wrong forward must not make a right
        # backward look wrong.  Keys the student added stay theirs.
        forward_dict = {**given, **engine_forward}
        result = call(backward, "backward_propagation", path,
                      (x.copy(), y, w.copy(), forward_dict))
        if not isinstance(result, Mapping):
            raise CannotCheckError(f"backward_propagation returned {type(result).__name__}, "
                              f"expected a dict with keys {', '.join(keys)}")
        missing = [k for k in keys if k not in result]
        if missing:
            raise CannotCheckError(f"backward_propagation's dict has no {', '.join(missing)} "
                              f"(expected {', '.join(keys)})")
        values: list[float] = []
        for key in keys:
            value = number(result[key])
            if value is None:
                raise CannotCheckError(f"backward_propagation's {key} is "
                                  f"{type(result[key]).__name__}, expected a number")
            values.append(value)
        backwards.append(values)
    return {"ok": True, "forward": forwards if forward is not None else None,
            "backward": backwards}


def main(argv: list[str]) -> int:
    request_path, result_path = argv[1], argv[2]
    with open(request_path, encoding="utf-8") as stream:
        request = json.load(stream)
    LIMITS["memory_mb"] = int(request["memory_mb"])
    limit_resources(LIMITS["memory_mb"], int(request["cpu_seconds"]))
    sys.dont_write_bytecode = True  # leave no __pycache__ beside the student's file
    # The student's folder replaces this one on the path, for their own helper modules.
    sys.path[0] = os.path.dirname(os.path.abspath(request["path"]))
    sink = BoundedSink()
    sys.stdout = sys.stderr = sink
    try:
        outcome = run(request)
    except CannotCheckError as error:
        outcome = {"ok": False, "message": str(error)}
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        text = json.dumps(outcome)
    except ValueError:  # pragma: no cover - json.dumps writes nan/inf by default
        text = json.dumps({"ok": False, "message": "the results could not be encoded"})
    with open(result_path, "w", encoding="utf-8") as stream:
        stream.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
