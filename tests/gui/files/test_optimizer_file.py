"""File > Add optimizer…: the optimizer joins the side panel's list and trains; a bad file
is a visible message and changes nothing; a session of it round-trips."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QComboBox, QMessageBox

from core.training.optimizers import FOLDER, OPTIMIZERS, forget_optimizer
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def forget_file_optimizers():
    before = set(OPTIMIZERS)
    yield
    for name in set(OPTIMIZERS) - before:
        forget_optimizer(name)


def _combo(window):
    return window.findChild(QComboBox, "optimizer_combo")


def test_add_optimizer_is_in_the_file_menu_and_trains_lion(window, qtbot):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.optimizer_file.action in file_menu.actions()
    training = window.session.training
    assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
    assert training.optimizer_name == "lion"
    combo = _combo(window)
    assert combo.currentText() == "Lion" and combo.currentData() == "lion"
    assert "sign(c)" in window.statusBar().currentMessage()
    start = list(training.trainer.weights)
    training.run_steps(5)
    # Every Lion step moves each weight by lr = 0.001 (no decay) exactly, up to rounding.
    moved = [abs(a - b) for a, b in zip(training.trainer.weights, start, strict=True)]
    assert all(abs(m - 0.005) < 1e-12 or m < 0.005 for m in moved)
    assert max(moved) == pytest.approx(0.005, abs=1e-12)
    # Choosing another optimizer and back works from the list.
    combo.setCurrentIndex(combo.findData("sgd"))
    assert training.optimizer_name == "sgd"
    combo.setCurrentIndex(combo.findData("lion"))
    assert training.optimizer_name == "lion"


def test_a_bad_file_is_a_visible_message_and_nothing_changes(window, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "bad", "hyperparameters": {"lr": 1}, "update": ["t = 1"]}')
    training = window.session.training
    count = _combo(window).count()
    assert not window.optimizer_file.add_file(str(path))
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "sets t, the step count, which is read-only" in box.text()
    assert training.optimizer_name == "sgd" and "bad" not in OPTIMIZERS
    assert _combo(window).count() == count


def test_a_session_with_a_file_optimizer_reopens_without_the_file(window, tmp_path):
    training = window.session.training
    assert window.optimizer_file.add_file(str(FOLDER / "signsgd.json"))
    training.run_steps(20)
    weights = list(training.trainer.weights)
    path = str(tmp_path / "run.bpsession.json")
    assert window.session_files.save_to(path)
    forget_optimizer("signsgd")
    training.set_optimizer("sgd")
    assert window.session_files.open_path(path)
    assert training.optimizer_name == "signsgd"
    assert list(training.trainer.weights) == weights
    assert _combo(window).currentText() == "signSGD"


def test_the_window_option_loads_the_file_or_exits_2(tmp_path, capsys):
    from gui.app import run_gui

    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run_gui(["--optimizer-file", str(bad), "--screenshot", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: --optimizer-file: ") and "not valid JSON" in error
    assert "\n" not in error
    shot = tmp_path / "lion.png"
    assert run_gui(["--optimizer-file", str(FOLDER / "lion.json"), "--fresh", "--steps", "3",
                    "--screenshot", str(shot)]) == 0
    assert shot.stat().st_size > 0
    assert "lion" in OPTIMIZERS


def test_the_window_refuses_an_optimizer_file_with_a_session_naming_what_was_typed(
        qapp, tmp_path, capsys):
    from gui.app import run_gui

    session = tmp_path / "s.json"
    session.write_text("{}", encoding="utf-8")
    shot = ["--screenshot", str(tmp_path / "x.png"), "--session", str(session)]
    assert run_gui([*shot, "--optimizer-file", str(FOLDER / "lion.json")]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --optimizer-file cannot be given with --session: the session file holds "
        "its optimizer")
    assert "lion" not in OPTIMIZERS  # refused before the file is read
    assert run_gui([*shot, "--optimizer", "adam"]) == 2
    assert "--optimizer cannot be given with it" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_the_window_remembers_a_file_optimizer_with_its_definition(qtbot):
    from core.training.config import TrainingConfig
    from gui.settings import open_settings, read_config, write_config

    settings = open_settings()
    lion = json.loads((FOLDER / "lion.json").read_text())
    from core.training.optimizers import optimizer_from_definition, register_optimizer

    register_optimizer(optimizer_from_definition(lion))
    write_config(settings, TrainingConfig(optimizer="lion", hyperparameters={"lr": 0.002}))
    forget_optimizer("lion")
    config = read_config(settings)
    assert config.optimizer == "lion" and config.hyperparameters["lr"] == 0.002
    assert "lion" in OPTIMIZERS
    # A built-in one forgets the definition; a spoiled one falls back to the default.
    write_config(settings, TrainingConfig(optimizer="adam"))
    assert read_config(settings).optimizer == "adam"
    settings.setValue("training/optimizer", "gone")
    settings.setValue("training/optimizer_definition", '{"name": "gone"}')
    assert read_config(settings).optimizer == "sgd"


def test_an_added_optimizer_can_be_compared_and_swept_in_the_window(window, qtbot):
    session = window.session
    assert window.optimizer_file.add_file(str(FOLDER / "signsgd.json"))
    plot, sweep = window.compare_plot, window.sweep_tab
    assert "signsgd" not in plot.checks and "signsgd" not in sweep.checks
    plot.choose.menu().aboutToShow.emit()  # as the menu opens
    sweep.choose.menu().aboutToShow.emit()
    assert plot.checks["signsgd"].text() == "signSGD" == sweep.checks["signsgd"].text()
    session.training.set_epochs(2)
    plot.set_chosen(["sgd", "signsgd"])
    with qtbot.waitSignal(session.comparison.finished, timeout=20000) as blocker:
        plot.button.click()
    assert [run.name for run in blocker.args[0]] == ["sgd", "signsgd"]
    assert plot.curve_lengths() == {"sgd": 2, "signsgd": 2}


def test_a_new_hyperparameter_has_a_field_that_takes_any_finite_number(window, tmp_path):
    from PySide6.QtWidgets import QLineEdit

    path = tmp_path / "shift.json"
    path.write_text(json.dumps({"name": "shift", "hyperparameters": {"lr": 0.01, "pull": 0.5},
                                "update": ["w = w - lr*(g + pull*w)"]}))
    assert window.optimizer_file.add_file(str(path))
    field = window.findChild(QLineEdit, "hyperparameter_pull")
    assert field is not None and "any finite number" in field.toolTip()
    field.setText("-0.3")
    field.editingFinished.emit()
    assert window.session.training.hyperparameters["pull"] == -0.3
    field.setText("inf")
    field.editingFinished.emit()
    assert window.session.training.hyperparameters["pull"] == -0.3



def test_a_file_optimizer_s_long_rule_never_widens_the_window(tmp_path):
    # The window as it starts with the file, in a process of its own: the rule under the
    # optimizer's list made a 1024 px window 1092 px wide.
    nested = "1+(" * 150 + "g" + ")" * 150
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"name": "long_rule", "hyperparameters": {"lr": 0.01},
                                "update": [f"w = w - lr*({nested})"]}), encoding="utf-8")
    picture = tmp_path / "shot.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--screenshot", str(picture), "--size",
         "1024x768", "--optimizer-file", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert struct.unpack(">II", picture.read_bytes()[16:24]) == (1024, 768)


def test_a_corrected_file_of_the_optimizer_in_use_starts_over_and_its_session_reopens(
        window, tmp_path):
    """Lion trained 10 steps, then a corrected lion.json (twice the step) is added: the run
    went on at step 10 with the new rule under the old name, and the session it saved
    replayed the new rule from step 0 and never reopened.  Now training starts over with
    the new definition, says so, and the saved session reopens at its step."""
    training = window.session.training
    assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
    training.run_steps(10)
    doubled = json.loads((FOLDER / "lion.json").read_text(encoding="utf-8"))
    doubled["update"][1] = "w = w - 2*lr * (sign(c) + weight_decay * w)"
    path = tmp_path / "lion.json"
    path.write_text(json.dumps(doubled), encoding="utf-8")
    assert window.optimizer_file.add_file(str(path))
    assert training.trainer.cursor.step == 0
    assert training.base_config.optimizer_definition["update"][1] == doubled["update"][1]
    assert window.statusBar().currentMessage().endswith(
        "; the run trained with the earlier lion: training starts over")
    training.run_steps(7)
    weights = list(training.trainer.weights)
    saved = str(tmp_path / "run.json")
    assert window.session_files.save_to(saved)
    training.set_optimizer("sgd")
    assert window.session_files.open_path(saved), window.statusBar().currentMessage()
    assert training.trainer.cursor.step == 7 and list(training.trainer.weights) == weights


def test_the_same_optimizer_file_added_again_changes_nothing(window):
    training = window.session.training
    assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
    training.run_steps(10)
    assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
    assert training.trainer.cursor.step == 10
    assert "starts over" not in window.statusBar().currentMessage()
