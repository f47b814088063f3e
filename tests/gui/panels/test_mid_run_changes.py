"""Changing course mid-run: fields apply on Enter or focus loss, a hyperparameter or
optimizer change continues from the current weights with a marker on the loss curve,
Reset starts over, and shuffling and clipping are in the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt


def _type_and_enter(qtbot, field, text):
    field.selectAll()
    if text:
        qtbot.keyClicks(field, text)
    else:
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_mid_run_learning_rate_change_keeps_the_weights_and_changes_the_next_update(
        window, training, qtbot):
    training.run_steps(30)
    before = training.trainer.weights
    form = window.side_panel.optimizer_box.form
    _type_and_enter(qtbot, form.fields["lr"], "0.1")
    assert training.hyperparameters["lr"] == 0.1
    assert training.trainer.cursor.step == 30
    assert np.array_equal(training.trainer.weights, before)
    assert "lr 0.01 → 0.1 at step 30" in window.statusBar().currentMessage()
    assert "continues from the current weights" in window.statusBar().currentMessage()
    # The next update is SGD's with the new rate: w - 0.1 * dL/dw at the next sample.
    grads = training.trainer.trace(training.trainer.cursor.sample).weight_grads
    training.step_sample()
    assert training.trainer.weights.tolist() == (before - 0.1 * grads).tolist()
    # The loss curve keeps its points and marks the change.
    assert window.loss_plot.point_count() == 31
    (marker,) = window.loss_plot.markers
    assert marker.value() == pytest.approx(30 / len(training.dataset))
    assert "lr 0.01 → 0.1" in marker.label.toPlainText()


def test_the_same_run_with_a_fork_equals_one_continued_by_hand(window, training):
    training.run_steps(40)
    training.set_optimizer("adam", {"lr": 0.002})
    training.run_steps(25)
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    by_hand = Trainer(training.graph, training.dataset, make_optimizer("sgd", 9), epochs=20)
    by_hand.run(40)
    fork = by_hand.fork(40, make_optimizer("adam", 9, lr=0.002))
    fork.run(25)
    assert training.trainer.weights.tolist() == fork.weights.tolist()
    assert training.changes[0].step == 40 and training.changes[0].optimizer == "adam"


def test_reset_starts_over_and_clears_the_markers(window, training, session):
    training.run_steps(10)
    training.set_hyperparameter("lr", 0.05)
    window.training_actions.reset.trigger()
    assert training.trainer.cursor.step == 0
    assert training.changes == ()
    assert training.hyperparameters["lr"] == 0.05  # the setting stays
    window.loss_plot.show_snapshot(training.snapshot())
    assert window.loss_plot.markers == []
    assert "Reset to the initial weights" in window.statusBar().currentMessage()


def test_typing_never_applies_a_partial_number(window, training, qtbot):
    training.run_steps(5)
    field = window.side_panel.optimizer_box.form.fields["lr"]
    field.selectAll()
    qtbot.keyClicks(field, "1e999")  # passes through 1, 1e9, 1e99 on the way
    assert training.hyperparameters["lr"] == 0.01
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert training.hyperparameters["lr"] == 0.01  # 1e999 is inf: refused
    assert "finite" in window.side_panel.optimizer_box.form.errors["lr"].text()
    assert training.trainer.cursor.step == 5
    # Focus loss applies a valid value.
    window.activateWindow()
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "0.03")
    assert training.hyperparameters["lr"] == 0.01
    window.side_panel.training_box.seed.setFocus()
    qtbot.waitUntil(lambda: training.hyperparameters["lr"] == 0.03, timeout=2000)


def test_playing_goes_on_through_a_mid_run_change(window, session, qtbot):
    training, play = session.training, session.play
    training.set_epochs(2000)
    play.play()
    qtbot.waitUntil(lambda: training.trainer.cursor.step > 50, timeout=5000)
    training.set_hyperparameter("lr", 0.02)
    assert play.running
    step = training.changes[0].step
    qtbot.waitUntil(lambda: training.trainer.cursor.step > step + 10, timeout=5000)
    play.pause()


def test_shuffle_and_clipping_are_in_the_window_and_start_over(window, training, qtbot):
    row = window.side_panel.training_box.schedule
    training.run_steps(10)
    row.shuffle.setChecked(True)
    assert training.trainer.shuffle and training.trainer.cursor.step == 0
    assert "Shuffling on: training starts over" in window.statusBar().currentMessage()
    _type_and_enter(qtbot, row.fields["clip_value"], "0.5")
    assert training.trainer.clip_value == 0.5
    _type_and_enter(qtbot, row.fields["clip_norm"], "-2")
    assert training.trainer.clip_norm is None
    assert "D00000" in row.fields["clip_norm"].styleSheet()
    assert "not applied" in window.statusBar().currentMessage()
    _type_and_enter(qtbot, row.fields["clip_norm"], "")
    _type_and_enter(qtbot, row.fields["clip_value"], "")
    assert training.trainer.clip_value is None


def test_the_seed_box_applies_on_enter_not_per_digit(window, training, qtbot):
    spin = window.side_panel.training_box.seed
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "123")
    assert training.seed == 0
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert training.seed == 123
