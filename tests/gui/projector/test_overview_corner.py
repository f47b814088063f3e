"""The overview inset on a 1024x768 projector: at every stop of the seed lesson, at 2x
text, it covers no number of the focus and takes the corner touching the fewest other
numbers (at stop 6 it once lay over the values -5.85e-5 and 0.013 with a clear corner
free); and a picture of the graph exported while it shows has no inset in it (PNG and
SVG)."""

from __future__ import annotations

from tests.gui.projector.presenting_window import PRESENTING
from tests.gui.screens import run_on_screen

CORNERS = PRESENTING + """
import tempfile
from pathlib import Path
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage
from core.lessons import load_lesson
from gui.graph.overview import Overview

lesson = load_lesson("seed")
w.lessons.open(lesson, 0)
results = {"stops": {}}


def numbers(node_ids):
    return [QRectF(view.mapFromScene(rect).boundingRect())
            for n in node_ids for rect in view.node_items[n].number_scene_rects()]


def touched(box, rects):
    return sum(1 for rect in rects if not box.intersected(rect).isEmpty())


for stop in range(len(lesson.stops) - 1):  # the last one compares optimizers
    w.lessons.go(stop)
    settle()
    inset = view.overview
    if not inset.isVisible():
        results["stops"][str(stop + 1)] = None
        continue
    corner = view.viewport().geometry().topLeft()
    viewport = QRectF(view.viewport().rect())
    box = QRectF(inset.geometry().translated(-corner))
    focus = view.camera.focus().nodes
    others = [r for r in numbers(set(view.node_items) - focus) if r.intersects(viewport)]
    # How many other numbers each corner of the inset's size would touch.
    corners = Overview.corners(viewport, box.width(), box.height())
    # Corners the inset may take: clear of the focus's numbers and of the note.
    note = view.step_note
    keep_clear = numbers(focus) + ([note.deviceTransform(view.viewportTransform())
                                    .mapRect(note.boundingRect())] if note.isVisible() else [])
    corners = {name: rect for name, rect in corners.items() if not touched(rect, keep_clear)}
    results["stops"][str(stop + 1)] = {
        "corner": inset.corner, "focus": touched(box, numbers(focus)),
        "others": touched(box, others),
        "each": {name: touched(rect, others) for name, rect in corners.items()}}

# Stop 6 again, and its graph exported while the inset shows.
w.lessons.go(5)
settle()
inset = view.overview
folder = Path(tempfile.mkdtemp())
shown = view.grab().toImage()
w.export_menu.export("graph", str(folder / "graph.png"))
w.export_menu.export("graph", str(folder / "graph.svg"))
exported = QImage(str(folder / "graph.png"))
visible_after = inset.isVisible()
inset.hide()
bare = view.grab().toImage()
w.export_menu.export("graph", str(folder / "bare.svg"))
inset.show()
box = inset.geometry()
def region(image):
    return [image.pixel(x, y) for x in range(box.left(), box.right() + 1, 3)
            for y in range(box.top(), box.bottom() + 1, 3)]
results["export"] = {
    "inset_visible": visible_after, "size": [exported.width(), exported.height()],
    "view": [view.width(), view.height()],
    "inset_in_window": region(shown) != region(bare),
    "same_as_bare": region(exported) == region(bare),
    "same_as_shown": region(exported) == region(shown),
    "svg_as_bare": (folder / "graph.svg").read_bytes() == (folder / "bare.svg").read_bytes(),
}
session.comparison.cancel()
session.shutdown()
print(json.dumps(results))
"""


def test_the_inset_takes_the_corner_covering_the_fewest_numbers_and_stays_out_of_exports():
    results = run_on_screen(1024, 768, CORNERS, timeout=200)
    shown = {stop: r for stop, r in results["stops"].items() if r is not None}
    assert "6" in shown, results["stops"]
    for stop, result in shown.items():
        assert result["focus"] == 0, (stop, result)
        assert result["others"] == min(result["each"].values()), (stop, result)
    # Stop 6 had a free corner: nothing of the graph's numbers under the inset there.
    assert shown["6"]["others"] == 0, shown["6"]
    export = results["export"]
    assert export["inset_visible"] and export["inset_in_window"]
    assert export["size"] == export["view"]
    assert export["same_as_bare"] and not export["same_as_shown"]
    assert export["svg_as_bare"]
