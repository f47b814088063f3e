"""The formula editor: parsed as typed, errors marked at their column, Apply rebuilds."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.autodiff.formula import FormulaError, parse_formula
from core.data.datasets import load_dataset
from core.presets import PRESETS


def _type(editor, text):
    editor.text.setPlainText(text)  # textChanged parses it, as typing does


def test_it_shows_the_current_graph(editor, training):
    assert editor.formula_text() == training.graph.formula
    assert "9 weights" in editor.status.text()


@pytest.mark.parametrize("text", ["w1*x1 +", "w1*x1 + foo(x2)", "w1*x1 % w2",
                                  "  w1 * y", "sin(w1*x1, x2) + b", "(w1*x1"])
def test_an_error_is_marked_at_the_parsers_column(editor, training, text):
    before = training.graph
    _type(editor, text)
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    lead = len(text) - len(text.lstrip())
    assert editor.parsed is None
    assert editor.error_column == caught.value.column + lead
    assert f"column {editor.error_column}: " in editor.status.text()
    assert caught.value.reason.split("'")[0] in editor.status.text()
    (selection,) = editor.text.extraSelections()
    assert selection.cursor.selectionStart() == min(editor.error_column - 1,
                                                    len(text) - 1)
    assert not editor.apply_button.isEnabled()
    assert editor.apply() is False
    assert training.graph is before


def test_apply_rebuilds_the_graph_its_controls_and_layout(window, editor, training, qtbot):
    training.run_steps(10)
    _type(editor, "tanh(a*x1 + b*x2 + c)")
    assert editor.apply_button.isEnabled()
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert training.graph.formula == "tanh(a*x1 + b*x2 + c)"
    assert training.trainer.cursor.step == 0
    assert set(window.graph_view.node_items) == set(training.graph.nodes)
    assert window.weights_table.rowCount() == 3
    assert len(window.trajectory_plot.curves) == 3
    assert list(window.side_panel.optimizer_box.form.fields) == ["lr"]


def test_enter_applies(editor, training, qtbot):
    _type(editor, "w*x2 + b")
    editor.text.setFocus()
    qtbot.keyClick(editor.text, Qt.Key.Key_Return)
    assert training.graph.formula == "w*x2 + b"
    assert "\n" not in editor.text.toPlainText()


def test_a_formula_needing_more_columns_than_the_data_has_is_refused(editor, training, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("a,b,y\n1,2,3\n4,5,6\n", encoding="utf-8")
    training.set_model(parse_formula("w*x1 + v"), load_dataset(path))
    _type(editor, "w1*x1 + w3*x3")
    assert editor.apply() is False
    assert "2 feature columns" in editor.status.text()
    assert "x1..x3" in editor.status.text()
    assert training.graph.formula == "w*x1 + v"


def test_the_datas_column_names_can_be_used(editor, training, window, tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("rooms,age,price\n3,10,200\n4,2,320\n2,40,90\n", encoding="utf-8")
    _type(editor, "w*x1 + b")
    assert editor.apply()
    assert window.open_data_file(str(path)) is not None
    _type(editor, "w1*rooms + w2*age + b")
    assert "data columns used by name: age, rooms" in editor.status.text()
    assert editor.apply()
    assert {"rooms", "age"} <= set(training.graph.nodes)
    assert training.graph["rooms"].column == 0 and training.graph["age"].column == 1
    assert window.graph_view.node_items["rooms"].node.label == "rooms"
    _type(editor, "w1*rooms + w2*price")
    assert "'price' is the target column" in editor.status.text()
    assert editor.error_column == 15


def test_choosing_a_preset_shows_its_formula(window, editor):
    window.presets_menu.entries["xor"].trigger()
    assert editor.formula_text() == PRESETS["xor"].formula
    assert editor.formula_text().startswith("z1 = w11*x1 + w12*x2 + b1\nh1 = tanh(z1)\n")
