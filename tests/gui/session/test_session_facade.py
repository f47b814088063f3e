"""TrainingSession is a facade over its parts: the same signals and methods as before the
split, each part's announcements re-emitted as the session's own, in order."""

from __future__ import annotations

import inspect

from PySide6.QtCore import Signal

from gui.session.training_session import TrainingSession

SIGNALS = ("graph_changed", "dataset_changed", "optimizer_changed", "seed_changed",
           "epochs_changed", "training_restarted", "snapshot_updated", "readouts_updated",
           "step_finished", "epoch_finished", "training_finished", "diverged", "sample_shown",
           "follow_changed", "status_reported", "course_changed", "schedule_changed",
           "time_travelled")
MEMBERS = ("config", "base_config", "changes", "shuffle", "clip_value", "clip_norm", "graph",
           "dataset", "trainer", "optimizer", "optimizer_name", "hyperparameters", "seed",
           "epochs", "follow_training", "shown_sample", "divergence", "snapshot",
           "set_config", "set_graph", "set_dataset", "set_model", "set_optimizer",
           "set_hyperparameter", "adopt", "viewing", "forked_at", "rebuild", "view_step",
           "back_to_present", "resume_from", "fork_with_weights", "discard_fork",
           "set_schedule", "set_seed", "set_epochs", "show_sample", "set_follow_training",
           "can_train", "step_sample", "step_epoch", "run_steps", "run_for", "reset",
           "report", "publish", "publish_throttled", "seconds_to_next_frame", "shutdown")


def test_the_public_api_is_unchanged():
    for name in SIGNALS:
        assert isinstance(inspect.getattr_static(TrainingSession, name), Signal), name
    missing = [name for name in MEMBERS if not hasattr(TrainingSession, name)]
    assert missing == []


def test_the_parts_announcements_are_the_sessions_own_in_order(session, qtbot):
    training = session.training
    heard: list[str] = []
    for name in SIGNALS:
        getattr(training, name).connect(lambda *_, name=name: heard.append(name))
    training.run_steps(30)
    heard.clear()
    training.set_hyperparameter("lr", 0.02)  # the configuration part
    assert heard == ["optimizer_changed", "course_changed", "snapshot_updated",
                     "readouts_updated", "status_reported"]
    heard.clear()
    training.view_step(12)  # time travel
    assert heard == ["time_travelled", "snapshot_updated", "readouts_updated",
                     "status_reported"]
    assert training.snapshot().viewing == 12
    heard.clear()
    training.step_sample()  # training leaves the past first
    assert heard[0] == "time_travelled" and "step_finished" in heard
    assert training.snapshot().step == 31 and training.snapshot().viewing is None
