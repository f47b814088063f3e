"""Every weight over training: one curve per weight against epochs (fractional).

Many weights sit near zero at the start; to tell their lines apart each line carries its
weight's name at its end (labels nudged apart so they never overlap), each weight can be
hidden from the "Weights" menu, and the y axis can show the values on a symmetric log
scale or the change since the start instead of the raw values.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QMenu, QToolButton, QVBoxLayout, QWidget

from gui.formatting import short_number
from gui.plots.style import (
    HistoryPlot,
    RangeFollower,
    ReadableAxis,
    finite_bounds,
    new_plot,
    style_plot,
)
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

#: Below this magnitude the symmetric log scale is linear (weights start ~ N(0, 0.01)).
SYMLOG_LINEAR = 1e-3
#: How the y axis shows the weights.
MODES = {"value": "value", "symlog": "value, symmetric log", "change": "change since start"}


def symlog(values: np.ndarray) -> np.ndarray:
    """sign(w) log10(1 + |w| / c): linear near 0, logarithmic far from it."""
    return np.asarray(np.sign(values) * np.log10(1.0 + np.abs(values) / SYMLOG_LINEAR))


def inverse_symlog(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.sign(values) * (10.0 ** np.abs(values) - 1.0) * SYMLOG_LINEAR)


class _ValueAxis(ReadableAxis):
    """Tick labels in weight values when the plot draws a transformed value."""

    def __init__(self) -> None:
        super().__init__("left")
        self.symlog = False

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.symlog:
            return list(super().tickStrings(values, scale, spacing))
        return [short_number(float(v), 2)
                for v in inverse_symlog(np.asarray(values, dtype=float))]


class TrajectoryPlot(HistoryPlot):
    """Weight trajectories, fed from the snapshot's history of weights."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None,
                 theme: Theme = DEFAULT_THEME) -> None:
        super().__init__(parent)
        self.theme = theme
        self.axis = _ValueAxis()
        self.plot = new_plot("", "epoch", "weight value", theme)
        self.plot.getPlotItem().setAxisItems({"left": self.axis})
        style_plot(self.plot, theme)
        self.curves: list[pg.PlotDataItem] = []
        self.end_labels: list[pg.TextItem] = []
        self.follower = RangeFollower(self.plot.getPlotItem())
        self.mode = QComboBox()
        self.mode.setObjectName("trajectory_mode")
        for key, title in MODES.items():
            self.mode.addItem(title, key)
        self.mode.currentIndexChanged.connect(lambda _index: self.redraw())
        self.choose = QToolButton()
        self.choose.setObjectName("trajectory_weights")
        self.choose.setText("Weights ▾")
        self.choose.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.choose.setMenu(QMenu(self.choose))
        self.toggles: list[QAction] = []
        controls = QHBoxLayout()
        controls.addWidget(self.mode)
        controls.addWidget(self.choose)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        self.plot.getPlotItem().getViewBox().sigRangeChanged.connect(
            lambda *_args: self._place_labels())
        self._weights: tuple[str, ...] = ()
        self._ends: tuple[float, np.ndarray | None] = (math.nan, None)
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot``; new curves (and a draw) when its graph has other weights."""
        if snapshot.graph.weights != self._weights:
            self._rebuild(snapshot)
        super().show_snapshot(snapshot)

    def set_mode(self, mode: str) -> None:
        """``value``, ``symlog`` or ``change``."""
        index = self.mode.findData(mode)
        if index < 0:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        self.mode.setCurrentIndex(index)

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        if self._snapshot is not None:
            self._rebuild(self._snapshot)
            self.refresh()

    def _rebuild(self, snapshot: Snapshot) -> None:
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        for label in self.end_labels:
            item.removeItem(label)
        graph = snapshot.graph
        self._weights = graph.weights
        menu = self.choose.menu()
        menu.clear()
        self.curves, self.end_labels, self.toggles = [], [], []
        font = QFont(self.theme.font_family)
        font.setPixelSize(round(self.theme.text_px(13)))
        font.setBold(True)
        for i, weight in enumerate(graph.weights):
            colour = self.theme.line_colour(i)
            curve = item.plot(pen=pg.mkPen(colour, width=2 * self.theme.text_scale),
                              connect="finite")
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            label = pg.TextItem(graph[weight].label, color=colour, anchor=(0.0, 0.5))
            label.setFont(font)
            item.addItem(label, ignoreBounds=True)
            toggle = menu.addAction(graph[weight].label)
            toggle.setCheckable(True)
            toggle.setChecked(True)
            toggle.toggled.connect(lambda on, i=i: self.set_weight_shown(i, on))
            self.curves.append(curve)
            self.end_labels.append(label)
            self.toggles.append(toggle)
        self._drawn = ()

    def set_weight_shown(self, i: int, on: bool) -> None:
        """Show or hide the line of the i-th weight."""
        if self.toggles[i].isChecked() != on:
            self.toggles[i].setChecked(on)
            return
        self.curves[i].setVisible(on)
        self.end_labels[i].setVisible(on)
        self.redraw()

    def _shown_values(self, weights: np.ndarray) -> np.ndarray:
        mode = self.mode.currentData()
        self.axis.symlog = mode == "symlog"
        if mode == "symlog":
            self.axis.setLabel(str(self.plot.property("y_label")) + " (symmetric log)")
            return symlog(weights)
        if mode == "change" and len(weights):
            self.axis.setLabel("change since start")
            return np.asarray(weights - weights[0])
        self.axis.setLabel(str(self.plot.property("y_label")))
        return weights

    def draw(self, snapshot: Snapshot) -> None:
        """Feed each weight's curve from the snapshot's history."""
        history = snapshot.history
        x = history.sample_epochs()
        weights = history.weights
        if weights.shape[1] != len(self.curves):
            return
        shown = self._shown_values(weights)
        for i, curve in enumerate(self.curves):
            curve.setData(x, shown[:, i])
        visible = [i for i, toggle in enumerate(self.toggles) if toggle.isChecked()]
        if len(x) and visible:
            self.follower.fit(0.0, float(x[-1]), *finite_bounds(shown[:, visible]))
        else:
            self.follower.fit(0.0, 1.0, -1.0, 1.0)
        self._ends = (x[-1] if len(x) else math.nan, shown[-1] if len(x) else None)
        self._place_labels()

    def _place_labels(self) -> None:
        """Each name at its line's end, nudged apart vertically so no two overlap."""
        x_end, y_ends = self._ends
        if y_ends is None or not math.isfinite(x_end) or not self.end_labels:
            for label in self.end_labels:
                label.setVisible(False)
            return
        view = self.plot.getPlotItem().getViewBox()
        pixel = view.viewPixelSize()[1]  # data units per screen pixel
        if not pixel or not math.isfinite(pixel):
            return
        # Labels keep their size on screen: their height in pixels, in data units.
        tallest = max(label.boundingRect().height() for label in self.end_labels)
        spacing = (tallest + 1.0) * pixel
        order = sorted((i for i in range(len(self.end_labels)) if self.toggles[i].isChecked()
                        and math.isfinite(y_ends[i])), key=lambda i: y_ends[i])
        placed: list[float] = []
        for i in order:
            y = float(y_ends[i])
            if placed and y < placed[-1] + spacing:
                y = placed[-1] + spacing
            placed.append(y)
            self.end_labels[i].setPos(float(x_end), y)
            self.end_labels[i].setVisible(True)

    def label_rects(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """(name, scene rectangle) of each shown end label, for tests."""
        found = []
        for toggle, label in zip(self.toggles, self.end_labels, strict=True):
            if label.isVisible():
                rect = label.mapRectToScene(label.boundingRect())
                found.append((toggle.text(), (rect.left(), rect.top(), rect.right(),
                                              rect.bottom())))
        return found
