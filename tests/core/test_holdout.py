"""Held-out data: the split, the held-out loss, that training never reads held-out rows,
early stopping, and exact time travel with a split."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from core.autodiff.formula import parse_formula
from core.presets import PRESETS
from core.training.checkpoint import Checkpoint
from core.training.config import ConfigError, TrainingConfig
from core.training.holdout import HoldoutError, early_stop, holdout_size, split_rows
from core.training.initial_weights import initial_weights
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer, TrainingFinishedError
from tests.seed_reference import seed_forward

SEED = PRESETS["seed"].build()


def seed_data(n=50, seed=3):
    X = np.random.default_rng(seed).normal(size=(n, 5))
    y = np.array([seed_forward(x, 0.0, [1.0] * 9)["y_pred"] for x in X])
    return SimpleNamespace(X=X, y=y)


DATA = seed_data()


def trainer(data=DATA, graph=SEED, optimizer="sgd", lr=0.01, **options):
    return Trainer(graph, data, make_optimizer(optimizer, len(graph.weights), lr=lr),
                   **options)


# -- the split ---------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "fraction", "held"), [
    (506, 0.2, 101), (10, 0.25, 3), (10, 0.35, 4), (10, 0.34, 3), (10, 0.01, 1),
    (3, 0.1, 1), (2, 0.5, 1), (1000, 0.999, 999)])
def test_split_holds_out_round_f_times_rows_at_least_one(rows, fraction, held):
    train, out = split_rows(rows, fraction, seed=7)
    assert holdout_size(rows, fraction) == held
    assert out.size == held
    assert train.size == rows - held
    assert np.array_equal(np.sort(np.concatenate([train, out])), np.arange(rows))
    assert np.all(np.diff(train) > 0)
    assert np.all(np.diff(out) > 0)


def test_no_fraction_trains_on_every_row():
    train, out = split_rows(7, None, seed=0)
    assert train.tolist() == list(range(7))
    assert out.size == 0


@pytest.mark.parametrize("fraction", [0, 0.0, 1, 1.0, 1.5, -0.2, math.nan, math.inf,
                                      True, "0.2"])
def test_fractions_outside_zero_to_one_are_refused(fraction):
    with pytest.raises(HoldoutError, match="0 < F < 1"):
        split_rows(10, fraction, seed=0)


@pytest.mark.parametrize(("rows", "fraction"), [(2, 0.9), (1, 0.5), (1, 0.01), (4, 0.9)])
def test_a_split_that_leaves_no_training_row_is_refused(rows, fraction):
    with pytest.raises(HoldoutError, match="at least one must remain"):
        split_rows(rows, fraction, seed=0)


def test_the_seed_chooses_the_rows_deterministically():
    first = split_rows(506, 0.2, seed=11)
    assert all(np.array_equal(a, b) for a, b in zip(first, split_rows(506, 0.2, 11),
                                                    strict=True))
    other = split_rows(506, 0.2, seed=12)
    assert not np.array_equal(first[1], other[1])


def test_the_split_consumes_nothing_else_the_seed_decides():
    # Initial weights and the shuffle come out the same with and without held-out rows.
    config = TrainingConfig(seed=5, shuffle=True)
    held = config.replace(holdout=0.3)
    assert np.array_equal(config.start_weights(), held.start_weights())
    plain = trainer(seed=5)
    split = trainer(seed=5, holdout=0.3)
    assert np.array_equal(plain.initial_weights, split.initial_weights)
    assert np.array_equal(plain.initial_weights, initial_weights(9, 5))


# -- the held-out loss -------------------------------------------------------------------


def numpy_seed_loss(X, y, w):
    """The seed model's squared error in numpy, written from the formula."""
    w1, w2, w3, w4, w5, w6, w7, w8, w9 = w
    x1, x2, x3, x4, x5 = X.T
    first = np.tanh(np.exp((w1 * x1 + w2 * x2) ** 2 + w6) + w7)
    second = 1 / (1 + np.exp(-(np.sin(w3 * x3) * (w4 * x4 + w5 * x5) + w8))) * w9
    return (y - (first + second)) ** 2


