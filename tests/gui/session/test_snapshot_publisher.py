"""The snapshot publisher on its own: one snapshot per change of state, both kinds of view
told with the same one, and a bounded rate while requests pour in."""

from __future__ import annotations

import time

from core.training.config import TrainingConfig
from gui.session.course import Course
from gui.session.snapshot_publisher import (
    MAX_FRAMES_PER_SECOND,
    Shown,
    SnapshotPublisher,
    take_snapshot,
)


def _publisher(course, taken):
    def take():
        taken.append(1)
        return take_snapshot(course, Shown(run=1, sample=0))

    return SnapshotPublisher(take)


def test_a_snapshot_is_taken_once_per_change_and_given_to_both_views(qtbot, seed_graph,
                                                                     dataset):
    course = Course(TrainingConfig(), seed_graph, dataset)
    course.start()
    taken: list[int] = []
    publisher = _publisher(course, taken)
    frames, readouts = [], []
    publisher.snapshot_updated.connect(frames.append)
    publisher.readouts_updated.connect(readouts.append)
    publisher.publish()
    assert len(taken) == 1 and frames == readouts and frames[0] is publisher.snapshot()
    assert frames[0].step == 0
    course.trainer.run(5)
    assert publisher.snapshot().step == 0  # not told: the old state is still drawn
    publisher.invalidate()
    assert publisher.snapshot().step == 5 and len(taken) == 2
    publisher.shutdown()


def test_requests_pouring_in_redraw_the_graph_at_a_bounded_rate(qtbot, seed_graph, dataset):
    course = Course(TrainingConfig(), seed_graph, dataset)
    course.start()
    publisher = _publisher(course, [])
    frames: list[object] = []
    publisher.snapshot_updated.connect(frames.append)
    start = time.perf_counter()
    while time.perf_counter() - start < 0.5:
        course.trainer.run(1)
        publisher.publish_throttled()
        qtbot.wait(1)
    elapsed = time.perf_counter() - start
    assert 1 <= len(frames) <= MAX_FRAMES_PER_SECOND * elapsed + 2
    publisher.shutdown()


def test_a_diverged_run_shows_the_pass_that_went_non_finite(qtbot, seed_graph, dataset):
    course = Course(TrainingConfig().with_hyperparameters(lr=1e6), seed_graph, dataset)
    course.start()
    result = course.trainer.run(500)
    assert result is not None and result.diverged is not None
    snapshot = take_snapshot(course, Shown(run=1, sample=0))
    assert snapshot.divergence is result.diverged
    assert snapshot.trace is result.diverged.trace
