"""The Compare plot's drawing: one curve per optimizer of its mean loss per epoch.

The window's Compare tab and ``python main.py compare --plot`` both draw with this class,
so the picture on the command line is the one in the window.

Drawing costs the same however many epochs there are: a dot marks each epoch only while
there are few (:data:`MAX_DOTS`); beyond that the curves are lines that pyqtgraph clips to
the view and thins to the screen's pixels.  The legend is the plot's title line
(:func:`gui.plots.style.set_legend`), above the data, so it never covers a curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from gui.formatting import short_number
from gui.plots.loss_plot import LOG_FLOOR
from gui.plots.style import RangeFollower, finite_bounds, new_plot, set_legend, style_plot
from gui.theme import DEFAULT_THEME, Theme

#: Epochs marked with a dot at most; longer curves are plain lines.
MAX_DOTS = 60
#: Up to this many epochs, the epoch axis has a tick at every epoch.
FEW_EPOCHS = 10
#: On a linear axis, losses above this are drawn divided by a power of ten (named in the
#: axis label): near the float maximum, the padding around a range and Qt's transforms
#: would overflow to inf.
LARGEST_DRAWN = 1e100
#: How a legend entry draws a curve: a line with a dot.
LEGEND_GLYPH = "━●━"


class CompareChart:
    """A plot of mean loss per epoch, one curve per optimizer, its legend above them.

    Parameters
    ----------
    heading
        A line above the legend ("" for none: the window's tab needs none).
    y_label
        The loss axis' label.
    theme
        Colours and text size.

    Attributes
    ----------
    plot
        The ``pg.PlotWidget`` to place in a layout or to export.
    curves
        Optimizer name -> its curve, in the order added.
    """

    def __init__(self, heading: str = "", y_label: str = "loss",
                 theme: Theme = DEFAULT_THEME) -> None:
        self.plot = new_plot("", "epoch", y_label, theme)
        self.theme = theme
        self._heading = heading
        self._y_label = y_label
        #: Losses are drawn divided by this (a power of ten; 1 unless they are huge).
        self._scale = 1.0
        item = self.plot.getPlotItem()
        item.setLogMode(y=False)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._labels: dict[str, str] = {}
        self._losses: dict[str, np.ndarray] = {}
        self._log = False
        self._range = RangeFollower(item)
        self._show_legend()

    @property
    def log(self) -> bool:
        """Whether the loss axis is logarithmic."""
        return self._log

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        self._label_axis()
        for i, curve in enumerate(self.curves.values()):
            self._colour_curve(curve, i)
        self._show_legend()

    def remove_curves(self) -> None:
        """Remove every curve and its legend entry."""
        item = self.plot.getPlotItem()
        for curve in self.curves.values():
            item.removeItem(curve)
        self.curves = {}
        self._labels = {}
        self._losses = {}
        self._show_legend()

    def add_curves(self, entries: Sequence[tuple[str, str]]) -> None:
        """Start empty curves, replacing any: ``(name, legend label)`` per optimizer,
        coloured in that order."""
        self.remove_curves()
        item = self.plot.getPlotItem()
        for i, (name, label) in enumerate(entries):
            curve = item.plot(symbolPen=None, name=label, connect="finite")
            self._colour_curve(curve, i)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves[name] = curve
            self._labels[name] = label
        self._show_legend()

    def _colour_curve(self, curve: pg.PlotDataItem, i: int) -> None:
        colour = self.theme.line_colour(i)
        curve.setPen(pg.mkPen(colour, width=3 * self.theme.text_scale))
        curve.setSymbolBrush(colour)
        curve.setSymbolSize(6 * self.theme.text_scale)

    def _show_legend(self) -> None:
        set_legend(self.plot, [(LEGEND_GLYPH, self.theme.line_colour(i), self._labels[name])
                               for i, name in enumerate(self.curves)], self.theme,
                   heading=self._heading)

    def draw(self, name: str, losses: np.ndarray) -> None:
        """Show ``losses`` (the mean loss of epochs 1, 2, ...) as the curve ``name``."""
        self._losses[name] = np.asarray(losses, dtype=float)
        if not self._rescale():
            self._set_data(name)
        self._fit()

    def set_log(self, on: bool) -> None:
        """Switch the loss axis between linear and logarithmic."""
        self._log = on
        self.plot.getPlotItem().setLogMode(y=on)
        self._rescale()
        for name in self._losses:
            self._set_data(name)
        self._fit()

    def _rescale(self) -> bool:
        """Choose the divisor for huge losses on a linear axis, and say so in the axis
        label; redraw every curve if it changed (then return ``True``)."""
        scale = 1.0
        if not self._log:
            _, high = finite_bounds(*(np.abs(y) for y in self._losses.values()))
            if math.isfinite(high) and high > LARGEST_DRAWN:
                scale = 10.0 ** math.floor(math.log10(high))
        if scale == self._scale:
            return False
        self._scale = scale
        self._label_axis()
        for name in self._losses:
            self._set_data(name)
        return True

    def _label_axis(self) -> None:
        scale = self._scale
        label = self._y_label if scale == 1.0 else f"{self._y_label} (× {short_number(scale, 1)})"
        # style_plot reads the label from here when the theme changes.
        self.plot.setProperty("y_label", label)
        style_plot(self.plot, self.theme)

    def _shown(self, name: str) -> np.ndarray:
        y = self._losses[name]
        # A loss of exactly 0 has no logarithm.
        return np.maximum(y, LOG_FLOOR) if self._log else y / self._scale

    def _set_data(self, name: str) -> None:
        y = self._shown(name)
        curve = self.curves[name]
        dots = "o" if y.size <= MAX_DOTS else None
        if curve.opts["symbol"] != dots:
            curve.setSymbol(dots)
        finite = np.isfinite(y)
        if not finite.any():
            # Nothing drawable (pyqtgraph would take the bounds of an all-nan array).
            curve.setData([], [])
            return
        # An inf cannot be drawn either: like nan, it leaves a gap in the line.
        curve.setData(np.arange(1, y.size + 1, dtype=float), np.where(finite, y, np.nan))

    def _fit(self) -> None:
        """Show every epoch and every finite loss."""
        shown = [self._shown(name) for name in self._losses]
        epochs = max((y.size for y in shown), default=0)
        y_low, y_high = finite_bounds(*shown, log=self._log)
        if epochs == 0 or not math.isfinite(y_low):
            return
        if y_high <= y_low:
            # One value: a unit band around it (a decade on the log axis).
            y_low, y_high = y_low - 0.5, y_high + 0.5
        x_low, x_high = (0.5, 1.5) if epochs == 1 else (1.0, float(epochs))
        # Few epochs: a tick at every whole epoch, none between (no "epoch 1.5").
        axis = self.plot.getPlotItem().getAxis("bottom")
        if epochs <= FEW_EPOCHS:
            axis.setTickSpacing(levels=[(1.0, 0.0)])
        else:
            axis.setTickSpacing()
        self._range.fit(x_low, x_high, y_low, y_high)

    def curve_lengths(self) -> dict[str, int]:
        """Epochs drawn per curve."""
        result = {}
        for name, curve in self.curves.items():
            x, _ = curve.getOriginalDataset()
            result[name] = 0 if x is None else len(x)
        return result

    def dot_count(self) -> int:
        """Dots drawn on all curves (0 for long curves, which are plain lines)."""
        total = 0
        for curve in self.curves.values():
            if curve.opts["symbol"] is not None:
                x, _ = curve.getOriginalDataset()
                total += 0 if x is None else len(x)
        return total
