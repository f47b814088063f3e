"""Optimizers: how a gradient becomes a weight update, each written once as formulas.

Every optimizer is a definition in the format of :mod:`core.training.optimizer_files`: its
hyperparameters, the per-weight state it keeps, statements computed once per update
(``per_step``) and statements for one weight (``update``).  The built-in ones are the files
``resources/optimizers/<name>.json``; a user's file defines more the same way
(:func:`load_optimizer_file`).  From the parsed statements each optimizer generates
straight-line Python for a fixed number of weights (``Optimizer.source``, through
:mod:`core.expr.codegen`), which updates a list of floats in place without per-step numpy
calls; every operation keeps the order the formula wrote.  The built-in ones are ``sgd``,
``momentum`` (the course notebook's rule: the velocity carries the learning rate),
``nesterov`` (look-ahead form), ``adagrad``, ``rmsprop``, ``adam`` (bias-corrected) and
``adamw`` (decoupled weight decay); each class's ``formula`` writes its rule for people.

Two more ship as example files: ``lion.json`` (Lion: the sign of an interpolated momentum)
and ``signsgd.json`` (signSGD: w ← w − η·sign(g)).

An update that would make a weight or the optimizer's state non-finite (or not a real
number: a negative number to a fractional power) is refused as a whole: nothing changes,
and the trainer reports the divergence.
"""

from __future__ import annotations

import functools
import json
import math
import os
from abc import ABC
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from core.expr.codegen import define, namespace_of, number_source, python_source
from core.expr.functions import SCALAR_ERRORS
from core.expr.text import words
from core.expr.tree import Statement, calls_in
from core.training.hyperparameters import Hyperparameter, HyperparameterError
from core.training.optimizer_files import (
    GRADIENT,
    STEP,
    WEIGHT,
    OptimizerDefinition,
    OptimizerFileError,
    check_definition,
    read_optimizer_file,
)

__all__ = [
    "BUILT_IN",
    "OPTIMIZERS",
    "Hyperparameter",
    "HyperparameterError",
    "NonFiniteUpdateError",
    "Optimizer",
    "OptimizerFileError",
    "all_hyperparameters",
    "embedded_definition",
    "forget_optimizer",
    "load_optimizer_file",
    "make_optimizer",
    "optimizer_class",
    "optimizer_from_definition",
    "register_definitions",
    "register_optimizer",
    "resolve_optimizer",
]

#: The folder of the built-in optimizers' files (and the examples).
FOLDER = Path(__file__).resolve().parents[2] / "resources" / "optimizers"

#: The built-in optimizers, in display order (each is ``FOLDER / f"{name}.json"``).
BUILT_IN = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


class NonFiniteUpdateError(ArithmeticError):
    """:meth:`Optimizer.update` refused an update that would make a value non-finite."""


#: Above this many terms the finiteness check is summed in pieces (the compiler recurses
#: into long ``a + b + ...`` chains).
_SUM_CHUNK = 64


def _all_finite(values: Iterable[float]) -> bool:
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


