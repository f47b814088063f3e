"""A session's parts are checked against each other before the data file is hashed or any
step replayed, a replay's work and memory are bounded, and what is saved fits what is
read.  Presets and lessons on a FIFO are refused unopened."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.training import session_file
from core.training.session_file import SessionError, open_session, read_session
from tests.hostile import surface_files as files
from tests.time_limit import time_limit as limit

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Each case fails after 60 s instead of hanging (a FIFO opened by mistake would)."""
    with limit(60, "the case did not finish in 60 s"):
        yield


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return files.base_session(tmp_path_factory.mktemp("sessions"))


def _write(tmp_path: Path, document: object, name: str = "s.json") -> Path:
    return files.write_json(tmp_path / name, document)


def _edited(base: dict[str, object], **parts: object) -> dict[str, object]:
    document = json.loads(json.dumps(base))
    for key, value in parts.items():
        section, _, field = key.partition("__")
        if field:
            document[section][field] = value
        else:
            document[section] = value
    return document


@pytest.mark.parametrize(("parts", "words"), [
    ({"history__steps": [*range(505), 3]}, "history 'steps' must increase"),
    ({"history__steps": [0, 506]}, "its history has 2 steps, 506 samples, 506 loss"),
    ({"history__steps": list(range(1, 507))}, "records step 506, at or beyond"),
    ({"history__epoch_loss": []}, "0 epoch losses for the checkpoint's 1 completed epochs"),
    ({"history__loss": "no"}, "history 'loss' must be a list"),
])
def test_a_history_that_does_not_fit_its_checkpoint_is_refused(tmp_path, base, parts, words):
    with pytest.raises(SessionError, match=words):
        read_session(_write(tmp_path, _edited(base, **parts)))


@needs_fifo
def test_the_weight_count_is_checked_before_the_data_is_hashed(tmp_path, base):
    """A checkpoint with the wrong number of weights, on data that is a FIFO: the weights
    are found wrong first (hashing the FIFO would block)."""
    pipe = files.fifo(tmp_path)
    checkpoint = dict(base["checkpoint"])  # type: ignore[call-overload]
    checkpoint["weights"] = [0.0] * 3
    document = _edited(base, checkpoint=checkpoint,
                       config__data={"path": str(pipe), "sha256": "0" * 64})
    document["config"]["graph"] = "seed"  # type: ignore[index]
    session = read_session(_write(tmp_path, document))
    with pytest.raises(SessionError, match="its checkpoint holds 3 weights, the graph has 9"):
        open_session(session, "s.json")


def test_a_step_that_disagrees_with_its_epoch_and_position_is_refused(tmp_path, base):
    checkpoint = dict(base["checkpoint"])  # type: ignore[call-overload]
    checkpoint.update(step=500, epoch=1, position=0)
    document = _edited(base, checkpoint=checkpoint)
    document["history"] = {}
    with pytest.raises(SessionError, match="at step 500 but says epoch 1, position 0"):
        open_session(read_session(_write(tmp_path, document)), "s.json")


def test_a_replay_over_its_work_budget_is_restored_from_the_checkpoint(tmp_path, base,
                                                                      monkeypatch):
    path = _write(tmp_path, base)
    assert open_session(read_session(path)).replayed
    monkeypatch.setattr(session_file, "REPLAY_WORK", 506 * 35 - 1)  # the seed graph's 35 nodes
    opened = open_session(read_session(path))
    assert not opened.replayed
    assert opened.trainer.cursor.step == 506


def test_a_replay_over_its_memory_budget_is_restored_from_the_checkpoint(tmp_path, base,
                                                                        monkeypatch):
    changes = [{"step": step, "optimizer": "sgd", "hyperparameters": {"lr": 0.01}}
               for step in range(0, 506, 50)]
    path = _write(tmp_path, _edited(base, changes=changes))
    assert open_session(read_session(path)).replayed
    # 11 changes and the last stretch, each with a history of up to 506 points of 21
    # floats: over 1 MB in all.
    monkeypatch.setattr(session_file, "REPLAY_MEMORY", 100_000)
    assert not open_session(read_session(path)).replayed


def test_too_many_strings_are_refused_before_decoding(tmp_path, base):
    document = _edited(base, padding=["ab"] * 100_001)
    with pytest.raises(SessionError, match=r"100,0\d\d strings; a session holds at most 100,000"):
        read_session(_write(tmp_path, document))


def test_a_saved_history_is_thinned_to_fit(tmp_path, monkeypatch):
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

    config = TrainingConfig(epochs=2)
    trainer = Trainer.from_config(config)
    trainer.run(1012)
    monkeypatch.setattr(session_file, "MAX_SAVED_POINTS", 100)
    session = session_file.capture(config, trainer)
    steps = session.history["steps"]
    # Every 11th of 1,012 points: 92, evenly spaced.
    assert len(steps) == 92 and steps[:3] == [0, 11, 22]
    assert len(session.history["loss"]) == len(session.history["samples"]) == 92
    assert len(session.history["epoch_loss"]) == 2
    path = tmp_path / "thinned.json"
    session_file.save_session(path, session)
    assert open_session(read_session(path)).replayed


def test_a_session_too_large_to_read_back_is_not_written(tmp_path, monkeypatch):
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

    config = TrainingConfig(epochs=1)
    trainer = Trainer.from_config(config)
    trainer.run(506)
    monkeypatch.setattr(session_file, "MAX_SESSION_BYTES", 1000)
    path = tmp_path / "big.json"
    with pytest.raises(SessionError, match="session files are limited to 1,000 bytes"):
        session_file.save_session(path, session_file.capture(config, trainer))
    assert not path.exists()


# -- presets and lessons ---------------------------------------------------------------


@needs_fifo
def test_a_preset_folder_holding_a_fifo_is_refused_unopened(tmp_path):
    from core.presets import PresetError, load_presets

    files.fifo(tmp_path, "trap.json")
    with pytest.raises(PresetError, match=r"trap\.json: is a FIFO"):
        load_presets(tmp_path)


def test_a_preset_nested_too_deeply_is_refused(tmp_path):
    from core.presets import PresetError, read_preset

    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PresetError, match="nested more than 16 levels deep"):
        read_preset(path)


@needs_fifo
def test_a_lesson_on_a_fifo_is_refused_unopened(tmp_path):
    from core.lessons import LessonError, load_lesson

    pipe = files.fifo(tmp_path, "lesson.json")
    with pytest.raises(LessonError, match=r"is a FIFO \(named pipe\), not a regular file"):
        load_lesson(str(pipe))
