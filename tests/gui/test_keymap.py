"""The one keymap table: every row is an action with its keys, every key triggers its
action, and the help page lists every row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.training.optimizers import OPTIMIZERS
from gui.keymap import KEYMAP, help_html, key_text


def test_names_and_keys_are_unique():
    names = [row.name for row in KEYMAP]
    assert len(names) == len(set(names))
    keys = [QKeySequence(key).toString() for row in KEYMAP for key in row.keys]
    assert all(keys), "a key Qt cannot read"
    assert len(keys) == len(set(keys)), "a key is bound twice"


def test_the_clicker_keys_are_bound():
    bound = {QKeySequence(key).toString() for row in KEYMAP for key in row.keys}
    for key in ("PgDown", "PgUp", "B", ".", "F5", "Esc", "Right", "Left", "Space", "R",
                "F", "+", "-", "L", *map(str, range(1, len(OPTIMIZERS) + 1))):
        if key == "F5" and not any(row.name == "present" for row in KEYMAP):
            continue
        assert key in bound, key


def test_every_row_is_an_action_of_the_window(window):
    for row in KEYMAP:
        action = window.actions[row.name]
        assert action.objectName() == row.name
        assert [s.toString() for s in action.shortcuts()] == \
            [QKeySequence(k).toString() for k in row.keys]
        assert action in window.actions.values()


def test_help_page_lists_every_row():
    page = help_html()
    for row in KEYMAP:
        if row.keys:
            assert key_text(row) in page
            assert row.help.replace("'", "&#x27;") in page


def test_each_key_triggers_its_action(window, qtbot, monkeypatch):
    # The file dialogs would wait for a user.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: ("", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: ("", ""))
    fired: dict[str, int] = {}
    for row in KEYMAP:
        window.actions[row.name].triggered.connect(
            lambda _checked=False, name=row.name: fired.__setitem__(name, fired.get(name, 0) + 1))
    rows = sorted(KEYMAP, key=lambda row: row.name == "quit")  # quitting last
    for row in rows:
        for key in row.keys:
            before = fired.get(row.name, 0)
            QTest.keySequence(window.graph_view, QKeySequence(key))
            assert fired.get(row.name, 0) == before + 1, (row.name, key)
            for box in window.findChildren(QMessageBox):
                box.close()
            window.session.play.pause()


def test_keys_do_what_they_say(window, session, qtbot):
    view = window.graph_view
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert session.training.trainer.cursor.step == 1
    qtbot.keyClick(view, Qt.Key.Key_6)
    assert session.training.optimizer_name == list(OPTIMIZERS)[5]
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert session.training.optimizer_name == next(iter(OPTIMIZERS))
    qtbot.keyClick(view, Qt.Key.Key_L)
    assert window.loss_plot.log_scale.isChecked()
    assert window.actions["log_scale"].isChecked()
    qtbot.keyClick(view, Qt.Key.Key_B)
    assert view.blanked
    assert not view.encoding_legend.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_Period)
    assert not view.blanked
    qtbot.keyClick(view, Qt.Key.Key_B)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.blanked
    start = view.zoom()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom() > start
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom() < start
