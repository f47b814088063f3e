"""Every size, nothing cut or covered: weights keep their signs, plots keep a usable
height, the side panel's essentials need no scrolling, the weight lines are told apart."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetricsF

from gui.panels.weights_table import CELL_PADDING
from gui.plots.trajectory_plot import symlog

SIZES = [(1024, 768), (1280, 720), (1600, 900), (1920, 1080)]


@pytest.fixture
def sized(window, qtbot, request):
    window.resize(*request.param)
    qtbot.wait(20)
    window.session.training.run_steps(40)
    qtbot.wait(10)
    return window


@pytest.mark.parametrize("sized", SIZES, indirect=True)
def test_no_weight_loses_its_sign(sized):
    table = sized.weights_table
    metrics = QFontMetricsF(table.font())
    negatives = 0
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            room = table.visualRect(table.model().index(row, column)).width() - CELL_PADDING
            for text in table.item(row, column).text().split("\n"):
                assert metrics.horizontalAdvance(text) <= room, (text, room)
                negatives += text.startswith("−")
    assert negatives  # the seed's weights have negative ones


@pytest.mark.parametrize("sized", SIZES, indirect=True)
def test_plots_keep_a_usable_height(sized, qtbot):
    for plot in (sized.loss_plot, sized.trajectory_plot, sized.compare_plot):
        sized.plot_tabs.setCurrentWidget(plot)
        qtbot.wait(5)
        assert plot.plot.height() >= 90, (type(plot).__name__, plot.plot.height())


@pytest.mark.parametrize("sized", SIZES, indirect=True)
def test_the_side_panels_essentials_need_no_scrolling(sized):
    panel = sized.side_panel
    viewport = panel.viewport()
    area = QRect(0, 0, viewport.width(), viewport.height())
    essentials = [panel.optimizer_box.combo, panel.training_box.speed,
                  *panel.training_box.buttons.values()]
    for widget in essentials:
        top_left = widget.mapTo(viewport, widget.rect().topLeft())
        assert area.contains(QRect(top_left, widget.size())), widget.objectName()


def test_play_starts_slowly(tmp_path):
    from gui.app import DEFAULT_SPEED, _startup, build_parser

    assert 1 <= DEFAULT_SPEED <= 10
    startup = _startup(build_parser().parse_args([]), None)
    assert startup.speed == DEFAULT_SPEED


def test_weight_lines_are_told_apart(window, qtbot):
    plot = window.trajectory_plot
    window.plot_tabs.setCurrentWidget(plot)
    window.session.training.run_steps(60)
    qtbot.wait(10)
    labels = plot.label_rects()
    assert len(labels) == len(window.session.training.graph.weights)
    for (a, ra), (b, rb) in itertools.combinations(labels, 2):
        overlap = min(ra[2], rb[2]) > max(ra[0], rb[0]) and min(ra[3], rb[3]) > max(ra[1], rb[1])
        assert not overlap, (a, b)
    plot.set_weight_shown(0, False)
    assert not plot.curves[0].isVisible() and len(plot.label_rects()) == len(labels) - 1
    plot.set_mode("symlog")
    _x, y = plot.curves[1].getData()
    weights = window.session.training.snapshot().history.weights
    assert np.allclose(y, symlog(weights[:, 1]))
    plot.set_mode("change")
    _x, y = plot.curves[1].getData()
    assert y[0] == 0.0
    with pytest.raises(ValueError, match="unknown mode"):
        plot.set_mode("cubic")


def test_one_numbering_of_samples_and_epochs(window):
    """Samples are data rows numbered from 0 (the sample box, the status bar, the stepper,
    --sample); progress is counted from 1 (epoch 1 of 20, 30 of 506 trained)."""
    training = window.session.training
    training.run_steps(30)
    snapshot = training.snapshot()
    row = snapshot.sample
    assert window.side_panel.navigator.spin.value() == row
    assert f"sample shown {row} " in window.position_label.text()
    assert window.side_panel.readout.labels["sample"].text() == \
        f"30 of {len(training.dataset)} trained"
    assert window.side_panel.readout.labels["epoch"].text() == "1 of 20"
    assert "epoch 1/20" in window.position_label.text()
    window.stepping.start(0)
    assert f"sample {row}" in window.stepping.where()
