"""Presenting a lesson on a 1024x768 screen at the default 2x text: a stop that names no
node shows the whole graph with its digits at least 16 px tall, the lesson's band above
it (one caption line fewer while no stepper is open: the digits were 15.2 px with two)."""

from __future__ import annotations

from tests.gui.projector.presenting_window import PRESENTING
from tests.gui.screens import run_on_screen

WHOLE = PRESENTING + """
from gui.graph.camera import digit_ink

results = {}
for stop in (0, 8):  # the introduction, and training (the loss plot's stop)
    w.open_lesson("seed", stop)
    settle()
    zoom = view.transform().m22()
    ink = [digit_ink(item.number_font)
           * item.sceneTransform().m22() * zoom for item in view.node_items.values()]
    band = w.presentation.band
    results[str(stop + 1)] = {
        "whole": abs(zoom - view.whole_graph_zoom()) < 1e-6, "least": min(ink),
        "scale": w.presentation.text_scale, "band": [band.isVisible(), band.height()],
        "lines": band.body.max_lines, "viewport": view.viewport().height()}
session.shutdown()
print(json.dumps(results))
"""


def test_a_lesson_stop_without_a_focus_shows_the_whole_graph_at_16_px_or_more():
    results = run_on_screen(1024, 768, WHOLE, timeout=200)
    assert set(results) == {"1", "9"}
    for stop, result in results.items():
        assert result["scale"] == 2.0, stop
        assert result["band"][0] and 0 < result["band"][1] <= 115, (stop, result)
        assert result["whole"], stop
        assert result["least"] >= 16.0, (stop, result["least"])
        # The band shows a line of caption at least: the rest comes with the next click.
        assert result["lines"] >= 1, stop
