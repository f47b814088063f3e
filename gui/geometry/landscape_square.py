"""Which square of two weights the landscape shows, and which rows it averages.

Following, the square holds the run's path and the current point with a margin, the
comparison's paths as far as they stay near it, and room around the current point for the
arrows drawn from it; by hand, it is ± span around the current point.  Pure functions of
arrays, so the rule is tested without a window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.data.datasets import Dataset

#: The square's half-width is the points' reach times this.
MARGIN = 1.2
#: The square also holds this share of the points' extent around the current point (where
#: the arrows go).
AHEAD = 0.3
#: The half-width is at least this (a path of a few tiny steps would otherwise ask for a
#: new square at every step).
SMALLEST_FOLLOWED = 0.05
#: The comparison's paths widen the square up to this many times the run's own extent
#: around its middle (a run that diverges must not shrink everything else to a dot).
COMPARED_REACH = 3.0

Square = tuple[tuple[float, float], float]


def followed_square(path: np.ndarray, current: tuple[float, float],
                    others: Sequence[np.ndarray] = ()) -> Square | None:
    """The centre and half-width of the square that holds ``path`` (``(n, 2)``),
    ``current`` and the nearby points of ``others``; None when nothing is finite."""
    points = np.vstack((np.asarray(path, dtype=float).reshape(-1, 2),
                        np.asarray(current, dtype=float)[None, :]))
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    reach = max(float((high - low).max()), SMALLEST_FOLLOWED)
    middle = (low + high) / 2
    for points in (np.asarray(other, dtype=float).reshape(-1, 2) for other in others):
        near = np.isfinite(points).all(axis=1) \
            & (np.abs(points - middle) <= COMPARED_REACH * reach).all(axis=1)
        if near.any():
            low = np.minimum(low, points[near].min(axis=0))
            high = np.maximum(high, points[near].max(axis=0))
    if np.isfinite(current).all():
        room = AHEAD * float((high - low).max())
        low = np.minimum(low, np.asarray(current) - room)
        high = np.maximum(high, np.asarray(current) + room)
    centre = (low + high) / 2
    half = max(float((high - low).max()) / 2 * MARGIN, SMALLEST_FOLLOWED)
    return (float(centre[0]), float(centre[1])), half


def training_rows(dataset: Dataset, holdout: float | None, seed: int) -> np.ndarray | None:
    """The rows training uses (None: all of them): held-out rows are left out."""
    if holdout is None:
        return None
    from core.training.holdout import split_rows

    rows, _ = split_rows(len(dataset), holdout, seed)
    return np.asarray(rows)
