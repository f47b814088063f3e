"""Every weight over training: one curve per weight against epochs (fractional)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.plots.style import HistoryPlot, RangeFollower, colour, finite_bounds, new_plot
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot


class TrajectoryPlot(HistoryPlot):
    """Weight trajectories, fed from the snapshot's history of weights."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot("", "epoch", "weight value")
        self.curves: list[pg.PlotDataItem] = []
        self.follower = RangeFollower(self.plot.getPlotItem())
        self._legend = self.plot.getPlotItem().addLegend(offset=(-10, 10), colCount=3)
        self._legend.setLabelTextSize("10pt")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self._weights: tuple[str, ...] = ()
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot``; new curves (and a draw) when its graph has other weights."""
        if snapshot.graph.weights != self._weights:
            self._rebuild(snapshot)
        super().show_snapshot(snapshot)

    def _rebuild(self, snapshot: Snapshot) -> None:
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self._legend.clear()
        graph = snapshot.graph
        self._weights = graph.weights
        self.curves = []
        for i, weight in enumerate(graph.weights):
            curve = item.plot(pen=pg.mkPen(colour(i), width=2), name=graph[weight].label,
                              connect="finite")
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves.append(curve)
        self._drawn = ()

    def draw(self, snapshot: Snapshot) -> None:
        """Feed each weight's curve from the snapshot's history."""
        history = snapshot.history
        x = history.sample_epochs()
        weights = history.weights
        if weights.shape[1] != len(self.curves):
            return
        for i, curve in enumerate(self.curves):
            curve.setData(x, weights[:, i])
        if len(x):
            self.follower.fit(0.0, float(x[-1]), *finite_bounds(weights))
        else:
            self.follower.fit(0.0, 1.0, -1.0, 1.0)
