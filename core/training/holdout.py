"""Held-out data: rows kept out of training, to see whether the model generalizes.

With a fraction ``F`` (0 < F < 1), ``round(F * rows)`` rows (half up, at least one) are
chosen by the seed and never trained on: the trainer visits only the other rows, and after each
epoch it records the mean loss over the held-out rows at that epoch's final weights.
The rows are drawn from their own random stream, ``numpy.random.default_rng((seed, 2))``,
so the split does not depend on, nor change, anything else the seed decides (the initial
weights use ``default_rng(seed)``, the shuffle ``default_rng((seed, 1, epoch))``).

Early stopping (``patience`` N): training stops after the first epoch that ends N epochs
after the lowest held-out loss so far (an epoch improves only on a strictly lower loss;
a nan loss never does).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.numbers import count, number
from core.training.hyperparameters import HyperparameterError, shown

__all__ = ["EarlyStop", "HoldoutError", "check_early_stop", "check_fraction",
           "early_stop", "split_rows"]

#: Sub-stream of the seed the held-out rows are drawn from.
_HOLDOUT_STREAM = 2

#: Early-stop patience at most (epochs without improvement).
MAX_PATIENCE = 1_000_000


class HoldoutError(HyperparameterError):
    """A held-out fraction or an early-stop patience that is not allowed."""


def check_fraction(fraction: object) -> float:
    """The held-out fraction as a float, checked to be a number with 0 < F < 1.

    Raises
    ------
    HoldoutError
        Naming the value and the allowed range.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) \
            or not 0.0 < float(fraction) < 1.0:
        raise HoldoutError(f"holdout must be a fraction of the rows with 0 < F < 1, got "
                           f"{shown(fraction)}")
    return float(fraction)


def check_early_stop(patience: object) -> int:
    """The early-stop patience as an int, checked to be a whole number >= 1.

    Raises
    ------
    HoldoutError
        Naming the value and the allowed range.
    """
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) \
            or not 1 <= patience <= MAX_PATIENCE:
        raise HoldoutError(f"early_stop must be a whole number of epochs from 1 to "
                           f"{MAX_PATIENCE:,}, got {shown(patience)}")
    return int(patience)


def holdout_size(n_rows: int, fraction: float) -> int:
    """How many rows a fraction holds out: ``F * rows`` rounded half up (0.25 of 10 rows:
    3), at least one."""
    return max(1, math.floor(check_fraction(fraction) * n_rows + 0.5))


def split_rows(n_rows: int, fraction: float | None, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The training rows and the held-out rows, each sorted (int64 arrays).

    Parameters
    ----------
    n_rows
        Rows in the data.
    fraction
        The share held out, 0 < F < 1: ``round(F * n_rows)`` rows (half up), at least one,
        chosen by ``seed``.  ``None``: every row trains (the held-out array is empty).
    seed
        Chooses the rows (from its own stream: see the module's description).

    Raises
    ------
    HoldoutError
        If the fraction is not between 0 and 1, or fewer than one row would remain for
        training.
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 0:
        raise HoldoutError(f"the number of rows must be a whole number >= 0, got "
                           f"{shown(n_rows)}")
    n_rows = int(n_rows)
    if fraction is None:
        return np.arange(n_rows, dtype=np.int64), np.empty(0, dtype=np.int64)
    held = holdout_size(n_rows, fraction)
    if n_rows - held < 1:
        raise HoldoutError(f"holdout {float(fraction):g} of {n_rows} row"
                           f"{'' if n_rows == 1 else 's'} keeps {held} out and leaves "
                           f"{max(n_rows - held, 0)} for training; at least one must remain "
                           "(use a smaller fraction or more data)")
    chosen = np.random.default_rng((int(seed), _HOLDOUT_STREAM)).permutation(n_rows)[:held]
    mask = np.zeros(n_rows, dtype=bool)
    mask[chosen] = True
    return np.flatnonzero(~mask).astype(np.int64), np.flatnonzero(mask).astype(np.int64)


@dataclass(frozen=True)
class EarlyStop:
    """Where and why training stopped early (epochs counted from 1).

    Attributes
    ----------
    epoch
        The last epoch trained.
    best_epoch
        The epoch with the lowest held-out loss.
    best_holdout_loss
        That loss.
    patience
        Epochs without improvement that stop training.
    """

    epoch: int
    best_epoch: int
    best_holdout_loss: float
    patience: int

    def describe(self) -> str:
        """One line for people."""
        return (f"stopped early after epoch {self.epoch}: the held-out loss has not "
                f"improved for {count(self.patience, 'epoch')} "
                f"(best {number(self.best_holdout_loss, 6)} at epoch {self.best_epoch})")


def early_stop(holdout_loss: np.ndarray | Sequence[float], patience: int | None
               ) -> EarlyStop | None:
    """Whether training stops after the last of these epochs' held-out losses.

    The best epoch is the first with the lowest loss (a later equal loss is no
    improvement; nan never is); training stops when ``patience`` epochs have ended since.
    """
    if patience is None or len(holdout_loss) == 0:
        return None
    best, best_loss = -1, math.inf
    for k, value in enumerate(np.asarray(holdout_loss, dtype=float).tolist()):
        if value < best_loss:
            best, best_loss = k, value
    last = len(holdout_loss) - 1
    since = last - best if best >= 0 else last + 1
    if since < patience:
        return None
    return EarlyStop(epoch=last + 1, best_epoch=best + 1, best_holdout_loss=best_loss,
                     patience=patience)
