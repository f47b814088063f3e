"""What runs the student's file inside the sandbox, and the one format of its answer.

Only the standard library at import (numpy is imported by the launcher before the student's
code runs, and here only inside :func:`run`): the launcher loads this file by path, and the
checker imports it for :func:`decode_result`.

The request (JSON, read whole from a pipe before the student's code runs): ``{"path",
"backward_keys", "forward_keys", "points": [{"x", "y", "w", "forward"}]}``.  The answer, on a
second pipe, is numbers only, in a fixed binary layout the checker knows the size of in
advance (so nothing in it can be deep, long, or of another type)::

    b"BWC1"  u32 points  u32 backward keys  u32 forward keys  u8 has forward
    f64[points * backward keys]                     backward_propagation's values
    u8[points * forward keys]  f64[points * forward keys]   (with forward) present?, value

When the file cannot be checked the worker writes one line on its error output and exits
with :data:`CANNOT_CHECK`; that line is only ever a message.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import struct
import sys
import traceback
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

MAGIC = b"BWC1"
HEADER = struct.Struct("<4sIIIB")
#: The exit status of a worker that found the file uncheckable (its message on stderr).
CANNOT_CHECK = 3
#: The longest message the worker writes about the student's file.
MESSAGE_CHARS = 300


class CannotCheckError(Exception):
    """The file cannot be checked; the message is one line for the user."""


class DiscardedOutput(io.TextIOBase):
    """Where the student's printing goes: nowhere (printing in a loop must not fill memory
    or a pipe, and nothing it prints is read)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def result_size(points: int, backward_keys: int, forward_keys: int, forward: bool) -> int:
    """Bytes of an answer with this shape."""
    size = HEADER.size + 8 * points * backward_keys
    return size + 9 * points * forward_keys if forward else size


def encode_result(backward: Sequence[Sequence[float]],
                  forward: Sequence[Sequence[float | None]] | None,
                  backward_keys: int, forward_keys: int) -> bytes:
    """The binary answer (``None`` in ``forward``: the key was not returned)."""
    parts = [HEADER.pack(MAGIC, len(backward), backward_keys, forward_keys,
                         1 if forward is not None else 0)]
    parts.append(struct.pack(f"<{len(backward) * backward_keys}d",
                             *(v for row in backward for v in row)))
    if forward is not None:
        flat = [v for row in forward for v in row]
        parts.append(bytes(0 if v is None else 1 for v in flat))
        parts.append(struct.pack(f"<{len(flat)}d", *(0.0 if v is None else v for v in flat)))
    return b"".join(parts)


def decode_result(data: bytes, points: int, backward_keys: int, forward_keys: int
                  ) -> tuple[list[list[float]], list[dict[int, float]] | None]:
    """The answer's numbers: backward values per point, and per point the forward keys
    (by index) returned with their values, or ``None`` without a forward pass.

    Raises ``ValueError`` (one line) for anything else than an answer of exactly this shape.
    """
    if len(data) < HEADER.size:
        raise ValueError("the answer is shorter than its header")
    magic, n_points, n_keys, n_forward, has_forward = HEADER.unpack_from(data)
    if (magic, n_points, n_keys, n_forward) != (MAGIC, points, backward_keys, forward_keys) \
            or has_forward not in (0, 1):
        raise ValueError("the answer's header does not match the request")
    if len(data) != result_size(points, backward_keys, forward_keys, bool(has_forward)):
        raise ValueError(f"the answer has {len(data)} bytes, not the size its header gives")
    offset = HEADER.size
    flat = struct.unpack_from(f"<{points * backward_keys}d", data, offset)
    backward = [list(flat[i * backward_keys:(i + 1) * backward_keys]) for i in range(points)]
    if not has_forward:
        return backward, None
    offset += 8 * points * backward_keys
    count = points * forward_keys
    present = data[offset:offset + count]
    if any(flag not in (0, 1) for flag in present):
        raise ValueError("the answer's forward flags are not 0 or 1")
    values = struct.unpack_from(f"<{count}d", data, offset + count)
    forward = [{k: values[i * forward_keys + k] for k in range(forward_keys)
                if present[i * forward_keys + k]} for i in range(points)]
    return backward, forward


def where(error: BaseException, path: str) -> str:
    """``FILE, line N`` of the innermost frame of the student's file in ``error``."""
    if isinstance(error, SyntaxError) and error.filename == path:
        return f"{os.path.basename(path)}, line {error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename) == path]
    if not frames:
        return os.path.basename(path)
    return f"{os.path.basename(path)}, line {frames[-1].lineno}"


