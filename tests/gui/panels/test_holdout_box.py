"""Held-out data in the window: the panel's fields set the run's config, the loss plot
draws the held-out curve beside the training ones, and early stopping is said in the
status line."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.holdout import split_rows
from gui.panels.holdout_box import HoldoutBox
from gui.session.holdout_settings import set_holdout


def test_the_fields_are_off_by_default(qtbot, training):
    box = HoldoutBox(training)
    qtbot.addWidget(box)
    assert box.fraction.text() == "off"
    assert box.patience.text() == "off"
    assert not box.patience.isEnabled()
    assert training.config.holdout is None
    assert training.trainer.n_samples == 506


def test_the_fields_set_the_config_and_start_over(qtbot, training):
    box = HoldoutBox(training)
    qtbot.addWidget(box)
    messages = []
    training.status_reported.connect(messages.append)
    training.run_steps(30)
    box.fraction.setValue(0.2)
    assert training.config.holdout == 0.2
    assert training.trainer.cursor.step == 0
    assert training.trainer.n_samples == 405
    assert np.array_equal(training.trainer.holdout_rows, split_rows(506, 0.2, 0)[1])
    assert "Holding out 101 of 506 rows" in messages[-1]
    assert box.patience.isEnabled()
    box.patience.setValue(4)
    assert training.config.early_stop == 4
    assert training.trainer.early_stop == 4
    box.fraction.setValue(0.0)
    assert training.config.holdout is None
    assert training.config.early_stop is None
    assert box.patience.text() == "off"
    assert not box.patience.isEnabled()
    assert "Every row trains" in messages[-1]


def test_the_fields_follow_the_config(qtbot, training):
    box = HoldoutBox(training)
    qtbot.addWidget(box)
    set_holdout(training, 0.3, 2)
    assert box.fraction.value() == pytest.approx(0.3)
    assert box.patience.value() == 2


def test_the_loss_plot_draws_the_held_out_curve(qtbot, window):
    training = window.session.training
    plot = window.loss_plot
    assert "held-out" not in plot.plot.property("legend")
    window.side_panel.holdout_box.fraction.setValue(0.2)
    training.run_steps(3 * 405)
    training.publish()
    qtbot.waitUntil(lambda: plot.holdout_curve.getOriginalDataset()[0] is not None
                    and len(plot.holdout_curve.getOriginalDataset()[0]) == 3)
    x, y = plot.holdout_curve.getOriginalDataset()
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert np.array_equal(y, training.trainer.history.holdout_loss())
    ex, ey = plot.epoch_curve.getOriginalDataset()
    assert len(ex) == 3
    assert not np.array_equal(ey, y)  # two curves: training rows and held-out rows
    assert "held-out mean" in plot.plot.property("legend")
    assert plot.holdout_curve.opts["pen"].color().name().lower() == \
        plot.theme.holdout_loss.lower()
    # A click on the epoch axis maps to the training rows' steps.
    assert plot.step_at(2.0) == 2 * 405 - 1


def test_early_stop_is_said_in_the_status_line(qtbot, training):
    messages = []
    training.status_reported.connect(messages.append)
    set_holdout(training, 0.2, 1)
    training.set_hyperparameter("lr", 5.0)  # too large: the held-out loss soon worsens
    for _ in range(40):
        if training.trainer.finished:
            break
        training.step_epoch()
    stop = training.trainer.stopped_early
    assert stop is not None
    assert any(message.startswith(f"Stopped early after epoch {stop.epoch}")
               for message in messages)
    assert not training.can_train()
    assert "has not improved for 1 epoch" in messages[-1]
    # Counted as the last epoch trained, as at the end of every epoch.
    assert training.snapshot().epoch_shown == stop.epoch


def test_a_split_leaving_no_training_row_is_refused(qtbot, training, tmp_path):
    from core.data.datasets import load_dataset

    path = tmp_path / "two.csv"
    path.write_text("x1,x2,x3,x4,x5,y\n1,2,3,4,5,6\n2,3,4,5,6,7\n")
    training.set_dataset(load_dataset(str(path)))
    box = HoldoutBox(training)
    qtbot.addWidget(box)
    messages = []
    training.status_reported.connect(messages.append)
    box.fraction.setValue(0.9)
    assert training.config.holdout is None
    assert box.fraction.text() == "off"
    assert "at least one must remain" in messages[-1]


def test_the_windows_comparison_trains_on_the_same_split(window, session, qtbot, seed_graph,
                                                         dataset):
    from core.training.compare import compare_optimizers
    from core.training.optimizers import make_optimizer

    training = session.training
    training.set_epochs(2)
    set_holdout(training, 0.2, None)
    plot = window.compare_plot
    plot.set_chosen(["sgd"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000) as blocker:
        plot.button.click()
    (run,) = blocker.args[0]
    expected = compare_optimizers(seed_graph, dataset, [make_optimizer("sgd", 9)], epochs=2,
                                  initial_weights=training.trainer.initial_weights,
                                  holdout=0.2)
    assert np.array_equal(run.epoch_loss, expected.runs[0].epoch_loss)
    whole = compare_optimizers(seed_graph, dataset, [make_optimizer("sgd", 9)], epochs=2,
                               initial_weights=training.trainer.initial_weights)
    assert not np.array_equal(run.epoch_loss, whole.runs[0].epoch_loss)


def test_a_session_opened_in_the_window_keeps_its_split(qtbot, training, tmp_path):
    from core.training.config import TrainingConfig
    from core.training.session_file import capture, open_session, read_session, save_session
    from core.training.trainer import Trainer

    config = TrainingConfig(holdout=0.25, early_stop=5, epochs=3, seed=3)
    run = Trainer.from_config(config)
    run.run(700)
    path = tmp_path / "run.json"
    save_session(path, capture(config, run))
    box = HoldoutBox(training)
    qtbot.addWidget(box)
    training.adopt(open_session(read_session(path), str(path)))
    assert box.fraction.value() == pytest.approx(0.25)
    assert box.patience.value() == 5
    assert np.array_equal(training.trainer.holdout_rows, run.holdout_rows)
    assert training.snapshot().holdout_rows == run.holdout_rows.size
    assert np.array_equal(training.snapshot().history.holdout_loss,
                          run.history.holdout_loss())
    past = training.rebuild(400)
    assert past.checkpoint.identical(run.state_at(400))


def test_data_too_small_for_the_held_out_fraction_is_refused(qtbot, training, tmp_path):
    from core.data.datasets import DataError, load_dataset

    set_holdout(training, 0.9, None)
    path = tmp_path / "two.csv"
    path.write_text("x1,x2,x3,x4,x5,y\n1,2,3,4,5,6\n2,3,4,5,6,7\n")
    before = training.dataset
    with pytest.raises(DataError, match="at least one must remain"):
        training.set_dataset(load_dataset(str(path)))
    assert training.dataset is before
    assert training.trainer.n_samples == 506 - 455
