"""``--loss`` and ``--delta``: the loss on top of the graph, for every command that reads a
graph (:func:`cli.common.add_data_and_graph`) and for the window.  Here in core because
the window and the commands share them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.autodiff.losses import (
    DEFAULT_DELTA,
    DEFAULT_LOSS,
    LOSSES,
    LossError,
    check_delta,
    target_problem,
    with_loss,
)
from core.inputs import NumberError, UsageError, parse_number

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset


def add_loss_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loss", choices=tuple(LOSSES), default=None,
                        help="the loss on top of y': mse (squared error, the default), mae "
                             "(absolute error), huber, bce (binary cross-entropy, y' read as "
                             "a logit, targets 0 or 1); default: the preset's own, else mse")
    parser.add_argument("--delta", type=_delta, default=None, metavar="D",
                        help=f"Huber's δ: squared below it, absolute beyond (default "
                             f"{DEFAULT_DELTA:g}; finite, > 0; with --loss huber)")


def _delta(text: str) -> float:
    try:
        return check_delta(parse_number(text))
    except (NumberError, LossError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number > 0") from None


def chosen_loss(args: argparse.Namespace, preset: Preset | None,
                current: tuple[str, float] = (DEFAULT_LOSS, DEFAULT_DELTA)
                ) -> tuple[str, float]:
    """The loss and δ asked for: ``--loss``, else the preset's own, else ``current`` (the
    default mse); ``--delta``, else the δ that goes with that loss (1 for another loss).

    Raises
    ------
    UsageError
        If ``--delta`` is given for a loss other than Huber.
    """
    given_loss = getattr(args, "loss", None)
    given_delta = getattr(args, "delta", None)
    base_loss, base_delta = (preset.loss, preset.delta) if preset is not None else current
    loss = given_loss or base_loss
    if given_delta is not None and loss != "huber":
        raise UsageError(f"--delta is Huber's δ; the loss here is {loss} (add --loss huber)")
    if given_delta is not None:
        return loss, float(given_delta)
    return loss, base_delta if loss == base_loss else DEFAULT_DELTA


def choose_loss(args: argparse.Namespace, graph: Graph, preset: Preset | None,
                dataset: Dataset) -> Graph:
    """``graph`` with the chosen loss (:func:`chosen_loss`) on top; ``args.loss`` and
    ``args.delta`` are set to it, for the training configs made from ``args`` next.

    Raises
    ------
    UsageError
        For ``--delta`` without Huber, and for binary cross-entropy on targets other than
        0 and 1 (naming the first such sample and its value).
    """
    loss, delta = chosen_loss(args, preset)
    problem = target_problem(loss, dataset.y, dataset.display_name)
    if problem is not None:
        raise UsageError(f"--loss bce: {problem}")
    args.loss, args.delta = loss, delta
    return with_loss(graph, loss, delta)


def refuse_targets(loss: str, dataset: Dataset) -> None:
    """Refuse ``dataset`` for ``loss`` when its targets cannot train it (binary
    cross-entropy needs 0 and 1).

    Raises
    ------
    core.data.datasets.DataError
        Naming the first sample whose target is not 0 or 1, and its value.
    """
    from core.data.datasets import DataError

    problem = target_problem(loss, dataset.y, dataset.display_name)
    if problem is not None:
        raise DataError(problem)
