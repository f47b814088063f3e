"""Derivatives broken on purpose: a lab where the student finds the wrong rule.

A break is an ops entry (:mod:`core.autodiff.user_ops`) whose ``name`` is an op the graph
uses, plus the nodes it breaks (``--break FILE``, a lesson's ``"break"``, a session's
``breaks``)::

    [{"name": "sigmoid", "args": ["a"], "derivatives": ["out*(1 + out)"],
      "nodes": ["σ"]}]

Its ``derivatives`` replace that op's local derivatives on those nodes only (named as the
graph names them: :meth:`core.autodiff.graph.Graph.find`), or on every node of that op when
``nodes`` is left out.  ``forward``, if given, must be the op's own: a break changes the
backward pass only, so the finite differences of the forward pass (the gradient check)
expose it.  The graph carries the broken rows (:meth:`Graph.with_breaks`), and whatever
reads a node's row through :meth:`Graph.op_of` (the trace, the compiled path, the stepper,
the gradient check's analytic side, training) uses the broken rule; :func:`reveal` says
what was replaced, and :func:`restore` gives the graph back unbroken.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.autodiff.graph import Graph
from core.autodiff.user_ops import OpsFileError, _quoted, check_fields, read_entries

if TYPE_CHECKING:
    from core.autodiff.ops import Op

__all__ = ["BreakError", "Revealed", "apply_breaks", "check_breaks", "configured",
           "read_break_file", "restore", "reveal"]

#: Most nodes one break may name.
MAX_NODES = 256


class BreakError(OpsFileError):
    """A break that cannot be applied; the message is one line."""


def read_break_file(path: str) -> tuple[dict[str, Any], ...]:
    """The checked entries of a break file (see the module docstring).

    Raises
    ------
    BreakError
        One line naming the file, the entry and the problem.
    """
    try:
        entries = read_entries(path, "--break")
    except OpsFileError as error:
        raise BreakError(str(error)) from None
    return check_breaks(entries, f"--break {path}")


def check_breaks(entries: Any, where: str = "breaks") -> tuple[dict[str, Any], ...]:
    """Each break entry checked and normalised: its op exists, its fields are an ops
    entry's, its formulas read, ``nodes`` a list of names.  Which nodes the names are is
    checked against a graph by :func:`apply_breaks`.

    Raises
    ------
    BreakError
        The entry, the field and what is wrong.
    """
    if isinstance(entries, Mapping):
        entries = [entries]
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
        raise BreakError(f"{where}: must be a list of breaks (ops entries with \"nodes\")")
    return tuple(_check_break(entry, f"{where}: entry {number}")
                 for number, entry in enumerate(entries, start=1))


def _check_break(entry: Any, where: str) -> dict[str, Any]:
    from core.autodiff.ops import OPS

    try:
        definition = check_fields(entry, where, extra=("nodes",), builtin_name=True)
    except OpsFileError as error:
        raise BreakError(str(error)) from None
    name = definition["name"]
    where = f"{where} ({name!r})"
    op = OPS.get(name)
    if op is None:
        raise BreakError(f"{where}: \"name\": there is no op {name!r} to break (ops: "
                         f"{', '.join(sorted(OPS))})")
    if len(definition["args"]) != len(op.args):
        raise BreakError(f"{where}: \"args\": {name} takes {len(op.args)} operand"
                         f"{'s' if len(op.args) != 1 else ''} ({', '.join(op.args)})")
    nodes = entry.get("nodes") if isinstance(entry, Mapping) else None
    if nodes is not None:
        if not isinstance(nodes, list) or not nodes or len(nodes) > MAX_NODES \
                or not all(isinstance(n, str) and n.strip() for n in nodes):
            raise BreakError(f"{where}: \"nodes\" must be a list of node names (at most "
                             f"{MAX_NODES}), or left out for every {name} node")
        definition["nodes"] = [n.strip() for n in nodes]
    # The rows are built (formulas parsed) now, so that a bad formula is refused here.
    _broken_row(definition, op, where)
    return definition


def _broken_row(definition: Mapping[str, Any], op: Op, where: str) -> Op:
    """``op`` with the break's derivatives (written in the break's operand names)."""
    from core.expr.codegen import python_source
    from core.expr.parse import ExpressionError, parse_expression
    from core.expr.tree import Var, substitute

    own = {given: Var(name) for given, name in zip(definition["args"], op.args, strict=True)}
    names = (*definition["args"], "out", *(("p",) if op.has_param else ()))
    derivatives = []
    for i, text in enumerate(definition["derivatives"]):
        try:
            tree = parse_expression(text, variables=names)
        except ExpressionError as error:
            raise BreakError(f"{where}: \"derivatives[{i}]\": {error}") from None
        derivatives.append(substitute(tree, own))
    if "forward" in definition:
        try:
            known = (*definition["args"], *(("p",) if op.has_param else ()))
            forward = substitute(parse_expression(definition["forward"], variables=known),
                                 own)
        except ExpressionError as error:
            raise BreakError(f"{where}: \"forward\": {error}") from None
        if forward != op.forward:
            # A file op's forward as its file writes it; a built-in's as a formula would.
            written = (op.definition["forward"] if op.definition is not None else
                       python_source(op.forward, readable=True))
            raise BreakError(f"{where}: \"forward\" must be {op.name}'s own, "
                             f"{_quoted(written)}, or left out: a break replaces derivatives "
                             "only")
    return op.with_derivatives(tuple(derivatives))


def apply_breaks(graph: Graph, breaks: Sequence[Mapping[str, Any]],
                 where: str = "breaks") -> Graph:
    """``graph`` carrying the broken rows of ``breaks`` (checked ones), on the nodes each
    names or on every node of its op.  No breaks: ``graph`` itself.

    Raises
    ------
    BreakError
        A node the graph lacks, a node of another op, or an op the graph does not use.
    """
    if not breaks:
        return graph
    key = json.dumps([dict(d) for d in breaks], sort_keys=True)
    known = _APPLIED.setdefault(graph, {})
    if key not in known:  # one broken graph per graph and breaks: its code compiles once
        broken = known[key] = _apply(graph, breaks, where)
        _UNBROKEN[broken] = weakref.ref(graph)
    return known[key]


#: Graph -> breaks (as JSON) -> the broken graph.
_APPLIED: weakref.WeakKeyDictionary[Graph, dict[str, Graph]] = weakref.WeakKeyDictionary()
#: Broken graph -> the graph it was made from (weakly both ways: the graph holds its broken
#: ones through _APPLIED, and a strong reference back would keep both alive for ever).
_UNBROKEN: weakref.WeakKeyDictionary[Graph, weakref.ref[Graph]] = weakref.WeakKeyDictionary()


def _apply(graph: Graph, breaks: Sequence[Mapping[str, Any]], where: str) -> Graph:
    from core.autodiff.ops import OPS

    rows: dict[str, Op] = {}
    entry_of: dict[str, int] = {}  # node -> the entry that broke it
    for number, definition in enumerate(breaks, start=1):
        name = definition["name"]
        here = f"{where}: entry {number} ({name!r})"
        op = OPS.get(name)
        if op is None:
            raise BreakError(f"{here}: there is no op {name!r} to break")
        row = _broken_row(definition, op, here)
        references = definition.get("nodes")
        if references is None:
            targets = [node.id for node in graph if node.op == name]
            if not targets:
                raise BreakError(f"{here}: the graph has no {name} node to break")
        else:
            targets = [_node_of(graph, reference, name, here) for reference in references]
        for node_id in targets:
            if node_id in entry_of:
                # Else the later entry would silently win over the earlier.
                other = entry_of[node_id]
                raise BreakError(f"{here}: \"nodes\": {graph[node_id].name} is named twice"
                                 if other == number else
                                 f"{here}: \"nodes\": {graph[node_id].name} is broken twice "
                                 f"(entry {other} breaks it too)")
            rows[node_id] = row
            entry_of[node_id] = number
    return graph.with_breaks(rows)


def _node_of(graph: Graph, reference: str, op: str, where: str) -> str:
    node = graph.find(reference)
    if node is None:
        names = [n.name for n in graph if n.op == op]
        hint = f" (its {op} nodes: {', '.join(names)})" if names else \
            f" (it has no {op} node)"
        raise BreakError(f"{where}: \"nodes\": the graph has no node named "
                         f"{reference!r}{hint}")
    if node.op != op:
        raise BreakError(f"{where}: \"nodes\": {node.name} is "
                         f"{_article(node.op) + ' node' if node.op else 'not an op'}, not "
                         f"{op}")
    return node.id


def _article(word: str) -> str:
    """``an add``, ``a sigmoid``."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class Revealed:
    """One broken node: what its local derivatives were replaced with."""

    node: str
    name: str
    op: str
    broken: tuple[str, ...]
    true: tuple[str, ...]

    def describe(self) -> str:
        """``node σ (sigmoid): d/da was σ(a)·(1 + σ(a)), the true rule is σ(a)·(1 − σ(a))``"""
        parts = [f"d/d{arg}: {broken} instead of {true}"
                 for arg, broken, true in zip(self.args, self.broken, self.true, strict=True)
                 if broken != true]
        return f"node {self.name} ({self.op}): " + "; ".join(parts)

    @property
    def args(self) -> tuple[str, ...]:
        from core.autodiff.ops import OPS

        return tuple(OPS[self.op].args)


