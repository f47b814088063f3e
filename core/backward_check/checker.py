"""Check a student's ``backward_propagation`` (and ``forward_propagation``) against the
engine and against finite differences, on many samples and weights.

The student's file is the course notebook's shape: ``backward_propagation(x, y, w,
forward_dict)`` returns ``{'dw1': ..., 'dw9': ...}`` (for other graphs, ``'d' + name`` of every
weight), and may define ``forward_propagation(x, y, w)`` returning the notebook's dict
(``exp``, ``tanh``, ``sigmoid``, ``loss``, ``dy_pred`` ...).  ``backward_propagation`` always
receives the engine's values of those keys, so a wrong forward is reported on its own and
never makes a right backward look wrong.

Per weight, every point's value is judged by the gradient check's noise-aware rule against
the numeric gradient (:func:`core.autodiff.gradcheck.weight_verdict`); the weight's verdict
is its worst, and its error is the largest relative error against the engine's gradient.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.autodiff.engine import Trace, evaluate
from core.autodiff.gradcheck import (
    DEFAULT_EPS,
    GradCheckReport,
    Verdict,
    check_graph,
    relative_error,
    verdict_for,
)
from core.autodiff.graph import Graph
from core.backward_check.sandbox import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    CheckPoint,
    Containment,
    StudentCodeError,
    run_student_file,
)
from core.data.datasets import Dataset

__all__ = ["BackwardCheckReport", "ForwardCheck", "StudentCodeError", "WeightFinding",
           "aliases_for", "backward_keys", "check_backward_file", "engine_forward_dict"]

DEFAULT_SAMPLES = 20
#: Weight scales the points cycle through: near the notebook's start, mid-training, wild.
WEIGHT_SCALES = (0.1, 0.5, 1.0)
#: How often a point is redrawn when its forward pass overflows.
REDRAWS = 20
#: What the notebook's forward_propagation returns (for graphs that have these nodes).
NOTEBOOK_FORWARD_KEYS = ("exp", "tanh", "sigmoid", "v1", "v2", "part_3", "loss", "dy_pred")
_RANK: Mapping[str, int] = {"correct": 0, "suspicious": 1, "wrong": 2}


@dataclass(frozen=True)
class WeightFinding:
    """One weight over all points.

    Attributes
    ----------
    name
        The weight (``w3``).
    key
        The student's key for it (``dw3``).
    verdict
        The worst verdict over the points.
    max_relative_error
        The largest ``|student - engine| / (|student| + |engine|)`` (nan when the student
        returned a non-finite value).
    worst_sample
        The data row (counted from 0, as ``--sample``) where that error is largest.
    student, engine, numeric
        The three values at the worst point.
    worst_weights
        The weights at the worst point (to reproduce it with ``inspect --weights``).
    """

    name: str
    key: str
    verdict: Verdict
    max_relative_error: float
    worst_sample: int
    student: float
    engine: float
    numeric: float
    worst_weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class ForwardCheck:
    """``forward_propagation`` against the engine, key by key.

    Attributes
    ----------
    verdict
        ``correct`` when every key it shares with the engine agrees (< 1e-7), ``wrong``
        when one differs by more than 1e-3 or ``loss`` is missing, else ``suspicious``.
    keys
        Key -> (verdict, max relative error, worst sample), for the keys checked.
    missing
        Keys of the notebook it does not return (only ``loss`` is required).
    """

    verdict: Verdict
    keys: Mapping[str, tuple[Verdict, float, int]]
    missing: tuple[str, ...]

    @property
    def wrong(self) -> tuple[str, ...]:
        return tuple(k for k, (verdict, _, _) in self.keys.items() if verdict != "correct")


@dataclass(frozen=True)
class BackwardCheckReport:
    """The verdict on a student's file."""

    path: str
    samples: int
    eps: float
    weights: tuple[WeightFinding, ...]
    forward: ForwardCheck | None
    #: Which protections applied to the student's process.
    containment: Containment = field(default_factory=Containment)

    @property
    def wrong(self) -> tuple[str, ...]:
        """Weights whose verdict is ``wrong``."""
        return tuple(f.name for f in self.weights if f.verdict == "wrong")

    @property
    def flagged(self) -> tuple[str, ...]:
        """Weights whose verdict is not ``correct``."""
        return tuple(f.name for f in self.weights if f.verdict != "correct")

    @property
    def all_correct(self) -> bool:
        forward_ok = self.forward is None or self.forward.verdict == "correct"
        return not self.flagged and forward_ok


