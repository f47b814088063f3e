"""What the window remembers between runs (QSettings, organisation "BackpropExplorer").

Settings are stored in an INI file in the user's configuration folder; tests point
``QSettings.setPath`` at a temporary folder so they never touch the user's file.  The
``--screenshot`` mode reads and writes no settings at all, so its picture is reproducible.
"""

from __future__ import annotations

import json
import math

from PySide6.QtCore import QSettings

from core.inputs import parse_number
from core.presets import PRESETS
from core.training.config import ConfigError, TrainingConfig

__all__ = ["open_settings", "read_bool", "read_config", "read_float", "read_hyperparameters",
           "read_value", "write_config"]

ORGANISATION = "BackpropExplorer"
APPLICATION = "BackpropExplorer"


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def read_value(settings: QSettings | None, key: str, default: object = None) -> object:
    """What ``settings`` holds under ``key`` (text, from an INI file), else ``default``."""
    if settings is None:
        return default
    value = settings.value(key, default)
    return default if value is None else value




def read_float(settings: QSettings | None, key: str, default: float) -> float:
    try:
        number = parse_number(str(read_value(settings, key, default)), key, finite=False)
    except (TypeError, ValueError):
        return default
    return number if not math.isnan(number) else default


def read_bool(settings: QSettings | None, key: str, default: bool) -> bool:
    value = read_value(settings, key, default)
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes"}
    return bool(value)


def _whole(value: object) -> int | None:
    """A remembered whole number (INI files hold text), or None if it is not one."""
    try:
        return int(str(value))
    except ValueError:
        return None


def _accepted(config: TrainingConfig, **changes: object) -> TrainingConfig:
    """``config`` with ``changes`` if the config accepts them, else unchanged."""
    try:
        return config.replace(**changes)
    except ConfigError:
        return config


def read_config(settings: QSettings | None, base: TrainingConfig | None = None
                ) -> TrainingConfig:
    """The remembered run: every remembered value the config accepts, over ``base``
    (default: ``TrainingConfig()``).

    Each value is offered to the config on its own and dropped if the config refuses it
    (a hand-edited file, another version): the rules live in the config, not here.  Only
    presets are remembered as graphs; the data is never remembered.
    """
    config = TrainingConfig() if base is None else base
    graph = read_value(settings, "training/graph")
    if isinstance(graph, str) and graph in PRESETS:  # with the preset's own loss
        config = _accepted(config, graph=graph, loss=PRESETS[graph].loss,
                           delta=PRESETS[graph].delta)
    optimizer = read_value(settings, "training/optimizer")
    if isinstance(optimizer, str):  # a file-defined one with its remembered definition
        config = _accepted(config, optimizer=optimizer,
                           optimizer_definition=_definition(settings))
    config = read_hyperparameters(settings, config)
    for name in ("seed", "epochs"):
        number = _whole(read_value(settings, f"training/{name}", ""))
        if number is not None:
            config = _accepted(config, **{name: number})
    return config


def _definition(settings: QSettings | None) -> object:
    try:
        return json.loads(str(read_value(settings, "training/optimizer_definition", ""))
                          or "null")
    except ValueError:
        return None


def read_hyperparameters(settings: QSettings | None, config: TrainingConfig
                         ) -> TrainingConfig:
    """``config`` with the hyperparameters remembered for its optimizer (each one the
    config accepts)."""
    try:
        stored = json.loads(str(read_value(settings, f"hyperparameters/{config.optimizer}",
                                           "{}")))
    except ValueError:
        return config
    if not isinstance(stored, dict):
        return config
    for name, value in stored.items():
        try:
            config = config.with_hyperparameters(**{str(name): value})
        except ConfigError:
            continue
    return config


def write_config(settings: QSettings | None, config: TrainingConfig) -> None:
    """Remember ``config``'s graph, optimizer, hyperparameters, seed and epochs."""
    if settings is None:
        return
    settings.setValue("training/graph", config.graph)
    settings.setValue("training/optimizer", config.optimizer)
    settings.setValue("training/optimizer_definition", json.dumps(
        config.optimizer_definition) if config.optimizer_definition else "")
    settings.setValue(f"hyperparameters/{config.optimizer}",
                      json.dumps(dict(config.hyperparameters)))
    settings.setValue("training/seed", config.seed)
    settings.setValue("training/epochs", config.epochs)
