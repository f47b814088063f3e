"""Leaving presentation (Esc) puts the window back exactly where and as large as it was, on
a 1024x768 screen, in every combination: with or without a lesson (opened before F5 or
after it), after Ctrl+plus up to the largest text or not, from full screen or not.  It
once left the window 1280 px (1396 px after Ctrl+plus) wide on the 1024 px screen, out of
full screen."""

from __future__ import annotations

from tests.gui.screens import run_on_screen

COMBINATIONS = """
import itertools
from core.data.datasets import builtin_dataset
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from gui.session import Session
from gui.main_window import MainWindow

def settle():
    for _ in range(3):
        app.processEvents()

results = []
screen = app.primaryScreen().geometry()
for lesson, bigger, full in itertools.product(("none", "before", "after"), (0, 4),
                                              (False, True)):
    session = Session(TrainingConfig(), resolve_graph("seed")[0], builtin_dataset())
    w = MainWindow(session, settings=None)
    w.show(); settle()
    if full:
        w.showFullScreen(); settle()
    before = w.geometry().getRect()
    if lesson == "before":
        w.open_lesson("seed", 5); settle()
    w.actions["present"].trigger(); settle()
    if lesson == "after":
        w.open_lesson("seed", 5); settle()
    for _ in range(bigger):
        w.actions["text_bigger"].trigger(); settle()
    presenting = w.geometry().getRect()
    w.leave(); settle()
    results.append({"case": f"lesson {lesson}, Ctrl+plus x{bigger}, full screen {full}",
                    "before": before, "presenting": presenting,
                    "after": w.geometry().getRect(), "full_screen": [full, w.isFullScreen()],
                    "screen": screen.getRect(), "presented": w.presentation.text_scale})
    w.close(); session.shutdown(); w.deleteLater(); settle()
print(json.dumps(results))
"""


def test_leaving_restores_the_geometry_in_every_combination():
    results = run_on_screen(1024, 768, COMBINATIONS, timeout=400)
    assert len(results) == 12
    for result in results:
        case = result["case"]
        assert result["after"] == result["before"], case
        assert result["full_screen"][1] == result["full_screen"][0], case
        # Never larger than the screen, while presenting or after.
        for _x, _y, w, h in (result["presenting"], result["after"]):
            assert w <= 1024 and h <= 768, (case, result)
