"""Each panel follows the model: readouts, trajectories, speed, number formatting,
graph-view details."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from gui.formatting import full_number, short_number
from gui.speed import SLIDER_MAX, position_of, speed_at, speed_text


def test_readouts_follow_training(window, session):
    labels = window.side_panel.readout.labels
    assert labels["step"].text() == "0"
    assert labels["loss"].text() == "—"
    session.training.step_sample()
    session.training.step_sample()
    assert labels["step"].text() == "2"
    assert labels["sample"].text() == f"2 of {len(session.training.dataset)} trained"
    history = session.training.trainer.history
    assert labels["loss"].text() == short_number(history.sample_loss()[-1], 6)
    session.training.step_epoch()
    assert labels["epoch"].text() == "2 of 20"
    history = session.training.trainer.history
    assert labels["epoch_loss"].text() == short_number(history.epoch_loss()[0], 6)
    assert "step 506" in window.position_label.text()


def test_trajectory_plot_has_one_curve_per_weight(window, session, qtbot):
    window.plot_tabs.setCurrentWidget(window.trajectory_plot)
    for _ in range(30):
        session.training.step_sample()
    plot = window.trajectory_plot
    assert len(plot.curves) == 9
    x, y = plot.curves[8].getOriginalDataset()
    assert len(x) == 30
    np.testing.assert_allclose(y, session.training.trainer.history.weights()[:, 8])


def test_hidden_plot_catches_up_when_shown(window, session):
    window.plot_tabs.setCurrentWidget(window.compare_plot)
    for _ in range(5):
        session.training.step_sample()
    window.plot_tabs.setCurrentWidget(window.loss_plot)
    assert window.loss_plot.point_count() == 5


def test_speed_slider_spans_one_step_to_max(window, session):
    slider = window.side_panel.training_box.speed
    slider.setValue(0)
    assert session.play.speed == pytest.approx(1.0)
    slider.setValue(SLIDER_MAX)
    assert math.isinf(session.play.speed)
    assert window.side_panel.training_box.speed_label.text() == "max"
    session.play.set_speed(50.0)
    assert slider.value() == position_of(50.0)


@pytest.mark.parametrize("position", [0, 1, 37, 98, 99])
def test_speed_scale_round_trips(position):
    assert position_of(speed_at(position)) == position
    assert speed_text(speed_at(position)).endswith("steps/s")


def test_number_formats():
    assert short_number(-0.0123456) == "−0.01235"
    assert short_number(1.5e-7) == "1.5e−7"
    assert short_number(math.nan) == "NaN"
    assert short_number(-math.inf) == "−∞"
    assert full_number(0.1) == "0.1"
    assert full_number(-1 / 3) == "−0.3333333333333333"


def test_edge_colours_and_widths_follow_contributions(window, session, dataset):
    trace = evaluate(session.training.graph, *dataset.row(0), session.training.trainer.weights)
    theme = window.graph_view.theme
    for edge, item in window.graph_view.edge_items.items():
        contribution = trace.contribution(edge)
        assert item.colour == theme.edge_colour(contribution)
        assert item.width == theme.edge_width(contribution)
    widths = [theme.edge_width(c) for c in (0.0, 1e-5, 1e-2, 10.0)]
    assert widths == sorted(widths)
    assert "contribution" in next(iter(window.graph_view.edge_items.values())).tooltip_html()


def test_legends_name_the_ops_of_the_graph(window):
    text = window.graph_view.derivative_legend.text()
    for rule in ("d sin(x)/dx = cos(x)", "σ(x)·(1 − σ(x))", "chain rule"):
        assert rule in text
    assert "log" not in text  # the seed graph has no log node
    window.legends_action.trigger()
    assert not window.graph_view.derivative_legend.isVisible()


def test_graph_only_hides_the_panels(window):
    window.graph_only_action.trigger()
    assert not window.controls_dock.isVisible()
    assert not window.plots_dock.isVisible()
    window.graph_only_action.trigger()
    assert window.controls_dock.isVisible()


def _wheel(view, modifiers, delta: int = 120) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_ctrl_wheel_zooms_plain_wheel_does_not(window):
    from PySide6.QtCore import Qt

    view = window.graph_view
    start = view.zoom()
    _wheel(view, Qt.KeyboardModifier.NoModifier)
    assert view.zoom() == pytest.approx(start)
    _wheel(view, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() > start
    _wheel(view, Qt.KeyboardModifier.ControlModifier, delta=-240)
    assert view.zoom() < start


def test_one_epoch_is_one_epoch_in_the_status(session):
    messages = []
    session.training.status_reported.connect(messages.append)
    session.training.set_epochs(1)
    session.training.step_epoch()
    session.training.step_sample()
    assert any(m.startswith("Finished: 1 epoch, ") for m in messages), messages
    assert any(m.startswith("All 1 epoch trained") for m in messages), messages
