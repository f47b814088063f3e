"""Any past step rebuilt exactly from the checkpoints kept every K steps, and forks."""

import numpy as np
import pytest

import core.training.checkpoint_log as checkpoint_log
from core.autodiff.engine import evaluate
from core.training.checkpoint import CheckpointError
from core.training.checkpoint_log import FLOAT_BUDGET, CheckpointLog, checkpoint_interval
from core.training.optimizers import make_optimizer
from tests.core.training.test_checkpoint import assert_same_state, same_bits
from tests.core.training.test_trainer import SEED, make, seed_data

DATA = seed_data(n=10, seed=5)


@pytest.fixture
def small_interval(monkeypatch):
    """Checkpoints every 7 steps, so short runs replay across several of them."""
    monkeypatch.setattr(checkpoint_log, "MIN_INTERVAL", 7)


def walk(trainer):
    """Train step by step, keeping the checkpoint (and cursor) after every step."""
    states = [trainer.checkpoint()]
    cursors = [trainer.cursor]
    while not trainer.finished:
        trainer.step_sample()
        states.append(trainer.checkpoint())
        cursors.append(trainer.cursor)
    return states, cursors


@pytest.mark.parametrize("name", ["sgd", "nesterov", "rmsprop", "adam", "adamw"])
def test_every_past_step_is_rebuilt_bit_for_bit(small_interval, name):
    trainer = make(name, data=DATA, epochs=4, shuffle=True, seed=3, lr=0.05, clip_value=0.5)
    assert trainer.checkpoints.interval == 7
    states, cursors = walk(trainer)
    assert list(trainer.checkpoints.steps()) == list(range(0, 41, 7))
    for step, expected in enumerate(states):
        assert_same_state(trainer.state_at(step), expected)
        past = trainer.rebuild(step)
        assert past.cursor == cursors[step]
        sample = past.cursor.sample
        reference = evaluate(SEED, DATA.X[sample], DATA.y[sample], expected.weights)
        assert past.trace.loss == reference.loss
        assert [past.trace.grads[w] for w in SEED.weights] == \
            [reference.grads[w] for w in SEED.weights]
    # Rebuilding leaves the trainer as it was.
    assert_same_state(trainer, states[-1])


def test_rebuilding_agrees_with_the_decimated_history(small_interval):
    trainer = make("momentum", data=DATA, epochs=60, shuffle=True, history_limit=64)
    trainer.run_to_end()
    history = trainer.history
    assert history.stride > 1  # the per-step history was thinned on the way
    rng = np.random.default_rng(0)
    for index in rng.choice(len(history), size=12, replace=False):
        step = int(history.steps()[index])
        before = trainer.rebuild(step)
        after = trainer.state_at(step + 1)
        assert before.cursor.sample == history.trained_samples()[index]
        assert before.cursor.epoch == history.trained_epochs()[index] == step // 10
        assert same_bits(after.weights, history.weights()[index])
        assert before.trace.loss == history.sample_loss()[index]


def test_steps_outside_the_run_are_refused():
    trainer = make("adam", data=DATA, epochs=2)
    trainer.run(5)
    with pytest.raises(CheckpointError, match="step 6 has not been trained: this run is at "
                                              "step 5"):
        trainer.state_at(6)
    with pytest.raises(Exception, match="step must be a whole number"):
        trainer.state_at(-1)
    # A fresh trainer restored at step 5 can rebuild from there on, not before.
    other = make("adam", data=DATA, epochs=2)
    other.restore(trainer.checkpoint())
    other.run(3)
    assert_same_state(other.state_at(6), (trainer.run(1), trainer.checkpoint())[1])
    with pytest.raises(CheckpointError, match="before this run's first checkpoint"):
        other.state_at(4)


