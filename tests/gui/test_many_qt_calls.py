"""Many thousands of Qt calls in one process.

PySide6 6.12.0 aborts Python 3.11 with "none_dealloc" after a few thousand Qt calls that
return None; this test makes tens of thousands of such calls (setters, updates, repaints)
through the window's normal paths, and checks the installed version is not that one.
"""

from __future__ import annotations

import PySide6

from core.autodiff.engine import evaluate


def test_pyside_version_is_not_the_broken_one():
    assert PySide6.__version__ != "6.12.0"


def test_tens_of_thousands_of_qt_calls(window, bridge, dataset, qtbot):
    view = window.graph_view
    graph = bridge.graph
    weights = bridge.trainer.weights
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
        bridge.step_sample()
    qtbot.wait(10)
    assert calls > 40_000
    assert bridge.trainer.cursor.step == 40
