"""Checkpoints kept while training, every ``interval`` steps, so any past step can be rebuilt.

The log stores, at steps ``0, K, 2K, ...`` (``K`` = :attr:`CheckpointLog.interval`), what a
:class:`core.training.checkpoint.Checkpoint` needs beyond what the trainer already knows:
the running loss sum of the epoch, the optimizer's step count, the weights and the
optimizer's state vectors.  Everything else is derived exactly: the epoch and position from
the step, the sample order from the seed and the epoch, the completed epochs' mean losses
from the history (which never drops them).  The state after any step ``s`` is rebuilt by
replaying at most ``K - 1`` steps from the nearest checkpoint at or before ``s``.

Memory bound
------------
One checkpoint is a row of ``2 + n_weights * (1 + slots)`` float64 values (``slots``: the
optimizer's state vectors, 0 to 2) and one int64 step.  ``K`` is the larger of
:data:`MIN_INTERVAL` and ``ceil(total_steps * row_values / FLOAT_BUDGET)``, so a run of
any length keeps at most :data:`FLOAT_BUDGET` values (32 MiB) plus its steps.  For the
seed graph with Adam (9 weights, 2 slots: 29 values) and 10 million steps, K = 512: 19,532
checkpoints, 19,532 * (29 + 1) * 8 bytes = 4.7 MB (SGD: 1.9 MB).  Under Adam a graph of up
to 70 weights keeps K = 512 for 10 million steps; beyond, K grows so the bound holds (and
replays get longer in proportion).
"""

from __future__ import annotations

import math

import numpy as np

#: Fewest steps between two checkpoints.  Replaying 511 seed-graph steps takes about 2 ms
#: (Adam, about 4 us a step), well within an interactive frame.
MIN_INTERVAL = 512

#: At most this many float64 values are held by the checkpoint rows (32 MiB).
FLOAT_BUDGET = 1 << 22


def checkpoint_interval(total_steps: int, row_values: int) -> int:
    """Steps between checkpoints for a run of ``total_steps`` with rows of ``row_values``."""
    return max(MIN_INTERVAL, math.ceil(total_steps * row_values / FLOAT_BUDGET))


class CheckpointLog:
    """Rows of trainer state at steps ``0, K, 2K, ...`` (and where a run was restored).

    Parameters
    ----------
    total_steps
        Steps in the complete run (sizes the arrays and picks the interval).
    n_weights
        Weights per row.
    slots
        The optimizer's state vectors, in order.
    """

    def __init__(self, total_steps: int, n_weights: int, slots: tuple[str, ...]) -> None:
        self.n_weights = n_weights
        self.slots = slots
        self.row_values = 2 + n_weights * (1 + len(slots))
        self.interval = checkpoint_interval(total_steps, self.row_values)
        # Every multiple of K up to the end, plus one row where a run was restored.
        capacity = total_steps // self.interval + 2
        # np.empty maps memory lazily: rows never written cost nothing.
        self._steps = np.empty(capacity, dtype=np.int64)
        self._rows = np.empty((capacity, self.row_values))
        self._count = 0

    def __len__(self) -> int:
        """Checkpoints held."""
        return self._count

    @property
    def nbytes(self) -> int:
        """Bytes the filled rows and their steps take."""
        return self._count * (self.row_values + 1) * 8

    @property
    def capacity_nbytes(self) -> int:
        """Bytes the rows and steps take when every one is filled (the bound of this run)."""
        return int(self._steps.nbytes + self._rows.nbytes)

    def steps(self) -> np.ndarray:
        """The steps that have a checkpoint, increasing."""
        view = self._steps[:self._count].view()
        view.flags.writeable = False
        return view

    def add(self, step: int, epoch_sum: float, optimizer_steps: int, weights: list[float],
            state: dict[str, list[float]]) -> None:
        """Keep the state after ``step`` updates (later than every row held)."""
        if self._count and step <= self._steps[self._count - 1]:
            raise ValueError(f"checkpoint log continues after step "
                             f"{self._steps[self._count - 1]}, got {step}")
        # Room is certain: rows are at multiples of K, except at most one where a run was
        # restored before every row held (a restore drops the rows after its step).
        n = self.n_weights
        row = self._rows[self._count]
        row[0] = epoch_sum
        row[1] = optimizer_steps
        row[2:2 + n] = weights
        for k, slot in enumerate(self.slots):
            row[2 + n * (k + 1):2 + n * (k + 2)] = state[slot]
        self._steps[self._count] = step
        self._count += 1

    def rewind(self, step: int) -> None:
        """Forget the checkpoints after ``step``."""
        self._count = int(np.searchsorted(self._steps[:self._count], step, side="right"))

    def clear(self) -> None:
        """Forget every checkpoint."""
        self._count = 0

    def nearest(self, step: int) -> int | None:
        """Index of the last checkpoint at or before ``step``, or ``None``."""
        index = int(np.searchsorted(self._steps[:self._count], step, side="right")) - 1
        return None if index < 0 else index

    def read(self, index: int) -> tuple[int, float, int, list[float], dict[str, list[float]]]:
        """Row ``index`` as (step, epoch_sum, optimizer_steps, weights, state)."""
        n = self.n_weights
        row = self._rows[index]
        state = {slot: row[2 + n * (k + 1):2 + n * (k + 2)].tolist()
                 for k, slot in enumerate(self.slots)}
        return (int(self._steps[index]), float(row[0]), int(row[1]), row[2:2 + n].tolist(),
                state)

    def copy(self) -> CheckpointLog:
        """An independent copy."""
        twin = CheckpointLog.__new__(CheckpointLog)
        twin.__dict__.update(self.__dict__)
        twin._steps = self._steps.copy()
        twin._rows = np.empty_like(self._rows)
        twin._rows[:self._count] = self._rows[:self._count]
        return twin
