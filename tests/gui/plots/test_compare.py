"""Comparing optimizers in a worker thread, from the same initial weights."""

from __future__ import annotations

import numpy as np

from core.training.compare import compare_optimizers
from core.training.optimizers import make_optimizer


def test_comparison_runs_in_the_background(window, bridge, qtbot, seed_graph, dataset):
    bridge.set_epochs(3)
    plot = window.compare_plot
    plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(bridge.comparison_finished, timeout=20000) as blocker:
        plot.button.click()
        # The window stays live meanwhile: training steps still work.
        bridge.step_sample()
    runs = blocker.args[0]
    assert [run.name for run in runs] == ["sgd", "adam"]
    assert plot.curve_lengths() == {"sgd": 3, "adam": 3}
    expected = compare_optimizers(seed_graph, dataset,
                                  [make_optimizer("sgd", 9), make_optimizer("adam", 9)],
                                  epochs=3, initial_weights=bridge.trainer.initial_weights)
    for run, reference in zip(runs, expected.runs, strict=True):
        np.testing.assert_allclose(run.epoch_loss, reference.epoch_loss)
    assert "lowest final loss" in plot.status.text()


def test_comparison_can_be_cancelled(window, bridge, qtbot):
    bridge.set_epochs(5000)
    window.compare_plot.set_chosen(["sgd"])
    window.compare_plot.button.click()
    assert bridge.comparison_running()
    qtbot.wait(50)
    window.compare_plot.button.click()
    assert not bridge.comparison_running()
    assert window.compare_plot.button.text() == "Compare"


def test_nothing_chosen(window, bridge, qtbot):
    window.compare_plot.set_chosen([])
    with qtbot.waitSignal(bridge.comparison_failed):
        window.compare_plot.button.click()


def test_a_diverging_run_need_not_flatten_the_others(window, bridge, qtbot):
    # SGD with a large step blows up to ~1e260 in its first epoch; on a log axis the
    # other curves keep their shape.
    from core.presets import resolve_graph

    bridge.set_graph(resolve_graph("linear")[0])
    bridge.set_epochs(3)
    bridge.set_optimizer("sgd", {"lr": 0.5})
    plot = window.compare_plot
    plot.set_chosen(["sgd", "adam"])
    with qtbot.waitSignal(bridge.comparison_finished, timeout=20000):
        plot.button.click()
    plot.log_scale.setChecked(True)
    assert plot.plot.getPlotItem().ctrl.logYCheck.isChecked()
    _, y = plot.curves["adam"].getData()
    assert np.all(np.isfinite(y))
    assert plot.curve_lengths() == {"sgd": 1, "adam": 3}
    plot.log_scale.setChecked(False)
    assert not plot.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_the_compare_axis_label_fits_its_axis(bridge, qtbot):
    from PySide6.QtWidgets import QTabWidget

    from gui.app import SCREENSHOT_SIZE
    from gui.main_window import MainWindow

    # As --screenshot builds it: resized, then shown.
    window = MainWindow(bridge, settings=None)
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


def test_a_comparison_of_a_graph_no_longer_shown_is_stopped(window, bridge, qtbot):
    from core.presets import resolve_graph

    bridge.set_epochs(5000)
    window.compare_plot.set_chosen(["sgd"])
    window.compare_plot.button.click()
    assert bridge.comparison_running()
    with qtbot.waitSignal(bridge.comparison_failed) as blocker:
        bridge.set_graph(resolve_graph("linear")[0])
    assert "graph changed" in blocker.args[0]
    assert not bridge.comparison_running()
    assert window.compare_plot.button.text() == "Compare"
    assert "graph changed" in window.compare_plot.status.text()
