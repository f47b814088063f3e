"""Remembered settings are named where they apply: the status bar on start says which
came from last time; --help words the defaults so; --fresh neither reads nor writes them;
--present and --lesson start from the defaults or the lesson; View > Reset settings."""

from __future__ import annotations

import json
import math

import pytest

from core.training.config import TrainingConfig
from gui.app import DEFAULT_SPEED, DEFAULTS, build_parser, open_window
from gui.remembered import REMEMBERED_SUFFIX
from gui.settings import open_settings


def remember(**values: object) -> None:
    settings = open_settings()
    for key, value in values.items():
        settings.setValue(key.replace("__", "/"), value)
    settings.sync()


def start(qtbot, *argv: str):
    window = open_window(build_parser().parse_args(list(argv)))
    qtbot.addWidget(window)
    return window


def test_remembered_optimizer_and_speed_are_named_on_start(qtbot):
    remember(training__optimizer="adam", training__speed=40.0)
    window = start(qtbot)
    assert window.session.training.config.optimizer == "adam"
    assert window.session.play.speed == 40.0
    assert window.statusBar().currentMessage() == \
        f"optimizer Adam, speed 40/s {REMEMBERED_SUFFIX}"
    assert REMEMBERED_SUFFIX.endswith("View > Reset settings")


def test_only_what_differs_from_the_defaults_is_named(qtbot):
    remember(training__optimizer="sgd", training__speed=DEFAULT_SPEED, training__epochs=50,
             hyperparameters__sgd=json.dumps({"lr": 0.05}), view__theme="dark")
    window = start(qtbot)
    message = window.statusBar().currentMessage()
    assert message == f"lr 0.05, 50 epochs, dark theme {REMEMBERED_SUFFIX}"
    assert "optimizer" not in message and "speed" not in message


def test_nothing_remembered_says_nothing(qtbot):
    window = start(qtbot)
    assert "remembered" not in window.statusBar().currentMessage()
    remember(training__optimizer="sgd", training__speed=DEFAULT_SPEED, view__theme="light")
    again = start(qtbot)
    assert "remembered" not in again.statusBar().currentMessage()


def test_an_option_given_on_the_command_line_is_not_called_remembered(qtbot):
    remember(training__optimizer="adam", training__seed=7)
    window = start(qtbot, "--optimizer", "adam", "--seed", "7")
    assert window.session.training.config.optimizer == "adam"
    assert "remembered" not in window.statusBar().currentMessage()


def test_fresh_neither_reads_nor_writes_remembered_settings(qtbot, isolated_settings):
    remember(training__optimizer="adam", training__speed=40.0, view__theme="dark")
    before = open_settings().allKeys()
    window = start(qtbot, "--fresh")
    assert window.settings is None
    assert window.session.training.config.optimizer == "sgd"
    assert window.session.play.speed == DEFAULT_SPEED
    assert window.theme.name == "light"
    assert "remembered" not in window.statusBar().currentMessage()
    window.session.training.set_optimizer("momentum")
    window.close()
    settings = open_settings()
    assert settings.allKeys() == before
    assert settings.value("training/optimizer") == "adam"


@pytest.mark.parametrize("argv", [("--present",), ("--lesson", "seed")])
def test_present_and_lesson_start_from_the_defaults_not_yesterdays_run(qtbot, argv):
    remember(training__optimizer="adam", training__speed=40.0, training__epochs=3)
    window = start(qtbot, *argv)
    config = window.session.training.config
    defaults = TrainingConfig()
    assert (config.optimizer, config.epochs) == (defaults.optimizer, defaults.epochs)
    assert window.session.play.speed == DEFAULT_SPEED
    message = window.statusBar().currentMessage()
    assert "Adam" not in message and "40" not in message
    window.presentation.leave()


def test_help_words_the_defaults_as_remembered_else(capsys):
    defaults = TrainingConfig()
    assert {"optimizer": defaults.optimizer, "graph": defaults.graph,
                        "seed": defaults.seed, "epochs": defaults.epochs} == DEFAULTS
    text = " ".join(build_parser().format_help().split())
    assert "(default: the remembered one, else sgd)" in text
    assert "the remembered preset, else seed" in text
    assert "(default: the remembered one, else 0)" in text
    assert "(default: remembered, else 20)" in text
    assert "default: sgd)" not in text.replace("else sgd)", "")
    assert "--fresh" in text and "neither read nor written" in text


def test_reset_settings_puts_the_defaults_back_and_forgets(qtbot):
    remember(training__optimizer="adam", training__speed=40.0, view__theme="dark",
             view__legends=False, training__epochs=7)
    window = start(qtbot)
    assert window.theme.name == "dark"
    action = window.actions["reset_settings"]
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    action.trigger()
    training = window.session.training
    assert (training.config.optimizer, training.config.epochs) == ("sgd", 20)
    assert training.config.hyperparameters == TrainingConfig().hyperparameters
    assert window.session.play.speed == DEFAULT_SPEED
    assert window.theme.name == "light"
    assert window.legends_action.isChecked()
    assert window.statusBar().currentMessage().startswith("Settings reset to the defaults")
    assert open_settings().value("training/optimizer") is None
    # Closing remembers the defaults: the next start names nothing.
    window.close()
    again = start(qtbot)
    assert "remembered" not in again.statusBar().currentMessage()
    assert math.isfinite(again.session.play.speed)


def test_a_remembered_layout_with_a_hidden_panel_is_named(qtbot):
    window = start(qtbot)
    window.plots_dock.hide()
    window.save_settings()
    window.close()
    again = start(qtbot)
    assert again.plots_dock.isHidden()
    assert again.statusBar().currentMessage() == f"Plots hidden {REMEMBERED_SUFFIX}"
    again.actions["reset_settings"].trigger()
    assert not again.plots_dock.isHidden()