@functools.lru_cache(maxsize=64)
def _update_source(cls: type[Optimizer], n: int, values: tuple[tuple[str, float], ...]
                   ) -> str:
    """The update function of ``cls`` for ``n`` weights and these hyperparameter values
    (cached: copies and forks of an optimizer share it)."""
    hyper = {name: number_source(value) for name, value in values}
    # Generated names: a once-per-step value ``bc1`` is ``bc1_``, a weight's value ``m`` is
    # ``m_3``; the code's own names start with "_" (a file's names start with a letter).
    once = {s.target: f"{s.target}_" for s in cls.per_step}
    per_weight = (WEIGHT, GRADIENT, *cls.slots, *cls.locals)

    def names(stem: str) -> list[str]:
        return [f"{stem}_{i}" for i in range(n)]

    functions = sorted(set().union(*(calls_in(s.expr) for s in (*cls.per_step,
                                                                 *cls.update_rule))))
    # Defaults bind the functions as fast locals.
    bound = "".join(f"{f}={f}, " for f in functions)
    lines = [f"def update(w, g, {bound}_rejected=_rejected, _refusal=_refusal):"]
    if n == 0:
        lines.append("    return True")
        return "\n".join(lines) + "\n"
    lines.append(f"    {', '.join(names('w'))}, = w")
    lines.append(f"    {', '.join(names('g'))}, = g")
    for slot in cls.slots:
        lines.append(f"    {', '.join(names(slot))}, = _state_{slot}")
    if cls.counts_steps:
        lines.append(f"    {STEP} = _t[0] + 1")
    lines.append("    try:")
    for s in cls.per_step:
        lines.append(f"        {once[s.target]} = {python_source(s.expr, {**hyper, **once})}")
    for i in range(n):
        mapping = {**hyper, **once, **{k: f"{k}_{i}" for k in per_weight}}
        lines.extend(f"        {s.target}_{i} = {python_source(s.expr, mapping)}"
                     for s in cls.update_rule)
    lines.append("    except _ERRORS as _e:")
    lines.append("        _rejected.clear()")
    # Where: the line of the statement that raised (see Optimizer.refused_statement).
    lines.append("        _refusal[:] = (_e.__class__, _e.__traceback__.tb_lineno)")
    lines.append("        return False")
    # One sum is finite exactly when every term is (or it overflowed: then look closer).
    new_values = names("w") + [name for slot in cls.slots for name in names(slot)]
    for k in range(0, len(new_values), _SUM_CHUNK):
        terms = " + ".join(new_values[k:k + _SUM_CHUNK])
        lines.append(f"    _s {'=' if k == 0 else '+='} {terms}")
    everything = ", ".join(new_values)
    # A power of a negative number may be complex: its sum is complex too.
    odd = " or _s.__class__ is complex" if cls.has_power else ""
    lines.append(f"    if (_s - _s != 0.0{odd}) and not _all_finite(({everything},)):")
    lines.append(f"        _rejected[:] = ({everything},)")
    lines.append("        _refusal.clear()")
    lines.append("        return False")
    lines.append(f"    w[:] = ({', '.join(names('w'))},)")
    for slot in cls.slots:
        lines.append(f"    _state_{slot}[:] = ({', '.join(names(slot))},)")
    if cls.counts_steps:
        lines.append(f"    _t[0] = {STEP}")
    lines.append("    return True")
    return "\n".join(lines) + "\n"


