"""File > Save session / Open session, Ctrl+S / Ctrl+O, and --session in the window."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from gui.app import run_gui


@pytest.fixture
def training(session):
    return session.training


def _problem(window):
    box = window.findChild(QMessageBox, "problem_box")
    return None if box is None else box.text()


def test_ctrl_s_and_ctrl_o_are_the_session_commands(window):
    assert window.actions["save_session"].shortcut() == QKeySequence("Ctrl+S")
    assert window.actions["open_session"].shortcut() == QKeySequence("Ctrl+O")
    assert window.actions["open_data"].shortcut() == QKeySequence("Ctrl+Shift+O")
    file_menu = window.menuBar().actions()[0].menu()
    assert window.actions["open_session"] in file_menu.actions()


def test_save_and_open_round_trip_exactly(window, training, tmp_path):
    training.run_steps(300)
    training.set_hyperparameter("lr", 0.05)
    training.run_steps(40)
    saved = training.trainer.checkpoint()
    losses = training.trainer.history.sample_loss().copy()
    path = str(tmp_path / "run.bpsession.json")
    assert window.session_files.save_to(path)
    assert "run.bpsession.json" in window.windowTitle()
    training.reset()
    training.set_optimizer("adam")
    training.run_steps(7)
    assert window.session_files.open_path(path)
    assert training.trainer.checkpoint().identical(saved)
    assert np.array_equal(training.trainer.history.sample_loss(), losses)
    assert training.optimizer_name == "sgd" and training.hyperparameters["lr"] == 0.05
    assert [change.step for change in training.changes] == [300]
    window.loss_plot.show_snapshot(training.snapshot())
    assert len(window.loss_plot.markers) == 1
    assert window.side_panel.optimizer_box.form.fields["lr"].text() == "0.05"
    # Continuing equals a run that never stopped.
    training.run_steps(100)
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    whole = Trainer(training.graph, training.dataset, make_optimizer("sgd", 9), epochs=20)
    whole.run(300)
    whole = whole.fork(300, make_optimizer("sgd", 9, lr=0.05))
    whole.run(140)
    assert training.trainer.weights.tolist() == whole.weights.tolist()


def test_an_interrupted_save_keeps_the_previous_file(window, training, tmp_path,
                                                      monkeypatch):
    path = tmp_path / "run.json"
    training.run_steps(5)
    assert window.session_files.save_to(str(path))
    before = path.read_bytes()
    training.run_steps(5)

    def crash(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", crash)
    assert not window.session_files.save_to(str(path))
    assert "No space left" in _problem(window)
    assert path.read_bytes() == before


@pytest.mark.parametrize(("spoil", "words"), [
    (lambda text: text[: len(text) // 3], "truncated"),
    (lambda text: text.replace('"version":1', '"version":7', 1), "session version 7"),
    (lambda text: "not json at all", "not valid JSON"),
])
def test_a_bad_session_is_refused_and_the_run_stays(window, training, tmp_path, spoil, words):
    path = tmp_path / "run.json"
    training.run_steps(5)
    window.session_files.save_to(str(path))
    path.write_text(spoil(path.read_text(encoding="utf-8")), encoding="utf-8")
    training.run_steps(12)
    assert not window.session_files.open_path(str(path))
    assert words in _problem(window)
    assert training.trainer.cursor.step == 17


def test_changed_data_warns_and_asks(window, training, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n1,2,3\n2,1,0\n0,1,1\n", encoding="utf-8")
    editor = window.side_panel.model_box.formula_editor
    editor.text.setPlainText("w*x1 + v*x2")
    assert editor.apply()
    assert window.open_data_file(str(data)) is not None
    training.run_steps(5)
    path = tmp_path / "run.json"
    assert window.session_files.save_to(str(path))
    asked = []
    window.session_files.ask_to_use_changed_data = lambda error: asked.append(error) or False
    # The same numbers written differently: another sha256.
    data.write_text("a,b,y\n1.0,2,3\n2,1,0\n0,1,1\n", encoding="utf-8")
    training.run_steps(2)
    assert not window.session_files.open_path(str(path))
    assert asked and asked[0].path == str(data)
    assert training.trainer.cursor.step == 7
    # Accepted: the replay arrives at the saved state, so it opens.
    window.session_files.ask_to_use_changed_data = lambda _error: True
    assert window.session_files.open_path(str(path))
    assert training.trainer.cursor.step == 5
    # Other numbers: accepted, but the replay does not arrive: refused, run kept.
    data.write_text("a,b,y\n1,2,3\n2,1,0\n0,1,2\n", encoding="utf-8")
    training.run_steps(1)
    assert not window.session_files.open_path(str(path))
    assert "does not arrive" in _problem(window)
    assert training.trainer.cursor.step == 6


def test_the_window_opens_a_session_from_the_command_line(qapp, tmp_path, capsys):
    from cli.app import run

    path = tmp_path / "s.json"
    assert run(["train", "--graph", "xor", "--epochs", "3", "--save-session", str(path)]) == 0
    capsys.readouterr()
    picture = tmp_path / "w.png"
    assert run_gui(["--session", str(path), "--screenshot", str(picture), "--size",
                    "800x600"]) == 0
    assert picture.stat().st_size > 1000
    capsys.readouterr()
    document = json.loads(path.read_text(encoding="utf-8"))
    document["version"] = 3
    path.write_text(json.dumps(document), encoding="utf-8")
    assert run_gui(["--session", str(path), "--screenshot", str(picture)]) == 2
    assert "session version 3" in capsys.readouterr().err
    assert run_gui(["--session", str(path), "--graph", "seed", "--screenshot",
                    str(picture)]) == 2
    assert "--graph cannot be given" in capsys.readouterr().err
