"""Left-to-right layered layout of a computational graph (no Qt: plain numbers).

A small Sugiyama layout:

1. **Layers.**  Ops sit at their longest path from a leaf (``Graph.layers()``); a leaf sits
   one layer before its first consumer, so ``w6`` appears next to the ``+`` that uses it,
   as in the course figure.
2. **Dummies.**  An edge that spans several layers gets one invisible point per layer it
   crosses, so it is routed like any other edge.
3. **Order.**  The start order is a depth-first walk from the loss through each op's
   operands in argument order (crossing-free for trees, which most formulas are); then
   barycenter sweeps reorder each layer by the mean position of its neighbours, keeping
   the order with the fewest crossings.
4. **Rows.**  Each layer is placed as close as possible to the mean height of its
   neighbours, subject to no overlap, by isotonic regression (pool adjacent violators);
   sweeps alternate directions.
5. **Columns.**  Adjacent layers are as close as their *shapes* and the edges between them
   allow; a node's numbers may reach into the gap beside it, unless a box of another layer
   sits at the same height.  The caller can widen single gaps (``extra_gaps``), e.g.
   where a drawn edge runs through numbers.

Crossings depend only on the order inside layers, so steps 4 and 5 never add any.  The
layout is computed when the graph changes, never per training step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from core.autodiff.graph import Edge, Graph


@dataclass(frozen=True)
class NodeExtent:
    """How much room a node takes around its anchor point (the centre of its shape).

    ``left``, ``right``, ``above``, ``below`` bound everything drawn (shape and numbers);
    ``shape_left`` and ``shape_right`` bound the shape that edges attach to (default: the
    whole width).
    """

    left: float
    right: float
    above: float
    below: float
    shape_left: float | None = None
    shape_right: float | None = None

    @property
    def edge_left(self) -> float:
        return self.left if self.shape_left is None else self.shape_left

    @property
    def edge_right(self) -> float:
        return self.right if self.shape_right is None else self.shape_right


#: A gap between layers is at least this fraction of the largest height difference an
#: edge crossing it covers, so no edge becomes a near-vertical S.
MAX_SLOPE_GAP = 0.45
#: ... but never more than this many times the usual gap (many edges fanning out from one
#: layer to the next cross anyway and would only push the graph apart).
MAX_SLOPE_ROOM = 4.0

#: Room taken by the invisible routing point of a long edge.
DUMMY_EXTENT = NodeExtent(left=0.0, right=0.0, above=6.0, below=6.0)


@dataclass(frozen=True)
class GraphLayout:
    """Where everything goes.

    Attributes
    ----------
    positions
        Node id -> (x, y) of the node's anchor (centre of its shape).
    layers
        Node ids per layer, top to bottom, including dummy ids (which start with ``~``).
    routes
        (operand, consumer) -> the routing points between them, left to right (empty for
        edges between adjacent layers).  Parallel edges (``s * s``) share one route.
    layer_x
        x of each layer's anchors.
    """

    positions: Mapping[str, tuple[float, float]]
    layers: tuple[tuple[str, ...], ...]
    routes: Mapping[tuple[str, str], tuple[tuple[float, float], ...]]
    layer_x: tuple[float, ...]

    def polyline(self, edge: Edge | tuple[str, str]) -> list[tuple[float, float]]:
        """Anchor of the operand, routing points, anchor of the consumer."""
        operand, consumer = edge[0], edge[1]
        return [self.positions[operand], *self.routes[(operand, consumer)],
                self.positions[consumer]]


def assign_layers(graph: Graph) -> dict[str, int]:
    """Ops at their longest path from a leaf; leaves one layer before their first use."""
    layer: dict[str, int] = {}
    for index, ids in enumerate(graph.layers()):
        for node_id in ids:
            layer[node_id] = index
    for node_id in graph.order:
        if graph[node_id].is_leaf:
            uses = [layer[consumer] for consumer, _ in graph.consumers(node_id)]
            if uses:
                layer[node_id] = max(0, min(uses) - 1)
    return layer


def _proper_graph(graph: Graph, layer: Mapping[str, int]) -> tuple[
        list[list[str]], dict[str, list[str]], dict[str, list[str]],
        dict[tuple[str, str], list[str]]]:
    """Layers with dummies; predecessor and successor lists between adjacent layers."""
    n_layers = max(layer.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(n_layers)]
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    chains: dict[tuple[str, str], list[str]] = {}
    for node_id in graph.order:
        layers[layer[node_id]].append(node_id)
        preds.setdefault(node_id, [])
        succs.setdefault(node_id, [])
    for operand, consumer, _ in graph.edges:
        pair = (operand, consumer)
        if pair in chains:
            continue
        chain = [f"~{operand}>{consumer}#{k}" for k in range(layer[operand] + 1,
                                                             layer[consumer])]
        chains[pair] = chain
        for k, dummy in enumerate(chain):
            layers[layer[operand] + 1 + k].append(dummy)
        path = [operand, *chain, consumer]
        for a, b in itertools.pairwise(path):
            succs.setdefault(a, []).append(b)
            preds.setdefault(b, []).append(a)
    return layers, preds, succs, chains


def _walk_order(graph: Graph, layers: list[list[str]], preds: Mapping[str, list[str]]
                ) -> list[list[str]]:
    """Depth-first from the sinks through operands in argument order."""
    visited: dict[str, int] = {}
    counter = 0
    sinks = [n for n in graph.order if not graph.consumers(n)]
    stack = list(reversed(sinks))
    while stack:
        node_id = stack.pop()
        if node_id in visited:
            continue
        visited[node_id] = counter
        counter += 1
        stack.extend(reversed(preds.get(node_id, [])))
    big = counter + 1
    return [sorted(ids, key=lambda n: (visited.get(n, big), ids.index(n))) for ids in layers]


def count_crossings(layers: Sequence[Sequence[str]], succs: Mapping[str, Sequence[str]]
                    ) -> int:
    """Crossings between straight edges of adjacent layers (shared endpoints excluded)."""
    total = 0
    for left, right in itertools.pairwise(layers):
        position = {node_id: i for i, node_id in enumerate(right)}
        pairs = sorted(
            (i, position[b]) for i, a in enumerate(left) for b in succs.get(a, ())
            if b in position
        )
        for k, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[k + 1:]:
                if a2 > a1 and b2 < b1:
                    total += 1
    return total


def _barycenter_sweeps(layers: list[list[str]], preds: Mapping[str, list[str]],
                       succs: Mapping[str, list[str]], rounds: int) -> list[list[str]]:
    best = [list(ids) for ids in layers]
    best_crossings = count_crossings(best, succs)
    current = [list(ids) for ids in layers]
    for round_index in range(rounds):
        if best_crossings == 0:
            break
        downward = round_index % 2 == 0
        indices = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for i in indices:
            fixed = current[i - 1] if downward else current[i + 1]
            neighbours = preds if downward else succs
            position = {node_id: k for k, node_id in enumerate(fixed)}

            def barycenter(node_id: str, k: int, neighbours: Mapping[str, list[str]] = neighbours,
                           position: Mapping[str, int] = position) -> tuple[float, int]:
                linked = [position[n] for n in neighbours.get(node_id, ()) if n in position]
                return (sum(linked) / len(linked) if linked else float(k), k)

            keyed = [(barycenter(n, k), n) for k, n in enumerate(current[i])]
            current[i] = [n for _, n in sorted(keyed)]
        crossings = count_crossings(current, succs)
        if crossings < best_crossings:
            best, best_crossings = [list(ids) for ids in current], crossings
    return best


def _pool_adjacent_violators(targets: Sequence[float], offsets: Sequence[float]
                             ) -> list[float]:
    """Positions y closest (least squares) to ``targets`` with y[i+1] - y[i] >= the gap
    implied by ``offsets`` (cumulative minimal separations)."""
    shifted = [t - o for t, o in zip(targets, offsets, strict=True)]
    blocks: list[list[float]] = []  # [mean, count]
    for value in shifted:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean_b, count_b = blocks.pop()
            mean_a, count_a = blocks[-1]
            total = count_a + count_b
            blocks[-1] = [(mean_a * count_a + mean_b * count_b) / total, total]
    result: list[float] = []
    for mean, count in blocks:
        result.extend([mean] * int(count))
    return [z + o for z, o in zip(result, offsets, strict=True)]


def _place_rows(layers: list[list[str]], preds: Mapping[str, list[str]],
                succs: Mapping[str, list[str]], extent: Callable[[str], NodeExtent],
                row_gap: float, sweeps: int = 6) -> dict[str, float]:
    offsets_by_layer: list[list[float]] = []
    y: dict[str, float] = {}
    for ids in layers:
        offsets = [0.0]
        for a, b in itertools.pairwise(ids):
            offsets.append(offsets[-1] + extent(a).below + row_gap + extent(b).above)
        offsets_by_layer.append(offsets)
        for node_id, offset in zip(ids, offsets, strict=True):
            y[node_id] = offset
    # Centre every layer on the tallest one before the sweeps.
    tallest = max((o[-1] for o in offsets_by_layer if o), default=0.0)
    for ids, offsets in zip(layers, offsets_by_layer, strict=True):
        if offsets:
            shift = (tallest - offsets[-1]) / 2
            for node_id in ids:
                y[node_id] += shift

    def settle(i: int, neighbours: Mapping[str, list[str]],
               other: Mapping[str, list[str]] | None) -> None:
        ids = layers[i]
        targets = []
        for node_id in ids:
            linked = [y[n] for n in neighbours.get(node_id, ())]
            if other is not None:
                linked += [y[n] for n in other.get(node_id, ())]
            targets.append(sum(linked) / len(linked) if linked else y[node_id])
        for node_id, value in zip(ids, _pool_adjacent_violators(
                targets, offsets_by_layer[i]), strict=True):
            y[node_id] = value

    n = len(layers)
    for sweep in range(sweeps):
        if sweep % 2 == 0:
            for i in range(1, n):
                settle(i, preds, succs if sweep > 0 else None)
        else:
            for i in range(n - 2, -1, -1):
                settle(i, succs, preds)
    for i in range(1, n):  # Finish left to right: consumers centred on their operands.
        settle(i, preds, None)
    return y


def _place_columns(layers: Sequence[Sequence[str]], y: Mapping[str, float],
                   succs: Mapping[str, Sequence[str]], room: Callable[[str], NodeExtent],
                   layer_gap: float, clearance: float, extra_gaps: Sequence[float]
                   ) -> list[float]:
    """x of every layer: shapes ``layer_gap`` (+ extra) apart, or further where an edge
    climbs steeply; boxes of different layers that share some height at least
    ``clearance`` apart."""
    widest_right = max((room(n).right for ids in layers for n in ids), default=0.0)
    spans = [[(y[n] - room(n).above - clearance, y[n] + room(n).below + clearance, room(n))
              for n in ids] for ids in layers]
    # Boxes sorted by top, so one layer pair is compared in one sweep, not all pairs.
    for column in spans:
        column.sort(key=lambda span: span[0])
    layer_x: list[float] = []
    for j, ids in enumerate(layers):
        if j == 0:
            layer_x.append(max((room(n).left for n in ids), default=0.0))
            continue
        extra = extra_gaps[j - 1] if j - 1 < len(extra_gaps) else 0.0
        climb = max((abs(y[b] - y[a]) for a in layers[j - 1] for b in succs.get(a, ())),
                    default=0.0)
        gap = max(layer_gap, min(MAX_SLOPE_GAP * climb, MAX_SLOPE_ROOM * layer_gap)) + extra
        x = layer_x[-1] + max((room(n).edge_right for n in layers[j - 1]), default=0.0) \
            + gap + max((room(n).edge_left for n in ids), default=0.0)
        widest_left = max((room(n).left for n in ids), default=0.0)
        for i in range(j - 1, -1, -1):
            if layer_x[i] + widest_right + clearance + widest_left <= x:
                break  # Layers further left are further away still.
            x = max(x, layer_x[i] + _needed_distance(spans[i], spans[j], clearance))
        layer_x.append(x)
    leftmost = min((x - room(n).left for x, ids in zip(layer_x, layers, strict=True)
                    for n in ids), default=0.0)
    return [x - leftmost for x in layer_x]


def _needed_distance(left: Sequence[tuple[float, float, NodeExtent]],
                     right: Sequence[tuple[float, float, NodeExtent]],
                     clearance: float) -> float:
    """The least distance between two columns of boxes so that boxes at the same height
    do not touch.  Boxes of one layer never overlap, so sorted by top they are sorted by
    bottom too, and one pointer walks down ``left`` as ``right`` is walked down."""
    needed = 0.0
    start = 0
    for top, bottom, extent in right:
        while start < len(left) and left[start][1] <= top:
            start += 1
        for other_top, other_bottom, other in left[start:]:
            if other_top >= bottom:
                break
            if other_bottom > top:
                needed = max(needed, other.right + clearance + extent.left)
    return needed


@dataclass(frozen=True)
class RowLayout:
    """Steps 1-4 of the layout: layers, their order and every node's height.  Placing the
    columns (:func:`place_columns`) is cheap, so the gaps can be adjusted and the columns
    placed again without redoing this."""

    order: tuple[str, ...]
    layers: tuple[tuple[str, ...], ...]
    succs: Mapping[str, tuple[str, ...]]
    chains: Mapping[tuple[str, str], tuple[str, ...]]
    y: Mapping[str, float]
    extents: Mapping[str, NodeExtent]
    row_gap: float


def place_rows(graph: Graph, extent: Callable[[str], NodeExtent] | None = None,
               *, row_gap: float = 14.0, rounds: int = 24) -> RowLayout:
    """Layers, order and heights (see :func:`compute_layout` for the parameters)."""
    default = NodeExtent(20.0, 20.0, 20.0, 20.0)

    def room(node_id: str) -> NodeExtent:
        if node_id.startswith("~"):
            return DUMMY_EXTENT
        return default if extent is None else extent(node_id)

    layer = assign_layers(graph)
    layers, preds, succs, chains = _proper_graph(graph, layer)
    layers = _walk_order(graph, layers, preds)
    if len(graph) <= 3000:
        layers = _barycenter_sweeps(layers, preds, succs, rounds)
    y = _place_rows(layers, preds, succs, room, row_gap)
    return RowLayout(
        order=tuple(graph.order),
        layers=tuple(tuple(ids) for ids in layers),
        succs=MappingProxyType({n: tuple(s) for n, s in succs.items()}),
        chains=MappingProxyType({pair: tuple(c) for pair, c in chains.items()}),
        y=MappingProxyType(y),
        extents=MappingProxyType({n: room(n) for ids in layers for n in ids}),
        row_gap=row_gap,
    )


def place_columns(rows: RowLayout, *, layer_gap: float = 70.0,
                  clearance: float | None = None, extra_gaps: Sequence[float] = ()
                  ) -> GraphLayout:
    """Step 5: the x of every layer, and the finished layout."""
    room = rows.extents.__getitem__
    layers, y = rows.layers, rows.y
    layer_x = _place_columns(layers, y, rows.succs, room, layer_gap,
                             rows.row_gap if clearance is None else clearance, extra_gaps)
    top = min((y[n] - room(n).above for ids in layers for n in ids), default=0.0)
    positions = {n: (layer_x[i], y[n] - top) for i, ids in enumerate(layers) for n in ids}
    routes = {pair: tuple(positions[d] for d in chain) for pair, chain in rows.chains.items()}
    return GraphLayout(
        positions=MappingProxyType({n: positions[n] for n in rows.order}),
        layers=layers,
        routes=MappingProxyType(routes),
        layer_x=tuple(layer_x),
    )


def compute_layout(graph: Graph, extent: Callable[[str], NodeExtent] | None = None,
                   *, layer_gap: float = 70.0, row_gap: float = 14.0,
                   clearance: float | None = None, extra_gaps: Sequence[float] = (),
                   rounds: int = 24) -> GraphLayout:
    """Lay out ``graph`` left to right.

    Parameters
    ----------
    graph
        The computational graph.
    extent
        Node id -> the room its drawing takes; default: 40x40 boxes.
    layer_gap
        Horizontal room between the shapes of adjacent layers (for edges).
    row_gap
        Vertical room between nodes of one layer.
    clearance
        Room between boxes of different layers at the same height (default: ``row_gap``).
    extra_gaps
        Room added to the gap after layer ``i`` (missing entries: none).
    rounds
        Barycenter sweeps at most (they stop at zero crossings).
    """
    rows = place_rows(graph, extent, row_gap=row_gap, rounds=rounds)
    return place_columns(rows, layer_gap=layer_gap, clearance=clearance,
                         extra_gaps=extra_gaps)
