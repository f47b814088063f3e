"""What the window remembers between runs (QSettings, organisation "BackpropExplorer").

Settings are stored in an INI file in the user's configuration folder; tests point
``QSettings.setPath`` at a temporary folder so they never touch the user's file.  The
``--screenshot`` mode reads and writes no settings at all, so its picture is reproducible.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSettings

from core.training.hyperparameters import MAX_SEED
from core.training.optimizers import OPTIMIZERS, HyperparameterError

__all__ = ["MAX_SEED", "open_settings", "read_bool", "read_float", "read_hyperparameters",
           "read_int", "read_optimizer", "read_value", "write_hyperparameters"]

ORGANISATION = "BackpropExplorer"
APPLICATION = "BackpropExplorer"


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def read_value(settings: QSettings | None, key: str, default: Any = None) -> Any:
    if settings is None:
        return default
    value = settings.value(key, default)
    return default if value is None else value




def read_int(settings: QSettings | None, key: str, default: int, low: int = 0,
             high: int = MAX_SEED) -> int:
    try:
        number = int(read_value(settings, key, default))
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def read_float(settings: QSettings | None, key: str, default: float) -> float:
    try:
        number = float(read_value(settings, key, default))
    except (TypeError, ValueError):
        return default
    return number if not math.isnan(number) else default


def read_bool(settings: QSettings | None, key: str, default: bool) -> bool:
    value = read_value(settings, key, default)
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes"}
    return bool(value)


def read_optimizer(settings: QSettings | None) -> tuple[str, dict[str, float]]:
    """The remembered optimizer and its hyperparameters, dropping anything invalid."""
    name = str(read_value(settings, "training/optimizer", "sgd"))
    if name not in OPTIMIZERS:
        name = "sgd"
    return name, read_hyperparameters(settings, name)


def read_hyperparameters(settings: QSettings | None, name: str) -> dict[str, float]:
    try:
        stored = json.loads(str(read_value(settings, f"hyperparameters/{name}", "{}")))
    except ValueError:
        return {}
    values: dict[str, float] = {}
    if not isinstance(stored, dict):
        return values
    for spec in OPTIMIZERS[name].hyperparameters:
        if spec.name in stored:
            try:
                values[spec.name] = spec.validate(stored[spec.name])
            except HyperparameterError:
                continue
    return values


def write_hyperparameters(settings: QSettings | None, name: str,
                          values: Mapping[str, float]) -> None:
    if settings is not None:
        settings.setValue(f"hyperparameters/{name}", json.dumps(dict(values)))
