"""The training session: settings through one validate-store-notify path, snapshots that
hold everything drawn, and status messages that do not outlive the state they describe."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.training.optimizers import HyperparameterError


def test_bad_settings_change_nothing(session, qtbot):
    training = session.training
    training.step_sample()
    restarted: list[int] = []
    training.training_restarted.connect(lambda: restarted.append(1))
    for bad in (lambda: training.set_seed(-1), lambda: training.set_epochs(0),
                lambda: training.set_optimizer("nope"),
                lambda: training.set_hyperparameter("lr", -1.0)):
        with pytest.raises((ValueError, HyperparameterError)):
            bad()
    assert restarted == []
    assert training.trainer.cursor.step == 1
    assert (training.seed, training.epochs, training.optimizer_name) == (0, 20, "sgd")


@pytest.mark.parametrize(("setter", "value", "signal"), [
    ("set_seed", 3, "seed_changed"), ("set_epochs", 4, "epochs_changed")])
def test_a_setting_is_stored_announced_and_training_starts_over(session, qtbot, setter,
                                                                value, signal):
    training = session.training
    training.step_sample()
    run = training.snapshot().run
    with qtbot.waitSignals([getattr(training, signal), training.training_restarted]):
        getattr(training, setter)(value)
    assert getattr(training, setter.removeprefix("set_")) == value
    assert training.trainer.cursor.step == 0
    assert training.snapshot().run == run + 1
    # The same value again is no change at all.
    with qtbot.assertNotEmitted(training.training_restarted):
        getattr(training, setter)(value)


def test_the_snapshot_carries_the_history_it_was_taken_with(session):
    training = session.training
    for _ in range(5):
        training.step_sample()
    snapshot = training.snapshot()
    training.step_epoch()
    training.set_seed(9)
    training.run_steps(700)
    history = snapshot.history
    assert len(history) == 5 and history.n_steps == 5 and history.n_epochs == 0
    np.testing.assert_array_equal(history.steps, np.arange(5))
    assert snapshot.step == 5 and snapshot.seed == 0 and snapshot.optimizer == "sgd"
    assert history.sample_epochs()[-1] == pytest.approx(5 / len(training.dataset))


def test_plots_draw_the_snapshot_they_are_given_not_the_live_history(window, session):
    training = session.training
    for _ in range(3):
        training.step_sample()
    old = training.snapshot()
    training.run_steps(50)
    assert window.loss_plot.point_count() == 53
    window.loss_plot.show_snapshot(old)
    assert window.loss_plot.point_count() == 3
    window.plot_tabs.setCurrentWidget(window.trajectory_plot)
    window.trajectory_plot.show_snapshot(old)
    x, y = window.trajectory_plot.curves[8].getOriginalDataset()
    assert len(x) == 3
    np.testing.assert_array_equal(y, old.history.weights[:, 8])


def test_the_shown_pass_comes_from_the_trainer(session, dataset):
    training = session.training
    training.step_sample()
    training.show_sample(7)
    expected = training.trainer.trace(7)
    assert training.snapshot().trace.loss == expected.loss
    assert training.snapshot().sample == 7


@pytest.mark.parametrize("message_from", ["pause", "reset"])
def test_status_messages_do_not_outlive_the_state_they_describe(window, session, qtbot,
                                                                message_from):
    training = session.training
    training.set_epochs(2000)
    bar = window.statusBar()
    if message_from == "pause":
        session.play.set_speed(20.0)
        session.play.play()
        qtbot.waitUntil(lambda: training.trainer.cursor.step >= 1, timeout=3000)
        session.play.pause()
        step = training.trainer.cursor.step
        assert bar.currentMessage() == f"Paused at step {step}"
    else:
        training.run_steps(3)
        qtbot.keyClick(window.graph_view, Qt.Key.Key_R)
        assert bar.currentMessage() == "Reset to the initial weights"
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Right)
    assert bar.currentMessage() == ""
    # Messages about the step itself stay: the last epoch's end says it finished.
    training.set_epochs(1)
    training.run_steps(len(training.dataset) - 1)
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Right)
    assert bar.currentMessage().startswith("Finished: 1 epoch")


def test_playing_keeps_its_message_and_stops_on_a_restart(window, session, qtbot):
    training, play = session.training, session.play
    training.set_epochs(2000)
    play.play()
    qtbot.waitUntil(lambda: training.trainer.cursor.step > 100, timeout=5000)
    assert window.statusBar().currentMessage() == "Training…"
    with qtbot.waitSignal(play.training_paused):
        training.set_schedule(True, None, None)  # shuffling: a restart
    assert not play.running
    assert training.trainer.cursor.step == 0
    assert "training starts over" in window.statusBar().currentMessage()
