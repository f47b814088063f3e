"""TrainingConfig: validated once, frozen, a plain-JSON round trip; the declarations."""

import dataclasses
import json
import math

import numpy as np
import pytest

from core.presets import PRESETS
from core.training.config import ConfigError, DataSource, TrainingConfig, file_sha256
from core.training.hyperparameters import (
    CLIP_NORM,
    CLIP_VALUE,
    EPOCHS,
    SEED,
    Hyperparameter,
    HyperparameterError,
    WholeNumber,
)
from core.training.initial_weights import initial_weights
from core.training.optimizers import OPTIMIZERS
from core.training.trainer import Trainer


def test_defaults_are_the_notebooks():
    config = TrainingConfig()
    assert config.graph == "seed" and config.data.builtin and config.optimizer == "sgd"
    assert dict(config.hyperparameters) == {"lr": 0.01}
    assert (config.seed, config.epochs, config.shuffle) == (0, 20, False)
    assert config.clip_value is None and config.clip_norm is None
    np.testing.assert_array_equal(config.start_weights(), initial_weights(9, 0))


def test_hyperparameters_are_stored_complete_in_the_optimizers_order():
    config = TrainingConfig(optimizer=" Adam ", hyperparameters={"beta2": 0.5, "lr": 0.1})
    assert config.optimizer == "adam"
    assert list(config.hyperparameters) == ["lr", "beta1", "beta2", "eps"]
    assert dict(config.hyperparameters) == {"lr": 0.1, "beta1": 0.9, "beta2": 0.5, "eps": 1e-7}
    with pytest.raises(TypeError):
        config.hyperparameters["lr"] = 1.0  # type: ignore[index]
    optimizer = config.make_optimizer()
    assert optimizer.name == "adam" and dict(optimizer.values) == dict(config.hyperparameters)


def test_the_config_is_frozen():
    config = TrainingConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 3  # type: ignore[misc]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"graph": "tanh(w1*x1"}, "graph", "formula"),
    ({"graph": "Seed"}, "graph", "the presets are"),
    ({"graph": ""}, "graph", "graph must be a preset name or a formula"),
    ({"optimizer": "adamax"}, "optimizer", "unknown optimizer 'adamax'; known: sgd"),
    ({"hyperparameters": {"lr": -1}}, "lr", "lr must be > 0, got -1"),
    ({"hyperparameters": {"lr": math.nan}}, "lr", "lr must be a finite number"),
    ({"hyperparameters": {"lr": "fast"}}, "lr", "lr must be a number, got 'fast'"),
    ({"hyperparameters": {"gamma": 0.5}}, "gamma", "sgd has no hyperparameter 'gamma'"),
    ({"optimizer": "adam", "hyperparameters": {"beta2": 1.0}}, "beta2",
     "beta2 must be in [0, 1), got 1"),
    ({"optimizer": "rmsprop", "hyperparameters": {"rho": -0.5}}, "rho",
     "rho must be in [0, 1), got -0.5"),
    ({"clip_value": 0.0}, "clip_value", "clip_value must be > 0, got 0"),
    ({"clip_norm": math.inf}, "clip_norm", "clip_norm must be a finite number"),
    ({"seed": -1}, "seed", "seed must be a whole number in [0, 2147483647], got -1"),
    ({"seed": 2**31}, "seed", "seed must be a whole number in [0, 2147483647]"),
    ({"seed": 1.0}, "seed", "seed must be a whole number"),
    ({"seed": True}, "seed", "seed must be a whole number"),
    ({"epochs": 0}, "epochs", "epochs must be a whole number in [1, 100000], got 0"),
    ({"epochs": 100_001}, "epochs", "epochs must be a whole number in [1, 100000]"),
    ({"shuffle": "yes"}, "shuffle", "shuffle must be true or false"),
    ({"initial_weights": [1.0] * 8}, "initial_weights", "the graph has 9 weights"),
    ({"initial_weights": [math.inf] * 9}, "initial_weights",
     "initial_weights[0] must be a finite number"),
    ({"initial_weights": "1,2"}, "initial_weights", "must be a list of numbers"),
])
def test_a_bad_value_names_the_field_and_the_allowed_range(changes, field, message):
    with pytest.raises(ConfigError) as caught:
        TrainingConfig(**changes)
    assert caught.value.field == field
    assert message in str(caught.value)
    # Changing a good config the same way is refused the same way.
    with pytest.raises(ConfigError, match=field):
        TrainingConfig().replace(**changes)


