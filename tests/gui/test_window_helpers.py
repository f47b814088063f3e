"""The window's helpers get the few things they use, not the window: no module in gui but
the entry point (gui/app.py) imports gui/main_window.py, not even for type hints, and the
helpers work when built from their parts alone."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from tests.conftest import ROOT

#: The one module that builds the window (python main.py opens it from there).
ENTRY_POINT = "gui/app.py"


def _imports_the_window(path: Path) -> list[int]:
    """Lines of ``path`` importing gui.main_window (anywhere: top, function, TYPE_CHECKING)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names.append(node.module or "")
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(name == "gui.main_window" for name in names):
            lines.append(node.lineno)
    return lines


def test_no_gui_module_but_the_entry_point_imports_the_window():
    found = {}
    for path in sorted((ROOT / "gui").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        lines = _imports_the_window(path)
        if lines and relative not in (ENTRY_POINT, "gui/main_window.py"):
            found[relative] = lines
    assert found == {}, f"modules importing gui/main_window.py: {found}"
    assert _imports_the_window(ROOT / ENTRY_POINT)  # the scan does see an import


def test_the_scan_reads_type_checking_and_local_imports(tmp_path):
    path = tmp_path / "helper.py"
    path.write_text("from typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n"
                    "    from gui.main_window import MainWindow\n"
                    "def f():\n"
                    "    import gui.main_window\n"
                    "    from gui import main_window\n", encoding="utf-8")
    assert _imports_the_window(path) == [3, 5, 6]


def test_the_spotlight_works_from_the_graph_view_and_the_stepper(qtbot, session):
    from gui.classroom.spotlight import Spotlight
    from gui.debugger.stepping import SteppingController
    from gui.graph.view import GraphView

    view = GraphView()
    qtbot.addWidget(view)
    view.set_graph(session.training.graph)
    view.show_trace(session.training.snapshot().trace)
    stepping = SteppingController(session)
    action = QAction("Spotlight")
    action.setCheckable(True)
    spotlight = Spotlight(view, stepping, action)
    lit = lambda: {n for n, item in view.node_items.items() if not item.dimmed}  # noqa: E731
    spotlight.set_on(True)
    assert action.isChecked()
    assert spotlight.nodes() == () and lit() == set(view.node_items)
    assert stepping.start(0)
    stepping.next()
    position = stepping.position
    assert position is not None
    assert set(spotlight.nodes()) >= {position.node, *position.inputs}
    spotlight.update()
    assert lit() == set(spotlight.nodes())
    # A lesson stop's nodes win over the stepper's; off, nothing is dimmed.
    spotlight.set_lesson_nodes(("w1",))
    spotlight.update()
    assert lit() == {"w1"}
    spotlight.set_on(False)
    assert not action.isChecked() and lit() == set(view.node_items)
    stepping.stop(finish=False)


def test_the_data_opener_works_from_the_training_session(qtbot, session, tmp_path):
    from gui.files.data_opener import DataOpener

    parent = QWidget()
    qtbot.addWidget(parent)
    said: list[str] = []
    warned: list[tuple[str, str]] = []
    opener = DataOpener(session.training, None, parent, said.append,
                        lambda title, text: warned.append((title, text)))
    before = session.training.dataset
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,y\n1,2\n", encoding="utf-8")
    assert opener.open_file(str(bad)) is None
    assert session.training.dataset is before
    assert said == [f"Could not use {bad}"]
    assert len(warned) == 1 and warned[0][0] == "Cannot use this data" and warned[0][1]
    good = tmp_path / "good.csv"
    inputs = session.training.graph.n_inputs
    rows = [",".join(str(i + j) for j in range(inputs + 1)) for i in range(3)]
    header = ",".join([f"f{j}" for j in range(inputs)] + ["price"])
    good.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    dataset = opener.open_file(str(good))
    assert dataset is not None and len(dataset) == 3
    assert session.training.dataset is dataset
    assert said[-1] == f"Loaded {dataset.display_name}: 3 samples"
    opener.shutdown()
