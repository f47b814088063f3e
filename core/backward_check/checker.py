"""Check a student's ``backward_propagation`` (and ``forward_propagation``) against the
engine and against finite differences, on many samples and weights.

The student's file is the course notebook's shape: ``backward_propagation(x, y, w,
forward_dict)`` returns ``{'dw1': ..., 'dw9': ...}`` (for other graphs, ``'d' + name`` of every
weight), and may define ``forward_propagation(x, y, w)`` returning the notebook's dict
(``exp``, ``tanh``, ``sigmoid``, ``loss``, ``dy_pred`` ...).  ``backward_propagation`` always
receives the engine's values of those keys, so a wrong forward is reported on its own and
never makes a right backward look wrong.

The file runs contained (:mod:`core.backward_check.sandbox`) at the points of
:func:`core.backward_check.points.sample_points` (several weight scales, every weight large
in turn); only its numbers come back, and :func:`core.backward_check.verdict.judge` compares
them with the exact gradients (a tolerance scaled to each gradient's rounding, close calls
settled in extended precision, a numerical derivative recognised as such).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.autodiff.gradcheck import (
    DEFAULT_EPS,
    Verdict,
    WeightCheck,
    check_graph,
    relative_error,
    verdict_for,
)
from core.autodiff.graph import Graph
from core.backward_check import verdict as verdicts
from core.backward_check.points import Point, sample_points
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
           "backward_keys", "check_backward_file"]

#: Points judged at least: one set of :func:`sample_points` (40 for the seed), more sets
#: while fewer than ``samples``.
DEFAULT_SAMPLES = 40
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
        ``correct`` when the value is the exact gradient (within rounding) at every point,
        else ``wrong``.
    max_relative_error
        ``|student - exact| / (|student| + |exact|)`` at the worst point (the one with the
        most tolerances of error; nan when the student returned a non-finite value).
    worst_sample
        The data row (counted from 0, as ``--sample``) of the worst point.
    student, engine, numeric
        The three values at the worst point (the engine's float64 gradient; a central
        difference of step ``eps``).
    worst_weights
        The weights at the worst point (to reproduce it with ``inspect --weights``).
    exact
        The exact gradient there (extended precision when it was needed).
    tolerance
        The tolerance there.
    wrong_points
        At how many points the value is not the exact gradient.
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
    exact: float = math.nan
    tolerance: float = math.nan
    wrong_points: int = 0


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
    #: The verdict's one line (what is wrong, and where, or how close to the tolerance).
    message: str = ""
    #: The numbers are a numerical derivative's, not the exact one's.
    numerical_derivative_suspected: bool = False

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


def backward_keys(graph: Graph) -> tuple[str, ...]:
    """The keys ``backward_propagation`` returns: ``'d' + name`` of each weight."""
    return tuple(f"d{name}" for name in graph.weights)


def _points(graph: Graph, dataset: Dataset, aliases: Mapping[str, str], samples: int,
            seed: int, current_weights: Sequence[float] | None) -> list[Point]:
    """Sets of :func:`sample_points` until there are at least ``samples`` points."""
    rng = np.random.default_rng(seed)
    points = sample_points(graph, dataset, current_weights, rng, aliases)
    while len(points) < samples:
        more = sample_points(graph, dataset, None, rng, aliases)
        if not more:
            break
        points += more[:samples - len(points)]
    if not points:
        raise StudentCodeError("no point of the data keeps this graph's forward pass finite: "
                               "nothing to check the backward pass on")
    return points


def check_backward_file(path: str | os.PathLike[str], graph: Graph, dataset: Dataset,
                        aliases: Mapping[str, str] | None = None,
                        samples: int = DEFAULT_SAMPLES, seed: int = 0,
                        timeout: float = DEFAULT_TIMEOUT, eps: float = DEFAULT_EPS,
                        memory_mb: int = DEFAULT_MEMORY_MB,
                        cancel: threading.Event | None = None,
                        disable: Collection[str] = (),
                        require_isolation: bool = False,
                        current_weights: Sequence[float] | None = None) -> BackwardCheckReport:
    """Run a student's file contained at the check's points and judge every weight's
    derivative against the exact gradients.

    Parameters
    ----------
    path
        The student's Python file.
    graph, dataset
        The model and the data the points come from.
    aliases
        The notebook's names of intermediates (the preset's), added to the forward dict.
    samples
        At least this many points (one set of :func:`sample_points` in any case: 40 for
        the seed, every weight large in turn).
    seed
        Seeds the rows and weights chosen.
    timeout
        Seconds the student's code may run in all.
    eps
        Finite-difference step of the ``numeric`` column (shown, never judged by).
    memory_mb
        Memory limit of the student's process.
    cancel
        Set from another thread to stop the student's process at once.
    disable
        Protections left out (``namespaces``, ``landlock``, ``rlimits``), to measure them.
    require_isolation
        Refuse to run the file unless every protection applies (for graders).
    current_weights
        The run's weights (some points are there), or None.

    Raises
    ------
    StudentCodeError
        The file cannot be checked (one line saying why).
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    points = _points(graph, dataset, aliases or {}, samples, seed, current_weights)
    keys = backward_keys(graph)
    forward_keys = [k for k in (*NOTEBOOK_FORWARD_KEYS, "y_pred")
                    if k in points[0].forward_dict]
    run = run_student_file(
        path,
        [CheckPoint(p.x, p.y, p.w, p.forward_dict) for p in points],
        keys, forward_keys, timeout=timeout, memory_mb=memory_mb, cancel=cancel,
        disable=disable, require_isolation=require_isolation,
    )
    verdict = verdicts.judge(graph, points,
                             [dict(zip(keys, row, strict=True)) for row in run.backward])
    # The engine's and the numeric gradient at each weight's worst point: one gradient
    # check per distinct point gives them for every weight.
    checks = {p: check_graph(graph, points[p].x, points[p].y, points[p].w, eps)
              for p in {weight.worst_point for weight in verdict.weights}}
    findings = tuple(_finding(weight, key, points[weight.worst_point],
                              checks[weight.worst_point].weights[index])
                     for index, (weight, key) in enumerate(zip(verdict.weights, keys,
                                                               strict=True)))
    forward = None if run.forward is None else _judge_forward(points, run.forward)
    return BackwardCheckReport(path=str(path), samples=len(points), eps=eps,
                               weights=findings, forward=forward,
                               containment=run.containment,
                               message=verdict.message + broken_note(graph),
                               numerical_derivative_suspected=(
                                   verdict.numerical_derivative_suspected))