def test_replace_validates_and_a_new_optimizer_starts_from_its_defaults():
    config = TrainingConfig(hyperparameters={"lr": 0.5})
    momentum = config.replace(optimizer="momentum")
    assert dict(momentum.hyperparameters) == {"lr": 0.01, "gamma": 0.9}
    assert config.with_hyperparameters(lr=0.2).hyperparameters["lr"] == 0.2
    assert config.hyperparameters["lr"] == 0.5
    with pytest.raises(ConfigError, match="lr must be > 0"):
        config.with_hyperparameters(lr=0.0)


def test_given_initial_weights_are_used_and_stored_as_floats():
    config = TrainingConfig(graph="tiny", initial_weights=np.array([1, -2]))
    assert config.initial_weights == (1.0, -2.0)
    np.testing.assert_array_equal(config.start_weights(), [1.0, -2.0])
    assert config.weight_names == ("w1", "w2")


def full_config(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x1,y\n1,2\n3,4\n")
    return TrainingConfig(graph="w1*x1 + b", data=DataSource.file(str(path)),
                          optimizer="adamw",
                          hyperparameters={"lr": 0.1 + 0.2, "weight_decay": 5e-324},
                          clip_value=1e300, clip_norm=0.3, seed=2**31 - 1, epochs=7,
                          shuffle=True, initial_weights=(-0.0, 1 / 3))


def test_json_round_trip_is_exact(tmp_path):
    config = full_config(tmp_path)
    text = config.to_json()
    again = TrainingConfig.from_json(text)
    assert again == config
    assert again.to_json() == text
    # Bit for bit, including the sign of zero and a subnormal.
    assert math.copysign(1.0, again.initial_weights[0]) == -1.0
    assert again.hyperparameters["weight_decay"] == 5e-324
    assert again.hyperparameters["lr"].hex() == (0.1 + 0.2).hex()
    plain = json.loads(text)
    assert plain["data"]["sha256"] == file_sha256(str(tmp_path / "data.csv"))
    assert plain["optimizer"] == "adamw" and plain["version"] == 1


def test_default_config_round_trips():
    config = TrainingConfig()
    assert TrainingConfig.from_json(config.to_json()) == config
    assert TrainingConfig.from_dict({}) == config


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "a training config must be JSON"),
    ("[1, 2]", "must be a JSON object, got list"),
    ('{"lr": 0.1}', "unknown field 'lr'"),
    ('{"version": 2}', "version 2 is not supported"),
    ('{"epochs": NaN}', "a training config must be JSON"),
    ('{"hyperparameters": {"lr": Infinity}}', "a training config must be JSON"),
    ('{"epochs": 2.5}', "epochs must be a whole number"),
    ('{"epochs": 0}', "epochs must be a whole number in [1, 100000], got 0"),
    ('{"seed": "1"}', "seed must be a whole number"),
    ('{"shuffle": 1}', "shuffle must be true or false"),
    ('{"hyperparameters": [0.1]}', "hyperparameters must be an object"),
    ('{"hyperparameters": {"lr": -0.1}}', "lr must be > 0, got -0.1"),
    ('{"hyperparameters": {"momentum": 0.1}}', "sgd has no hyperparameter 'momentum'"),
    ('{"data": "data.csv"}', "data must be an object with path and sha256"),
    ('{"data": {"path": "d.csv", "size": 3}}', "data must be an object"),
    ('{"data": {"path": "d.csv", "sha256": "abc"}}', "64 lowercase hex digits"),
    ('{"data": {"path": null, "sha256": "' + "0" * 64 + '"}}', "has no sha256"),
    ('{"initial_weights": [1, 2]}', "the graph has 9 weights"),
    ('{"initial_weights": [1, 2, 3, 4, 5, 6, 7, 8, true]}', "initial_weights[8]"),
    ('{"graph": 3}', "graph must be a preset name or a formula"),
])
def test_malformed_json_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ConfigError) as caught:
        TrainingConfig.from_json(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_data_source_refuses_a_file_that_changed(tmp_path):
    from core.data.datasets import DataError

    path = tmp_path / "data.csv"
    path.write_text("x1,y\n1,2\n3,4\n")
    source = DataSource.file(str(path))
    assert len(source.load()) == 2
    path.write_text("x1,y\n1,2\n3,5\n")
    with pytest.raises(DataError, match="changed since"):
        source.load()
    with pytest.raises(DataError, match="no such file"):
        DataSource.file(str(tmp_path / "missing.csv"))


def test_trainer_from_config_follows_every_field():
    config = TrainingConfig(graph="tiny", optimizer="momentum",
                            hyperparameters={"lr": 0.05}, clip_norm=0.5, seed=4, epochs=2,
                            shuffle=True)
    trainer = Trainer.from_config(config)
    assert trainer.optimizer.name == "momentum" and trainer.optimizer.values["lr"] == 0.05
    assert (trainer.seed, trainer.epochs, trainer.shuffle) == (4, 2, True)
    assert trainer.clip_norm == 0.5 and trainer.clip_value is None
    np.testing.assert_array_equal(trainer.initial_weights, initial_weights(2, 4))
    assert trainer.graph.weights == PRESETS["tiny"].build().weights


# -- the declarations ----------------------------------------------------------------------


def test_every_declaration_has_a_default_in_its_range_and_a_doc():
    rules = [h for cls in OPTIMIZERS.values() for h in cls.hyperparameters]
    for rule in rules:
        assert isinstance(rule, Hyperparameter) and rule.doc
        assert rule.validate(rule.default) == rule.default
    for rule in (CLIP_VALUE, CLIP_NORM):
        assert rule.default == math.inf and rule.doc  # off unless given
    for rule in (EPOCHS, SEED):
        assert isinstance(rule, WholeNumber) and rule.doc
        assert rule.validate(rule.default) == rule.default
        assert rule.validate(np.int64(rule.high)) == rule.high
        with pytest.raises(HyperparameterError, match=rf"{rule.name} must be a whole number"):
            rule.validate(rule.high + 1)
    assert [rule.flag for rule in (EPOCHS, SEED, CLIP_NORM)] == ["--epochs", "--seed",
                                                                 "--clip-norm"]


def test_optimizers_take_their_declarations_from_the_shared_module():
    from core.training import hyperparameters, optimizers

    assert optimizers.HyperparameterError is hyperparameters.HyperparameterError
    assert OPTIMIZERS["rmsprop"].hyperparameter("rho") is hyperparameters.RHO
    assert OPTIMIZERS["adamw"].hyperparameter("weight_decay") is hyperparameters.WEIGHT_DECAY


def test_a_presets_own_data_and_start_weights_come_with_it():
    preset = PRESETS["xor"]
    graph = preset.build()
    own = preset.start_weights(graph)
    assert own is not None
    config = TrainingConfig(graph="xor")
    np.testing.assert_array_equal(config.start_weights(), own)
    assert config.load_data().source == preset.dataset().source
    np.testing.assert_array_equal(Trainer.from_config(config).initial_weights, own)
    # Given weights win over the preset's.
    given = TrainingConfig(graph="xor", initial_weights=[0.5] * len(graph.weights))
    np.testing.assert_array_equal(given.start_weights(), 0.5)


@pytest.mark.parametrize(("changes", "message"), [
    ({"seed": 10**3000}, "seed must be a whole number in [0, 2147483647], got a number of "
                         "3001 digits"),
    ({"epochs": "x" * 10_000}, "epochs must be a whole number in [1, 100000], got 'xxx"),
    ({"hyperparameters": {"lr": "y" * 10_000}}, "lr must be a number, got 'yyy"),
])
def test_a_huge_refused_value_is_quoted_briefly(changes, message):
    with pytest.raises(ConfigError) as caught:
        TrainingConfig(**changes)
    assert message in str(caught.value) and len(str(caught.value)) < 120
