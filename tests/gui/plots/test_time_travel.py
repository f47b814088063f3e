"""Time travel along the loss curve and forks: the graph exactly as at a past step,
Resume from here on the same sample order, the original curve kept, the fork discarded."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer


@pytest.fixture
def training(session):
    return session.training


def _reference(training, steps, optimizer=None, **values):
    trainer = Trainer(training.graph, training.dataset,
                      make_optimizer(optimizer or training.optimizer_name,
                                     len(training.graph.weights), **values),
                      epochs=training.epochs)
    trainer.run(steps)
    return trainer


def test_the_slider_shows_the_recorded_state_of_a_past_step(window, training):
    training.set_optimizer("adam")
    training.run_steps(300)
    bar = window.loss_plot.timeline
    assert bar.slider.maximum() == 300
    bar.slider.setValue(123)
    past = training.viewing
    assert past is not None and past.checkpoint.step == 123
    reference = _reference(training, 123)
    assert past.checkpoint.weights == tuple(reference.weights.tolist())
    assert past.checkpoint.identical(reference.checkpoint())
    # The graph shows that step's sample at those weights: the loss recorded for step 123.
    view = window.graph_view
    assert view.node_items["loss"].value == training.trainer.history.sample_loss()[123]
    assert view.node_items["w1"].value == reference.weights[0]
    snapshot = training.snapshot()
    assert snapshot.viewing == 123 and snapshot.step == 123
    assert np.array_equal(snapshot.optimizer_state["m"], reference.optimizer.state()["m"])
    window.loss_plot.show_snapshot(snapshot)
    assert window.loss_plot.viewing_line.isVisible()
    bar.now_button.click()
    assert training.viewing is None
    assert view.node_items["w1"].value == training.trainer.weights[0]


def test_clicking_the_curve_picks_the_nearest_step(window, training):
    training.run_steps(80)
    n = len(training.dataset)
    assert window.loss_plot.step_at((41 + 1) / n) == 41
    assert window.loss_plot.step_at(-5.0) == 0
    assert window.loss_plot.step_at(1e9) == 79


def test_a_fork_with_unchanged_settings_reproduces_the_original_steps(window, training):
    training.run_steps(200)
    original = training.trainer.history.sample_loss().copy()
    original_weights = training.trainer.weights
    window.loss_plot.timeline.show_step(70)
    assert window.loss_plot.timeline.resume()
    assert training.forked_at == 70 and training.trainer.cursor.step == 70
    training.run_steps(130)
    assert np.array_equal(training.trainer.history.sample_loss(), original)  # bit for bit
    assert training.trainer.weights.tolist() == original_weights.tolist()


def test_a_fork_with_another_optimizer_keeps_the_original_visible_and_can_be_discarded(
        window, training):
    training.run_steps(150)
    original_trainer = training.trainer
    bar = window.loss_plot.timeline
    bar.show_step(60)
    bar.optimizer.setCurrentIndex(bar.optimizer.findData("momentum"))
    bar.lr.setText("0.005")
    assert bar.resume()
    assert training.optimizer_name == "momentum"
    assert training.hyperparameters["lr"] == 0.005
    training.run_steps(30)
    # The same sample order as the original run from step 60 on.
    steps = training.trainer.history.trained_samples()[60:90]
    assert steps.tolist() == original_trainer.history.trained_samples()[60:90].tolist()
    reference = _reference(training, 60, "sgd")
    fork = reference.fork(60, make_optimizer("momentum", 9, lr=0.005))
    fork.run(30)
    assert training.trainer.weights.tolist() == fork.weights.tolist()
    snapshot = training.snapshot()
    assert snapshot.forked_at == 60 and snapshot.original is not None
    window.loss_plot.show_snapshot(snapshot)
    x, _ = window.loss_plot.original_curve.getOriginalDataset()
    assert len(x) == 150 - 60
    assert bar.discard_button.isEnabled()
    bar.discard_button.click()
    assert training.trainer is original_trainer and training.trainer.cursor.step == 150
    assert training.optimizer_name == "sgd" and training.forked_at is None


def test_time_travel_reaches_back_across_a_mid_run_change(window, training):
    training.run_steps(50)
    training.set_hyperparameter("lr", 0.2)
    training.run_steps(50)
    window.loss_plot.timeline.show_step(20)
    assert training.viewing.checkpoint.identical(_reference(training, 20).checkpoint())
    # Training again returns to the present first.
    training.step_sample()
    assert training.viewing is None and training.trainer.cursor.step == 101
