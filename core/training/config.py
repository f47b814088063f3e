"""The one validated description of a training run, and its plain-JSON form.

A :class:`TrainingConfig` says everything a run depends on: the graph (a preset name or a
formula), the data (built-in, or a file with its sha256), the optimizer and its
hyperparameters, gradient clipping, the seed, the number of epochs, whether samples are
shuffled, and the initial weights (drawn from the seed, or given).  It is frozen, and every
rule about these values is checked here, once, when it is made: the command line, the
window, its settings and session files build one and read it.  A bad value raises
:class:`ConfigError`, which names the field and the allowed range.

``to_json()`` / ``from_json()`` write and read plain JSON; floats survive the round trip
exactly (JSON numbers are written with ``repr``, which Python reads back bit for bit).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from core.training.hyperparameters import (
    CLIP_NORM,
    CLIP_VALUE,
    EPOCHS,
    SEED,
    HyperparameterError,
    shown,
)
from core.training.optimizers import OPTIMIZERS, Optimizer, resolve_optimizer

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset

#: Written into the JSON form; a reader refuses other versions.
FORMAT_VERSION = 1


class ConfigError(HyperparameterError):
    """A training configuration that is not allowed.

    Attributes
    ----------
    field
        The offending field (``lr``, ``epochs``, ``graph``, ``initial_weights``, ...): a
        hyperparameter is named by its own name, so the command line can map it to a flag.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DataSource:
    """Where the samples come from: the graph's own data, or a file identified by its hash.

    Attributes
    ----------
    path
        The file as the user named it, or ``None`` for the data that comes with the graph:
        a preset's own dataset, the built-in data for a formula.
    sha256
        The file's SHA-256 in hex when the configuration was made (``None``: not checked).
        :meth:`load` refuses a file whose contents changed since.
    """

    path: str | None = None
    sha256: str | None = None

    def __post_init__(self) -> None:
        if self.path is not None and (not isinstance(self.path, str) or not self.path):
            raise ConfigError("data", f"data path must be a non-empty string, got "
                                      f"{shown(self.path)}")
        if self.sha256 is not None:
            if self.path is None:
                raise ConfigError("data", "data without a path (the graph's own) has no "
                                          "sha256")
            if not isinstance(self.sha256, str) or len(self.sha256) != 64 \
                    or any(c not in "0123456789abcdef" for c in self.sha256):
                raise ConfigError("data", f"data sha256 must be 64 lowercase hex digits, "
                                          f"got {shown(self.sha256)}")

    @classmethod
    def file(cls, path: str) -> DataSource:
        """A file source with the file's current sha256.

        Raises
        ------
        core.data.datasets.DataError
            If the file cannot be read (the message names it).
        """
        return cls(path, file_sha256(path))

    @property
    def builtin(self) -> bool:
        """Whether this is the data that comes with the graph (no file)."""
        return self.path is None

    def load(self, preset: Preset | None = None) -> Dataset:
        """The dataset: the file, or ``preset``'s own data, or the built-in data (cached).

        Raises
        ------
        core.data.datasets.DataError
            If the file cannot be loaded, or its sha256 is not the recorded one.
        """
        from core.data.datasets import builtin_dataset, load_dataset

        if self.path is None:
            return builtin_dataset() if preset is None else preset.dataset()
        try:
            stat = Path(self.path).stat()
        except OSError:
            return load_dataset(self.path)  # says what is wrong with the path
        # The graph of a formula that names the file's columns needs the file as much as
        # training does: while the file is unchanged, one read (its bytes hashed and
        # parsed) serves every call (a config is asked for its graph, weights and data
        # several times).
        return _load_file(self.path, self.sha256, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _load_file(path: str, sha256: str | None,
               mtime_ns: int, size: int) -> Dataset:  # noqa: ARG001 (cache keys)
    from core.data.datasets import load_dataset

    return load_dataset(path, sha256=sha256)


@functools.lru_cache(maxsize=8)
def _resolve_with_columns(spec: str, columns: tuple[str, ...], target: str
                          ) -> tuple[Graph, Preset | None]:
    """A formula over a file's column names, parsed once (graphs are immutable and shared)."""
    from core.presets import resolve_graph

    return resolve_graph(spec, columns, target)


def file_sha256(path: str) -> str:
    """The SHA-256 of a data file's bytes, in hex.  The path is checked to be a regular file
    before anything is read (a FIFO or a device is refused, not hashed), and at most the
    data budget (:data:`core.data.datasets.MAX_DATA_BYTES`) is read.

    Raises
    ------
    core.data.datasets.DataError
        If the file cannot be read, is not a regular file, or is over the budget.
    """
    from core.data.datasets import MAX_DATA_BYTES, file_error
    from core.user_files import sha256_hex

    try:
        return sha256_hex(path, MAX_DATA_BYTES)
    except (OSError, ValueError) as error:
        raise file_error(error, path) from None


@functools.lru_cache(maxsize=64)
def _weight_names(graph: str) -> tuple[str, ...]:
    """The weights of a ``graph`` spec (cached: configs are remade on every change)."""
    from core.presets import resolve_graph

    built, _ = resolve_graph(graph)
    return tuple(built.weights)


def _check_graph(spec: object) -> tuple[str, ...]:
    from core.autodiff.formula import FormulaError

    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError("graph", f"graph must be a preset name or a formula, got {shown(spec)}")
    try:
        return _weight_names(spec.strip())
    except FormulaError as error:
        raise ConfigError("graph", f"graph: {error}") from None


def _finite_numbers(field: str, values: object) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ConfigError(field, f"{field} must be a list of numbers, got {shown(values)}")
    result = []
    for i, value in enumerate(np.asarray(values, dtype=object).ravel().tolist()):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(float(value)):
            raise ConfigError(field, f"{field}[{i}] must be a finite number, got {shown(value)}")
        result.append(float(value))
    return tuple(result)


@dataclass(frozen=True)
class TrainingConfig:
    """Everything one training run depends on, validated (immutable).

    Parameters
    ----------
    graph
        A preset name (``seed``, ``linear``, ...) or a formula for y'.
    data
        The data that comes with the graph (default: a preset's own, else the built-in
        data) or a file.
    optimizer
        An optimizer's registry name (case and spaces ignored; stored lower-case).
    hyperparameters
        Values for some of the optimizer's hyperparameters; the others take their
        defaults.  Stored complete, in the optimizer's order, read-only.
    clip_value, clip_norm
        Gradient clipping (``None``: off).
    seed
        Seeds the initial weights (unless given) and the shuffle.
    epochs
        Passes over the data.
    shuffle
        A new random sample order each epoch (from the seed) instead of dataset order.
    initial_weights
        One finite value per weight of the graph, or ``None``: a preset's own initial
        weights when it has them, else N(0, 0.01) drawn from the seed.
    holdout
        The share of the rows kept out of training (0 < F < 1, chosen by the seed: see
        :mod:`core.training.holdout`), or ``None``: every row trains.
    early_stop
        Stop when the held-out loss has not improved for this many epochs (needs
        ``holdout``), or ``None``.
    loss
        The loss on top of the graph: ``mse`` (squared error), ``mae``, ``huber`` or
        ``bce`` (see :mod:`core.autodiff.losses`).
    delta
        Huber's δ (finite, > 0; used by ``huber`` only).
    optimizer_definition
        The definition of a file-defined optimizer (see
        :mod:`core.training.optimizer_files`), so the config works without the file;
        filled in from the registry when the optimizer is one; ``None`` for a built-in.
    ops
        The definitions of the file-defined ops the graph calls (see
        :mod:`core.autodiff.user_ops`), registered when the config is made, so the config
        works without the file; filled in from the registry for ops the formula calls.
    breaks
        Derivatives replaced on purpose (:mod:`core.autodiff.breaks`): ops entries with
        the ``nodes`` they break; the graph built carries them.

    Raises
    ------
    ConfigError
        For the first value that is not allowed; the message names the field and its
        allowed range.
    """

    graph: str = "seed"
    data: DataSource = field(default_factory=DataSource)
    optimizer: str = "sgd"
    hyperparameters: Mapping[str, float] = field(default_factory=dict)
    clip_value: float | None = None
    clip_norm: float | None = None
    seed: int = SEED.default
    epochs: int = EPOCHS.default
    shuffle: bool = False
    initial_weights: tuple[float, ...] | None = None
    holdout: float | None = None
    early_stop: int | None = None
    loss: str = "mse"
    delta: float = 1.0
    optimizer_definition: Mapping[str, Any] | None = None
    ops: tuple[Mapping[str, Any], ...] = ()
    breaks: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        # Normalised values are written back: the config holds exactly what was checked.
        def store(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        store("ops", _extension("ops", self.ops, self.graph))  # before the graph uses them
        names = _check_graph(self.graph)
        store("graph", self.graph.strip())
        store("breaks", _extension("breaks", self.breaks, self.graph))
        if not isinstance(self.data, DataSource):
            raise ConfigError("data", f"data must be a DataSource, got {shown(self.data)}")
        name = self.optimizer.strip().lower() if isinstance(self.optimizer, str) else None
        cls = _checked("optimizer_definition", lambda d: resolve_optimizer(str(name), d),
                       self.optimizer_definition) if self.optimizer_definition else None
        if name not in OPTIMIZERS:
            raise ConfigError("optimizer", f"unknown optimizer {shown(self.optimizer)}; known: "
                                            f"{', '.join(OPTIMIZERS)}")
        store("optimizer", name)
        cls = cls or OPTIMIZERS[name]
        store("optimizer_definition", None if cls.built_in else copy.deepcopy(dict(cls.definition)))
        store("hyperparameters", _check_hyperparameters(name, self.hyperparameters))
        for rule in (CLIP_VALUE, CLIP_NORM):
            value = getattr(self, rule.name)
            if value is not None:
                store(rule.name, _checked(rule.name, rule.validate, value))
        store("seed", _checked("seed", SEED.validate, self.seed))
        store("epochs", _checked("epochs", EPOCHS.validate, self.epochs))
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise ConfigError("shuffle", f"shuffle must be true or false, got "
                                         f"{shown(self.shuffle)}")
        store("shuffle", bool(self.shuffle))
        if self.initial_weights is not None:
            weights = _finite_numbers("initial_weights", self.initial_weights)
            # A formula may name a data file's columns: which of its names are weights is
            # known once the file is read, and the trainer checks the count then.
            if self._graph_needs_file():
                pass
            elif len(weights) != len(names):
                raise ConfigError("initial_weights",
                                  f"initial_weights: the graph has {len(names)} weights "
                                  f"({', '.join(names)}), got {len(weights)} values")
            store("initial_weights", weights)
        self._check_holdout(store)
        self._check_loss(store)
        if self.breaks and not self._graph_needs_file():
            self.build_graph()  # the nodes each break names are the graph's

    def _check_loss(self, store: Callable[[str, object], None]) -> None:
        from core.autodiff.losses import LossError, check_delta, check_loss

        for name, check in (("loss", check_loss), ("delta", check_delta)):
            try:
                store(name, check(getattr(self, name)))
            except LossError as error:
                raise ConfigError(name, str(error)) from None

    def _check_holdout(self, store: Callable[[str, object], None]) -> None:
        from core.training.holdout import check_early_stop, check_fraction

        if self.holdout is not None:
            store("holdout", _checked("holdout", check_fraction, self.holdout))
        if self.early_stop is not None:
            store("early_stop", _checked("early_stop", check_early_stop, self.early_stop))
        if self.early_stop is not None and self.holdout is None:
            raise ConfigError("early_stop", "early_stop needs held-out data: it watches the "
                                            "held-out loss (set holdout, 0 < F < 1)")

    # -- derived -----------------------------------------------------------------------

    @property
    def weight_names(self) -> tuple[str, ...]:
        """The graph's weights, in order (a formula naming the data file's columns reads
        the file to tell its columns from its weights)."""
        if self._graph_needs_file():
            return tuple(self.build_graph()[0].weights)
        return _weight_names(self.graph)

    @property
    def optimizer_class(self) -> type[Optimizer]:
        """The optimizer's class."""
        return resolve_optimizer(self.optimizer, self.optimizer_definition)

    def make_optimizer(self) -> Optimizer:
        """A fresh optimizer for the graph's weights with these hyperparameters."""
        return self.optimizer_class(len(self.weight_names), **self.hyperparameters)

    def start_weights(self) -> np.ndarray:
        """The initial weights: the given ones, else the preset's own, else N(0, 0.01)
        drawn from the seed."""
        if self.initial_weights is not None:
            return np.array(self.initial_weights)
        graph, preset = self.build_graph()
        own = None if preset is None else preset.start_weights(graph)
        if own is not None:
            return own
        from core.training.initial_weights import initial_weights

        return initial_weights(len(self.weight_names), self.seed)

    def trainer_options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`core.training.trainer.Trainer` (and of
        :func:`core.training.compare.compare_optimizers`) this config sets."""
        return {"epochs": self.epochs, "seed": self.seed,
                "initial_weights": self.start_weights(), "shuffle": self.shuffle,
                "clip_value": self.clip_value, "clip_norm": self.clip_norm,
                "holdout": self.holdout, "early_stop": self.early_stop}

    def _graph_needs_file(self) -> bool:
        """Whether the graph is a formula over a data file (its names may be columns)."""
        from core.presets import PRESETS

        return not self.data.builtin and self.graph not in PRESETS

    def build_graph(self, dataset: Dataset | None = None) -> tuple[Graph, Preset | None]:
        """The graph (and its preset, if it is one).  A formula may use the column names of
        ``dataset`` (default: the config's data file, when it has one).

        Raises
        ------
        core.data.datasets.DataError
            If the formula needs the data file to be read and it cannot be.
        """
        from core.presets import resolve_graph

        if dataset is None and self._graph_needs_file():
            dataset = self.data.load()
        from core.autodiff.losses import with_loss

        if dataset is None:
            graph, preset = resolve_graph(self.graph)
        else:
            graph, preset = _resolve_with_columns(self.graph, tuple(dataset.feature_names),
                                                  dataset.target_name)
        return _broken(with_loss(graph, self.loss, self.delta), self.breaks), preset

    def load_data(self) -> Dataset:
        """The dataset, checked to have the features the graph uses.

        Raises
        ------
        core.data.datasets.DataError
            If it cannot be loaded, changed since, or has too few feature columns; or if
            the loss is ``bce`` and a target is not 0 or 1.
        """
        preset = self.build_graph()[1] if self.data.builtin else None
        dataset = self.data.load(preset)
        dataset.require_features(self.build_graph(dataset)[0].n_inputs)
        from core.autodiff.losses import target_problem
        from core.data.datasets import DataError

        problem = target_problem(self.loss, dataset.y, dataset.display_name)
        if problem is not None:
            raise DataError(problem)
        return dataset

    # -- changes -----------------------------------------------------------------------

    def replace(self, **changes: Any) -> TrainingConfig:
        """A new config with some fields changed, validated.  Changing ``optimizer``
        without giving ``hyperparameters`` starts from the new optimizer's defaults."""
        if "optimizer" in changes and "hyperparameters" not in changes:
            changes["hyperparameters"] = {}
        if "optimizer" in changes and "optimizer_definition" not in changes:
            changes["optimizer_definition"] = None  # the new one's, if it is file-defined
        return dataclasses.replace(self, **changes)

    def with_hyperparameters(self, **values: float) -> TrainingConfig:
        """A new config with some hyperparameters of the same optimizer changed."""
        return dataclasses.replace(self, hyperparameters={**self.hyperparameters, **values})

    # -- JSON --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (every field, the version first)."""
        return {
            "version": FORMAT_VERSION,
            "graph": self.graph,
            "data": {"path": self.data.path, "sha256": self.data.sha256},
            "optimizer": self.optimizer,
            "hyperparameters": dict(self.hyperparameters),
            "clip_value": self.clip_value,
            "clip_norm": self.clip_norm,
            "seed": self.seed,
            "epochs": self.epochs,
            "shuffle": self.shuffle,
            "initial_weights": None if self.initial_weights is None
            else list(self.initial_weights),
            "holdout": self.holdout,
            "early_stop": self.early_stop,
            "loss": self.loss,
            "delta": self.delta,
            **({"optimizer_definition": dict(self.optimizer_definition)}
               if self.optimizer_definition else {}),
            **({"ops": [dict(d) for d in self.ops]} if self.ops else {}),
            **({"breaks": [dict(d) for d in self.breaks]} if self.breaks else {}),
        }

    def to_json(self) -> str:
        """The config as a JSON text (see :meth:`from_json`)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    @classmethod
    def from_dict(cls, values: object) -> TrainingConfig:
        """A config from :meth:`to_dict`'s form.  Missing fields take their defaults;
        unknown ones are refused.

        Raises
        ------
        ConfigError
            For anything that is not a valid config.
        """
        if not isinstance(values, Mapping):
            raise ConfigError("config", f"a training config must be a JSON object, got "
                                        f"{type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)} | {"version"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(unknown[0], f"unknown field {shown(unknown[0])} in a training "
                                          f"config (known: {', '.join(sorted(known))})")
        version = values.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise ConfigError("version", f"training config version {shown(version)} is not "
                                         f"supported (this program reads {FORMAT_VERSION})")
        fields: dict[str, Any] = {k: v for k, v in values.items() if k != "version"}
        if "data" in fields:
            fields["data"] = _data_from_json(fields["data"])
        if "hyperparameters" in fields and not isinstance(fields["hyperparameters"], Mapping):
            raise ConfigError("hyperparameters", f"hyperparameters must be an object of "
                                                 f"numbers, got {shown(fields['hyperparameters'])}")
        return cls(**fields)

    @classmethod
    def from_json(cls, text: str | bytes) -> TrainingConfig:
        """A config from :meth:`to_json`'s text.

        Raises
        ------
        ConfigError
            For text that is not JSON (or holds NaN or Infinity) and for anything that is
            not a valid config.
        """
        try:
            values = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as error:
            raise ConfigError("config", f"a training config must be JSON: {error}") from None
        return cls.from_dict(values)


def _extension(field: str, value: object, graph: str) -> tuple[dict[str, Any], ...]:
    """``ops`` (file-defined ops, registered, with those of the registry the formula calls)
    or ``breaks``, checked: see :mod:`core.autodiff.user_ops`, :mod:`core.autodiff.breaks`."""
    from core.autodiff.breaks import check_breaks
    from core.autodiff.user_ops import OpsFileError, embed
    from core.presets import PRESETS

    try:
        if field == "ops":  # a preset's ops are those its formula calls
            preset = PRESETS.get(graph.strip()) if isinstance(graph, str) else None
            return embed(value, graph if preset is None else preset.formula)
        return check_breaks(value, field)
    except OpsFileError as error:
        raise ConfigError(field, str(error)) from None


def _broken(graph: Graph, breaks: Sequence[Mapping[str, Any]]) -> Graph:
    """``graph`` with ``breaks`` applied (:func:`core.autodiff.breaks.apply_breaks`)."""
    from core.autodiff.breaks import BreakError, apply_breaks

    try:
        return apply_breaks(graph, breaks, "breaks")
    except BreakError as error:
        raise ConfigError("breaks", str(error)) from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _data_from_json(value: object) -> DataSource:
    if isinstance(value, DataSource):
        return value
    if not isinstance(value, Mapping) or not set(value) <= {"path", "sha256"}:
        raise ConfigError("data", f"data must be an object with path and sha256, got "
                                  f"{shown(value)}")
    return DataSource(value.get("path"), value.get("sha256"))


def _checked(name: str, validate: Any, value: object) -> Any:
    try:
        return validate(value)
    except HyperparameterError as error:
        raise ConfigError(name, str(error)) from None


def _check_hyperparameters(optimizer: str, values: object) -> Mapping[str, float]:
    if not isinstance(values, Mapping):
        raise ConfigError("hyperparameters", f"hyperparameters must be a mapping of names "
                                             f"to numbers, got {shown(values)}")
    cls = OPTIMIZERS[optimizer]
    declared = {h.name: h for h in cls.hyperparameters}
    for name in values:
        if name not in declared:
            raise ConfigError(str(name), f"{cls.name} has no hyperparameter {shown(name)} (it "
                                         f"has {', '.join(declared)})")
    return MappingProxyType({
        name: _checked(name, h.validate, values[name]) if name in values else h.default
        for name, h in declared.items()
    })
