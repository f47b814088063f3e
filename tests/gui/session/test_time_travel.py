"""Time travel and forks on their own: a Course, a SnapshotPublisher and a TimeTravel."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.checkpoint import CheckpointError
from core.training.config import TrainingConfig
from gui.session.course import Course
from gui.session.snapshot_publisher import Shown, SnapshotPublisher, take_snapshot
from gui.session.time_travel import TimeTravel


@pytest.fixture
def parts(qtbot, seed_graph, dataset):
    course = Course(TrainingConfig(), seed_graph, dataset)
    course.start()
    course.trainer.run(60)
    followed: list[int] = []
    travel: TimeTravel | None = None

    def take():
        assert travel is not None
        return take_snapshot(course, Shown(run=1, sample=0, viewing=travel.viewing,
                                           original=travel.original,
                                           forked_at=travel.forked_at))

    publisher = SnapshotPublisher(take)
    travel = TimeTravel(course, publisher, lambda: followed.append(1))
    yield course, travel, publisher, followed
    publisher.shutdown()


def test_a_past_step_is_shown_exactly_and_the_present_comes_back(parts, qtbot):
    _, travel, publisher, _ = parts
    with qtbot.waitSignals([travel.time_travelled, publisher.snapshot_updated]):
        past = travel.view_step(20)
    assert travel.viewing is past and past.checkpoint.step == 20
    assert publisher.snapshot().viewing == 20
    np.testing.assert_array_equal(publisher.snapshot().weights, past.checkpoint.weights)
    with qtbot.waitSignal(travel.time_travelled) as went:
        travel.back_to_present()
    assert went.args == [-1] and travel.viewing is None
    assert publisher.snapshot().step == 60
    with pytest.raises(CheckpointError):
        travel.view_step(61)


def test_a_fork_with_other_settings_is_a_change_and_the_original_is_kept(parts):
    course, travel, publisher, followed = parts
    original = course.trainer
    travel.resume_from(30, optimizer="adam")
    assert travel.forked_at == 30 and travel.original is original
    assert course.trainer.cursor.step == 30 and course.config.optimizer == "adam"
    assert course.marks == ((30, "SGD → Adam"),) and followed == [1]
    assert publisher.snapshot().original is not None
    travel.discard_fork()
    assert course.trainer is original and course.changes == ()
    assert travel.forked_at is None and travel.original is None


def test_a_fork_with_the_same_settings_replaces_the_stretch(parts):
    course, travel, _, _ = parts
    travel.resume_from(15)
    assert course.changes == () and course.trainer.cursor.step == 15
    assert course.config.optimizer == "sgd"


def test_a_fork_with_moved_weights_starts_from_them(parts):
    course, travel, _, _ = parts
    name = course.graph.weights[0]
    travel.view_step(10)
    said: list[str] = []
    travel.status_reported.connect(said.append)
    travel.fork_with_weights({name: 0.75})
    assert course.trainer.cursor.step == 10 and travel.forked_at == 10
    assert course.trainer.weights[0] == 0.75
    assert f"{course.graph[name].name} = 0.75" in said[-1]
    with pytest.raises(KeyError):
        travel.fork_with_weights({"no such weight": 1.0})