def reveal(graph: Graph) -> tuple[Revealed, ...]:
    """What the graph's breaks replaced, node by node in forward order (empty: none)."""
    from core.autodiff.ops import OPS
    from core.expr.text import words

    found = []
    for node_id, row in graph.breaks.items():
        node = graph[node_id]
        true = OPS[row.name]
        # In the operands alone (out written as the forward value): σ(a)·(1 + σ(a)).
        found.append(Revealed(
            node_id, node.name, row.name,
            tuple(words(row.derivative_in_operands(i)) for i in range(row.arity)),
            tuple(words(true.derivative_in_operands(i)) for i in range(true.arity))))
    order = {node_id: i for i, node_id in enumerate(graph.order)}
    return tuple(sorted(found, key=lambda r: order[r.node]))


def restore(graph: Graph) -> Graph:
    """``graph`` without its breaks (the same unbroken graph each time)."""
    if not graph.breaks:
        return graph
    reference = _UNBROKEN.get(graph)
    unbroken = None if reference is None else reference()
    if unbroken is None:
        unbroken = graph.with_breaks({})
        _UNBROKEN[graph] = weakref.ref(unbroken)
    return unbroken


def configured(graph: Graph, breaks: Sequence[Mapping[str, Any]]) -> Graph:
    """``graph`` carrying exactly ``breaks``: any it carried are taken off first (a run's
    graph reused with another config).  Unbroken and no breaks: ``graph`` itself."""
    return apply_breaks(restore(graph), breaks)


def lesson_extensions(lesson: Mapping[str, Any], where: str
                      ) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """A lesson's ``"ops"`` (checked and registered: its stops' formulas may call them) and
    its ``"break"`` (one break or a list, checked; applied to every stop's graph but the
    stops that reveal it).

    Raises
    ------
    OpsFileError
        ``where`` (the lesson file), the key, the entry and the problem.
    """
    from core.autodiff.user_ops import check_entries, register

    ops: tuple[dict[str, Any], ...] = ()
    if lesson.get("ops") is not None:
        ops = check_entries(lesson["ops"], f"{where}: \"ops\"")
        register(ops, f"{where}: \"ops\"")
    breaks = check_breaks(lesson.get("break") or (), f"{where}: \"break\"")
    return ops, breaks