def aliases_for(graph: Graph) -> Mapping[str, str]:
    """The notebook's names of intermediates for a graph built from a preset's formula
    (the seed's ``exp``, ``tanh``, ``sigmoid``, ``v1``, ``v2``), else none."""
    from core.presets import PRESETS

    for preset in PRESETS.values():
        if preset.formula == graph.formula and preset.aliases:
            return preset.aliases
    return {}


def backward_keys(graph: Graph) -> tuple[str, ...]:
    """The keys ``backward_propagation`` returns: ``'d' + name`` of each weight."""
    return tuple(f"d{name}" for name in graph.weights)


def engine_forward_dict(trace: Trace, aliases: Mapping[str, str]) -> dict[str, float]:
    """The forward dict the notebook builds, from the engine's trace: ``loss``, ``y_pred``,
    ``dy_pred``, the preset's names of intermediates (for the seed ``exp``, ``tanh``,
    ``sigmoid``, ``v1``, ``v2``, and the notebook's ``part_1..3``), and every op node's id."""
    graph = trace.graph
    result = {node.id: float(trace.values[node.id]) for node in graph.op_nodes()}
    for name, node_id in aliases.items():
        if node_id in graph:
            result[name] = float(trace.values[node_id])
    # The notebook's own variable names for the seed's three parts.
    for part, name in (("part_1", "exp"), ("part_2", "tanh"), ("part_3", "sigmoid")):
        if name in result:
            result[part] = result[name]
    result["loss"] = float(trace.loss)
    result["y_pred"] = float(trace.y_pred)
    result["dy_pred"] = float(trace.dy_pred)
    return result


@dataclass(frozen=True)
class _Point:
    row: int
    x: np.ndarray
    y: float
    w: np.ndarray
    trace: Trace
    forward: dict[str, float]


def _points(graph: Graph, dataset: Dataset, aliases: Mapping[str, str], samples: int,
            seed: int) -> list[_Point]:
    """``samples`` rows drawn at random (without repeats while the data lasts), each with
    its own random weights; points whose forward pass overflows are redrawn."""
    rng = np.random.default_rng(seed)
    n = len(dataset)
    rows = rng.permutation(n)
    points: list[_Point] = []
    for i in range(samples):
        row = int(rows[i % n]) if i < n else int(rng.integers(n))
        x, y = dataset.row(row)
        scale = WEIGHT_SCALES[i % len(WEIGHT_SCALES)]
        for _ in range(REDRAWS):
            w = rng.normal(0.0, scale, size=len(graph.weights))
            trace = evaluate(graph, x, y, w)
            if trace.first_nonfinite() is None:
                break
            scale /= 2.0  # smaller weights until the pass stays finite
        points.append(_Point(row, np.asarray(x, dtype=float), float(y), w, trace,
                             engine_forward_dict(trace, aliases)))
    return points


