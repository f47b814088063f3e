"""Guided lessons: a list of stops, each a caption and the view it sets up.

A lesson is a JSON file, shipped in ``resources/lessons/NAME.json`` or written by a
teacher and opened by path::

    {
      "format": "backprop-explorer-lesson",
      "version": 1,
      "title": "The seed notebook, step by step",
      "graph": "seed",                      # optional default for every stop
      "stops": [
        {
          "caption": "What the stop shows and says (required).",
          "graph": "seed",                  # a preset name or a formula for y'
          "optimizer": "sgd",               # an optimizer name
          "steps": 0,                       # train this many samples from the start
          "stepper": {"phase": "backward", "at": 0},
                                            # stepping mode at a position of the next step:
                                            # phase forward | backward | update, "at" from
                                            # 0 (negative: from the phase's end)
          "plot": "loss",                   # loss | weights | compare: the plot tab shown
          "compare": ["sgd", "momentum", "adam"],  # run a comparison
          "gradient_check": true,           # show the gradient-check panel
          "spotlight": ["part_3·w9", "w9"], # nodes kept bright, the rest dimmed
          "hide": {"node": "w9", "number": "grad",
                   "question": "Which sign will dL/dw9 have?"},
                                            # predict, then reveal on the next click
          "view": {"nodes": ["y'", "y", "L"]}
                                            # what the camera shows when presenting (or
                                            # following): these nodes, with the
                                            # stepper's active node
          "reveal": true                    # the lesson's break revealed and undone
        }
      ],
      "optimizers": [{"name": "lion", "hyperparameters": ..., "update": ...}],
                                            # optional: optimizers the stops name
                                            # (core.training.optimizer_files)
      "ops": [{"name": ..., "args": ..., "forward": ..., "derivatives": ...}],
                                            # optional: ops the formulas call
                                            # (core.autodiff.user_ops)
      "break": {"name": "sigmoid", "args": ["a"], "derivatives": ["out*(1 + out)"],
                "nodes": ["σ"]}             # optional: a derivative broken on purpose
                                            # at every stop but those that reveal it
                                            # (core.autodiff.breaks)
    }

A stop refers to nodes by their names, as the graph, the stepper and the inspector call
them (``w9``, ``part_3``, ``v1·v2``, ``#4``, ``y'``, ``L``; see
:mod:`core.autodiff.naming`); a node's id (``mul8``) or a label only one node has (``σ``
in the seed) is accepted too.  :func:`node_id` resolves one; a name the graph lacks is a
:class:`LessonError` naming the file, the stop and the name.  A stop on a preset has its
names checked when the lesson is loaded; one on a formula, when it is shown (a formula
needs its data's columns).

Every stop is applied from the same start (the graph's initial weights, then ``steps``
samples), so stops can be visited in any order and always show the same state.  Keys not
listed are refused, so a typo is caught rather than ignored.  A caption is at most
:data:`MAX_CAPTION_CHARS` characters and a question :data:`MAX_QUESTION_CHARS` (the
presenter's band has room for that much; a longer story is several stops).
:func:`load_lesson` raises :class:`LessonError` with one line naming the file, the stop
and the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from core.user_files import read_text, unreadable

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.debugger.stepper import Phase

LESSON_FOLDER = Path(__file__).resolve().parents[1] / "resources" / "lessons"
LESSON_FORMAT = "backprop-explorer-lesson"
LESSON_VERSION = 1
#: The stepper's phases (core.debugger.stepper.PHASES), here so that reading a lesson
#: loads no engine.
PHASES: tuple[Phase, ...] = ("forward", "backward", "update")
PLOTS = ("loss", "weights", "compare")
NUMBERS = ("value", "grad")
#: A lesson file larger than this is refused before reading (a lesson is a few KiB).
MAX_LESSON_BYTES = 1 << 20
MAX_STEPS = 1_000_000
#: Longest caption, question and title, in characters.
MAX_CAPTION_CHARS = 1000
MAX_QUESTION_CHARS = 300
MAX_TITLE_CHARS = 200
#: Most nodes a stop's view names.
MAX_VIEW_NODES = 64

_TOP_KEYS = {"format", "version", "title", "description", "graph", "stops", "ops", "break",
             "optimizers"}
_STOP_KEYS = {"caption", "graph", "optimizer", "steps", "stepper", "plot", "compare",
              "gradient_check", "spotlight", "hide", "view", "reveal"}


class LessonError(ValueError):
    """A lesson file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class StepperAt:
    """A position of the next training step: ``at`` within ``phase`` (negative: from the
    phase's end)."""

    phase: Phase
    at: int


