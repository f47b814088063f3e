"""The loss landscape's picture: filled bands of the mean loss, contour lines, paths and
arrows over two weights, and a colour bar saying what the colours mean.

Drawing only: :class:`LandscapePlot` is given a computed
:class:`~gui.geometry.landscape_worker.LandscapePicture` and the paths and arrows to draw
over it, and never reads the session.  The bands are the image's colours: pyqtgraph maps
the grid's values (or their log10) linearly onto a table of :data:`BANDS` colours between
the bands' end points, so each band is one colour and the lines between bands are the
contour lines at the inner end points.  The colours are viridis (ordered, readable in
greyscale and by colour-blind viewers) softened toward the plot's background, so that the
paths and arrows, drawn in the theme's colours with a halo of the background's, stand out
on every band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.formatting import short_number
from gui.geometry.landscape_worker import BANDS, LandscapePicture, Lines
from gui.plots.style import ReadableAxis, new_plot, style_plot
from gui.theme import DEFAULT_THEME, Theme

#: How far the band colours move from viridis toward the background (0: pure viridis).
SOFTEN = 0.35
#: The longer arrow is this share of the square's half-width; the arrows share one scale,
#: except that a shorter one is drawn at least SHORTEST_ARROW of the longer's length.
ARROW_SHARE = 0.35
SHORTEST_ARROW = 0.3
#: Paths longer than this are thinned evenly for drawing (the last point kept).
MAX_PATH_POINTS = 4000


class _ValueAxis(ReadableAxis):
    """The colour bar's axis: loss values, also when the bar is in log10 of the loss."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.log = False

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.log:
            return list(super().tickStrings(values, scale, spacing))
        return [short_number(10.0 ** float(v), 2) for v in values]


@dataclass(frozen=True)
class Path:
    """A path over the two weights, drawn as a line: points ``(n, 2)``, its colour, a
    dashed line or not, and its legend label."""

    points: np.ndarray
    colour: str
    label: str
    dashed: bool = False
    #: Line width at text scale 1 (a path drawn later and thinner shows one it covers),
    #: and how much wider its halo in the background's colour is.
    width: float = 2.2
    halo: float = 2.8


@dataclass(frozen=True)
class Arrow:
    """A descent direction at a point: ``direction`` is −gradient over the pair."""

    origin: tuple[float, float]
    direction: tuple[float, float]
    colour: str
    label: str


def band_colours(theme: Theme, bands: int = BANDS) -> np.ndarray:
    """``bands`` RGBA colours, low loss first: viridis softened toward the background."""
    table = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, bands, alpha=False)
    ground = QColor(theme.plot_background)
    background = np.array([ground.red(), ground.green(), ground.blue()], dtype=float)
    mixed = (1.0 - SOFTEN) * np.asarray(table, dtype=float) + SOFTEN * background
    rgba = np.empty((bands, 4), dtype=np.uint8)
    rgba[:, :3] = np.clip(np.rint(mixed), 0, 255)
    rgba[:, 3] = 255
    return rgba


def _thin(points: np.ndarray) -> np.ndarray:
    if len(points) <= MAX_PATH_POINTS:
        return points
    keep = np.unique(np.r_[np.linspace(0, len(points) - 1, MAX_PATH_POINTS).astype(int),
                           len(points) - 1])
    thinned: np.ndarray = points[keep]
    return thinned


