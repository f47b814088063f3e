"""The history as CSV: a header, one row per recorded step, counted as the window counts."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from core.presets import PRESETS
from core.training.history_csv import history_columns, history_csv, write_history_csv
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer


def _trainer(shuffle=False, history_limit=1_000_000, epochs=3):
    preset = PRESETS["xor"]
    graph = preset.build()
    return Trainer(graph, preset.dataset(), make_optimizer("momentum", len(graph.weights)),
                   epochs=epochs, seed=4, shuffle=shuffle, history_limit=history_limit)


def _read(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_one_row_per_step_with_step_epoch_sample_loss_weights_and_gradients():
    trainer = _trainer(shuffle=True)
    results = [trainer.step_sample() for _ in range(10)]
    header, rows = _read(history_csv(trainer))
    names = list(trainer.graph.weights)
    assert header == ["step", "epoch", "sample", "loss", *names, *[f"dL/d{n}" for n in names]]
    assert len(rows) == 10
    for k, (row, result) in enumerate(zip(rows, results, strict=True)):
        assert int(row[0]) == k + 1  # updates done, this one included
        assert int(row[1]) == result.cursor.epoch + 1
        assert int(row[2]) == result.cursor.sample
        assert float(row[3]) == result.loss  # repr precision: exact
        assert [float(v) for v in row[4:4 + len(names)]] == result.weights.tolist()
        assert [float(v) for v in row[4 + len(names):]] == result.grads.tolist()
    # Shuffled: the sample column follows each epoch's own order.
    assert [int(r[2]) for r in rows[:4]] == trainer.sample_order(0)
    assert sorted(int(r[2]) for r in rows[4:8]) == [0, 1, 2, 3]


def test_a_thinned_history_writes_its_recorded_steps(tmp_path):
    trainer = _trainer(history_limit=2, epochs=400)
    trainer.run(1000)
    assert trainer.history.decimated
    path = tmp_path / "h.csv"
    assert write_history_csv(trainer, path) == len(trainer.history)
    _, rows = _read(path.read_text(encoding="utf-8"))
    assert len(rows) == len(trainer.history)
    assert [int(r[0]) - 1 for r in rows] == trainer.history.steps().tolist()


def test_before_training_only_the_header():
    trainer = _trainer()
    header, rows = _read(history_csv(trainer))
    assert header == history_columns(trainer) and rows == []


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    trainer = _trainer()
    trainer.run(3)
    path = tmp_path / "h.csv"
    path.write_text("previous", encoding="utf-8")

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_history_csv(trainer, path)
    assert path.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["h.csv"]  # no temporary left behind
    monkeypatch.undo()
    write_history_csv(trainer, path)
    assert np.loadtxt(path, delimiter=",", skiprows=1).shape[0] == 3
