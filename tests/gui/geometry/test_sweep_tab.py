"""The Sweep tab: final loss against the learning rate, swept in a worker thread."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.data.datasets import Dataset
from core.training.sweep import run_sweep
from gui.formatting import short_number
from gui.geometry.sweep_tab import PLOT_HINT, SweepTab, best_runs, describe_run


@pytest.fixture
def tab(qtbot, session):
    tab = SweepTab(session.training)
    qtbot.addWidget(tab)
    tab.resize(700, 420)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    tab.shutdown()


def _sweep(tab, qtbot, *, names=("sgd", "adam"), low="1e-3", high="0.1", runs=5, epochs=1,
           timeout=30000):
    tab.set_chosen(names)
    tab.lr_min.setText(low)
    tab.lr_max.setText(high)
    tab.runs.setValue(runs)
    tab.epochs.setValue(epochs)
    with qtbot.waitSignal(tab.runner.finished, timeout=timeout) as blocker:
        tab.run_button.click()
    return blocker.args[0]


def _few_rows(session, dataset, rows=40):
    session.training.set_dataset(Dataset(dataset.X[:rows], dataset.y[:rows], source="forty"))


def _points(curve):
    x, y = curve.getOriginalDataset()
    if x is None:
        return np.empty(0), np.empty(0)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _scene_pos(tab, lr, loss):
    """Where (lr, loss) is drawn, in the plot widget's viewport coordinates."""
    view = tab.plot.getViewBox()
    scene = view.mapViewToScene(QPointF(math.log10(lr), math.log10(loss)))
    return tab.plot.mapFromScene(scene)