@dataclass(frozen=True)
class HiddenNumber:
    """A number hidden until the next click: ``number`` (value or grad) of ``node``."""

    node: str
    number: str
    question: str


@dataclass(frozen=True)
class Stop:
    """One stop of a lesson: its caption and the view it sets up."""

    caption: str
    graph: str
    optimizer: str | None = None
    steps: int = 0
    stepper: StepperAt | None = None
    plot: str | None = None
    compare: tuple[str, ...] = ()
    gradient_check: bool = False
    spotlight: tuple[str, ...] = ()
    hide: HiddenNumber | None = None
    #: The nodes the camera shows (names, ids or labels); empty: the stop sets none.
    view: tuple[str, ...] = ()
    #: The lesson's break is revealed (and the true derivatives used) at this stop.
    reveal: bool = False

    def node_references(self) -> tuple[str, ...]:
        """Every node the stop names: its spotlight, its hidden number's node, its view."""
        hidden = () if self.hide is None else (self.hide.node,)
        return (*self.spotlight, *hidden, *self.view)


@dataclass(frozen=True)
class Lesson:
    """A titled list of stops."""

    title: str
    stops: tuple[Stop, ...]
    source: str
    description: str = ""
    #: File-defined ops the stops' formulas call, and derivatives broken on purpose
    #: (:mod:`core.autodiff.user_ops`, :mod:`core.autodiff.breaks`): JSON dicts.
    ops: tuple[dict[str, Any], ...] = ()
    breaks: tuple[dict[str, Any], ...] = ()
    #: The definitions of the optimizers the lesson file defines (JSON dicts).
    optimizers: tuple[dict[str, Any], ...] = ()


def shipped_lessons() -> list[str]:
    """Names of the lessons in ``resources/lessons``."""
    return sorted(path.stem for path in LESSON_FOLDER.glob("*.json"))


def lesson_path(spec: str) -> Path:
    """A shipped lesson's name, or a path to a lesson file."""
    if spec in shipped_lessons():
        return LESSON_FOLDER / f"{spec}.json"
    path = Path(spec)
    if path.suffix.lower() != ".json" and not path.exists():
        known = ", ".join(shipped_lessons()) or "none"
        raise LessonError(f"--lesson: no lesson named {spec!r} (shipped: {known}) and no "
                          f"such file")
    return path


def load_lesson(spec: str, *, optimizers: Sequence[str] = ()) -> Lesson:
    """Read and check a lesson (a shipped name or a file path).

    ``optimizers``, when given, are the known optimizer names each stop is checked against.
    Graph specs are checked when the stop is shown (a formula needs its data's columns).

    Raises
    ------
    LessonError
        One line: the file, the stop (from 1) and what is wrong.
    """
    path = lesson_path(spec)
    name = path.name
    try:
        text = read_text(path, MAX_LESSON_BYTES)  # refuses a FIFO or device unread
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(unreadable(spec, error, "lesson file")) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LessonError(f"{name}: not valid JSON (line {error.lineno}, column "
                          f"{error.colno}: {error.msg})") from None
    except RecursionError:
        raise LessonError(f"{name}: nested too deeply") from None
    return parse_lesson(data, name, optimizers=optimizers)


