"""File > Export: the graph and each plot as PNG and SVG, the history as CSV, the model as
a PyTorch script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox


def test_every_export_entry_is_in_the_file_menu(window):
    assert set(window.export_menu.entries) == {
        "graph.png", "graph.svg", "loss.png", "loss.svg", "weights.png", "weights.svg",
        "compare.png", "compare.svg", "history.csv", "model.py"}
    file_menu = window.menuBar().actions()[0].menu()
    assert window.export_menu.menuAction() in file_menu.actions()


def test_graph_and_plots_export_as_drawn(window, session, tmp_path):
    session.training.run_steps(40)
    menu = window.export_menu
    for key in ("graph", "loss", "weights", "compare"):
        png, svg = tmp_path / f"{key}.png", tmp_path / f"{key}.svg"
        assert menu.export(key, str(png)) and menu.export(key, str(svg))
        assert not QImage(str(png)).isNull()
        ET.parse(svg)
    graph_png = QImage(str(tmp_path / "graph.png"))
    assert graph_png.width() == window.graph_view.width()
    texts = {"".join(e.itertext()).strip() for e in ET.parse(tmp_path / "graph.svg").iter()}
    assert {"w1", "exp", "L"} <= texts
    loss_texts = {"".join(e.itertext()).strip() for e in ET.parse(tmp_path / "loss.svg").iter()}
    assert "sample loss" in loss_texts
    assert "Exported the compare" in window.statusBar().currentMessage()


def test_history_export_has_a_row_per_step(window, session, tmp_path):
    session.training.run_steps(12)
    path = tmp_path / "h.csv"
    assert window.export_menu.export("history", str(path))
    assert len(path.read_text(encoding="utf-8").splitlines()) == 13
    assert "12 rows" in window.statusBar().currentMessage()


def test_a_failed_export_says_why_and_changes_nothing(window, session, tmp_path):
    session.training.run_steps(5)
    assert not window.export_menu.export("graph", str(tmp_path / "missing" / "g.svg"))
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "does not exist" in box.text()
    assert session.training.trainer.cursor.step == 5


def test_the_model_exports_as_a_pytorch_script_at_the_shown_weights(window, session,
                                                                    tmp_path):
    session.training.run_steps(9)
    path = tmp_path / "model.py"
    assert window.export_menu.export("model", str(path))
    source = path.read_text(encoding="utf-8")
    weights = session.training.trainer.weights
    assert f"w1 = number({float(weights[0])!r}, grad=True)" in source
    assert "after 9 training steps" in source
    compile(source, str(path), "exec")
    assert "PyTorch script" in window.statusBar().currentMessage()


def test_the_window_s_script_calls_the_model_as_the_command_s_does(window, session, tmp_path):
    # The window wrote the bare preset name ('"""seed as PyTorch'), and a formula with
    # named steps over several lines, where the command wrote "The seed graph".
    path = tmp_path / "model.py"
    assert window.export_menu.export("model", str(path))
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == '"""The seed graph as PyTorch, exported by Backprop Explorer.'
