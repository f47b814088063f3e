"""Check my backward in the window: the result says which protections applied, and a
student's words (an exception's message with markup and escapes) are shown as plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import ROOT
from tests.hostile.backward_files import machine_protections, needs


def result_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "check_backward_result"
            and w.isVisible()]


def test_the_result_says_which_protections_applied(window, qtbot):
    needs("files")
    checker = window.gradient_tools.checker
    training = window.session.training
    with qtbot.waitSignal(checker.finished, timeout=60_000) as caught:
        checker.start(str(ROOT / "resources" / "examples" / "correct_backward.py"),
                      training.graph, training.dataset)
    report = caught.args[0]
    assert report.containment.as_dict() == machine_protections()
    (box,) = result_boxes()
    assert "every derivative is correct at 40 points" in box.text()
    assert "Your code ran contained by Landlock ABI" in box.text()
    if report.containment.complete:
        assert "missing" not in box.text()
    box.close()


def test_a_students_markup_is_shown_as_plain_text(window, qtbot, tmp_path):
    path = tmp_path / "student.py"
    path.write_text("def backward_propagation(x, y, w, d):\n"
                    "    raise ValueError('<img src=/dev/zero><b>\\x1b[2Jbold</b>')\n")
    checker = window.gradient_tools.checker
    training = window.session.training
    with qtbot.waitSignal(checker.failed, timeout=60_000) as caught:
        checker.start(str(path), training.graph, training.dataset)
    message = caught.args[0]
    assert "<img src=/dev/zero><b>" in message
    assert "\x1b" not in message
    (box,) = result_boxes()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "<img src=/dev/zero>" in box.text()
    box.close()
