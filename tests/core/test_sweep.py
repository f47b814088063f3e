"""Learning-rate sweeps: every run is the single-run trainer's run with its learning rate."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from core.training.compare import TrainingRun, train_to_end
from core.training.config import TrainingConfig
from core.training.optimizers import OPTIMIZERS
from core.training.sweep import (
    MAX_RUNS,
    REPORT_INTERVAL,
    SweepCancelled,
    SweepError,
    SweepRun,
    learning_rates,
    run_sweep,
)
from core.training.trainer import Trainer

RTOL = 1e-6


def single(config: TrainingConfig, run: SweepRun) -> TrainingRun:
    """``train`` with the run's optimizer and learning rate."""
    trainer = Trainer.from_config(config.replace(optimizer=run.optimizer,
                                                 hyperparameters={"lr": run.lr}))
    return train_to_end(trainer)


def assert_matches(run: SweepRun, alone: TrainingRun) -> None:
    label = f"{run.optimizer} lr={run.lr:g}"
    np.testing.assert_allclose(run.final_weights, alone.final_weights, rtol=RTOL, err_msg=label)
    np.testing.assert_allclose(run.epoch_loss, alone.epoch_loss, rtol=RTOL, err_msg=label)
    assert math.isclose(run.final_loss, alone.final_loss, rel_tol=RTOL), label
    assert run.last_epoch_loss == (run.epoch_loss[-1] if run.epoch_loss else None)
    assert run.steps == alone.steps


def test_sgd_and_adam_runs_match_the_trainer_with_their_learning_rate() -> None:
    config = TrainingConfig(epochs=3)
    result = run_sweep(config, ["sgd", "adam"], 1e-3, 0.1, 4)
    assert [run.optimizer for run in result.runs] == ["sgd"] * 4 + ["adam"] * 4
    assert [run.lr for run in result.of("adam")] == pytest.approx(
        np.geomspace(1e-3, 0.1, 4).tolist(), rel=1e-15)
    for run in result.runs:
        alone = single(config, run)
        assert alone.diverged is None and run.diverged is None
        assert len(run.epoch_loss) == 3
        assert_matches(run, alone)


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n not in ("sgd", "adam")])
def test_every_other_optimizer_matches_too(name: str) -> None:
    config = TrainingConfig(epochs=2, shuffle=True, seed=3)
    result = run_sweep(config, [name], 1e-3, 0.05, 2)
    for run in result.runs:
        assert_matches(run, single(config, run))


def test_clipping_and_given_initial_weights_are_the_trainers() -> None:
    config = TrainingConfig(epochs=2, clip_value=0.5, clip_norm=0.8,
                            initial_weights=tuple(np.linspace(-0.5, 0.5, 9)))
    result = run_sweep(config, ["sgd", "momentum"], 0.005, 0.05, 2)
    assert result.initial_weights == config.initial_weights
    for run in result.runs:
        assert_matches(run, single(config, run))


def test_a_diverging_run_is_frozen_and_named_as_train_names_it() -> None:
    config = TrainingConfig(epochs=2)
    result = run_sweep(config, ["sgd", "adam"], 0.01, 1000.0, 3)
    diverged = [run for run in result.runs if run.diverged is not None]
    assert {run.lr for run in diverged} >= {1000.0}
    for run in result.runs:
        alone = single(config, run)
        if alone.diverged is None:
            assert run.diverged is None
            assert_matches(run, alone)
            continue
        # Frozen where train stopped: the weights before the failing step, its epochs.
        assert run.diverged == {
            "node": alone.diverged.node, "op": alone.diverged.op,
            "quantity": alone.diverged.quantity, "epoch": alone.diverged.epoch,
            "sample": alone.diverged.sample, "step": alone.diverged.step,
            "detail": alone.diverged.detail}
        assert "became" in run.diverged["detail"]
        assert run.steps == alone.steps == run.diverged["step"]
        np.testing.assert_allclose(run.final_weights, alone.final_weights, rtol=RTOL)
        assert run.epoch_loss == pytest.approx(tuple(alone.epoch_loss), rel=RTOL)
        assert run.final_loss == pytest.approx(alone.final_loss, rel=RTOL)


