"""Comparing optimizers: one starting point, one sample order, results per optimizer."""

from types import SimpleNamespace

import numpy as np
import pytest

from core.presets import PRESETS
from core.training.compare import compare_optimizers, train_to_end
from core.training.initial_weights import initial_weights
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer
from tests.core.training.test_trainer import seed_data

SEED = PRESETS["seed"].build()
DATA = seed_data(n=40)


def _optimizers(*names, **values):
    return [make_optimizer(name, 9, **values) for name in names]


def test_every_run_starts_from_the_same_weights():
    comparison = compare_optimizers(SEED, DATA, _optimizers("sgd", "momentum", "adam"),
                                    epochs=3, seed=4)
    expected = initial_weights(9, 4)
    np.testing.assert_array_equal(comparison.initial_weights, expected)
    for run in comparison.runs:
        np.testing.assert_array_equal(run.initial_weights, expected)
        assert run.epoch_loss.shape == (3,)
        assert run.sample_loss.shape == (120,)
        assert run.steps == 120 and run.diverged is None
        assert run.weight_names == SEED.weights
    assert [r.optimizer for r in comparison.runs] == ["sgd", "momentum", "adam"]
    # The first sample's loss is computed before any update: identical for all.
    first = {r.sample_loss[0] for r in comparison.runs}
    assert len(first) == 1
    finals = [tuple(r.final_weights) for r in comparison.runs]
    assert len(set(finals)) == 3


def test_each_run_equals_training_that_optimizer_alone():
    start = np.linspace(-0.1, 0.1, 9)
    comparison = compare_optimizers(SEED, DATA, _optimizers("momentum", "adam"), epochs=2,
                                    initial_weights=start, shuffle=True, seed=9)
    for run in comparison.runs:
        alone = Trainer(SEED, DATA, make_optimizer(run.optimizer, 9), epochs=2,
                        initial_weights=start, shuffle=True, seed=9)
        alone.run_to_end()
        np.testing.assert_array_equal(run.final_weights, alone.weights)
        np.testing.assert_array_equal(run.epoch_loss, alone.history.epoch_loss())
    assert comparison.run("adam").optimizer == "adam"
    with pytest.raises(KeyError):
        comparison.run("sgd")


def test_divergence_of_one_run_leaves_the_others():
    comparison = compare_optimizers(SEED, DATA, _optimizers("sgd", "adam", lr=1e6) +
                                    _optimizers("momentum"), epochs=2)
    diverged = comparison.run("sgd")
    assert diverged.diverged is not None and diverged.diverged.node == "exp1"
    assert diverged.epoch_loss.size == 0 and diverged.steps == diverged.diverged.step
    ok = comparison.run("momentum")
    assert ok.diverged is None and ok.steps == 80
    table = comparison.epoch_loss_table()
    assert table.shape == (2, 3)
    assert np.isnan(table[:, 0]).all() and np.isfinite(table[:, 2]).all()
    assert comparison.best() is ok


def test_train_to_end_reports_progress_and_timing():
    trainer = Trainer(SEED, DATA, make_optimizer("rmsprop", 9), epochs=3)
    calls = []
    run = train_to_end(trainer, progress=lambda t: calls.append(t.cursor.step), interval=0.0)
    assert calls and calls[-1] == 120
    assert run.seconds > 0 and run.final_loss == pytest.approx(trainer.dataset_loss())
    assert run.hyperparameters == {"lr": 0.01, "rho": 0.9, "eps": 1e-7}
    assert run.title == "RMSProp"


def test_progress_callback_gets_the_run_index():
    seen = set()
    compare_optimizers(SEED, SimpleNamespace(X=DATA.X[:5], y=DATA.y[:5]),
                       _optimizers("sgd", "nesterov"), epochs=1,
                       progress=lambda k, trainer: seen.add((k, trainer.optimizer.name)))
    assert seen == {(0, "sgd"), (1, "nesterov")}
