"""Turning what a user typed into checked inputs: the graph, the data, the weights.

Shared by the headless commands and the window's own command line, so that both accept
the same things and refuse them with the same one-line messages.  A refusal is a
:class:`UsageError` (the command line prints it and exits 2).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from core.numbers import MINUS  # as the app writes numbers; read as ``-``
from core.training.hyperparameters import HyperparameterError, flag

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset

#: The longest piece of refused text a message quotes whole.
QUOTED_CHARS = 40

#: Config fields whose command-line option is not named after them.
_OPTION_NAMES = {"initial_weights": "--weights", "data": "--data", "graph": "--graph"}


class UsageError(Exception):
    """Bad input on a command line: shown as one line (the command exits 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit status 2, without usage spam."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class NumberError(ValueError):
    """Text that is not the number asked for; ``str()`` is one line naming what it is for
    (``lr: 'fast' is not a number``)."""


def _quoted(text: str) -> str:
    if len(text) > QUOTED_CHARS:
        text = text[:QUOTED_CHARS - 1] + "…"
    return repr(text)


def parse_number(text: str, what: str = "", *, finite: bool = True) -> float:
    """The number a user typed: the one way the window and the command line read one.

    Surrounding spaces are ignored, and the minus sign ``−`` (U+2212, as the app writes
    numbers) is read as ``-``, so a number copied from the screen reads back.  Python's
    digit separator ``1_000`` is refused (a data file refuses it too).

    Parameters
    ----------
    text
        What was typed.
    what
        What the number is for (``lr``, ``eps``, ``--weights``): it starts the message;
        empty for none (argparse adds the option's name itself).
    finite
        Refuse ``nan`` and the infinities (the default).

    Raises
    ------
    NumberError
        ``lr: 'fast' is not a number``, ``eps: 'nan' is not a finite number``,
        ``lr: no number given``.
    """
    start = f"{what}: " if what else ""
    stripped = text.strip()
    if not stripped:
        raise NumberError(f"{start}no number given")
    try:
        if "_" in stripped:
            raise ValueError(stripped)
        value = float(stripped.replace(MINUS, "-"))
    except ValueError:
        raise NumberError(f"{start}{_quoted(stripped)} is not a number") from None
    if finite and not math.isfinite(value):
        raise NumberError(f"{start}{_quoted(stripped)} is not a finite number")
    return value


def number_argument(text: str) -> float:
    """An argparse ``type`` for a finite number (``--lr 0.1``, ``--span −2``)."""
    try:
        return parse_number(text)
    except NumberError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def any_number_argument(text: str) -> float:
    """An argparse ``type`` for any number, nan and the infinities too, for an option that
    checks its own range and says so (``--eps nan is not a number: ...``)."""
    try:
        return parse_number(text, finite=False)
    except NumberError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def count_argument(text: str) -> int:
    """An argparse ``type`` for a whole number >= 0 (``--steps N``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


#: Sides of a picture (--size WxH, an exported plot), in pixels.
MIN_SIDE, MAX_SIDE = 200, 10000


def size_argument(text: str) -> tuple[int, int]:
    """An argparse ``type`` for ``WxH`` -> (width, height), each side
    :data:`MIN_SIDE`..:data:`MAX_SIDE` (``--size``)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT (e.g. 1200x800)") \
            from None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(
            f"{text!r}: each side must be {MIN_SIDE}..{MAX_SIDE} pixels")
    return width, height


def join_negative_values(argv: Sequence[str], options: Sequence[str]) -> list[str]:
    """``--weights -0.5,1`` -> ``--weights=-0.5,1``: argparse would read a value that
    starts with a dash as an option."""
    result: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in options and following.startswith("-") and not following.startswith("--"):
            result.append(f"{token}={following}")
            i += 2
        else:
            result.append(token)
            i += 1
    return result


def option_error(error: HyperparameterError, field: str | None = None) -> UsageError:
    """A refused value as a command line reports it: ``--lr: lr must be > 0, got -1``.

    Parameters
    ----------
    error
        The refusal; a :class:`core.training.config.ConfigError` knows its field.
    field
        The field, when ``error`` does not say it.
    """
    name = getattr(error, "field", None) or field
    message = str(error)
    if name is None:
        return UsageError(message)
    if message.startswith(f"{name}: "):
        message = message[len(name) + 2:]
    return UsageError(f"{_OPTION_NAMES.get(name, flag(name))}: {message}")


def parse_weights(text: str | None, graph: Graph, preset: Preset | None = None
                  ) -> np.ndarray | None:
    """``--weights``: one number sets every weight; exactly N comma-separated numbers set
    w1..wN (N = the graph's number of weights).  Without ``text``: the preset's own initial
    weights, if it has them, else ``None``.

    Raises
    ------
    UsageError
        For a part that is not a finite number, or a count other than 1 or N.
    """
    if text is None:
        return None if preset is None else preset.start_weights(graph)
    n = len(graph.weights)
    values: list[float] = []
    for part in text.split(","):
        try:
            values.append(parse_number(part, "--weights"))
        except NumberError as error:
            raise UsageError(str(error)) from None
    if len(values) == 1:
        return np.full(n, values[0])
    if len(values) != n:
        names = ", ".join(graph.weights)
        counts = "1 number" if n == 1 else f"1 or {n} numbers"
        raise UsageError(f"--weights takes {counts} ({names}), got {len(values)}")
    return np.array(values)


def resolve_inputs(graph_spec: str, data_path: str | None
                   ) -> tuple[Graph, Preset | None, Dataset]:
    """A ``--graph`` value and a ``--data`` path (``None``: a preset's own data, else the
    built-in data) as a graph and a dataset that fit each other.  A formula may use the
    data's column names (a CSV header's).

    Raises
    ------
    UsageError
        Naming what does not work: the formula, the file, or too few feature columns.
    """
    from core.autodiff.formula import FormulaError
    from core.data.datasets import DataError, builtin_dataset, load_dataset
    from core.presets import PRESETS, resolve_graph

    preset = PRESETS.get(graph_spec.strip())
    try:
        if data_path is not None:
            dataset = load_dataset(data_path)
        elif preset is not None:
            dataset = preset.dataset()  # each preset comes with data it suits
        else:
            dataset = builtin_dataset()
    except DataError as error:
        raise UsageError(str(error)) from None
    try:
        # A formula may name the data's columns as its file's header does.
        graph, preset = resolve_graph(graph_spec, dataset.feature_names, dataset.target_name)
    except FormulaError as error:
        raise UsageError(f"--graph: {error}") from None
    try:
        dataset.require_features(graph.n_inputs)
    except DataError as error:
        raise UsageError(str(error)) from None
    return graph, preset, dataset
