"""Every weight over training: one curve per weight against epochs (fractional)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.bridge import TrainingBridge
from gui.plot_style import colour, new_plot


class TrajectoryPlot(QWidget):
    """Weight trajectories, fed from the history's weight rows."""

    def __init__(self, bridge: TrainingBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.plot = new_plot("", "epoch", "weight value")
        self.curves: list[pg.PlotDataItem] = []
        self._legend = self.plot.getPlotItem().addLegend(offset=(-10, 10), colCount=3)
        self._legend.setLabelTextSize("10pt")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self._drawn = -1
        bridge.graph_changed.connect(lambda _graph: self._rebuild())
        bridge.snapshot_updated.connect(lambda _snapshot: self.refresh())
        bridge.model_reset.connect(self.refresh)
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
        self._drawn = -1
        self.refresh()

    def refresh(self) -> None:
        history = self.bridge.history
        if history.n_steps == self._drawn:
            return
        self._drawn = history.n_steps
        x = history.sample_epochs()
        weights = history.weights()
        if weights.shape[1] != len(self.curves):
            return
        for i, curve in enumerate(self.curves):
            curve.setData(x, weights[:, i])
