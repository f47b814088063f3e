"""Checkpoints: the optimizer's load_state, Trainer.checkpoint()/restore() resuming bit for
bit, and the checkpoint's exact JSON form."""

import json
import math
import struct

import numpy as np
import pytest

from core.training.checkpoint import Checkpoint, CheckpointError
from core.training.optimizers import OPTIMIZERS, HyperparameterError, make_optimizer
from tests.core.training.test_trainer import SEED, make, seed_data

DATA = seed_data(n=10, seed=3)


def bits(value):
    """A float's exact bit pattern (tells -0.0 from 0.0, and one nan from another)."""
    return struct.pack("<d", value)


def same_bits(a, b):
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    return a.shape == b.shape and all(bits(x) == bits(y) for x, y in zip(a, b, strict=True))


def assert_same_state(a, b):
    """Two trainers (or checkpoints) hold the same state, bit for bit."""
    ca = a if isinstance(a, Checkpoint) else a.checkpoint()
    cb = b if isinstance(b, Checkpoint) else b.checkpoint()
    assert (ca.step, ca.epoch, ca.position, ca.order) == (cb.step, cb.epoch, cb.position,
                                                          cb.order)
    assert same_bits(ca.weights, cb.weights)
    assert ca.optimizer == cb.optimizer and ca.optimizer_steps == cb.optimizer_steps
    assert ca.optimizer_state.keys() == cb.optimizer_state.keys()
    for key in ca.optimizer_state:
        assert same_bits(ca.optimizer_state[key], cb.optimizer_state[key])
    assert same_bits(ca.epoch_sum, cb.epoch_sum) and same_bits(ca.epoch_loss, cb.epoch_loss)


# -- Optimizer.load_state ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_load_state_restores_what_state_returned(name):
    rng = np.random.default_rng(0)
    source = make_optimizer(name, 4, lr=0.05)
    w = rng.normal(size=4).tolist()
    for _ in range(5):
        source.update(w, rng.normal(size=4).tolist())
    target = make_optimizer(name, 4, lr=0.05)
    target.load_state(source.state())
    assert target.step_count == source.step_count
    for key, values in source.state().items():
        assert same_bits(target.state()[key], values)
    # The loaded state drives the next update exactly as the original does.
    g = rng.normal(size=4).tolist()
    w1, w2 = list(w), list(w)
    source.update(w1, g)
    target.update(w2, g)
    assert same_bits(w1, w2)


