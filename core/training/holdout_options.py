"""``--holdout F`` and ``--early-stop N``: rows kept out of training, and stopping when
their loss no longer improves (:mod:`core.training.holdout`).  Train and compare get them
with their training options (:mod:`cli.train_cmd`), the window with its own; any other
command adds them with :func:`add_holdout_options` and reads them with
:func:`holdout_options`.  Here in core because the window and the commands share them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from core.inputs import NumberError, UsageError, parse_number
from core.training.holdout import (
    EarlyStop,
    HoldoutError,
    check_early_stop,
    check_fraction,
    split_rows,
)
from core.training.metrics import holdout_accuracy

if TYPE_CHECKING:
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

#: The flags, for options whose value may start with a minus sign (refused with a message
#: instead of being read as another option).
HOLDOUT_FLAGS = ("--holdout", "--early-stop")


def add_holdout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--holdout", type=_fraction, default=None, metavar="F",
                        help="keep round(F*rows) rows (0 < F < 1, at least one, chosen by "
                             "--seed) out of training and report their mean loss after "
                             "every epoch (default: every row trains)")
    parser.add_argument("--early-stop", type=_patience, default=None, metavar="N",
                        dest="early_stop",
                        help="stop when the held-out loss has not improved for N epochs "
                             "(needs --holdout)")


def _fraction(text: str) -> float:
    try:
        return check_fraction(parse_number(text))
    except (NumberError, HoldoutError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction with 0 < F < 1"
                                         ) from None


def _patience(text: str) -> int:
    try:
        return check_early_stop(int(text))
    except (ValueError, HoldoutError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of epochs >= 1"
                                         ) from None


def holdout_options(args: argparse.Namespace) -> tuple[float | None, int | None]:
    """``--holdout`` and ``--early-stop`` (``None`` when not given).

    Raises
    ------
    UsageError
        For ``--early-stop`` without ``--holdout``.
    """
    holdout = getattr(args, "holdout", None)
    patience = getattr(args, "early_stop", None)
    if patience is not None and holdout is None:
        raise UsageError("--early-stop needs --holdout F: it stops when the loss on the "
                         "held-out rows has not improved for N epochs")
    return holdout, patience


def check_split(holdout: float | None, n_rows: int, seed: int) -> None:
    """Refuse a ``--holdout`` that would leave no row for training on this data.

    Raises
    ------
    UsageError
        Naming the fraction, the rows and what would remain.
    """
    try:
        split_rows(n_rows, holdout, seed)
    except HoldoutError as error:
        raise UsageError(f"--holdout: {error}") from None


def stopped_early_fields(stop: EarlyStop | None) -> dict[str, Any] | None:
    """The JSON of an early stop: the last epoch trained, the best one and its loss
    (epochs from 1), and why."""
    if stop is None:
        return None
    return {"epoch": stop.epoch, "best_epoch": stop.best_epoch,
            "best_holdout_loss": stop.best_holdout_loss, "patience": stop.patience,
            "detail": stop.describe()}


def holdout_accuracy_fields(config: TrainingConfig, trainer: Trainer) -> dict[str, Any]:
    """With binary cross-entropy and held-out rows, ``holdout_accuracy``: per completed
    epoch, over the held-out rows at the epoch's end
    (:func:`core.training.metrics.holdout_accuracy`)."""
    if config.loss != "bce" or config.holdout is None:
        return {}
    return {"holdout_accuracy": holdout_accuracy(trainer).tolist()}
