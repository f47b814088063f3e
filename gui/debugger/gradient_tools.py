"""The gradient tools: the gradient-check panel and its dock, the "Check my backward…"
command, and the verdict marks they put on the weight nodes.

The graph shows one set of marks at a time.  The gradient-check panel's verdicts tint the
weights while its dock is visible; a finished "Check my backward" replaces them with its
own marks (error size and worst sample on each wrong weight), which stay until they are
cleared or the graph changes.

The tools get the few things they use (the session, the graph view, three actions of the
keymap, a status line), not the window; the window places :attr:`GradientTools.dock`
and puts the actions in its Debug menu.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QWidget

from gui.debugger.backward_legend import BackwardLegend
from gui.debugger.check_backward import BackwardChecker, weight_marks
from gui.debugger.gradcheck_panel import GradCheckPanel
from gui.graph.verdict_mark import WeightMark

if TYPE_CHECKING:
    from core.backward_check.checker import BackwardCheckReport
    from gui.graph.view import GraphView
    from gui.session import Session

#: The keymap's actions the tools own (:mod:`gui.keymap`): show the dock, run a backward
#: check, clear its marks.
ACTIONS = ("gradient_check", "check_backward", "clear_marks")


class GradientTools(QObject):
    """Owns the gradient-check panel and dock, the backward checker and the graph marks.

    Parameters
    ----------
    session
        The session: its training's snapshots and graph, whether it plays.
    graph_view
        Where the verdict marks and the backward check's legend are drawn.
    actions
        The keymap's actions, by name; the tools use those of :data:`ACTIONS`.
    status
        Shows a line in the status bar.
    parent
        The dock's and the dialogs' parent widget.
    settings
        Where the backward check's folder is remembered (None: nowhere).
    """

    def __init__(self, session: Session, graph_view: GraphView,
                 actions: Mapping[str, QAction], status: Callable[[str], None],
                 parent: QWidget, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._graph_view = graph_view
        training = session.training
        self.panel = GradCheckPanel()
        self.dock = QDockWidget("Gradient check", parent)
        self.dock.setObjectName("gradient_check_dock")
        self.dock.setWidget(self.panel)
        actions["gradient_check"].setChecked(True)
        self.dock_action = actions["gradient_check"]
        self.check_backward_action = actions["check_backward"]
        self.clear_marks_action = actions["clear_marks"]
        self.clear_marks_action.setEnabled(False)
        self.checker = BackwardChecker(parent, settings)
        self.legend = BackwardLegend(graph_view)

        self._backward_marks: dict[str, WeightMark] | None = None
        training.snapshot_updated.connect(
            lambda snapshot: self.panel.show_snapshot(snapshot, session.play.running))
        training.graph_changed.connect(lambda _graph: self.clear_backward_marks())
        self.panel.verdicts_changed.connect(self._on_gradcheck_verdicts)
        self.dock.visibilityChanged.connect(self._on_dock_visibility)
        self.checker.started.connect(lambda path: status(f"Checking {path}…"))
        self.checker.finished.connect(self._on_backward_report)
        self.checker.failed.connect(lambda message: status(f"Cannot check: {message}"))
        self._status = status
        self.panel.show_snapshot(training.snapshot())

    @property
    def actions(self) -> tuple[QAction, ...]:
        """The tools' commands, in the order a menu lists them."""
        return (self.dock_action, self.check_backward_action, self.clear_marks_action)

    @property
    def backward_marks_shown(self) -> bool:
        """Whether the graph shows a backward check's marks (until they are cleared)."""
        return self._backward_marks is not None

    # -- commands -------------------------------------------------------------------------

    def show_panel(self, on: bool) -> None:
        """Show (and bring forward) or hide the gradient-check dock."""
        self.dock.setVisible(on)
        if on:
            self.dock.raise_()

    def check_my_backward(self) -> None:
        training = self._session.training
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
        self._graph_view.set_verdict_marks(marks)

    def _on_dock_visibility(self, _visible: bool) -> None:
        shown = not self.dock.isHidden()
        if self.dock_action.isChecked() != shown:
            self.dock_action.blockSignals(True)
            self.dock_action.setChecked(shown)
            self.dock_action.blockSignals(False)
        self._on_gradcheck_verdicts(self.panel.verdicts())

    def _on_backward_report(self, report: BackwardCheckReport) -> None:
        if tuple(f.name for f in report.weights) != self._session.training.graph.weights:
            return  # the graph changed while the check ran
        self._backward_marks = weight_marks(report)
        self.clear_marks_action.setEnabled(True)
        self._graph_view.set_verdict_marks(self._backward_marks)
        graph = self._session.training.graph
        self.legend.show_report(report, {w: graph[w].label for w in graph.weights})
        flagged = ", ".join(report.flagged) or "none"
        self._status(f"Backward check: wrong weights {flagged}")

    def shutdown(self) -> None:
        """Stop a running check: its process is killed, its thread joined."""
        self.checker.cancel()
