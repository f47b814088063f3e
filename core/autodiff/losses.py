"""The loss on top of a graph: squared error, absolute error, Huber or cross-entropy.

A formula is parsed with the squared-error loss ``L = (y − y')²`` on top
(:func:`core.autodiff.formula.parse_formula`); :func:`with_loss` puts another one there,
built from op-table rows so that the stepper, the drawing and the gradient check treat it
like any node:

- ``mse``: ``L = (y − y')²`` (``square`` of the residual), the graph as parsed;
- ``mae``: ``L = |y − y'|`` (``abs``);
- ``huber``: ``L = huber_δ(y − y')``, ½r² for ``|r| ≤ δ`` and δ(|r| − ½δ) beyond, whose
  derivative is r clipped to [−δ, δ] (``huber`` with δ as its constant parameter);
- ``bce``: binary cross-entropy on y' read as a logit z, with target y in {0, 1}:
  ``L = softplus(z) − y·z`` (= −y log σ(z) − (1 − y) log(1 − σ(z))), three nodes, so that
  the backward pass shows dL/dz = σ(z) − y arriving as its two contributions.  softplus is
  computed as max(z, 0) + log1p(e^−|z|): finite at z = ±800.

The loss node keeps the id ``loss`` (named ``L``) whichever loss it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from weakref import WeakKeyDictionary

import networkx as nx
import numpy as np

from core.autodiff.graph import Graph, Node

#: Loss name -> what a menu and a message call it.
LOSSES: Mapping[str, str] = MappingProxyType({
    "mse": "squared error (y − y')²",
    "mae": "absolute error |y − y'|",
    "huber": "Huber (squared near 0, absolute beyond δ)",
    "bce": "binary cross-entropy (y' a logit, y 0 or 1)",
})
DEFAULT_LOSS = "mse"
DEFAULT_DELTA = 1.0

#: The ids of the nodes a parsed graph has above its prediction.
_RESIDUAL = "residual"
_LOSS = "loss"

_CACHE: WeakKeyDictionary[Graph, dict[tuple[str, float], Graph]] = WeakKeyDictionary()


class LossError(ValueError):
    """A loss name or a Huber δ that is not allowed (one line)."""


def check_loss(loss: object) -> str:
    """``loss`` as a known loss name (case and spaces ignored).

    Raises
    ------
    LossError
        If it is not one of :data:`LOSSES`.
    """
    name = loss.strip().lower() if isinstance(loss, str) else ""
    if name not in LOSSES:
        raise LossError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")
    return name


def check_delta(delta: object) -> float:
    """``delta`` as Huber's δ: a finite number > 0.

    Raises
    ------
    LossError
        Otherwise.
    """
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) \
            or not math.isfinite(float(delta)) or float(delta) <= 0.0:
        raise LossError(f"delta must be a finite number > 0, got {delta!r}")
    return float(delta)


def loss_of(graph: Graph) -> tuple[str, float]:
    """The loss on top of ``graph`` and its δ (1 unless Huber): what :func:`with_loss`
    put there."""
    top = graph[graph.loss]
    if top.op == "huber":
        return "huber", float(top.param if top.param is not None else DEFAULT_DELTA)
    return {"abs": "mae", "sub": "bce"}.get(str(top.op), "mse"), DEFAULT_DELTA


def with_loss(graph: Graph, loss: str = DEFAULT_LOSS, delta: float = DEFAULT_DELTA
              ) -> Graph:
    """``graph`` with ``loss`` on top instead of the loss it has (a parsed graph has the
    squared error).

    A graph that has that loss already is returned itself (``mse`` on a parsed graph).
    The result is cached per graph, so asking twice gives the same graph (and its
    compiled code is generated once).

    Raises
    ------
    LossError
        For an unknown loss or a δ that is not finite and > 0.
    """
    loss = check_loss(loss)
    delta = check_delta(delta) if loss == "huber" else DEFAULT_DELTA
    if loss_of(graph) == (loss, delta):
        return graph
    known = _CACHE.setdefault(graph, {})
    built = known.get((loss, delta))
    if built is None:
        built = known[(loss, delta)] = _rebuild(graph, loss, delta)
    return built


def _rebuild(graph: Graph, loss: str, delta: float) -> Graph:
    # What y' depends on, and the target: every loss is built on these.
    keep = nx.ancestors(graph.nx, graph.output) | {graph.output}
    below = [node for node in graph if node.id in keep]
    taken = {node.id for node in graph}
    target = graph.target or "y"
    below.append(graph[target] if target in graph
                 else Node(id=target, label="y", kind="target", expr="y"))
    taken.add(target)
    taken -= {_RESIDUAL, _LOSS}
    z = graph.output
    top: list[Node]
    if loss == "bce":
        soft = _free("softplus", taken)
        product = _free("y_logit", taken)
        top = [
            Node(id=soft, label="softplus", kind="op", op="softplus", inputs=(z,),
                 expr="softplus(y')"),
            Node(id=product, label="×", kind="op", op="mul", inputs=(target, z),
                 expr="y*y'"),
            Node(id=_LOSS, label="L", kind="loss", op="sub", inputs=(soft, product),
                 expr="softplus(y') - y*y'"),
        ]
    else:
        op, param, text = {"mse": ("square", None, "(y - y')**2"),
                           "mae": ("abs", None, "abs(y - y')"),
                           "huber": ("huber", delta, "huber(y - y')")}[loss]
        top = [
            Node(id=_RESIDUAL, label="y − y'", kind="op", op="sub", inputs=(target, z),
                 expr="y - y'"),
            Node(id=_LOSS, label="L", kind="loss", op=op, inputs=(_RESIDUAL,), param=param,
                 expr=text),
        ]
    # The nodes below keep their names; the new ones are named by the new graph.
    return Graph(below + top, output=graph.output, loss=_LOSS, formula=graph.formula,
                 name=graph.name, warnings=graph.warnings)


def _free(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem`` with a number, whichever no node has."""
    candidate, number = stem, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}{number}"
    taken.add(candidate)
    return candidate


def target_problem(loss: str, y: object, data_name: str = "the data") -> str | None:
    """Why ``loss`` cannot train on the targets ``y`` (one line), or ``None``.

    Binary cross-entropy needs every target to be 0 or 1; the message names the first
    sample (counted from 0, as ``--sample``) that is not, and its value.
    """
    if check_loss(loss) != "bce":
        return None
    targets = np.asarray(y, dtype=np.float64).ravel()
    bad = np.flatnonzero((targets != 0.0) & (targets != 1.0))
    if bad.size == 0:
        return None
    first = int(bad[0])
    return (f"binary cross-entropy needs every target to be 0 or 1, but sample {first} of "
            f"{data_name} has y = {float(targets[first]):g}"
            f"{f' ({bad.size:,} targets are not 0 or 1)' if bad.size > 1 else ''}; "
            "choose another loss or data with 0/1 targets")