class Optimizer(ABC):
    """Updates a list of weights from their gradients, keeping per-weight state.

    Parameters
    ----------
    n_weights
        How many weights it updates (fixed: the state has that size).
    **values
        Hyperparameter values by name; the others take their defaults.

    Raises
    ------
    HyperparameterError
        For an unknown hyperparameter name or a value out of range.

    Attributes
    ----------
    name, title
        Registry key (``adam``) and display name (``Adam``).
    hyperparameters
        The hyperparameters it takes, in display order (``lr`` first).
    formula
        The update rule for people, one line (rendered from the statements).
    slots
        The per-weight state vectors (``velocity``; ``m``, ``v``).
    counts_steps
        Whether the rule reads the update count ``t`` (then :meth:`state` has ``t``).
    per_step, update_rule
        The statements computed once per update (after ``t`` is incremented) and for
        each weight (reading ``w``, ``g``, the state and the per-step values).
    definition
        The definition as JSON values (what a session embeds for a file-defined one).
    built_in
        Whether it is one of :data:`BUILT_IN`.
    source
        The generated update function, readable.

    Notes
    -----
    Subclasses are made from definitions (:func:`optimizer_from_definition`), never
    written by hand.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    hyperparameters: ClassVar[tuple[Hyperparameter, ...]]
    formula: ClassVar[str]
    slots: ClassVar[tuple[str, ...]] = ()
    counts_steps: ClassVar[bool] = False
    per_step: ClassVar[tuple[Statement, ...]] = ()
    update_rule: ClassVar[tuple[Statement, ...]]
    locals: ClassVar[tuple[str, ...]] = ()
    has_power: ClassVar[bool] = False
    definition: ClassVar[Mapping[str, Any]]
    built_in: ClassVar[bool] = False

    def __init__(self, n_weights: int, **values: float) -> None:
        if not hasattr(type(self), "update_rule"):
            raise TypeError("Optimizer is abstract: use make_optimizer() or "
                            "optimizer_from_definition()")
        if isinstance(n_weights, bool) or not isinstance(n_weights, int) or n_weights < 0:
            raise HyperparameterError(f"n_weights must be a whole number >= 0, got "
                                      f"{n_weights!r}")
        known = {h.name: h for h in self.hyperparameters}
        for key in values:
            if key not in known:
                raise HyperparameterError(
                    f"{self.name} has no hyperparameter {key!r} (it has "
                    f"{', '.join(known) or 'none'})")
        self.n_weights = n_weights
        self._values: Mapping[str, float] = MappingProxyType({
            h.name: h.validate(values[h.name]) if h.name in values else h.default
            for h in self.hyperparameters
        })
        self._state: dict[str, list[float]] = {slot: [0.0] * n_weights for slot in self.slots}
        self._count = [0]
        self._rejected: list[float] = []
        self._refusal: list[Any] = []
        self.source = _update_source(type(self), n_weights, tuple(self._values.items()))
        namespace: dict[str, Any] = {
            **namespace_of("scalar"), "_all_finite": _all_finite, "_t": self._count,
            "_rejected": self._rejected, "_refusal": self._refusal, "_ERRORS": SCALAR_ERRORS,
            **{f"_state_{slot}": state for slot, state in self._state.items()},
        }
        define(self.source, f"<optimizer {self.name}>", namespace)
        self._apply: Callable[[list[float], Sequence[float]], bool] = namespace["update"]

    # -- public API ----------------------------------------------------------------------

    @property
    def values(self) -> Mapping[str, float]:
        """The hyperparameter values in use, by name (read-only)."""
        return self._values

    @classmethod
    def defaults(cls) -> dict[str, float]:
        """Default value of every hyperparameter of this optimizer."""
        return {h.name: h.default for h in cls.hyperparameters}

    @classmethod
    def hyperparameter(cls, name: str) -> Hyperparameter:
        """The hyperparameter called ``name``.

        Raises
        ------
        HyperparameterError
            If this optimizer has no such hyperparameter.
        """
        for h in cls.hyperparameters:
            if h.name == name:
                return h
        raise HyperparameterError(f"{cls.name} has no hyperparameter {name!r}")

    def with_values(self, **values: float) -> Optimizer:
        """A fresh optimizer of the same kind with some hyperparameters changed."""
        return type(self)(self.n_weights, **{**self._values, **values})

    def copy(self) -> Optimizer:
        """An independent optimizer with the same hyperparameters, state and step count:
        what this one would do next, computed without changing it."""
        twin = type(self)(self.n_weights, **self._values)
        for slot, values in self._state.items():
            # Slice assignment: the generated update function holds these very lists.
            twin._state[slot][:] = values
        twin._count[0] = self._count[0]
        return twin

    def try_update(self, w: list[float], g: Sequence[float]) -> bool:
        """Update ``w`` in place from gradients ``g``, unless the result is non-finite.

        This is the trainer's fast path: no argument checks.  If any new weight or state
        value would be nan or infinite, nothing changes (weights, state and step count) and
        the refused values are kept for :meth:`rejected_update`.

        Returns
        -------
        bool
            Whether the update was applied.
        """
        return self._apply(w, g)

    def update(self, w: list[float], g: Sequence[float]) -> None:
        """Update the weights ``w`` (a list of floats) in place from gradients ``g``.

        Raises
        ------
        ValueError
            If ``w`` or ``g`` does not have ``n_weights`` entries.
        NonFiniteUpdateError
            If the update would make a weight or the state non-finite; nothing changed.
        """
        if len(w) != self.n_weights or len(g) != self.n_weights:
            raise ValueError(f"{self.name} updates {self.n_weights} weights, got {len(w)} "
                             f"weights and {len(g)} gradients")
        if not self._apply(w, g):
            raise NonFiniteUpdateError(f"the {self.title} update would make a value "
                                       f"non-finite; nothing was changed")

    def rejected_update(self) -> dict[str, np.ndarray] | None:
        """The values of the last refused update: ``weights`` and each state vector."""
        if not self._rejected:
            return None
        n = self.n_weights
        parts = ("weights", *self.slots)
        # A value that is not a real number (a complex power) shows as nan.
        real = [v if isinstance(v, float | int) else math.nan for v in self._rejected]
        return {key: np.array(real[i * n:(i + 1) * n], dtype=float)
                for i, key in enumerate(parts)}

    def refused_statement(self) -> tuple[str, int | None, type[Exception]] | None:
        """Where the last refused update could not compute a value: the statement's
        target, the weight's index (``None`` for a once-per-step statement) and the error
        the arithmetic raised (:class:`ZeroDivisionError`, :class:`OverflowError`, or
        :class:`ValueError` for a domain error); ``None`` when that update computed every
        value (some non-finite: see :meth:`rejected_update`) or none was refused."""
        if not self._refusal:
            return None
        error, line = self._refusal
        # The generated line is "<target>_<index> = ..." ("<target>_ = ..." once per step).
        assignment = self.source.splitlines()[line - 1].strip().partition(" = ")[0]
        target, _, index = assignment.rpartition("_")
        return target, int(index) if index.isdigit() else None, error

    @property
    def step_count(self) -> int:
        """Updates applied since construction or :meth:`reset`."""
        return self._count[0]

    def state(self) -> dict[str, np.ndarray]:
        """A copy of the state: each state vector by name, and ``t`` (as ``array([t])``) for
        optimizers that count steps."""
        result = {slot: np.array(values, dtype=float) for slot, values in self._state.items()}
        if self.counts_steps:
            result["t"] = np.array([self._count[0]])
        return result

    def load_state(self, state: Mapping[str, Sequence[float] | np.ndarray]) -> None:
        """Set the state from what :meth:`state` returned, exactly (bit for bit).

        Parameters
        ----------
        state
            Each state vector by name (``n_weights`` finite floats), and ``t`` (a whole
            number >= 0, alone or as a one-element array) for optimizers that count steps.

        Raises
        ------
        HyperparameterError
            For missing or unknown keys, vectors of the wrong length, non-finite values or a
            bad step count; the state is unchanged then.
        """
        expected = set(self.slots) | ({"t"} if self.counts_steps else set())
        if set(state) != expected:
            raise HyperparameterError(
                f"the {self.title} state has {', '.join(sorted(expected)) or 'no entries'}, "
                f"got {', '.join(sorted(state)) or 'none'}")
        vectors: dict[str, list[float]] = {}
        for slot in self.slots:
            values = np.asarray(state[slot], dtype=float).ravel().tolist()
            if len(values) != self.n_weights:
                raise HyperparameterError(f"the {self.title} state {slot!r} needs "
                                          f"{self.n_weights} values, got {len(values)}")
            if not _all_finite(values):
                raise HyperparameterError(f"the {self.title} state {slot!r} must be finite")
            vectors[slot] = values
        count = 0
        if self.counts_steps:
            raw = state["t"]
            items = np.asarray(raw).ravel()
            value = items[0].item() if items.size == 1 else raw
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise HyperparameterError(f"the {self.title} step count t must be a whole "
                                          f"number >= 0, got {raw!r}")
            count = value
        # In place: the generated update function holds these very lists.
        for slot, values in vectors.items():
            self._state[slot][:] = values
        self._count[0] = count
        self._rejected.clear()
        self._refusal.clear()

    def reset(self) -> None:
        """Zero the state and the step count (the hyperparameters stay)."""
        for values in self._state.values():
            values[:] = [0.0] * self.n_weights
        self._count[0] = 0
        self._rejected.clear()
        self._refusal.clear()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self._values.items())
        return f"{type(self).__name__}(n_weights={self.n_weights}, {args})"


# -- optimizers from definitions ---------------------------------------------------------


def _formula(definition: OptimizerDefinition) -> str:
    """The rule for people: each statement in words, hyperparameters by their symbols."""
    symbols = {h.name: h.symbol for h in definition.hyperparameters if h.symbol}
    once = [f"{s.target} = {words(s.expr, symbols)}" for s in definition.per_step]
    each = [f"{s.target} ← {words(s.expr, symbols)}" for s in definition.update]
    return ";  ".join((*once, *each))


def _canonical(document: object) -> str:
    """A definition as one JSON text (sorted keys): equal definitions, equal texts."""
    return json.dumps(document, sort_keys=True, allow_nan=False, default=_plain)


def _plain(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


@functools.lru_cache(maxsize=64)
def _class_from_text(text: str, source: str) -> type[Optimizer]:
    """The class of a definition given as canonical JSON text (checked once per text)."""
    definition = check_definition(json.loads(text), source)
    return _class_of(_canonical(definition.document))


@functools.lru_cache(maxsize=64)
def _class_of(normalized: str) -> type[Optimizer]:
    """The class of a checked definition's document: one class per definition."""
    document = json.loads(normalized)
    built_in = _BUILT_IN_CLASSES.get(document["name"])
    if built_in is not None and _canonical(built_in.definition) == normalized:
        return built_in
    return _make_class(check_definition(document), False)


