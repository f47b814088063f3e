"""Which checkpoints fit a run (core.training.checkpointing) and what the replay module
(core.training.replay) gives from the trainer's few members."""

import dataclasses

import pytest

import core.training.checkpoint_log as checkpoint_log
from core.autodiff.engine import evaluate
from core.training.checkpoint import CheckpointError
from core.training.checkpointing import check_fits
from core.training.replay import PastState, Replay
from tests.core.training.test_trainer import make, seed_data

DATA = seed_data(n=10, seed=5)


@pytest.fixture
def small_interval(monkeypatch):
    monkeypatch.setattr(checkpoint_log, "MIN_INTERVAL", 7)


@pytest.mark.parametrize(("change", "words"), [
    ({"seed": 4}, "seed 4, shuffle on; this run has seed 3, shuffle on"),
    ({"step": 14}, "step 14 (epoch 1, position 3) does not fit data of 10 samples"),
    ({"order": tuple(range(12))}, "order has 12 samples, the data has 10"),
    ({"optimizer": "sgd"}, "optimizer state is for sgd, this run uses adam"),
    ({"holdout_loss": (0.5,)}, "has held-out losses; this run holds no rows out"),
])
def test_a_checkpoint_that_does_not_fit_is_named_and_changes_nothing(change, words):
    trainer = make("adam", data=DATA, epochs=4, shuffle=True, seed=3)
    trainer.run(13)
    good = trainer.checkpoint()
    check_fits(good, trainer, optimizer_state=True)
    bad = dataclasses.replace(good, **change)
    with pytest.raises(CheckpointError, match=words.replace("(", r"\(").replace(")", r"\)")):
        trainer.restore(bad)
    assert trainer.checkpoint().identical(good)


def test_a_checkpoint_beyond_the_run_does_not_fit():
    longer = make("sgd", data=DATA, epochs=4)
    longer.run_to_end()
    with pytest.raises(CheckpointError, match=r"at step 40, beyond this run's 20 steps \(2 "):
        make("sgd", data=DATA, epochs=2).restore(longer.checkpoint())


def test_another_optimizer_kind_fits_without_its_state():
    trainer = make("adam", data=DATA, epochs=2)
    cp = dataclasses.replace(trainer.checkpoint(), optimizer="sgd", optimizer_state={})
    check_fits(cp, trainer, optimizer_state=False)


def test_the_replay_rebuilds_the_cursor_and_trace_the_trainer_would_have(small_interval):
    trainer = make("momentum", data=DATA, epochs=3, shuffle=True, seed=2, lr=0.05)
    replay = Replay(trainer)
    seen = []
    while not trainer.finished:
        seen.append((trainer.checkpoint(), trainer.cursor, trainer.trace()))
        trainer.step_sample()
    for step, (checkpoint, cursor, trace) in enumerate(seen):
        past = replay.rebuild(step)
        assert isinstance(past, PastState)
        assert past.checkpoint.identical(checkpoint)
        assert past.cursor == cursor == trainer.cursor_at(checkpoint)
        assert past.trace.loss == trace.loss
        assert past.trace.grads == trace.grads
        assert replay.is_own_past(checkpoint)
    # The trace at given weights is the engine's at those weights.
    weights = seen[5][0].weights
    row = seen[5][1].sample
    assert trainer.trace(row, weights).loss == evaluate(
        trainer.graph, DATA.X[row].tolist(), float(DATA.y[row]), weights).loss
    other = dataclasses.replace(seen[5][0], epoch_sum=seen[5][0].epoch_sum + 1.0)
    assert not replay.is_own_past(other)
