"""One step turns a graph spec and the current data into the model the window trains.

A formula's names mean different things on different data: on a CSV with a ``height``
column, ``height`` is that column; on data without one it is a weight.  So whenever the
data, the formula or the target column changes, the spec is resolved again against the
data's columns with :func:`resolve_model`, and the graph, the weights table, the Model
box's summary and the trainer are all built from that one :class:`Resolution`.

The same step says what the editor shows while typing and what Apply decides, so the two
cannot disagree: an error (the formula does not parse, or reads a column the data lacks)
refuses; a warning (a weight named like a column, see :mod:`core.autodiff.name_check`, or
a prediction that reads no column) is shown, and Apply asks about the names.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.autodiff.formula import FormulaError, column_names
from core.autodiff.name_check import NameWarning, close_columns
from core.numbers import count

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset

#: What a prediction that reads no data column is told.
NO_FEATURES = ("0 feature columns: the prediction reads no data, so it is the same for "
               "every sample")


class BeyondDataError(FormulaError):
    """A formula reads a feature column the data does not have (``x9`` on 5 columns).

    Attributes
    ----------
    name
        The name as the formula spells it (``x9``).
    position
        0-based index of its first use in the spec as given, or ``None``.
    """

    def __init__(self, message: str, name: str, spec: str) -> None:
        self.name = name
        self.position = find_name(spec, name)
        column = line = None
        if self.position is not None:
            # Where it is in the stripped formula, as the parser reports places.
            lead = len(spec) - len(spec.lstrip())
            at = self.position - lead
            source = spec.strip()
            start = source.rfind("\n", 0, at) + 1
            column = at - start + 1
            if "\n" in source:
                line = source.count("\n", 0, at) + 1
        super().__init__(message, column)
        self.line = line
        #: As the parser's errors have it: the index in the text as given.
        self.offset = self.position
        if line is not None:
            self.args = (f"formula error at line {line}, column {column}: {message}",)


@dataclass(frozen=True)
class Resolution:
    """A graph spec resolved against a dataset's columns.

    Attributes
    ----------
    spec
        The preset name or formula, as given.
    graph, preset
        The graph, and its preset if the spec names one.
    columns_used
        The data columns the formula names by their header's name, sorted.
    name_warnings
        Weights named like a column (a likely typo), in the graph's weight order.
    """

    spec: str
    graph: Graph
    preset: Preset | None
    columns_used: tuple[str, ...]
    name_warnings: tuple[NameWarning, ...]

    @property
    def reads_no_data(self) -> bool:
        """Whether the prediction reads no feature column."""
        return not self.graph.features

    def warnings(self, kept: Collection[str] = ()) -> tuple[str, ...]:
        """Every warning, one line each: the formula's own (a named step never used, a
        subexpression named twice), weights named like a column (but those in ``kept``,
        known to be weights), and a prediction that reads no data."""
        lines = [str(w) for w in self.graph.warnings]
        lines += [w.message for w in self.name_warnings if w.name not in kept]
        if self.reads_no_data:
            lines.append(NO_FEATURES)
        return tuple(lines)

    def summary(self) -> str:
        """``3 weights, 2 feature columns; data columns used by name: height, mass``."""
        graph = self.graph
        n_weights, n_inputs = len(graph.weights), graph.n_inputs
        text = f"{count(n_weights, 'weight')}, {count(n_inputs, 'feature column')}"
        if self.columns_used:
            text += f"; data columns used by name: {', '.join(self.columns_used)}"
        return text


def _uses(name: str) -> re.Pattern[str]:
    """A use of the name ``name``: not inside a longer name or a number."""
    return re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")


def find_name(text: str, name: str) -> int | None:
    """0-based index of the first use of the name ``name`` in ``text``, or ``None``."""
    match = _uses(name).search(text)
    return None if match is None else match.start()


def name_positions(text: str, name: str) -> list[int]:
    """0-based indexes of every use of the name ``name`` in ``text``."""
    return [m.start() for m in _uses(name).finditer(text)]


def rename(text: str, old: str, new: str) -> str:
    """``text`` with every use of the name ``old`` written ``new``."""
    return _uses(old).sub(new, text)


def resolve_model(spec: str, dataset: Dataset) -> Resolution:
    """Resolve a preset name or formula against ``dataset``'s columns.

    Raises
    ------
    core.autodiff.formula.FormulaError
        If the spec is not a preset or a valid formula over these columns, including
        :class:`BeyondDataError` for a feature column the data lacks.
    """
    from core.data.datasets import DataError
    from core.presets import resolve_graph

    columns = column_names(dataset.feature_names, dataset.target_name)
    graph, preset = resolve_graph(spec, dataset.feature_names, dataset.target_name)
    try:
        dataset.require_features(graph.n_inputs)
    except DataError as error:
        beyond = [node for node in graph.nodes.values()
                  if node.kind == "input" and node.column is not None
                  and node.column >= dataset.n_features]
        widest = max(beyond, key=lambda node: node.column or 0)
        spelt = _spelling(spec, widest.id)
        raise BeyondDataError(str(error), spelt, spec) from None
    used = sorted({node.id for node in graph.nodes.values()
                   if node.kind == "input" and node.id in columns})
    return Resolution(spec, graph, preset, tuple(used), name_warnings(graph, preset, dataset))


def name_warnings(graph: Graph, preset: Preset | None, dataset: Dataset
                  ) -> tuple[NameWarning, ...]:
    """The weights of ``graph`` named like one of ``dataset``'s columns (a likely typo, see
    :mod:`core.autodiff.name_check`), in the graph's weight order; none for a preset, whose
    names are its own."""
    if preset is not None:
        return ()
    columns = column_names(dataset.feature_names, dataset.target_name)
    return close_columns(graph.weights, list(columns))


def _spelling(spec: str, feature: str) -> str:
    """How ``spec`` spells the feature ``x9`` (maybe ``x09``)."""
    number = int(feature[1:])
    for match in re.finditer(r"(?<![\w.])x0*(\d+)(?!\w)", spec):
        if int(match.group(1)) == number:
            return match.group(0)
    return feature


def resolve_for_data(spec: str, dataset: Dataset) -> Graph:
    """The graph of ``spec`` on ``dataset`` (a data change asks this).

    Raises
    ------
    core.data.datasets.DataError
        If the formula does not fit this data (it reads its target or a column it lacks),
        naming the data and the problem.
    """
    from core.data.datasets import DataError

    try:
        return resolve_model(spec, dataset).graph
    except BeyondDataError as error:
        raise DataError(error.reason) from None
    except FormulaError as error:
        raise DataError(f"{dataset.display_name}: the formula does not fit this data: "
                        f"{error.reason}") from None


_IDENTIFIER = re.compile(r"(?<![\w.])[^\W\d]\w*")
_GENERIC = re.compile(r"x\d+")


def fits(graph: Graph, dataset: Dataset) -> bool:
    """Whether ``graph`` is what its spec resolves to on ``dataset``, without parsing it
    again.

    A formula depends on the data only through the names it spells that are, or stop
    being, column names (and the target's, which it may not use): it fits when each name
    it spells is a weight, a function or a named step, and no column, on ``dataset``, or a
    feature of ``graph`` at the column it has on ``dataset``; none is the target; and the
    data has the columns it reads.  A preset's graph ignores column names.  A name whose
    part cannot be told (a column's name merged with its ``x<k>``) does not fit: the caller
    resolves again, which is always right.
    """
    from core.autodiff.ops import FUNCTIONS
    from core.presets import PRESETS

    if graph.n_inputs > dataset.n_features:
        return False
    if graph.name in PRESETS:
        return True
    columns = column_names(dataset.feature_names, dataset.target_name)
    nodes = graph.nodes.values()
    features = {node.id: node.column for node in nodes if node.kind == "input"}
    steps = {node.name for node in nodes if not node.is_leaf}
    weights = set(graph.weights)
    for name in set(_IDENTIFIER.findall(graph.formula)):
        if _GENERIC.fullmatch(name):
            continue
        if name == dataset.target_name:
            return False
        if name in features:
            if columns.get(name) != features[name]:
                return False
        elif name in weights or name in FUNCTIONS or name in steps:
            if name in columns:
                return False
        else:
            return False
    return True


def same_model(a: Graph, b: Graph, *, named: bool = True) -> bool:
    """Whether two graphs are the same model: the same formula and nodes (ids, kinds, ops,
    inputs, columns, names) and the same broken derivatives, and with ``named`` the same
    name (a preset's)."""
    return a is b or ((a.name == b.name or not named) and a.formula == b.formula
                      and list(a.nodes.values()) == list(b.nodes.values())
                      and dict(a.breaks) == dict(b.breaks))
