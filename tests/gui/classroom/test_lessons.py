"""The shipped lesson runs start to end, each stop in the state it describes; a malformed
lesson gets a clear message and the window keeps running."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from core.lessons import load_lesson
from gui.classroom.lesson_player import PLOT_TABS


def lit(view) -> set[str]:
    return {n for n, item in view.node_items.items() if not item.dimmed}


def check_stop(window, stop, qtbot):
    """The window is in the state ``stop`` describes."""
    training = window.session.training
    assert training.graph.name == stop.graph
    if stop.optimizer:
        assert training.optimizer_name == stop.optimizer
    assert training.trainer.cursor.step == stop.steps
    assert window.stepping.active == (stop.stepper is not None)
    if stop.stepper is not None:
        position = window.stepping.position
        assert position.phase == stop.stepper.phase
        span = window.stepping.plan.phase_range(stop.stepper.phase)
        at = stop.stepper.at
        assert position.index == (span.start + at if at >= 0 else span.stop + at)
    if stop.plot is not None:
        assert window.plot_tabs.currentIndex() == PLOT_TABS[stop.plot]
    if stop.compare:
        runner = window.session.comparison
        qtbot.waitUntil(lambda: not runner.running(), timeout=30000)
        assert set(window.compare_plot.curve_lengths()) == set(stop.compare)
        assert all(n > 0 for n in window.compare_plot.curve_lengths().values())
    if stop.gradient_check:
        assert window.actions["gradient_check"].isChecked()
        assert window.gradient_tools.dock.isVisible()
    view = window.graph_view
    if stop.spotlight:
        labels = {view.node_items[n].node.label for n in lit(view)} | lit(view)
        assert set(stop.spotlight) <= labels
        assert len(lit(view)) == len(stop.spotlight)
    if stop.hide is not None:
        item = next(i for n, i in view.node_items.items()
                    if stop.hide.node in (n, i.node.label))
        value, grad = item.shown_texts()
        assert (grad if stop.hide.number == "grad" else value).endswith("?")
        assert stop.hide.question in window.lessons.bar.text()
    assert stop.caption[:40] in window.lessons.bar.text().replace("&#x27;", "'")


def test_the_seed_lesson_start_to_end(window, qtbot):
    lesson = load_lesson("seed")
    assert window.open_lesson("seed")
    view = window.graph_view
    for i, stop in enumerate(lesson.stops):
        assert window.lessons.index == i
        check_stop(window, stop, qtbot)
        if stop.hide is not None:
            qtbot.keyClick(view, Qt.Key.Key_PageDown)  # reveal
            assert window.lessons.index == i
            item = next(it for n, it in view.node_items.items()
                        if stop.hide.node in (n, it.node.label))
            assert "?" not in item.shown_texts()[1]
            assert item.grad_text.startswith("∂")
            assert not any(e.masked for e in view.edge_items.values())
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert window.lessons.index == len(lesson.stops) - 1  # the last stop stays
    # PageUp goes back, and the stop is set up again exactly.
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    check_stop(window, lesson.stops[-2], qtbot)
    window.lessons.go(1)
    check_stop(window, lesson.stops[1], qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not window.lessons.active and not window.lessons.bar.isVisible()


def test_the_hidden_gradient_hides_its_sign_too(window):
    lesson = load_lesson("seed")
    index = next(i for i, stop in enumerate(lesson.stops) if stop.hide is not None)
    assert window.open_lesson("seed", index)
    view = window.graph_view
    node = lesson.stops[index].hide.node
    masked = {edge for edge, item in view.edge_items.items() if item.masked}
    assert masked and all(edge[0] == node for edge in masked)
    # Nor does the weights table tell.
    assert window.weights_table.cell_text(node, "∂L/∂w") == "?"
    window.step_forward()  # reveal
    assert window.weights_table.cell_text(node, "∂L/∂w") not in ("?", "")


def test_a_malformed_lesson_is_refused_and_the_window_keeps_running(window, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "x", "stops": [{"caption": "a", "stepper": {"phase": 1}}]}',
                    encoding="utf-8")
    training = window.session.training
    training.run_steps(3)
    assert not window.open_lesson(str(path))
    assert not window.lessons.active
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any("broken.json: stop 1" in b.text() for b in boxes)
    assert training.trainer.cursor.step == 3  # nothing the user had is lost
    for box in boxes:
        box.close()
    # A stop on a preset naming a node its graph lacks: refused on opening, the stop and
    # the name said.
    odd = tmp_path / "odd.json"
    odd.write_text('{"title": "x", "stops": [{"caption": "a"}, {"caption": "b", '
                   '"spotlight": ["part_3", "w99"]}]}', encoding="utf-8")
    assert not window.open_lesson(str(odd))
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any("odd.json: stop 2: the graph has no node named 'w99'" in b.text()
               for b in boxes)
    for box in boxes:
        box.close()
    # On a formula the names are checked when the stop is shown: shown, the problem said.
    later = tmp_path / "later.json"
    later.write_text('{"title": "x", "stops": [{"caption": "a", "graph": "w1*x1 + b", '
                     '"spotlight": ["w1·x1", "w99"]}]}', encoding="utf-8")
    assert window.open_lesson(str(later))
    assert "later.json: stop 1: the graph has no node named 'w99'" in \
        window.statusBar().currentMessage()


def test_a_stop_spotlights_nodes_by_their_names(window):
    names = '{"title": "x", "stops": [{"caption": "a", "spotlight": ["v1·v2", "part_3"]}]}'
    import json

    from core.lessons import parse_lesson

    window.lessons.open(parse_lesson(json.loads(names), "names.json"))
    view = window.graph_view
    assert lit(view) == {"mul7", "sigmoid1"}


def test_lesson_on_the_command_line(tmp_path, capsys):
    from gui.app import run_gui

    path = tmp_path / "stop.png"
    assert run_gui(["--screenshot", str(path), "--lesson", "seed", "--stop", "2",
                    "--size", "1024x768"]) == 0
    assert QImage(str(path)).width() == 1024
    capsys.readouterr()
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    for args in (["--lesson", str(bad)], ["--lesson", "seed", "--stop", "0"],
                 ["--lesson", "seed", "--stop", "99"], ["--stop", "2"]):
        assert run_gui(["--screenshot", str(path), *args]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err
