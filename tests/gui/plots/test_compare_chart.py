"""The Compare plot's drawing, shared by the window and ``compare --plot``: the legend never
covers a curve, every run shows (one epoch, gaps, zeros on a log axis), ticks are whole
epochs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from gui.plots.compare_chart import MAX_DOTS, CompareChart

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


@pytest.fixture
def chart(qtbot):
    chart = CompareChart(heading="t", y_label="loss")
    qtbot.addWidget(chart.plot)
    chart.plot.resize(900, 560)
    chart.plot.show()
    QApplication.processEvents()
    return chart


def _draw(chart, runs, log=False):
    chart.add_curves([(name, name.upper()) for name in runs])
    chart.set_log(log)
    for name, losses in runs.items():
        chart.draw(name, np.asarray(losses, dtype=float))
    QApplication.processEvents()


def _scene_points(chart, name):
    """Where the curve's finite points are drawn, in scene (pixel) coordinates."""
    view = chart.plot.getPlotItem().getViewBox()
    x, y = chart.curves[name].getData()
    return [view.mapViewToScene(QPointF(a, b)) for a, b in zip(x, y, strict=True)
            if math.isfinite(b)]


def _visible(chart, point):
    return chart.plot.getPlotItem().getViewBox().sceneBoundingRect().contains(point)


def _legend_rect(chart):
    return chart.plot.getPlotItem().titleLabel.sceneBoundingRect()


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("count", [1, 3, 7])
def test_the_legend_covers_no_curve(chart, count, log):
    # Rising curves end at the top right, where a legend inside the plot would sit.
    epochs = np.arange(1.0, 21.0)
    runs = {name: (i + 1) * epochs ** 2 for i, name in enumerate(NAMES[:count])}
    _draw(chart, runs, log)
    assert chart.plot.property("legend") == "   ".join(name.upper() for name in runs)
    legend = _legend_rect(chart)
    assert legend.height() > 0
    view = chart.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert not legend.intersects(view)
    for name in runs:
        points = _scene_points(chart, name)
        assert len(points) == 20
        for point in points:
            assert _visible(chart, point), (name, point)
            assert not legend.contains(point), (name, point, legend)


def test_a_resized_chart_still_shows_every_point(chart):
    _draw(chart, {"sgd": np.arange(1.0, 11.0)})
    chart.plot.resize(500, 260)
    QApplication.processEvents()
    for point in _scene_points(chart, "sgd"):
        assert _visible(chart, point)
        assert not _legend_rect(chart).contains(point)


def test_the_theme_recolours_the_curves_and_the_legend(chart):
    from gui.theme import THEMES

    _draw(chart, {"sgd": [1.0, 0.5], "adam": [0.8, 0.2]})
    dark = THEMES["dark"]
    chart.set_theme(dark)
    assert chart.curves["adam"].opts["pen"].color().name() == dark.line_colour(1).lower()
    assert dark.line_colour(1).lower() in chart.plot.getPlotItem().titleLabel.text.lower()


def test_a_run_with_one_epoch_is_a_visible_point_even_at_the_axis_end(chart):
    # A run that diverged in its second epoch has one mean loss; it sets the y range, so
    # it must show, not hide behind the frame at the first epoch.
    _draw(chart, {"diverged": [1e260], "fine": [2.0, 1.9, 1.8, 1.7, 1.6, 1.5]}, log=True)
    (point,) = _scene_points(chart, "diverged")
    assert _visible(chart, point)
    assert not _legend_rect(chart).contains(point)
    assert chart.dot_count() == 7


def test_gaps_zeros_and_empty_runs_are_drawn_without_error(chart):
    _draw(chart, {"a": [1.0, math.nan, 0.5, 0.0, 0.25], "b": [2.0], "c": []}, log=True)
    assert chart.curve_lengths() == {"a": 5, "b": 1, "c": 0}
    # A loss of exactly 0 is drawn at the log axis' floor, not dropped.
    _, y = chart.curves["a"].getData()
    assert np.isfinite(y[3])
    assert len(_scene_points(chart, "a")) == 4
    for name in ("a", "b"):
        assert all(_visible(chart, p) for p in _scene_points(chart, name))
    chart.set_log(False)
    assert all(_visible(chart, p) for p in _scene_points(chart, "a"))
    chart.remove_curves()
    assert chart.curves == {}
    assert chart.curve_lengths() == {}


def test_no_run_or_only_non_finite_losses_leave_the_view_alone(chart):
    _draw(chart, {})
    _draw(chart, {"a": [math.nan, math.inf]})
    view = chart.plot.getPlotItem().getViewBox()
    (x_low, x_high), (y_low, y_high) = view.viewRange()
    assert all(map(math.isfinite, (x_low, x_high, y_low, y_high)))


@pytest.mark.parametrize("epochs", [1, 3, 7])
def test_few_epochs_have_whole_epoch_ticks(chart, epochs):
    _draw(chart, {"sgd": np.linspace(1.0, 0.5, epochs)})
    axis = chart.plot.getPlotItem().getAxis("bottom")
    low, high = chart.plot.getPlotItem().getViewBox().viewRange()[0]
    ticks = [value for _, values in axis.tickValues(low, high, axis.width())
             for value in values]
    assert ticks
    assert all(float(t).is_integer() for t in ticks)
    assert set(range(1, epochs + 1)) <= {round(t) for t in ticks}


def test_many_epochs_are_lines_without_dots(chart):
    _draw(chart, {"sgd": np.linspace(1.0, 0.5, 5 * MAX_DOTS), "adam": [0.4, 0.3]})
    assert chart.dot_count() == 2
    assert chart.curve_lengths() == {"sgd": 5 * MAX_DOTS, "adam": 2}


def test_a_scaled_axis_names_its_divisor_with_the_one_formatter(chart):
    _draw(chart, {"sgd": [3e250, 2e250, 1e250]})  # beyond what a linear axis draws
    assert chart.plot.property("y_label") == "loss (× 1e250)"
