"""Fitting the graph into the view around the legends (plain numbers, no Qt).

The legends float over the view's corners.  Fitting the graph's bounding box to the whole
viewport would put some of the drawing under them, and fitting it to what the legends
leave free would waste most of the view.  Instead, :func:`fit_around` looks for the
largest zoom at which the graph can be placed so that nothing drawn (node boxes, short
pieces of the edges) lies under a legend: graphs flow left to right into one loss node,
so their right-hand corners are usually empty, and that is where the legends sit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Each try shrinks the zoom by this factor.
ZOOM_STEP = 0.97
#: Tries before giving up and fitting beside the legends.
MAX_TRIES = 30
#: Where, between one side of the free room and the other, the graph may go; the centre
#: first.
PLACES = (0.5, 0.25, 0.75, 0.0, 1.0)


@dataclass(frozen=True)
class Placement:
    """The zoom (pixels per scene unit) and the viewport position of the graph's
    top-left corner."""

    zoom: float
    left: float
    top: float


def fit_around(boxes: np.ndarray, size: tuple[float, float], viewport: tuple[float, float],
               obstacles: Sequence[tuple[float, float, float, float]], padding: float = 2.0
               ) -> Placement:
    """The largest placement of a drawing that keeps it clear of ``obstacles``.

    Parameters
    ----------
    boxes
        (n, 4) array of (left, top, right, bottom) of everything drawn, relative to the
        drawing's top-left corner, in scene units.
    size
        The drawing's (width, height) in scene units.
    viewport
        The view's (width, height) in pixels.
    obstacles
        (left, top, right, bottom) of each legend, in viewport pixels.
    padding
        Pixels kept free along the viewport's edges.
    """
    width, height = size
    room_w, room_h = viewport[0] - 2 * padding, viewport[1] - 2 * padding
    if width <= 0 or height <= 0 or room_w <= 0 or room_h <= 0:
        return Placement(1.0, padding, padding)
    zoom = min(room_w / width, room_h / height)
    if not obstacles or len(boxes) == 0:
        return _centred(zoom, size, viewport)
    blocked = np.asarray(obstacles, dtype=float)
    for _ in range(MAX_TRIES):
        free_w, free_h = room_w - width * zoom, room_h - height * zoom
        # Centre-most places first: the graph moves only as far as it must.
        places = sorted(((fx, fy) for fx in PLACES for fy in PLACES),
                        key=lambda p: abs(p[0] - 0.5) + abs(p[1] - 0.5))
        for fx, fy in places:
            left, top = padding + free_w * fx, padding + free_h * fy
            if not _hits(boxes * zoom + (left, top, left, top), blocked):
                return Placement(zoom, left, top)
        zoom *= ZOOM_STEP
    return _beside(size, viewport, blocked, padding)


def _hits(boxes: np.ndarray, obstacles: np.ndarray) -> bool:
    """Whether any box overlaps any obstacle."""
    b = boxes[:, None, :]
    o = obstacles[None, :, :]
    overlap = (b[..., 0] < o[..., 2]) & (b[..., 2] > o[..., 0]) \
        & (b[..., 1] < o[..., 3]) & (b[..., 3] > o[..., 1])
    return bool(overlap.any())


def _centred(zoom: float, size: tuple[float, float], viewport: tuple[float, float]
             ) -> Placement:
    return Placement(zoom, (viewport[0] - size[0] * zoom) / 2,
                     (viewport[1] - size[1] * zoom) / 2)


def _beside(size: tuple[float, float], viewport: tuple[float, float], obstacles: np.ndarray,
            padding: float) -> Placement:
    """The drawing fitted into the room left of every obstacle (always clear of them)."""
    right = max(padding + 1.0, float(obstacles[:, 0].min()) - padding)
    width = right - padding
    height = viewport[1] - 2 * padding
    zoom = min(width / size[0], height / size[1])
    return Placement(zoom, padding + (width - size[0] * zoom) / 2,
                     (viewport[1] - size[1] * zoom) / 2)
