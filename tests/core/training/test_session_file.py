"""Session files: exact round trips, atomic writes, and refusals that name the problem."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.training.config import DataSource, TrainingConfig
from core.training.optimizers import OPTIMIZERS, make_optimizer
from core.training.session_file import (
    SESSION_VERSION,
    Change,
    DataChangedError,
    SessionError,
    accept_current_data,
    capture,
    open_session,
    read_session,
    save_session,
)
from core.training.trainer import Trainer


def _config(**changes):
    return TrainingConfig(graph="sigmoid_neuron", **{"epochs": 3, "seed": 2, **changes})


def _saved(tmp_path, config, steps, changes=()):
    trainer = Trainer.from_config(config)
    trainer.run(steps)
    path = tmp_path / "run.session.json"
    save_session(path, capture(config, trainer, changes))
    return path, trainer


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_resuming_equals_the_uninterrupted_run_for_every_optimizer(tmp_path, optimizer):
    config = _config(optimizer=optimizer, shuffle=True, clip_norm=5.0)
    path, _ = _saved(tmp_path, config, 117)  # mid-epoch: 80 samples per epoch
    opened = open_session(read_session(path), str(path))
    assert opened.replayed and opened.trainer.cursor.step == 117
    opened.trainer.run_to_end()
    whole = Trainer.from_config(config)
    whole.run_to_end()
    assert opened.trainer.weights.tolist() == whole.weights.tolist()  # bit for bit
    assert opened.trainer.history.epoch_loss().tolist() == whole.history.epoch_loss().tolist()
    assert opened.trainer.checkpoint().identical(whole.checkpoint())


def test_save_and_open_round_trip_exactly(tmp_path):
    config = _config(optimizer="adam")
    path, trainer = _saved(tmp_path, config, 100)
    session = read_session(path)
    assert session.config == config
    assert session.checkpoint.identical(trainer.checkpoint())
    assert session.history["steps"] == trainer.history.steps().tolist()
    assert session.history["loss"] == trainer.history.sample_loss().tolist()
    opened = open_session(session, str(path))
    assert np.array_equal(opened.trainer.history.sample_loss(), trainer.history.sample_loss())
    # Saved again, the file is the same text.
    again = tmp_path / "again.json"
    save_session(again, capture(opened.config, opened.trainer))
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "backprop-explorer-session"
    assert document["version"] == SESSION_VERSION


def test_mid_run_changes_are_replayed(tmp_path):
    config = _config(optimizer="momentum")
    trainer = Trainer.from_config(config)
    trainer.run(50)
    faster = make_optimizer("momentum", 3, lr=0.2, gamma=0.5)
    trainer = trainer.fork(50, faster)
    trainer.run(30)
    path = tmp_path / "s.json"
    save_session(path, capture(config, trainer, [Change(50, "momentum", faster.values)]))
    opened = open_session(read_session(path), str(path))
    assert opened.trainer.checkpoint().identical(trainer.checkpoint())
    assert opened.trainer.optimizer.values == faster.values
    assert opened.trainer.state_at(60).identical(trainer.state_at(60))
    # Before the change, the first stretch rebuilds the past (the old optimizer's).
    before = Trainer.from_config(config)
    before.run(50)
    for step in (20, 50):
        assert opened.rebuild(step).checkpoint.identical(before.state_at(step))
    assert opened.rebuild(70).checkpoint.identical(trainer.state_at(70))


def test_an_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    config = _config()
    path, trainer = _saved(tmp_path, config, 10)
    before = path.read_bytes()
    trainer.run(10)

    def crash(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(SessionError, match="No space left"):
        save_session(path, capture(config, trainer))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.session.json"]


def _edit(path, edit):
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d.update(version=2), "session version 2"),
    (lambda d: d.update(format="other"), "not a Backprop Explorer session"),
    (lambda d: d.pop("checkpoint"), "no 'checkpoint'"),
    (lambda d: d["config"].update(optimizer="nope"), "unknown optimizer"),
    (lambda d: d["checkpoint"].update(step=-1), "step must be a whole number"),
    (lambda d: d.update(changes=[{"step": 999, "optimizer": "sgd",
                                  "hyperparameters": {}}]), "not in step order"),
])
def test_a_malformed_session_is_refused(tmp_path, edit, words):
    path, _ = _saved(tmp_path, _config(), 20)
    _edit(path, edit)
    with pytest.raises(SessionError, match=words) as caught:
        read_session(path)
    assert str(path) in str(caught.value)


def test_edited_numbers_are_refused_when_replayed(tmp_path):
    path, _ = _saved(tmp_path, _config(), 20)

    def nudge(document):
        document["checkpoint"]["weights"][0] += 1e-9

    _edit(path, nudge)
    with pytest.raises(SessionError, match="does not arrive at its saved state"):
        open_session(read_session(path), str(path))


def test_a_truncated_or_unreadable_file_is_refused(tmp_path):
    path, _ = _saved(tmp_path, _config(), 20)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(SessionError, match="truncated"):
        read_session(path)
    path.write_bytes(b"\xff\xfe binary")
    with pytest.raises(SessionError, match="not UTF-8"):
        read_session(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(SessionError, match="empty"):
        read_session(path)
    with pytest.raises(SessionError, match="no such file"):
        read_session(tmp_path / "missing.json")
    with pytest.raises(SessionError, match="is a directory"):
        read_session(tmp_path)


def test_changed_data_is_detected_and_can_be_accepted(tmp_path):
    data = tmp_path / "d.csv"
    rows = np.random.default_rng(1).normal(size=(12, 3))
    np.savetxt(data, rows, delimiter=",")
    config = TrainingConfig(graph="w1*x1 + w2*x2 + b", data=DataSource.file(str(data)),
                            epochs=2)
    path, _ = _saved(tmp_path, config, 5)
    np.savetxt(data, rows + 1.0, delimiter=",")
    session = read_session(path)
    with pytest.raises(DataChangedError, match="changed since the session was saved") as caught:
        open_session(session, str(path))
    assert caught.value.path == str(data)
    # Accepting other numbers: the replay no longer arrives at the saved state.
    with pytest.raises(SessionError, match="does not arrive"):
        open_session(accept_current_data(session), str(path))
    # The same numbers written again (same bytes): accepted and identical.
    np.savetxt(data, rows, delimiter=",")
    assert open_session(session, str(path)).trainer.cursor.step == 5