def test_a_diverging_run_does_not_disturb_the_others() -> None:
    config = TrainingConfig(epochs=2)
    both = run_sweep(config, ["sgd", "adam"], 0.01, 1000.0, 2)
    assert [run.diverged is not None for run in both.runs] == [False, True, False, True]
    calm = run_sweep(config, ["sgd", "adam"], 0.01, 0.02, 1)
    for alone, among in zip(calm.runs, (both.runs[0], both.runs[2]), strict=True):
        assert (alone.optimizer, alone.lr) == (among.optimizer, among.lr)
        np.testing.assert_allclose(among.final_weights, alone.final_weights, rtol=1e-12)
        np.testing.assert_allclose(among.epoch_loss, alone.epoch_loss, rtol=1e-12)
        assert among.final_loss == pytest.approx(alone.final_loss, rel=1e-12)


def test_progress_epochs_and_cancellation() -> None:
    config = TrainingConfig(epochs=2)
    fractions: list[float] = []
    epochs: list[tuple[int, int]] = []
    result = run_sweep(config, ["sgd"], 0.01, 0.1, 100, epochs=3, progress=fractions.append,
                       epoch_finished=lambda k, losses: epochs.append((k, losses.size)))
    assert result.epochs == 3 and all(len(run.epoch_loss) == 3 for run in result.runs)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    # At most about one report per REPORT_INTERVAL (and the two ends).
    assert len(fractions) <= 2 + result.seconds / REPORT_INTERVAL
    assert epochs == [(0, 100), (1, 100), (2, 100)]
    calls = []

    def cancelled() -> bool:
        calls.append(time.perf_counter())
        return len(calls) >= 2

    with pytest.raises(SweepCancelled):
        run_sweep(config, ["sgd", "adam"], 0.01, 0.1, 100, epochs=20, cancelled=cancelled)
    assert len(calls) == 2 and calls[1] - calls[0] >= REPORT_INTERVAL


def test_learning_rates_are_log_spaced_with_both_ends() -> None:
    rates = learning_rates(1e-4, 1.0, 5)
    assert rates[0] == 1e-4 and rates[-1] == 1.0
    np.testing.assert_allclose(np.diff(np.log10(rates)), 1.0)
    assert learning_rates(0.5, 2.0, 1).tolist() == [0.5]


@pytest.mark.parametrize(("lr_min", "lr_max", "runs", "words"), [
    (0.1, 0.1, 3, "below"),
    (1.0, 0.1, 3, "below"),
    (0.0, 0.1, 3, "> 0"),
    (-0.1, 0.1, 3, "> 0"),
    (math.nan, 0.1, 3, "finite"),
    (0.1, math.inf, 3, "finite"),
    (0.01, 0.1, 0, ">= 1"),
    (0.01, 0.1, MAX_RUNS + 1, f"at most {MAX_RUNS}"),
])
def test_bad_ranges_are_refused(lr_min: float, lr_max: float, runs: int, words: str) -> None:
    with pytest.raises(SweepError, match=words):
        run_sweep(TrainingConfig(epochs=1), ["sgd"], lr_min, lr_max, runs)


def test_bad_optimizer_lists_are_refused() -> None:
    config = TrainingConfig(epochs=1)
    with pytest.raises(SweepError, match="did you mean adam"):
        run_sweep(config, ["sgd", "adma"], 0.01, 0.1, 2)
    with pytest.raises(SweepError, match="twice"):
        run_sweep(config, ["sgd", "SGD"], 0.01, 0.1, 2)
    with pytest.raises(SweepError, match="no optimizer"):
        run_sweep(config, [], 0.01, 0.1, 2)


def test_other_hyperparameters_reach_the_optimizers_that_have_them() -> None:
    config = TrainingConfig(epochs=1)
    result = run_sweep(config, ["sgd", "momentum"], 0.01, 0.1, 2,
                       hyperparameters={"gamma": 0.5})
    assert result.hyperparameters == {"sgd": {}, "momentum": {"gamma": 0.5}}
    for run in result.of("momentum"):
        alone = train_to_end(Trainer.from_config(config.replace(
            optimizer="momentum", hyperparameters={"lr": run.lr, "gamma": 0.5})))
        assert_matches(run, alone)


