"""Shared pyqtgraph settings: the theme's background and axis colours, large axis text for
projectors, and the theme's palette of distinguishable line colours."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF, QShowEvent
from PySide6.QtWidgets import QWidget

from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

#: Pixel sizes of the axes' tick numbers and titles at text scale 1.
TICK_PX = 13
AXIS_TITLE_PX = 15


class ReadableAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """An axis whose tick labels never run into each other, however large their font.

    pyqtgraph spaces the major ticks by value alone (at least 2.25 intervals whatever the
    length), so large text on a short axis piles 1.0, 0.8, 0.6 ... on top of each other.
    Here every labelled level keeps its ticks at least a label apart: a label's height
    and a half on a vertical axis, a label's width and a gap on a horizontal one.
    """

    def __init__(self, orientation: str, **options: object) -> None:
        super().__init__(orientation, **options)
        # The major labels are always drawn (their spacing already leaves room); finer
        # levels only while the axis has space to spare, as pyqtgraph does.
        self.setStyle(textFillLimits=[(1, 0.8), (2, 0.6), (4, 0.4), (6, 0.2)])

    def setTickFont(self, font: QFont | None) -> None:
        super().setTickFont(font)
        if self.orientation in ("left", "right"):
            # The end labels are centred on their ticks: let them reach half a label
            # past the axis's ends (pyqtgraph allows 15 px, too few for large text).
            half = QFontMetricsF(font or self.font()).height() / 2
            self.setStyle(hideOverlappingLabels=max(15, math.ceil(half) + 2))

    def label_room(self, gap: float = 0.5) -> float:
        """Pixels one tick label needs along the axis, plus ``gap`` label heights."""
        font = self.style.get("tickFont") or self.font()
        metrics = QFontMetricsF(font)
        if self.orientation in ("left", "right"):
            return (1.0 + gap) * metrics.height()
        return metrics.horizontalAdvance("\u22120.000") + 2 * gap * metrics.height()

    def tickSpacing(self, minVal: float, maxVal: float,
                    size: float) -> list[tuple[float, float]]:
        levels = list(super().tickSpacing(minVal, maxVal, size))
        low, high = sorted((minVal, maxVal))
        if not levels or not high > low or not size > 0 or self._tickSpacing is not None:
            return levels
        # The closest two labels may be, in values; on an axis too short for two labels
        # so spaced, the gap between them goes first (they may touch, never overlap).
        for gap in (0.5, 0.1, 0.0):
            least = (high - low) * self.label_room(gap) / size
            spacing = nice_spacing(least)
            if math.floor(high / spacing) - math.ceil(low / spacing) >= 1:
                break
        kept = [level for level in levels if level[0] >= least]
        return kept or [(spacing, 0.0)]


def nice_spacing(least: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``least`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(least))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= least * (1 - 1e-12):
            return factor * power
    return 10.0 * power


def configure() -> None:
    """Global pyqtgraph options (cheap; idempotent)."""
    pg.setConfigOptions(antialias=False)


def new_plot(title: str, x_label: str, y_label: str,
             theme: Theme = DEFAULT_THEME) -> pg.PlotWidget:
    """A plot widget with readable axes in ``theme``'s colours."""
    configure()
    widget = pg.PlotWidget(axisItems={side: ReadableAxis(side) for side in ("left", "bottom")})
    item = widget.getPlotItem()
    if title:
        item.setTitle(title, size=f"{round(theme.text_px(AXIS_TITLE_PX))}px",
                      color=theme.plot_foreground)
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)  # "epoch (x0.001)" confuses
    widget.setProperty("x_label", x_label)
    widget.setProperty("y_label", y_label)
    # No grid: pyqtgraph draws grid lines through the axis, at ~10 ms per repaint.
    item.showGrid(x=False, y=False)
    style_plot(widget, theme)
    return widget


def style_plot(widget: pg.PlotWidget, theme: Theme) -> None:
    """Background, axis pens, tick and title fonts from ``theme``."""
    widget.setBackground(theme.plot_background)
    item = widget.getPlotItem()
    font = QFont(theme.font_family)
    font.setPixelSize(round(theme.text_px(TICK_PX)))
    title_px = round(theme.text_px(AXIS_TITLE_PX))
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setTickFont(font)
        axis.setPen(theme.plot_foreground)
        axis.setTextPen(theme.plot_foreground)
    style = {"font-size": f"{title_px}px", "color": theme.plot_foreground}
    item.setLabel("bottom", str(widget.property("x_label")), **style)
    item.setLabel("left", str(widget.property("y_label")), **style)


