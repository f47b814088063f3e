"""Many thousands of Qt calls in one process.

PySide6 6.12.0 aborts Python 3.10 and 3.11 with "none_dealloc" after a few thousand Qt
calls that return None (3.12 and 3.13 survive it); this test makes tens of thousands of such
calls (setters, updates, repaints) through the window's normal paths, and checks that the
installed combination of Python and Qt is not the broken one.
"""

from __future__ import annotations

import sys

import PySide6

from core.autodiff.engine import evaluate

#: (PySide6 version, Pythons it aborts): pyproject.toml excludes exactly these.
BROKEN = (("6.12.0", ((3, 10), (3, 11))),)


def test_pyside_is_not_a_release_known_to_abort_this_python():
    for version, pythons in BROKEN:
        assert not (PySide6.__version__ == version and sys.version_info[:2] in pythons), (
            f"PySide6 {version} aborts Python {sys.version_info.major}.{sys.version_info.minor}"
        )


def test_tens_of_thousands_of_qt_calls(window, session, dataset, qtbot):
    view = window.graph_view
    graph = session.training.graph
    weights = session.training.trainer.weights
    calls = 0
    for i in range(300):
        x, y = dataset.row(i % len(dataset))
        trace = evaluate(graph, x, y, weights * (1 + i / 100))
        view.show_trace(trace)  # ~35 nodes + 35 edges: setters returning None
        calls += 2 * (len(view.node_items) + len(view.edge_items))
        for item in view.node_items.values():
            item.setToolTip(item.node.label)
            item.update()
            calls += 2
        window.statusBar().showMessage(f"call {i}")
        window.position_label.setText(str(i))
        calls += 2
        if i % 25 == 0:
            view.viewport().repaint()
            calls += 1
    for _ in range(40):
        session.training.step_sample()
    qtbot.wait(10)
    assert calls > 40_000
    assert session.training.trainer.cursor.step == 40
