"""What every command shares: argument parsing helpers, input loading, error handling."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.presets import Preset


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit status 2, without usage spam."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parse_float(text: str) -> float:
    """A finite number, for argparse ``type=``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


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


def parse_weights(text: str | None, graph: Graph, preset: Preset | None = None
                  ) -> np.ndarray | None:
    """One number sets every weight; exactly N comma-separated numbers set w1..wN.
    Without ``text``: the preset's own initial weights, if it has them, else ``None``."""
    if text is None:
        return None if preset is None else preset.start_weights(graph)
    parts = [part.strip() for part in text.split(",")]
    n = len(graph.weights)
    values: list[float] = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise UsageError(f"--weights: {part!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--weights: {part!r} is not a finite number")
        values.append(value)
    if len(values) == 1:
        return np.full(n, values[0])
    if len(values) != n:
        names = ", ".join(graph.weights)
        raise UsageError(f"--weights takes 1 or {n} numbers ({names}), got {len(values)}")
    return np.array(values)


def add_data_and_graph(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="data file (.pkl, .npy, .npz, .csv); default: the built-in data")
    parser.add_argument("--graph", default="seed", metavar="G",
                        help="'seed' (default), a preset name, or a formula for y'")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def load_graph_and_data(args: argparse.Namespace) -> tuple[Graph, Preset | None, Dataset]:
    """The graph and the dataset named on the command line, checked against each other."""
    return resolve_inputs(args.graph, args.data)


def resolve_inputs(graph_spec: str, data_path: str | None
                   ) -> tuple[Graph, Preset | None, Dataset]:
    """A ``--graph`` value and a ``--data`` path (``None``: a preset's own data, else the
    built-in data) as a graph and a dataset that fit each other; :class:`UsageError` names
    what does not."""
    from core.autodiff.formula import FormulaError
    from core.data.datasets import DataError, builtin_dataset, load_dataset
    from core.presets import resolve_graph

    try:
        graph, preset = resolve_graph(graph_spec)
    except FormulaError as error:
        raise UsageError(f"--graph: {error}") from None
    try:
        if data_path is not None:
            dataset = load_dataset(data_path)
        elif preset is not None:
            dataset = preset.dataset()  # each preset comes with data it suits
        else:
            dataset = builtin_dataset()
        dataset.require_features(graph.n_inputs)
    except DataError as error:
        raise UsageError(str(error)) from None
    return graph, preset, dataset


def sample_index(args: argparse.Namespace, dataset: Dataset) -> int:
    n = len(dataset)
    index: int = args.sample
    if not -n <= index < n:
        raise UsageError(f"--sample {index} is out of range: the data has {n} samples "
                         f"(0..{n - 1})")
    return index % n


def emit_json(payload: dict[str, Any]) -> None:
    """Print strict JSON: numpy values become Python ones, nan and inf become null."""
    json.dump(to_json(payload), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_number(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}g}"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain text table with right-aligned numeric columns."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                       for i, (cell, width) in enumerate(zip(line, widths, strict=True)))
             for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