def test_a_foreign_checkpoint_starts_the_history_over():
    trainer = make("adam", data=DATA, epochs=3)
    trainer.run(20)
    other = make("adam", data=DATA, epochs=3, initial_weights=[0.5] * 9)
    other.run(7)
    trainer.restore(other.checkpoint())
    assert trainer.history.n_steps == 7 and len(trainer.history) == 0
    assert list(trainer.checkpoints.steps()) == [7]
    with pytest.raises(CheckpointError, match="before this run's first checkpoint"):
        trainer.state_at(6)
    trainer.run(5)
    other.run(5)
    assert_same_state(trainer, other)
    assert_same_state(trainer.state_at(9), other.state_at(9))


def test_a_reset_forgets_the_checkpoints(small_interval):
    trainer = make("sgd", data=DATA, epochs=3)
    trainer.run(20)
    trainer.reset()
    assert list(trainer.checkpoints.steps()) == [0]


# -- forks --------------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_fork_with_unchanged_settings_reproduces_the_original(small_interval, shuffle):
    original = make("adam", data=DATA, epochs=5, shuffle=shuffle, seed=9, lr=0.03)
    original.run_to_end()
    fork = original.fork(17)
    assert fork.cursor.step == 17 and fork is not original
    fork.run_to_end()
    assert_same_state(fork, original)
    np.testing.assert_array_equal(fork.history.steps(), original.history.steps())
    assert same_bits(fork.history.weights(), original.history.weights())
    assert same_bits(fork.history.epoch_loss(), original.history.epoch_loss())
    # The fork's own past is the original's, and can be rebuilt too.
    assert_same_state(fork.state_at(9), original.state_at(9))


def test_a_fork_trains_the_same_samples_with_other_hyperparameters():
    original = make("momentum", data=DATA, epochs=4, shuffle=True, seed=2)
    original.run_to_end()
    fork = original.fork(13, make_optimizer("momentum", 9, lr=0.2, gamma=0.5))
    assert fork.optimizer.values["lr"] == 0.2
    start = original.state_at(13)
    # The velocity carries over; the rule changes from here.
    assert same_bits(fork.optimizer.state()["velocity"], start.optimizer_state["velocity"])
    fork.run_to_end()
    after = original.history.steps() >= 13
    np.testing.assert_array_equal(fork.history.trained_samples()[fork.history.steps() >= 13],
                                  original.history.trained_samples()[after])
    assert not np.array_equal(fork.weights, original.weights)
    # Before the fork point its history is the original's.
    before = original.history.steps() < 13
    assert same_bits(fork.history.weights()[:before.sum()], original.history.weights()[before])
    # Its past before the fork point was trained with other settings: not rebuilt from it.
    assert_same_state(fork.state_at(13), start)
    with pytest.raises(CheckpointError, match="before this run's first checkpoint"):
        fork.state_at(12)


def test_a_fork_with_another_optimizer_starts_it_afresh(small_interval):
    original = make("sgd", data=DATA, epochs=3, shuffle=True)
    original.run(15)
    fork = original.fork(8, make_optimizer("adam", 9))
    assert fork.optimizer.step_count == 0 and fork.cursor == original.rebuild(8).cursor
    assert same_bits(fork.weights, original.state_at(8).weights)
    fork.run(4)
    assert fork.optimizer.step_count == 4
    with pytest.raises(CheckpointError):
        original.fork(16)


# -- the memory bound ---------------------------------------------------------------------


def test_checkpoint_memory_is_bounded_for_ten_million_steps():
    trainer = make("adam", data=DATA)
    row = trainer.checkpoints.row_values
    assert row == 2 + 9 * 3
    assert checkpoint_interval(10_000_000, row) == 512
    log = CheckpointLog(10_000_000, 9, ("m", "v"))
    assert log.capacity_nbytes < 4_800_000  # 19,533 rows of 30 numbers
    # However long the run and however wide the rows, the rows stay within the budget.
    for total, n_weights in [(10_000_000, 400), (50_000_000, 9), (10**9, 1000)]:
        log = CheckpointLog(total, n_weights, ("m", "v"))
        assert log._rows.size <= FLOAT_BUDGET + 2 * log.row_values
