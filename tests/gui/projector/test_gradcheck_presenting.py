"""The lesson's gradient-check stop on a 1024x768 projector: the check's table is in the
presenter strip with digits at least 20 px tall (it stayed in its dock at the desk's 9 px
and narrowed the graph to 654 px), every weight's row in view, the verdicts ringed on the
graph; the next stop gives the panel back to its dock, closed as it was, and the graph its
width; leaving presentation restores the desk's panel and the window.  In the normal
window the panel a stop opened goes back to how it was (closed) at the next stop and when
the lesson closes."""

from __future__ import annotations

from tests.gui.screens import run_on_screen

CHECK = """
from core.data.datasets import builtin_dataset
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from gui.graph.camera import digit_ink as ink
from gui.main_window import MainWindow
from gui.session import Session


def settle():
    for _ in range(3):
        app.processEvents()
    view.camera.settle()
    app.processEvents()


def state():
    tools = w.gradient_tools
    panel, table = tools.panel, tools.panel.table
    strip = w.presentation.strip
    rows = [r for r in range(table.rowCount())
            if table.rowViewportPosition(r) >= 0
            and table.rowViewportPosition(r) + table.rowHeight(r) <= table.viewport().height()]
    zoom = view.transform().m22()
    graph = [ink(item.number_font) * item.sceneTransform().m22() * zoom
             for item in view.node_items.values()]
    return {"in_strip": strip is not None and strip.borrowed is panel and panel.isVisible(),
            "in_dock": tools.dock.widget() is panel, "dock_hidden": tools.dock.isHidden(),
            "dock_visible": tools.dock.isVisible(), "ink": ink(table.font()),
            "font": table.font().toString(), "rows": [len(rows), table.rowCount()],
            "cells": panel.cell_text("w1", "analytic"), "marks": len(view.verdict_marks),
            "columns": sum(not table.isColumnHidden(c) for c in range(table.columnCount())),
            "scrolls": table.horizontalScrollBar().isVisible(),
            "viewport": view.viewport().width(), "graph_least": min(graph),
            "window": w.geometry().getRect(), "front": sorted(
                d.objectName() for d in w.findChildren(QDockWidget) if d.isVisible())}


from PySide6.QtWidgets import QDockWidget
results = {}
for mode in ("presenting", "normal"):
    session = Session(TrainingConfig(), resolve_graph("seed")[0], builtin_dataset())
    w = MainWindow(session, settings=None)
    w.resize(1024, 768); w.show()
    view = w.graph_view
    view.camera.animated = False
    settle()
    desk = state()
    if mode == "presenting":
        w.presentation.enter(full_screen=False); settle()
    else:
        w.actions["gradient_check"].setChecked(False)  # the user closed the check
        w.gradient_tools.show_panel(False); settle()
    w.open_lesson("seed", 6); settle()
    before = state()
    w.lessons.go(7); settle()  # stop 8, the gradient check
    at_check = state()
    big = None
    if mode == "presenting":
        for _ in range(4):
            w.actions["text_bigger"].trigger()
        settle()
        big = state()
        for _ in range(4):
            w.actions["text_smaller"].trigger()
        settle()
    w.lessons.go(8); settle()  # stop 9, training
    after = state()
    w.lessons.go(7); settle()
    again = state()
    if mode == "presenting":
        w.presentation.leave(); settle()
    else:
        w.lessons.close(); settle()
    results[mode] = {"desk": desk, "before": before, "check": at_check, "big": big,
                     "after": after, "again": again, "left": state()}
    w.close(); session.shutdown(); w.deleteLater(); settle()
print(json.dumps(results))
"""


def test_the_gradient_check_stop_is_readable_on_a_projector_and_gives_its_room_back():
    results = run_on_screen(1024, 768, CHECK, timeout=300)
    present = results["presenting"]
    desk = present["desk"]
    assert desk["ink"] < 12  # the desk's table: small text
    check = present["check"]
    assert check["in_strip"] and not check["dock_visible"], check
    assert check["ink"] >= 20.0, check["ink"]
    assert check["rows"] == [9, 9], check["rows"]  # every weight's row in view
    assert check["cells"] and check["marks"] == 9, check
    assert check["viewport"] >= 1000, check["viewport"]  # no dock beside the graph
    assert check["columns"] == 5 and not check["scrolls"], check
    # At 3x text the table keeps 20 px digits and fits the strip's width (without the
    # FD noise column), rather than clipping its numbers.
    big = present["big"]
    assert big["in_strip"] and big["ink"] >= 20.0 and not big["scrolls"], big
    assert big["window"][2:] == [1024, 768], big
    # The next stop: the panel back in its dock, closed as presentation had it, the
    # graph as wide and large as at a stop that never opened the check.
    after = present["after"]
    assert after["in_dock"] and after["dock_hidden"] and not after["in_strip"], after
    assert after["font"] == desk["font"], after
    assert after["marks"] == 0, after
    assert after["viewport"] == present["before"]["viewport"] >= 1000
    assert after["graph_least"] >= 16.0, after["graph_least"]
    assert present["again"]["in_strip"]
    # Leaving at the check's stop: the window and the panel as they were on the desk.
    left = present["left"]
    assert left["in_dock"] and not left["in_strip"] and left["font"] == desk["font"], left
    assert left["window"] == desk["window"], (left["window"], desk["window"])
    assert left["dock_hidden"] == desk["dock_hidden"] and left["front"] == desk["front"], left

    normal = results["normal"]
    assert normal["before"]["dock_hidden"]
    assert normal["check"]["in_dock"] and normal["check"]["dock_visible"], normal["check"]
    assert normal["check"]["font"] == normal["desk"]["font"]
    # The next stop and closing the lesson: the docks in front as before the stop.
    for moment in ("after", "left"):
        state = normal[moment]
        assert state["dock_hidden"] == normal["before"]["dock_hidden"], (moment, state)
        assert state["front"] == normal["before"]["front"], (moment, state)
