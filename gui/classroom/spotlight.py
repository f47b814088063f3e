"""The spotlight (S): the graph dims every node but the few being talked about.

It lights a lesson stop's nodes while the stop names some; else, while stepping, the
stepper's active node, its operands and the node receiving a gradient; else nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from gui.debugger.stepping import SteppingController
    from gui.graph.view import GraphView


class Spotlight:
    """Whether the spotlight is on, the nodes a lesson stop lights, and what is lit now.

    Parameters
    ----------
    graph_view
        Where the spotlight is drawn.
    stepping
        The stepper, whose active node the spotlight follows.
    action
        The checkable command turning it on and off, kept checked to match.
    """

    def __init__(self, graph_view: GraphView, stepping: SteppingController,
                 action: QAction) -> None:
        self._graph_view = graph_view
        self._stepping = stepping
        self._action = action
        #: Whether the spotlight follows the stepper or a lesson.
        self.on = False
        #: The open lesson's stop's nodes (empty without a lesson).
        self.lesson_nodes: tuple[str, ...] = ()

    def set_on(self, on: bool) -> None:
        """Turn the spotlight on or off (its command checked to match)."""
        self.on = bool(on)
        if self._action.isChecked() != self.on:
            self._action.blockSignals(True)
            self._action.setChecked(self.on)
            self._action.blockSignals(False)
        self.update()

    def set_lesson_nodes(self, nodes: tuple[str, ...]) -> None:
        """The nodes a lesson stop lights (``()``: none, or the lesson closed)."""
        self.lesson_nodes = tuple(nodes)

    def nodes(self) -> tuple[str, ...]:
        """What the spotlight lights now: a lesson stop's nodes; else the stepper's active
        node, its operands and the node receiving a gradient; else nothing."""
        if self.lesson_nodes:
            return self.lesson_nodes
        position = self._stepping.position if self._stepping.active else None
        if position is None:
            return ()
        nodes = [position.node, *position.inputs]
        if position.receiver is not None:
            nodes.append(position.receiver)
        return tuple(nodes)

    def update(self) -> None:
        """Draw what is lit now (nothing while the spotlight is off)."""
        self._graph_view.set_spotlight(self.nodes() if self.on else ())
