"""The gradient-check panel and "Check my backward" in the window: the engine's numbers,
verdict colours on the weight nodes, and student files that never bring the app down."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.autodiff.gradcheck import check_graph
from gui.debugger.gradcheck_panel import GradCheckPanel, eps_note, parse_eps
from gui.formatting import short_number
from tests.conftest import ROOT

EXAMPLES = ROOT / "resources" / "examples"
NOTEBOOK_BUGS = {"w1", "w2", "w3", "w6", "w7"}


@pytest.fixture
def tools(window, qtbot):
    tools = window.gradient_tools
    tools.show_panel(True)
    qtbot.waitUntil(lambda: tools.panel.report is not None)
    yield tools
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox):
            widget.close()


def test_the_panel_shows_the_engines_numbers(tools, session):
    snapshot = session.training.snapshot()
    x, y = snapshot.dataset.row(snapshot.sample)
    expected = check_graph(snapshot.graph, x, y, snapshot.weights, tools.panel.eps)
    report = tools.panel.report
    assert report == expected
    for name, engine, check in zip(snapshot.graph.weights, snapshot.trace.weight_grads,
                                   report.weights, strict=True):
        assert check.analytic == engine  # the engine's backward pass, not a copy of it
        assert tools.panel.cell_text(name, "analytic") == short_number(engine)
        assert tools.panel.cell_text(name, "numeric") == short_number(check.numeric)
        assert tools.panel.cell_text(name, "verdict") == f"✓ {name}"
        assert tools.panel.verdict_of(name) == "correct"
    assert f"{short_number(report.relative_error, 3)}" in tools.panel.overall_label.text()
    assert "correct" in tools.panel.overall_label.text()


def test_training_updates_the_check_and_the_marks_follow_the_dock(tools, session, window,
                                                                  qtbot):
    before = tools.panel.report
    session.training.step_sample()
    qtbot.waitUntil(lambda: tools.panel.report is not before)
    assert tools.panel.report.weights[0].analytic == session.training.snapshot().weight_grads[0]
    marks = window.graph_view.verdict_marks
    assert set(marks) == set(session.training.graph.weights)
    assert {m.mark.verdict for m in marks.values()} == {"correct"}
    tools.show_panel(False)
    assert window.graph_view.verdict_marks == {}
    assert not window.actions["gradient_check"].isChecked()


def test_eps_is_editable_within_its_range_with_a_note(tools, qtbot):
    panel = tools.panel
    line = panel.eps_box.lineEdit()
    line.setText("1e-3")
    line.editingFinished.emit()
    assert panel.eps == 1e-3
    assert panel.report.eps == 1e-3
    assert "truncation" in panel.note_label.text()
    for bad, words in (("5", "between 1e-10 and 0.01"), ("abc", "not a number"),
                       ("1e-12", "between")):
        line.setText(bad)
        line.editingFinished.emit()
        assert words in panel.note_label.text()
        assert panel.eps == 1e-3  # unchanged
    with pytest.raises(ValueError, match="between"):
        panel.set_eps(0.5)


def test_eps_notes_name_truncation_and_rounding(session):
    snapshot = session.training.snapshot()
    x, y = snapshot.dataset.row(0)
    small = check_graph(snapshot.graph, x, y, snapshot.weights, 1e-10)
    assert "too small" in eps_note(small, 1e-10) and "rounding" in eps_note(small, 1e-10)
    big = check_graph(snapshot.graph, x, y, np.full(9, 0.8), 1e-2)
    note = eps_note(big, 1e-2)
    assert "truncation" in note
    assert parse_eps("1e-2") == 1e-2
    with pytest.raises(ValueError, match="between"):
        parse_eps("1e-11")


def test_a_hidden_panel_does_no_work(qtbot, session):
    panel = GradCheckPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(session.training.snapshot())
    assert panel.report is None
    panel.show()
    qtbot.waitUntil(lambda: panel.report is not None)


def run_check(tools, qtbot, path, signal="finished", timeout_ms=30_000):
    training = tools.parent().session.training
    with qtbot.waitSignal(getattr(tools.checker, signal), timeout=timeout_ms) as blocker:
        tools.checker.start(str(path), training.graph, training.dataset)
    return blocker.args[0]


def test_check_my_backward_marks_exactly_the_notebooks_wrong_weights(tools, qtbot, window):
    report = run_check(tools, qtbot, EXAMPLES / "notebook_backward.py")
    assert set(report.wrong) == NOTEBOOK_BUGS
    marks = window.graph_view.verdict_marks
    wrong = {name for name, item in marks.items() if item.mark.verdict == "wrong"}
    assert wrong == NOTEBOOK_BUGS
    assert "worst sample" in marks["w3"].mark.text
    legend = tools.legend
    assert legend.isVisible()
    for key in ("dw1", "dw2", "dw3", "dw6", "dw7"):
        assert key in legend.text()
    assert "dw4" not in legend.text()
    # The gradient check of the engine does not overwrite them ...
    tools.panel.recheck()
    assert {n for n, m in window.graph_view.verdict_marks.items()
            if m.mark.verdict == "wrong"} == NOTEBOOK_BUGS
    # ... until they are cleared.
    window.actions["clear_marks"].trigger()
    assert not legend.isVisible()
    assert {m.mark.verdict for m in window.graph_view.verdict_marks.values()} == {"correct"}


def test_the_correct_example_passes_in_the_window(tools, qtbot, window):
    report = run_check(tools, qtbot, EXAMPLES / "correct_backward.py")
    assert report.flagged == ()
    assert "every derivative correct" in tools.legend.text()


# Every failure mode is tested in tests/core/backward_check; here, files that raise, hang
# or return garbage reach the user as a dialog while the window goes on working.
@pytest.mark.parametrize(("body", "words"), [
    ("def backward_propagation(x, y, w, d):\n    return 1 / 0\n",
     "raised at student.py, line 2"),
    ("def backward_propagation(x, y, w, d):\n    return 'garbage'\n", "returned str"),
    ("while True:\n    pass\n", "did not finish within"),
])
def test_hostile_files_get_a_dialog_and_the_app_keeps_running(tools, qtbot, window,
                                                              tmp_path, body, words):
    path = tmp_path / "student.py"
    path.write_text(body)
    tools.checker.timeout = 0.5
    message = run_check(tools, qtbot, path, signal="failed")
    assert words in message
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert any(words in box.text() for box in boxes)
    # The window still trains.
    steps = window.session.training.snapshot().step
    window.session.training.step_sample()
    assert window.session.training.snapshot().step == steps + 1


def test_the_command_asks_before_running_a_file(tools, qtbot, window, monkeypatch):
    path = str(EXAMPLES / "correct_backward.py")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    asked = []

    def refuse(box):
        asked.append(box.text())
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    window.actions["check_backward"].trigger()
    assert "runs the Python code in correct_backward.py" in asked[0]
    assert not tools.checker.running and tools.checker.last_report is None
    monkeypatch.setattr(QMessageBox, "exec", lambda _box: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(tools.checker.finished, timeout=30_000):
        window.actions["check_backward"].trigger()


def test_closing_the_window_stops_a_running_check(tools, qtbot, window, tmp_path):
    path = tmp_path / "hang.py"
    path.write_text("while True:\n    pass\n")
    training = window.session.training
    tools.checker.start(str(path), training.graph, training.dataset)
    assert tools.checker.running
    window.close()
    assert not tools.checker.running


def test_the_panel_says_when_a_node_sits_at_its_kink(qtbot, session):
    from dataclasses import replace

    from core.autodiff.formula import parse_formula

    panel = GradCheckPanel()
    qtbot.addWidget(panel)
    panel.show()
    graph = parse_formula("relu(a*x1) + b")
    at_kink = replace(session.training.snapshot(), graph=graph, weights=np.zeros(2))
    panel.show_snapshot(at_kink)
    note = panel.note_label.text()
    assert "Note: relu(a·x1) (relu) is at its kink" in note
    assert "does not mean the backward pass is wrong." in note
    panel.show_snapshot(replace(at_kink, weights=np.ones(2)))
    assert "kink" not in panel.note_label.text()


def test_a_weight_whose_finite_difference_crosses_a_kink_reads_kinked_not_wrong(qtbot,
                                                                                session):
    from dataclasses import replace

    from core.autodiff.formula import parse_formula

    panel = GradCheckPanel()
    qtbot.addWidget(panel)
    panel.show()
    seen = []
    panel.verdicts_changed.connect(seen.append)
    graph = parse_formula("relu(a*x1) + b")
    at_kink = replace(session.training.snapshot(), graph=graph, weights=np.zeros(2))
    panel.show_snapshot(at_kink)
    x1 = at_kink.dataset.row(at_kink.sample)[0][0]
    assert x1 != 0.0  # so a's finite difference straddles relu's kink
    assert panel.report.weights[0].verdict == "wrong"  # the numbers disagree...
    assert panel.verdict_of("a") == "kinked"  # ...because of the kink, and it says so
    assert panel.cell_text("a", "verdict") == "∧ a"
    assert panel.verdict_of("b") == "correct"
    assert "kinked" in panel.overall_label.text() and "wrong" not in \
        panel.overall_label.text()
    assert seen[-1] == {"a": "kinked", "b": "correct"}