def parse_lesson(data: Any, name: str = "lesson", *,
                 optimizers: Sequence[str] = ()) -> Lesson:
    """Check the decoded JSON of a lesson; see :func:`load_lesson`."""
    if not isinstance(data, dict):
        raise LessonError(f"{name}: a lesson is a JSON object with a list of \"stops\"")
    _no_unknown(data, _TOP_KEYS, name)
    if data.get("format", LESSON_FORMAT) != LESSON_FORMAT:
        raise LessonError(f"{name}: \"format\" must be {LESSON_FORMAT!r}")
    if data.get("version", LESSON_VERSION) != LESSON_VERSION:
        raise LessonError(f"{name}: version {data.get('version')!r} is not supported "
                          f"(this program reads version {LESSON_VERSION})")
    title = _text(data, "title", name, required=True, limit=MAX_TITLE_CHARS)
    description = _text(data, "description", name)
    default_graph = _text(data, "graph", name) or "seed"
    from core.autodiff.breaks import lesson_extensions

    try:
        ops, breaks = lesson_extensions(data, name)  # registered before any stop's formula
    except ValueError as error:
        raise LessonError(str(error)) from None
    from core.training.optimizers import OPTIMIZERS, HyperparameterError, register_definitions

    try:  # registered, so the stops may name them
        added = register_definitions(data.get("optimizers", []), f"{name}: \"optimizers\"")
    except HyperparameterError as error:
        raise LessonError(str(error)) from None
    optimizers = [*optimizers, *added] if optimizers else optimizers
    stops = data.get("stops")
    if not isinstance(stops, list) or not stops:
        raise LessonError(f"{name}: \"stops\" must be a non-empty list")
    parsed = tuple(_stop(stop, f"{name}: stop {i}", default_graph, optimizers)
                   for i, stop in enumerate(stops, start=1))
    _check_preset_nodes(parsed, name)
    _check_breaks(parsed, breaks, name)
    return Lesson(title=title, stops=parsed, source=name, description=description, ops=ops,
                  breaks=breaks,
                  optimizers=tuple(dict(OPTIMIZERS[n].definition) for n in added))


def node_id(graph: Graph, reference: str, where: str) -> str:
    """The id of the node a lesson calls ``reference``: its name (``part_3``,
    ``v1·v2``), else its id (``mul8``), else a label only one node has (``σ``).

    Raises
    ------
    LessonError
        ``where`` (the file and the stop), the name, and a few of the graph's names.
    """
    node = graph.find(reference)
    if node is not None:
        return node.id
    shared = [n.name for n in graph if n.label == reference]
    if shared:
        listed = ", ".join(shared[:4]) + (", …" if len(shared) > 4 else "")
        raise LessonError(f"{where}: {reference!r} is the symbol of {len(shared)} nodes; "
                          f"name one of them ({listed})")
    names = [graph[i].name for i in graph.order if graph[i].op is not None]
    shown = ", ".join(names[-6:])
    raise LessonError(f"{where}: the graph has no node named {reference!r} (its operations "
                      f"are named {shown}{', …' if len(names) > 6 else ''}; weights and "
                      "features by their own names)")


def _check_preset_nodes(stops: Sequence[Stop], name: str) -> None:
    """Every node a stop on a preset names is in that preset's graph."""
    from core.presets import PRESETS

    graphs: dict[str, Graph] = {}
    for number, stop in enumerate(stops, start=1):
        if stop.graph not in PRESETS or not stop.node_references():
            continue
        if stop.graph not in graphs:
            graphs[stop.graph] = PRESETS[stop.graph].build()
        for reference in stop.node_references():
            node_id(graphs[stop.graph], reference, f"{name}: stop {number}")


def _check_breaks(stops: Sequence[Stop], breaks: Sequence[Mapping[str, Any]],
                  name: str) -> None:
    """The lesson's break applies to the graph of every stop that does not reveal it (else
    that stop would be refused only when shown, half set up)."""
    from core.autodiff.breaks import BreakError, apply_breaks
    from core.autodiff.formula import FormulaError
    from core.presets import resolve_graph

    checked: set[str] = set()
    for number, stop in enumerate(stops, start=1):
        if not breaks or stop.reveal or stop.graph in checked:
            continue
        checked.add(stop.graph)
        try:
            graph = resolve_graph(stop.graph)[0]
        except (FormulaError, ValueError):
            continue  # refused with its own words when the stop is shown
        try:
            apply_breaks(graph, breaks, f"{name}: stop {number}: \"break\"")
        except BreakError as error:
            raise LessonError(str(error)) from None


