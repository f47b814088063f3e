"""Built-in graphs, read from the data files in ``resources/presets/``.

A preset is a JSON file (one per preset, ``resources/presets/NAME.json``)::

    {
      "format": "backprop-explorer-preset", "version": 1,
      "order": 0,                       # place in menus
      "name": "xor",                    # what --graph and the menus call it
      "title": "2-2-1 network on XOR",  # what a menu shows
      "description": "...",             # one line for tooltips
      "formula": "sigmoid(v1*tanh(...) + ...)",  # may name its steps: "h = ...\\nw*h"
      "display_formula": "...",         # optional: how the course writes it
      "aliases": {"exp": "exp1"},       # optional: notebook names of intermediates
      "data": "xor.csv" | "builtin",    # its dataset, beside the file, or the built-in one
      "initial_weights": {"w1": 0.5},   # optional: where training starts (else N(0, 0.01))
      "loss": "bce", "delta": 1.0,      # optional: its loss (else mse; see core.autodiff.losses)
      "training": {"optimizer": "adam", "hyperparameters": {"lr": 0.05}, "epochs": 300}
    }                                   # (a file-defined optimizer: its definition too, as
                                        # "optimizer_definition" in "training"; ops the
                                        # formula calls: "ops": [...], as an --ops file)

The datasets are small CSVs made deterministically by ``resources/make_preset_data.py``.
``seed`` is the course notebook's 9-weight model on the built-in data, its steps named as
the notebook names them (val, part_1, part_2, v1, v2, part_3).  A formula text a preset
had before (:data:`FORMER_FORMULAS`: the seed's one-line text) still means that preset, in a
preset file, a session or typed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from core.autodiff.formula import FormulaError, column_names, parse_formula
from core.autodiff.graph import Graph
from core.autodiff.losses import LossError, check_delta, check_loss
from core.data.datasets import Dataset, builtin_dataset, load_dataset
from core.user_files import load_json, read_text, unreadable

#: Where the preset files live.
PRESET_FOLDER = Path(__file__).resolve().parents[1] / "resources" / "presets"
PRESET_FORMAT = "backprop-explorer-preset"
PRESET_VERSION = 1
#: A preset file larger than this is refused unread (a preset is a few hundred bytes).
MAX_PRESET_BYTES = 1 << 20
#: How deeply a preset's JSON may nest (it needs 3).
MAX_PRESET_DEPTH = 16
#: ``data`` value of presets that train on the built-in dataset.
BUILTIN_DATA = "builtin"
#: ``Dataset.source`` of a preset's own data: ``built-in:NAME``.
PRESET_SOURCE_PREFIX = "built-in:"

#: The seed model as the course writes it; ``s**2`` is the square of the first sum.
SEED_DISPLAY_FORMULA = (
    "tanh(exp((w1*x1 + w2*x2)**2 + w6) + w7) + sigmoid(sin(w3*x3)*(w4*x4 + w5*x5) + w8)*w9"
)


#: Formula texts presets had before, by preset: what sessions, preset files and fingers
#: may still carry.  Each builds the graph of the preset today operation for operation (the
#: same operands in the same order, so the same numbers to the last bit); today's texts only
#: name the steps (the seed's also keeps every node id).
FORMER_FORMULAS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "seed": ("tanh(exp((w1*x1 + w2*x2)*(w1*x1 + w2*x2) + w6) + w7) + "
             "sigmoid(sin(w3*x3)*(w4*x4 + w5*x5) + w8)*w9",),
    "xor": ("sigmoid(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c)",),
    "xor-bce": ("v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c",),
    "mlp": ("v1*tanh(a1_1*x1 + a1_2*x2 + a1_3*x3 + a1_4*x4 + a1_5*x5 + b1) + "
            "v2*tanh(a2_1*x1 + a2_2*x2 + a2_3*x3 + a2_4*x4 + a2_5*x5 + b2) + "
            "v3*tanh(a3_1*x1 + a3_2*x2 + a3_3*x3 + a3_4*x4 + a3_5*x5 + b3) + c",),
})


def _spaced(text: str) -> str:
    """``text`` with every run of white space (new lines too) as one space."""
    return " ".join(text.split())


def _current_formula(formula: str) -> str:
    """A preset's formula as it is today, for one it had before (else ``formula``)."""
    for name, texts in FORMER_FORMULAS.items():
        if _spaced(formula) in map(_spaced, texts):
            return _read_formula(PRESET_FOLDER / f"{name}.json") or formula
    return formula


def _read_formula(path: Path) -> str | None:
    try:
        raw = load_json(read_text(path, MAX_PRESET_BYTES), MAX_PRESET_DEPTH)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    formula = raw.get("formula") if isinstance(raw, dict) else None
    return formula if isinstance(formula, str) else None


