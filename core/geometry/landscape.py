"""The loss landscape: the full-batch mean loss over a square of two weights.

Two weights, ``x`` and ``y``, sweep a square around their current values (``± span``, end
points included) while every other weight stays where it is.  At each of the ``grid × grid``
points the mean loss over every sample is computed, and the loss of one sample besides.

No Python loop runs over grid points or samples: the graph's forward pass is generated once
per (graph, pair) as straight-line numpy code from the op table's formulas (as
:mod:`core.autodiff.compiled` generates its batch pass), over arrays laid out as
``(rows of the grid, columns of the grid, samples)``.  The nodes are split by what they
depend on, and each part runs as rarely as it can:

- nodes that depend on neither chosen weight (the data, the other weights, everything built
  from them alone) run once per sample: shape ``(samples,)``;
- nodes that depend on ``x`` but not on ``y`` run once per (column, sample):
  ``(1, columns, samples)``;
- the rest, which depend on ``y``, run per grid point and sample, a block of grid rows at a
  time: ``(rows, columns, samples)`` (or ``(rows, 1, samples)`` where ``x`` plays no part).

The blocks are sized so that peak memory stays in :data:`MEMORY_BUDGET` whatever the
grid (up to :data:`MAX_GRID`) and the data: the samples themselves are taken a block at a
time when there are many, and each generated statement frees the arrays it used last.

Numbers are numpy's: an overflow gives inf and a domain error nan, which stay in the arrays
(nothing raises).  They agree with the trace engine to rounding (numpy's ``exp`` and
``tanh`` may differ from :mod:`math`'s in the last bit).
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.compiled import compiled_graph
from core.autodiff.graph import Graph
from core.expr.codegen import define
from core.expr.functions import ARRAY_NAMESPACE

__all__ = ["DEFAULT_GRID", "DEFAULT_SPAN", "MAX_GRID", "MEMORY_BUDGET", "MIN_GRID",
           "Landscape", "LandscapeCancelled", "LandscapePlan", "check_grid", "check_span",
           "full_batch_gradient", "grid_values", "landscape_grid", "landscape_plan",
           "resolve_pair"]

#: Points per side: the default, and the allowed range.
DEFAULT_GRID = 101
MIN_GRID = 2
MAX_GRID = 401
#: Half-width of the square around the current values, by default.
DEFAULT_SPAN = 1.0
#: Peak memory a landscape may use, in bytes (the arrays it allocates, beyond the data).
MEMORY_BUDGET = 500 * 2**20
#: Elements per array of a block of grid rows: 1 MB, large enough for numpy to run at full
#: speed and for the loop over blocks to cost little, small enough to stay near the
#: processor's caches.
BLOCK_ELEMENTS = 1 << 17
#: Bytes of one allocation made and freed before the first landscape (see
#: :func:`_keep_freed_blocks`).
_ALLOCATOR_WARMUP = 16 * 2**20
#: Share of :data:`MEMORY_BUDGET` the per-point block may take, and the per-sample parts.
_GRID_SHARE = 0.4
_SAMPLE_SHARE = 0.2
#: Arrays an op's forward formula may hold besides its operands and result (sigmoid's
#: ``exp(-logaddexp(0, -z))`` holds two temporaries).
_TEMPORARIES = 3

Stage = Literal["data", "x", "grid"]

#: Variable names the generated stages read from their environment.
_X, _Y, _W, _XW, _YW = "_x", "_y", "_w", "_xw", "_yw"


class LandscapeCancelled(Exception):  # noqa: N818 (it is an outcome, not a failure)
    """Raised by :func:`landscape_grid` when ``cancelled()`` returned True."""


@dataclass(frozen=True, eq=False)
class Landscape:
    """The loss over a square of two weights, the other weights held.

    Attributes
    ----------
    x_weight, y_weight
        The two weights' names (``w1``, ``w9``).
    xs, ys
        The values of ``x_weight`` and ``y_weight``, ``grid`` each, from the current value
        ``- span`` to ``+ span`` (end points included; the middle one, for an odd grid, is
        the current value exactly).
    loss
        ``(grid, grid)``: ``loss[i, k]`` is the mean loss over all samples with
        ``x_weight = xs[k]`` and ``y_weight = ys[i]``; inf or nan where it is.
    sample_loss
        ``(grid, grid)``: the same for the one sample ``sample``.
    seconds
        How long the computation took.
    sample
        The sample (row, from 0) of ``sample_loss``.
    samples
        How many samples ``loss`` averages.
    """

    x_weight: str
    y_weight: str
    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    sample_loss: np.ndarray
    seconds: float
    sample: int = 0
    samples: int = 0


# -- the plan: which node runs at which stage, and the generated code ---------------------


@dataclass(frozen=True)
class _StageCode:
    """One generated stage: ``run(env) -> {variable: value}`` for its outputs."""

    source: str
    run: Callable[[dict[str, Any]], dict[str, Any]]
    outputs: tuple[str, ...]
    #: Most arrays of the stage's own alive at once (operands kept for later included).
    live: int


@dataclass(frozen=True)
class LandscapePlan:
    """How a landscape of one pair of weights is computed, generated once per graph and pair.

    Attributes
    ----------
    x_weight, y_weight
        The two weights' node ids.
    stage
        Node id -> ``data`` (computed once per sample), ``x`` (once per column of the grid
        and sample) or ``grid`` (per grid point and sample), for every node the loss is
        computed from.
    """

    x_weight: str
    y_weight: str
    stage: Mapping[str, Stage]
    data: _StageCode
    x: _StageCode
    grid: _StageCode
    loss_variable: str

    @property
    def sources(self) -> str:
        """The generated Python of the three stages, readable."""
        return "\n".join((self.data.source, self.x.source, self.grid.source))


def _stage_of(graph: Graph, needed: set[str], x_id: str, y_id: str) -> dict[str, Stage]:
    stage: dict[str, Stage] = {}
    for node_id in graph.order:
        if node_id not in needed:
            continue
        node = graph[node_id]
        if node_id == y_id:
            stage[node_id] = "grid"
        elif node_id == x_id:
            stage[node_id] = "x"
        else:
            kinds = {stage[i] for i in node.inputs}
            stage[node_id] = "grid" if "grid" in kinds else "x" if "x" in kinds else "data"
    return stage


def _ancestors(graph: Graph, node_id: str) -> set[str]:
    """``node_id`` and every node it is computed from."""
    found = {node_id}
    for other in reversed(graph.order):
        if other in found:
            found.update(graph[other].inputs)
    return found


def _leaf_expression(graph: Graph, node_id: str, x_id: str, y_id: str) -> str:
    node = graph[node_id]
    if node_id == x_id:
        return _XW
    if node_id == y_id:
        return _YW
    if node.kind == "weight":
        return f"{_W}[{graph.weights.index(node_id)}]"
    if node.kind == "input":
        return f"_column({_X}, {node.column})"
    if node.kind == "target":
        return _Y
    if node.kind == "constant":
        return f"_f({node.constant!r})"
    raise ValueError(f"node {node.name} ({node.kind}) has no value a landscape can give it")


def _generate_stage(name: str, graph: Graph, nodes: Sequence[str], outputs: Sequence[str],
                    variable: Mapping[str, str], x_id: str, y_id: str) -> tuple[str, int]:
    """Source of ``name(env)``: the ``nodes`` in order, the values of earlier stages read
    from ``env``, every array freed after its last use unless it is an output."""
    own = set(nodes)
    statements: list[tuple[str, str, tuple[str, ...]]] = []  # (target, expression, reads)
    for node_id in nodes:
        node = graph[node_id]
        if node.op is None:
            expression = _leaf_expression(graph, node_id, x_id, y_id)
            reads: tuple[str, ...] = ()
        else:
            row = graph.op_of(node_id)
            expression = row.render(row.forward, tuple(variable[i] for i in node.inputs),
                                    param=node.param)
            reads = tuple(dict.fromkeys(variable[i] for i in node.inputs))
        statements.append((variable[node_id], expression, reads))
    keep = {variable[i] for i in outputs}
    last_use: dict[str, int] = {}
    for index, (_, _, reads) in enumerate(statements):
        for read in reads:
            last_use[read] = index
    earlier = sorted({read for _, _, reads in statements for read in reads}
                     - {variable[i] for i in own}, key=lambda v: int(v[1:]))
    lines = [f"def {name}(env):"]
    lines.extend(f"    {v} = env[{v!r}]" for v in earlier)
    lines.extend(f"    {leaf} = env[{leaf!r}]" for leaf in (_X, _Y, _W, _XW, _YW)
                 if any(re.search(rf"\b{leaf}\b", expression)
                        for _, expression, _ in statements))
    alive: set[str] = set()
    live = 0
    for index, (target, expression, _) in enumerate(statements):
        lines.append(f"    {target} = {expression}")
        alive.add(target)
        live = max(live, len(alive))
        done = sorted((v for v, last in last_use.items() if last == index and v not in keep),
                      key=lambda v: int(v[1:]))
        if done:
            lines.append(f"    del {', '.join(done)}")
            alive.difference_update(done)
    lines.append("    return {" + ", ".join(f"{v!r}: {v}" for v in sorted(keep)) + "}")
    return "\n".join(lines) + "\n", live


def _column(X: np.ndarray, column: int) -> np.ndarray:
    # A contiguous copy: numpy runs several times faster on it than on a strided column.
    return np.ascontiguousarray(X[:, column])


_PLANS: WeakKeyDictionary[Graph, dict[tuple[str, str], LandscapePlan]] = WeakKeyDictionary()


def landscape_plan(graph: Graph, x_weight: str, y_weight: str) -> LandscapePlan:
    """The plan for a landscape of the weights with ids ``x_weight`` and ``y_weight``
    (generated once per graph and pair, kept while the graph lives)."""
    plans = _PLANS.setdefault(graph, {})
    plan = plans.get((x_weight, y_weight))
    if plan is None:
        plan = plans[(x_weight, y_weight)] = _make_plan(graph, x_weight, y_weight)
    return plan


def _make_plan(graph: Graph, x_id: str, y_id: str) -> LandscapePlan:
    needed = _ancestors(graph, graph.loss)
    # A chosen weight the loss does not depend on still gets its axis (a flat one).
    needed.update((x_id, y_id))
    stage = _stage_of(graph, needed, x_id, y_id)
    variable = {node_id: f"v{i}" for i, node_id in enumerate(graph.order)}
    by_stage: dict[Stage, list[str]] = {"data": [], "x": [], "grid": []}
    for node_id in graph.order:
        if node_id in stage:
            by_stage[stage[node_id]].append(node_id)
    order: tuple[Stage, ...] = ("data", "x", "grid")

    def outputs(of: Stage) -> list[str]:
        later = order[order.index(of) + 1:]
        used = {i for s in later for n in by_stage[s] for i in graph[n].inputs}
        if graph.loss in by_stage[of]:
            used.add(graph.loss)
        return [n for n in by_stage[of] if n in used]

    namespace: dict[str, Any] = dict(ARRAY_NAMESPACE)
    namespace.update(_column=_column, _f=np.float64)
    codes: dict[Stage, _StageCode] = {}
    for name in order:
        outs = outputs(name)
        source, live = _generate_stage(f"{name}_stage", graph, by_stage[name], outs,
                                       variable, x_id, y_id)
        scope = dict(namespace)
        # The text is built from the op table's trees, node indices and float reprs of
        # constants only; no user text reaches it.
        define(source, f"<landscape {name} {graph.name or 'graph'}>", scope)
        codes[name] = _StageCode(source, scope[f"{name}_stage"], tuple(variable[n] for n in outs),
                                 live)
    return LandscapePlan(x_id, y_id, stage, codes["data"], codes["x"], codes["grid"],
                         variable[graph.loss])


# -- checking what the caller asks --------------------------------------------------------


def resolve_pair(graph: Graph, pair: Sequence[str] | str) -> tuple[str, str]:
    """The node ids of two distinct weights, from their names (or ids or labels, as
    :meth:`Graph.find` reads them); ``pair`` may be ``"w1,w9"``.

    Raises
    ------
    ValueError
        Naming the reference that is not one of the graph's weights, or the weight given
        twice.
    """
    references = pair.split(",") if isinstance(pair, str) else list(pair)
    if len(references) != 2 or not all(isinstance(r, str) for r in references):
        raise ValueError(f"a landscape needs a pair of two weights (such as w1,w9), got "
                         f"{pair!r}")
    names = ", ".join(graph[w].name for w in graph.weights)
    ids = []
    for reference in (r.strip() for r in references):
        node = graph.find(reference)
        if node is None:
            raise ValueError(f"unknown weight {reference!r}; the graph's weights: {names}")
        if node.kind != "weight":
            raise ValueError(f"{reference!r} is not a weight (it is {_a_kind(node.kind)}); "
                             f"the graph's weights: {names}")
        ids.append(node.id)
    if ids[0] == ids[1]:
        raise ValueError(f"a landscape needs two different weights, got "
                         f"{graph[ids[0]].name} twice")
    return ids[0], ids[1]


def _a_kind(kind: str) -> str:
    return {"input": "a data input", "target": "the target", "constant": "a constant",
            "output": "the prediction y'", "loss": "the loss"}.get(kind, "an operation")


def check_grid(grid: object) -> int:
    """Points per side as an int, checked to be from :data:`MIN_GRID` to :data:`MAX_GRID`.

    Raises
    ------
    ValueError
        Naming the value and the allowed range.
    """
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) \
            or not MIN_GRID <= grid <= MAX_GRID:
        raise ValueError(f"grid must be a whole number of points per side from {MIN_GRID} "
                         f"to {MAX_GRID}, got {grid!r}")
    return int(grid)


def check_span(span: object) -> float:
    """The half-width as a float, checked to be finite and > 0.

    Raises
    ------
    ValueError
        Naming the value.
    """
    if isinstance(span, bool) or not isinstance(span, numbers.Real) \
            or not math.isfinite(float(span)) or float(span) <= 0.0:
        raise ValueError(f"span must be a finite number > 0 (the half-width of the square "
                         f"around the current values), got {span!r}")
    return float(span)


def _check_data(graph: Graph, X: object, Y: object, weights: object
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"X must be 2-D with at least one row (samples x features), got "
                         f"shape {X.shape}")
    if Y.shape != (X.shape[0],):
        raise ValueError(f"Y must have shape ({X.shape[0]},) to match X, got {Y.shape}")
    if X.shape[1] < graph.n_inputs:
        raise ValueError(f"the graph reads {graph.n_inputs} feature columns; X has "
                         f"{X.shape[1]}")
    if w.shape != (len(graph.weights),):
        raise ValueError(f"the graph has {len(graph.weights)} weights "
                         f"({', '.join(graph[i].name for i in graph.weights)}), got "
                         f"{w.size} values")
    return X, Y, w


def _check_sample(sample: object, n: int) -> int:
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) \
            or not -n <= sample < n:
        raise ValueError(f"sample {sample!r} is out of range: the data has {n} samples "
                         f"(0..{n - 1})")
    return int(sample) % n


def grid_values(centre: float, span: float, grid: int) -> np.ndarray:
    """``grid`` values from ``centre - span`` to ``centre + span``, evenly spaced, end
    points included; for an odd ``grid`` the middle one is ``centre`` exactly."""
    # Integer steps from the middle, 2k - (n - 1): exactly 0 in the middle and +-1 at the
    # ends once divided by n - 1.
    steps = 2.0 * np.arange(grid, dtype=np.float64) - (grid - 1)
    return centre + span * (steps / (grid - 1))


# -- the computation ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Blocks:
    samples: int  # samples per block
    rows: int  # grid rows per block


def _block_sizes(plan: LandscapePlan, n: int, grid: int, budget: int,
                 block_elements: int) -> _Blocks:
    """Samples per block and grid rows per block, so that the arrays alive at once stay in
    ``budget`` bytes: each stage's own arrays at their most, the earlier stages' outputs,
    and the two ``(grid, grid)`` results."""
    per_element = 8 * (plan.grid.live + _TEMPORARIES)
    elements = max(grid, min(block_elements, int(budget * _GRID_SHARE) // per_element))
    # Per sample: the data stage's arrays and the x stage's (one column each per point
    # of the grid's width).
    per_sample = 8 * ((plan.data.live + _TEMPORARIES)
                      + (plan.x.live + len(plan.data.outputs) + _TEMPORARIES) * grid)
    samples = max(1, min(n, int(budget * _SAMPLE_SHARE) // per_sample, elements // grid))
    rows = max(1, min(grid, elements // (grid * samples)))
    return _Blocks(samples, rows)


@functools.cache
def _keep_freed_blocks() -> None:
    """Let the allocator keep the blocks' memory between blocks.

    glibc's malloc serves a request of at least its threshold (128 KB at first) from a
    fresh mapping and gives it back to the system when freed, and it returns the top of
    its heap to the system whenever more than twice that threshold is free there.  Every
    block allocates and frees arrays of about 1 MB, so the same memory was returned and
    faulted in again block after block: a 401x401 grid of the seed graph took 190,000 page
    faults (about 750 MB zeroed by the kernel), 2-3x its time.  Freeing one mapping of
    16 MB raises both thresholds (to 16 and 32 MB) for the rest of the process, as any
    program's first large temporary array does; other allocators ignore it.
    """
    warmup = np.empty(_ALLOCATOR_WARMUP, dtype=np.uint8)  # never touched: costs no memory
    del warmup


def landscape_grid(graph: Graph, X: np.ndarray, Y: np.ndarray,
                   weights: Sequence[float] | np.ndarray, pair: Sequence[str] | str, *,
                   span: float = DEFAULT_SPAN, grid: int = DEFAULT_GRID, sample: int = 0,
                   progress: Callable[[float], None] | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   block_elements: int = BLOCK_ELEMENTS,
                   memory_budget: int = MEMORY_BUDGET) -> Landscape:
    """The full-batch mean loss over a square of two weights, the others held.

    Parameters
    ----------
    graph
        The graph, loss on top.
    X, Y
        Features ``(samples, features)`` and targets ``(samples,)``: the rows to average
        (with held-out data, the training rows alone).
    weights
        The current weights, in ``graph.weights`` order.
    pair
        The two weights, x then y: names (or ids, as :meth:`Graph.find` reads them), or one
        text ``"w1,w9"``.
    span
        Half-width of the square around the current values (finite, > 0).
    grid
        Points per side, from :data:`MIN_GRID` to :data:`MAX_GRID`.
    sample
        The sample whose own loss ``sample_loss`` gives (negative counts from the end).
    progress
        Called between blocks with the fraction done (increasing, 1.0 last).
    cancelled
        Asked before each block; True stops the computation with :class:`LandscapeCancelled`.
    block_elements, memory_budget
        Elements per array of a block of grid rows, and the peak memory to stay under
        (bytes); the defaults suit every grid and dataset.

    Raises
    ------
    ValueError
        For a pair that is not two different weights of the graph, a grid or span out of
        range, a sample out of range, data or weights that do not fit the graph, or a chosen
        weight whose current value is not finite.
    LandscapeCancelled
        When ``cancelled()`` returned True.
    """
    started = time.perf_counter()
    x_id, y_id = resolve_pair(graph, pair)
    grid = check_grid(grid)
    span = check_span(span)
    X, Y, w = _check_data(graph, X, Y, weights)
    n = X.shape[0]
    sample = _check_sample(sample, n)
    for node_id in (x_id, y_id):
        value = w[graph.weights.index(node_id)]
        if not math.isfinite(value):
            raise ValueError(f"{graph[node_id].name} is {value}: a landscape is centred on "
                             "finite weights")
    if isinstance(block_elements, bool) or not isinstance(block_elements, int) \
            or block_elements < 1:
        raise ValueError(f"block_elements must be a whole number >= 1, got {block_elements!r}")

    plan = landscape_plan(graph, x_id, y_id)
    _keep_freed_blocks()
    xs = grid_values(float(w[graph.weights.index(x_id)]), span, grid)
    ys = grid_values(float(w[graph.weights.index(y_id)]), span, grid)
    blocks = _block_sizes(plan, n, grid, memory_budget, block_elements)
    total = np.zeros((grid, grid))
    sample_loss = np.empty((grid, grid))
    row_starts = range(0, grid, blocks.rows)
    sample_starts = range(0, n, blocks.samples)
    steps = len(row_starts) * len(sample_starts)
    done = 0
    leaves: dict[str, Any] = {_W: [np.float64(v) for v in w.tolist()],
                              _XW: xs.reshape(1, grid, 1)}
    for s0 in sample_starts:
        s1 = min(n, s0 + blocks.samples)
        env = dict(leaves)
        env[_X], env[_Y] = X[s0:s1], Y[s0:s1]
        # inf and nan are results here, not errors (the caller's own code keeps its state).
        with np.errstate(all="ignore"):
            env.update(plan.data.run(env))
            env.update(plan.x.run(env))
        for i0 in row_starts:
            if cancelled is not None and cancelled():
                raise LandscapeCancelled
            i1 = min(grid, i0 + blocks.rows)
            env[_YW] = ys[i0:i1].reshape(i1 - i0, 1, 1)
            with np.errstate(all="ignore"):
                loss = env.get(plan.loss_variable)
                if loss is None:
                    loss = plan.grid.run(env)[plan.loss_variable]
                loss = np.broadcast_to(loss, (i1 - i0, grid, s1 - s0))
                total[i0:i1] += loss.sum(axis=2)
            if s0 <= sample < s1:
                sample_loss[i0:i1] = loss[:, :, sample - s0]
            done += 1
            if progress is not None:
                progress(done / steps)
    total /= n
    for array in (xs, ys, total, sample_loss):
        array.setflags(write=False)
    return Landscape(graph[x_id].name, graph[y_id].name, xs, ys, total, sample_loss,
                     time.perf_counter() - started, sample, n)


def full_batch_gradient(graph: Graph, X: np.ndarray, Y: np.ndarray,
                        weights: Sequence[float] | np.ndarray,
                        rows_per_pass: int = 1 << 15) -> np.ndarray:
    """The mean over all samples of dL/dw, in ``graph.weights`` order: the full-batch
    gradient, the direction of steepest descent of the landscape's mean loss.

    Computed with the compiled batch pass (:meth:`core.autodiff.compiled.CompiledGraph.batch`)
    a block of rows at a time; inf or nan where some sample's gradient is.

    Raises
    ------
    ValueError
        For data or weights that do not fit the graph.
    """
    X, Y, w = _check_data(graph, X, Y, weights)
    compiled = compiled_graph(graph)
    n = X.shape[0]
    total = np.zeros(len(graph.weights))
    for start in range(0, n, rows_per_pass):
        stop = min(n, start + rows_per_pass)
        _, grads = compiled.batch(X[start:stop], Y[start:stop], w)
        with np.errstate(all="ignore"):
            total += grads.sum(axis=0)
    mean: np.ndarray = total / n
    return mean