def _make_class(definition: OptimizerDefinition, built_in: bool) -> type[Optimizer]:
    attributes: dict[str, Any] = {
        "__doc__": f"{definition.title}: {_formula(definition)}",
        "name": definition.name,
        "title": definition.title,
        "hyperparameters": definition.hyperparameters,
        "formula": _formula(definition),
        "slots": definition.state,
        "counts_steps": definition.counts_steps,
        "per_step": definition.per_step,
        "update_rule": definition.update,
        "locals": definition.locals,
        "has_power": definition.has_power,
        "definition": MappingProxyType(dict(definition.document)),
        "built_in": built_in,
    }
    class_name = "".join(part.capitalize() for part in definition.name.split("_"))
    return type(class_name or "FileOptimizer", (Optimizer,), attributes)


def optimizer_from_definition(document: object, source: str = "optimizer definition"
                              ) -> type[Optimizer]:
    """The optimizer class a definition describes (checked; not registered).

    Equal definitions give the same class.

    Raises
    ------
    OptimizerFileError
        For a definition that is not valid (the message starts with ``source``).
    """
    try:
        text = _canonical(document)
    except (TypeError, ValueError):
        raise OptimizerFileError(f"{source}: the definition must be JSON values") from None
    return _class_from_text(text, source)


def _load_built_in(name: str) -> type[Optimizer]:
    definition = read_optimizer_file(FOLDER / f"{name}.json")
    if definition.name != name:
        raise OptimizerFileError(f"{name}.json defines {definition.name!r}")
    return _make_class(definition, True)


