"""Comparing optimizers in a worker thread, from the same initial weights."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.compare import compare_optimizers
from core.training.optimizers import make_optimizer


def test_comparison_runs_in_the_background(window, session, qtbot, seed_graph, dataset):
    session.training.set_epochs(3)
    plot = window.compare_plot
    plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000) as blocker:
        plot.button.click()
        # The window stays live meanwhile: training steps still work.
        session.training.step_sample()
    runs = blocker.args[0]
    assert [run.name for run in runs] == ["sgd", "adam"]
    assert plot.curve_lengths() == {"sgd": 3, "adam": 3}
    expected = compare_optimizers(seed_graph, dataset,
                                  [make_optimizer("sgd", 9), make_optimizer("adam", 9)],
                                  epochs=3,
                                  initial_weights=session.training.trainer.initial_weights)
    for run, reference in zip(runs, expected.runs, strict=True):
        np.testing.assert_allclose(run.epoch_loss, reference.epoch_loss)
    assert "lowest final loss" in plot.status.text()


def test_comparison_can_be_cancelled(window, session, qtbot):
    session.training.set_epochs(5000)
    window.compare_plot.set_chosen(["sgd"])
    window.compare_plot.button.click()
    assert session.comparison.running()
    qtbot.wait(50)
    window.compare_plot.button.click()
    assert not session.comparison.running()
    assert window.compare_plot.button.text() == "Compare"


def test_nothing_chosen(window, session, qtbot):
    window.compare_plot.set_chosen([])
    with qtbot.waitSignal(session.comparison.failed):
        window.compare_plot.button.click()


def test_a_diverging_run_need_not_flatten_the_others(window, session, qtbot):
    # SGD with a large step blows up to ~1e260 in its first epoch; on a log axis the
    # other curves keep their shape.
    from core.presets import resolve_graph

    session.training.set_graph(resolve_graph("linear")[0])
    session.training.set_epochs(3)
    session.training.set_optimizer("sgd", {"lr": 0.5})
    plot = window.compare_plot
    plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000):
        plot.button.click()
    plot.log_scale.setChecked(True)
    assert plot.plot.getPlotItem().ctrl.logYCheck.isChecked()
    _, y = plot.curves["adam"].getData()
    assert np.all(np.isfinite(y))
    assert plot.curve_lengths() == {"sgd": 1, "adam": 3}
    plot.log_scale.setChecked(False)
    assert not plot.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_the_compare_axis_label_fits_its_axis(session, qtbot):
    from PySide6.QtWidgets import QTabWidget

    from gui.app import SCREENSHOT_SIZE
    from gui.main_window import MainWindow

    # As --screenshot builds it: resized, then shown.
    window = MainWindow(session, settings=None)
    qtbot.addWidget(window)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    qtbot.waitExposed(window)
    for tabs in window.findChildren(QTabWidget):
        if tabs.indexOf(window.compare_plot) >= 0:
            tabs.setCurrentWidget(window.compare_plot)
    qtbot.waitUntil(window.compare_plot.isVisible)
    axis = window.compare_plot.plot.getPlotItem().getAxis("left")
    assert axis.label.boundingRect().width() <= axis.height()


def test_a_comparison_of_a_graph_no_longer_shown_is_stopped(window, session, qtbot):
    from core.presets import resolve_graph

    session.training.set_epochs(5000)
    window.compare_plot.set_chosen(["sgd"])
    window.compare_plot.button.click()
    assert session.comparison.running()
    with qtbot.waitSignal(session.comparison.cleared) as blocker:
        session.training.set_graph(resolve_graph("linear")[0])
    assert "graph changed" in blocker.args[0]
    assert not session.comparison.running()
    assert window.compare_plot.button.text() == "Compare"
    assert "graph changed" in window.compare_plot.status.text()
    assert window.compare_plot.curves == {}


def _finished_comparison(window, session, qtbot):
    session.training.set_epochs(2)
    window.compare_plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000):
        window.compare_plot.button.click()
    assert window.compare_plot.curve_lengths() == {"sgd": 2, "adam": 2}


@pytest.mark.parametrize("change", ["graph", "data", "seed"])
def test_the_compare_plot_is_cleared_when_what_it_compared_changes(window, session, qtbot,
                                                                  dataset, change):
    from core.data.datasets import Dataset
    from core.presets import resolve_graph

    _finished_comparison(window, session, qtbot)
    training = session.training
    if change == "graph":
        training.set_graph(resolve_graph("linear")[0])
    elif change == "data":
        training.set_dataset(Dataset(dataset.X[:30], dataset.y[:30], source="small"))
    else:
        training.set_seed(5)
    plot = window.compare_plot
    assert plot.curves == {}
    assert plot.curve_lengths() == {}
    assert f"{change} changed" in plot.status.text()
    assert plot.button.text() == "Compare"


def test_other_changes_keep_the_comparison(window, session, qtbot):
    _finished_comparison(window, session, qtbot)
    session.training.set_hyperparameter("lr", 0.02)
    session.training.step_sample()
    assert window.compare_plot.curve_lengths() == {"sgd": 2, "adam": 2}


def test_cancel_is_reported_as_cancelled(window, session, qtbot):
    session.training.set_epochs(5000)
    plot = window.compare_plot
    plot.set_chosen(["sgd", "adam"])
    failures: list[str] = []
    session.comparison.failed.connect(failures.append)
    plot.button.click()
    qtbot.wait(150)
    with qtbot.waitSignal(session.comparison.stopped) as blocker:
        plot.button.click()
    assert blocker.args[0] == "Comparison cancelled"
    # The worker stops a moment later; nothing it still sends counts as a failure.
    qtbot.wait(400)
    assert failures == []
    assert plot.status.text() == "Comparison cancelled"
    assert window.statusBar().currentMessage() == "Comparison cancelled"
    assert "failed" not in window.statusBar().currentMessage()
    # A new comparison runs normally afterwards.
    session.training.set_epochs(2)
    with qtbot.waitSignal(session.comparison.finished, timeout=20000):
        plot.button.click()
    assert plot.curve_lengths() == {"sgd": 2, "adam": 2}


def test_a_long_comparison_keeps_the_window_responsive(window, session, qtbot, dataset):
    """40 samples, 100,000 epochs: epochs fly by, yet progress reaches the window at a
    bounded rate, the curves are drawn without a dot per epoch, and the event loop keeps
    answering (a 10 ms timer never waits long; Cancel acts at once)."""
    import time

    from PySide6.QtCore import QTimer

    from core.data.datasets import Dataset
    from gui.plots.compare_plot import MAX_DOTS
    from gui.session.comparison_runner import MAX_PROGRESS_PER_SECOND

    training = session.training
    training.set_dataset(Dataset(dataset.X[:40], dataset.y[:40], source="forty"))
    training.set_epochs(100_000)
    plot = window.compare_plot
    window.plot_tabs.setCurrentWidget(plot)
    plot.set_chosen(["sgd", "momentum"])
    progress: list[float] = []
    session.comparison.progressed.connect(lambda *_: progress.append(time.perf_counter()))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    plot.button.click()
    started = time.perf_counter()
    qtbot.waitUntil(lambda: sum(plot.curve_lengths().values()) > 5 * MAX_DOTS, timeout=10000)
    qtbot.wait(600)
    elapsed = time.perf_counter() - started
    timer.stop()
    assert session.comparison.running()
    # Bounded redraws: at most MAX_PROGRESS_PER_SECOND batches of one signal per optimizer.
    assert len(progress) <= 2 * (MAX_PROGRESS_PER_SECOND * elapsed + 2)
    # Drawing cost does not grow with epochs: long curves carry no per-epoch dots.
    assert plot.dot_count() == 0
    # The freeze this guards against lasted minutes; the bounds leave room for a busy machine.
    gaps = np.diff([started, *ticks])
    assert gaps.max() < 2.0, f"the event loop was blocked for {gaps.max():.2f} s"
    cancel_started = time.perf_counter()
    plot.button.click()
    assert time.perf_counter() - cancel_started < 2.0
    assert not session.comparison.running()
    assert plot.status.text() == "Comparison cancelled"


def test_short_comparisons_mark_every_epoch(window, session, qtbot):
    _finished_comparison(window, session, qtbot)
    assert window.compare_plot.dot_count() == 4


def test_the_comparison_trains_with_the_runs_sample_order_and_clipping(window, session, qtbot,
                                                                      seed_graph, dataset):
    training = session.training
    training.set_epochs(2)
    training.set_schedule(True, None, 0.05)
    window.compare_plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000) as blocker:
        window.compare_plot.button.click()
    start = training.trainer.initial_weights
    optimizers = [make_optimizer("sgd", 9), make_optimizer("adam", 9)]
    as_run = compare_optimizers(seed_graph, dataset, optimizers, epochs=2,
                                initial_weights=start, shuffle=True, clip_norm=0.05)
    plain = compare_optimizers(seed_graph, dataset, optimizers, epochs=2,
                               initial_weights=start)
    for run, reference, other in zip(blocker.args[0], as_run.runs, plain.runs, strict=True):
        np.testing.assert_array_equal(run.epoch_loss, reference.epoch_loss)
        assert not np.allclose(run.epoch_loss, other.epoch_loss)


def test_a_running_comparison_stops_when_the_sample_order_or_clipping_changes(
        window, session, qtbot):
    session.training.set_epochs(5000)
    window.compare_plot.set_chosen(["sgd"])
    window.compare_plot.button.click()
    assert session.comparison.running()
    with qtbot.waitSignal(session.comparison.stopped) as blocker:
        session.training.set_schedule(True, None, None)
    assert blocker.args[0] == ("Comparison stopped: the sample order or clipping changed. "
                               "Press Compare to run it again.")
    assert not session.comparison.running()


def test_a_config_that_changes_the_schedule_shows_it_in_the_panel(window, session):
    # Any change of configuration (a lesson, a preset), not only the schedule row's own.
    from gui.panels.schedule_row import ScheduleRow

    training = session.training
    row = window.findChild(ScheduleRow)
    assert not row.shuffle.isChecked()
    training.set_config(training.config.replace(shuffle=True, clip_value=0.5))
    assert row.shuffle.isChecked()
    assert row.fields["clip_value"].text() == "0.5"
