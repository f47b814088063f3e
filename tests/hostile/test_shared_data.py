"""A comparison holds the data once, whatever the number of optimizers: its trainers read
one shared copy, and only one trainer (with its history) lives at a time.  The figure, on
a million rows, is benchmarks/bench_memory.py's."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from core.data.datasets import Dataset
from core.presets import resolve_graph
from core.training.compare import compare_optimizers
from core.training.optimizers import OPTIMIZERS, make_optimizer
from core.training.trainer import Trainer, python_rows


def _dataset(n: int = 300) -> Dataset:
    rng = np.random.default_rng(5)
    return Dataset(rng.normal(size=(n, 5)), rng.normal(size=n), "test")


def test_every_optimizer_of_a_comparison_reads_one_copy_and_trains_alone():
    graph, _ = resolve_graph("seed")
    dataset = _dataset()
    seen_rows: set[int] = set()
    earlier: list[weakref.ref[Trainer]] = []

    def progress(index: int, trainer: Trainer) -> None:
        seen_rows.add(id(trainer._rows))
        if not earlier or earlier[-1]() is not trainer:
            gc.collect()
            assert all(ref() is None for ref in earlier), "an earlier trainer is still alive"
            earlier.append(weakref.ref(trainer))

    optimizers = [make_optimizer(name, len(graph.weights)) for name in OPTIMIZERS]
    comparison = compare_optimizers(graph, dataset, optimizers, epochs=2, progress=progress)
    assert len(comparison.runs) == len(OPTIMIZERS) == len(earlier)
    assert len(seen_rows) == 1
    assert seen_rows == {id(python_rows(dataset, dataset.X, dataset.y)[0])}


def test_the_runs_of_compared_configs_train_alone_too():
    from core.training.compare import compare_configs
    from core.training.config import TrainingConfig

    base = TrainingConfig(epochs=1, seed=2)
    configs = [base.replace(optimizer=name) for name in ("sgd", "momentum", "adam")]
    earlier: list[weakref.ref[Trainer]] = []
    alive: list[int] = []

    def progress(index: int, trainer: Trainer) -> None:
        if not earlier or earlier[-1]() is not trainer:
            gc.collect()
            alive.append(sum(ref() is not None for ref in earlier))
            earlier.append(weakref.ref(trainer))

    compare_configs(configs, progress=progress)
    assert alive == [0, 0, 0]


def test_shared_rows_are_not_used_for_writable_arrays():
    # Arrays someone may still change are converted afresh, never served stale.
    class Table:
        def __init__(self) -> None:
            self.X = np.zeros((3, 2))
            self.y = np.zeros(3)

    table = Table()
    first = python_rows(table, table.X, table.y)
    table.X[0, 0] = 7.0
    assert python_rows(table, table.X, table.y)[0][0][0] == 7.0
    assert first[0][0][0] == 0.0


def test_a_comparison_still_checks_every_optimizer_before_training():
    import pytest

    from core.autodiff.engine import InputError

    graph, _ = resolve_graph("seed")
    optimizers = [make_optimizer("sgd", 9), make_optimizer("adam", 3)]
    trained: list[int] = []
    with pytest.raises(InputError, match="for 3 weights"):
        compare_optimizers(graph, _dataset(), optimizers, epochs=1,
                           progress=lambda index, trainer: trained.append(index))
    assert trained == []
