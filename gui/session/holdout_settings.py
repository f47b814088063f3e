"""The window's held-out data: setting the fraction and the early stop on a training
session, checking that a split fits the data, and the status line when training stopped
early.  The rules live in :mod:`core.training.holdout`; this only words them."""

from __future__ import annotations

from typing import Protocol

from core.data.datasets import Dataset
from core.training.config import TrainingConfig
from core.training.holdout import EarlyStop, HoldoutError, split_rows


class Configurable(Protocol):
    """What setting the held-out data needs of a session (a
    :class:`~gui.session.training_session.TrainingSession` is one)."""

    @property
    def config(self) -> TrainingConfig: ...

    @property
    def dataset(self) -> Dataset: ...

    def set_config(self, config: TrainingConfig, *, message: str | None = None) -> None: ...


def check_holdout(config: TrainingConfig, n_rows: int) -> None:
    """Refuse a config whose held-out rows would leave no row of the data for training.

    Raises
    ------
    core.data.datasets.DataError
        Naming the fraction, the rows and what would remain (a data problem: every place
        that loads data already reports those).
    """
    from core.data.datasets import DataError

    try:
        split_rows(n_rows, config.holdout, config.seed)
    except HoldoutError as error:
        raise DataError(str(error)) from None


def holdout_status(stop: EarlyStop) -> str:
    """The status line after early stopping, with what to do next."""
    text = stop.describe()
    return f"{text[0].upper()}{text[1:]}; press Reset (R) to start again"


def set_holdout(session: Configurable, holdout: float | None,
                early_stop: int | None) -> None:
    """Hold ``holdout`` of the rows out of training (``None``: none) and stop early after
    ``early_stop`` epochs without improvement (``None``: never); training starts over when
    either changes.

    Raises
    ------
    core.training.config.ConfigError
        For a value that is not allowed; nothing changes then.
    core.data.datasets.DataError
        For a split that leaves no training row; nothing changes then.
    """
    old = session.config
    config = old.replace(holdout=holdout, early_stop=early_stop if holdout else None)
    if config == old:
        return
    n = len(session.dataset)
    check_holdout(config, n)
    if config.holdout is None:
        what = "Every row trains"
    else:
        held = split_rows(n, config.holdout, config.seed)[1].size
        what = f"Holding out {held} of {n} rows"
        if config.early_stop is not None:
            what += (f", stopping after {config.early_stop} epoch"
                     f"{'' if config.early_stop == 1 else 's'} without improvement")
    session.set_config(config, message=f"{what}: training starts over from the initial "
                                       "weights")
