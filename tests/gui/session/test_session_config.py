"""The session owns a TrainingConfig: the side panel, the command line and the settings
build and read it, and its rules are the only ones applied."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from core.training.config import ConfigError, DataSource, TrainingConfig
from tests.conftest import ROOT


def test_every_setter_leaves_a_config_that_describes_the_run(session, qtbot):
    training = session.training
    training.set_optimizer("adam", {"lr": 0.05})
    training.set_hyperparameter("beta1", 0.8)
    training.set_seed(4)
    training.set_epochs(3)
    config = training.config
    assert (config.optimizer, config.seed, config.epochs) == ("adam", 4, 3)
    assert dict(config.hyperparameters) == {**dict(config.hyperparameters), "lr": 0.05,
                                            "beta1": 0.8}
    # The trainer is the config's: same start, same optimizer settings.
    np.testing.assert_array_equal(training.trainer.initial_weights, config.start_weights())
    assert training.optimizer.values == config.hyperparameters
    assert TrainingConfig.from_json(config.to_json()) == config


def test_set_config_announces_only_what_changed(session, qtbot):
    training = session.training
    seen: list[str] = []
    for name in ("graph_changed", "dataset_changed", "optimizer_changed", "seed_changed",
                 "epochs_changed", "training_restarted"):
        getattr(training, name).connect(lambda *_args, name=name: seen.append(name))
    training.set_config(training.config.replace(seed=8, epochs=5))
    assert seen == ["seed_changed", "epochs_changed", "training_restarted"]
    seen.clear()
    training.set_config(training.config)  # the same run: nothing happens
    assert seen == []
    training.set_config(training.config.replace(graph="linear"))
    assert seen[:3] == ["graph_changed", "dataset_changed", "optimizer_changed"]
    assert training.graph.name == "linear" and len(training.dataset) == 100


def test_refused_values_are_the_configs_refusals(window, session, qtbot):
    training = session.training
    before = training.config
    with pytest.raises(ConfigError, match=r"lr must be > 0"):
        training.set_hyperparameter("lr", -1.0)
    with pytest.raises(ConfigError, match=r"seed must be a whole number"):
        training.set_seed(-1)
    with pytest.raises(ConfigError, match=r"unknown optimizer"):
        training.set_optimizer("nope")
    assert training.config is before
    # The form shows the config's own words.
    form = window.side_panel.optimizer_box.form
    form.fields["lr"].setText("-1")
    form.fields["lr"].textEdited.emit("-1")
    assert "lr must be > 0, got -1" in form.errors["lr"].text()


def test_the_spin_boxes_take_their_ranges_from_the_declarations(window):
    from core.training.hyperparameters import EPOCHS, SEED

    box = window.side_panel.training_box
    assert (box.seed.minimum(), box.seed.maximum()) == (SEED.low, SEED.high)
    assert (box.epochs.minimum(), box.epochs.maximum()) == (EPOCHS.low, EPOCHS.high)


def test_settings_are_read_through_the_config(isolated_settings):
    from gui.settings import open_settings, read_config, write_config

    settings = open_settings()
    written = TrainingConfig(graph="linear", optimizer="momentum",
                             hyperparameters={"lr": 0.02, "gamma": 0.8}, seed=7, epochs=9)
    write_config(settings, written)
    settings.sync()
    read = read_config(open_settings())
    assert read == written
    # Values the config refuses are dropped one by one; the rest is kept.
    settings.setValue("training/seed", "-5")
    settings.setValue("training/epochs", "many")
    settings.setValue("hyperparameters/momentum", json.dumps({"lr": -1, "gamma": 0.5,
                                                              "bogus": 1}))
    settings.sync()
    read = read_config(open_settings())
    assert (read.graph, read.optimizer, read.seed, read.epochs) == ("linear", "momentum",
                                                                   0, 20)
    assert read.hyperparameters["gamma"] == 0.5 and read.hyperparameters["lr"] == 0.01
    settings.setValue("training/optimizer", "bogus")
    settings.sync()
    assert read_config(open_settings()).optimizer == "sgd"


def test_the_command_line_builds_the_config(isolated_settings, tmp_path, dataset):
    from gui.app import _startup, build_parser
    from gui.settings import open_settings, write_config

    write_config(open_settings(), TrainingConfig(optimizer="adam",
                                                 hyperparameters={"lr": 0.003}, seed=2))
    path = tmp_path / "d.csv"
    np.savetxt(path, np.column_stack([dataset.X[:20], dataset.y[:20]]), delimiter=",")
    args = build_parser().parse_args(["--epochs", "4", "--data", str(path)])
    startup = _startup(args, open_settings())
    config = startup.config
    assert (config.optimizer, config.hyperparameters["lr"], config.seed,
            config.epochs) == ("adam", 0.003, 2, 4)
    assert config.data == DataSource.file(str(path))
    assert len(startup.dataset) == 20
    args = build_parser().parse_args(["--optimizer", "sgd", "--seed", "5"])
    config = _startup(args, open_settings()).config
    assert (config.optimizer, config.hyperparameters["lr"], config.seed) == ("sgd", 0.01, 5)


def test_remembered_settings_reach_the_window(qtbot, isolated_settings):
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import open_settings, read_config, write_config

    write_config(open_settings(), TrainingConfig(optimizer="rmsprop", seed=11, epochs=6))
    session = Session(read_config(open_settings()))
    window = MainWindow(session, settings=open_settings())
    qtbot.addWidget(window)
    box = window.side_panel
    assert box.optimizer_box.combo.currentData() == "rmsprop"
    assert box.training_box.seed.value() == 11
    assert box.training_box.epochs.value() == 6
    window.close()
    assert QSettings(str(next(Path(isolated_settings).rglob("*.ini"))),
                     QSettings.Format.IniFormat).value("training/optimizer") == "rmsprop"
    session.shutdown()


def test_the_window_does_not_import_the_command_line_package():
    for path in (ROOT / "gui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name != "cli" and not name.startswith("cli."), \
                    f"{path.relative_to(ROOT)} imports {name}"


def test_a_formula_naming_the_data_columns_trains(session, tmp_path):
    # The config names the graph by its formula text; its weights are only known with
    # the data's column names, so the trainer is sized from the graph itself.
    from core.data.datasets import load_dataset
    from core.presets import resolve_graph

    path = tmp_path / "ages.csv"
    path.write_text("age,y\n1,2\n2,4\n3,6\n")
    training = session.training
    dataset = load_dataset(str(path))
    graph, _ = resolve_graph("w*age", dataset.feature_names, dataset.target_name)
    training.set_model(graph, dataset)
    assert training.config.graph == "w*age"
    training.set_dataset(dataset, DataSource.file(str(path)))
    assert training.graph.weights == ("w",)
    training.set_seed(3)
    result = training.step_sample()
    assert result is not None and result.weights.shape == (1,)
    assert training.config.graph == "w*age"
    assert training.config.data.sha256 is not None


def test_open_data_records_the_file_and_its_hash(window, session, tmp_path, dataset):
    path = tmp_path / "rows.csv"
    np.savetxt(path, np.column_stack([dataset.X[:25], dataset.y[:25]]), delimiter=",")
    assert window.open_data_file(str(path)) is not None
    assert session.training.config.data == DataSource.file(str(path))
    assert len(session.training.dataset) == 25
