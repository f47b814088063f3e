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


def test_configs_compare_as_the_optimizers_do_bit_for_bit():
    from core.training.compare import compare_configs
    from core.training.config import TrainingConfig

    base = TrainingConfig(epochs=2, seed=3, shuffle=True, clip_norm=5.0)
    configs = [base.replace(optimizer=name, hyperparameters={"lr": 0.02})
               for name in ("sgd", "momentum", "adam")]
    graph, _ = base.build_graph()
    data = base.load_data()
    by_configs = compare_configs(configs, graph, data)
    by_optimizers = compare_optimizers(
        graph, data, [config.make_optimizer() for config in configs],
        **base.trainer_options())
    assert [run.optimizer for run in by_configs.runs] == ["sgd", "momentum", "adam"]
    np.testing.assert_array_equal(by_configs.initial_weights, by_optimizers.initial_weights)
    for mine, theirs in zip(by_configs.runs, by_optimizers.runs, strict=True):
        assert mine.final_weights.tobytes() == theirs.final_weights.tobytes()
        assert mine.epoch_loss.tobytes() == theirs.epoch_loss.tobytes()
    assert (by_configs.epochs, by_configs.seed, by_configs.shuffle) == (2, 3, True)


def test_configs_that_differ_in_more_than_the_optimizer_are_refused():
    from core.training.compare import compare_configs
    from core.training.config import TrainingConfig

    base = TrainingConfig(epochs=1)
    with pytest.raises(ValueError, match="differ in more than the optimizer"):
        compare_configs([base, base.replace(optimizer="adam", seed=4)])
    with pytest.raises(ValueError, match="at least one config"):
        compare_configs([])