#: The limits in force, for messages.
LIMITS: dict[str, int] = {"memory_mb": 0}


def describe(error: BaseException) -> str:
    try:
        text = " ".join(str(error).split())  # one line
    except Exception:  # a student's exception whose str() fails
        text = ""
    if len(text) > 200:
        text = text[:197] + "..."
    name = type(error).__name__
    if isinstance(error, MemoryError):
        return f"{name} (the check allows {LIMITS['memory_mb']} MB of memory)"
    if isinstance(error, ModuleNotFoundError):
        text += " (a check can import only the standard library and numpy)"
    return f"{name}: {text}" if text else name


def load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("student_backward", path)
    if spec is None or spec.loader is None:
        raise CannotCheckError(f"{os.path.basename(path)} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as error:  # anything the student's file does
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


def value_of(result: Mapping[Any, Any], key: str, function: str) -> float:
    try:
        value = number(result[key])
    except OverflowError:
        raise CannotCheckError(f"{function}'s {key} is an integer too large for a float") \
            from None
    except Exception as error:  # a student's object that fails to convert
        raise CannotCheckError(f"{function}'s {key} cannot be read as a number: "
                               f"{describe(error)}") from None
    if value is None:
        raise CannotCheckError(f"{function}'s {key} is {type(result[key]).__name__}, "
                               "expected a number")
    return value


def call(function: Any, name: str, path: str, args: tuple[Any, ...]) -> Any:
    try:
        return function(*args)
    except BaseException as error:  # anything the student's code does
        raise CannotCheckError(
            f"{name} raised at {where(error, path)}: {describe(error)}") from None


def run(request: Mapping[str, Any]) -> bytes:
    """Call the student's functions on every point; the binary answer."""
    path = os.path.abspath(request["path"])
    module = load(path)
    backward = getattr(module, "backward_propagation", None)
    if not callable(backward):
        raise CannotCheckError(f"{os.path.basename(path)} defines no backward_propagation"
                               "(x, y, w, forward_dict)")
    forward = getattr(module, "forward_propagation", None)
    if forward is not None and not callable(forward):
        forward = None
    import numpy as np  # already loaded by the launcher, before the clock started

    keys: list[str] = list(request["backward_keys"])
    forward_keys: list[str] = list(request["forward_keys"])
    forwards: list[list[float | None]] = []
    backwards: list[list[float]] = []
    for point in request["points"]:
        x, y, w = np.array(point["x"]), float(point["y"]), np.array(point["w"])
        engine_forward: dict[str, float] = dict(point["forward"])
        given: dict[Any, Any] = {}
        if forward is not None:
            result = call(forward, "forward_propagation", path, (x.copy(), y, w.copy()))
            if not isinstance(result, Mapping):
                raise CannotCheckError(f"forward_propagation returned {type(result).__name__},"
                                       " expected a dict such as {'loss': ..., 'dy_pred': ...}")
            given = dict(result)
            row: list[float | None] = []
            for key in forward_keys:
                try:
                    row.append(number(given[key]) if key in given else None)
                except (OverflowError, ValueError, TypeError):
                    row.append(None)
            forwards.append(row)
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
        backwards.append([value_of(result, key, "backward_propagation") for key in keys])
    return encode_result(backwards, forwards if forward is not None else None, len(keys),
                         len(forward_keys))


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def serve(request_fd: int, result_fd: int, work: str, memory_mb: int) -> int:
    """Read the request, run the student's file in ``work`` (the current folder and the
    first place imports look), write the answer; the process's exit status."""
    request = json.loads(read_all(request_fd))
    os.close(request_fd)
    LIMITS["memory_mb"] = memory_mb
    sys.dont_write_bytecode = True
    os.chdir(work)
    sys.path.insert(0, work)  # the student's own helper modules, copied beside the file
    sys.stdout = sys.stderr = DiscardedOutput()
    try:
        answer = run(request)
    except BaseException as error:  # whatever the student's objects raise
        text = str(error) if isinstance(error, CannotCheckError) else (
            f"the check of {os.path.basename(request['path'])} failed: {describe(error)}")
        message = " ".join(text.split())[:MESSAGE_CHARS]
        with contextlib.suppress(OSError):
            write_all(2, ("\n" + message + "\n").encode("utf-8", "replace"))
        return CANNOT_CHECK
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    write_all(result_fd, answer)
    return 0
