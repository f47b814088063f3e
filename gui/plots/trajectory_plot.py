"""Every weight over training: one curve per weight against epochs (fractional)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.bridge import TrainingBridge
from gui.plots.style import HistoryPlot, RangeFollower, colour, finite_bounds, new_plot


class TrajectoryPlot(HistoryPlot):
    """Weight trajectories, fed from the history's weight rows."""

    def __init__(self, bridge: TrainingBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.plot = new_plot("", "epoch", "weight value")
        self.curves: list[pg.PlotDataItem] = []
        self.follower = RangeFollower(self.plot.getPlotItem())
        self._legend = self.plot.getPlotItem().addLegend(offset=(-10, 10), colCount=3)
        self._legend.setLabelTextSize("10pt")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        bridge.graph_changed.connect(lambda _graph: self._rebuild())
        bridge.readouts_updated.connect(lambda _snapshot: self.refresh())
        self._rebuild()

    def _rebuild(self) -> None:
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self._legend.clear()
        graph = self.bridge.graph
        self.curves = []
        for i, weight in enumerate(graph.weights):
            curve = item.plot(pen=pg.mkPen(colour(i), width=2), name=graph[weight].label,
                              connect="finite")
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves.append(curve)
        self.redraw()

    def refresh(self) -> None:
        history = self.bridge.history
        if not self._changed((id(history), history.n_steps)):
            return
        x = history.sample_epochs()
        weights = history.weights()
        if weights.shape[1] != len(self.curves):
            return
        for i, curve in enumerate(self.curves):
            curve.setData(x, weights[:, i])
        if len(x):
            self.follower.fit(0.0, float(x[-1]), *finite_bounds(weights))
        else:
            self.follower.fit(0.0, 1.0, -1.0, 1.0)
