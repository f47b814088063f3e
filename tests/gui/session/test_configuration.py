"""The settings part on its own: a Course, a Configuration and hooks that record what a
change asks of the session around it, in order."""

from __future__ import annotations

import pytest

from core.data.datasets import Dataset
from core.training.config import ConfigError, TrainingConfig
from gui.session.configuration import Configuration, SessionHooks, data_source
from gui.session.course import Course


@pytest.fixture
def parts(qtbot, seed_graph, dataset):
    course = Course(TrainingConfig(), seed_graph, dataset)
    course.start()
    calls: list[str] = []
    hooks = SessionHooks(data_replaced=lambda: calls.append("data_replaced"),
                         started_over=lambda: calls.append("started_over"),
                         to_present=lambda: calls.append("to_present"),
                         publish=lambda: calls.append("publish"))
    settings = Configuration(course, hooks)
    for name in ("graph_changed", "dataset_changed", "optimizer_changed", "seed_changed",
                 "epochs_changed", "course_changed", "schedule_changed", "status_reported"):
        getattr(settings, name).connect(lambda *_, name=name: calls.append(name))
    return course, settings, calls


def test_a_setting_is_stored_announced_then_the_course_starts_over(parts):
    course, settings, calls = parts
    course.trainer.run(10)
    old = course.trainer
    settings.set_seed(4)
    assert calls == ["seed_changed", "started_over"]
    assert course.config.seed == 4 and course.trainer is not old
    assert course.trainer.cursor.step == 0


def test_a_bad_value_changes_nothing_and_asks_nothing(parts):
    course, settings, calls = parts
    trainer, config = course.trainer, course.config
    with pytest.raises(ConfigError):
        settings.set_epochs(0)
    assert calls == [] and course.trainer is trainer and course.config is config


def test_new_data_resets_the_shown_sample_before_anyone_is_told(parts, dataset):
    course, settings, calls = parts
    other = Dataset(dataset.X[:40], dataset.y[:40], source="first forty rows")
    settings.set_dataset(other, data_source(dataset))
    assert course.dataset is other
    assert calls[0] == "data_replaced" and calls[-1] == "started_over"
    assert "dataset_changed" in calls


def test_a_mid_run_change_leaves_the_past_then_forks_and_announces(parts):
    course, settings, calls = parts
    course.trainer.run(25)
    settings.set_hyperparameter("lr", 0.05)
    assert calls == ["to_present", "optimizer_changed", "course_changed", "publish",
                     "status_reported"]
    assert course.changes[0].step == 25 and course.trainer.cursor.step == 25
    assert course.base_config.hyperparameters["lr"] != 0.05


def test_before_the_first_step_a_change_of_optimizer_starts_with_it(parts):
    course, settings, calls = parts
    settings.set_optimizer("adam")
    assert "started_over" in calls and "course_changed" not in calls
    assert course.base_config.optimizer == "adam" and course.changes == ()


def test_a_schedule_change_restarts_and_says_what_changed(parts, qtbot):
    course, settings, _ = parts
    with qtbot.waitSignal(settings.status_reported) as said:
        settings.set_schedule(True, None, 2.0)
    assert said.args == ["Shuffling on, clip norm 2: training starts over from the "
                         "initial weights"]
    assert course.config.shuffle and course.config.clip_norm == 2.0
