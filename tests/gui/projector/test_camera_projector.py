"""The camera on a projector's screen, measured as a person sees it.

One process per screen size (Qt's offscreen screen has the size under test) builds the
window as ``--screenshot`` does, and measures: the normal window with View > Follow the
stepper off (nothing moves) and on (the view follows); presentation mode at text 1.5x, 2x
and 3x (reached with Ctrl+minus / Ctrl+plus) at stepper positions of the forward, backward
and update phases and at every stop of the seed lesson; F's whole-graph view; and every
number against the verdict rings and the node shapes.  A number's height on screen is
the ink of its font's digits times the item's and the view's scale.
"""

from __future__ import annotations

import functools

import pytest

from tests.gui.screens import run_on_screen

SIZES = [(1024, 768), (1280, 720), (1920, 1080)]
SCALES = ("1.5", "2.0", "3.0")
#: Forward, backward and update positions of the seed's first step (35 + 36 + 9).
POSITIONS = [0, 5, 20, 31, 34, 35, 36, 42, 50, 60, 70, 71, 75, 79]

MEASURE = """
import json
from PySide6.QtCore import QRectF
from core.data.datasets import builtin_dataset
from core.lessons import load_lesson
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from gui.graph.camera import digit_ink as ink
from gui.graph.verdict_mark import WeightMark
from gui.main_window import MainWindow
from gui.session import Session

POSITIONS = %(positions)r
screen = app.primaryScreen().geometry()
session = Session(TrainingConfig(), resolve_graph("seed")[0], builtin_dataset())
window = MainWindow(session, settings=None)
window.resize(screen.width(), screen.height())
window.show()
app.processEvents()
view = window.graph_view
view.camera.animated = False


def settle():
    app.processEvents()
    view.camera.settle()
    app.processEvents()


def on_screen(rect):
    return QRectF(view.mapFromScene(rect).boundingRect())


def picture():
    viewport = QRectF(view.viewport().rect())
    zoom = view.transform().m22()
    focus = view.camera.focus()
    digits = {}
    for node_id in focus.nodes:
        item = view.node_items[node_id]
        if any(viewport.intersects(on_screen(r)) for r in item.number_scene_rects()):
            digits[node_id] = ink(item.number_font) * item.sceneTransform().m22() * zoom
    note = view.step_note
    note_box = note.deviceTransform(view.viewportTransform()).mapRect(note.boundingRect()) \\
        if note.isVisible() else None
    active = window.stepping.position.node if window.stepping.active else None
    every = [ink(item.number_font) * item.sceneTransform().m22() * zoom
             for item in view.node_items.values()]
    return {
        "focus": sorted(focus.nodes),
        "digits": digits,
        "least_anywhere": min(every),
        "note_digits": min(ink(note._font), ink(note._bold)) if note_box else None,
        "note_inside": None if note_box is None else viewport.contains(note_box),
        "active": active,
        "active_inside": None if active is None else viewport.contains(
            on_screen(view.node_items[active].shape_scene_rect())),
        "whole": abs(zoom - view.whole_graph_zoom()) < 1e-6,
        "viewport": [viewport.width(), viewport.height()],
    }


def overlaps():
    weights = [n for n, item in view.node_items.items() if item.node.kind == "weight"]
    view.set_verdict_marks({n: WeightMark("wrong") for n in weights})
    rings = [(n, m.mapRectToScene(m.boundingRect())) for n, m in view.verdict_marks.items()]
    shapes = [(n, item.shape_scene_rect()) for n, item in view.node_items.items()]
    found = []
    for node_id, item in view.node_items.items():
        for drawn in item.number_scene_rects():
            box = drawn.adjusted(0.5, 0.5, -0.5, -0.5)
            found += [[node_id, other] for other, rect in rings + shapes
                      if rect.intersects(box)]
    view.set_verdict_marks({})
    return found


results = {"normal": {}, "present": {}, "rings": {}}
# The normal window: the toggle off, then on.
view.fit_all()
settle()
results["rings"]["normal"] = overlaps()
window.stepping.start(0)
settle()
moved = []
for index in POSITIONS:
    window.stepping.go(index)
    settle()
    # The whole graph stays fitted (refitted when the stepper's header changes height).
    moved.append(view.camera.holding or not picture()["whole"])
results["normal"]["off_moved"] = moved
window.actions["follow"].trigger()
follow = {}
for index in POSITIONS:
    window.stepping.go(index)
    settle()
    follow[str(index)] = picture()
results["normal"]["on"] = follow
window.actions["follow"].trigger()
settle()
results["normal"]["off_again_whole"] = picture()["whole"]
window.stepping.stop(finish=False)
settle()

# Presentation: 2x by default; Ctrl+minus twice is 1.5x, Ctrl+plus four times from 2x is 3x.
window.presentation.enter(full_screen=False)
settle()
view.fit_all()
settle()
results["present"]["whole 2.0"] = picture()
lesson = load_lesson("seed")
for scale, moves in (("1.5", ("smaller", "smaller")), ("2.0", ("bigger", "bigger")),
                     ("3.0", ("bigger",) * 4)):
    for move in moves:
        getattr(window, "text_" + move)()
    settle()
    assert abs(window.presentation.text_scale - float(scale)) < 1e-9
    results["rings"][scale] = overlaps()
    window.stepping.start(0)
    for index in POSITIONS:
        window.stepping.go(index)
        settle()
        results["present"][scale + " step " + str(index)] = picture()
    window.stepping.stop(finish=False)
    window.lessons.open(lesson, 0)
    for stop in range(len(lesson.stops)):
        window.lessons.go(stop)
        settle()
        results["present"][scale + " stop " + str(stop)] = picture()
    session.comparison.cancel()  # the comparison stop's runs: not needed any further
    window.lessons.close()
    window.actions["gradient_check"].setChecked(False)
    window.gradient_tools.show_panel(False)
    settle()
session.shutdown()
print(json.dumps(results))
"""