def test_held_out_rows_and_other_losses_train_as_train_does() -> None:
    config = TrainingConfig(epochs=2, holdout=0.25, loss="huber", delta=0.5, shuffle=True,
                            early_stop=1)
    result = run_sweep(config, ["sgd", "adam"], 0.005, 0.05, 2)
    held = Trainer.from_config(config).holdout_rows.size
    assert held > 100 and (result.n_samples, result.holdout_rows) == (506 - held, held)
    for run in result.runs:
        alone = single(config.replace(early_stop=None), run)
        assert_matches(run, alone)
        assert run.holdout_loss is not None and math.isfinite(run.holdout_loss)
    diverging = run_sweep(config, ["sgd"], 0.01, 1e4, 2, epochs=1).runs[-1]
    alone = single(config.replace(early_stop=None, epochs=1), diverging)
    assert alone.diverged is not None and diverging.diverged is not None
    assert diverging.diverged["sample"] == alone.diverged.sample
    assert diverging.diverged["step"] == alone.diverged.step


def test_a_false_alarm_is_replayed_and_the_run_goes_on_as_train() -> None:
    # Values of 1e308 sum to inf without any being inf: the check overflows, the trainer
    # and the sweep both look closer, take the step, and stop only at a real inf (the
    # first sample whose |a * x1| overflows).
    config = TrainingConfig(graph="tanh(a * x1) + tanh(b * x2)", epochs=1,
                            initial_weights=(1e308, 1e308))
    result = run_sweep(config, ["sgd", "adam"], 0.01, 0.1, 2)
    for run in result.runs:
        alone = single(config, run)
        assert alone.diverged is not None and alone.steps > 0
        assert run.diverged is not None and run.steps == alone.steps
        assert run.diverged["node"] == alone.diverged.node
        np.testing.assert_allclose(run.final_weights, alone.final_weights, rtol=RTOL)


def test_other_presets_match_the_trainer() -> None:
    for graph in ("mlp", "micrograd"):
        config = TrainingConfig(graph=graph, epochs=2, shuffle=True)
        result = run_sweep(config, ["sgd", "adam"], 0.001, 0.02, 2)
        for run in result.runs:
            assert_matches(run, single(config, run))


def test_with_cross_entropy_each_run_has_trains_accuracy_per_epoch() -> None:
    from core.training.metrics import epoch_accuracy

    config = TrainingConfig(graph="xor-bce", loss="bce", epochs=3, shuffle=True)
    result = run_sweep(config, ["sgd", "adam"], 0.01, 1.0, 2)
    for run in result.runs:
        trainer = Trainer.from_config(config.replace(optimizer=run.optimizer,
                                                     hyperparameters={"lr": run.lr}))
        alone = train_to_end(trainer)
        assert_matches(run, alone)
        assert run.accuracy == tuple(epoch_accuracy(trainer).tolist())
        assert len(run.accuracy) == 3 and all(0.0 <= a <= 1.0 for a in run.accuracy)
    assert run_sweep(TrainingConfig(epochs=1), ["sgd"], 0.01, 0.1, 1).runs[0].accuracy == ()


def test_an_update_that_would_overflow_is_named_as_train_names_it() -> None:
    # The pass is finite; the step lr * g is not: train refuses the update and says so.
    config = TrainingConfig(graph="a * x1 + b", epochs=1)
    result = run_sweep(config, ["sgd", "momentum", "adagrad"], 1e306, 1e308, 3)
    refused = 0
    for run in result.runs:
        alone = single(config, run)
        assert alone.diverged is not None and run.diverged is not None
        refused += "update would make" in alone.diverged.detail
        assert run.diverged["detail"] == alone.diverged.detail
        assert (run.diverged["node"], run.diverged["step"]) == (alone.diverged.node,
                                                                alone.diverged.step)
        np.testing.assert_allclose(run.final_weights, alone.final_weights, rtol=RTOL)
    assert refused >= 3
