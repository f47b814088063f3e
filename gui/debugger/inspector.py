"""The node inspector: everything about one node, and the wiggle experiment.

Click a node (or Tab through them while stepping) and the dock shows its op and formula,
its inputs and their values, its value, the local derivative with respect to each input
(the rule and the number), the upstream gradient and the gradient it passes on; for a
weight, the optimizer's state and a small plot of its value and gradient over the last
steps.  All numbers come from :func:`core.debugger.inspection.inspect_node`, i.e. from the
engine's trace (restricted to what the stepper has computed while stepping).

Wiggle: for a weight or a feature, change its value by a delta (type it or turn the
wheel) and compare the loss change the gradient predicts (gradient × delta) with the
actual change.  Nothing is trained until Apply (weights only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.engine import Trace
from core.autodiff.naming import shown_name
from core.debugger.inspection import NodeReport, Wiggle, inspect_node, wiggle
from core.debugger.stepper import StepPosition
from core.debugger.wording import d
from gui.formatting import full_number, short_number
from gui.number_spin_box import NumberSpinBox
from gui.theme import DEFAULT_THEME, Theme

#: Steps of history the weight plot shows.
PLOT_STEPS = 200


def _number(value: float | None) -> str:
    return "—" if value is None else escape(short_number(value))


def report_html(report: NodeReport) -> str:
    """The report as a small HTML page (nodes by their names, numbers as on the graph; the
    full digits are in the tooltips of the graph)."""
    rows = []
    if report.op is not None:
        rows.append(("computes", f"<tt>{escape(report.computes)}</tt>"))
        rows.append(("formula", f"<tt>{escape(report.formula)}</tt>"))
        rows.append(("rule", escape(report.rule)))
    rows.append(("value", _number(report.value)))
    rows.append((f"∂L/∂{escape(d(report.name))} (upstream)", _number(report.gradient)))
    head = "".join(f"<tr><td><i>{key}</i>&nbsp;&nbsp;</td><td>{value}</td></tr>"
                   for key, value in rows)
    html = f"<table>{head}</table>"
    if report.inputs:
        lines = ["<tr><th align=left>input</th><th align=left>value</th>"
                 f"<th align=left>local ∂{escape(d(report.name))}/∂input</th>"
                 "<th align=left>gradient passed</th></tr>"]
        for item in report.inputs:
            local = escape(item.rule)
            if item.rule_numbers and item.rule_numbers != item.rule:
                local += f" = {escape(item.rule_numbers)}"
            if item.local is not None:
                local += f" = <b>{_number(item.local)}</b>"
            lines.append(f"<tr><td><b>{escape(item.name)}</b></td>"
                         f"<td>{_number(item.value)}</td><td>{local}</td>"
                         f"<td>{_number(item.contribution)}</td></tr>")
        html += ("<p>Inputs (gradient passed = upstream × local):</p>"
                 f"<table cellspacing=4>{''.join(lines)}</table>")
    return html


class NodeInspector(QWidget):
    """The inspector dock's contents.

    Parameters
    ----------
    apply_weight
        Called with (weight id, new value) when the user applies a wiggled weight.
    """

    #: A wiggle was computed.  Argument: the core Wiggle.
    wiggled = Signal(object)

    def __init__(self, apply_weight: Callable[[str, float], None] | None = None,
                 theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("node_inspector")
        self._apply_weight = apply_weight
        self.node: str | None = None
        self.report: NodeReport | None = None
        self.last_wiggle: Wiggle | None = None
        self._trace: Trace | None = None
        self._position: StepPosition | None = None
        self._x: np.ndarray | None = None
        self._y = 0.0
        self._weights: np.ndarray | None = None

        self.title = QLabel("Click a node to inspect it")
        self.title.setObjectName("inspector_title")
        self.title.setFont(theme.font(16.0, bold=True))
        self.title.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("inspector_note")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.body = QLabel()
        self.body.setObjectName("inspector_body")
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel()
        self.state.setObjectName("inspector_state")
        self.state.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("inspector_plot")
        self.plot.setMinimumHeight(110)
        self.plot.setMaximumHeight(150)
        self.plot.addLegend(offset=(4, 4))
        self.plot.setLabel("bottom", "step")
        self._value_curve = self.plot.plot(name="value")
        self._grad_curve = self.plot.plot(name="∂L/∂w")

        self.wiggle_box = QWidget()
        form = QFormLayout(self.wiggle_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.delta = NumberSpinBox()
        self.delta.setObjectName("wiggle_delta")
        self.delta.setDecimals(6)
        self.delta.setRange(-1e6, 1e6)
        self.delta.setSingleStep(0.01)
        self.delta.setValue(0.0)
        self.delta.setToolTip("Change the value by this much (the wheel turns it); the loss "
                              "is computed again, nothing is trained")
        self.delta.valueChanged.connect(self._on_delta)
        self.wiggle_result = QLabel()
        self.wiggle_result.setObjectName("wiggle_result")
        self.wiggle_result.setTextFormat(Qt.TextFormat.RichText)
        self.wiggle_result.setWordWrap(True)
        self.apply_button = QPushButton("Apply to the weight")
        self.apply_button.setObjectName("wiggle_apply")
        self.apply_button.setToolTip("Train on from this value (the run's history restarts "
                                     "here, as after restoring a checkpoint)")
        self.apply_button.clicked.connect(self._on_apply)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        form.addRow("wiggle by Δ", self.delta)
        form.addRow(self.wiggle_result)
        form.addRow(buttons)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.title)
        column.addWidget(self.note)
        column.addWidget(self.body)
        column.addWidget(self.state)
        column.addWidget(self.plot)
        column.addWidget(self.wiggle_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._show_extras(False, False)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Colour the note and the plot by ``theme``'s roles."""
        self.note.setStyleSheet(f"color: {theme.nonfinite}; font-weight: bold;")
        self.plot.setBackground(theme.plot_background)
        for side in ("left", "bottom"):
            self.plot.getPlotItem().getAxis(side).setPen(theme.plot_foreground)
            self.plot.getPlotItem().getAxis(side).setTextPen(theme.plot_foreground)
        self._value_curve.setPen(pg.mkPen(theme.value_line, width=2))
        self._grad_curve.setPen(pg.mkPen(theme.grad_text, width=2))

    # -- input ----------------------------------------------------------------------------

    def set_context(self, trace: Trace, x: np.ndarray, y: float, weights: np.ndarray,
                    position: StepPosition | None = None,
                    optimizer_state: Mapping[str, np.ndarray] | None = None,
                    history: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """What the inspector reads: the trace shown, the sample and weights it is about,
        the stepper's position (``None``: the whole pass), the optimizer's state and the
        history (steps, weights, gradients) for the weight plot."""
        self._trace = trace
        self._position = position
        self._x = np.array(x, dtype=float)
        self._y = float(y)
        self._weights = np.array(weights, dtype=float)
        self._optimizer_state = optimizer_state or {}
        self._history = history
        self._refresh()

    def set_note(self, text: str) -> None:
        """A line above the report (why a value is not finite); empty hides it."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def show_node(self, node_id: str) -> None:
        """Inspect ``node_id`` (ignored if the graph has no such node)."""
        if self._trace is None or node_id not in self._trace.graph:
            return
        if node_id != self.node:
            self.node = node_id
            self.delta.blockSignals(True)
            self.delta.setValue(0.0)
            self.delta.blockSignals(False)
        self._refresh()

    # -- drawing --------------------------------------------------------------------------

    def _refresh(self) -> None:
        trace, node_id = self._trace, self.node
        if trace is None or node_id is None or node_id not in trace.graph:
            self.node = None
            self.report = None
            self.title.setText("Click a node to inspect it")
            self.body.setText("")
            self.state.setText("")
            self._show_extras(False, False)
            return
        report = inspect_node(trace, node_id, self._position)
        self.report = report
        kind = report.role if report.op is None else f"{report.role}: {report.symbol}"
        self.title.setText(f"{report.name}  —  {kind}")
        self.body.setText(report_html(report))
        node = trace.graph[node_id]
        is_weight = node.kind == "weight"
        self._show_extras(is_weight, node.kind in ("weight", "input"))
        if is_weight:
            self._show_weight(trace.graph.weights.index(node_id))
        self._on_delta(self.delta.value())

    def _show_extras(self, weight: bool, wiggle_able: bool) -> None:
        self.state.setVisible(weight)
        self.plot.setVisible(weight)
        self.wiggle_box.setVisible(wiggle_able)
        self.apply_button.setVisible(weight and self._apply_weight is not None)

    def _show_weight(self, index: int) -> None:
        state = self._optimizer_state
        slots = [(slot, float(values[index])) for slot, values in state.items()
                 if slot != "t" and len(values) > index]
        # In the window's number format; every digit in the tooltip, as on the graph.
        parts = [f"{escape(slot)} = {escape(short_number(value))}" for slot, value in slots]
        full = [f"{escape(slot)} = {full_number(value)}" for slot, value in slots]
        if "t" in state and len(state["t"]):
            parts.append(f"t = {int(state['t'][0])}")
            full.append(f"t = {int(state['t'][0])}")
        self.state.setText("Optimizer state: " + (", ".join(parts) if parts else "none "
                                                  "(this optimizer keeps no state)"))
        self.state.setToolTip("<br>".join(full))
        if self._history is None:
            self._value_curve.setData([], [])
            self._grad_curve.setData([], [])
            return
        steps, weights, grads = self._history
        take = slice(max(0, len(steps) - PLOT_STEPS), len(steps))
        if len(steps) and weights.ndim == 2 and weights.shape[1] > index:
            self._value_curve.setData(steps[take] + 1, weights[take, index])
            self._grad_curve.setData(steps[take] + 1, grads[take, index])
        else:
            self._value_curve.setData([], [])
            self._grad_curve.setData([], [])

    def _on_delta(self, delta: float) -> None:
        node_id = self.node
        trace = self._trace
        if node_id is None or trace is None or self._x is None or self._weights is None \
                or trace.graph[node_id].kind not in ("weight", "input"):
            self.last_wiggle = None
            return
        if delta == 0.0:
            self.last_wiggle = None
            self.wiggle_result.setText("Turn the wheel or type a Δ: the gradient predicts "
                                       "the loss's change, the graph computes it.")
            self.apply_button.setEnabled(False)
            return
        old = trace.values[node_id]
        result = wiggle(trace.graph, self._x, self._y, self._weights, node_id, old + delta)
        self.last_wiggle = result
        self.apply_button.setEnabled(True)
        name = escape(shown_name(trace.graph[node_id]))
        self.wiggle_result.setText(
            f"{name}: {short_number(result.old)} → {short_number(result.new)}<br>"
            f"predicted ΔL = ∂L/∂{name} · Δ = {short_number(result.gradient)} · "
            f"{short_number(result.delta)} = <b>{short_number(result.predicted)}</b><br>"
            f"actual ΔL = <b>{short_number(result.actual)}</b><br>"
            f"difference = {short_number(result.difference)} (the curvature: it shrinks "
            "like Δ²)")
        self.wiggled.emit(result)

    def _on_apply(self) -> None:
        result = self.last_wiggle
        if result is None or self._apply_weight is None or self._trace is None \
                or self._trace.graph[result.node].kind != "weight":
            return
        self._apply_weight(result.node, result.new)
        self.delta.blockSignals(True)
        self.delta.setValue(0.0)
        self.delta.blockSignals(False)
