"""Comparison of optimizers: per-epoch mean loss of each, all from the same initial
weights (the current seed's), trained in a worker thread so the window stays live.

The curves are drawn by :class:`gui.plots.compare_chart.CompareChart`, which also draws
``compare --plot`` on the command line; its drawing costs the same however many epochs
there are.  The plot is cleared when the graph, the data or the seed changes, since its
curves would describe something no longer shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.training.optimizers import OPTIMIZERS
from gui.formatting import short_number
from gui.plain_text import plain_label
from gui.plots.compare_chart import MAX_DOTS, CompareChart
from gui.plots.optimizer_choice import OptimizerChoice
from gui.session import Session
from gui.session.compare_worker import ComparedRun
from gui.theme import DEFAULT_THEME, Theme

__all__ = ["DEFAULT_CHOICE", "MAX_DOTS", "ComparePlot"]

DEFAULT_CHOICE = ("sgd", "momentum", "adam")


class ComparePlot(QWidget):
    """Optimizer check boxes, a Compare button and the epoch-loss curves."""

    def __init__(self, session: Session, parent: QWidget | None = None,
                 theme: Theme = DEFAULT_THEME) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = session.comparison
        self.theme = theme
        self.choose = OptimizerChoice(
            "compare", DEFAULT_CHOICE,
            lambda titles: f"Optimizers: {', '.join(titles) or 'none'} ▾")
        self.checks = self.choose.checks
        self.button = QPushButton("Compare")
        self.button.setObjectName("compare_button")
        self.button.setToolTip("Train the checked optimizers from the same initial weights")
        self.status = plain_label(QLabel())  # a failure may quote the data file
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.chart = CompareChart(y_label="loss", theme=theme)
        self.plot = self.chart.plot
        self.plot.setToolTip("Mean loss of each epoch, per optimizer")
        # A run that diverges reaches huge losses; a log axis keeps the others readable.
        self.log_scale = QCheckBox("log scale")
        self.log_scale.setObjectName("compare_log_scale")
        self.log_scale.toggled.connect(self.chart.set_log)
        top = QHBoxLayout()
        top.addWidget(self.choose, 1)
        top.addWidget(self.button)
        top.addWidget(self.log_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self.button.clicked.connect(self._on_compare)
        runner = self.runner
        runner.started.connect(self._on_started)
        runner.progressed.connect(self._on_progressed)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_stopped)
        runner.stopped.connect(self._on_stopped)
        runner.cleared.connect(self._on_cleared)

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        self.chart.set_theme(theme)

    @property
    def curves(self) -> dict[str, pg.PlotDataItem]:
        """Optimizer name -> its curve."""
        return self.chart.curves

    def chosen(self) -> list[str]:
        return self.choose.chosen()

    def set_chosen(self, names: Sequence[str]) -> None:
        self.choose.set_chosen(names)

    def _on_compare(self) -> None:
        if self.runner.running():
            self.runner.cancel()
            return
        self.runner.start(self.chosen())

    def _on_started(self, names: Sequence[str]) -> None:
        self.chart.add_curves([(name, OPTIMIZERS[name].title) for name in names])
        self.button.setText("Cancel")
        self.status.setText(f"Training {len(names)} optimizers from the same initial "
                            f"weights (seed {self.session.training.seed})…")

    def _on_progressed(self, name: str, epochs: int, losses: np.ndarray) -> None:
        if name in self.curves and epochs:
            self.chart.draw(name, losses)

    def _on_finished(self, runs: Sequence[ComparedRun]) -> None:
        notes = []
        for run in runs:
            if run.name in self.curves and run.epoch_loss.size:
                self.chart.draw(run.name, run.epoch_loss)
            if run.diverged:
                notes.append(f"{run.title} diverged")
        best = min((r for r in runs if not r.diverged and np.isfinite(r.final_loss)),
                   key=lambda r: r.final_loss, default=None)
        if best is not None:
            notes.insert(0, f"lowest final loss: {best.title} ({short_number(best.final_loss)})")
        self.status.setText("; ".join(notes) or "Done")
        self.button.setText("Compare")

    def _on_stopped(self, message: str) -> None:
        self.status.setText(message)
        self.button.setText("Compare")

    def _on_cleared(self, message: str) -> None:
        self.chart.remove_curves()
        self._on_stopped(message)

    def dot_count(self) -> int:
        """Dots drawn on all curves (0 for long curves, which are plain lines)."""
        return self.chart.dot_count()

    def curve_lengths(self) -> dict[str, int]:
        """Epochs drawn per curve."""
        return self.chart.curve_lengths()
