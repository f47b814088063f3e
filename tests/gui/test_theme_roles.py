"""Every colour the window draws comes from the theme by role: none is written outside
gui/theme.py, and the panels that colour their own texts follow a theme switch."""

import ast
import re

import pytest
from PySide6.QtGui import QColor

from gui.theme import THEMES, current_theme, use_theme
from tests.conftest import ROOT

COLOUR = re.compile(r"#[0-9A-Fa-f]{6}\b|\brgba?\(")
NAMED = {"red", "green", "blue", "black", "white", "gray", "grey", "w", "k", "r", "g", "b"}
#: Calls whose string argument names a colour.
COLOUR_CALLS = {"mkPen", "mkBrush", "mkColor", "QColor", "setBackground"}


def _colour_literals(path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and COLOUR.search(node.value):
            found.append((node.lineno, node.value))
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            for arg in node.args:
                if name in COLOUR_CALLS and isinstance(arg, ast.Constant) \
                        and arg.value in NAMED:
                    found.append((node.lineno, arg.value))
    return found


def test_no_colour_is_written_outside_the_theme():
    offenders = {str(path.relative_to(ROOT)): _colour_literals(path)
                 for path in (ROOT / "gui").rglob("*.py") if path.name != "theme.py"}
    assert {path: found for path, found in offenders.items() if found} == {}


@pytest.fixture
def restore_theme():
    yield
    use_theme(THEMES["light"])


@pytest.mark.parametrize("name", ["dark", "high-contrast"])
def test_the_panels_follow_a_theme_switch(window, session, qtbot, restore_theme, name):
    theme = THEMES[name]
    window.set_theme(theme)
    assert current_theme() is theme
    form = window.side_panel.optimizer_box.form
    field = form.fields["lr"]
    field.setText("abc")
    field.textEdited.emit("abc")
    assert theme.error_border in field.styleSheet()
    assert theme.error_background in field.styleSheet()
    editor = window.side_panel.model_box.formula_editor
    editor.text.setPlainText("w1*x1 +")
    assert theme.warning_text in editor.status.text()
    assert theme.error_background in editor.status.text()
    plot = window.loss_plot
    assert plot.original_curve.opts["pen"].color() == QColor(theme.original_loss)
    assert plot.viewing_line.pen.color() == QColor(theme.viewing_mark)
    inspector = window.inspector
    assert inspector._value_curve.opts["pen"].color() == QColor(theme.value_line)
    assert inspector.plot.backgroundBrush().color() == QColor(theme.plot_background)
    # A field still invalid when the theme changes back takes the light colours.
    window.set_theme(THEMES["light"])
    assert THEMES["light"].error_border in field.styleSheet()
    assert THEMES["light"].warning_text in editor.status.text()
    assert theme.warning_text not in editor.status.text()
    marks = editor.text.extraSelections()
    assert marks and marks[0].format.underlineColor() == QColor(THEMES["light"].warning_text)
