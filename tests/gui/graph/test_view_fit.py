"""Fitting the graph around the legends (pure numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from gui.graph.fit import fit_around


def _boxes_on_screen(boxes: np.ndarray, placement) -> np.ndarray:
    z = placement.zoom
    return boxes * z + (placement.left, placement.top, placement.left, placement.top)


def _clear(boxes: np.ndarray, obstacle: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = obstacle
    hit = (boxes[:, 0] < right) & (boxes[:, 2] > left) & (boxes[:, 1] < bottom) \
        & (boxes[:, 3] > top)
    return not hit.any()


def test_without_legends_the_drawing_fills_and_is_centred():
    boxes = np.array([(0.0, 0.0, 200.0, 100.0)])
    placement = fit_around(boxes, (200.0, 100.0), (404.0, 404.0), [])
    assert placement.zoom == pytest.approx(2.0)
    assert placement.left == pytest.approx(2.0)
    assert placement.top == pytest.approx(102.0)


def test_an_empty_corner_costs_nothing():
    # A funnel: tall on the left, one small node on the right, free corners on the right.
    boxes = np.array([(0.0, 0.0, 100.0, 400.0), (300.0, 180.0, 400.0, 220.0)])
    legend = (300.0, 0.0, 404.0, 100.0)
    placement = fit_around(boxes, (400.0, 400.0), (404.0, 404.0), [legend])
    assert placement.zoom == pytest.approx(1.0)
    assert _clear(_boxes_on_screen(boxes, placement), legend)


def test_a_legend_over_the_drawing_moves_or_shrinks_it():
    boxes = np.array([(0.0, 0.0, 400.0, 40.0)])  # a wide strip along the top
    legend = (300.0, 0.0, 404.0, 100.0)
    placement = fit_around(boxes, (400.0, 40.0), (404.0, 404.0), [legend])
    on_screen = _boxes_on_screen(boxes, placement)
    assert _clear(on_screen, legend)
    # Moved below the legend rather than shrunk: the view is tall enough.
    assert placement.zoom == pytest.approx(1.0)
    assert on_screen[0, 1] >= 100.0


def test_when_nothing_fits_the_drawing_goes_beside_the_legends():
    boxes = np.array([(0.0, 0.0, 100.0, 100.0)])
    legend = (200.0, 0.0, 404.0, 404.0)  # the whole right half
    placement = fit_around(boxes, (100.0, 100.0), (404.0, 404.0), [legend])
    on_screen = _boxes_on_screen(boxes, placement)
    assert _clear(on_screen, legend)
    assert on_screen[0, 0] >= 0.0
    assert placement.zoom > 1.5