_BUILT_IN_CLASSES: Mapping[str, type[Optimizer]] = MappingProxyType(
    {name: _load_built_in(name) for name in BUILT_IN})
_REGISTRY: dict[str, type[Optimizer]] = dict(_BUILT_IN_CLASSES)

#: Every optimizer by name: the built-in ones in display order, then those registered from
#: files (read-only; see :func:`register_optimizer`).
OPTIMIZERS: Mapping[str, type[Optimizer]] = MappingProxyType(_REGISTRY)


def register_optimizer(cls: type[Optimizer]) -> type[Optimizer]:
    """Make a file-defined optimizer known by its name everywhere (command line, window,
    comparisons, sweeps), replacing an earlier one of the same name.

    Raises
    ------
    OptimizerFileError
        If its name is a built-in optimizer's.
    """
    if cls.name in _BUILT_IN_CLASSES and cls is not _BUILT_IN_CLASSES[cls.name]:
        raise OptimizerFileError(f"{cls.name!r} is a built-in optimizer; give the file's "
                                 f"optimizer another name")
    _REGISTRY[cls.name] = cls
    return cls


def forget_optimizer(name: str) -> None:
    """Remove a file-defined optimizer from :data:`OPTIMIZERS` (built-in ones stay)."""
    if name not in _BUILT_IN_CLASSES:
        _REGISTRY.pop(name, None)