def _stop(data: Any, where: str, default_graph: str, optimizers: Sequence[str]) -> Stop:
    if not isinstance(data, dict):
        raise LessonError(f"{where}: a stop is a JSON object with a \"caption\"")
    _no_unknown(data, _STOP_KEYS, where)
    caption = _text(data, "caption", where, required=True, limit=MAX_CAPTION_CHARS)
    graph = _text(data, "graph", where) or default_graph
    optimizer = _text(data, "optimizer", where) or None
    if optimizer is not None and optimizers and optimizer not in optimizers:
        raise LessonError(f"{where}: unknown optimizer {optimizer!r}; known: "
                          f"{', '.join(optimizers)}")
    steps = data.get("steps", 0)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise LessonError(f"{where}: \"steps\" must be a whole number 0..{MAX_STEPS}")
    stepper = _stepper(data.get("stepper"), where)
    plot = _text(data, "plot", where) or None
    if plot is not None and plot not in PLOTS:
        raise LessonError(f"{where}: \"plot\" must be one of {', '.join(PLOTS)}")
    compare = _names(data, "compare", where)
    if optimizers:
        unknown = [n for n in compare if n not in optimizers]
        if unknown:
            raise LessonError(f"{where}: \"compare\": unknown optimizer {unknown[0]!r}")
    check = data.get("gradient_check", False)
    if not isinstance(check, bool):
        raise LessonError(f"{where}: \"gradient_check\" must be true or false")
    spotlight = _names(data, "spotlight", where)
    hide = _hidden(data.get("hide"), where)
    view = _view(data.get("view"), where)
    reveal = data.get("reveal", False)
    if not isinstance(reveal, bool):
        raise LessonError(f"{where}: \"reveal\" must be true or false")
    return Stop(caption=caption, graph=graph, optimizer=optimizer, steps=steps,
                stepper=stepper, plot=plot, compare=compare, gradient_check=check,
                spotlight=spotlight, hide=hide, view=view, reveal=reveal)


def _view(value: Any, where: str) -> tuple[str, ...]:
    """``{"nodes": [...]}``: the node names (checked against the graph when shown)."""
    if value is None:
        return ()
    if not isinstance(value, dict) or set(value) != {"nodes"}:
        raise LessonError(f"{where}: \"view\" must be {{\"nodes\": [node, ...]}}")
    nodes = value["nodes"]
    if not isinstance(nodes, list) or not nodes \
            or not all(isinstance(n, str) and n.strip() for n in nodes):
        raise LessonError(f"{where}: view \"nodes\" must be a non-empty list of node names "
                          "(as the graph names them; ids are accepted too)")
    if len(nodes) > MAX_VIEW_NODES:
        raise LessonError(f"{where}: view \"nodes\" names {len(nodes)} nodes; at most "
                          f"{MAX_VIEW_NODES}")
    return tuple(n.strip() for n in nodes)


def _stepper(value: Any, where: str) -> StepperAt | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"phase", "at"}:
        raise LessonError(f"{where}: \"stepper\" must be {{\"phase\": ..., \"at\": N}}")
    phase = value.get("phase", "forward")
    if phase not in PHASES:
        raise LessonError(f"{where}: stepper phase must be one of {', '.join(PHASES)}")
    at = value.get("at", 0)
    if isinstance(at, bool) or not isinstance(at, int):
        raise LessonError(f"{where}: stepper \"at\" must be a whole number")
    return StepperAt(phase=cast("Phase", phase), at=at)  # one of PHASES, checked above


def _hidden(value: Any, where: str) -> HiddenNumber | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"node", "number", "question"}:
        raise LessonError(f"{where}: \"hide\" must be {{\"node\": ..., \"number\": "
                          "\"value\" | \"grad\", \"question\": ...}")
    node = _text(value, "node", f"{where}: hide", required=True)
    number = value.get("number", "grad")
    if number not in NUMBERS:
        raise LessonError(f"{where}: hide \"number\" must be value or grad")
    question = _text(value, "question", f"{where}: hide", limit=MAX_QUESTION_CHARS)
    return HiddenNumber(node=node, number=number, question=question)


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = False,
          limit: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise LessonError(f"{where}: \"{key}\" is missing")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(f"{where}: \"{key}\" must be {'non-empty ' if required else ''}"
                          "text")
    text = value.strip()
    if limit is not None and len(text) > limit:
        raise LessonError(f"{where}: \"{key}\" is {len(text)} characters long; at most "
                          f"{limit} fit (split it across stops)")
    return text


def _names(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LessonError(f"{where}: \"{key}\" must be a list of names")
    return tuple(value)


def _no_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise LessonError(f"{where}: unknown key {unknown[0]!r}; known: "
                          f"{', '.join(sorted(known))}")
