"""What the graph shows: the newest snapshot's pass, or, while stepping, the stepper's
partial picture (the active node and edge, the chain-rule note), its caption above the
graph and the first non-finite value marked.

:class:`StepDisplay` gets the stepper, the graph view, the caption bar, the inspector's
feed, the status bar and the stepping command, not the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from core.debugger.stepper import StepPosition
    from gui.debugger.caption_bar import CaptionBar
    from gui.debugger.inspector_feed import InspectorFeed
    from gui.debugger.stepping import SteppingController
    from gui.graph.view import GraphView
    from gui.session.training_session import TrainingSession
    from gui.snapshot import Snapshot
    from gui.status_line import StatusBar

#: The status bar's hint while stepping.
STEPPING_HINT = "Stepping: ←/→ node, Home/End pass, Shift+→ phase, Tab inspect, D leaves"


class StepDisplay:
    """Draws the training's snapshots, or the stepper's position while it steps.

    Parameters
    ----------
    training
        The training session whose newest snapshot is drawn when stepping ends.
    stepping
        The stepper: its plan, where it is, the first non-finite value it met.
    graph_view, caption_bar
        Where the pass and the stepper's caption are drawn.
    inspector_feed
        Kept current with what the graph shows.
    status_bar
        Shows the stepping hint.
    action
        The stepping command (D), kept checked while stepping.
    """

    def __init__(self, training: TrainingSession, stepping: SteppingController,
                 graph_view: GraphView, caption_bar: CaptionBar,
                 inspector_feed: InspectorFeed, status_bar: StatusBar,
                 action: QAction) -> None:
        self._training = training
        self._stepping = stepping
        self._graph_view = graph_view
        self._caption_bar = caption_bar
        self._inspector_feed = inspector_feed
        self._status_bar = status_bar
        self._action = action

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot``'s pass, its divergence's node marked (not while stepping)."""
        if self._stepping.active:
            return  # the stepper's partial picture stays until stepping ends
        self._graph_view.show_trace(snapshot.trace)
        divergence = snapshot.divergence
        self._graph_view.highlight_node(None if divergence is None else divergence.node)

    def show_position(self, position: StepPosition) -> None:
        """Draw the stepper's partial picture and its caption."""
        stepping = self._stepping
        plan = stepping.plan
        if plan is None:
            return
        problem = stepping.problem
        # From the first non-finite value on, its node stays marked.
        failing = problem is not None and position.index >= problem.position
        self._graph_view.highlight_node(problem.node if failing and problem else None)
        self._graph_view.show_step(position, plan.trace)
        reason = problem.reason if problem is not None and problem.position == position.index \
            else ""
        self._caption_bar.show_position(position, stepping.where(), reason)
        self._inspector_feed.update()

    def redraw(self) -> None:
        """Draw the stepper's partial picture again, if it is stepping."""
        if self._stepping.position is not None:
            self.show_position(self._stepping.position)

    def show_stepping(self, on: bool) -> None:
        """Stepping started (the caption bar, the hint, Tab walking the nodes) or ended
        (the newest snapshot drawn again)."""
        action = self._action
        if action.isChecked() != on:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self._caption_bar.setVisible(on)
        self._graph_view.tab_walks_nodes = on
        if on:
            self._status_bar.show_hint(STEPPING_HINT)
        if not on:
            self._status_bar.end_hint()
            self._graph_view.clear_step()
            self.show_snapshot(self._training.snapshot())
            self._inspector_feed.update()
        self._graph_view.setFocus()