def load_optimizer_file(path: str | os.PathLike[str]) -> type[Optimizer]:
    """Read, check and register the optimizer defined in the file at ``path``.

    Raises
    ------
    OptimizerFileError
        For a file that cannot be read or used; the one-line message names the file and
        the problem.
    """
    cls = optimizer_from_definition(read_optimizer_file(path).document, os.fspath(path))
    return register_optimizer(cls)


def register_definitions(documents: object, source: str) -> tuple[str, ...]:
    """Check and register a list of optimizer definitions (a lesson's ``optimizers``);
    their names, in order.

    Raises
    ------
    OptimizerFileError
        For something that is not a list of valid definitions, or a built-in name.
    """
    if not isinstance(documents, list):
        raise OptimizerFileError(f"{source} must be a list of optimizer definitions")
    classes = [optimizer_from_definition(d, f"{source} {i}")
               for i, d in enumerate(documents, start=1)]
    for i, cls in enumerate(classes, start=1):  # before any is registered
        if cls.name in _BUILT_IN_CLASSES:
            raise OptimizerFileError(f"{source} {i}: {cls.name!r} is a built-in optimizer; "
                                     "give this optimizer another name")
    return tuple(register_optimizer(cls).name for cls in classes)


def resolve_optimizer(name: str, definition: Mapping[str, Any] | None = None
                      ) -> type[Optimizer]:
    """The optimizer called ``name``: from ``definition`` when given (registered, so the
    rest of the program knows it too), else from :data:`OPTIMIZERS`.

    Raises
    ------
    HyperparameterError
        For an unknown name, or a definition of another name or not valid
        (:class:`OptimizerFileError`).
    """
    if definition is None:
        return optimizer_class(name)
    cls = optimizer_from_definition(definition, f"the definition of optimizer {name!r}")
    if cls.name != name.strip().lower():
        raise OptimizerFileError(f"the definition of optimizer {name!r} is named "
                                 f"{cls.name!r}")
    if not cls.built_in:
        register_optimizer(cls)
    return cls


def embedded_definition(name: str) -> dict[str, Any]:
    """``{"optimizer_definition": ...}`` for a registered file-defined optimizer (what a
    session embeds so it opens without the file); ``{}`` for a built-in or unknown one."""
    cls = OPTIMIZERS.get(name)
    if cls is None or cls.built_in:
        return {}
    return {"optimizer_definition": json.loads(json.dumps(dict(cls.definition)))}


def all_hyperparameters() -> dict[str, Hyperparameter]:
    """Every known optimizer's hyperparameters by name, first appearance first (the
    declaration of the first optimizer that has it)."""
    found: dict[str, Hyperparameter] = {}
    for cls in OPTIMIZERS.values():
        for h in cls.hyperparameters:
            found.setdefault(h.name, h)
    return found


def optimizer_class(name: str) -> type[Optimizer]:
    """The optimizer class registered as ``name`` (case and surrounding spaces ignored).

    Raises
    ------
    HyperparameterError
        For an unknown name; the message lists the known ones.
    """
    cls = OPTIMIZERS.get(name.strip().lower()) if isinstance(name, str) else None
    if cls is None:
        raise HyperparameterError(f"unknown optimizer {name!r}; known: "
                                  f"{', '.join(OPTIMIZERS)}")
    return cls


def make_optimizer(name: str, n_weights: int, **values: float) -> Optimizer:
    """A new optimizer by registry name.

    Parameters
    ----------
    name
        One of :data:`OPTIMIZERS` (``sgd``, ``momentum``, ``nesterov``, ``adagrad``,
        ``rmsprop``, ``adam``, ``adamw``, and any registered from files).
    n_weights
        How many weights it will update.
    **values
        Hyperparameter values; the rest take their defaults.

    Raises
    ------
    HyperparameterError
        For an unknown optimizer, an unknown hyperparameter or a value out of range.
    """
    return optimizer_class(name)(n_weights, **values)
