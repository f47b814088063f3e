"""The course of a run: trainers built from the config, mid-run changes as stretches forked
at their step, past steps rebuilt by the stretch that trained them, kept and restored."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.checkpoint import CheckpointError
from core.training.config import TrainingConfig
from core.training.trainer import Trainer
from gui.session.course import HISTORY_LIMIT, Course, build_trainer


@pytest.fixture
def course(seed_graph, dataset):
    course = Course(TrainingConfig(seed=3), seed_graph, dataset)
    course.start()
    return course


def test_a_started_course_trains_as_a_trainer_built_from_its_config(course, seed_graph,
                                                                    dataset):
    reference = Trainer.from_config(TrainingConfig(seed=3), seed_graph, dataset)
    course.trainer.run(50)
    reference.run(50)
    np.testing.assert_array_equal(course.trainer.weights, reference.weights)
    assert course.changes == () and course.marks == () and course.last is None
    assert course.base_config is course.config
    assert course.trainer.history.limit <= HISTORY_LIMIT


def test_a_preset_graph_brings_its_own_start_weights(dataset):
    from core.presets import PRESETS, resolve_graph

    name = next(name for name, preset in PRESETS.items()
                if preset.start_weights(resolve_graph(name)[0]) is not None)
    graph, preset = resolve_graph(name)
    config = TrainingConfig(graph=name, seed=5)
    trainer = build_trainer(config, graph, config.load_data())
    np.testing.assert_array_equal(trainer.weights, preset.start_weights(graph))


def test_a_change_forks_at_the_current_step_and_earlier_steps_stay_rebuildable(course):
    first = course.trainer
    first.run(30)
    before = first.weights.copy()
    adam = course.config.replace(optimizer="adam")
    assert course.change(adam, "SGD → Adam") == 30
    assert course.trainer is not first and course.config is adam
    np.testing.assert_array_equal(course.trainer.weights, before)
    assert course.trainer.optimizer.name == "adam"
    assert course.marks == ((30, "SGD → Adam"),)
    assert course.base_config.optimizer == "sgd"
    course.trainer.run(20)
    # Step 10 was trained by the first stretch, step 40 by the second.
    assert (course.stretch_index(10), course.stretch_index(30), course.stretch_index(40)) \
        == (0, 1, 1)
    assert course.settings_of(0).optimizer == "sgd" and course.settings_of(1) == adam
    assert course.rebuild(10).checkpoint.identical(first.rebuild(10).checkpoint)
    assert course.rebuild(45).checkpoint.step == 45
    with pytest.raises(CheckpointError):
        course.rebuild(51)


def test_a_branch_drops_later_stretches_and_a_kept_copy_restores_them(course):
    course.trainer.run(30)
    course.change(course.config.replace(optimizer="adam"), "SGD → Adam")
    course.trainer.run(20)
    kept = course.copy()
    live = course.trainer
    index = course.stretch_index(12)
    fork = course.stretch(index).fork(12)
    course.branch(12, index, fork, course.settings_of(index), None)
    assert course.trainer is fork and course.changes == ()
    assert course.config.optimizer == "sgd" and fork.cursor.step == 12
    course.restore(kept)
    assert course.trainer is live and len(course.changes) == 1
    assert course.config.optimizer == "adam" and course.last is None
