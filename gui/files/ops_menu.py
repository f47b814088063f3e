"""File > Add ops… and Debug > Reveal the broken derivative.

Add ops… reads an ops file (:mod:`core.autodiff.user_ops`), checks every entry (fields,
names, derivatives against finite differences) and registers the ops, so that the graph
formula may call them; any problem is a visible message and nothing changes.  The reveal
says which derivatives the run's breaks (:mod:`core.autodiff.breaks`) replaced and trains
on with the true ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.autodiff.breaks import reveal
from core.autodiff.user_ops import (
    OpsFileError,
    check_clashes,
    read_ops_file,
    register,
    registered,
    unregister,
)
from core.training.ops_options import step_names
from core.training.resolution import resolve_for_data
from gui.plain_text import plain_message_box
from gui.session.training_session import TrainingSession

OPS_FILTER = "Ops (*.json);;All files (*)"


class OpsActions(QObject):
    """The two actions, bound to the training session.

    Parameters
    ----------
    session
        The training session: its config, graph and data, ``set_config`` and ``report``.
    warn
        Shows a problem in a dialog that does not block the window: ``warn(title, text)``.
    parent
        The widget the dialogs belong to.
    """

    def __init__(self, session: TrainingSession, warn: Callable[[str, str], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.warn = warn
        self.parent_widget = parent
        self.add_ops = QAction("Add &ops…", self)
        self.add_ops.setObjectName("add_ops")
        self.add_ops.setStatusTip("Define ops as formulas from a JSON file; the graph "
                                  "formula may then call them")
        self.add_ops.triggered.connect(self.choose_ops_file)
        self.reveal = QAction("Reveal the broken derivative", self)
        self.reveal.setObjectName("reveal_break")
        self.reveal.setStatusTip("Show which local derivative was replaced on purpose, and "
                                 "put the true one back")
        self.reveal.triggered.connect(self.reveal_break)
        self.last_reveal = ""
        session.graph_changed.connect(self._update)
        session.training_restarted.connect(self._update)
        self._update()

    def _update(self, *_: object) -> None:
        self.reveal.setEnabled(bool(self.session.graph.breaks))

    def choose_ops_file(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Add ops", "", OPS_FILTER)
        return bool(path) and self.add_ops_file(path)

    def add_ops_file(self, path: str) -> bool:
        """Check and register the ops in ``path``; on a problem, say so and change
        nothing."""
        session = self.session
        try:
            definitions = read_ops_file(path)
            dataset = session.dataset
            columns = [c for c in (*dataset.feature_names, dataset.target_name) if c]
            check_clashes([d["name"] for d in definitions], weights=session.graph.weights,
                          columns=columns, steps=step_names(session.graph.formula),
                          where=path)
            named = {d["name"] for d in definitions}
            before = [d for d in registered() if d["name"] in named]
            register(definitions, path)
            try:
                redefined = self._redefined(definitions)
            except ValueError as problem:  # the run's graph cannot call them so (arity)
                unregister(sorted(named))
                register(before)
                raise OpsFileError(f"{path}: the run's graph cannot use them: {problem}"
                                   ) from None
        except OpsFileError as problem:
            session.report(str(problem))
            self.warn("Cannot add these ops", str(problem))
            return False
        names = ", ".join(d["name"] for d in definitions)
        session.report(f"Added {len(definitions)} op{'s' if len(definitions) != 1 else ''} "
                       f"({names}), each derivative checked against finite differences; the "
                       "graph formula may call them now"
                       + (f"; the run was set up with the earlier {', '.join(redefined)}: "
                          "training starts over" if redefined else ""))
        return True

    def _redefined(self, definitions: Sequence[Mapping[str, Any]]) -> list[str]:
        """When the run's graph calls an op the file defines anew (a corrected file), the
        run starts over on its graph built with the new definition, and its config embeds
        that one (else the config would register the old one again).  The ops so
        redefined."""
        session = self.session
        new = {d["name"]: d for d in definitions}
        changed = [d["name"] for d in session.config.ops
                   if d["name"] in new and dict(d) != new[d["name"]]]
        if not changed:
            return changed
        ops = tuple(new.get(d["name"], d) for d in session.config.ops)
        graph = resolve_for_data(session.config.graph, session.dataset)
        session.set_config(session.config.replace(ops=ops), graph=graph)
        return changed

    def reveal_break(self) -> str:
        """Say what the breaks replaced, and train on with the true derivatives; the text
        said (empty when nothing was broken)."""
        session = self.session
        found = reveal(session.graph)
        if not found:
            session.report("No derivative of this graph is broken")
            return ""
        text = "\n".join(r.describe() for r in found)
        session.set_config(session.config.replace(breaks=()),
                           message="Revealed: " + "; ".join(r.describe() for r in found)
                           + ". The true derivatives are back; training starts over.")
        box = plain_message_box(QMessageBox.Icon.Information, "The broken derivative",
                                f"{text}\n\nThe true derivative is back: training starts "
                                "over, and the stepper and the gradient check use it.",
                                QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("reveal_box")
        box.open()
        self.last_reveal = text
        return text


def lesson_breaks(session: TrainingSession, breaks: Sequence[Mapping[str, Any]],
                  revealed: bool) -> str:
    """Set a lesson stop's breaks on the session: the lesson's ``breaks``, or none at a
    stop that reveals them; the reveal's words at such a stop (else empty).

    Raises
    ------
    core.training.config.ConfigError
        If the stop's graph lacks a node the breaks name.
    """
    wanted = () if revealed else tuple(breaks)
    found = reveal(session.graph) if revealed else ()
    if tuple(session.config.breaks) != wanted:
        session.set_config(session.config.replace(breaks=wanted))
    if revealed and breaks:
        shown = found or reveal(session.config.replace(breaks=tuple(breaks)).build_graph()[0])
        return "Revealed: " + "; ".join(r.describe() for r in shown)
    return ""
