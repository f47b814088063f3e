"""What every command shares: argument parsing helpers, output, error handling.

Reading the graph, the data and the weights is :mod:`core.inputs` (the window shares it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.inputs import (
    Parser,
    UsageError,
    join_negative_values,
    number_argument,
    option_error,
    parse_weights,
    resolve_inputs,
)
from core.numbers import number
from core.presets import Preset
from core.training.loss_options import add_loss_options, choose_loss
from core.training.ops_options import add_ops_options, apply_break_option, register_ops_option

__all__ = ["Parser", "UsageError", "add_data_and_graph", "check_names", "emit_json",
           "format_number", "join_negative_values", "load_graph_and_data", "option_error",
           "parse_float", "parse_weights", "resolve_inputs", "sample_index", "table", "to_json"]


#: A finite number, for argparse ``type=`` (accepts −, as :func:`core.inputs.parse_number`).
parse_float = number_argument


def add_data_and_graph(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="data file (.pkl, .npy, .npz, .csv); default: the built-in data")
    parser.add_argument("--graph", default="seed", metavar="G",
                        help="'seed' (default), a preset name, or a formula for y'")
    parser.add_argument("--strict-names", action="store_true",
                        help="a weight named one typo from a data column (heigth for "
                             "height) is an error (exit 2), not a warning")
    add_loss_options(parser)
    add_ops_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def load_graph_and_data(args: argparse.Namespace) -> tuple[Graph, Preset | None, Dataset]:
    """The graph and the dataset named on the command line, checked against each other.

    A weight named like one of the data's columns (:mod:`core.autodiff.name_check`) is a
    warning on stderr, or with ``--strict-names`` a :class:`UsageError`.
    """
    register_ops_option(args)  # before the formula, which may call them
    graph, preset, dataset = resolve_inputs(args.graph, args.data)
    graph = choose_loss(args, graph, preset, dataset)
    check_names(graph, preset, dataset, strict=bool(getattr(args, "strict_names", False)))
    graph = apply_break_option(args, graph, dataset)
    for warning in graph.warnings:  # a named step never used, or named twice
        print(f"warning: --graph: {warning}", file=sys.stderr)
    return graph, preset, dataset


def check_names(graph: Graph, preset: Preset | None, dataset: Dataset, *,
                strict: bool) -> None:
    """Warn on stderr about weights named like a data column (as the window's Model box
    does, :func:`core.training.resolution.name_warnings`); refuse them if ``strict``.

    Raises
    ------
    UsageError
        With ``strict``, naming the first such weight and its column.
    """
    from core.training.resolution import name_warnings

    for warning in name_warnings(graph, preset, dataset):
        if strict:
            raise UsageError(f"--graph: {warning.message} (--strict-names: a weight may not "
                             "be named like a data column)")
        print(f"warning: --graph: {warning.message} (it is trained as a weight; "
              "--strict-names makes this an error)", file=sys.stderr)


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
    """A computed number in text output: :func:`core.numbers.number` in ASCII."""
    return number(value, digits, plain=True)


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain text table with right-aligned numeric columns."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                       for i, (cell, width) in enumerate(zip(line, widths, strict=True)))
             for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