class PresetError(ValueError):
    """A preset file that cannot be used (one line: the file and the problem)."""


@dataclass(frozen=True)
class Preset:
    """A named, described formula with its dataset and suggested training settings.

    Attributes
    ----------
    name, title, description
        What ``--graph`` takes, what a menu shows, one line for tooltips.
    formula
        The prediction y'.
    display_formula
        How the course writes it (empty: as ``formula``).
    aliases
        Notebook names of intermediates -> node ids.
    data
        ``"builtin"`` or a CSV file name in :data:`PRESET_FOLDER`.
    initial_weights
        Weight name -> starting value (empty: N(0, 0.01) from the seed).
    optimizer, hyperparameters, epochs
        Settings under which the preset trains well.
    loss, delta
        The loss it trains with (``mse``, ``mae``, ``huber``, ``bce``) and Huber's δ:
        choosing the preset chooses them (:meth:`build` gives the graph with the squared
        error; :func:`core.autodiff.losses.with_loss` puts the loss on top).
    """

    name: str
    formula: str
    description: str
    display_formula: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    data: str = BUILTIN_DATA
    initial_weights: Mapping[str, float] = field(default_factory=dict)
    optimizer: str = "sgd"
    hyperparameters: Mapping[str, float] = field(default_factory=dict)
    epochs: int = 20
    loss: str = "mse"
    delta: float = 1.0
    #: The folder the preset file (and its data file) is in.
    folder: Path = PRESET_FOLDER

    def build(self) -> Graph:
        """The preset's graph."""
        return parse_formula(self.formula, name=self.name)

    def dataset(self) -> Dataset:
        """The preset's own dataset (cached; the built-in one for ``data: builtin``)."""
        return _preset_dataset(self.name, self.data, self.folder)

    def start_weights(self, graph: Graph) -> np.ndarray | None:
        """The preset's initial weights in ``graph.weights`` order, or ``None`` when it
        leaves them to the seed."""
        if not self.initial_weights:
            return None
        return np.array([self.initial_weights[name] for name in graph.weights])


@functools.cache
def _preset_dataset(name: str, data: str, folder: Path) -> Dataset:
    if data == BUILTIN_DATA:
        return builtin_dataset()
    loaded = load_dataset(folder / data)
    return Dataset(loaded.X, loaded.y, f"{PRESET_SOURCE_PREFIX}{name}",
                   feature_names=loaded.feature_names, target_name=loaded.target_name)


def dense_network_formula(n_inputs: int, hidden: int, activation: str = "tanh") -> str:
    """A one-hidden-layer network written as a formula (for larger graphs)."""
    units = []
    for j in range(1, hidden + 1):
        terms = " + ".join(f"a{j}_{i}*x{i}" for i in range(1, n_inputs + 1))
        units.append(f"v{j}*{activation}({terms} + b{j})")
    return " + ".join(units) + " + c"


def _text(raw: Mapping[str, Any], key: str, path: Path, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise PresetError(f"{path.name}: {key!r} must be a non-empty text")
    return value


def _numbers(raw: object, key: str, path: Path) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in raw.items()):
        raise PresetError(f"{path.name}: {key!r} must map names to numbers")
    return {k: float(v) for k, v in raw.items()}


def _loss(raw: Mapping[str, Any], path: Path) -> str:
    try:
        return check_loss(raw.get("loss", "mse"))
    except LossError as error:
        raise PresetError(f"{path.name}: {error}") from None


def _delta(raw: Mapping[str, Any], path: Path) -> float:
    try:
        return check_delta(raw.get("delta", 1.0))
    except LossError as error:
        raise PresetError(f"{path.name}: {error}") from None


