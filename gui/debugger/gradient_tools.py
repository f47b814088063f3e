"""The window's gradient tools, installed with one call: the gradient-check dock, the
"Check my backward…" command, and the verdict marks they put on the weight nodes.

The graph shows one set of marks at a time.  The gradient-check panel's verdicts tint the
weights while its dock is visible; a finished "Check my backward" replaces them with its
own marks (error size and worst sample on each wrong weight), which stay until they are
cleared or the graph changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from gui.debugger.backward_legend import BackwardLegend
from gui.debugger.check_backward import BackwardChecker, weight_marks
from gui.debugger.gradcheck_panel import GradCheckPanel
from gui.graph.verdict_mark import WeightMark

if TYPE_CHECKING:
    from core.backward_check.checker import BackwardCheckReport
    from gui.main_window import MainWindow


def debug_menu(window: MainWindow) -> QMenu:
    """The window's Debug menu, created before Help if it does not exist yet."""
    bar = window.menuBar()
    help_action: QAction | None = None
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Debug":
            return menu
        if action.text().replace("&", "") == "Help":
            help_action = action
    menu = QMenu("&Debug", window)
    menu.setObjectName("debug_menu")
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu


class GradientTools(QObject):
    """Owns the gradient-check panel and dock, the backward checker and the graph marks."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        training = window.session.training
        self.panel = GradCheckPanel()
        self.dock = QDockWidget("Gradient check", window)
        self.dock.setObjectName("gradient_check_dock")
        self.dock.setWidget(self.panel)
        # A tab beside the controls: the column's height holds every weight's row, and the
        # plots and the weights table keep their room.
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.controls_dock, self.dock)
        window.controls_dock.raise_()
        # The window's keymap actions (the attribute shadows QWidget.actions()).
        actions = cast("Mapping[str, QAction]", window.actions)
        actions["gradient_check"].setChecked(True)
        # The actions come from the window's keymap table (gui.keymap).
        self.dock_action = actions["gradient_check"]
        self.check_backward_action = actions["check_backward"]
        self.clear_marks_action = actions["clear_marks"]
        self.clear_marks_action.setEnabled(False)
        self.checker = BackwardChecker(window)
        self.legend = BackwardLegend(window.graph_view)
        menu = debug_menu(window)
        menu.addSeparator()
        menu.addAction(self.dock_action)
        menu.addAction(self.check_backward_action)
        menu.addAction(self.clear_marks_action)

        self._backward_marks: dict[str, WeightMark] | None = None
        training.snapshot_updated.connect(
            lambda snapshot: self.panel.show_snapshot(snapshot, window.session.play.running))
        training.graph_changed.connect(lambda _graph: self.clear_backward_marks())
        self.panel.verdicts_changed.connect(self._on_gradcheck_verdicts)
        self.dock.visibilityChanged.connect(self._on_dock_visibility)
        self.checker.started.connect(
            lambda path: window.statusBar().showMessage(f"Checking {path}…"))
        self.checker.finished.connect(self._on_backward_report)
        self.checker.failed.connect(
            lambda message: window.statusBar().showMessage(f"Cannot check: {message}"))
        self.panel.show_snapshot(training.snapshot())

    # -- commands -------------------------------------------------------------------------

    def show_panel(self, on: bool) -> None:
        """Show (and bring forward) or hide the gradient-check dock."""
        self.dock.setVisible(on)
        if on:
            self.dock.raise_()

    def check_my_backward(self) -> None:
        training = self.window.session.training
        self.checker.choose_and_run(training.graph, training.dataset,
                                    training.trainer.weights.tolist())

    def clear_backward_marks(self) -> None:
        self._backward_marks = None
        self.legend.hide_report()
        self.clear_marks_action.setEnabled(False)
        self._on_gradcheck_verdicts(self.panel.verdicts())

    # -- marks ----------------------------------------------------------------------------

    def _on_gradcheck_verdicts(self, verdicts: Mapping[str, str]) -> None:
        if self._backward_marks is not None:
            return  # the backward check's marks stay until cleared
        shown = self.dock.isVisible() and not self.dock.isHidden()
        marks = {name: WeightMark(v) for name, v in verdicts.items()} if shown else {}
        self.window.graph_view.set_verdict_marks(marks)

    def _on_dock_visibility(self, _visible: bool) -> None:
        shown = not self.dock.isHidden()
        if self.dock_action.isChecked() != shown:
            self.dock_action.blockSignals(True)
            self.dock_action.setChecked(shown)
            self.dock_action.blockSignals(False)
        self._on_gradcheck_verdicts(self.panel.verdicts())

    def _on_backward_report(self, report: BackwardCheckReport) -> None:
        if tuple(f.name for f in report.weights) != self.window.session.training.graph.weights:
            return  # the graph changed while the check ran
        self._backward_marks = weight_marks(report)
        self.clear_marks_action.setEnabled(True)
        self.window.graph_view.set_verdict_marks(self._backward_marks)
        graph = self.window.session.training.graph
        self.legend.show_report(report, {w: graph[w].label for w in graph.weights})
        flagged = ", ".join(report.flagged) or "none"
        self.window.statusBar().showMessage(f"Backward check: wrong weights {flagged}")

    def shutdown(self) -> None:
        """Stop a running check: its process is killed, its thread joined."""
        self.checker.cancel()
