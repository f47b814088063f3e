"""--session and --save-session on the command line: open, check and write session files
(:mod:`core.training.session_file`), with every problem as a one-line usage error."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.inputs import UsageError
from core.training.hyperparameters import EPOCHS, SEED, HyperparameterError

if TYPE_CHECKING:
    from core.training.config import TrainingConfig
    from core.training.session_file import Change, OpenedSession
    from core.training.trainer import Trainer

#: Options that describe a model or a run: the session file already says all of them.
_MODEL_OPTIONS = {"graph": "seed", "data": None, "weights": None, "optimizer": "sgd",
                  "shuffle": False, "clip_value": None, "clip_norm": None,
                  "seed": SEED.default, "sample": 0, "holdout": None, "early_stop": None,
                  "optimizer_file": None,
                  "loss": None, "delta": None, "break": None, "ops": None}


def refuse_model_options(args: argparse.Namespace, why: str) -> None:
    """A usage error if an option that the session file decides was given."""
    from core.training.hyperparameters import flag
    from core.training.optimizers import all_hyperparameters

    for name, default in _MODEL_OPTIONS.items():
        if hasattr(args, name) and getattr(args, name) != default:
            raise UsageError(f"{why}: {flag(name)} cannot be changed (the session file "
                             "says it)")
    for name in all_hyperparameters():
        if getattr(args, name, None) is not None:
            raise UsageError(f"{why}: {flag(name)} cannot be changed (the session file "
                             "says it)")


def open_session_file(path: str, *, epochs: int | None = None,
                      history_limit: int = 1_000_000,
                      strict_names: bool = False) -> OpenedSession:
    """Read, check and replay a session file.  A weight of its formula named like one of
    its data's columns is a warning on stderr (an error with ``strict_names``), as for
    ``--graph``.

    Raises
    ------
    UsageError
        Naming the file and the problem (unreadable, other version, truncated, edited,
        data changed, ``epochs`` before the saved step, a weight named like a column with
        ``strict_names``).
    """
    opened = _open_session_file(path, epochs=epochs, history_limit=history_limit)
    from cli.common import check_names

    check_names(opened.graph, opened.preset, opened.dataset, strict=strict_names)
    return opened


def _open_session_file(path: str, *, epochs: int | None,
                       history_limit: int) -> OpenedSession:
    from core.training.session_file import (
        DataChangedError,
        SessionError,
        open_session,
        read_session,
    )

    if epochs is not None:
        try:
            epochs = EPOCHS.validate(epochs)
        except HyperparameterError as error:
            raise UsageError(f"--epochs: {error}") from None
    try:
        session = read_session(path)
        return open_session(session, path, epochs=epochs, history_limit=history_limit)
    except DataChangedError as error:
        raise UsageError(f"{error}; refusing to continue on other data") from None
    except SessionError as error:
        raise UsageError(str(error)) from None


def save_session_file(path: str, config: TrainingConfig, trainer: Trainer,
                      changes: Sequence[Change] = ()) -> None:
    """Write the run as a session file (atomically).

    Raises
    ------
    UsageError
        If it cannot be written.
    """
    from core.training.session_file import SessionError, capture, save_session

    try:
        save_session(path, capture(config, trainer, changes))
    except SessionError as error:
        raise UsageError(str(error)) from None


def session_state_fields(opened: OpenedSession, step: int | None) -> dict[str, Any]:
    """The state after ``step`` steps of the session's run (default: its saved step):
    where it is, the weights, the optimizer's state, and the sample the next step trains.

    Raises
    ------
    UsageError
        If ``step`` is negative or beyond the saved run.
    """
    from core.training.checkpoint import CheckpointError

    trainer = opened.trainer
    last = trainer.cursor.step
    if step is None:
        step = last
    if not 0 <= step <= last:
        raise UsageError(f"--at-step {step} is outside the session's run: it has steps "
                         f"0..{last}")
    try:
        past = opened.rebuild(step)
    except CheckpointError as error:
        raise UsageError(f"--at-step {step}: {error}") from None
    checkpoint = past.checkpoint
    names = trainer.graph.weights
    return {
        "step": checkpoint.step,
        "epoch": past.cursor.epoch,
        "position": past.cursor.position,
        "sample": past.cursor.sample,
        "weights_at_step": dict(zip(names, checkpoint.weights, strict=True)),
        "optimizer": checkpoint.optimizer,
        "optimizer_steps": checkpoint.optimizer_steps,
        "optimizer_state": {slot: dict(zip(names, values, strict=True))
                            for slot, values in checkpoint.optimizer_state.items()},
        "epoch_loss": list(checkpoint.epoch_loss),
        "finished": checkpoint.epoch >= trainer.epochs
        or (checkpoint.step == last and trainer.stopped_early is not None),
    }
