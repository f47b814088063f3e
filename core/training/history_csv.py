"""The training history as a CSV table: one row per recorded step.

Columns: ``step`` (updates done, counting this one: 1, 2, ...), ``epoch`` (from 1),
``sample`` (the dataset row trained, from 0), ``loss`` (that sample's loss before the
update), then each weight after the update (``w1`` ...) and each gradient
(``dL/dw1`` ...); when rows are held out of training, last ``holdout_loss``: the held-out
rows' mean loss after the last epoch completed by that step (empty before the first).
Steps and epochs are counted as the window's status bar counts them.
When the history was thinned to stay bounded, only the recorded steps have rows.
"""

from __future__ import annotations

import io
import os

import numpy as np

from core.atomic_file import atomic_write_text
from core.training.trainer import Trainer


def history_columns(trainer: Trainer) -> list[str]:
    """The header: step, epoch, sample, loss, the weights, then their gradients (and
    ``holdout_loss`` when rows are held out)."""
    names = list(trainer.graph.weights)
    held = ["holdout_loss"] if trainer.holdout_rows.size else []
    return ["step", "epoch", "sample", "loss", *names, *(f"dL/d{name}" for name in names),
            *held]


def history_rows(trainer: Trainer) -> np.ndarray:
    """One row per recorded step, in :func:`history_columns` order, shape
    ``(recorded steps, 4 + 2 * n_weights)`` (one more column, nan before the first epoch
    ends, when rows are held out)."""
    history = trainer.history
    steps = np.asarray(history.steps(), dtype=np.int64)
    n = trainer.n_samples
    epochs = steps // n
    positions = steps % n
    samples = np.empty(len(steps), dtype=np.int64)
    for epoch in np.unique(epochs):
        chosen = epochs == epoch
        order = np.asarray(trainer.sample_order(int(epoch)), dtype=np.int64)
        samples[chosen] = order[positions[chosen]]
    columns = [steps + 1, epochs + 1, samples, history.sample_loss(), history.weights(),
               history.grads()]
    if trainer.holdout_rows.size:
        # Step k (from 0) completes (k + 1) // n epochs.
        held = np.concatenate([[np.nan], history.holdout_loss()])
        columns.append(held[np.minimum((steps + 1) // n, held.size - 1)])
    return np.column_stack(columns)


def history_csv(trainer: Trainer) -> str:
    """The CSV text (header line, then one line per recorded step; floats in ``repr``
    precision, so they read back exactly)."""
    out = io.StringIO()
    header = history_columns(trainer)
    out.write(",".join(header) + "\n")
    n = trainer.n_samples
    held = header[-1] == "holdout_loss"
    for row in history_rows(trainer).tolist():
        counts = [str(int(v)) for v in row[:3]]
        values = [repr(float(v)) for v in row[3:]]
        if held and int(row[0]) < n:  # no epoch completed yet
            values[-1] = ""
        out.write(",".join(counts + values) + "\n")
    return out.getvalue()


def write_history_csv(trainer: Trainer, path: str | os.PathLike[str]) -> int:
    """Write :func:`history_csv` to ``path`` atomically; the number of rows written.

    Raises
    ------
    OSError
        If the file cannot be written (the previous file is then untouched).
    """
    atomic_write_text(path, history_csv(trainer))
    return len(trainer.history)
