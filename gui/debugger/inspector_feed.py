"""Keeps the node inspector (:mod:`gui.debugger.inspector`) fed with what the graph shows:
the stepper's position while stepping, else the newest snapshot's pass; Tab walks it
through the nodes; a wiggled weight trains on from there (:func:`train_from_weight`).

Both get the session, the stepper and the few widgets they use, not the window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from gui.formatting import short_number

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from gui.debugger.inspector import NodeInspector
    from gui.debugger.stepping import SteppingController
    from gui.graph.view import GraphView
    from gui.session import Session


class InspectorFeed:
    """What the inspector shows, kept up to date.

    Parameters
    ----------
    session
        The session: its training's snapshots, data and history.
    stepping
        The stepper, whose position the inspector shows while stepping.
    inspector, dock
        The inspector and the dock it sits in.
    graph_view
        The graph, scrolled to the node Tab walks to.
    """

    def __init__(self, session: Session, stepping: SteppingController,
                 inspector: NodeInspector, dock: QDockWidget, graph_view: GraphView) -> None:
        self._session = session
        self._stepping = stepping
        self._inspector = inspector
        self._dock = dock
        self._graph_view = graph_view

    def show(self, node_id: str) -> None:
        """Show ``node_id`` in the inspector dock."""
        self._feed()
        self._inspector.show_node(node_id)
        self._dock.show()
        self._dock.raise_()

    def update(self, *_args: object) -> None:
        """Keep an inspector that shows a node up to date (readouts come ~8 times a second
        while playing; a hidden or empty inspector is left alone)."""
        if self._inspector.node is not None and self._dock.isVisible():
            self._feed()

    def _feed(self) -> None:
        """Give the inspector what the graph shows now: the stepper's position, or the
        newest snapshot's pass."""
        training = self._session.training
        snapshot = training.snapshot()
        plan, position = self._stepping.plan, self._stepping.position
        if plan is not None and position is not None:
            trace, sample = plan.trace, plan.sample if plan.sample is not None else 0
        else:
            trace, sample, position = snapshot.trace, snapshot.sample, None
        x, y = training.dataset.row(sample)
        weights = np.array([trace.values[w] for w in trace.graph.weights])
        history = training.trainer.history
        self._inspector.set_context(trace, x, y, weights, position, snapshot.optimizer_state,
                                    (history.steps(), history.weights(), history.grads()))
        problem = self._stepping.problem
        self._inspector.set_note(problem.reason if problem is not None
                                 and self._inspector.node == problem.node else "")

    def walk(self, forward: bool) -> None:
        """Tab / Shift+Tab while stepping: inspect the next (previous) node in the order
        the forward pass computes them."""
        stepping = self._stepping
        plan = stepping.plan
        if plan is None:
            return
        order = list(plan.trace.forward_order)
        current = self._inspector.node
        if current not in order:
            current = stepping.position.node if stepping.position else order[0]
            index = order.index(current)
        else:
            index = (order.index(current) + (1 if forward else -1)) % len(order)
        self.show(order[index])
        item = self._graph_view.node_items.get(order[index])
        if item is not None:
            self._graph_view.ensureVisible(item)


def train_from_weight(session: Session, stepping: SteppingController,
                      status: Callable[[str], None], weight: str, value: float) -> None:
    """Train on from a wiggled weight (the inspector's Apply): the trainer continues from
    its current state with ``weight`` set to ``value``; a stepper replans its step."""
    training = session.training
    session.play.pause()
    trainer = training.trainer
    checkpoint = trainer.checkpoint()
    weights = list(checkpoint.weights)
    weights[trainer.graph.weights.index(weight)] = float(value)
    trainer.restore(dataclasses.replace(checkpoint, weights=tuple(weights)))
    label = trainer.graph[weight].label
    status(f"{label} set to {short_number(value)}; training goes on from here")
    training.publish()
    if stepping.active:
        stepping.replan()