def colour(i: int, theme: Theme = DEFAULT_THEME) -> str:
    """The i-th line colour of ``theme``."""
    return theme.line_colour(i)


class RangeFollower:
    """Keeps a plot's view on all its data, as pyqtgraph's auto-range does, but sets the
    range together with the data: pyqtgraph's own auto-range runs while painting and then
    paints a second time.

    Dragging or zooming the plot stops the following; pyqtgraph's "A" button resumes it.
    """

    def __init__(self, item: pg.PlotItem) -> None:
        self.view = item.getViewBox()
        self.following = True
        self.view.disableAutoRange()
        self.view.sigRangeChangedManually.connect(self._on_manual)

    def _on_manual(self, *_args: object) -> None:
        self.following = False

    def fit(self, x_low: float, x_high: float, y_low: float, y_high: float) -> None:
        """Show [x_low, x_high] x [y_low, y_high] (in view coordinates) if following."""
        if any(self.view.state["autoRange"]):
            self.following = True  # the "A" button was pressed
            self.view.disableAutoRange()
        if not self.following or not all(map(math.isfinite, (x_low, x_high, y_low, y_high))):
            return
        if x_high <= x_low:
            x_high = x_low + 1.0
        if y_high <= y_low:
            y_low, y_high = y_low - 0.5, y_high + 0.5
        self.view.setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0.03)
        # Apply the new transform now: left to the paint, it would cause a second paint.
        self.view.prepareForPaint()


def finite_bounds(*arrays: np.ndarray, log: bool = False) -> tuple[float, float]:
    """(min, max) of the finite values (positive ones in log10 if ``log``); (nan, nan) if
    there are none."""
    lows, highs = [], []
    for array in arrays:
        values = np.asarray(array, dtype=float)
        if log:
            values = values[values > 0]
        values = values[np.isfinite(values)]
        if values.size:
            lows.append(float(values.min()))
            highs.append(float(values.max()))
    if not lows:
        return math.nan, math.nan
    low, high = min(lows), max(highs)
    return (math.log10(low), math.log10(high)) if log else (low, high)


class HistoryPlot(QWidget):
    """A widget that draws the history a snapshot carries (``snapshot.history``).

    :meth:`show_snapshot` keeps the newest snapshot; it is drawn (:meth:`draw`) when the
    widget is shown and, while visible, only when the history changed: another run, more
    steps or more epochs.  Hidden plots cost nothing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drawn: tuple[int, ...] = ()
        self._snapshot: Snapshot | None = None

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` and draw it if visible and new."""
        self._snapshot = snapshot
        self.refresh()

    def draw(self, snapshot: Snapshot) -> None:
        """Feed the curves the snapshot's history (subclasses)."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Draw the newest snapshot if visible and its history differs from the drawn one."""
        snapshot = self._snapshot
        if snapshot is None or not self.isVisible():
            return
        history = snapshot.history
        state = (snapshot.run, history.n_steps, history.n_epochs)
        if state == self._drawn:
            return
        self._drawn = state
        self.draw(snapshot)

    def redraw(self) -> None:
        """Draw again even if the history did not change (a new scale, new curves)."""
        self._drawn = ()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()


def set_legend(widget: pg.PlotWidget, entries: list[tuple[str, str, str]],
               theme: Theme, heading: str = "") -> None:
    """The plot's legend as its title line, above the data: it never covers a curve, and
    exports keep it.  ``entries``: (line glyph, colour, name) per curve; ``heading``: a
    line above them (a picture's title)."""
    widget.setProperty("legend", "   ".join(name for _glyph, _colour, name in entries))
    text = "&nbsp;&nbsp;&nbsp;".join(
        f"<span style='color:{colour}'><b>{glyph}</b></span>&nbsp;{escape(name)}"
        for glyph, colour, name in entries)
    if heading:
        text = f"<b>{escape(heading)}</b>" + (f"<br>{text}" if text else "")
    widget.getPlotItem().setTitle(text or None, color=theme.plot_foreground,
                                  size=f"{round(theme.text_px(13))}px")
