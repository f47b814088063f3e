"""The Sweep tab: final loss against the learning rate, one curve per optimizer.

Every run of a sweep starts from the session's current graph, data, initial weights and
hyperparameters; only the optimizer and the learning rate differ (log-spaced from lr min to
lr max, both included).  The sweep runs in a worker thread
(:class:`gui.geometry.sweep_runner.SweepRunner`) so the window keeps answering.

The plot is log-log.  A run that diverged has no final loss to draw: it is marked ✕ in its
optimizer's colour on a row above every finite loss, at its learning rate; its tooltip names
the node and the step where it diverged.  Each optimizer's lowest final loss is marked ★
and stated above the plot.  With held-out rows, a dotted curve gives their loss at each
run's final weights.  While a sweep runs, dashed curves show every run's mean loss of the
newest finished epoch.  Hovering a point shows its run; clicking it trains the session
with that run's optimizer and learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.inputs import NumberError, parse_number
from core.training.hyperparameters import HyperparameterError
from core.training.optimizers import OPTIMIZERS
from core.training.sweep import MAX_RUNS, SweepError, SweepResult, SweepRun, learning_rates
from gui.formatting import short_number
from gui.geometry.sweep_runner import SweepRunner
from gui.geometry.sweep_worker import SweepRequest
from gui.plain_text import plain_label, tooltip_text
from gui.plots.optimizer_choice import OptimizerChoice
from gui.plots.style import RangeFollower, finite_bounds, new_plot, style_plot
from gui.session.training_session import TrainingSession
from gui.theme import DEFAULT_THEME, Theme

__all__ = ["DEFAULT_CHOICE", "SweepTab", "install_sweep_tab"]

#: Optimizers checked when the tab opens.
DEFAULT_CHOICE = ("sgd", "adam")
#: Learning rates per optimizer, and their range, when the tab opens.
DEFAULT_RUNS = 30
DEFAULT_LR_MIN = 1e-4
DEFAULT_LR_MAX = 1.0
#: The row of diverged marks sits this many decades above the largest finite loss.
DIVERGED_ROW = 0.3
#: Marker sizes at text scale 1.
POINT_SIZE = 7
BEST_SIZE = 16
DIVERGED_SIZE = 11
#: Width of the column of controls at most, in pixels at text scale 1.
CONTROLS_WIDTH = 170
#: The plot's tooltip away from its points.
PLOT_HINT = ("Final loss of each run against its learning rate (✕: diverged, ★: best). "
             "Hover a point for its run; click it to train with its optimizer and lr.")


def format_divergence(diverged: Mapping[str, Any], epochs: int | None = None) -> str:
    """Where a run diverged, counted as everywhere else (steps and samples from 0, epochs
    from 1), and what became non-finite (the core's ``detail``, naming the node as the
    graph shows it)."""
    of = f" of {epochs}" if epochs else ""
    epoch = diverged.get("epoch")
    where = [f"step {diverged.get('step')}"]
    if isinstance(epoch, int):
        where.append(f"epoch {epoch + 1}{of}")
    where.append(f"sample {diverged.get('sample')}")
    detail = diverged.get("detail") or f"{diverged.get('node')} became non-finite"
    return f"Diverged at {where[0]} ({', '.join(where[1:])}): {detail}"


def describe_run(run: SweepRun, epochs: int | None = None) -> str:
    """A run in a few lines: optimizer and lr, its losses, where it diverged."""
    title = optimizer_title(run.optimizer)
    lines = [f"{title}, lr {short_number(run.lr)}"]
    if run.diverged is not None:
        lines.append(format_divergence(run.diverged, epochs))
        lines.append(f"loss before it diverged {short_number(run.final_loss)}")
    else:
        lines.append(f"final loss {short_number(run.final_loss)}")
    if run.holdout_loss is not None:
        lines.append(f"held-out loss {short_number(run.holdout_loss)}")
    if run.epoch_loss:
        first, last = (short_number(run.epoch_loss[k]) for k in (0, -1))
        lines.append(f"epoch losses {first} … {last}" if len(run.epoch_loss) > 1
                     else f"epoch loss {first}")
    lines.append(f"Click: train with {title} at lr {short_number(run.lr)}")
    return "\n".join(lines)


def optimizer_title(name: str) -> str:
    """An optimizer as people read it (``Adam``)."""
    return OPTIMIZERS[name].title if name in OPTIMIZERS else name


def best_runs(result: SweepResult) -> dict[str, SweepRun | None]:
    """Per optimizer (in the sweep's order) its run of lowest finite final loss among the
    runs that did not diverge (``None`` when every run diverged)."""
    best: dict[str, SweepRun | None] = {}
    for run in result.runs:
        best.setdefault(run.optimizer, None)
        if run.diverged is not None or not math.isfinite(run.final_loss):
            continue
        current = best[run.optimizer]
        if current is None or run.final_loss < current.final_loss:
            best[run.optimizer] = run
    return best


class SweepTab(QWidget):
    """Controls for a learning-rate sweep and its plot.

    Parameters
    ----------
    session
        The training session: what is swept, and what a click on a point changes.
    theme
        Colours and text size.
    runner
        The sweep runner (default: a new one on ``session``, owned by the tab).

    Attributes
    ----------
    result
        The sweep shown (``None`` before the first).
    curves, diverged_marks, best_marks
        Optimizer name -> its curve (runs that did not diverge), its ✕ marks and its ★.
    """

    def __init__(self, session: TrainingSession, theme: Theme = DEFAULT_THEME,
                 parent: QWidget | None = None, runner: SweepRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweep_tab")
        self.session = session
        self.theme = theme
        self.runner = runner or SweepRunner(session, self)
        self.result: SweepResult | None = None
        self.request: SweepRequest | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.diverged_marks: dict[str, pg.PlotDataItem] = {}
        self.best_marks: dict[str, pg.PlotDataItem] = {}
        #: With held-out rows: optimizer name -> its dotted curve of their final loss.
        self.holdout_curves: dict[str, pg.PlotDataItem] = {}
        #: While a sweep runs: optimizer name -> its dashed curve of the newest epoch's
        #: mean loss per learning rate.
        self.live: dict[str, pg.PlotDataItem] = {}
        self._live_rates = np.empty(0)
        self._live_epochs = 0
        #: The epoch the dashed curves show (from 1; 0: none).
        self.live_epoch = 0
        #: The plot's tooltip: the hovered runs, else a hint.
        self.hover_text = PLOT_HINT

        self.choose = OptimizerChoice(
            "sweep", DEFAULT_CHOICE, lambda titles: f"{', '.join(titles) or 'no optimizer'} ▾",
            tooltip="Optimizers to sweep: ")
        self.checks = self.choose.checks
        self.lr_min = self._lr_field("sweep_lr_min", DEFAULT_LR_MIN, "smallest learning rate")
        self.lr_max = self._lr_field("sweep_lr_max", DEFAULT_LR_MAX, "largest learning rate")
        self.runs = QSpinBox()
        self.runs.setObjectName("sweep_runs")
        self.runs.setRange(2, MAX_RUNS)
        self.runs.setValue(DEFAULT_RUNS)
        self.runs.setToolTip("Learning rates per optimizer, log-spaced from min to max")
        self.epochs = QSpinBox()
        self.epochs.setObjectName("sweep_epochs")
        self.epochs.setRange(0, 100_000)
        self.epochs.setValue(0)
        self.epochs.setToolTip("Epochs per run (the lowest value: as many as training has)")
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("sweep_run")
        self.run_button.setToolTip("Train every checked optimizer at every learning rate, "
                                   "all from the current initial weights")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("sweep_cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("sweep_progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress.setVisible(False)
        self.status = plain_label(QLabel())  # a failure may quote the data file
        self.status.setObjectName("sweep_status")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.best_label = QLabel()  # rich text: names are escaped
        self.best_label.setObjectName("sweep_best")
        self.best_label.setTextFormat(Qt.TextFormat.RichText)
        self.best_label.setWordWrap(True)
        self.best_label.setVisible(False)
        self._label_font = QFont(self.best_label.font())
        self.summary = plain_label(QLabel())
        self.summary.setObjectName("sweep_summary")
        self.summary.setVisible(False)

        self.plot = new_plot("", "learning rate", "final loss", theme)
        self.plot.setObjectName("sweep_plot")
        item = self.plot.getPlotItem()
        item.setLogMode(x=True, y=True)
        self._range = RangeFollower(item)
        # The row of diverged runs, set apart by a dotted line: its height is no loss.
        self.diverged_line = pg.InfiniteLine(angle=0, movable=False)
        self.diverged_line.setZValue(-1)
        self.diverged_line.setVisible(False)
        item.addItem(self.diverged_line, ignoreBounds=True)
        # An empty log plot would show one decade's 2, 3, ... 9: show the default range.
        self._range.fit(math.log10(DEFAULT_LR_MIN), math.log10(DEFAULT_LR_MAX), -3.0, 1.0)
        self.plot.getViewBox().setToolTip(PLOT_HINT)

        # Controls in a column at the left, the plot at the right: at 1024x768 the plots
        # dock is about 400x160, and rows of controls above the plot left it no height.
        lr_row = QHBoxLayout()
        lr_row.setSpacing(2)
        lr_row.addWidget(self.lr_min, 1)
        lr_row.addWidget(QLabel("–"))
        lr_row.addWidget(self.lr_max, 1)
        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(4)
        form.setVerticalSpacing(2)
        rows: list[tuple[str, QWidget, QWidget | QHBoxLayout]] = [
            ("lr", self.lr_min, lr_row), ("runs", self.runs, self.runs),
            ("epochs", self.epochs, self.epochs)]
        for row, (text, buddy, field) in enumerate(rows):
            label = QLabel(text)
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            label.setBuddy(buddy)
            form.addWidget(label, row, 0)
            if isinstance(field, QHBoxLayout):
                form.addLayout(field, row, 1)
            else:
                form.addWidget(field, row, 1)
        form.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.choose)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.summary)
        column.addStretch(1)
        controls = QWidget()
        controls.setObjectName("sweep_controls")
        controls.setLayout(column)
        controls.setMaximumWidth(CONTROLS_WIDTH)
        view = QVBoxLayout()
        view.setSpacing(0)
        view.addWidget(self.status)
        view.addWidget(self.best_label)
        view.addWidget(self.plot, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(4)
        layout.addWidget(controls)
        layout.addLayout(view, 1)

        self._show_epochs(session.epochs)
        session.epochs_changed.connect(self._show_epochs)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.runner.cancel)
        runner = self.runner
        runner.started.connect(self._on_started)
        runner.progressed.connect(self._on_progressed)
        runner.epoch_finished.connect(self._on_epoch_finished)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.stopped.connect(self._on_stopped)
        runner.outdated.connect(self._on_outdated)
        self.status.setText("Choose optimizers and an lr range, then Run.")
        self.set_theme(theme)

    def _lr_field(self, name: str, value: float, what: str) -> QLineEdit:
        field = QLineEdit(f"{value:g}")
        field.setObjectName(name)
        field.setToolTip(f"The {what} (a positive number, such as 1e-4)")
        field.returnPressed.connect(self.start)
        return field

    # -- controls ------------------------------------------------------------------------

    def chosen(self) -> list[str]:
        """The checked optimizers, in the registry's order."""
        return self.choose.chosen()

    def set_chosen(self, names: Sequence[str]) -> None:
        self.choose.set_chosen(names)

    def _show_epochs(self, epochs: int) -> None:
        self.epochs.setSpecialValueText(f"= training ({epochs})")

    def read_request(self) -> SweepRequest | str:
        """The sweep the controls ask for, or a one-line message naming what is wrong."""
        bounds = []
        for what, field in (("lr min", self.lr_min), ("lr max", self.lr_max)):
            try:
                bounds.append(parse_number(field.text(), what, finite=False))
            except NumberError as error:
                return f"{error} (a number such as 1e-3)"
        low, high = bounds
        try:
            learning_rates(low, high, self.runs.value())  # the sweep's own rules
        except SweepError as error:
            return str(error)
        chosen = self.chosen()
        if not chosen:
            return "Check at least one optimizer to sweep."
        epochs = self.epochs.value()
        return SweepRequest(tuple(chosen), low, high, self.runs.value(),
                            None if epochs == 0 else epochs)

    def start(self) -> None:
        """Run the sweep the controls describe (a message says what is wrong instead)."""
        request = self.read_request()
        if isinstance(request, str):
            self._set_status(request, warning=True)
            return
        self.runner.start(request)

    # -- the runner's signals ------------------------------------------------------------

    def _set_status(self, text: str, *, warning: bool = False) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.setProperty("role", "warning" if warning else "muted")
        # A dynamic property is applied by polishing again.
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)

    def _on_started(self, request: SweepRequest) -> None:
        self._set_running(True)
        self.progress.setValue(0)
        epochs = self.session.epochs if request.epochs is None else request.epochs
        total = request.runs * len(request.optimizers)
        self.progress.setFormat(f"{total} runs: %p%")
        self._set_status(f"Sweeping {total} runs of {epochs} epochs from lr "
                         f"{request.lr_min:g} to {request.lr_max:g}…")
        self._start_live(request, epochs)

    def _on_progressed(self, fraction: float) -> None:
        self.progress.setValue(round(1000 * min(1.0, max(0.0, fraction))))

    def _start_live(self, request: SweepRequest, epochs: int) -> None:
        """Dashed curves for the sweep now running, fed after each epoch."""
        self._remove_live()
        # The runs' order: optimizer by optimizer, learning rates ascending.
        self._live_rates = learning_rates(request.lr_min, request.lr_max, request.runs)
        self._live_epochs = epochs
        item = self.plot.getPlotItem()
        for name in request.optimizers:
            curve = pg.PlotDataItem(connect="finite")
            curve.setZValue(0)
            item.addItem(curve)
            self.live[name] = curve
        self._colour_live()
        if self.result is None:
            low, high = (math.log10(request.lr_min), math.log10(request.lr_max))
            self._range.following = True
            self._range.fit(low, high, -3.0, 1.0)

    def _colour_live(self) -> None:
        for i, curve in enumerate(self.live.values()):
            curve.setPen(pg.mkPen(self.theme.line_colour(i), width=2 * self.theme.text_scale,
                                  style=Qt.PenStyle.DashLine))

    def _on_epoch_finished(self, epoch: int, means: np.ndarray) -> None:
        """Draw every run's mean loss of epoch ``epoch`` (from 0) while the sweep runs."""
        rates = self._live_rates
        n = rates.size
        if not self.live or means.size != n * len(self.live):
            return
        for k, curve in enumerate(self.live.values()):
            y = np.asarray(means[k * n:(k + 1) * n], dtype=float)
            curve.setData(rates, np.where(np.isfinite(y) & (y > 0), y, np.nan))
        self.live_epoch = epoch + 1
        self._set_status(f"Epoch {epoch + 1} of {self._live_epochs} (dashed: each run's mean "
                         f"loss in it)…")
        if self.result is None:
            low, top = finite_bounds(means, log=True)
            if math.isfinite(low):
                x_low, x_high = finite_bounds(rates, log=True)
                pad = 0.05 * max(x_high - x_low, 1.0)
                self._range.fit(x_low - pad, x_high + pad, low - 0.1, top + 0.1)

    def _remove_live(self) -> None:
        item = self.plot.getPlotItem()
        for curve in self.live.values():
            item.removeItem(curve)
        self.live = {}
        self.live_epoch = 0

    def _on_finished(self, result: SweepResult, request: SweepRequest) -> None:
        self._set_running(False)
        self._remove_live()
        self.show_result(result, request)
        self._set_status("")

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self._remove_live()
        self._set_status(f"Sweep failed: {message}", warning=True)

    def _on_stopped(self, message: str, stale: bool) -> None:
        self._set_running(False)
        self._remove_live()
        if stale:
            self.clear()
        elif self.result is not None:
            message += ": the plot still shows the previous sweep"
        self._set_status(message + ("" if message.endswith(".") else "."), warning=stale)
        self.session.report(message)

    def _on_outdated(self, message: str) -> None:
        self.clear()
        self._set_status(message, warning=True)

    # -- drawing -------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove the shown sweep."""
        item = self.plot.getPlotItem()
        for items in (self.curves, self.holdout_curves, self.diverged_marks,
                      self.best_marks):
            for curve in items.values():
                item.removeItem(curve)
            items.clear()
        self.diverged_line.setVisible(False)
        self.result = self.request = None
        self.best_label.clear()
        self.best_label.setVisible(False)
        self.summary.clear()
        self.summary.setVisible(False)
        self.plot.getViewBox().setToolTip(PLOT_HINT)
        self.hover_text = PLOT_HINT

    def show_result(self, result: SweepResult, request: SweepRequest | None = None) -> None:
        """Draw ``result``: a curve per optimizer, ✕ for diverged runs, ★ for the best."""
        self.clear()
        self.result, self.request = result, request
        item = self.plot.getPlotItem()
        names = list(dict.fromkeys(run.optimizer for run in result.runs))
        drawn = [(run.final_loss, run.holdout_loss) for run in result.runs
                 if run.diverged is None]
        finite = np.array([loss for pair in drawn for loss in pair if loss is not None],
                          dtype=float)
        _, top = finite_bounds(finite, log=True)
        row = 10.0 ** ((top if math.isfinite(top) else 0.0) + DIVERGED_ROW)
        if any(run.diverged is not None for run in result.runs):
            self.diverged_line.setValue(math.log10(row))  # view coordinates are log10
            self.diverged_line.setVisible(True)
        for i, name in enumerate(names):
            style = self._styles(i)
            indices = [k for k, run in enumerate(result.runs) if run.optimizer == name]
            indices.sort(key=lambda k: result.runs[k].lr)
            kept = [k for k in indices if result.runs[k].diverged is None]
            lost = [k for k in indices if result.runs[k].diverged is not None]
            self.curves[name] = self._points(
                item, kept, [result.runs[k].final_loss for k in kept], style["curve"], 1)
            self.diverged_marks[name] = self._points(item, lost, [row] * len(lost),
                                                     style["diverged"], 2)
            held = [k for k in kept if result.runs[k].holdout_loss is not None]
            if held:
                # The held-out rows' loss at the same final weights, dotted.
                losses = [result.runs[k].holdout_loss or math.nan for k in held]
                self.holdout_curves[name] = self._points(item, held, losses,
                                                         style["holdout"], 0)
            best = best_runs(result)[name]
            chosen = [k for k in kept if result.runs[k] is best]
            self.best_marks[name] = self._points(
                item, chosen, [best.final_loss] if best else [], style["best"], 3)
        self._show_best()
        self._fit(row)

    def _styles(self, i: int) -> dict[str, dict[str, Any]]:
        """The i-th optimizer's looks: its curve, held-out curve, ✕ marks and ★."""
        theme = self.theme
        scale = theme.text_scale
        colour = theme.line_colour(i)
        brush = pg.mkBrush(colour)
        return {
            "curve": {"pen": pg.mkPen(colour, width=2.5 * scale), "symbol": "o",
                      "symbolSize": POINT_SIZE * scale, "symbolBrush": brush,
                      "symbolPen": None},
            "holdout": {"pen": pg.mkPen(colour, width=1.5 * scale,
                                        style=Qt.PenStyle.DotLine),
                        "symbol": "o", "symbolSize": POINT_SIZE * scale,
                        "symbolBrush": None, "symbolPen": pg.mkPen(colour, width=1.5)},
            "diverged": {"pen": None, "symbol": "x", "symbolSize": DIVERGED_SIZE * scale,
                         "symbolBrush": brush, "symbolPen": pg.mkPen(colour, width=1)},
            "best": {"pen": None, "symbol": "star", "symbolSize": BEST_SIZE * scale,
                     "symbolBrush": brush,
                     "symbolPen": pg.mkPen(theme.plot_foreground, width=1.5)},
        }

    def _points(self, item: pg.PlotItem, indices: list[int], losses: list[float],
                style: dict[str, Any], z: float) -> pg.PlotDataItem:
        """A curve through runs ``indices`` (into the result) at ``losses``, drawn as
        ``style`` says, above items of lower ``z``; each point's data is its run's index,
        for hovering and clicking."""
        assert self.result is not None
        lrs = np.array([self.result.runs[i].lr for i in indices], dtype=float)
        y = np.array(losses, dtype=float)
        # Zero has no logarithm; a loss of exactly zero sits on the floor of the axis.
        y = np.where(np.isfinite(y), np.maximum(y, 1e-300), np.nan)
        curve = pg.PlotDataItem(lrs, y, data=list(indices), connect="finite", **style)
        curve.setZValue(z)
        scatter = curve.scatter
        scatter.opts["hoverable"] = True
        scatter.opts["tip"] = None  # the tooltip is set in _on_hovered
        item.addItem(curve)
        scatter.sigHovered.connect(self._on_hovered)
        curve.sigPointsClicked.connect(self._on_clicked)
        return curve

    def _colour_guide(self) -> None:
        theme = self.theme
        self.diverged_line.setPen(pg.mkPen(theme.muted_text, width=1,
                                           style=Qt.PenStyle.DotLine))

    def best_text(self) -> list[str]:
        """The best-lr line of each optimizer, as the label above the plot states it."""
        if self.result is None:
            return []
        lines = []
        for name, best in best_runs(self.result).items():
            title = optimizer_title(name)
            if best is None:
                lines.append(f"{title}: every run diverged")
            else:
                # The held-out loss is in the star's tooltip: at 1024x768 a longer line
                # wraps and takes the plot's height.
                lines.append(f"{title}: best lr {short_number(best.lr, 3)}, "
                             f"loss {short_number(best.final_loss, 3)}")
        return lines

    def _show_best(self) -> None:
        lines = self.best_text()
        parts = [f"<span style='color:{self.theme.line_colour(i)}'><b>★</b></span>&nbsp;"
                 f"{escape(line)}" for i, line in enumerate(lines)]
        assert self.result is not None
        diverged = sum(run.diverged is not None for run in self.result.runs)
        summary = f"{len(self.result.runs)} runs, " + (
            f"✕ {diverged} diverged" if diverged else "none diverged")
        if self.holdout_curves:
            summary += "\n○ dotted: held-out rows"
        self.summary.setText(summary)
        self.summary.setVisible(True)
        self.best_label.setText("<br>".join(parts))
        self.best_label.setVisible(bool(parts))

    def _fit(self, row: float) -> None:
        assert self.result is not None
        lrs = np.array([run.lr for run in self.result.runs], dtype=float)
        x_low, x_high = finite_bounds(lrs, log=True)
        losses = [np.asarray(c.getOriginalDataset()[1], dtype=float)
                  for c in (*self.curves.values(), *self.holdout_curves.values())
                  if c.getOriginalDataset()[1] is not None]
        y_low, y_high = finite_bounds(*losses, np.array([row]), log=True)
        if not math.isfinite(x_low) or not math.isfinite(y_low):
            return
        pad = 0.05 * max(x_high - x_low, 1.0)
        self._range.following = True
        self._range.fit(x_low - pad, x_high + pad, y_low - 0.1, y_high + 0.1)

    # -- hovering and clicking -----------------------------------------------------------

    def _run_at(self, point: pg.SpotItem) -> SweepRun | None:
        index = point.data()
        if self.result is None or not isinstance(index, int | np.integer):
            return None
        return self.result.runs[int(index)]

    def _on_hovered(self, _scatter: pg.ScatterPlotItem, points: Sequence[pg.SpotItem],
                    _event: object) -> None:
        runs = [run for run in (self._run_at(p) for p in list(points)[:3]) if run]
        epochs = self.result.epochs if self.result is not None else None
        text = "\n\n".join(describe_run(run, epochs) for run in runs) or PLOT_HINT
        if text != self.hover_text:
            self.hover_text = text
            self.plot.getViewBox().setToolTip(tooltip_text(text))

    def _on_clicked(self, _curve: pg.PlotDataItem, points: Sequence[pg.SpotItem],
                    _event: object) -> None:
        runs = [run for run in (self._run_at(p) for p in list(points)[:1]) if run]
        if runs:
            self.apply_run(runs[0])

    def apply_run(self, run: SweepRun) -> None:
        """Train the session with ``run``'s optimizer, learning rate and the other
        hyperparameters the sweep gave it; the status bar says what happened."""
        session = self.session
        used = self.result.hyperparameters if self.result is not None else None
        values = dict((used or {}).get(run.optimizer, {}))
        values["lr"] = run.lr
        title = optimizer_title(run.optimizer)
        started = session.trainer.cursor.step > 0
        try:
            session.set_optimizer(run.optimizer, values)
        except HyperparameterError as error:
            message = f"Cannot train with {title} at lr {short_number(run.lr)}: {error}"
            session.report(message)
            self._set_status(message, warning=True)
            return
        message = f"From the sweep: training with {title} at lr {short_number(run.lr)}"
        if started:
            message += (" from the current weights (Reset to start from the initial weights, "
                        "as the sweep did)")
        else:
            message += "; press Play to train"
        session.report(message)
        self._set_status(message + ".")

    # -- looks ---------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        # The best lrs are the plot's legend: their text grows with the plot's.
        font = QFont(self._label_font)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * theme.text_scale)
        else:
            font.setPixelSize(round(font.pixelSize() * theme.text_scale))
        self.best_label.setFont(font)
        self._colour_live()
        self._colour_guide()
        if self.result is not None:
            self.show_result(self.result, self.request)

    def shutdown(self) -> None:
        """Stop the running sweep and wait for its thread (the window is closing)."""
        self.runner.shutdown()


def install_sweep_tab(tabs: QTabWidget, session: TrainingSession,
                      theme: Theme = DEFAULT_THEME) -> SweepTab:
    """Add a Sweep tab to ``tabs`` and return it."""
    tab = SweepTab(session, theme)
    tabs.addTab(tab, "Sweep")
    return tab