def arrow_segments(origin: tuple[float, float], tip: tuple[float, float]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """An arrow from ``origin`` to ``tip`` as three segments (shaft and two barbs) for
    ``connect="pairs"``, in data coordinates (the view keeps x and y at one scale)."""
    (x0, y0), (x1, y1) = origin, tip
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    if not length > 0:
        return np.empty(0), np.empty(0)
    barb = 0.3 * length
    angle = math.atan2(dy, dx)
    xs, ys = [x0, x1], [y0, y1]
    for turn in (math.radians(150), -math.radians(150)):
        xs += [x1, x1 + barb * math.cos(angle + turn)]
        ys += [y1, y1 + barb * math.sin(angle + turn)]
    return np.array(xs), np.array(ys)


class LandscapePlot(QWidget):
    """The picture and its colour bar, the legend below them.

    Attributes
    ----------
    plot
        The ``pg.PlotWidget`` of the landscape (x: the first weight, y: the second).
    image
        The filled bands (``image.image`` holds the values drawn: the loss, or its log10).
    band_lines, sample_lines
        The contour lines between the bands and of the current sample's loss.
    paths
        Label -> the line drawn for each path; ``arrows`` likewise.
    """

    def __init__(self, theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.plot = new_plot("", "x", "y", theme)
        self.plot.setObjectName("landscape_plot")
        item = self.plot.getPlotItem()
        self.view = item.getViewBox()
        # One scale on both axes: a descent direction is drawn at its true angle, and
        # contour lines cross it at right angles.
        self.view.setAspectLocked(True)
        # Whatever the widget's size, the whole square is in view.
        self.view.sigResized.connect(lambda _view: self._fit_square())
        item.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.band_lines = pg.PlotDataItem(connect="pairs")
        self.sample_lines = pg.PlotDataItem(connect="pairs")
        # A halo in the background's colour under the sample's dashes: they read on
        # every band.
        self.sample_halo = pg.PlotDataItem(connect="pairs")
        for lines in (self.band_lines, self.sample_halo, self.sample_lines):
            item.addItem(lines)
        self.bar_axis = _ValueAxis("left")
        self.bar = new_plot("", "", "mean loss", theme)
        self.bar.setObjectName("landscape_colour_bar")
        self.bar.getPlotItem().setAxisItems({"left": self.bar_axis})
        self.bar_axis.enableAutoSIPrefix(False)
        self.bar.getPlotItem().hideAxis("bottom")
        self.bar.getPlotItem().hideButtons()
        self.bar.setMouseEnabled(False, False)
        self.bar.setFixedWidth(78)
        self.bar_image = pg.ImageItem(axisOrder="row-major")
        self.bar.getPlotItem().addItem(self.bar_image)
        self.legend = QLabel()
        self.legend.setObjectName("landscape_legend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.paths: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.arrows: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.point = pg.ScatterPlotItem()
        self.point.setZValue(20)
        item.addItem(self.point)
        self.picture: LandscapePicture | None = None
        self.log = True
        self._legend_entries: list[tuple[str, str, str]] = []
        self._path_data: list[Path] = []
        self._arrow_data: list[Arrow] = []
        self._current: tuple[float, float] | None = None
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.plot, 1)
        row.addWidget(self.bar)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row, 1)
        column.addWidget(self.legend)
        column.addStretch(0)
        self._row = row
        self.set_theme(theme)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The square fills the plot: as tall as the plot is wide (the axes' room added),
        # the rest of the height left to the legend and below.
        super().resizeEvent(event)
        left = self.plot.getPlotItem().getAxis("left").width()
        bottom = self.plot.getPlotItem().getAxis("bottom").height()
        side = self.width() - self.bar.width() - left
        # A maximum only: in a short dock the layout gives the plot what there is.
        height = max(120, side + bottom + 4)
        self.plot.setMaximumHeight(height)
        self.bar.setMaximumHeight(height)

    # -- theme and labels ------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        style_plot(self.bar, theme)
        font = self.legend.font()
        font.setPixelSize(max(8, round(theme.text_px(13))))
        self.legend.setFont(font)
        self.legend.setStyleSheet(f"color: {theme.plot_foreground}; "
                                  f"background: {theme.plot_background}; padding: 2px;")
        self._draw_picture()
        self._draw_overlays()

    def set_axis_names(self, x_name: str, y_name: str) -> None:
        """Label the axes with the two weights' names."""
        self.plot.setProperty("x_label", x_name)
        self.plot.setProperty("y_label", y_name)
        style_plot(self.plot, self.theme)

    # -- the picture -----------------------------------------------------------------------

    def clear_picture(self) -> None:
        """No landscape (another pair, graph or data): the overlays stay."""
        self.picture = None
        self._draw_picture()

    def show_picture(self, picture: LandscapePicture, log: bool) -> None:
        """Draw ``picture``'s bands and lines, the colours in log10 of the loss if ``log``."""
        self.picture = picture
        self.log = log
        self._draw_picture()
        self._fit_square()

    def _fit_square(self) -> None:
        if self.picture is None:
            return
        landscape = self.picture.landscape
        xs, ys = np.asarray(landscape.xs), np.asarray(landscape.ys)
        self.view.setRange(xRange=(float(xs[0]), float(xs[-1])),
                           yRange=(float(ys[0]), float(ys[-1])), padding=0.02)

    def set_log(self, log: bool) -> None:
        """Colours (and band lines) linear or logarithmic in the loss."""
        self.log = log
        self._draw_picture()

    def shown_values(self) -> np.ndarray | None:
        """The values the image maps to colours now (the loss, or its log10)."""
        image = self.image.image
        return None if image is None else np.asarray(image)

    def colour_levels(self) -> tuple[float, float] | None:
        """The values of the lowest and the highest colour's end (as drawn)."""
        edges = None if self.picture is None else self.picture.edges[self.log]
        return None if edges is None else (float(edges[0]), float(edges[-1]))

    def band_of(self, loss: float) -> int | None:
        """The band (0: lowest) a loss is coloured as, or None outside the colours."""
        edges = None if self.picture is None else self.picture.edges[self.log]
        if edges is None or not math.isfinite(loss) or (self.log and loss <= 0):
            return None
        value = math.log10(loss) if self.log else loss
        if not edges[0] <= value <= edges[-1]:
            return None
        return min(int(np.searchsorted(edges, value, side="right")) - 1, len(edges) - 2)

    def _draw_picture(self) -> None:
        picture = self.picture
        edges = None if picture is None else picture.edges[self.log]
        if picture is None or edges is None:
            self.image.clear()
            self.bar_image.clear()
            self.band_lines.setData([], [])
            self.sample_lines.setData([], [])
            self.sample_halo.setData([], [])
            return
        landscape = picture.landscape
        loss = np.array(landscape.loss, dtype=float)
        loss[~np.isfinite(loss)] = np.nan
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = np.where(loss > 0, np.log10(loss), np.nan)
        lut = band_colours(self.theme)
        levels = (float(edges[0]), float(edges[-1]))
        self.image.setImage(loss, levels=levels, lut=lut, autoLevels=False)
        xs, ys = np.asarray(landscape.xs), np.asarray(landscape.ys)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        # The bar: one row per band, from the lowest edge to the highest.
        steps = np.linspace(levels[0], levels[1], BANDS * 8).reshape(-1, 1)
        self.bar_image.setImage(steps, levels=levels, lut=lut, autoLevels=False)
        self.bar_image.setRect(QRectF(0.0, levels[0], 1.0, levels[1] - levels[0]))
        self.bar.getPlotItem().getViewBox().setRange(xRange=(0, 1), yRange=levels, padding=0)
        self.bar_axis.log = self.log
        self.bar.setProperty("y_label", "mean loss (log)" if self.log else "mean loss")
        style_plot(self.bar, self.theme)
        self._set_lines(self.band_lines, picture.bands[self.log],
                        pg.mkPen(_alpha(self.theme.plot_foreground, 110), width=1))
        thick = math.sqrt(self.theme.text_scale)
        self._set_lines(self.sample_halo, picture.sample_lines[self.log],
                        pg.mkPen(_alpha(self.theme.plot_background, 170), width=3.6 * thick))
        sample_pen = pg.mkPen(self.theme.sample_loss, width=1.8 * thick,
                              style=Qt.PenStyle.DashLine)
        self._set_lines(self.sample_lines, picture.sample_lines[self.log], sample_pen)

    @staticmethod
    def _set_lines(item: pg.PlotDataItem, lines: Lines, pen: object) -> None:
        item.setPen(pen)
        item.setData(lines.x, lines.y, connect="pairs")

    # -- what goes over it -----------------------------------------------------------------

    def show_overlays(self, paths: Sequence[Path], arrows: Sequence[Arrow],
                      current: tuple[float, float] | None,
                      legend: Sequence[tuple[str, str, str]]) -> None:
        """Draw ``paths``, ``arrows`` (scaled together to fit the square) and the current
        point; ``legend``: extra (glyph, colour, text) entries after those of the paths
        and arrows."""
        self._path_data = list(paths)
        self._arrow_data = list(arrows)
        self._current = current
        self._legend_entries = list(legend)
        self._draw_overlays()

    def arrow_tips(self) -> dict[str, tuple[float, float]]:
        """Label -> where each arrow drawn now ends."""
        return {arrow.label: tip for arrow, tip in zip(self._arrow_data, self._tips(),
                                                       strict=True)}

    def _half_width(self) -> float:
        picture = self.picture
        if picture is not None:
            return float(picture.job.span)
        x_range, y_range = self.view.viewRange()
        return float(max(x_range[1] - x_range[0], y_range[1] - y_range[0])) / 2

    def _tips(self) -> list[tuple[float, float]]:
        longest = max((math.hypot(*a.direction) for a in self._arrow_data), default=0.0)
        if not longest > 0 or not math.isfinite(longest):
            return [a.origin for a in self._arrow_data]
        reach = ARROW_SHARE * self._half_width()
        tips = []
        for a in self._arrow_data:
            length = math.hypot(*a.direction)
            # One scale for both (their lengths compare) unless the shorter would vanish.
            drawn = reach * max(length / longest, SHORTEST_ARROW)
            scale = drawn / length if length > 0 else 0.0
            tips.append((a.origin[0] + scale * a.direction[0],
                         a.origin[1] + scale * a.direction[1]))
        return tips

    def _line_pair(self, store: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]],
                   label: str, z: float) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        pair = store.get(label)
        if pair is None:
            halo, line = pg.PlotDataItem(), pg.PlotDataItem()
            halo.setZValue(z)
            line.setZValue(z + 0.5)
            for part in (halo, line):
                self.plot.getPlotItem().addItem(part)
            pair = store[label] = (halo, line)
        return pair

    def _drop_unused(self, store: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]],
                     used: set[str]) -> None:
        for label in [label for label in store if label not in used]:
            for part in store.pop(label):
                self.plot.getPlotItem().removeItem(part)

    def _draw_overlays(self) -> None:
        theme = self.theme
        thick = math.sqrt(theme.text_scale)
        ground = theme.plot_background
        for z, path in enumerate(self._path_data):
            halo, line = self._line_pair(self.paths, path.label, 5 + z)
            # Later paths on top, each with its halo just below it.
            halo.setZValue(5 + z)
            line.setZValue(5.5 + z)
            points = _thin(np.asarray(path.points, dtype=float).reshape(-1, 2))
            style = Qt.PenStyle.DashLine if path.dashed else Qt.PenStyle.SolidLine
            halo.setPen(pg.mkPen(_alpha(ground, 200), width=(path.width + path.halo) * thick))
            line.setPen(pg.mkPen(path.colour, width=path.width * thick, style=style))
            for part in (halo, line):
                part.setData(points[:, 0], points[:, 1], connect="finite")
        self._drop_unused(self.paths, {p.label for p in self._path_data})
        for arrow, tip in zip(self._arrow_data, self._tips(), strict=True):
            halo, line = self._line_pair(self.arrows, arrow.label, 15)
            x, y = arrow_segments(arrow.origin, tip)
            halo.setPen(pg.mkPen(_alpha(ground, 220), width=6 * thick))
            line.setPen(pg.mkPen(arrow.colour, width=2.8 * thick))
            for part in (halo, line):
                part.setData(x, y, connect="pairs")
        self._drop_unused(self.arrows, {a.label for a in self._arrow_data})
        if self._current is None:
            self.point.setData([], [])
        else:
            self.point.setData([self._current[0]], [self._current[1]],
                               size=13 * thick, brush=pg.mkBrush(theme.highlight),
                               pen=pg.mkPen(ground, width=2))
        entries = [("━", p.colour, p.label) for p in self._path_data]
        if self._current is not None:
            entries.append(("●", theme.highlight, "now"))
        entries += [("➜", a.colour, a.label) for a in self._arrow_data]
        entries += self._legend_entries
        self.legend.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{colour}'><b>{glyph}</b></span>&nbsp;{escape(text)}"
            for glyph, colour, text in entries))

    def legend_text(self) -> str:
        """The legend as plain text."""
        return self.legend.text()


def _alpha(colour: str, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result