def test_the_held_out_loss_is_the_mean_over_the_held_out_rows_each_epoch():
    run = trainer(holdout=0.2, epochs=3, seed=4, lr=0.05)
    _, out = split_rows(50, 0.2, seed=4)
    assert np.array_equal(run.holdout_rows, out)
    expected = []
    while not run.finished:
        result = run.step_epoch()
        expected.append(float(np.mean(numpy_seed_loss(DATA.X[out], DATA.y[out],
                                                       run.weights))))
        assert result.holdout_loss == pytest.approx(expected[-1], rel=1e-12)
    assert run.history.holdout_loss() == pytest.approx(expected, rel=1e-12)
    assert run.history.holdout_loss().size == 3
    # The epoch loss is the mean over the 40 training rows visited.
    assert run.n_samples == 40
    assert run.dataset_loss() == pytest.approx(float(np.mean(numpy_seed_loss(
        DATA.X[run.training_rows], DATA.y[run.training_rows], run.weights))), rel=1e-12)


def test_without_holdout_there_are_no_held_out_losses():
    run = trainer(epochs=2)
    run.run_to_end()
    assert run.history.holdout_loss().size == 0
    assert run.holdout_loss() is None
    assert run.checkpoint().holdout_loss == ()
    assert "holdout_loss" not in run.checkpoint().to_dict()


# -- training never reads held-out rows ----------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_held_out_row_with_a_huge_target_does_not_change_training(shuffle):
    train, out = split_rows(50, 0.1, seed=9)
    poisoned = SimpleNamespace(X=DATA.X.copy(), y=DATA.y.copy())
    poisoned.y[out] = 1e12
    removed = SimpleNamespace(X=DATA.X[train], y=DATA.y[train])
    start = initial_weights(9, 9)
    held = trainer(poisoned, holdout=0.1, seed=9, epochs=3, shuffle=shuffle,
                   initial_weights=start)
    alone = trainer(removed, seed=9, epochs=3, shuffle=shuffle, initial_weights=start)
    held.run_to_end()
    alone.run_to_end()
    assert np.array_equal(held.history.weights(), alone.history.weights())
    assert np.array_equal(held.history.sample_loss(), alone.history.sample_loss())
    assert np.array_equal(held.history.epoch_loss(), alone.history.epoch_loss())
    # The recorded rows are dataset rows, never held-out ones.
    assert np.array_equal(train[alone.history.trained_samples()],
                          held.history.trained_samples())
    assert not set(held.history.trained_samples().tolist()) & set(out.tolist())
    assert held.holdout_loss() > 1e20  # the poisoned rows are evaluated, only not trained
    for epoch in range(3):
        assert held.sample_order(epoch) == train[alone.sample_order(epoch)].tolist()


# -- early stopping ----------------------------------------------------------------------


@pytest.mark.parametrize(("losses", "patience", "stop"), [
    ([3.0, 2.0, 2.5, 2.1], 2, (4, 2)),
    ([3.0, 2.0, 2.5], 2, None),
    ([3.0, 2.0, 2.0, 2.0], 2, (4, 2)),     # an equal loss is no improvement
    ([3.0, 2.0, 1.0], 1, None),
    ([1.0, math.nan], 1, (2, 1)),          # nan never improves
    ([5.0], 1, None),
])
def test_early_stop_counts_epochs_since_the_best(losses, patience, stop):
    result = early_stop(losses, patience)
    if stop is None:
        assert result is None
    else:
        assert result is not None
        assert (result.epoch, result.best_epoch) == stop
        assert result.best_holdout_loss == min(v for v in losses if not math.isnan(v))


def contradicting_data(n=20, seed=0, fraction=0.25):
    """y = x on the training rows and y = -x on the held-out ones: fitting the first makes
    the held-out loss grow every epoch after the first."""
    x = np.linspace(0.5, 1.5, n)
    _, out = split_rows(n, fraction, seed)
    y = x.copy()
    y[out] = -x[out]
    return SimpleNamespace(X=x[:, None], y=y)


