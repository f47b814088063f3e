"""The node inspector in the window: the engine's numbers, the stepper's partial picture,
the weight's state and history, wiggling, and the first non-finite value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.autodiff.engine import evaluate
from gui.formatting import short_number


def click(window, qtbot, node_id):
    view = window.graph_view
    point = view.mapFromScene(view.node_items[node_id].shape_scene_rect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_clicking_a_node_shows_the_engines_numbers(window, qtbot):
    click(window, qtbot, "tanh1")
    inspector = window.inspector
    assert inspector.node == "tanh1"
    assert window.inspector_dock.isVisible()
    trace = window.session.training.snapshot().trace
    report = inspector.report
    assert report.value == trace.values["tanh1"]
    assert report.gradient == trace.grads["tanh1"]
    (only,) = report.inputs
    assert only.local == trace.local[("add3", "tanh1", 0)]
    assert only.local == pytest.approx(1 - math.tanh(trace.values["add3"]) ** 2, rel=1e-12)
    text = inspector.body.text()
    assert "1 − tanh²(part_1+w7)" in text
    assert short_number(only.local) in text and short_number(report.value) in text
    # Titled by the notebook's name, the op's symbol beside it.
    assert inspector.title.text() == "part_2  —  operation: tanh"
    assert "tanh1" not in inspector.title.text() + text  # no internal ids


@pytest.mark.parametrize(("node", "title"), [
    ("sigmoid1", "part_3  —  operation: σ"), ("mul7", "v1·v2  —  operation: ×"),
    ("add5", "v1·v2+w8  —  operation: +"), ("mul3", "#4  —  operation: ×"),
    ("w9", "w9  —  weight"),
])
def test_the_title_names_the_node_never_by_its_symbol_alone(window, qtbot, node, title):
    click(window, qtbot, node)
    assert window.inspector.title.text() == title
    assert "σ(+)" not in window.inspector.body.text()


def test_while_stepping_the_inspector_shows_only_what_is_computed(window, qtbot):
    window.actions["debug_step"].trigger()
    window.inspect_node("mul1")
    assert window.inspector.report.value is None  # position 0: only w1 is computed
    for _ in range(2):
        window.actions["step_forward"].trigger()
    assert window.inspector.report.value == window.stepping.plan.trace.values["mul1"]
    assert window.inspector.report.gradient is None
    # Tab walks through the nodes in the order the forward pass computes them.
    order = window.stepping.plan.trace.forward_order
    window.graph_view.setFocus()
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Tab)
    assert window.inspector.node == order[order.index("mul1") + 1]
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.inspector.node == "mul1"


def test_a_weight_shows_its_optimizer_state_and_recent_history(window, qtbot):
    training = window.session.training
    training.set_optimizer("momentum")
    training.run_steps(6)
    window.inspect_node("w9")
    inspector = window.inspector
    state = training.trainer.optimizer.state()["velocity"][8]
    # The window's number format (not 17 digits); every digit in the tooltip.
    text = inspector.state.text()
    assert f"velocity = {short_number(float(state))}" in text
    assert repr(float(state)).replace("-", "−") not in text
    assert len(short_number(float(state))) <= 10
    assert "velocity = " + repr(float(state)).replace("-", "−") in inspector.state.toolTip()
    xs, ys = inspector._value_curve.getData()
    assert list(xs) == [1, 2, 3, 4, 5, 6]
    assert ys[-1] == training.trainer.weights[8]
    _, grads = inspector._grad_curve.getData()
    assert grads[-1] == training.trainer.history.grads()[-1, 8]


def test_wiggling_predicts_and_measures_without_training(window, qtbot, seed_graph, dataset):
    training = window.session.training
    window.inspect_node("w7")
    inspector = window.inspector
    before = training.trainer.weights.copy()
    inspector.delta.setValue(0.05)
    result = inspector.last_wiggle
    trace = training.snapshot().trace
    assert result.predicted == trace.grads["w7"] * result.delta
    x, y = dataset.row(training.snapshot().sample)
    moved = before.copy()
    moved[6] += 0.05
    assert result.actual == evaluate(seed_graph, x, y, moved).loss - trace.loss
    assert short_number(result.predicted) in inspector.wiggle_result.text()
    assert short_number(result.actual) in inspector.wiggle_result.text()
    # Nothing trained, nothing changed.
    assert training.trainer.weights.tolist() == before.tolist()
    assert training.trainer.cursor.step == 0
    # Apply: training goes on from the new value.
    inspector.apply_button.click()
    assert training.trainer.weights[6] == result.new
    assert training.trainer.weights[:6].tolist() == before[:6].tolist()
    assert inspector.delta.value() == 0.0
    # A feature can be wiggled too, but not applied; an op cannot be wiggled.
    window.inspect_node("x3")
    inspector.delta.setValue(-0.1)
    assert inspector.last_wiggle is not None and inspector.last_wiggle.node == "x3"
    assert not inspector.apply_button.isVisible()
    window.inspect_node("mul1")
    assert not inspector.wiggle_box.isVisible()


def test_lr_1000_shows_the_exp_node_its_input_and_why(window, qtbot):
    training = window.session.training
    training.set_hyperparameter("lr", 1000.0)
    with qtbot.waitSignal(training.diverged, timeout=5000):
        window.session.play.play()
    inspector = window.inspector
    assert inspector.node == "exp1"
    assert window.inspector_dock.isVisible()
    argument = window.stepping.plan.trace.values["add2"]
    (only,) = inspector.report.inputs
    assert (only.name, only.value) == ("val", argument)
    assert math.isinf(inspector.report.value)
    assert "overflows float64" in inspector.note.text()
    assert f"exp of {short_number(argument)}" in inspector.note.text()
    assert np.isfinite(argument)


def test_adam_state_reads_like_the_rest_of_the_window(window):
    training = window.session.training
    training.set_optimizer("adam")
    training.run_steps(3)
    window.inspect_node("w9")
    state = training.trainer.optimizer.state()
    text = window.inspector.state.text()
    for slot in ("m", "v"):
        value = float(state[slot][8])
        assert f"{slot} = {short_number(value)}" in text
        assert repr(value).replace("-", "−") not in text
    assert "t = 3" in text