@functools.cache
def measured(width: int, height: int) -> dict:
    return run_on_screen(width, height, MEASURE % {"positions": POSITIONS}, timeout=300)


def presented(size, kind):
    """(case, picture) of the presentation cases whose name contains ``kind``."""
    return [(case, picture) for case, picture in measured(*size)["present"].items()
            if kind in case]


@pytest.mark.parametrize("size", SIZES)
def test_presenting_every_number_of_the_focus_is_at_least_20_px(size):
    cases = presented(size, " step ") + presented(size, " stop ")
    assert len(cases) == len(SCALES) * (len(POSITIONS) + 10)
    focused = 0
    for case, picture in cases:
        if not picture["focus"]:
            continue  # a stop that names no node shows the whole graph
        focused += 1
        assert picture["digits"], case
        for node_id, height in picture["digits"].items():
            assert height >= 20.0, (case, node_id, height)
        if picture["note_digits"] is not None:
            assert picture["note_digits"] >= 20.0, (case, picture["note_digits"])
    assert focused >= len(SCALES) * len(POSITIONS)


@pytest.mark.parametrize("size", SIZES)
def test_presenting_the_active_node_and_the_note_stay_in_view(size):
    stepped = 0
    for case, picture in presented(size, " step ") + presented(size, " stop "):
        if picture["active"] is None:
            continue
        stepped += 1
        assert picture["active_inside"], case
        if picture["note_inside"] is not None:
            assert picture["note_inside"], case
    assert stepped >= len(SCALES) * len(POSITIONS)


@pytest.mark.parametrize("size", SIZES)
def test_the_camera_zooms_in_past_the_whole_graph_when_it_must(size):
    """Where the whole graph's digits are under 20 px, the focus is shown larger."""
    for case, picture in presented(size, " step "):
        if picture["least_anywhere"] < 20.0:
            assert not picture["whole"], case


def test_f_shows_the_whole_graph_at_16_px_or_more_at_1024x768():
    picture = measured(1024, 768)["present"]["whole 2.0"]
    assert picture["whole"]
    assert picture["least_anywhere"] >= 16.0, picture["least_anywhere"]


@pytest.mark.parametrize("size", SIZES)
def test_in_the_normal_window_nothing_moves_until_follow_is_on(size):
    normal = measured(*size)["normal"]
    assert not any(normal["off_moved"])
    follow = normal["on"]
    assert set(follow) == {str(i) for i in POSITIONS}
    for index, picture in follow.items():
        assert picture["active_inside"], index
        assert min(picture["digits"].values()) >= 20.0, index
        assert not picture["whole"] or picture["least_anywhere"] >= 20.0, index
    assert normal["off_again_whole"]


@pytest.mark.parametrize("size", SIZES)
def test_no_number_lies_under_a_verdict_ring_or_a_shape(size):
    rings = measured(*size)["rings"]
    assert set(rings) == {"normal", *SCALES}
    for theme, found in rings.items():
        assert found == [], (theme, found[:5])