def check_backward_file(path: str | os.PathLike[str], graph: Graph, dataset: Dataset,
                        aliases: Mapping[str, str] | None = None,
                        samples: int = DEFAULT_SAMPLES, seed: int = 0,
                        timeout: float = DEFAULT_TIMEOUT, eps: float = DEFAULT_EPS,
                        memory_mb: int = DEFAULT_MEMORY_MB,
                        cancel: threading.Event | None = None,
                        disable: Collection[str] = ()) -> BackwardCheckReport:
    """Run a student's file on ``samples`` points and judge every weight's derivative.

    Parameters
    ----------
    path
        The student's Python file.
    graph, dataset
        The model and the data the points come from.
    aliases
        The notebook's names of intermediates (the preset's), added to the forward dict.
    samples
        How many (row, weights) points.
    seed
        Seeds the rows and weights chosen.
    timeout
        Seconds the student's code may run in all.
    eps
        Finite-difference step of the numeric gradient.
    memory_mb
        Memory limit of the student's process.
    cancel
        Set from another thread to stop the student's process at once.
    disable
        Protections left out (``namespaces``, ``landlock``, ``rlimits``), to measure them.

    Raises
    ------
    StudentCodeError
        The file cannot be checked (one line saying why).
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    points = _points(graph, dataset, aliases or {}, samples, seed)
    keys = backward_keys(graph)
    forward_keys = [k for k in (*NOTEBOOK_FORWARD_KEYS, "y_pred") if k in points[0].forward]
    run = run_student_file(
        path,
        [CheckPoint(tuple(map(float, p.x)), p.y, tuple(map(float, p.w)), p.forward)
         for p in points],
        keys, forward_keys, timeout=timeout, memory_mb=memory_mb, cancel=cancel,
        disable=disable,
    )
    # One gradient check per point, of the student's whole gradient there.
    reports = [check_graph(graph, p.x, p.y, p.w, eps, analytic=run.backward[k])
               for k, p in enumerate(points)]
    findings = tuple(
        _judge_weight(index, name, key, points, reports)
        for index, (name, key) in enumerate(zip(graph.weights, keys, strict=True))
    )
    forward = None if run.forward is None else _judge_forward(points, run.forward)
    return BackwardCheckReport(path=str(path), samples=len(points), eps=eps,
                               weights=findings, forward=forward,
                               containment=run.containment)


def _judge_weight(index: int, name: str, key: str, points: Sequence[_Point],
                  reports: Sequence[GradCheckReport]) -> WeightFinding:
    verdict: Verdict = "correct"
    worst_error, worst = -1.0, 0
    worst_difference = -1.0
    for k, (point, report) in enumerate(zip(points, reports, strict=True)):
        this = report.weights[index]
        if _RANK[this.verdict] > _RANK[verdict]:
            verdict = this.verdict
        engine = point.trace.weight_grads[index]
        error = relative_error(this.analytic, engine)
        difference = abs(this.analytic - engine)
        if math.isnan(error):  # a nan answer is the worst there is
            error = difference = math.inf
        # Ties (a relative error of 1 wherever the true gradient is ~0) go to the point
        # where the answer is furthest off.
        if (error, difference) > (worst_error, worst_difference):
            worst_error, worst_difference, worst = error, difference, k
    at_worst = reports[worst].weights[index]
    error_out = worst_error if math.isfinite(at_worst.analytic) else math.nan
    return WeightFinding(name, key, verdict, error_out, points[worst].row, at_worst.analytic,
                         float(points[worst].trace.weight_grads[index]), at_worst.numeric,
                         tuple(float(v) for v in points[worst].w))


def _judge_forward(points: Sequence[_Point],
                   forwards: Sequence[Mapping[str, float]]) -> ForwardCheck:
    # The keys the notebook's forward_propagation returns (those the graph has); the
    # engine knows more names (op ids) but a student is only held to these, and to y_pred
    # when returned.
    notebook = [k for k in NOTEBOOK_FORWARD_KEYS if k in points[0].forward]
    checked = [k for k in [*notebook, "y_pred"] if k in forwards[0]]
    missing = tuple(k for k in notebook if k not in forwards[0])
    keys: dict[str, tuple[Verdict, float, int]] = {}
    for key in checked:
        worst_error, worst = -1.0, 0
        for k, point in enumerate(points):
            given = forwards[k].get(key, math.nan)
            error = relative_error(given, point.forward[key])
            error = math.inf if math.isnan(error) else error
            if error > worst_error:
                worst_error, worst = error, k
        keys[key] = (verdict_for(worst_error), worst_error, points[worst].row)
    verdict: Verdict = "correct"
    for key_verdict, _, _ in keys.values():
        if _RANK[key_verdict] > _RANK[verdict]:
            verdict = key_verdict
    if "loss" in missing:
        verdict = "wrong"
    return ForwardCheck(verdict, keys, missing)
