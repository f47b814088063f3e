"""Optimizers as files: the format, read within a budget and checked before any use.

An optimizer is a JSON object (the built-in ones are ``resources/optimizers/*.json``)::

    {"name": "adam", "title": "Adam",
     "hyperparameters": {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-07},
     "state": ["m", "v"],
     "per_step": ["bc1 = 1 - beta1 ** t", "bc2 = 1 - beta2 ** t"],
     "update": ["m = beta1 * m + (1 - beta1) * g",
                "v = beta2 * v + (1 - beta2) * g * g",
                "w = w - lr * (m / bc1) / (sqrt(v / bc2) + eps)"]}

``per_step`` statements are computed once per update from the hyperparameters and ``t``
(the step count, from 1); ``update`` statements are applied to each weight ``w`` with its
gradient ``g``, reading and setting its ``state`` (which starts at 0) and any names of
their own.  Formulas are parsed by :mod:`core.expr` (never run): they may call the
functions of :data:`core.expr.functions.FUNCTIONS` and keep their written order of
operations.  ``title``, ``state`` and ``per_step`` may be left out; ``lr`` is required (the
learning rate the sweep varies).  A hyperparameter named as a built-in one (``lr``,
``beta1``, ...) keeps its declared range; any other name takes any finite number.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.expr.functions import FUNCTIONS
from core.expr.parse import ExpressionError, parse_statements
from core.expr.tree import Binary, Call, Expr, Statement, names_in, walk
from core.training.hyperparameters import (
    Hyperparameter,
    HyperparameterError,
    optimizer_hyperparameter,
    shown,
)
from core.user_files import JSONDepthError, load_json, read_text, unreadable

__all__ = ["MAX_BYTES", "OptimizerDefinition", "OptimizerFileError", "check_definition",
           "read_optimizer_file"]

#: Largest optimizer file read.
MAX_BYTES = 64 * 1024
#: Most hyperparameters, state vectors and statements (each) a definition may have.
MAX_ITEMS = 64
#: Longest name and title.
MAX_NAME = 40
MAX_TITLE = 60
#: An object of lists of strings is 2 deep; a little room for a clear message instead.
_MAX_DEPTH = 4

#: The keys of a definition; the first three are required.
KEYS = ("name", "hyperparameters", "update", "title", "state", "per_step")
_REQUIRED = KEYS[:3]

#: Names every rule reads and none may set or declare.
WEIGHT, GRADIENT, STEP = "w", "g", "t"
_RESERVED = {WEIGHT: "the weight", GRADIENT: "the gradient", STEP: "the step count"}

#: Optimizer names: lower case, as the registry and the command line use them.
_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: Names inside a rule: a letter first (the generated code's own names start with "_").
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class OptimizerFileError(HyperparameterError):
    """An optimizer file or definition that cannot be used; the message is one line naming
    the file (or definition) and the problem."""


@dataclass(frozen=True)
class OptimizerDefinition:
    """A checked optimizer definition.

    Attributes
    ----------
    name, title
        Registry key and display name.
    hyperparameters
        Declarations with the definition's defaults, ``lr`` first.
    state
        Per-weight state vectors, in order.
    per_step, update
        The parsed statements.
    counts_steps
        Whether any statement reads ``t``.
    document
        The definition as plain JSON values (what a session embeds).
    """

    name: str
    title: str
    hyperparameters: tuple[Hyperparameter, ...]
    state: tuple[str, ...]
    per_step: tuple[Statement, ...]
    update: tuple[Statement, ...]
    counts_steps: bool
    document: Mapping[str, Any]

    @property
    def locals(self) -> tuple[str, ...]:
        """Names the update sets for one weight that are neither ``w`` nor state."""
        seen: dict[str, None] = {}
        for statement in self.update:
            if statement.target != WEIGHT and statement.target not in self.state:
                seen.setdefault(statement.target)
        return tuple(seen)

    @property
    def has_power(self) -> bool:
        """Whether any statement raises to a power (which can leave the real numbers)."""
        return any(_has_power(s.expr) for s in (*self.per_step, *self.update))


def _has_power(expr: Expr) -> bool:
    return any((isinstance(node, Binary) and node.op == "**")
               or (isinstance(node, Call) and node.func == "pow") for node in walk(expr))


def read_optimizer_file(path: str | os.PathLike[str]) -> OptimizerDefinition:
    """Read and check the optimizer file at ``path`` (a regular file of at most
    :data:`MAX_BYTES`).

    Raises
    ------
    OptimizerFileError
        If it cannot be read, is not JSON, or is not a valid definition.
    """
    source = os.fspath(path)
    try:
        text = read_text(path, MAX_BYTES)
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, or a NUL in the path
        raise OptimizerFileError(unreadable(source, error, "optimizer file")) from None
    try:
        document = load_json(text, _MAX_DEPTH, parse_constant=_refuse_constant)
    except JSONDepthError as error:
        raise OptimizerFileError(f"{source}: {error}") from None
    except ValueError as error:
        raise OptimizerFileError(f"{source}: not valid JSON ({error})") from None
    return check_definition(document, source)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def check_definition(document: object, source: str = "optimizer definition"
                     ) -> OptimizerDefinition:
    """Check a definition (a decoded JSON object) and parse its statements.

    Parameters
    ----------
    document
        The definition.
    source
        Names it in messages (the file's path, or the session that embeds it).

    Raises
    ------
    OptimizerFileError
        For the first problem found, named in one line.
    """
    return _Checker(source).check(document)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str) -> OptimizerFileError:
        return OptimizerFileError(f"{self.source}: {problem}")

    def check(self, document: object) -> OptimizerDefinition:
        if not isinstance(document, Mapping):
            raise self.fail(f"an optimizer must be a JSON object, got "
                            f"{_kind(document)}")
        unknown = [key for key in document if key not in KEYS]
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r:.50} (the keys: {', '.join(KEYS)})")
        missing = [key for key in _REQUIRED if key not in document]
        if missing:
            raise self.fail(f"missing {missing[0]!r} (required: {', '.join(_REQUIRED)})")
        name = self.name(document["name"])
        title = self.title(document.get("title", name))
        hyperparameters = self.hyperparameters(document["hyperparameters"], name)
        values = [h.name for h in hyperparameters]
        state = self.names("state", document.get("state", []), taken=values)
        per_step_text = self.texts("per_step", document.get("per_step", []))
        per_step = self.parse("per_step", per_step_text, [*values, STEP])
        kinds = {**dict.fromkeys(values, "a hyperparameter"),
                 **dict.fromkeys(state, "a state (set by update)")}
        per_step_names = self.targets("per_step", per_step, taken=kinds, allowed=())
        update_text = self.texts("update", document.get("update"))
        if not update_text:
            raise self.fail("update has no statements (it must set w)")
        update = self.parse("update", update_text,
                            [*values, *per_step_names, *state, WEIGHT, GRADIENT, STEP])
        self.targets("update", update, allowed=(WEIGHT, *state), taken={
            **dict.fromkeys(values, "a hyperparameter"),
            **dict.fromkeys(per_step_names, "a per-step value")})
        assigned = {s.target for s in update}
        for needed in (WEIGHT, *state):
            if needed not in assigned:
                what = "w" if needed == WEIGHT else f"the state {needed!r}"
                raise self.fail(f"update never sets {what}")
        counts_steps = any(STEP in names_in(s.expr) for s in (*per_step, *update))
        document_out = {
            "name": name, "title": title,
            "hyperparameters": {h.name: h.default for h in hyperparameters},
            "state": list(state), "per_step": list(per_step_text), "update": list(update_text),
        }
        return OptimizerDefinition(name, title, hyperparameters, state, per_step, update,
                                   counts_steps, document_out)

    def name(self, value: object) -> str:
        if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > MAX_NAME:
            raise self.fail(f"name must be lower-case letters, digits and _ (a letter first, "
                            f"at most {MAX_NAME}), got {shown(value)}")
        return value

    def title(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TITLE \
                or not value.isprintable():
            raise self.fail(f"title must be one line of at most {MAX_TITLE} characters, got "
                            f"{shown(value)}")
        return value.strip()

    def identifier(self, where: str, value: object, taken: Sequence[str]) -> str:
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value) \
                or len(value) > MAX_NAME or keyword.iskeyword(value):
            raise self.fail(f"{where}: {shown(value)} is not a name (letters, digits and _, "
                            f"a letter first)")
        if value in _RESERVED:
            raise self.fail(f"{where}: {value!r} is {_RESERVED[value]}, which every rule "
                            f"reads; choose another name")
        if value in FUNCTIONS:
            raise self.fail(f"{where}: {value!r} is a function; choose another name")
        if value in taken:
            raise self.fail(f"{where}: {value!r} is already a hyperparameter, state or "
                            f"per-step name")
        return value

    def hyperparameters(self, value: object, name: str) -> tuple[Hyperparameter, ...]:
        if not isinstance(value, Mapping) or not value:
            raise self.fail(f"hyperparameters must be an object of names and default values, "
                            f"got {shown(value)}")
        if len(value) > MAX_ITEMS:
            raise self.fail(f"more than {MAX_ITEMS} hyperparameters")
        declared: list[Hyperparameter] = []
        for key, default in value.items():
            self.identifier("hyperparameters", key, [h.name for h in declared])
            try:
                declared.append(optimizer_hyperparameter(key, default, name))
            except HyperparameterError as error:
                raise self.fail(f"hyperparameters: the default {error}") from None
        if not any(h.name == "lr" for h in declared):
            raise self.fail("hyperparameters must include lr, the learning rate")
        # lr first: the window's first box and the sweep's swept value.
        return tuple(sorted(declared, key=lambda h: h.name != "lr"))

    def names(self, where: str, value: object, taken: Sequence[str]) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(f"{where} must be a list of names, got {shown(value)}")
        if len(value) > MAX_ITEMS:
            raise self.fail(f"{where} has more than {MAX_ITEMS} names")
        names: list[str] = []
        for item in value:
            names.append(self.identifier(where, item, [*taken, *names]))
        return tuple(names)

    def texts(self, where: str, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(f"{where} must be a list of statements 'name = expression', "
                            f"got {shown(value)}")
        if len(value) > MAX_ITEMS:
            raise self.fail(f"{where} has more than {MAX_ITEMS} statements")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise self.fail(f"{where} statement {number} must be text, got "
                                f"{shown(item)}")
        return tuple(value)

    def parse(self, where: str, texts: Sequence[str], variables: Sequence[str]
              ) -> tuple[Statement, ...]:
        try:
            statements = parse_statements(texts, variables=variables)
        except ExpressionError as error:
            raise self.fail(f"{where}: {error}") from None
        if len(statements) != len(texts):
            # An item holding several statements (``a = 1; b = 2``) or none (blank).
            raise self.fail(f"{where}: write one statement 'name = expression' per item")
        return statements

    def targets(self, where: str, statements: Sequence[Statement], taken: Mapping[str, str],
                allowed: Sequence[str]) -> tuple[str, ...]:
        """The names the statements define; ``allowed`` ones (w and the state) may be set,
        ``taken`` ones (hyperparameters, per-step values) may not."""
        own: list[str] = []
        for number, statement in enumerate(statements, start=1):
            target = statement.target
            # An update may set its own values again; a per-step value is set once.
            if target in allowed or (where == "update" and target in own):
                continue
            place = f"{where} statement {number}"
            if target in _RESERVED:
                raise self.fail(f"{place} sets {target}, {_RESERVED[target]}, which is "
                                f"read-only")
            if target in taken:
                raise self.fail(f"{place} sets {target!r}, {taken[target]}, which is "
                                f"read-only here")
            if target in own:
                raise self.fail(f"{place} sets {target!r} again")
            own.append(self.identifier(place, target, [*taken, *own]))
        return tuple(own)


def _kind(value: object) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false", type(None): "null"}.get(type(value), type(value).__name__)
