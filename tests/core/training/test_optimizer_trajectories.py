"""The built-in optimizers' trajectories, bit for bit, against a recording.

``data/optimizer_trajectories.json`` was recorded
(:mod:`tests.core.training.record_optimizer_trajectories`) from the optimizers as they were
before their update rules became files in ``resources/optimizers/``: the per-weight update
with default and other hyperparameters, the sweep's batched update over three learning
rates, and two epochs of training on the seed graph.  Any change in the order of
operations of a rule changes some last bit here.
"""

import json

import pytest

from core.training.optimizers import OPTIMIZERS
from tests.core.training import record_optimizer_trajectories as record

RECORDED = json.loads(record.PATH.read_text())


def test_the_recording_covers_every_built_in_optimizer():
    assert set(RECORDED) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                             "adamw"}
    assert set(RECORDED) <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", sorted(RECORDED))
@pytest.mark.parametrize("values", ["defaults", "custom"])
def test_per_weight_updates_are_unchanged(name, values):
    hyperparameters = {} if values == "defaults" else {
        k: v for k, v in record.CUSTOM.items() if k in OPTIMIZERS[name].defaults()}
    assert record.per_weight(name, hyperparameters) == RECORDED[name][values]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_the_sweeps_batched_update_is_unchanged(name):
    assert record.batched(name) == RECORDED[name]["batched"]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_training_runs_are_unchanged(name):
    assert record.training(name) == RECORDED[name]["training"]