def _hover(widget, pos):
    """The mouse moved to ``pos`` over ``widget`` (no button held)."""
    point = QPointF(pos)
    event = QMouseEvent(QEvent.Type.MouseMove, point, widget.mapToGlobal(point),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_the_points_are_the_runs(tab, session, qtbot):
    result = _sweep(tab, qtbot)
    config = tab.runner.sweep_config()
    expected = run_sweep(config, ["sgd", "adam"], 1e-3, 0.1, 5, epochs=1)
    assert [(r.optimizer, r.lr) for r in result.runs] == \
        [(r.optimizer, r.lr) for r in expected.runs]
    np.testing.assert_allclose([r.final_loss for r in result.runs],
                               [r.final_loss for r in expected.runs], rtol=1e-12)
    assert tab.result is result
    assert list(tab.curves) == ["sgd", "adam"]
    drawn = []
    for name in ("sgd", "adam"):
        runs = sorted((r for r in result.runs if r.optimizer == name), key=lambda r: r.lr)
        x, y = _points(tab.curves[name])
        kept = [r for r in runs if r.diverged is None]
        np.testing.assert_allclose(x, [r.lr for r in kept], rtol=1e-12)
        np.testing.assert_allclose(y, [r.final_loss for r in kept], rtol=1e-12)
        drawn += list(tab.curves[name].scatter.data["data"])
        drawn += list(tab.diverged_marks[name].scatter.data["data"])
    # Every run is one point, carrying its index for hovering and clicking.
    assert sorted(drawn) == list(range(len(result.runs)))


def test_the_axes_are_logarithmic(tab, session, qtbot):
    item = tab.plot.getPlotItem()
    assert item.getAxis("bottom").logMode
    assert item.getAxis("left").logMode
    _sweep(tab, qtbot, runs=3)
    x, _ = _points(tab.curves["sgd"])
    # Drawn in log10: the view spans the decades of the learning rates.
    (x_low, x_high), _ = tab.plot.getViewBox().viewRange()
    assert x_low <= math.log10(x.min()) and x_high >= math.log10(x.max())
    assert x_high - x_low < 5


def test_diverged_runs_are_marked_above_the_rest_with_where_they_diverged(tab, qtbot):
    result = _sweep(tab, qtbot, names=("sgd",), low="1e-3", high="1e3", runs=7, epochs=1)
    lost = [r for r in result.runs if r.diverged is not None]
    kept = [r for r in result.runs if r.diverged is None]
    assert lost and kept, "the range should hold both diverging and converging runs"
    x, y = _points(tab.diverged_marks["sgd"])
    np.testing.assert_allclose(x, sorted(r.lr for r in lost), rtol=1e-12)
    _, finite = _points(tab.curves["sgd"])
    assert np.all(y > finite.max())
    assert tab.diverged_marks["sgd"].opts["symbol"] == "x"
    assert tab.diverged_line.isVisible()
    assert tab.diverged_line.value() == pytest.approx(math.log10(y[0]))
    assert tab.summary.text() == f"{len(result.runs)} runs, ✕ {len(lost)} diverged"
    # Hovering the mark names the node and the step.
    run = min(lost, key=lambda r: r.lr)
    _hover(tab.plot.viewport(), _scene_pos(tab, run.lr, y[0]))
    qtbot.waitUntil(lambda: tab.hover_text != PLOT_HINT, timeout=3000)
    text = tab.plot.getViewBox().toolTip()
    assert f"lr {short_number(run.lr)}" in text
    assert f"Diverged at step {run.diverged['step']} (epoch 1 of 1" in text
    assert run.diverged["detail"] in text


def test_hovering_a_point_shows_its_run(tab, session, qtbot):
    result = _sweep(tab, qtbot, names=("adam",), runs=4)
    run = result.runs[2]
    _hover(tab.plot.viewport(), _scene_pos(tab, run.lr, run.final_loss))
    qtbot.waitUntil(lambda: tab.hover_text != PLOT_HINT, timeout=3000)
    assert tab.hover_text.startswith(f"Adam, lr {short_number(run.lr)}\n"
                                     f"final loss {short_number(run.final_loss)}")
    assert tab.plot.getViewBox().toolTip() == tab.hover_text


def test_the_best_lr_of_each_optimizer_is_marked_and_stated(tab, session, qtbot):
    result = _sweep(tab, qtbot, runs=6)
    lines = []
    for name, title in (("sgd", "SGD"), ("adam", "Adam")):
        runs = [r for r in result.runs if r.optimizer == name and r.diverged is None]
        best = min(runs, key=lambda r: r.final_loss)
        assert best_runs(result)[name] is best
        x, y = _points(tab.best_marks[name])
        np.testing.assert_allclose([x[0], y[0]], [best.lr, best.final_loss], rtol=1e-12)
        assert tab.best_marks[name].opts["symbol"] == "star"
        lines.append(f"{title}: best lr {short_number(best.lr, 3)}, "
                     f"loss {short_number(best.final_loss, 3)}")
    assert tab.best_text() == lines
    assert tab.best_label.isVisible()
    shown = tab.best_label.text()
    assert all(line in shown for line in lines)


def test_each_epoch_is_drawn_dashed_while_the_sweep_runs(tab, session, qtbot):
    from core.training.sweep import learning_rates

    seen = []
    tab.runner.epoch_finished.connect(
        lambda epoch, means: seen.append((epoch, means, _points(tab.live["adam"]),
                                          tab.live["sgd"].opts["pen"].style())))
    result = _sweep(tab, qtbot, names=("sgd", "adam"), runs=4, epochs=3)
    assert seen, "no epoch was drawn while the sweep ran"
    rates = learning_rates(1e-3, 0.1, 4)
    for epoch, means, (x, y), style in seen:
        assert style == Qt.PenStyle.DashLine
        np.testing.assert_allclose(means, [run.epoch_loss[epoch] for run in result.runs],
                                   rtol=1e-12)
        # The tab drew it when the signal came: Adam's runs are the last four.
        np.testing.assert_allclose(x, rates, rtol=1e-12)
        np.testing.assert_allclose(y, means[4:], rtol=1e-12)
    # The finished sweep replaces them.
    assert not tab.live


def test_cancel_stops_the_worker_and_keeps_the_previous_result(tab, session, qtbot):
    first = _sweep(tab, qtbot, runs=3)
    tab.runs.setValue(200)
    tab.epochs.setValue(2000)
    tab.run_button.click()
    assert tab.runner.running() and tab.progress.isVisible()
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=10000)
    started = time.perf_counter()
    tab.cancel_button.click()
    assert time.perf_counter() - started < 0.5
    assert not tab.runner.running()
    assert tab.run_button.isEnabled() and not tab.cancel_button.isEnabled()
    assert tab.result is first
    assert len(_points(tab.curves["sgd"])[0]) + len(_points(tab.diverged_marks["sgd"])[0]) \
        == 3
    assert "previous sweep" in tab.status.text()
    # The worker itself stops: its thread ends soon after.
    qtbot.waitUntil(lambda: not tab.runner._threads, timeout=5000)