def test_early_stop_stops_patience_epochs_after_the_best():
    graph = parse_formula("w1*x1")
    data = contradicting_data()
    run = trainer(data, graph, lr=0.02, holdout=0.25, early_stop=3, epochs=50,
                  initial_weights=[0.0])
    last = run.run_to_end()
    losses = run.history.holdout_loss()
    assert np.all(np.diff(losses) > 0)  # worse every epoch: the best is epoch 1
    assert run.stopped_early is not None
    assert (run.stopped_early.epoch, run.stopped_early.best_epoch) == (4, 1)
    assert run.stopped_early.best_holdout_loss == losses[0]
    assert losses.size == 4
    assert run.cursor.step == 4 * 15
    assert last is not None
    assert last.finished
    assert last.stopped_early == run.stopped_early
    assert run.finished
    assert run.remaining == 0
    with pytest.raises(TrainingFinishedError, match="stopped early after epoch 4"):
        run.step_sample()


def test_without_early_stop_the_same_run_trains_every_epoch():
    run = trainer(contradicting_data(), parse_formula("w1*x1"), lr=0.02, holdout=0.25,
                  epochs=10, initial_weights=[0.0])
    run.run_to_end()
    assert run.stopped_early is None
    assert run.history.holdout_loss().size == 10


def test_early_stop_needs_holdout():
    with pytest.raises(ValueError, match="early_stop needs held-out data"):
        trainer(early_stop=2)
    with pytest.raises(ConfigError, match="early_stop needs held-out data"):
        TrainingConfig(early_stop=2)


# -- the config ----------------------------------------------------------------------------


def test_the_config_validates_and_serializes_holdout_and_early_stop():
    config = TrainingConfig(holdout=0.2, early_stop=3)
    values = config.to_dict()
    assert (values["holdout"], values["early_stop"]) == (0.2, 3)
    assert TrainingConfig.from_json(config.to_json()) == config
    old = TrainingConfig().to_dict()
    del old["holdout"], old["early_stop"]
    assert TrainingConfig.from_dict(old) == TrainingConfig()
    for bad in (0, 1, 1.5, math.nan, "x", True):
        with pytest.raises(ConfigError, match="0 < F < 1") as caught:
            TrainingConfig(holdout=bad)
        assert caught.value.field == "holdout"
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="early_stop") as caught:
            TrainingConfig(holdout=0.2, early_stop=bad)
        assert caught.value.field == "early_stop"


def test_a_config_trainer_holds_its_rows_out():
    run = Trainer.from_config(TrainingConfig(holdout=0.2, epochs=1))
    assert run.n_rows == 506
    assert run.n_samples == 506 - 101
    assert np.array_equal(run.holdout_rows, split_rows(506, 0.2, 0)[1])


# -- time travel stays exact -----------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_restore_at_step_k_gives_the_weights_of_training_to_k(shuffle):
    options = {"holdout": 0.3, "epochs": 4, "seed": 2, "shuffle": shuffle, "lr": 0.05}
    full = trainer(**options)
    full.run_to_end()
    for k in (0, 1, 34, 35, 36, 70, 99, 140):
        direct = trainer(**options)
        direct.run(k)
        rebuilt = full.state_at(k)
        assert rebuilt.identical(direct.checkpoint())
        assert rebuilt.weights == tuple(direct.weights.tolist())
        again = trainer(**options)
        again.restore(Checkpoint.from_json(rebuilt.to_json()))
        again.run_to_end()
        assert np.array_equal(again.weights, full.weights)
        assert np.array_equal(again.history.holdout_loss(), full.history.holdout_loss())
        past = full.rebuild(k)
        if k < full.total_steps:
            assert past.cursor.sample not in full.holdout_rows.tolist()


def test_a_restore_at_the_early_stop_is_stopped_and_forks_keep_the_split():
    graph = parse_formula("w1*x1")
    options = {"holdout": 0.25, "early_stop": 3, "epochs": 50, "initial_weights": [0.0],
               "lr": 0.02}
    run = trainer(contradicting_data(), graph, **options)
    run.run_to_end()
    end = run.cursor.step
    again = trainer(contradicting_data(), graph, **options)
    again.restore(run.state_at(end))
    assert again.finished
    assert again.stopped_early == run.stopped_early
    earlier = trainer(contradicting_data(), graph, **options)
    earlier.restore(run.state_at(end - 1))
    assert not earlier.finished
    earlier.run_to_end()
    assert earlier.cursor.step == end
    assert earlier.stopped_early == run.stopped_early
    fork = run.fork(20, make_optimizer("sgd", 1, lr=0.01))
    assert np.array_equal(fork.holdout_rows, run.holdout_rows)
    assert fork.n_samples == 15


