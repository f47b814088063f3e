"""The Model box catches typos of a data column and says what Apply will do: the check
while typing and Apply give the same verdict on every formula."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset, load_dataset
from gui.theme import current_theme
from tests.body_table import body_csv

#: The light theme's colours (the tests' panels are never restyled).
ERROR_COLOUR = current_theme().warning_text
WARNING_COLOUR = current_theme().caution_text

BASELINE = "q*x1 + r"


@pytest.fixture
def body(tmp_path):
    return load_dataset(body_csv(tmp_path))


def _type(editor, text):
    editor.text.setPlainText(text)


def _on(training, dataset):
    training.set_model(parse_formula(BASELINE), dataset)


def _underlined(editor):
    return [(s.cursor.selectionStart(), s.cursor.selectedText(),
             s.format.underlineColor().name().upper())
            for s in editor.text.extraSelections()]


def test_a_typo_of_a_column_is_marked_while_typing(editor, training, body):
    _on(training, body)
    _type(editor, "tanh(a*heigth + c) + heigth")
    assert editor.verdict == "warning"
    assert "heigth: did you mean the column height?" in editor.status.text()
    assert WARNING_COLOUR in editor.status.text()
    assert "✓" not in editor.status.text()
    assert _underlined(editor) == [(7, "heigth", WARNING_COLOUR),
                                   (21, "heigth", WARNING_COLOUR)]
    assert editor.apply_button.isEnabled()  # a warning, not an error: it may be meant


def test_a_name_differing_only_in_case_is_marked(editor, training, body):
    _on(training, body)
    _type(editor, "w*Mass + b*x1")
    assert editor.verdict == "warning"
    assert "Mass: did you mean the column mass?" in editor.status.text()


def test_generic_and_short_names_are_not_marked(editor, training, body):
    _on(training, body)
    _type(editor, "w1*x1 + w2*x2 + b + mas*x1")
    assert editor.verdict == "ok"
    assert "✓" in editor.status.text()


def _answer(editor, button):
    box = editor.question
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.findChild(type(box.defaultButton()), button).click()
    assert editor.question is None


def test_apply_asks_and_use_height_uses_the_column(editor, training, body):
    _on(training, body)
    _type(editor, "tanh(a*heigth + c)")
    assert editor.apply() is False  # asked first
    box = editor.question
    assert "heigth: did you mean the column height?" in box.text()
    labels = {b.text() for b in box.buttons()}
    assert {"Use height", "Keep heigth as a weight"} <= labels
    assert training.graph.formula == BASELINE
    _answer(editor, "use_columns")
    assert editor.formula_text() == "tanh(a*height + c)"
    assert training.graph.formula == "tanh(a*height + c)"
    assert training.graph.weights == ("a", "c")
    assert editor.verdict == "ok"


def test_keep_as_a_weight_applies_and_asks_no_more(editor, training, body):
    _on(training, body)
    _type(editor, "tanh(a*heigth + c*mass)")
    editor.apply()
    _answer(editor, "keep_weights")
    assert training.graph.weights == ("a", "c", "heigth")
    assert editor.verdict == "ok"
    assert "heigth kept as a weight" in editor.status.text()
    _type(editor, "tanh(a*heigth + c*mass + d)")
    assert editor.verdict == "ok"
    assert editor.apply() is True
    assert editor.question is None


def test_cancel_changes_nothing(editor, training, body):
    _on(training, body)
    before = training.graph
    _type(editor, "tanh(a*heigth + c)")
    editor.apply()
    editor.question.reject()
    assert editor.question is None
    assert training.graph is before
    assert editor.formula_text() == "tanh(a*heigth + c)"


def test_enter_asks_too(editor, training, body, qtbot):
    _on(training, body)
    _type(editor, "tanh(a*heigth + c)")
    editor.text.setFocus()
    qtbot.keyClick(editor.text, Qt.Key.Key_Return)
    assert editor.question is not None
    editor.question.reject()


def test_a_column_the_data_lacks_is_marked_while_typing(editor, training):
    _on(training, builtin_dataset())  # 5 feature columns
    _type(editor, "w1*x1 + w9*x9")
    assert editor.verdict == "error"
    assert not editor.apply_button.isEnabled()
    assert "has 5 feature columns but the graph uses x1..x9" in editor.status.text()
    assert _underlined(editor)[0][:2] == (11, "x9")
    assert ERROR_COLOUR in editor.status.text()


def test_no_feature_column_is_a_warning(editor, training):
    _on(training, builtin_dataset())
    _type(editor, "a*b + c")
    assert editor.verdict == "warning"
    assert "0 feature columns" in editor.status.text()
    assert "✓" not in editor.status.text()
    assert editor.apply() is True
    assert "warning: 0 feature columns" in editor.window().statusBar().currentMessage()


FORMULAS = [
    "tanh(a*height + b*mass + c)",
    "tanh(a*heigth + c)",
    "Height*a + b",
    "a*b + c",
    "w1*x1 + w2*x2 + b",
    "w1*x1 + w3*x3",
    "x9*a + b",
    "a*",
    "tanh(a*height + b*mass + c*target)",
    "sigmoid(w*massx + b*x1)",
    "weigth*height + b",
    "hieght*x1",
    "tanh(a*height\n + b)",
    "h = tanh(a*height + b)\nw*h + c",
    "h = tanh(a*height + b)\nunused = c*mass\nw*h + d",
    "h = tanh(a*heigth + b)\nw*h + c",
    "h = tanh(a*height + b)\nh = w*x1\nw*h + c",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_live_check_and_apply_agree(editor, training, body, text):
    _on(training, body)
    _type(editor, text)
    live = editor.verdict
    live_shown = editor.status.text()
    applied = editor.apply()
    if editor.question is not None:
        verdict = "warning"
        editor.question.reject()
    elif not applied:
        verdict = "error"
        assert training.graph.formula == BASELINE
    else:
        message = editor.window().statusBar().currentMessage()
        verdict = "warning" if "warning:" in message else "ok"
    assert verdict == live, (text, live_shown)
    # What is shown says the verdict.
    assert ("✓" in live_shown) == (live == "ok")
    assert (ERROR_COLOUR in live_shown) == (live == "error")


def test_the_list_covers_every_verdict(editor, training, body):
    _on(training, body)
    seen = set()
    for text in FORMULAS:
        _type(editor, text)
        seen.add(editor.verdict)
    assert seen == {"ok", "warning", "error"}


def test_shift_enter_starts_a_new_line_and_enter_applies(editor, training, qtbot):
    _type(editor, "tanh(a*x1")
    editor.text.setFocus()
    editor.text.moveCursor(editor.text.textCursor().MoveOperation.End)
    qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor.text, " + b)")
    assert editor.formula_text() == "tanh(a*x1\n + b)"
    assert training.graph.formula != "tanh(a*x1\n + b)"
    qtbot.keyClick(editor.text, Qt.Key.Key_Return)
    assert training.graph.formula == "tanh(a*x1\n + b)"
    assert editor.formula_text() == "tanh(a*x1\n + b)"  # the new line is kept


def test_an_error_on_a_later_line_is_marked_where_it_is(editor):
    text = "h = tanh(a*x1 + b)\nw*h + y"
    _type(editor, text)
    assert editor.verdict == "error"
    assert "line 2, column 7: 'y' is the target" in editor.status.text()
    assert _underlined(editor)[0][:2] == (len(text) - 1, "y")


@pytest.mark.parametrize("name", ["seed", "xor", "linear", "micrograd", "mlp"])
def test_a_preset_passes_the_check_and_enter_keeps_it(window, editor, training, qtbot, name):
    window.presets_menu.entries[name].trigger()
    assert editor.verdict == "ok"
    before = training.graph
    editor.text.setFocus()
    qtbot.keyClick(editor.text, Qt.Key.Key_Return)
    assert training.graph is before
    assert training.graph.name == name