def test_a_sweep_of_a_graph_no_longer_shown_is_stopped(tab, session, qtbot):
    from core.presets import resolve_graph

    tab.runs.setValue(200)
    tab.epochs.setValue(2000)
    tab.run_button.click()
    assert tab.runner.running()
    with qtbot.waitSignal(tab.runner.stopped) as blocker:
        session.training.set_graph(resolve_graph("xor")[0])
    message, stale = blocker.args
    assert stale
    assert "graph changed" in message
    assert not tab.runner.running()
    assert "graph changed" in tab.status.text()
    qtbot.waitUntil(lambda: not tab.runner._threads, timeout=5000)


def test_a_finished_sweep_of_other_data_is_cleared(tab, session, qtbot, dataset):
    _sweep(tab, qtbot, runs=3)
    _few_rows(session, dataset)
    assert tab.result is None and not tab.curves
    assert "data changed" in tab.status.text()


def test_a_change_of_optimizer_keeps_the_sweep(tab, session, qtbot):
    result = _sweep(tab, qtbot, runs=3)
    session.training.set_optimizer("momentum")
    assert tab.result is result


def test_the_window_answers_while_a_200_run_sweep_runs(window, session, qtbot):
    """100 learning rates each for SGD and Adam on the seed graph's 506 rows, the Sweep tab
    shown: the window's event loop keeps answering (a 10 ms timer never waits long)."""
    tab = window.sweep_tab
    window.plot_tabs.setCurrentWidget(tab)
    qtbot.wait(300)  # the window's first paints are done
    tab.set_chosen(["sgd", "adam"])
    tab.lr_min.setText("1e-4")
    tab.lr_max.setText("1")
    tab.runs.setValue(100)
    tab.epochs.setValue(40)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    started = time.perf_counter()
    with qtbot.waitSignal(tab.runner.finished, timeout=120000) as blocker:
        tab.run_button.click()
    elapsed = time.perf_counter() - started
    timer.stop()
    assert len(blocker.args[0].runs) == 200
    gaps = np.diff([started, *ticks])
    print(f"\n200-run sweep, 40 epochs: {elapsed:.2f} s; timer gaps: max {gaps.max() * 1e3:.0f} "
          f"ms, 99th percentile {np.percentile(gaps, 99) * 1e3:.0f} ms, {len(ticks)} ticks")
    assert elapsed > 1.0, "too short a sweep to measure anything"
    assert gaps.max() < 1.0, f"the event loop was blocked for {gaps.max():.2f} s"


def test_clicking_a_point_trains_with_its_optimizer_and_lr(tab, session, qtbot):
    result = _sweep(tab, qtbot, names=("adam",), runs=4)
    run = result.runs[1]
    QTest.mouseClick(tab.plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=_scene_pos(tab, run.lr, run.final_loss))
    training = session.training
    assert training.optimizer_name == "adam"
    assert training.hyperparameters["lr"] == run.lr
    assert f"Adam at lr {short_number(run.lr)}" in tab.status.text()


