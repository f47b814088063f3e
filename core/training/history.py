"""Training history in preallocated numpy arrays, bounded however long training runs.

Per step it records the step number, which sample was trained (its dataset row; the epoch
is ``step // n_samples``), the sample's loss (before the update), the weights after the
update and the gradients; per epoch the mean of that epoch's per-sample losses and, when
some rows are held out of training, the mean loss over those rows at the epoch's end.
The per-step arrays hold at most ``limit`` points.  When they fill up, every second point is
dropped and from then on only every ``stride``-th step is recorded, with ``stride``
doubling each time: memory stays bounded and the points stay evenly spaced, always at
steps that are multiples of ``stride``.  Epoch losses are never dropped.

Accessors return read-only views of the filled part, ready for plotting (pyqtgraph's
``setData``).  A recorded point is never rewritten in place (thinning and :meth:`History.clear`
move to fresh arrays), so a view keeps its values however training goes on: a GUI
snapshot can hold views instead of copies.  Copy a view to hand it to another thread.

Thinning costs nothing when it comes: from half full on, every second point is also
written to spare arrays as it is recorded, and thinning swaps them in.  Copying half the
points into fresh memory at once stalled the window for about 0.1 s (page faults) at the
window's 400,000 points.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

import numpy as np

#: Weight and gradient rows are limited to about this many floats (64 MiB) in total, plus
#: up to half as many again in the spare arrays once the arrays are more than half full.
FLOAT_BUDGET = 1 << 23

#: The smallest allowed ``limit``.
MIN_LIMIT = 2

#: The per-step arrays, in the order :meth:`History._fresh_points` makes them.
_POINTS = ("_steps", "_samples", "_loss", "_weights", "_grads")


def _rows(values: Sequence[float], shape: tuple[int, int]) -> np.ndarray:
    if isinstance(values, array):
        return np.frombuffer(values, dtype=float).reshape(shape)
    # fromiter reads a list of Python floats faster than array() does.
    if isinstance(values, list):
        return np.fromiter(values, dtype=float, count=len(values)).reshape(shape)
    return np.reshape(np.asarray(values, dtype=float), shape)


def _view(values: np.ndarray) -> np.ndarray:
    view = values.view()
    view.flags.writeable = False
    return view


class History:
    """Per-step and per-epoch records of one training run.

    Parameters
    ----------
    n_weights
        Width of the weight and gradient rows.
    n_samples
        Samples per epoch (to convert steps to epochs).
    epochs
        Number of epochs planned (the epoch-loss array has that size).
    limit
        At most this many per-step points are kept (also capped so that the weight and
        gradient rows fit in :data:`FLOAT_BUDGET` floats).
    """

    def __init__(self, n_weights: int, n_samples: int, epochs: int,
                 limit: int = 1_000_000) -> None:
        if limit < MIN_LIMIT:
            raise ValueError(f"history limit must be >= {MIN_LIMIT}, got {limit}")
        self.n_weights = n_weights
        self.n_samples = n_samples
        self.limit = int(min(limit, max(1024, FLOAT_BUDGET // (2 * n_weights + 3))))
        self._capacity = max(1, min(self.limit, n_samples * epochs))
        # Thinning is prepared while recording only when the planned steps overflow the
        # arrays (a run that fits pays nothing for it).
        self._overflows = self._capacity < n_samples * epochs
        self._planned_epochs = max(epochs, 1)
        self._allocate()
        self._count = 0
        self._epochs = 0
        self._holdout_epochs = 0
        self._stride = 1
        self._seen = 0

    # -- recording (the trainer) -------------------------------------------------------

    def _allocate(self) -> None:
        self._allocate_points()
        self._epoch_loss = np.empty(self._planned_epochs)
        self._holdout_loss = np.empty(0)  # sized at the first held-out loss

    def _fresh_points(self) -> list[np.ndarray]:
        # np.empty maps memory lazily: pages that are never written cost nothing.
        capacity = self._capacity
        return [np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64),
                np.empty(capacity), np.empty((capacity, self.n_weights)),
                np.empty((capacity, self.n_weights))]

    def _allocate_points(self) -> None:
        (self._steps, self._samples, self._loss, self._weights,
         self._grads) = self._fresh_points()
        # The spare arrays hold recorded points 0, 2, 4, ... of the current ones: their
        # first _thinned rows (made when first needed).
        self._spare: list[np.ndarray] | None = None
        self._thinned = 0

    def _thin_ahead(self, target: int | None = None) -> None:
        """Copy every second recorded point to the spare arrays: from half full on, one
        row per row recorded, so that they hold all of them when the arrays are full (when
        the planned steps overflow them); or up to ``target`` rows (thinning now)."""
        if target is None:
            if not self._overflows:
                return
            half = self._capacity // 2
            target = min((self._count + 1) // 2, self._count - half)
        done = self._thinned
        if target <= done:
            return
        if self._spare is None:
            self._spare = self._fresh_points()
        for name, spare in zip(_POINTS, self._spare, strict=True):
            spare[done:target] = getattr(self, name)[2 * done:2 * target:2]
        self._thinned = target

    def clear(self) -> None:
        """Forget everything.  Views taken before keep their values: recording starts
        over in fresh arrays."""
        if self._count or self._epochs:
            self._allocate()
        self._count = 0
        self._thinned = 0
        self._epochs = 0
        self._holdout_epochs = 0
        self._stride = 1
        self._seen = 0

    def extend(self, first_step: int, losses: Sequence[float], weights: Sequence[float],
               grads: Sequence[float], samples: Sequence[int] | None = None) -> None:
        """Record consecutive steps ``first_step, first_step + 1, ...``.

        Parameters
        ----------
        first_step
            Step number of the first record; must continue where the last call ended.
        losses
            One loss per step.
        weights, grads
            Flat: ``n_weights`` values per step, step after step.
        samples
            The dataset row each step trained (default: dataset order, ``step % n``).
        """
        k = len(losses)
        if k == 0:
            return
        if first_step != self._seen:
            raise ValueError(f"history continues at step {self._seen}, got {first_step}")
        self._seen += k
        if samples is None:
            sample_rows = np.arange(first_step, first_step + k) % max(self.n_samples, 1)
        else:
            sample_rows = np.asarray(samples, dtype=np.int64)
        stride = self._stride
        shape = (k, self.n_weights)
        # Fast path: the whole batch is kept as it is.
        if stride == 1 and self._count + k <= self._steps.shape[0]:
            end = self._count + k
            self._steps[self._count:end] = np.arange(first_step, first_step + k)
            self._samples[self._count:end] = sample_rows
            self._loss[self._count:end] = losses
            self._weights[self._count:end] = _rows(weights, shape)
            self._grads[self._count:end] = _rows(grads, shape)
            self._count = end
            self._thin_ahead()
            return
        loss_rows = np.asarray(losses, dtype=float)
        weight_rows = _rows(weights, shape)
        grad_rows = _rows(grads, shape)
        start = 0
        while start < k:
            stride = self._stride
            first = start + (-(first_step + start)) % stride
            picked = np.arange(first, k, stride)
            room = self._steps.shape[0] - self._count
            if room == 0:
                self._decimate()
                continue
            picked = picked[:room]
            if picked.size == 0:
                break
            end = self._count + picked.size
            self._steps[self._count:end] = first_step + picked
            self._samples[self._count:end] = sample_rows[picked]
            self._loss[self._count:end] = loss_rows[picked]
            self._weights[self._count:end] = weight_rows[picked]
            self._grads[self._count:end] = grad_rows[picked]
            self._count = end
            self._thin_ahead()
            start = int(picked[-1]) + 1

    def add_epoch(self, mean_loss: float, holdout_loss: float | None = None) -> None:
        """Record the mean loss of the epoch that just ended (and the held-out rows' mean
        loss at its end, when rows are held out: then every epoch gives one)."""
        if self._epochs == self._epoch_loss.shape[0]:
            self._epoch_loss = np.concatenate([self._epoch_loss, np.empty(self._epochs)])
        self._epoch_loss[self._epochs] = mean_loss
        if holdout_loss is not None:
            if self._holdout_loss.shape[0] <= self._epochs:
                grown = np.full(self._epoch_loss.shape[0], math.nan)
                grown[:self._holdout_epochs] = self._holdout_loss[:self._holdout_epochs]
                self._holdout_loss = grown
            self._holdout_loss[self._epochs] = holdout_loss
            self._holdout_epochs = self._epochs + 1
        self._epochs += 1

    def _decimate(self) -> None:
        # Recorded steps are 0, s, 2s, ...: the even positions are the multiples of 2s.
        # The kept points are the spare arrays (never handed out), so views handed out
        # earlier stay as they were.
        keep = (self._count + 1) // 2
        self._thin_ahead(keep)  # usually done already
        assert self._spare is not None
        self._steps, self._samples, self._loss, self._weights, self._grads = self._spare
        self._spare = None
        self._thinned = 0
        self._count = keep
        self._stride *= 2

    def rewind(self, step: int, epoch_loss: Sequence[float],
               holdout_loss: Sequence[float] = ()) -> None:
        """Continue as if training were at ``step`` with these completed epochs (and
        their held-out losses, when rows are held out): recorded points of later steps are
        dropped (a history that never saw ``step`` keeps what it has and skips ahead).  The
        stride stays, so the points stay evenly spaced."""
        self._count = int(np.searchsorted(self._steps[:self._count], step))
        self._thinned = min(self._thinned, (self._count + 1) // 2)
        self._seen = step
        self._epochs = 0
        self._holdout_epochs = 0
        held = list(holdout_loss)
        for k, mean in enumerate(epoch_loss):
            self.add_epoch(float(mean), float(held[k]) if k < len(held) else None)

    def copy(self) -> History:
        """An independent copy (the filled part of the arrays is copied)."""
        twin = History.__new__(History)
        twin.__dict__.update(self.__dict__)
        twin._spare = None  # thinned afresh if it ever fills
        twin._thinned = 0
        for name in ("_steps", "_samples", "_loss", "_weights", "_grads", "_epoch_loss",
                     "_holdout_loss"):
            values = getattr(self, name)
            fresh = np.empty_like(values)
            filled = {"_epoch_loss": self._epochs,
                      "_holdout_loss": self._holdout_epochs}.get(name, self._count)
            fresh[:filled] = values[:filled]
            setattr(twin, name, fresh)
        return twin

    # -- reading (views and plots) ----------------------------------------------------

    @property
    def stride(self) -> int:
        """Steps between recorded points (1 until the first decimation)."""
        return self._stride

    @property
    def decimated(self) -> bool:
        """Whether some steps were dropped to keep memory bounded."""
        return self._stride > 1

    @property
    def n_steps(self) -> int:
        """Steps seen, recorded or not."""
        return self._seen

    @property
    def n_epochs(self) -> int:
        """Epochs completed."""
        return self._epochs

    def __len__(self) -> int:
        """Recorded per-step points."""
        return self._count

    def steps(self) -> np.ndarray:
        """Step numbers (from 0) of the recorded points."""
        return _view(self._steps[:self._count])

    def trained_samples(self) -> np.ndarray:
        """The dataset row each recorded step trained."""
        return _view(self._samples[:self._count])

    def trained_epochs(self) -> np.ndarray:
        """The epoch (from 0) of each recorded step."""
        return self._steps[:self._count] // max(self.n_samples, 1)

    def sample_epochs(self) -> np.ndarray:
        """The recorded points as fractional epochs: step ``k`` ends at ``(k + 1) / n``."""
        return (self._steps[:self._count] + 1) / max(self.n_samples, 1)

    def sample_loss(self) -> np.ndarray:
        """Each recorded step's loss, computed before its update."""
        return _view(self._loss[:self._count])

    def weights(self) -> np.ndarray:
        """Weights after each recorded step, shape ``(points, n_weights)``."""
        return _view(self._weights[:self._count])

    def grads(self) -> np.ndarray:
        """Gradients of each recorded step, shape ``(points, n_weights)``."""
        return _view(self._grads[:self._count])

    def epoch_loss(self) -> np.ndarray:
        """Mean per-sample loss of every completed epoch (never decimated)."""
        return _view(self._epoch_loss[:self._epochs])

    def holdout_loss(self) -> np.ndarray:
        """Mean loss over the held-out rows at the end of every completed epoch (empty
        when no rows are held out)."""
        return _view(self._holdout_loss[:self._holdout_epochs])

    def epoch_numbers(self) -> np.ndarray:
        """1, 2, ... for the completed epochs (the x axis of :meth:`epoch_loss`)."""
        return np.arange(1, self._epochs + 1)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (of the spare ones, their written rows: untouched
        pages cost nothing)."""
        spare = sum(a[:self._thinned].nbytes for a in self._spare or ())
        return spare + sum(a.nbytes for a in (self._steps, self._samples, self._loss,
                                              self._weights, self._grads, self._epoch_loss,
                                              self._holdout_loss))
