"""The live loss: every sample's loss (thin), each epoch's mean loss (bold) and, when rows
are held out of training, their mean loss after each epoch (the held-out curve).

Both curves are created once and fed the snapshot's history arrays with ``setData`` when a
snapshot arrives; pyqtgraph clips to the visible range and downsamples, so a repaint stays
fast with hundreds of thousands of points.  The x axis is in epochs: step k ends at
(k + 1) / n, the mean of epoch e is drawn at e.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from gui.formatting import count
from gui.graph.value_label import ValueLabel
from gui.panels.timeline import TimelineBar
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
        #: The run a fork branched off, drawn under the live curve for comparison.
        self.original_curve = item.plot(connect="finite")
        self.original_curve.setClipToView(True)
        self.original_curve.setDownsampling(auto=True, method="peak")
        self.sample_curve = item.plot(connect="finite")
        self.epoch_curve = item.plot(symbol="o", symbolPen=None)
        self.holdout_curve = item.plot(symbol="s", symbolPen=None)
        self._held_out = False
        self._colour_curves()
        self.follower = RangeFollower(item)
        for curve in (self.sample_curve, self.epoch_curve, self.holdout_curve):
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        self.log_scale = QCheckBox("log scale")
        self.log_scale.setObjectName("log_scale_check")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.points = ValueLabel("1000000 points (thinned)")
        self.session = session
        self.timeline = TimelineBar(session)
        #: The row above the plot (log scale, time travel, point count).
        self.desk_row = QWidget()
        controls = QHBoxLayout(self.desk_row)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.log_scale)
        controls.addLayout(self.timeline.slider_row(), 1)
        controls.addWidget(self.points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.desk_row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.timeline)
        #: Where the graph shows a past step (time travel).
        self.viewing_line = pg.InfiniteLine(angle=90, movable=False)
        self._colour_marks()
        self.viewing_line.setVisible(False)
        item.addItem(self.viewing_line, ignoreBounds=True)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        #: Vertical lines where training changed course mid-run, with what changed.
        self.markers: list[pg.InfiniteLine] = []
        self._marked: tuple[tuple[int, str], ...] = ()
        self._marked_samples = 1
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def _colour_curves(self) -> None:
        theme = self.theme
        self.sample_curve.setPen(pg.mkPen(theme.sample_loss, width=max(1.0, theme.text_scale)))
        self.epoch_curve.setPen(pg.mkPen(theme.epoch_loss, width=3 * theme.text_scale))
        self.epoch_curve.setSymbolBrush(theme.epoch_loss)
        self.epoch_curve.setSymbolSize(7 * theme.text_scale)
        self.holdout_curve.setPen(pg.mkPen(theme.holdout_loss, width=3 * theme.text_scale,
                                           style=Qt.PenStyle.DashLine))
        self.holdout_curve.setSymbolBrush(theme.holdout_loss)
        self.holdout_curve.setSymbolSize(7 * theme.text_scale)
        entries = [("━", theme.sample_loss, "sample loss"),
                   ("━●━", theme.epoch_loss, "epoch mean")]
        if self._held_out:
            entries.append(("╍■╍", theme.holdout_loss, "held-out mean"))
        set_legend(self.plot, entries, theme)

    def set_compact(self, on: bool) -> None:
        """Hide the row above the plot (``on``), for the presenter's strip, where the
        curve needs the height and the row's small text cannot be read from the room."""
        self.desk_row.setVisible(not on)

    def _colour_marks(self) -> None:
        theme = self.theme
        self.original_curve.setPen(pg.mkPen(theme.original_loss, width=1.5))
        self.viewing_line.setPen(pg.mkPen(theme.viewing_mark, width=2))

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        self._colour_curves()
        self._colour_marks()
        marked, self._marked = self._marked, ()
        self._mark_changes(marked, self._marked_samples)  # in the new colours

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
        held = history.holdout_loss
        if self.log_scale.isChecked():
            losses = np.maximum(losses, LOG_FLOOR)
            epoch_losses = np.maximum(epoch_losses, LOG_FLOOR)
            held = np.maximum(held, LOG_FLOOR)
        self.sample_curve.setData(x, losses)
        self.epoch_curve.setData(history.epoch_numbers().astype(float), epoch_losses)
        self.holdout_curve.setData(np.arange(1, held.size + 1, dtype=float), held)
        held_out = snapshot.holdout_rows > 0
        if held_out != self._held_out:  # the legend names the held-out curve only then
            self._held_out = held_out
            self._colour_curves()
        if len(x) == 0:
            self.follower.fit(0.0, 1.0, 0.0, 1.0)
        else:
            x_high = max(float(x[-1]), float(len(epoch_losses)))
            log = self.log_scale.isChecked()
            self.follower.fit(0.0, x_high, *finite_bounds(losses, epoch_losses, held,
                                                          log=log))
        self._mark_changes(snapshot.changes, history.n_samples)
        self._draw_fork(snapshot)
        thinned = " (thinned)" if history.thinned else ""
        self.points.setText(f"{count(len(history), 'point')}{thinned}")

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot``; draw its history if new, and always where time travel and a
        fork are (they change without the history changing)."""
        super().show_snapshot(snapshot)
        self._draw_fork(snapshot)

    def _draw_fork(self, snapshot: Snapshot) -> None:
        original = snapshot.original
        if original is None:
            self.original_curve.setData([], [])
        else:
            keep = original.steps >= (snapshot.forked_at or 0)  # where the two differ
            losses = original.sample_loss[keep]
            if self.log_scale.isChecked():
                losses = np.maximum(losses, LOG_FLOOR)
            self.original_curve.setData(original.sample_epochs()[keep], losses)
        self.viewing_line.setVisible(snapshot.viewing is not None)
        if snapshot.viewing is not None:
            n = max(snapshot.history.n_samples, 1)
            self.viewing_line.setValue((snapshot.viewing + 1) / n)

    def step_at(self, x: float) -> int:
        """The step whose point is nearest to ``x`` on the epoch axis (step k is drawn at
        (k + 1) / n), within the steps trained."""
        n = max(self.session.trainer.n_samples, 1)
        last = self.session.trainer.cursor.step
        return int(min(max(round(x * n) - 1, 0), max(last - 1, 0)))

    def _on_clicked(self, event: object) -> None:
        """A click on the curve shows the graph as it was at that step."""
        position = event.scenePos()  # type: ignore[attr-defined]
        view = self.plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(position) \
                or self.session.trainer.cursor.step == 0:
            return
        self.timeline.show_step(self.step_at(view.mapSceneToView(position).x()))

    def _mark_changes(self, changes: tuple[tuple[int, str], ...], n_samples: int) -> None:
        """A dashed line at each mid-run change (after ``step`` steps: x = step / n)."""
        if changes == self._marked:
            return
        self._marked_samples = n_samples
        ground = QColor(self.theme.plot_background)
        ground.setAlpha(200)
        item = self.plot.getPlotItem()
        for marker in self.markers:
            item.removeItem(marker)
        self.markers = []
        for step, what in changes:
            marker = pg.InfiniteLine(
                pos=step / max(n_samples, 1), angle=90, movable=False,
                pen=pg.mkPen(self.theme.change_mark, width=2, style=Qt.PenStyle.DashLine),
                label=what, labelOpts={"position": 0.85, "color": self.theme.change_mark,
                                       "fill": ground, "anchors": [(0, 0), (0, 0)]})
            marker.setToolTip(f"step {step}: {what}")
            item.addItem(marker, ignoreBounds=True)
            self.markers.append(marker)
        self._marked = changes

    def point_count(self) -> int:
        """Points the per-sample curve holds."""
        x, _ = self.sample_curve.getOriginalDataset()
        return 0 if x is None else len(x)
