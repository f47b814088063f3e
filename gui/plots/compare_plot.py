"""Comparison of optimizers: per-epoch mean loss of each, all from the same initial
weights (the current seed's), trained in a worker thread so the window stays live.

Drawing costs the same however many epochs there are: a dot marks each epoch only while
there are few (:data:`MAX_DOTS`); beyond that the curves are lines that pyqtgraph clips to
the view and thins to the screen's pixels.  The plot is cleared when the graph, the data
or the seed changes, since its curves would describe something no longer shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.training.optimizers import OPTIMIZERS
from gui.plots.loss_plot import LOG_FLOOR
from gui.plots.style import new_plot, set_legend, style_plot
from gui.session import Session
from gui.session.compare_worker import ComparedRun
from gui.theme import DEFAULT_THEME, Theme

DEFAULT_CHOICE = ("sgd", "momentum", "adam")
#: Epochs marked with a dot at most; longer curves are plain lines.
MAX_DOTS = 60


class ComparePlot(QWidget):
    """Optimizer check boxes, a Compare button and the epoch-loss curves."""

    def __init__(self, session: Session, parent: QWidget | None = None,
                 theme: Theme = DEFAULT_THEME) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = session.comparison
        self.theme = theme
        # The optimizers are a menu on one button, so that the plot keeps the height
        # (a grid of seven check boxes left it none at 1024x768).
        self.choose = QToolButton()
        self.choose.setObjectName("compare_choose")
        self.choose.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.choose)
        self.checks: dict[str, QAction] = {}
        for name, cls in OPTIMIZERS.items():
            check = menu.addAction(cls.title)
            check.setObjectName(f"compare_{name}")
            check.setCheckable(True)
            check.setChecked(name in DEFAULT_CHOICE)
            check.toggled.connect(self._show_choice)
            self.checks[name] = check
        self.choose.setMenu(menu)
        self.button = QPushButton("Compare")
        self.button.setObjectName("compare_button")
        self.button.setToolTip("Train the checked optimizers from the same initial weights")
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.plot = new_plot("", "epoch", "loss", theme)
        self.plot.setToolTip("Mean loss of each epoch, per optimizer")
        self.plot.getPlotItem().setLogMode(y=False)
        # A run that diverges reaches huge losses; a log axis keeps the others readable.
        self.log_scale = QCheckBox("log scale")
        self.log_scale.setObjectName("compare_log_scale")
        self.log_scale.toggled.connect(self._on_log_scale)
        self._losses: dict[str, np.ndarray] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
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
        self._show_choice()
        self.button.clicked.connect(self._on_compare)
        runner = self.runner
        runner.started.connect(self._on_started)
        runner.progressed.connect(self._on_progressed)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_stopped)
        runner.stopped.connect(self._on_stopped)
        runner.cleared.connect(self._on_cleared)

    def _show_choice(self) -> None:
        titles = [OPTIMIZERS[name].title for name in self.chosen()]
        self.choose.setText(f"Optimizers: {', '.join(titles) or 'none'} ▾")

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        for i, curve in enumerate(self.curves.values()):
            self._colour_curve(curve, i)
        self._show_legend()

    def _colour_curve(self, curve: pg.PlotDataItem, i: int) -> None:
        colour = self.theme.line_colour(i)
        curve.setPen(pg.mkPen(colour, width=3 * self.theme.text_scale))
        curve.setSymbolBrush(colour)
        curve.setSymbolSize(6 * self.theme.text_scale)

    def _show_legend(self) -> None:
        set_legend(self.plot, [("━●━", self.theme.line_colour(i), OPTIMIZERS[name].title)
                               for i, name in enumerate(self.curves)], self.theme)

    def chosen(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.isChecked()]

    def set_chosen(self, names: Sequence[str]) -> None:
        for name, check in self.checks.items():
            check.setChecked(name in names)

    def _on_compare(self) -> None:
        if self.runner.running():
            self.runner.cancel()
            return
        self.runner.start(self.chosen())

    def _remove_curves(self) -> None:
        item = self.plot.getPlotItem()
        for curve in self.curves.values():
            item.removeItem(curve)
        self.curves = {}
        self._losses = {}

    def _on_started(self, names: Sequence[str]) -> None:
        self._remove_curves()
        item = self.plot.getPlotItem()
        for i, name in enumerate(names):
            curve = item.plot(symbolPen=None, name=OPTIMIZERS[name].title, connect="finite")
            self._colour_curve(curve, i)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves[name] = curve
        self._show_legend()
        self.button.setText("Cancel")
        self.status.setText(f"Training {len(names)} optimizers from the same initial "
                            f"weights (seed {self.session.training.seed})…")

    def _on_progressed(self, name: str, epochs: int, losses: np.ndarray) -> None:
        if name in self.curves and epochs:
            self._draw(name, losses)

    def _on_finished(self, runs: Sequence[ComparedRun]) -> None:
        notes = []
        for run in runs:
            if run.name in self.curves and run.epoch_loss.size:
                self._draw(run.name, run.epoch_loss)
            if run.diverged:
                notes.append(f"{run.title} diverged")
        best = min((r for r in runs if not r.diverged and np.isfinite(r.final_loss)),
                   key=lambda r: r.final_loss, default=None)
        if best is not None:
            notes.insert(0, f"lowest final loss: {best.title} ({best.final_loss:.4g})")
        self.status.setText("; ".join(notes) or "Done")
        self.button.setText("Compare")

    def _draw(self, name: str, losses: np.ndarray) -> None:
        self._losses[name] = np.asarray(losses, dtype=float)
        y = self._losses[name]
        if self.log_scale.isChecked():
            y = np.maximum(y, LOG_FLOOR)  # a loss of exactly 0 has no logarithm
        curve = self.curves[name]
        dots = "o" if y.size <= MAX_DOTS else None
        if curve.opts["symbol"] != dots:
            curve.setSymbol(dots)
        curve.setData(np.arange(1, y.size + 1, dtype=float), y)

    def _on_log_scale(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
        for name, losses in list(self._losses.items()):
            self._draw(name, losses)

    def _on_stopped(self, message: str) -> None:
        self.status.setText(message)
        self.button.setText("Compare")

    def _on_cleared(self, message: str) -> None:
        self._remove_curves()
        self._on_stopped(message)

    def dot_count(self) -> int:
        """Dots drawn on all curves (0 for long curves, which are plain lines)."""
        total = 0
        for curve in self.curves.values():
            if curve.opts["symbol"] is not None:
                x, _ = curve.getOriginalDataset()
                total += 0 if x is None else len(x)
        return total

    def curve_lengths(self) -> dict[str, int]:
        result = {}
        for name, curve in self.curves.items():
            x, _ = curve.getOriginalDataset()
            result[name] = 0 if x is None else len(x)
        return result
