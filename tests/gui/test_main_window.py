"""The window end to end: stepping, playing, optimizers, hyperparameters, divergence,
data files, settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from core.autodiff.engine import evaluate
from core.training.optimizers import OPTIMIZERS
from gui.formatting import short_number
from gui.graph.node_item import GRAD_PREFIX


def shown_numbers(window) -> dict[str, tuple[str, str]]:
    return {n: (item.value_text, item.grad_text)
            for n, item in window.graph_view.node_items.items()}


def expected_numbers(graph, trace) -> dict[str, tuple[str, str]]:
    return {n: (short_number(trace.values[n]), GRAD_PREFIX + short_number(trace.grads[n]))
            for n in graph.nodes}


def test_window_draws_one_item_per_node_and_edge(window, seed_graph):
    view = window.graph_view
    assert set(view.node_items) == set(seed_graph.nodes)
    assert len(view.node_items) == len(seed_graph)
    assert set(view.edge_items) == set(seed_graph.edges)
    scene_nodes = [i for i in view.scene().items() if i in view.node_items.values()]
    assert len(scene_nodes) == len(seed_graph)


def test_initial_view_shows_the_engine_trace(window, session, seed_graph, dataset):
    x, y = dataset.row(0)
    trace = evaluate(seed_graph, x, y, session.training.trainer.initial_weights)
    assert shown_numbers(window) == expected_numbers(seed_graph, trace)


def test_step_sample_shows_the_next_pass(window, session, seed_graph, dataset, qtbot):
    before = shown_numbers(window)
    items = dict(window.graph_view.node_items)
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Right)
    assert session.training.trainer.cursor.step == 1
    # Items are updated, never re-created.
    assert window.graph_view.node_items == items
    x, y = dataset.row(1)
    trace = evaluate(seed_graph, x, y, session.training.trainer.weights)
    assert shown_numbers(window) == expected_numbers(seed_graph, trace)
    assert shown_numbers(window) != before
    for edge, item in window.graph_view.edge_items.items():
        assert item.contribution == pytest.approx(trace.contribution(edge), nan_ok=True)
    # The weights table speaks of the same numbers.
    table = window.weights_table
    assert table.cell_text("w1", "weight") == short_number(session.training.trainer.weights[0], 4)
    assert table.cell_text("w9", "∂L/∂w") == short_number(trace.grads["w9"], 4)


def test_tooltip_has_full_precision_and_formula(window, session):
    item = window.graph_view.node_items["add2"]
    html = item.tooltip_html()
    assert repr(item.value).replace("-", "−") in html
    assert "exp" not in html or "computes" in html
    assert item.node.expr in html


def test_showing_another_sample(window, session, seed_graph, dataset, qtbot):
    navigator = window.side_panel.navigator
    navigator.spin.setValue(42)
    assert session.training.shown_sample == 42
    assert not session.training.follow_training
    x, y = dataset.row(42)
    trace = evaluate(seed_graph, x, y, session.training.trainer.weights)
    expected = expected_numbers(seed_graph, trace)
    qtbot.waitUntil(lambda: shown_numbers(window) == expected, timeout=1000)
    assert "y = " in navigator.values.text()
    navigator.follow.setChecked(True)
    assert session.training.shown_sample == session.training.trainer.cursor.sample


def test_play_trains_and_pause_stops(window, session, qtbot):
    session.training.set_epochs(2000)
    window.training_actions.play.trigger()
    assert session.play.running
    qtbot.waitUntil(lambda: session.training.trainer.cursor.step > 200, timeout=5000)
    window.training_actions.play.trigger()
    assert not session.play.running
    stopped = session.training.trainer.cursor.step
    qtbot.wait(100)
    assert session.training.trainer.cursor.step == stopped
    assert window.training_actions.play.text() == "&Play"


def test_space_toggles_play(window, session, qtbot):
    session.training.set_epochs(2000)
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Space)
    assert session.play.running
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Space)
    assert not session.play.running


def test_slow_speed_takes_few_steps(window, session, qtbot):
    session.play.set_speed(20.0)
    session.play.play()
    qtbot.wait(300)
    session.play.pause()
    assert 1 <= session.training.trainer.cursor.step <= 12


def test_loss_plot_holds_one_point_per_step(window, session):
    for _ in range(7):
        session.training.step_sample()
    assert window.loss_plot.point_count() == 7
    session.training.step_epoch()
    n = len(session.training.dataset)
    assert window.loss_plot.point_count() == n
    x, y = window.loss_plot.epoch_curve.getOriginalDataset()
    assert len(x) == 1
    assert y[0] == pytest.approx(float(np.mean(session.training.trainer.history.sample_loss())))
    window.loss_plot.log_scale.setChecked(True)
    assert window.loss_plot.plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert window.loss_plot.point_count() == n


def test_epoch_and_reset(window, session, qtbot):
    with qtbot.waitSignal(session.training.epoch_finished) as blocker:
        window.training_actions.step_epoch.trigger()
    assert blocker.args[0] == 1
    assert session.training.trainer.cursor.epoch == 1
    qtbot.keyClick(window.graph_view, Qt.Key.Key_R)
    assert session.training.trainer.cursor.step == 0
    assert window.loss_plot.point_count() == 0
    trainer = session.training.trainer
    np.testing.assert_array_equal(trainer.weights, trainer.initial_weights)


@pytest.mark.parametrize("name", ["momentum", "adam", "sgd"])
def test_switching_optimizer_rebuilds_fields(window, session, name):
    box = window.side_panel.optimizer_box
    box.combo.setCurrentIndex(box.combo.findData(name))
    assert session.training.optimizer_name == name
    expected = [h.name for h in OPTIMIZERS[name].hyperparameters]
    assert list(box.form.fields) == expected
    for spec in OPTIMIZERS[name].hyperparameters:
        assert float(box.form.fields[spec.name].text()) == spec.default
    assert window.weights_table.columns[3:] == OPTIMIZERS[name].slots


def test_optimizer_state_is_shown(window, session):
    box = window.side_panel.optimizer_box
    box.combo.setCurrentIndex(box.combo.findData("adam"))
    session.training.step_sample()
    state = session.training.optimizer.state()
    assert window.weights_table.cell_text("w9", "m") == short_number(state["m"][8], 4)
    assert window.weights_table.cell_text("w9", "v") == short_number(state["v"][8], 4)


@pytest.mark.parametrize(("text", "reason"), [("abc", "lr: 'abc' is not a number"),
                                               ("-1", "must be > 0"),
                                               ("", "needs a value"),
                                               ("nan", "finite")])
def test_invalid_hyperparameter_is_refused(window, session, qtbot, text, reason):
    form = window.side_panel.optimizer_box.form
    field = form.fields["lr"]
    field.selectAll()
    qtbot.keyClicks(field, text) if text else qtbot.keyClick(field, Qt.Key.Key_Backspace)
    assert session.training.hyperparameters["lr"] == 0.01
    assert not form.is_valid("lr")
    assert reason in form.errors["lr"].text()
    assert "still training with lr = 0.01" in form.errors["lr"].text()
    assert "D00000" in field.styleSheet()
    # A valid value is applied and clears the error.
    field.selectAll()
    qtbot.keyClicks(field, "0.05")
    assert session.training.hyperparameters["lr"] == 0.01  # not per keystroke
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert session.training.hyperparameters["lr"] == 0.05
    assert form.is_valid("lr")
    assert field.styleSheet() == ""


def test_a_hyperparameter_reads_the_minus_sign_the_window_writes(window, session):
    form = window.side_panel.optimizer_box.form
    field = form.fields["lr"]
    field.setText("\u22120.5")
    field.textEdited.emit(field.text())
    assert "lr must be > 0, got -0.5" in form.errors["lr"].text()
    field.setText(" 0.05 ")
    field.editingFinished.emit()
    assert session.training.hyperparameters["lr"] == 0.05


def test_divergence_pauses_and_reports_the_node(window, session, qtbot):
    form = window.side_panel.optimizer_box.form
    form.fields["lr"].selectAll()
    qtbot.keyClicks(form.fields["lr"], "10000")
    qtbot.keyClick(form.fields["lr"], Qt.Key.Key_Return)
    assert session.training.hyperparameters["lr"] == 10000
    with qtbot.waitSignal(session.training.diverged, timeout=5000) as blocker:
        session.play.play()
    divergence = blocker.args[0]
    assert divergence.node == "exp1"
    assert not session.play.running
    message = window.statusBar().currentMessage()
    # The node as the graph shows it, not its internal id.
    assert "the value of part_1 became inf" in message and "exp1" not in message
    assert "Diverged" in message
    assert window.graph_view.node_items["exp1"].highlighted
    assert math.isinf(window.graph_view.node_items["exp1"].value)
    # The app keeps running: play refuses politely, reset recovers.
    session.play.play()
    assert not session.play.running
    session.training.reset()
    assert not window.graph_view.node_items["exp1"].highlighted
    session.training.step_sample()
    assert session.training.trainer.cursor.step == 1


def test_training_finishes(window, session, qtbot):
    session.training.set_epochs(1)
    with qtbot.waitSignal(session.training.training_finished, timeout=5000):
        session.play.play()
    assert not session.play.running
    assert session.training.trainer.finished
    assert session.training.step_sample() is None


def test_bad_data_file_keeps_previous_data(window, session, tmp_path, qtbot):
    before = session.training.dataset
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b\n1,oops\n")
    assert window.open_data_file(str(bad)) is None
    assert session.training.dataset is before
    boxes = [w for w in window.findChildren(QMessageBox) if w.objectName() == "problem_box"]
    assert boxes and boxes[-1].isVisible()
    assert "broken.csv" in boxes[-1].text()
    boxes[-1].close()


def test_good_data_file_is_loaded(window, session, tmp_path, dataset):
    path = tmp_path / "small.csv"
    rows = np.column_stack([dataset.X[:30], dataset.y[:30]])
    np.savetxt(path, rows, delimiter=",")
    assert window.open_data_file(str(path)) is not None
    assert len(session.training.dataset) == 30
    assert window.side_panel.navigator.spin.maximum() == 29
    assert "30 samples" in window.side_panel.model_box.data_label.text()


def test_switching_graph_lays_out_again(window, session):
    combo = window.side_panel.model_box.graph_combo
    combo.setCurrentIndex(combo.findData("linear"))
    combo.activated.emit(combo.currentIndex())
    assert session.training.graph.name == "linear"
    assert set(window.graph_view.node_items) == set(session.training.graph.nodes)
    assert window.weights_table.rowCount() == len(session.training.graph.weights)
    assert len(window.trajectory_plot.curves) == len(session.training.graph.weights)


def test_settings_are_remembered(window, session, isolated_settings):
    box = window.side_panel.optimizer_box
    box.combo.setCurrentIndex(box.combo.findData("adam"))
    window.side_panel.training_box.seed.setValue(7)
    window.close()
    files = list(isolated_settings.rglob("*.ini"))
    assert files, "settings must be written to the test folder"
    settings = QSettings(str(files[0]), QSettings.Format.IniFormat)
    assert settings.value("training/optimizer") == "adam"
    assert int(settings.value("training/seed")) == 7


def test_zoom_and_fit(window, qtbot):
    view = window.graph_view
    start = view.zoom()
    window.zoom_in_action.trigger()
    assert view.zoom() > start
    window.zoom_out_action.trigger()
    window.zoom_out_action.trigger()
    assert view.zoom() < start
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.zoom() == pytest.approx(start)


def test_help_dialogs_open(window):
    window.show_shortcuts()
    window.show_about()
    names = {w.objectName() for w in window.findChildren(QDialog) if w.isVisible()}
    assert {"shortcuts_box", "about_box"} <= names
    for box in window.findChildren(QDialog):
        box.close()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_in_the_window(window, session, tmp_path):
    import pickle

    marker = tmp_path / "ran"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_Evil(marker)))
    before = session.training.dataset
    assert window.open_data_file(str(path)) is None
    assert not marker.exists()
    assert session.training.dataset is before
    boxes = [w for w in window.findChildren(QMessageBox) if w.objectName() == "problem_box"]
    assert "refused" in boxes[-1].text()
    boxes[-1].close()


def test_divergence_advice_depends_on_when_it_happened():
    from types import SimpleNamespace

    from core.autodiff.formula import parse_formula
    from core.training.divergence import WINDOW, describe_divergence
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    def divergence_message(graph, divergence):
        return describe_divergence(divergence, advice=WINDOW)

    graph = parse_formula("log(w1*x1)")
    data = SimpleNamespace(X=np.array([[1.0], [2.0]]), y=np.array([0.0, 0.0]))
    at_start = Trainer(graph, data, make_optimizer("sgd", 1), initial_weights=[-1.0])
    at_start.run(2)
    assert at_start.diverged is not None
    assert at_start.diverged.step == 0
    assert "not defined at the initial weights" in divergence_message(graph, at_start.diverged)

    # Target -5: from w1 = 0.5 the gradient is 2 (log 0.5 + 5) / 0.5 = 17.2, and a step of
    # lr 10 overshoots to w1 = -171.5, where log fails at step 1.
    data = SimpleNamespace(X=np.array([[1.0], [2.0]]), y=np.array([-5.0, -5.0]))
    later = Trainer(graph, data, make_optimizer("sgd", 1, lr=10.0), initial_weights=[0.5])
    later.run(2)
    assert later.diverged is not None
    assert later.diverged.step == 1
    assert "Lower the learning rate" in divergence_message(graph, later.diverged)


def test_the_open_dialog_offers_every_supported_file_type():
    from core.data.datasets import SUPPORTED_SUFFIXES
    from gui.files.data_opener import DATA_FILTER

    offered = DATA_FILTER.split(";;")[0]
    assert all(f"*{suffix}" in offered.split("(")[1].rstrip(")").split()
               for suffix in SUPPORTED_SUFFIXES)
