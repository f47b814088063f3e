"""The computational graph: a networkx multigraph of inputs, weights, constants and ops.

Edges run from an operand to the op that consumes it, keyed by the operand's argument
position, so ``s * s`` is one node ``s`` with two parallel edges into the ``mul`` (keys 0
and 1).  The backward pass then visibly accumulates two contributions into ``s``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

import networkx as nx

from core.autodiff.naming import FormulaWarning, assign_names
from core.autodiff.ops import OPS, Op

Kind = Literal["input", "target", "weight", "constant", "op", "output", "loss"]

#: An edge: (operand id, consumer id, argument position).
Edge = tuple[str, str, int]

LEAF_KINDS: frozenset[str] = frozenset({"input", "target", "weight", "constant"})


@dataclass(frozen=True)
class Node:
    """What a node is.  Ops have ``op`` and ``inputs``; leaves have neither.

    Attributes
    ----------
    id
        Stable identifier, unique in the graph (``w1``, ``x3``, ``mul2``, ``loss``).
    label
        What a drawing writes as the node's name.
    kind
        input, target, weight, constant, op, output (the prediction y') or loss.
    op
        The op table's name, ``None`` for leaves.
    inputs
        Operand ids in argument order (an id may repeat: ``s * s``).
    param
        The op's constant parameter (the exponent of ``pow``).
    constant
        The value of a constant leaf.
    column
        The data column of a feature input (0-based).
    expr
        The subexpression this node computes, in formula syntax.
    name
        The node's one unique, readable name, what every message calls it (``w1``,
        ``w1·x1``, ``part_1``, ``y'``, ``L``; see :mod:`core.autodiff.naming`).  A formula's
        statement sets it; :class:`Graph` names every node left without one.
    """

    id: str
    label: str
    kind: Kind
    op: str | None = None
    inputs: tuple[str, ...] = ()
    param: float | None = None
    constant: float | None = None
    column: int | None = None
    expr: str = ""
    name: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.op is None


def natural_key(name: str) -> tuple[str, int, str]:
    """Sort ``w2`` before ``w10``."""
    match = re.fullmatch(r"(.*?)(\d+)", name)
    if match:
        return (match.group(1), int(match.group(2)), "")
    return (name, -1, name)


class Graph:
    """An immutable computational graph with squared-error loss on top.

    Build one with :func:`core.autodiff.formula.parse_formula` or a preset.  The graph's structure
    never changes after construction; weights and data are passed to the engine.

    Attributes
    ----------
    nx
        The underlying ``networkx.MultiDiGraph`` (operand -> consumer, key = argument
        position).  Node attribute ``node`` holds the :class:`Node`; edge attribute ``arg``
        the argument position.
    order
        All node ids in a deterministic topological order (operands before consumers).
    weights
        Weight ids in natural order (``w1 .. w9``): the order of weight vectors.
    features
        Feature ids in column order.
    warnings
        What the formula's reader should know but is no error (an unused named step, two
        names for one merged subexpression), in the formula's order; mostly empty.
    breaks
        Node id -> the op row used there instead of the table's: a local derivative
        replaced on purpose (:mod:`core.autodiff.breaks`); empty by default.  Read rows
        with :meth:`op_of`.
    """

    def __init__(self, nodes: list[Node], output: str, loss: str, formula: str,
                 name: str = "", warnings: tuple[FormulaWarning, ...] = (),
                 breaks: Mapping[str, Op] | None = None) -> None:
        g = nx.MultiDiGraph()
        for node in nodes:
            if node.id in g:
                raise ValueError(f"duplicate node id {node.id!r}")
            g.add_node(node.id, node=node)
        for node in nodes:
            for position, operand in enumerate(node.inputs):
                g.add_edge(operand, node.id, key=position, arg=position)
        if not nx.is_directed_acyclic_graph(g):
            raise ValueError("a computational graph cannot have cycles")
        self.nx = g
        self.name = name
        self.formula = formula
        self.output = output
        self.loss = loss
        self.warnings = tuple(warnings)
        creation = {n.id: i for i, n in enumerate(nodes)}
        self.order: tuple[str, ...] = tuple(
            nx.lexicographical_topological_sort(g, key=lambda n: creation[n])
        )
        given = {n.id: n for n in nodes}
        names = assign_names(given[i] for i in self.order)
        nodes = [n if n.name == names[n.id] else replace(n, name=names[n.id]) for n in nodes]
        for node in nodes:
            g.nodes[node.id]["node"] = node
        self._nodes: Mapping[str, Node] = MappingProxyType({n.id: n for n in nodes})
        self._by_name: Mapping[str, str] = MappingProxyType({n.name: n.id for n in nodes})
        by_kind = lambda kind: [n for n in nodes if n.kind == kind]  # noqa: E731
        self.weights: tuple[str, ...] = tuple(
            sorted((n.id for n in by_kind("weight")), key=natural_key)
        )
        self.features: tuple[str, ...] = tuple(
            n.id for n in sorted(by_kind("input"), key=lambda n: n.column or 0)
        )
        targets = by_kind("target")
        self.target: str = targets[0].id if targets else ""
        self.breaks: Mapping[str, Op] = MappingProxyType(self._checked_breaks(breaks or {}))
        self.edges: tuple[Edge, ...] = tuple(
            (operand, node_id, position)
            for node_id in self.order
            for position, operand in enumerate(self._nodes[node_id].inputs)
        )

    def _checked_breaks(self, breaks: Mapping[str, Op]) -> dict[str, Op]:
        checked = {}
        for node_id, row in breaks.items():
            node = self._nodes.get(node_id)
            if node is None or node.op is None:
                raise ValueError(f"a broken derivative needs an op node, not {node_id!r}")
            if row.arity != len(node.inputs):
                raise ValueError(f"{node.name}: {node.op} takes {len(node.inputs)} operands, "
                                 f"the broken row {row.arity}")
            checked[node_id] = row
        return checked

    def with_breaks(self, breaks: Mapping[str, Op]) -> Graph:
        """This graph with ``breaks`` (node id -> the op row to use there, a derivative
        replaced on purpose) instead of its own; empty: the graph unbroken.  A new graph,
        so that whatever was generated for this one stays right."""
        return Graph(list(self._nodes.values()), self.output, self.loss, self.formula,
                     self.name, self.warnings, breaks)

    # -- queries -----------------------------------------------------------------------

    def op_of(self, node_id: str) -> Op:
        """The op row a node computes with: the table's, or a broken one where the graph
        carries it (:attr:`breaks`).  Every numeric path reads rows through this.

        Raises
        ------
        ValueError
            For a leaf (it has no op).
        """
        row = self.breaks.get(node_id)
        if row is not None:
            return row
        op = self._nodes[node_id].op
        if op is None:
            raise ValueError(f"{self._nodes[node_id].name} is a leaf, not an op")
        return OPS[op]

    def __getitem__(self, node_id: str) -> Node:
        return self._nodes[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return (self._nodes[i] for i in self.order)

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def nodes(self) -> Mapping[str, Node]:
        return self._nodes

    @property
    def n_inputs(self) -> int:
        """How many data feature columns the graph needs (the highest x index used)."""
        columns = [self._nodes[f].column for f in self.features]
        return max((c for c in columns if c is not None), default=-1) + 1

    def names(self) -> dict[str, str]:
        """Node id -> name, in forward order."""
        return {node_id: self._nodes[node_id].name for node_id in self.order}

    def by_name(self, name: str) -> Node:
        """The node called ``name``.

        Raises
        ------
        KeyError
            If no node has that name.
        """
        return self._nodes[self._by_name[name]]

    def find(self, reference: str) -> Node | None:
        """The node a user means by ``reference``: its name, else its id, else a label only
        one node has (lesson files and older notes use ids and labels); ``None`` if none.
        A name typed with ``-`` finds the name written with the minus sign ``−`` (y−y')."""
        node_id = self._by_name.get(reference, self._by_name.get(reference.replace("-", "\u2212")))
        if node_id is not None:
            return self._nodes[node_id]
        if reference in self._nodes:
            return self._nodes[reference]
        labelled = [n for n in self._nodes.values() if n.label == reference]
        return labelled[0] if len(labelled) == 1 else None

    def consumers(self, node_id: str) -> list[tuple[str, int]]:
        """(consumer id, argument position) for every use of ``node_id``."""
        return [(dst, key) for _, dst, key in self.nx.out_edges(node_id, keys=True)]

    def op_nodes(self) -> list[Node]:
        return [n for n in self if not n.is_leaf]

    def layers(self) -> list[list[str]]:
        """Nodes grouped by longest path from a leaf (for left-to-right layouts)."""
        depth: dict[str, int] = {}
        for node_id in self.order:
            node = self._nodes[node_id]
            depth[node_id] = 1 + max((depth[i] for i in node.inputs), default=-1)
        result: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for node_id in self.order:
            result[depth[node_id]].append(node_id)
        return result

    def __repr__(self) -> str:
        return (f"Graph({self.name or self.formula!r}: {len(self)} nodes, "
                f"{len(self.weights)} weights, {len(self.features)} features)")
