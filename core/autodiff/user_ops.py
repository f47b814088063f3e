"""Ops a user defines as formulas in a JSON file, checked before use.

An ops file is a JSON list of entries (``--ops FILE``, File > Add ops…)::

    [{"name": "softplus2", "args": ["a"], "forward": "log(1 + exp(a))",
      "derivatives": ["sigmoid(a)"], "domain": [-5, 5], "symbol": "sp"}]

``args`` names the operands (one or two), ``forward`` is the op's value in them, and
``derivatives`` gives one local derivative per operand, which may also read ``out`` (the
op's own value, as ``tanh' = 1 - out*out``).  Formulas call the functions of
:mod:`core.expr.functions`.  ``domain`` (default :data:`DEFAULT_DOMAIN`) is the interval the
check draws operands from: a log-based op checked at negative points would give nan.

Every entry is checked before it is used:

- its fields, each refusal one line naming the entry and the field;
- its name, which may not be a built-in op or function, a reserved name, a feature name
  (``x3``), a weight of the graph or a column of the data (:func:`check_clashes`);
- its derivatives against central finite differences of its forward value at
  :data:`CHECK_POINTS` points drawn from its domain (:func:`check_derivatives`): a wrong one
  is refused naming the op, the operand, the point and both numbers.

Checked entries are kept as plain JSON dicts (:func:`check_entries`), which sessions,
presets and lessons embed, and become rows of the op table with :func:`register`.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from core.autodiff.ops import FUNCTIONS, OPS, Op
from core.expr.functions import FUNCTIONS as EXPR_FUNCTIONS
from core.user_files import JSONDepthError, load_json, read_text, unreadable

__all__ = [
    "BUILTIN_NAMES",
    "CHECK_POINTS",
    "DEFAULT_DOMAIN",
    "MAX_OPS_BYTES",
    "OpsFileError",
    "build_op",
    "check_clashes",
    "check_derivatives",
    "check_entries",
    "check_entry",
    "embed",
    "read_entries",
    "read_ops_file",
    "register",
    "registered",
    "unregister",
    "user_ops",
]

#: An ops file larger than this is refused unread (a file of ops is a few KiB).
MAX_OPS_BYTES = 256 * 1024
#: Most entries one file may define.
MAX_ENTRIES = 64
#: Longest formula text of a field, and longest symbol.
MAX_FORMULA_CHARS = 2000
MAX_SYMBOL_CHARS = 12
#: Longest name of an op or an operand (every message about the op quotes its name).
MAX_NAME_CHARS = 40
#: Deepest nesting of operations in a formula (a sum of n terms nests n - 1 deep): the code
#: generated from a row (a derivative with ``out`` replaced by the forward formula, 180
#: levels at most) stays under Python's 200 nested brackets.
MAX_FORMULA_DEPTH = 90
#: Deepest JSON nesting an ops file may have.
MAX_DEPTH = 8
#: Where the check draws operands when an entry gives no domain (as the built-in rows).
DEFAULT_DOMAIN = (-2.0, 2.0)
#: Points the finite-difference check tries per op, drawn from its domain (seeded: the same
#: entry is always checked at the same points).
CHECK_POINTS = 8
#: The check's relative step: h = STEP * max(1, |x|).
STEP = 1e-5
#: Agreement: |analytic - numeric| <= TOLERANCE * (1 + |analytic| + |numeric|).  A central
#: difference with that step errs by about h²·f'''/6 + u·|f|/h, near 1e-10 here, so a right
#: derivative passes by four orders of magnitude and a wrong one (a lost sign, a missing
#: factor) fails by many more.
TOLERANCE = 1e-5
#: How close to a kink (``relu``, ``abs``...) a point may be before another is drawn.
KINK_MARGIN = 1e-3

ENTRY_FIELDS = ("name", "args", "forward", "derivatives", "domain", "symbol")
_REQUIRED = ("name", "args", "forward", "derivatives")
#: Names a graph formula gives its own meaning to.
_RESERVED = frozenset({"y", "y_pred", "loss", "residual", "L", "out", "p", "e", "pi"})
_FEATURE = re.compile(r"x\d+")

#: Every op and function that exists before any file adds one: a user's op may not take
#: one of these names.
BUILTIN_NAMES: frozenset[str] = frozenset(OPS) | frozenset(EXPR_FUNCTIONS)

#: The definitions of the ops registered so far, by name (the op table holds their rows).
_REGISTERED: dict[str, dict[str, Any]] = {}
#: Checked definitions (as JSON) -> their rows: registering one is not checking it again.
_CHECKED: dict[str, Op] = {}


class OpsFileError(ValueError):
    """An ops file or entry that cannot be used; the message is one line naming the file,
    the entry and the field."""


# -- reading -----------------------------------------------------------------------------


def read_entries(path: str, what: str = "--ops") -> list[Any]:
    """The decoded JSON list of a file of entries (unchecked), read with the bounded file
    reader (a FIFO, a device or a folder is refused unread).

    Raises
    ------
    OpsFileError
        ``what``, the path and what is wrong: unreadable, too large, not UTF-8, not JSON,
        not a list (a single object is taken as a list of one).
    """
    where = f"{what} {path}"
    try:
        text = read_text(path, MAX_OPS_BYTES)
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, a NUL in the path
        raise OpsFileError(f"{what} {unreadable(path, error, 'definition file')}") from None
    try:
        document = load_json(text, MAX_DEPTH, parse_constant=_refuse_constant)
    except JSONDepthError as error:
        raise OpsFileError(f"{where}: {error}") from None
    except json.JSONDecodeError as error:
        raise OpsFileError(f"{where}: not valid JSON (line {error.lineno}, column "
                           f"{error.colno}: {error.msg})") from None
    except ValueError as error:
        raise OpsFileError(f"{where}: {error}") from None
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not document:
        raise OpsFileError(f"{where}: must be a JSON list of ops, each an object with "
                           "name, args, forward and derivatives")
    if len(document) > MAX_ENTRIES:
        raise OpsFileError(f"{where}: {len(document)} entries; at most {MAX_ENTRIES}")
    return document


def read_ops_file(path: str) -> tuple[dict[str, Any], ...]:
    """The checked entries of an ops file (see the module docstring); nothing registered.

    Raises
    ------
    OpsFileError
        One line naming the file, the entry and the problem.
    """
    return check_entries(read_entries(path), f"--ops {path}")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


# -- checking ----------------------------------------------------------------------------


def check_entries(entries: Sequence[Any], where: str = "ops") -> tuple[dict[str, Any], ...]:
    """Each entry checked (:func:`check_entry`), none named twice.

    Raises
    ------
    OpsFileError
        For the first entry that cannot be used.
    """
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
        raise OpsFileError(f"{where}: must be a list of op definitions")
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        definition = check_entry(entry, f"{where}: entry {number}")
        if definition["name"] in seen:
            raise OpsFileError(f"{where}: entry {number}: \"name\": {definition['name']!r} "
                               "is defined twice")
        seen.add(definition["name"])
        checked.append(definition)
    return tuple(checked)


def check_entry(entry: Any, where: str, *, extra: Sequence[str] = ()
                ) -> dict[str, Any]:
    """One entry as a normalised JSON dict, with its derivatives checked against finite
    differences.  ``extra`` names further fields the caller reads (a break's ``nodes``).

    Raises
    ------
    OpsFileError
        ``where`` (with the entry's name once known), the field and what is wrong.
    """
    definition = check_fields(entry, where, extra=extra)
    op = build_op(definition, _named(where, definition["name"]))
    check_derivatives(op, definition, _named(where, definition["name"]))
    _CHECKED[_key(definition)] = op
    return definition


def _key(definition: Mapping[str, Any]) -> str:
    return json.dumps(definition, sort_keys=True)


def _named(where: str, name: str) -> str:
    return f"{where} ({name!r})"


def check_fields(entry: Any, where: str, *, extra: Sequence[str] = (),
                 builtin_name: bool = False) -> dict[str, Any]:
    """The entry's fields checked and normalised (no formula parsed yet).

    ``builtin_name``: the name must be an existing op (a break) instead of a new one.
    """
    if not isinstance(entry, Mapping):
        raise OpsFileError(f"{where}: must be an object with name, args, forward and "
                           "derivatives")
    if "name" not in entry:
        raise OpsFileError(f"{where}: \"name\" is missing")
    name = entry["name"]
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
            or name.startswith("_"):
        raise OpsFileError(f"{where}: \"name\" must be a name such as softplus2 (letters, "
                           f"digits, _), got {_shown(name)}")
    if len(name) > MAX_NAME_CHARS:
        raise OpsFileError(f"{where}: \"name\" must be at most {MAX_NAME_CHARS} characters, "
                           f"got {len(name):,}: {_shown(name)}")
    if unicodedata.normalize("NFKC", name) != name:
        # Python's parser reads the formula's names in this form: ｅｘｐ( would call exp.
        raise OpsFileError(f"{where}: \"name\": {name!r} reads as "
                           f"{unicodedata.normalize('NFKC', name)!r} in a formula; write it so")
    if not builtin_name:
        _check_new_name(name, where)
    where = _named(where, name)
    known = (*ENTRY_FIELDS, *extra)
    unknown = sorted(str(key) for key in entry if key not in known)
    if unknown:
        raise OpsFileError(f"{where}: unknown field {unknown[0]!r} (known: "
                           f"{', '.join(known)})")
    # A break may leave out the forward value: it is its op's own.
    missing = [key for key in _REQUIRED if key not in entry and key != "name"
               and not (builtin_name and key == "forward")]
    if missing:
        raise OpsFileError(f"{where}: \"{missing[0]}\" is missing")
    args = entry["args"]
    if not isinstance(args, list) or not 1 <= len(args) <= 2 \
            or not all(isinstance(a, str) for a in args):
        raise OpsFileError(f"{where}: \"args\" must be a list of one or two operand names, "
                           f"such as [\"a\"] or [\"a\", \"b\"], got {_shown(args)}")
    for arg in args:
        if len(arg) > MAX_NAME_CHARS:
            raise OpsFileError(f"{where}: \"args\": an operand's name must be at most "
                               f"{MAX_NAME_CHARS} characters, got {_shown(arg)}")
        if not arg.isidentifier() or keyword.iskeyword(arg) or arg.startswith("_") \
                or arg == "out" or arg in BUILTIN_NAMES or arg in _REGISTERED:
            raise OpsFileError(f"{where}: \"args\": {arg!r} cannot name an operand (a name "
                               "other than out and the functions' names)")
    if len(set(args)) != len(args):
        raise OpsFileError(f"{where}: \"args\": {args[0]!r} is named twice")
    definition: dict[str, Any] = {"name": name, "args": list(args)}
    if "forward" in entry:
        definition["forward"] = _formula(entry["forward"], where, "forward")
    derivatives = entry["derivatives"]
    if not isinstance(derivatives, list) or len(derivatives) != len(args):
        raise OpsFileError(f"{where}: \"derivatives\" must be a list of {len(args)} "
                           f"formula{'s' if len(args) > 1 else ''}, one per operand "
                           f"({', '.join(args)}), got {_shown(derivatives)}")
    definition["derivatives"] = [_formula(text, where, f"derivatives[{i}]")
                                 for i, text in enumerate(derivatives)]
    definition["domain"] = list(_domain(entry.get("domain"), where))
    # Without a symbol the graph draws the name, cut to a symbol's length.
    symbol = entry.get("symbol", name if len(name) <= MAX_SYMBOL_CHARS
                       else name[:MAX_SYMBOL_CHARS - 1] + "…")
    if not isinstance(symbol, str) or not symbol.strip() or len(symbol) > MAX_SYMBOL_CHARS \
            or not symbol.isprintable():
        raise OpsFileError(f"{where}: \"symbol\" must be short text (1 to "
                           f"{MAX_SYMBOL_CHARS} characters), got {_shown(symbol)}")
    definition["symbol"] = symbol.strip()
    return definition


def _check_new_name(name: str, where: str) -> None:
    if name in BUILTIN_NAMES:
        raise OpsFileError(f"{where}: \"name\": {name!r} is a built-in op or function; "
                           "choose another name")
    if name in _RESERVED or _FEATURE.fullmatch(name):
        what = "a data column" if _FEATURE.fullmatch(name) else "reserved"
        raise OpsFileError(f"{where}: \"name\": {name!r} is {what} in formulas; choose "
                           "another name")


def _formula(text: Any, where: str, field: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise OpsFileError(f"{where}: \"{field}\" must be a formula (text), got "
                           f"{_shown(text)}")
    if len(text) > MAX_FORMULA_CHARS:
        raise OpsFileError(f"{where}: \"{field}\" is {len(text):,} characters long; at most "
                           f"{MAX_FORMULA_CHARS:,}")
    depth = _depth(text)
    if depth > MAX_FORMULA_DEPTH:
        raise OpsFileError(f"{where}: \"{field}\" nests {depth} operations deep; at most "
                           f"{MAX_FORMULA_DEPTH}")
    return text.strip()


def _depth(text: str) -> int:
    """How deep the operations of a formula nest (0 when it cannot be read: its own parse,
    with its names, says why)."""
    from core.expr.parse import ExpressionError, parse_expression
    from core.expr.tree import children

    try:
        tree = parse_expression(text)
    except ExpressionError:
        return 0
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(node))
    return deepest - 1  # a name or a number alone is no operation


def _domain(value: Any, where: str) -> tuple[float, float]:
    if value is None:
        return DEFAULT_DOMAIN
    if not isinstance(value, list) or len(value) != 2 \
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value) \
            or not all(_finite(v) for v in value) \
            or not float(value[0]) < float(value[1]) \
            or not math.isfinite(float(value[1]) - float(value[0])):
        # The width too: points are drawn uniformly from it.
        raise OpsFileError(f"{where}: \"domain\" must be [low, high], two finite numbers "
                           f"with low < high (and high − low finite), got {_shown(value)}")
    return float(value[0]), float(value[1])


def _finite(value: float) -> bool:
    """Whether a JSON number is a finite float (an integer of 400 digits is not one)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def build_op(definition: Mapping[str, Any], where: str) -> Op:
    """The op-table row of a checked definition (its formulas parsed).

    Raises
    ------
    OpsFileError
        Naming the field whose formula cannot be read.
    """
    from core.expr.parse import ExpressionError, parse_expression

    args = tuple(definition["args"])
    # Each field parsed on its own first, so that a refusal names the field.
    fields = [("forward", definition["forward"], args)]
    fields += [(f"derivatives[{i}]", text, (*args, "out"))
               for i, text in enumerate(definition["derivatives"])]
    for field, text, names in fields:
        try:
            parse_expression(text, variables=names)
        except ExpressionError as error:
            raise OpsFileError(f"{where}: \"{field}\": {error}") from None
    try:
        return Op.from_formulas(definition["name"], args, definition["forward"],
                                tuple(definition["derivatives"]),
                                domain=tuple(definition["domain"]),
                                symbol=definition.get("symbol", definition["name"]),
                                definition=dict(definition))
    except ValueError as error:
        raise OpsFileError(f"{where}: {error}") from None


def _points(domain: Sequence[float], arity: int, name: str) -> Iterator[tuple[float, ...]]:
    """Operands drawn uniformly from ``domain``, the same ones for the same op."""
    seed = sum(ord(c) * 31**i for i, c in enumerate(name)) % 2**32
    rng = np.random.default_rng(seed)
    low, high = float(domain[0]), float(domain[1])
    while True:
        yield tuple(float(v) for v in rng.uniform(low, high, size=arity))


def check_derivatives(op: Op, definition: Mapping[str, Any], where: str) -> None:
    """Compare the op's derivative formulas with central finite differences of its forward
    value at :data:`CHECK_POINTS` points drawn from the definition's ``domain`` (points
    within :data:`KINK_MARGIN` of a kink are passed over).  Messages name the operands and
    quote the formulas as the definition writes them.

    Raises
    ------
    OpsFileError
        A value or derivative that is not finite at a point of the domain, or a derivative
        that disagrees: the op, the operand, the point and both numbers.
    """
    from core.expr.evaluate import kink_distance

    domain = definition["domain"]
    inside = f"inside its domain [{domain[0]:g}, {domain[1]:g}]"
    names = tuple(definition["args"])
    checked = tries = 0
    for point in _points(domain, len(names), op.name):
        if checked >= CHECK_POINTS or tries >= 20 * CHECK_POINTS:
            break
        tries += 1
        at = ", ".join(f"{n} = {v:.10g}" for n, v in zip(names, point, strict=True))
        try:
            distance = kink_distance(op.forward, dict(zip(op.args, point, strict=True)))
        except (ArithmeticError, ValueError):
            distance = None
        if distance is not None and distance < KINK_MARGIN:
            continue
        out = op.evaluate(point)
        if not math.isfinite(out):
            raise OpsFileError(f"{where}: \"forward\" is {out} at {at}, {inside}: give a "
                               "\"domain\" where the op is defined")
        analytic = op.local_derivatives(point, out)
        for i, name in enumerate(names):
            if not math.isfinite(analytic[i]):
                raise OpsFileError(f"{where}: \"derivatives[{i}]\" (d/d{name}) is "
                                   f"{analytic[i]} at {at}, {inside}")
            numeric = _central_difference(op, point, i)
            if not math.isfinite(numeric):
                continue  # the step left the op's domain: too near its edge to tell
            if _disagree(analytic[i], numeric) and _disagree(
                    analytic[i], _central_difference(op, point, i, STEP / 10)):
                # A steep op (exp(exp(a))) errs by h**2 * f'''/6 at STEP; a right derivative
                # agrees at a tenth of the step, a wrong one at neither.
                raise OpsFileError(
                    f"{where}: the derivative d{op.name}/d{name} is wrong at {at}: the "
                    f"formula {_quoted(definition['derivatives'][i])} gives {analytic[i]:.10g}, "
                    f"finite differences give {numeric:.10g}")
        checked += 1


def _quoted(formula: str) -> str:
    """A formula quoted in a message, cut to 60 characters (the line stays readable)."""
    return repr(formula if len(formula) <= 60 else formula[:59] + "…")


def _disagree(analytic: float, numeric: float) -> bool:
    return not abs(analytic - numeric) <= TOLERANCE * (1 + abs(analytic) + abs(numeric))


def _central_difference(op: Op, point: tuple[float, ...], i: int, step: float = STEP
                        ) -> float:
    x = point[i]
    h = step * max(1.0, abs(x))
    up, down = list(point), list(point)
    up[i], down[i] = x + h, x - h
    # The step actually taken, as floats round x + h.
    width = up[i] - down[i]
    return (op.evaluate(tuple(up)) - op.evaluate(tuple(down))) / width


def check_clashes(names: Sequence[str], *, weights: Sequence[str] = (),
                  columns: Sequence[str] = (), steps: Collection[str] = (),
                  where: str = "--ops") -> None:
    """Refuse an op named like a weight of the graph, a named step of its formula or a
    column of the data.

    Raises
    ------
    OpsFileError
        Naming the op and what it clashes with.
    """
    weight_set, column_set, step_set = set(weights), set(columns), set(steps)
    for name in names:
        if name in weight_set or name in step_set:
            what = "weight" if name in weight_set else "named step"
            raise OpsFileError(f"{where}: op {name!r} has the name of the graph's {what} "
                               f"{name}; rename one of them")
        if name in column_set:
            raise OpsFileError(f"{where}: op {name!r} has the name of the data column "
                               f"{name}; rename the op")


# -- the op table ------------------------------------------------------------------------


def register(definitions: Sequence[Mapping[str, Any]], where: str = "ops") -> tuple[Op, ...]:
    """Add checked definitions to the op table (formulas, the trace, the compiled path and
    every other reader of the table see them).  A definition of a name already registered
    replaces it (a corrected file); registering the same definition again changes nothing.

    Raises
    ------
    OpsFileError
        For a definition that is not a checked one (it is checked here again).
    """
    rows: list[Op] = []
    for number, definition in enumerate(definitions, start=1):
        name = definition.get("name") if isinstance(definition, Mapping) else None
        if isinstance(name, str) and _REGISTERED.get(name) == dict(definition):
            rows.append(OPS[name])
            continue
        # Checked before anything is replaced: a refused one leaves the table as it was.
        op = _CHECKED.get(_key(definition)) if isinstance(definition, Mapping) else None
        if op is None:
            checked = check_entry(definition, f"{where}: entry {number}")
            op = _CHECKED[_key(checked)]
        _install(op)
        _REGISTERED[op.name] = dict(op.definition or {})
        rows.append(op)
    return tuple(rows)


def unregister(names: Sequence[str]) -> None:
    """Remove registered user ops (built-in rows are never removed)."""
    for name in names:
        if _REGISTERED.pop(name, None) is not None:
            _uninstall(name)


def registered() -> tuple[dict[str, Any], ...]:
    """The definitions of the registered user ops, in the order they were registered."""
    return tuple(dict(d) for d in _REGISTERED.values())


def embed(given: Any, formula: Any) -> tuple[dict[str, Any], ...]:
    """A config's ``ops``: ``given`` checked and registered, then the registered ops the
    ``formula`` calls that ``given`` lacks (so that the config works without the file).

    Raises
    ------
    OpsFileError
        For a definition that cannot be used.
    """
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Sequence):
        raise OpsFileError(f"ops must be a list of op definitions, got {_shown(given)}")
    fresh = [d for d in given
             if not (isinstance(d, Mapping) and _REGISTERED.get(str(d.get("name"))) == dict(d))]
    checked = {d["name"]: d for d in check_entries(fresh, "ops")} if fresh else {}
    register(list(checked.values()), "ops")
    ordered = [checked.get(d["name"], dict(d)) for d in given]
    names = {d["name"] for d in ordered}
    text = formula if isinstance(formula, str) else ""
    calls = [d for n, d in _REGISTERED.items() if n not in names and _calls(text, n)]
    return (*ordered, *(dict(d) for d in calls))


def _calls(formula: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", formula) is not None


@contextmanager
def user_ops(definitions: Sequence[Mapping[str, Any]]) -> Iterator[tuple[Op, ...]]:
    """Register ``definitions`` for the duration of a ``with`` block (tests, one command)."""
    before = dict(_REGISTERED)
    rows = register(definitions)
    try:
        yield rows
    finally:
        unregister([name for name in list(_REGISTERED) if before.get(name) is None])
        for name, definition in before.items():
            if _REGISTERED.get(name) != definition:
                register([definition])


# The one place the op table grows: its row, and its name among the ops formulas may call.
def _install(op: Op) -> None:
    table: Any = OPS
    table[op.name] = op
    callable_ops: Any = FUNCTIONS
    callable_ops.add(op.name)


def _uninstall(name: str) -> None:
    table: Any = OPS
    table.pop(name, None)
    callable_ops: Any = FUNCTIONS
    callable_ops.discard(name)
