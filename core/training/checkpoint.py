"""Checkpoints: the complete state of a trainer at one step, immutable and exact.

A :class:`Checkpoint` holds everything the next steps depend on: the weights, the
optimizer's state (velocities, moments, its step count ``t``), the cursor (epoch, position
and step), the running loss sum of the current epoch, the mean losses of the epochs already
completed, the current epoch's sample order and the random state.  The shuffle draws epoch
``e``'s order from ``numpy.random.default_rng((seed, 1, e))``, a pure function of the seed
and the epoch, so the seed (with the shuffle flag) is the whole random state.

:meth:`core.training.trainer.Trainer.restore` continues from a checkpoint bit for bit as if
training had never been interrupted.  :meth:`Checkpoint.to_json` writes plain JSON whose
numbers are Python's ``repr`` of each float (read back exactly); the non-finite values a
loss sum can reach are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from core.training.hyperparameters import shown

#: Written into the JSON form; a reader refuses other versions.
FORMAT_VERSION = 1

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class CheckpointError(ValueError):
    """A checkpoint that is malformed, or does not fit the trainer it is restored into."""


def _whole(name: str, value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise CheckpointError(f"checkpoint {name} must be a whole number >= {low}, got "
                              f"{shown(value)}")
    return int(value)


def _floats(name: str, values: object, finite: bool = True) -> tuple[float, ...]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values,
                                                                   (Sequence, np.ndarray)):
        raise CheckpointError(f"checkpoint {name} must be a list of numbers, got {shown(values)}")
    result = []
    for value in values:
        number = _float(name, value)
        if finite and not math.isfinite(number):
            raise CheckpointError(f"checkpoint {name} must be finite, got {number}")
        result.append(number)
    return tuple(result)


def _float(name: str, value: object) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CheckpointError(f"checkpoint {name} must be a number, got {shown(value)}")
    return float(value)


def _json_float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


@dataclass(frozen=True)
class Checkpoint:
    """The state of training after ``step`` updates.

    Attributes
    ----------
    step
        Updates done (also the number of the next step, from 0).
    epoch, position
        The next sample's epoch (from 0) and its index in that epoch's order.
    weights
        The weights, in ``graph.weights`` order.
    optimizer
        The optimizer's registry name (its state only fits that kind).
    optimizer_state
        Each state vector by name (as :meth:`core.training.optimizers.Optimizer.state`).
    optimizer_steps
        The optimizer's update count ``t`` (0 for optimizers that do not count).
    epoch_sum
        Sum of the current epoch's per-sample losses so far (its mean is taken at the end).
    epoch_loss
        Mean loss of every completed epoch (``epoch`` values).
    seed, shuffle
        The random state: the shuffle's orders are drawn from the seed.
    order
        The current epoch's sample order, or ``None`` for dataset order (with held-out
        rows: positions among the training rows).
    holdout_loss
        The held-out rows' mean loss after every completed epoch (``epoch`` values), or
        empty when no rows are held out.  Early stopping is decided from them.
    """

    step: int
    epoch: int
    position: int
    weights: tuple[float, ...]
    optimizer: str
    optimizer_state: Mapping[str, tuple[float, ...]]
    optimizer_steps: int
    epoch_sum: float
    epoch_loss: tuple[float, ...]
    seed: int
    shuffle: bool
    order: tuple[int, ...] | None
    holdout_loss: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        def store(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        for name in ("step", "epoch", "position", "optimizer_steps", "seed"):
            store(name, _whole(name, getattr(self, name)))
        store("weights", _floats("weights", self.weights))
        if not isinstance(self.optimizer, str) or not self.optimizer:
            raise CheckpointError(f"checkpoint optimizer must be a name, got "
                                  f"{shown(self.optimizer)}")
        if not isinstance(self.optimizer_state, Mapping):
            raise CheckpointError("checkpoint optimizer_state must map names to lists")
        state = {}
        for key, values in self.optimizer_state.items():
            vector = _floats(f"optimizer_state {shown(key)}", values)
            if len(vector) != len(self.weights):
                raise CheckpointError(f"checkpoint optimizer_state {shown(key)} has {len(vector)} "
                                      f"values for {len(self.weights)} weights")
            state[str(key)] = vector
        store("optimizer_state", MappingProxyType(state))
        store("epoch_sum", _float("epoch_sum", self.epoch_sum))
        store("epoch_loss", _floats("epoch_loss", self.epoch_loss, finite=False))
        if len(self.epoch_loss) != self.epoch:
            raise CheckpointError(f"checkpoint epoch_loss has {len(self.epoch_loss)} values "
                                  f"for {self.epoch} completed epochs")
        store("holdout_loss", _floats("holdout_loss", self.holdout_loss, finite=False))
        if self.holdout_loss and len(self.holdout_loss) != self.epoch:
            raise CheckpointError(f"checkpoint holdout_loss has {len(self.holdout_loss)} "
                                  f"values for {self.epoch} completed epochs")
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise CheckpointError(f"checkpoint shuffle must be true or false, got "
                                  f"{shown(self.shuffle)}")
        store("shuffle", bool(self.shuffle))
        if self.order is not None:
            order = tuple(_whole("order", i) for i in self.order)
            if sorted(order) != list(range(len(order))):
                raise CheckpointError("checkpoint order must be a permutation of the samples")
            if self.position >= max(len(order), 1):
                raise CheckpointError(f"checkpoint position {self.position} is outside the "
                                      f"order of {len(order)} samples")
            store("order", order)
        if self.shuffle != (self.order is not None):
            raise CheckpointError("checkpoint order must be given exactly when shuffling")

    def identical(self, other: Checkpoint) -> bool:
        """Whether ``other`` holds the same state bit for bit (``==`` would call -0.0 and
        0.0 equal and nan unequal to itself)."""
        def exact(value: Any) -> Any:
            if isinstance(value, float):
                return value.hex()
            if isinstance(value, dict):
                return {k: exact(v) for k, v in value.items()}
            if isinstance(value, list):
                return [exact(v) for v in value]
            return value

        return bool(exact(self.to_dict()) == exact(other.to_dict()))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The optimizer state in the form ``Optimizer.load_state`` takes."""
        return {key: np.array(values) for key, values in self.optimizer_state.items()}

    # -- JSON ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; every float as itself (or ``"inf"``, ``"-inf"``, ``"nan"``).
        ``holdout_loss`` is written only when there are held-out losses."""
        values: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "step": self.step,
            "epoch": self.epoch,
            "position": self.position,
            "weights": list(self.weights),
            "optimizer": self.optimizer,
            "optimizer_state": {k: list(v) for k, v in self.optimizer_state.items()},
            "optimizer_steps": self.optimizer_steps,
            "epoch_sum": _json_float(self.epoch_sum),
            "epoch_loss": [_json_float(v) for v in self.epoch_loss],
            "seed": self.seed,
            "shuffle": self.shuffle,
            "order": None if self.order is None else list(self.order),
        }
        if self.holdout_loss:
            values["holdout_loss"] = [_json_float(v) for v in self.holdout_loss]
        return values

    def to_json(self) -> str:
        """The checkpoint as JSON text; :meth:`from_json` reads it back bit for bit."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_dict(cls, values: object) -> Checkpoint:
        """A checkpoint from :meth:`to_dict`'s form (every field required but
        ``holdout_loss``).

        Raises
        ------
        CheckpointError
            For missing, unknown or malformed fields.
        """
        if not isinstance(values, Mapping):
            raise CheckpointError(f"a checkpoint must be a JSON object, got "
                                  f"{type(values).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(names) - {"version"})
        if unknown:
            raise CheckpointError(f"unknown field {shown(unknown[0])} in a checkpoint")
        missing = [name for name in names if name not in values and name != "holdout_loss"]
        if missing:
            raise CheckpointError(f"a checkpoint needs the field {shown(missing[0])}")
        version = values.get("version")
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise CheckpointError(f"checkpoint version {shown(version)} is not supported (this "
                                  f"program reads {FORMAT_VERSION})")
        return cls(**{name: values[name] for name in names if name in values})

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """A checkpoint from :meth:`to_json`'s text.

        Raises
        ------
        CheckpointError
            For text that is not JSON and for anything that is not a valid checkpoint.
        """
        def refuse(name: str) -> float:
            raise ValueError(f"{name} is not a number JSON allows")

        try:
            values = json.loads(text, parse_constant=refuse)
        except ValueError as error:
            raise CheckpointError(f"a checkpoint must be JSON: {error}") from None
        return cls.from_dict(values)
