"""The live loss: every sample's loss (thin) and each epoch's mean loss (bold).

Both curves are created once and fed the snapshot's history arrays with ``setData`` when a
snapshot arrives; pyqtgraph clips to the visible range and downsamples, so a repaint stays
fast with hundreds of thousands of points.  The x axis is in epochs: step k ends at
(k + 1) / n, the mean of epoch e is drawn at e.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from gui.graph.value_label import ValueLabel
from gui.plots.style import (
    HistoryPlot,
    RangeFollower,
    finite_bounds,
    new_plot,
    set_legend,
    style_plot,
)
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

#: Log scale cannot show 0: losses are drawn at least this large there.
LOG_FLOOR = 1e-300


class LossPlot(HistoryPlot):
    """Per-sample and per-epoch loss, with a log-scale switch."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None,
                 theme: Theme = DEFAULT_THEME) -> None:
        super().__init__(parent)
        self.theme = theme
        self.plot = new_plot("", "epoch", "loss", theme)
        item = self.plot.getPlotItem()
        self.sample_curve = item.plot(connect="finite")
        self.epoch_curve = item.plot(symbol="o", symbolPen=None)
        self._colour_curves()
        self.follower = RangeFollower(item)
        for curve in (self.sample_curve, self.epoch_curve):
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        self.log_scale = QCheckBox("log scale")
        self.log_scale.setObjectName("log_scale_check")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.points = ValueLabel("1000000 points (thinned)")
        controls = QHBoxLayout()
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        controls.addWidget(self.points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        #: Vertical lines where training changed course mid-run, with what changed.
        self.markers: list[pg.InfiniteLine] = []
        self._marked: tuple[tuple[int, str], ...] = ()
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def _colour_curves(self) -> None:
        theme = self.theme
        self.sample_curve.setPen(pg.mkPen(theme.sample_loss, width=max(1.0, theme.text_scale)))
        self.epoch_curve.setPen(pg.mkPen(theme.epoch_loss, width=3 * theme.text_scale))
        self.epoch_curve.setSymbolBrush(theme.epoch_loss)
        self.epoch_curve.setSymbolSize(7 * theme.text_scale)
        set_legend(self.plot, [("━", theme.sample_loss, "sample loss"),
                               ("━●━", theme.epoch_loss, "epoch mean")], theme)

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        self._colour_curves()

    def set_log_scale(self, on: bool) -> None:
        if self.log_scale.isChecked() != on:
            self.log_scale.setChecked(on)
            return
        self.plot.getPlotItem().setLogMode(y=on)
        self.redraw()

    def draw(self, snapshot: Snapshot) -> None:
        """Feed the curves the snapshot's history arrays."""
        history = snapshot.history
        x = history.sample_epochs()
        losses = history.sample_loss
        epoch_losses = history.epoch_loss
        if self.log_scale.isChecked():
            losses = np.maximum(losses, LOG_FLOOR)
            epoch_losses = np.maximum(epoch_losses, LOG_FLOOR)
        self.sample_curve.setData(x, losses)
        self.epoch_curve.setData(history.epoch_numbers().astype(float), epoch_losses)
        if len(x) == 0:
            self.follower.fit(0.0, 1.0, 0.0, 1.0)
        else:
            x_high = max(float(x[-1]), float(len(epoch_losses)))
            log = self.log_scale.isChecked()
            self.follower.fit(0.0, x_high, *finite_bounds(losses, epoch_losses, log=log))
        self._mark_changes(snapshot.changes, history.n_samples)
        thinned = " (thinned)" if history.thinned else ""
        count = len(history)
        self.points.setText(f"{count} point{'' if count == 1 else 's'}{thinned}")

    def _mark_changes(self, changes: tuple[tuple[int, str], ...], n_samples: int) -> None:
        """A dashed line at each mid-run change (after ``step`` steps: x = step / n)."""
        if changes == self._marked:
            return
        item = self.plot.getPlotItem()
        for marker in self.markers:
            item.removeItem(marker)
        self.markers = []
        for step, what in changes:
            marker = pg.InfiniteLine(
                pos=step / max(n_samples, 1), angle=90, movable=False,
                pen=pg.mkPen("#6A3D9A", width=2, style=Qt.PenStyle.DashLine),
                label=what, labelOpts={"position": 0.85, "color": "#6A3D9A",
                                       "fill": (255, 255, 255, 200), "anchors": [(0, 0),
                                                                               (0, 0)]})
            marker.setToolTip(f"step {step}: {what}")
            item.addItem(marker, ignoreBounds=True)
            self.markers.append(marker)
        self._marked = changes

    def point_count(self) -> int:
        """Points the per-sample curve holds."""
        x, _ = self.sample_curve.getOriginalDataset()
        return 0 if x is None else len(x)
