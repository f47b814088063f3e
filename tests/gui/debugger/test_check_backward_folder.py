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
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
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
