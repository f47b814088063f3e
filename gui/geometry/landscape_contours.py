"""Contour lines of a grid of values, as line segments (marching squares, vectorized).

The landscape draws its filled bands as an image and the lines between them, and the
current sample's loss, as contour lines.  pyqtgraph's ``IsocurveItem`` traces them in
Python on the interface thread, cell by cell; here every cell of a level is handled at
once with numpy, in the worker thread, and the result is a flat list of segments that one
``PlotDataItem`` draws with ``connect="pairs"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The cell's edges: 0 bottom (a-b), 1 right (b-c), 2 top (d-c), 3 left (a-d), where a, b,
#: c, d are the corners bottom-left, bottom-right, top-right, top-left.
#: Case (a > level) + 2 (b > level) + 4 (c > level) + 8 (d > level) -> the edge pairs its
#: segments join.  The saddles 5 and 10 are settled by the cell's mean (see _SADDLES).
_SEGMENTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 6: ((0, 2),), 7: ((3, 2),),
    8: ((2, 3),), 9: ((0, 2),), 11: ((1, 2),), 12: ((3, 1),), 13: ((0, 1),), 14: ((3, 0),),
}
#: Saddle case -> (segments when the centre is above the level, when it is below).
_SADDLES: dict[int, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]] = {
    # a and c above: a high centre joins them, so the lines cut off b and d.
    5: (((0, 1), (2, 3)), ((3, 0), (1, 2))),
    10: (((3, 0), (1, 2)), ((0, 1), (2, 3))),
}


def contour_segments(xs: np.ndarray, ys: np.ndarray, values: np.ndarray,
                     levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The contour lines of ``values`` at ``levels`` as segments.

    Parameters
    ----------
    xs, ys
        The grid's coordinates (increasing), ``values[i][k]`` at ``(xs[k], ys[i])``.
    values
        The grid; cells with a non-finite corner have no line.
    levels
        The values to draw lines at.

    Returns
    -------
    x, y
        Segment end points, two consecutive points per segment (for ``connect="pairs"``).
    """
    z = np.asarray(values, dtype=float)
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    if z.ndim != 2 or z.shape[0] < 2 or z.shape[1] < 2:
        return np.empty(0), np.empty(0)
    a, b = z[:-1, :-1], z[:-1, 1:]
    c, d = z[1:, 1:], z[1:, :-1]
    finite = np.isfinite(a) & np.isfinite(b) & np.isfinite(c) & np.isfinite(d)
    rows, cols = np.nonzero(finite)
    a, b, c, d = a[rows, cols], b[rows, cols], c[rows, cols], d[rows, cols]
    x0, x1 = xs[cols], xs[cols + 1]
    y0, y1 = ys[rows], ys[rows + 1]
    out_x: list[np.ndarray] = []
    out_y: list[np.ndarray] = []
    for level in levels:
        case = ((a > level).astype(np.int8) + 2 * (b > level) + 4 * (c > level)
                + 8 * (d > level))
        active = np.nonzero((case != 0) & (case != 15))[0]
        if active.size == 0:
            continue
        corners = (a[active], b[active], c[active], d[active])
        box = (x0[active], x1[active], y0[active], y1[active])
        kinds = case[active]
        centre_high = (corners[0] + corners[1] + corners[2] + corners[3]) / 4 > level

        def edge_points(edge: int, chosen: np.ndarray, level: float = level,
                        corners: tuple[np.ndarray, ...] = corners,
                        box: tuple[np.ndarray, ...] = box) -> tuple[np.ndarray, np.ndarray]:
            ca, cb, cc, cd = (v[chosen] for v in corners)
            left, right, bottom, top = (v[chosen] for v in box)
            start, end = {0: (ca, cb), 1: (cb, cc), 2: (cd, cc), 3: (ca, cd)}[edge]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.clip(np.nan_to_num((level - start) / (end - start), nan=0.5), 0, 1)
            if edge == 0:
                return left + t * (right - left), bottom
            if edge == 1:
                return right, bottom + t * (top - bottom)
            if edge == 2:
                return left + t * (right - left), top
            return left, bottom + t * (top - bottom)

        def add(chosen: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> None:
            if chosen.size == 0:
                return
            for first, second in pairs:
                px, py = edge_points(first, chosen)
                qx, qy = edge_points(second, chosen)
                out_x.append(np.column_stack((px, qx)).ravel())
                out_y.append(np.column_stack((py, qy)).ravel())

        for kind, pairs in _SEGMENTS.items():
            add(np.nonzero(kinds == kind)[0], pairs)
        for kind, (high, low) in _SADDLES.items():
            add(np.nonzero((kinds == kind) & centre_high)[0], high)
            add(np.nonzero((kinds == kind) & ~centre_high)[0], low)
    if not out_x:
        return np.empty(0), np.empty(0)
    return np.concatenate(out_x), np.concatenate(out_y)


def band_edges(values: np.ndarray, bands: int, *, log: bool) -> np.ndarray | None:
    """``bands + 1`` edges of equal bands over the finite values' range, in log10 of the
    values when ``log`` (positive values only); ``None`` when there is nothing to band.

    The filled picture colours each band alike: the image is drawn with these end points
    as its levels and a table of ``bands`` colours, and the lines between bands are the
    contour lines at the inner edges."""
    z = np.asarray(values, dtype=float)
    z = z[np.isfinite(z)]
    if log:
        z = z[z > 0]
        if z.size == 0:
            return None
        z = np.log10(z)
    if z.size == 0:
        return None
    low, high = float(z.min()), float(z.max())
    if not high > low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bands + 1)