@pytest.mark.parametrize(("state", "message"), [
    ({"m": [0.0] * 3}, "the Adam state has m, t, v, got m"),
    ({"m": [0.0] * 3, "v": [0.0] * 3, "t": 1, "x": [0.0]}, "got m, t, v, x"),
    ({"m": [0.0] * 2, "v": [0.0] * 3, "t": 1}, "'m' needs 3 values, got 2"),
    ({"m": [0.0, math.nan, 0.0], "v": [0.0] * 3, "t": 1}, "'m' must be finite"),
    ({"m": [0.0] * 3, "v": [0.0] * 3, "t": -1}, "step count t must be a whole number"),
    ({"m": [0.0] * 3, "v": [0.0] * 3, "t": 1.5}, "step count t must be a whole number"),
])
def test_load_state_refuses_a_bad_state_and_changes_nothing(state, message):
    adam = make_optimizer("adam", 3)
    adam.update([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    before = adam.state()
    with pytest.raises(HyperparameterError, match=message):
        adam.load_state(state)
    for key, values in adam.state().items():
        assert same_bits(values, before[key])


# -- resuming -----------------------------------------------------------------------------


RESUME_CASES = [(name, shuffle, clip) for name in OPTIMIZERS for shuffle in (False, True)
                for clip in (None, "norm")]


@pytest.mark.parametrize(("name", "shuffle", "clip"), RESUME_CASES,
                         ids=[f"{n}-{'shuffle' if s else 'ordered'}-{c or 'noclip'}"
                              for n, s, c in RESUME_CASES])
def test_resuming_continues_bit_for_bit(name, shuffle, clip):
    options = {"epochs": 4, "seed": 7, "shuffle": shuffle, "data": DATA, "lr": 0.05}
    if clip:
        options["clip_norm"] = 0.05  # small enough to act on most steps
    whole = make(name, **options)
    whole.run_to_end()
    interrupted = make(name, **options)
    interrupted.run(13)  # into the second epoch of 10 samples
    saved = Checkpoint.from_json(interrupted.checkpoint().to_json())
    # A fresh trainer (as after a restart) takes over, crosses two epoch boundaries...
    resumed = make(name, **options)
    resumed.restore(saved)
    assert resumed.cursor == interrupted.cursor
    resumed.run(15)
    reference = make(name, **options)
    reference.run(28)
    assert_same_state(resumed, reference)
    # ...and ends exactly where the uninterrupted run ended.
    resumed.run_to_end()
    assert resumed.finished and resumed.cursor.step == whole.cursor.step == 40
    assert_same_state(resumed, whole)
    assert same_bits(resumed.history.epoch_loss(), whole.history.epoch_loss())
    tail = whole.history.steps() >= 13
    assert same_bits(resumed.history.weights(), whole.history.weights()[tail])
    np.testing.assert_array_equal(resumed.history.trained_samples(),
                                  whole.history.trained_samples()[tail])


def test_restoring_a_trainer_to_its_own_past_rewinds_it():
    trainer = make("adam", data=DATA, epochs=3, shuffle=True, seed=2)
    trainer.run(7)
    early = trainer.checkpoint()
    trainer.run(16)
    trainer.restore(early)
    assert trainer.cursor.step == 7 and trainer.history.n_steps == 7
    assert trainer.history.n_epochs == 0 and trainer.history.steps().max() == 6
    trainer.run_to_end()
    whole = make("adam", data=DATA, epochs=3, shuffle=True, seed=2)
    whole.run_to_end()
    assert_same_state(trainer, whole)
    np.testing.assert_array_equal(trainer.history.steps(), whole.history.steps())
    assert same_bits(trainer.history.sample_loss(), whole.history.sample_loss())


def test_a_diverged_run_restored_before_the_divergence_can_change_course():
    trainer = make("sgd", data=DATA, epochs=3, lr=1e6)
    trainer.run_to_end()
    assert trainer.diverged is not None
    start = make("sgd", data=DATA, epochs=3, lr=1e6).checkpoint()
    trainer.restore(start)
    assert trainer.diverged is None and not trainer.finished
    assert trainer.step_sample().cursor.step == 0


def test_the_end_of_a_run_is_a_checkpoint_too():
    trainer = make("momentum", data=DATA, epochs=2, shuffle=True)
    trainer.run_to_end()
    end = trainer.checkpoint()
    assert (end.step, end.epoch, end.position) == (20, 2, 0)
    other = make("momentum", data=DATA, epochs=2, shuffle=True)
    other.restore(Checkpoint.from_json(end.to_json()))
    assert other.finished and other.remaining == 0
    assert_same_state(other, trainer)
    # A longer run resumes from there: the rest equals a run that was planned longer.
    longer = make("momentum", data=DATA, epochs=3, shuffle=True)
    longer.restore(end)
    longer.run_to_end()
    planned = make("momentum", data=DATA, epochs=3, shuffle=True)
    planned.run_to_end()
    assert_same_state(longer, planned)


@pytest.mark.parametrize(("other", "message"), [
    ({"seed": 1}, "made with seed 0, shuffle on; this run has seed 1, shuffle on"),
    ({"shuffle": False}, "this run has seed 0, shuffle off"),
    ({"name": "sgd"}, "optimizer state is for adam, this run uses sgd"),
    ({"data": seed_data(n=12, seed=3)}, "does not fit data of 12 samples"),
    ({"epochs": 1}, "beyond this run's 10 steps"),
])
def test_a_checkpoint_that_does_not_fit_is_refused_and_nothing_changes(other, message):
    source = make("adam", data=DATA, epochs=3, shuffle=True)
    source.run(13)
    options = {"name": "adam", "data": DATA, "epochs": 3, "shuffle": True, **other}
    target = make(options.pop("name"), **options)
    target.run(3)
    before = target.checkpoint()
    with pytest.raises(CheckpointError, match=message):
        target.restore(source.checkpoint())
    assert_same_state(target, before)


def test_a_checkpoint_of_another_graph_is_refused():
    from core.presets import PRESETS

    tiny = make("sgd", data=DATA, graph=PRESETS["tiny"].build())
    with pytest.raises(CheckpointError, match="the checkpoint has 9 weights, the graph has 2"):
        tiny.restore(make("sgd", data=DATA).checkpoint())


def test_another_optimizer_can_start_afresh_from_a_checkpoint():
    adam = make("adam", data=DATA, epochs=2)
    adam.run(5)
    sgd = make("sgd", data=DATA, epochs=2)
    sgd.restore(adam.checkpoint(), optimizer_state=False)
    assert same_bits(sgd.weights, adam.weights) and sgd.cursor == adam.cursor


# -- the JSON form ------------------------------------------------------------------------


def test_checkpoint_json_round_trip_is_exact():
    trainer = make("adamw", data=DATA, epochs=3, shuffle=True, seed=11)
    trainer.run(17)
    checkpoint = trainer.checkpoint()
    text = checkpoint.to_json()
    again = Checkpoint.from_json(text)
    assert again == checkpoint and again.to_json() == text
    assert_same_state(again, checkpoint)
    plain = json.loads(text)
    assert plain["optimizer"] == "adamw" and plain["optimizer_steps"] == 17
    assert sorted(plain["order"]) == list(range(10)) and plain["version"] == 1


def test_awkward_floats_survive_json_bit_for_bit():
    values = (-0.0, 5e-324, 0.1 + 0.2, 1.7976931348623157e308, -1 / 3)
    checkpoint = Checkpoint(step=1, epoch=1, position=0, weights=values,
                            optimizer="momentum", optimizer_state={"velocity": values[::-1]},
                            optimizer_steps=0, epoch_sum=math.inf,
                            epoch_loss=(math.nan,), seed=0, shuffle=False, order=None)
    again = Checkpoint.from_json(checkpoint.to_json())
    assert same_bits(again.weights, values)
    assert same_bits(again.optimizer_state["velocity"], values[::-1])
    assert again.epoch_sum == math.inf and math.isnan(again.epoch_loss[0])
    assert "NaN" not in checkpoint.to_json() and "Infinity" not in checkpoint.to_json()


def good_fields():
    trainer = make("momentum", data=DATA, epochs=2, shuffle=True)
    trainer.run(12)
    return trainer.checkpoint().to_dict()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("weights"), "needs the field 'weights'"),
    (lambda d: d.update(extra=1), "unknown field 'extra'"),
    (lambda d: d.update(version=2), "version 2 is not supported"),
    (lambda d: d.update(step=-1), "step must be a whole number >= 0"),
    (lambda d: d.update(step=1.5), "step must be a whole number"),
    (lambda d: d["weights"].__setitem__(0, "1"), "weights must be a number"),
    (lambda d: d["weights"].__setitem__(0, "inf"), "weights must be finite"),
    (lambda d: d.update(optimizer_state={"velocity": [0.0]}), "has 1 values for 9 weights"),
    (lambda d: d.update(order=[0] * 10), "order must be a permutation"),
    (lambda d: d.update(order=None), "order must be given exactly when shuffling"),
    (lambda d: d.update(epoch_loss=[]), "epoch_loss has 0 values for 1 completed epochs"),
    (lambda d: d.update(shuffle="yes"), "shuffle must be true or false"),
    (lambda d: d.update(weights="1,2"), "weights must be a list of numbers"),
])
def test_a_malformed_checkpoint_is_refused_with_a_clear_message(change, message):
    fields = good_fields()
    change(fields)
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.from_json(json.dumps(fields))


@pytest.mark.parametrize("text", ["", "{", "[]", '{"step": NaN}'])
def test_checkpoint_text_that_is_not_a_json_object_is_refused(text):
    with pytest.raises(CheckpointError, match="checkpoint must be"):
        Checkpoint.from_json(text)


def test_a_checkpoint_is_immutable():
    checkpoint = make("adam", data=DATA).checkpoint()
    with pytest.raises(AttributeError):
        checkpoint.step = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        checkpoint.optimizer_state["m"] = (1.0,)  # type: ignore[index]
    assert isinstance(checkpoint.weights, tuple) and SEED.weights