def broken_note(graph: Graph) -> str:
    """What a report must add when the app's own rule is broken on purpose (a break-it
    lab): the exact column is then the app's broken gradient, and the numeric one, from
    the forward pass alone, says who is right."""
    if not graph.breaks:
        return ""
    nodes = ", ".join(graph[node].name for node in graph.order if node in graph.breaks)
    return (f" Note: this graph's derivative at {nodes} is broken on purpose, so the exact "
            "column is the app's broken gradient there; where yours agrees with the numeric "
            "column instead, the app is the one that is wrong.")


def _finding(weight: verdicts.WeightVerdict, key: str, point: Point,
             engine: WeightCheck) -> WeightFinding:
    """A weight's verdict with the engine's and the numeric gradient at its worst point."""
    error = relative_error(weight.student, weight.exact)
    if weight.error == 0.0:
        error = 0.0
    return WeightFinding(weight.name, key, "correct" if weight.status == "ok" else "wrong",
                         error, point.row, weight.student, engine.analytic, engine.numeric,
                         point.w, weight.exact, weight.tolerance, weight.wrong_points)


def _judge_forward(points: Sequence[Point],
                   forwards: Sequence[Mapping[str, float]]) -> ForwardCheck:
    # The keys the notebook's forward_propagation returns (those the graph has); the
    # engine knows more names (op ids) but a student is only held to these, and to y_pred
    # when returned.
    notebook = [k for k in NOTEBOOK_FORWARD_KEYS if k in points[0].forward_dict]
    checked = [k for k in [*notebook, "y_pred"] if k in forwards[0]]
    missing = tuple(k for k in notebook if k not in forwards[0])
    keys: dict[str, tuple[Verdict, float, int]] = {}
    for key in checked:
        worst_error, worst = -1.0, 0
        for k, point in enumerate(points):
            given = forwards[k].get(key, math.nan)
            error = relative_error(given, point.forward_dict[key])
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