def read_preset(path: Path) -> tuple[int, Preset]:
    """One preset file -> (its menu order, the preset), checked.

    Raises
    ------
    PresetError
        If the file is not a preset of this version, its formula does not parse, its
        initial weights do not name the graph's weights, or its data file is missing.
    """
    try:
        text = read_text(path, MAX_PRESET_BYTES)
    except (OSError, UnicodeDecodeError) as error:  # also a FIFO, a device, a large file
        raise PresetError(unreadable(path.name, error, "preset file")) from error
    try:
        raw = load_json(text, MAX_PRESET_DEPTH)
    except ValueError as error:  # not JSON, or nested too deeply
        raise PresetError(f"{path.name}: cannot read the preset ({error})") from error
    if not isinstance(raw, dict) or raw.get("format") != PRESET_FORMAT:
        raise PresetError(f"{path.name}: not a {PRESET_FORMAT} file")
    if raw.get("version") != PRESET_VERSION:
        raise PresetError(f"{path.name}: version {raw.get('version')!r}, this program "
                          f"reads version {PRESET_VERSION}")
    training = raw.get("training") or {}
    if not isinstance(training, dict):
        raise PresetError(f"{path.name}: 'training' must be an object")
    epochs = training.get("epochs", 20)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise PresetError(f"{path.name}: training epochs must be a whole number >= 1")
    if training.get("optimizer_definition") is not None:  # known by name from now on
        from core.training.optimizers import HyperparameterError, resolve_optimizer

        try:
            resolve_optimizer(str(training.get("optimizer")), training["optimizer_definition"])
        except HyperparameterError as error:
            raise PresetError(f"{path.name}: {error}") from error
    if raw.get("ops") is not None:  # ops defined as formulas, which its formula calls
        from core.autodiff.user_ops import OpsFileError, check_entries, register

        try:
            register(check_entries(raw["ops"], f"{path.name}: \"ops\""))
        except OpsFileError as error:
            raise PresetError(str(error)) from error
    preset = Preset(
        name=_text(raw, "name", path),
        formula=_current_formula(_text(raw, "formula", path)),
        description=_text(raw, "description", path),
        display_formula=_text(raw, "display_formula", path, ""),
        aliases=MappingProxyType(dict(raw.get("aliases") or {})),
        title=_text(raw, "title", path, ""), data=_text(raw, "data", path, BUILTIN_DATA),
        initial_weights=MappingProxyType(_numbers(raw.get("initial_weights"),
                                                  "initial_weights", path)),
        optimizer=str(training.get("optimizer", "sgd")),
        hyperparameters=MappingProxyType(_numbers(training.get("hyperparameters"),
                                                  "hyperparameters", path)),
        epochs=epochs, loss=_loss(raw, path), delta=_delta(raw, path), folder=path.parent)
    try:
        graph = preset.build()
    except FormulaError as error:
        raise PresetError(f"{path.name}: {error}") from error
    if preset.initial_weights and set(preset.initial_weights) != set(graph.weights):
        raise PresetError(f"{path.name}: initial_weights must name exactly the weights "
                          f"{', '.join(graph.weights)}")
    if preset.data != BUILTIN_DATA and not (path.parent / preset.data).is_file():
        raise PresetError(f"{path.name}: its data file {preset.data} is missing")
    order = raw.get("order", 1_000)
    return (order if isinstance(order, int) else 1_000), preset


def load_presets(folder: Path = PRESET_FOLDER) -> Mapping[str, Preset]:
    """Every ``*.json`` preset in ``folder``, in menu order (read-only mapping)."""
    found = sorted(((*read_preset(path), path.name) for path in folder.glob("*.json")),
                   key=lambda item: (item[0], item[2]))
    return MappingProxyType({preset.name: preset for _, preset, _ in found})


PRESETS: Mapping[str, Preset] = load_presets()


def preset_of_formula(text: str, columns: Sequence[str] = (), target: str = ""
                      ) -> Preset | None:
    """The preset whose formula ``text`` is, today's or a former one (white space aside:
    the Model box may show new lines as spaces), or ``None``.  Not when a data column
    would take one of the preset's weight names (the text would mean another graph)."""
    found = _preset_graph(text, columns, target)
    return None if found is None else found[1]


def _preset_graph(text: str, columns: Sequence[str], target: str
                  ) -> tuple[Graph, Preset] | None:
    """The graph and preset of :func:`preset_of_formula` (the graph built once, to check
    its weights against the columns and to be used)."""
    spaced = _spaced(text)
    for name, preset in PRESETS.items():
        texts = (preset.formula, *FORMER_FORMULAS.get(name, ()))
        if spaced in map(_spaced, texts):
            usable = column_names(columns, target)
            graph = preset.build()
            if not any(weight in usable for weight in graph.weights):
                return graph, preset
    return None


def resolve_graph(spec: str, columns: Sequence[str] = (), target: str = ""
                  ) -> tuple[Graph, Preset | None]:
    """A preset name or a prediction formula -> graph (and the preset, if it was one).
    A formula may use the data's column names ``columns`` (its target ``target`` is
    refused), see :func:`core.autodiff.formula.parse_formula`.  A preset's formula (today's
    or a former one, :data:`FORMER_FORMULAS`) is that preset.

    Raises
    ------
    core.autodiff.formula.FormulaError
        If ``spec`` is neither a preset nor a valid formula.
    """
    key = spec.strip()
    preset = PRESETS.get(key)
    if preset is not None:
        return preset.build(), preset
    found = _preset_graph(key, columns, target)
    if found is not None:
        return found
    if key.isidentifier():
        # A lone name is no formula (it has no operation): most likely a mistyped preset.
        raise FormulaError(f"unknown graph {key!r}: the presets are {', '.join(PRESETS)}; "
                           "a formula needs at least one operation (e.g. w1*x1 + b)")
    return parse_formula(key, columns=columns, target=target), None
