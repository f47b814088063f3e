"""Check my backward's file dialog opens on the shipped examples the first time, then where
the user last chose a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import ROOT

EXAMPLES = ROOT / "resources" / "examples"


def _record_dialogs(monkeypatch, answer: str) -> list[str]:
    folders: list[str] = []

    def choose(_parent, _title, folder, _filter):
        folders.append(folder)
        return answer, ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    monkeypatch.setattr(QMessageBox, "exec", lambda _box: QMessageBox.StandardButton.No)
    return folders


def test_the_dialog_opens_on_the_examples_then_where_the_user_was(window, monkeypatch,
                                                                   tmp_path, session):
    own = tmp_path / "mine" / "backward.py"
    own.parent.mkdir()
    own.write_text("def backward_propagation(x, y, w, f):\n    return {}\n")
    folders = _record_dialogs(monkeypatch, str(own))
    action = window.actions["check_backward"]
    action.trigger()
    assert Path(folders[0]) == EXAMPLES and (EXAMPLES / "notebook_backward.py").exists()
    action.trigger()
    assert Path(folders[1]) == own.parent.resolve()
    # Remembered with the window's settings: the next window opens there too.
    from gui.main_window import MainWindow
    from gui.settings import open_settings

    window.save_settings()
    again = MainWindow(session, settings=open_settings())
    try:
        again.actions["check_backward"].trigger()
        assert Path(folders[2]) == own.parent.resolve()
    finally:
        again.close()
        again.deleteLater()


def test_a_cancelled_dialog_keeps_the_folder(window, monkeypatch):
    folders = _record_dialogs(monkeypatch, "")
    for _ in range(2):
        window.actions["check_backward"].trigger()
    assert [Path(folder) for folder in folders] == [EXAMPLES, EXAMPLES]


def test_the_confirmation_shows_a_file_name_as_plain_text(window, monkeypatch, tmp_path):
    # A file may be named like markup: the question shows the name, never an image.
    from PySide6.QtCore import Qt

    own = tmp_path / "<img src=x.png>.py"
    own.write_text("def backward_propagation(x, y, w, f):\n    return {}\n")
    seen = []

    def answer(box):
        seen.append((box.textFormat(), box.text()))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert window.gradient_tools.checker.confirm(str(own)) is False
    assert seen[0][0] == Qt.TextFormat.PlainText
    assert "<img src=x.png>.py" in seen[0][1]


def test_the_window_checks_at_the_runs_current_weights(window, monkeypatch):
    started = []
    checker = window.gradient_tools.checker
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a: (str(EXAMPLES / "notebook_backward.py"), ""))
    monkeypatch.setattr(checker, "confirm", lambda _path: True)
    monkeypatch.setattr(checker, "start", lambda *args: started.append(args))
    window.session.training.run_steps(3)
    window.actions["check_backward"].trigger()
    (_path, _graph, _dataset, weights), = started
    assert list(weights) == list(window.session.training.trainer.weights)