def test_a_click_keeps_the_sessions_other_hyperparameters(tab, session, qtbot):
    session.training.set_optimizer("adam", {"beta1": 0.8})
    result = _sweep(tab, qtbot, names=("adam",), runs=3)
    tab.apply_run(result.runs[0])
    assert session.training.hyperparameters["beta1"] == 0.8
    assert session.training.hyperparameters["lr"] == result.runs[0].lr


@pytest.mark.parametrize(("low", "high", "message"), [
    ("abc", "1", "lr min: 'abc' is not a number (a number such as 1e-3)"),
    ("0", "1", "must be a finite learning rate > 0, got 0"),
    ("1", "0.1", "must be below --lr-max, got 1 and 0.1"),
])
def test_bad_bounds_are_refused_with_a_message(tab, qtbot, low, high, message):
    tab.lr_min.setText(low)
    tab.lr_max.setText(high)
    tab.run_button.click()
    assert not tab.runner.running()
    assert message in tab.status.text()


def test_nothing_chosen_is_refused(tab):
    tab.set_chosen([])
    tab.run_button.click()
    assert not tab.runner.running()
    assert "at least one optimizer" in tab.status.text()


def test_the_window_has_a_sweep_tab_after_the_comparison(window):
    tabs = window.plot_tabs
    index = tabs.indexOf(window.sweep_tab)
    assert tabs.tabText(index) == "Sweep"
    assert tabs.tabText(index - 1) == "Compare optimizers"


def test_a_theme_change_recolours_the_sweep(window, session, qtbot):
    from gui.theme import THEMES

    tab = window.sweep_tab
    window.plot_tabs.setCurrentWidget(tab)
    _sweep(tab, qtbot, runs=3)
    window.set_theme(THEMES["dark"])
    dark = THEMES["dark"]
    assert tab.curves["sgd"].opts["pen"].color().name().upper() == dark.line_colour(0).upper()
    assert tab.curves["adam"].opts["symbolBrush"].color().name().upper() == \
        dark.line_colour(1).upper()
    assert tab.plot.backgroundBrush().color().name().upper() == dark.plot_background.upper()


def test_closing_the_window_stops_a_running_sweep(window, session, qtbot):
    tab = window.sweep_tab
    tab.runs.setValue(200)
    tab.epochs.setValue(2000)
    tab.run_button.click()
    assert tab.runner.running()
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started < 2.0
    assert not tab.runner.running() and not tab.runner._threads


def test_held_out_rows_get_a_dotted_curve_and_their_loss_is_stated(tab, session, qtbot):
    training = session.training
    training.set_config(training.config.replace(holdout=0.2))
    result = _sweep(tab, qtbot, names=("sgd",), runs=4)
    kept = sorted((r for r in result.runs if r.diverged is None), key=lambda r: r.lr)
    assert all(r.holdout_loss is not None for r in kept)
    x, y = _points(tab.holdout_curves["sgd"])
    np.testing.assert_allclose(x, [r.lr for r in kept], rtol=1e-12)
    np.testing.assert_allclose(y, [r.holdout_loss for r in kept], rtol=1e-12)
    assert tab.holdout_curves["sgd"].opts["pen"].style() == Qt.PenStyle.DotLine
    best = best_runs(result)["sgd"]
    assert tab.best_text() == [f"SGD: best lr {short_number(best.lr, 3)}, "
                               f"loss {short_number(best.final_loss, 3)}"]
    assert f"held-out loss {short_number(best.holdout_loss)}" in describe_run(best)
    assert "held-out" in tab.summary.text()


def test_a_new_held_out_split_outdates_the_sweep(tab, session, qtbot):
    _sweep(tab, qtbot, runs=3)
    training = session.training
    training.set_config(training.config.replace(holdout=0.25))
    assert tab.result is None and not tab.curves
    assert "held-out split changed" in tab.status.text()