def test_a_checkpoint_without_held_out_losses_does_not_fit_a_split_run():
    forty = SimpleNamespace(X=DATA.X[:40], y=DATA.y[:40])
    plain = trainer(forty, epochs=2)
    plain.run(45)
    with pytest.raises(ValueError, match="no held-out losses"):
        trainer(epochs=2, holdout=0.2).restore(plain.checkpoint())


# -- the history CSV and sessions ------------------------------------------------------------


def test_the_history_csv_has_the_held_out_loss_of_the_last_completed_epoch():
    from core.training.history_csv import history_csv

    run = trainer(holdout=0.2, epochs=3)
    run.run_to_end()
    lines = history_csv(run).splitlines()
    header = lines[0].split(",")
    assert header[-1] == "holdout_loss"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == 120
    losses = run.history.holdout_loss()
    assert [row[-1] for row in rows[:39]] == [""] * 39
    assert float(rows[39][-1]) == losses[0]   # step 40 completes epoch 1
    assert float(rows[79][-1]) == losses[1]
    assert float(rows[78][-1]) == losses[0]
    assert float(rows[-1][-1]) == losses[2]
    assert {int(row[2]) for row in rows}.isdisjoint(run.holdout_rows.tolist())
    plain = trainer(epochs=1)
    plain.run_to_end()
    assert "holdout_loss" not in history_csv(plain).splitlines()[0]


def test_a_session_keeps_the_split_and_replays_it_exactly(tmp_path):
    from core.training.session_file import capture, open_session, read_session, save_session

    config = TrainingConfig(holdout=0.25, early_stop=40, epochs=3, seed=8, shuffle=True)
    run = Trainer.from_config(config)
    run.run(900)
    path = tmp_path / "run.json"
    save_session(path, capture(config, run))
    session = read_session(path)
    assert session.config.holdout == 0.25
    assert session.config.early_stop == 40
    assert list(session.history["holdout_loss"]) == run.history.holdout_loss().tolist()
    opened = open_session(session, str(path))
    assert opened.replayed
    again = opened.trainer
    assert np.array_equal(again.holdout_rows, run.holdout_rows)
    assert again.checkpoint().identical(run.checkpoint())
    for k in (0, 379, 380, 500, 899):
        assert opened.rebuild(k).checkpoint.identical(run.state_at(k))
    run.run_to_end()
    again.run_to_end()
    assert np.array_equal(again.weights, run.weights)
    assert np.array_equal(again.history.holdout_loss(), run.history.holdout_loss())


def test_a_session_restored_from_its_checkpoint_keeps_the_held_out_losses(tmp_path,
                                                                          monkeypatch):
    import core.training.session_file as session_file

    config = TrainingConfig(holdout=0.25, epochs=3, seed=8)
    run = Trainer.from_config(config)
    run.run(800)
    path = tmp_path / "run.json"
    session_file.save_session(path, session_file.capture(config, run))
    monkeypatch.setattr(session_file, "REPLAY_WORK", 1)  # too long to replay: restored
    opened = session_file.open_session(session_file.read_session(path), str(path))
    assert not opened.replayed
    assert np.array_equal(opened.trainer.history.holdout_loss(), run.history.holdout_loss())
    run.run_to_end()
    opened.trainer.run_to_end()
    assert np.array_equal(opened.trainer.history.holdout_loss(), run.history.holdout_loss())


# -- held-out accuracy (binary cross-entropy) ------------------------------------------------


def test_the_held_out_accuracy_is_counted_at_each_epochs_end():
    from core.training.metrics import holdout_accuracy

    config = TrainingConfig(graph="circles", holdout=0.25, epochs=3)
    run = Trainer.from_config(config)
    expected = []
    while not run.finished:
        run.step_epoch()
        right = 0
        for row in run.holdout_rows.tolist():
            trace = run.trace(row)
            right += (trace.y_pred > 0) == (run.dataset.y[row] == 1)
        expected.append(right / run.holdout_rows.size)
    assert holdout_accuracy(run).tolist() == expected
    assert len(set(expected)) > 1  # it changes while training
    assert holdout_accuracy(trainer(epochs=1)).size == 0
