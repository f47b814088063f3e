"""Colours and lines of the model-over-data view, from the theme's roles.

The heatmap runs from the theme's ``negative`` colour through the plot's background to its
``positive`` colour (blue and vermillion in the light theme, lighter ones in the dark), so
the decision boundary sits where the map fades into the background, as in TensorFlow
Playground; the heatmap's ends are softened towards the background so that the data points,
drawn in the full colours with the plot's foreground as outline, stand out on it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gui.theme import Theme

#: How much of the full colour the heatmap's ends keep (the rest is the background).
HEATMAP_STRENGTH = 0.6


def _mix(colour: str, ground: str, share: float) -> QColor:
    """``share`` of ``colour`` over ``ground``."""
    a, b = QColor(colour), QColor(ground)
    return QColor(round(a.red() * share + b.red() * (1 - share)),
                  round(a.green() * share + b.green() * (1 - share)),
                  round(a.blue() * share + b.blue() * (1 - share)))


def heatmap_colours(theme: Theme) -> pg.ColorMap:
    """The heatmap's map: low values ``negative``, the middle the background, high ones
    ``positive``, the ends softened."""
    ground = theme.plot_background
    stops = [_mix(theme.negative, ground, HEATMAP_STRENGTH), QColor(ground),
             _mix(theme.positive, ground, HEATMAP_STRENGTH)]
    return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=stops)


def point_colours(theme: Theme) -> pg.ColorMap:
    """The points' map: the same ends as :func:`heatmap_colours` at full strength."""
    return pg.ColorMap(pos=[0.0, 0.5, 1.0],
                       color=[QColor(theme.negative), _mix(theme.negative, theme.positive, 0.5),
                              QColor(theme.positive)])


def point_brushes(theme: Theme, targets: np.ndarray, levels: tuple[float, float]
                  ) -> list[QColor]:
    """One fill per point: its target on the points' map over ``levels``."""
    low, high = levels
    fraction = np.clip((np.asarray(targets, dtype=float) - low) / (high - low), 0.0, 1.0)
    fraction = np.where(np.isfinite(fraction), fraction, 0.5)
    colours = point_colours(theme).map(fraction, mode="qcolor")
    return list(colours)


def contour_lines(values: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Where the grid ``values[i][k]`` (at ``(xs[k], ys[i])``) crosses ``level``, linearly
    interpolated between grid points: x and y arrays, separate lines split by nan."""
    grid = np.where(np.isfinite(values), values, np.nan)
    x_parts: list[np.ndarray] = []
    y_parts: list[np.ndarray] = []
    dx = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 1.0
    dy = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 1.0
    for line in pg.isocurve(grid, level, connected=True):
        # isocurve puts grid point (i, k) at (i + 0.5, k + 0.5).
        points = np.asarray(line, dtype=float)
        if points.size == 0:
            continue
        x_parts += [xs[0] + (points[:, 1] - 0.5) * dx, np.array([np.nan])]
        y_parts += [ys[0] + (points[:, 0] - 0.5) * dy, np.array([np.nan])]
    if not x_parts:
        return np.empty(0), np.empty(0)
    return np.concatenate(x_parts), np.concatenate(y_parts)
