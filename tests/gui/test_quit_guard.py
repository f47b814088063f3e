"""Quitting with trained steps not saved asks Save, Discard or Cancel; never without a
guard (tests, --screenshot) and never on Ctrl+C."""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.quit_guard import Answer, QuitGuard, close_on_interrupt


@pytest.fixture
def guarded(window):
    guard = QuitGuard(window.session.training, window.session_files, window)
    window.quit_guard = guard
    asked: list[str] = []
    answers: list[Answer] = []

    def ask(text: str) -> Answer:
        asked.append(text)
        return answers.pop(0)

    guard.ask = ask
    yield window, guard, asked, answers
    window.quit_guard = None


def test_nothing_trained_closes_without_asking(guarded):
    window, guard, asked, _ = guarded
    assert not guard.unsaved
    assert window.close()
    assert asked == []


def test_cancel_keeps_the_window_and_discard_closes_it(guarded):
    window, guard, asked, answers = guarded
    window.session.training.run_steps(5)
    assert guard.unsaved
    answers.append(Answer.Cancel)
    assert not window.close()
    assert window.isVisible() and "step 5" in asked[0]
    answers.append(Answer.Discard)
    assert window.close()
    assert len(asked) == 2


def test_save_saves_the_session_then_closes(guarded, tmp_path):
    window, _guard, asked, answers = guarded
    window.session.training.run_steps(3)
    path = tmp_path / "run.bpsession.json"
    window.session_files.path = str(path)
    answers.append(Answer.Save)
    assert window.close()
    assert path.exists() and len(asked) == 1


def test_a_failed_save_keeps_the_window(guarded, monkeypatch):
    window, _guard, _, answers = guarded
    window.session.training.run_steps(3)
    monkeypatch.setattr(window.session_files, "save", lambda: False)  # e.g. cancelled
    answers.append(Answer.Save)
    assert not window.close()
    window.quit_guard = None


def test_saving_or_starting_over_leaves_nothing_to_ask(guarded, tmp_path):
    window, guard, asked, _ = guarded
    training = window.session.training
    training.run_steps(2)
    assert window.session_files.save_to(str(tmp_path / "a.bpsession.json"))
    assert not guard.unsaved
    training.run_steps(1)
    assert guard.unsaved
    training.reset()
    assert not guard.unsaved
    assert window.close() and asked == []


def test_the_real_question_uses_qts_standard_buttons(window, qtbot):
    guard = QuitGuard(window.session.training, window.session_files, window)
    window.session.training.run_steps(1)
    seen: dict[str, object] = {}

    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.objectName() == "quit_box")
        seen["buttons"] = box.standardButtons()
        seen["default"] = box.standardButton(box.defaultButton())
        box.button(QMessageBox.StandardButton.Cancel).click()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(100, answer)
    assert not guard.may_close()
    assert seen["buttons"] == Answer.Save | Answer.Discard | Answer.Cancel
    assert seen["default"] == Answer.Save


def test_a_window_without_a_guard_never_asks(window):
    window.session.training.run_steps(4)
    assert window.quit_guard is None
    assert window.close()


def test_ctrl_c_closes_without_asking(window, qtbot):
    guard = QuitGuard(window.session.training, window.session_files, window)
    window.quit_guard = guard
    guard.ask = lambda text: pytest.fail("Ctrl+C must not ask")
    window.session.training.run_steps(4)
    previous = signal.getsignal(signal.SIGINT)
    try:
        interrupted = close_on_interrupt(window, guard)
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
        assert interrupted()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_screenshot_never_gets_a_guard(qapp, tmp_path, monkeypatch, capsys):
    from gui import quit_guard
    from gui.app import run_gui

    def refuse(*_args, **_kwargs):
        raise AssertionError("a screenshot must not ask before closing")

    monkeypatch.setattr(quit_guard.QuitGuard, "__init__", refuse)
    path = tmp_path / "shot.png"
    assert run_gui(["--screenshot", str(path), "--steps", "3", "--size", "400x300"]) == 0
    assert path.exists()
    capsys.readouterr()
