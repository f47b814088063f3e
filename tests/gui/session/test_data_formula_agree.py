"""Data and formula always agree: whichever changes (Open data, a dropped file, the target
chooser, a preset, Apply, Reset), the graph drawn, the weights table, the Model box's
summary and the trainer all come from the formula resolved against the current data."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core.training.resolution import resolve_model, same_model

FORMULA = "tanh(a*height + b*mass + c)"


@pytest.fixture
def body_csv(tmp_path):
    """height, mass -> target, the target a tanh of both (so a fit exists)."""
    rng = np.random.default_rng(3)
    height, mass = rng.normal(size=60), rng.normal(size=60)
    target = np.tanh(0.8 * height - 0.5 * mass + 0.1)
    path = tmp_path / "body.csv"
    rows = "\n".join(f"{h:.6f},{m:.6f},{t:.6f}" for h, m, t in zip(height, mass, target,
                                                                     strict=True))
    path.write_text("height,mass,target\n" + rows + "\n", encoding="utf-8")
    return str(path)


def _editor(window):
    return window.side_panel.model_box.formula_editor


def _apply(window, text):
    """Type ``text`` in the Model box and Apply it; whether the model changed."""
    _editor(window).text.setPlainText(text)
    return _editor(window).apply()


def _formula_on_body_data(window, body_csv):
    """FORMULA applied after body.csv was opened under a formula of two columns."""
    _apply(window, "w1*x1 + w2*x2 + b")
    window.open_data_file(body_csv)
    _apply(window, FORMULA)


def _summary(window, qtbot):
    """The data summary dialog, once loading a file has shown it."""
    qtbot.waitUntil(lambda: window.data_opener.summary is not None
                    and window.data_opener.summary.isVisible(), timeout=10_000)
    return window.data_opener.summary


def assert_agree(window):
    """Graph view, weights table, summary and trainer all show the one resolution."""
    training = window.session.training
    graph = training.graph
    expected = resolve_model(training.config.graph, training.dataset)
    assert same_model(expected.graph, graph)
    assert training.trainer.graph is graph
    assert training.snapshot().graph is graph
    items = window.graph_view.node_items
    assert set(items) == set(graph.nodes)
    drawn_weights = sorted(i for i, item in items.items() if item.node.kind == "weight")
    drawn_features = sorted(i for i, item in items.items() if item.node.kind == "input")
    assert drawn_weights == sorted(graph.weights)
    assert drawn_features == sorted(graph.features)
    table = window.weights_table
    assert table.rowCount() == len(graph.weights)
    assert [table.verticalHeaderItem(r).text() for r in range(table.rowCount())] == \
        [graph[w].label for w in graph.weights]
    editor = _editor(window)
    if editor.formula_text().strip() == graph.formula:
        assert expected.summary() in editor.status.text()
    assert len(training.trainer.weights) == len(graph.weights)


def test_formula_then_data(window, body_csv):
    training = window.session.training
    assert _apply(window, FORMULA)
    # On the built-in data height and mass are weights (there are no such columns).
    assert training.graph.weights == ("a", "b", "c", "height", "mass")
    assert_agree(window)
    assert window.open_data_file(body_csv) is not None
    assert training.graph.weights == ("a", "b", "c")
    assert [training.graph[f].column for f in training.graph.features] == [0, 1]
    assert "3 weights, 2 feature columns; data columns used by name: height, mass" in \
        _editor(window).status.text()
    assert_agree(window)
    # Apply and Reset with the same text keep it so.
    assert _editor(window).apply() is False
    training.reset()
    assert_agree(window)
    # It trains: the loss falls (it stayed flat while height and mass were weights).
    training.set_optimizer("adam", {"lr": 0.05})
    training.set_epochs(20)
    training.run_steps(20 * 60)
    losses = training.trainer.history.epoch_loss()
    assert losses[-1] < 0.2 * losses[0]


def test_data_then_formula(window, body_csv):
    training = window.session.training
    assert window.open_data_file(body_csv) is None  # the seed graph needs 5 columns
    assert _apply(window, "w1*x1 + w2*x2 + b")
    assert window.open_data_file(body_csv) is not None
    assert_agree(window)
    assert _apply(window, FORMULA)
    assert training.graph.weights == ("a", "b", "c")
    assert_agree(window)


def test_back_to_data_without_the_columns(window, body_csv, tmp_path):
    training = window.session.training
    _formula_on_body_data(window, body_csv)
    other = tmp_path / "other.csv"
    other.write_text("p,q,r\n1,2,3\n2,3,5\n4,1,5\n", encoding="utf-8")
    assert window.open_data_file(str(other)) is not None
    # No height or mass column: they are weights again, and drawn as such.
    assert training.graph.weights == ("a", "b", "c", "height", "mass")
    assert_agree(window)


def test_presets_then_data_then_formula(window, body_csv):
    training = window.session.training
    window.presets_menu.entries["micrograd"].trigger()
    assert training.graph.name == "micrograd"
    assert_agree(window)
    assert window.open_data_file(body_csv) is not None  # x1, x2 are height, mass
    assert training.graph.name == "micrograd"
    assert_agree(window)
    assert _apply(window, FORMULA)
    assert_agree(window)
    window.presets_menu.entries["xor"].trigger()
    assert training.graph.name == "xor"
    assert_agree(window)
    combo = window.side_panel.model_box.graph_combo
    combo.activated.emit(combo.findData("seed"))
    assert training.graph.name == "seed"
    assert_agree(window)


def test_the_target_chooser_resolves_again(window, body_csv, qtbot):
    training = window.session.training
    _apply(window, "tanh(a*height + b*x2 + c)")
    window.open_data_file(body_csv)
    assert training.graph.weights == ("a", "b", "c")
    # Open data again with the loader and the summary dialog, choosing mass as the
    # target: the formula reads mass's place (x2), which is now target's column.
    window.load_data_file(body_csv)
    summary = _summary(window, qtbot)
    summary.target.setCurrentIndex(1)
    summary.accept()
    assert training.dataset.target_name == "mass"
    assert training.dataset.feature_names == ("height", "target")
    assert_agree(window)


def test_a_target_the_formula_reads_keeps_the_data_and_says_why(window, body_csv, qtbot):
    training = window.session.training
    _formula_on_body_data(window, body_csv)
    before = training.dataset
    window.load_data_file(body_csv)
    _summary(window, qtbot).target.setCurrentIndex(1)  # mass
    window.data_opener.summary.accept()
    assert training.dataset is before
    from PySide6.QtWidgets import QMessageBox

    (box,) = [b for b in window.findChildren(QMessageBox, "problem_box") if b.isVisible()]
    assert "the formula does not fit this data: 'mass' is the target column" in box.text()
    box.close()
    assert_agree(window)


def test_a_dropped_file_resolves_again(window, body_csv, qtbot):
    training = window.session.training
    _apply(window, "w1*x1 + w2*x2 + b")
    _apply(window, FORMULA)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(body_csv)])
    event = QDropEvent(QPointF(QPoint(50, 50)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    _summary(window, qtbot).accept()
    assert training.graph.weights == ("a", "b", "c")
    assert_agree(window)
