"""The camera that follows the focus: the graph view zooms to what is being talked about.

No graph of eleven layers fits a 1024 px projector at a readable size, so in presentation
mode (and in the normal window when View > Follow the stepper is on) the view shows the
part being discussed instead of the whole graph.  Whatever the view is told to show names
the focus:

* the stepper (and a lesson stop's stepper): the active node, its inputs, the node
  receiving a gradient and the active node's consumers, with the active edge and the
  chain-rule note;
* a lesson stop's own ``view`` nodes;
* the spotlight's nodes, or the node marked after a divergence: each with its inputs and
  consumers.

For each focus the camera picks the zoom at which every number shown in that region is at
least :data:`MIN_DIGIT_PX` tall on screen (the digits' ink, from the number font's metrics
times the item's and the view's scale), or larger while the region still fits; and pans
there with a short animation.  When the region does not fit at that zoom, the active node,
the active edge and the note stay in view and the far inputs go out.  F (fit) shows the
whole graph until the focus moves again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import (
    QEasingCurve,
    QObject,
    QPointF,
    QRectF,
    QTimer,
    QVariantAnimation,
)
from PySide6.QtGui import QFont, QFontMetricsF

from core.autodiff.graph import Edge

if TYPE_CHECKING:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QTransform
    from PySide6.QtWidgets import QWidget

    from core.autodiff.graph import Graph
    from core.debugger.stepper import StepPosition
    from gui.graph.edge_item import EdgeItem
    from gui.graph.node_item import NodeItem

#: The least height of a number's digits on screen, in pixels, in the focus region.
MIN_DIGIT_PX = 20.0
#: The camera aims this much above the least (rounding of positions and fonts).
AIM_MARGIN = 1.04
#: Digits no taller than this: a single node fills no projector.
MAX_DIGIT_PX = 26.0
#: Length of a pan, in milliseconds.
ANIMATION_MS = 250
#: Faster than this many focus changes a second (a held key, fast play), the camera jumps.
FAST_STEPS_PER_SECOND = 10.0
#: Pixels kept free between the focus and the viewport's edges.
MARGIN_PX = 8.0
#: The digits whose ink is measured.
DIGITS = "0123456789"

#: Where a focus came from, the first one that names nodes winning.
SOURCES = ("view", "step", "spotlight", "highlight")


@dataclass(frozen=True)
class Focus:
    """What the camera shows: ``nodes`` as much as it can, ``core`` (and ``edge``, and the
    note) always."""

    nodes: frozenset[str] = frozenset()
    core: frozenset[str] = frozenset()
    edge: Edge | None = None
    #: Whether the chain-rule note belongs to the focus.
    note: bool = False
    #: Nodes kept in view before the far ones, after the core (the active node's inputs).
    near: frozenset[str] = frozenset()
    #: The stepper's active node, kept in view above all.
    active: str | None = None

    def __bool__(self) -> bool:
        return bool(self.nodes or self.core)


@dataclass(frozen=True)
class Shot:
    """A camera position: zoom (pixels per scene unit) and the scene point at the
    viewport's centre."""

    zoom: float
    centre: QPointF = field(default_factory=QPointF)


def digit_ink(font: QFont) -> float:
    """Height in pixels of the ink of the digits 0-9 set in ``font`` (what a reader sees
    of a number's size, unlike the font's pixel size)."""
    return QFontMetricsF(font).tightBoundingRect(DIGITS).height()


def digit_height(item: NodeItem) -> float:
    """Height of the digits' ink of ``item``'s numbers in scene units (before the view's
    zoom); a squeeze only narrows them."""
    return digit_ink(item.number_font) * abs(item.sceneTransform().m22())


class CameraView(Protocol):
    """What the camera reads and moves of the graph view (:class:`~gui.graph.view.GraphView`
    has it all)."""

    @property
    def graph(self) -> Graph | None: ...
    @property
    def node_items(self) -> dict[str, NodeItem]: ...
    @property
    def edge_items(self) -> Mapping[Edge, EdgeItem]: ...
    def viewport(self) -> QWidget: ...
    def transform(self) -> QTransform: ...
    def mapToScene(self, point: QPoint, /) -> QPointF: ...
    def free_area(self) -> QRectF: ...
    def note_anchor(self) -> QPointF | None: ...
    def note_gap(self) -> float: ...
    def note_size(self) -> tuple[float, float]: ...
    def show_at(self, zoom: float, centre: QPointF, *, place_note: bool = False) -> None: ...
    def fit_all(self) -> None: ...


class FocusCamera(QObject):
    """Zooms and pans a :class:`~gui.graph.view.GraphView` to its focus.

    The camera is engaged while presenting or while following (the View toggle); the
    view tells it what it shows (:meth:`set_step`, :meth:`set_nodes`) and it moves the
    view when engaged.

    Parameters
    ----------
    view
        The graph view it moves.
    parent
        Its Qt parent (the view itself).
    """

    def __init__(self, view: CameraView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self.presenting = False
        self.following = False
        #: Pans are animated (a screenshot shows the end at once).
        self.animated = True
        #: Steps per second training plays at (asked before animating); None: unknown.
        self.play_speed: Callable[[], float] | None = None
        self._sources: dict[str, Focus] = {}
        #: The camera is holding a focus (False after a fit, before the focus moves).
        self.holding = False
        self.shot: Shot | None = None
        self._last_move = -math.inf
        self._fast = False
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.refocus)
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(ANIMATION_MS)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._animation.valueChanged.connect(self._on_frame)
        self._animation.finished.connect(self._on_landed)
        self._from: Shot | None = None

    # -- what the view says ------------------------------------------------------------

    @property
    def engaged(self) -> bool:
        """Whether the camera moves the view (presenting, or following)."""
        return self.presenting or self.following

    def set_presenting(self, on: bool) -> None:
        """Presentation mode engages the camera; leaving it returns to the toggle."""
        self._engage(lambda: setattr(self, "presenting", bool(on)))

    def set_following(self, on: bool) -> None:
        """View > Follow the stepper."""
        self._engage(lambda: setattr(self, "following", bool(on)))

    def _engage(self, change: Callable[[], None]) -> None:
        was = self.engaged
        change()
        if self.engaged and not was:
            self.request()
        elif was and not self.engaged:
            self._pending.stop()
            self._animation.stop()
            if self.holding:
                self.holding = False
                self.shot = None
                self._view.fit_all()

    def set_step(self, position: StepPosition | None) -> None:
        """The stepper's position (``None``: the stepper closed)."""
        if position is None:
            self._set_source("step", Focus())
            return
        view = self._view
        core = {position.node}
        if position.receiver is not None:
            core.add(position.receiver)
        nodes = set(core) | set(position.inputs)
        if view.graph is not None and position.node in view.graph:
            nodes.update(consumer for consumer, _ in view.graph.consumers(position.node))
        if position.edge is not None:
            core.update(position.edge[:2])
            nodes.update(position.edge[:2])
        self._set_source("step", Focus(nodes=frozenset(nodes), core=frozenset(core),
                                       edge=position.edge, note=True,
                                       near=frozenset(position.inputs),
                                       active=position.node))

    def set_nodes(self, source: str, node_ids: Iterable[str], *,
                  neighbours: bool = True) -> None:
        """The nodes ``source`` (``view``, ``spotlight``, ``highlight``) names; with
        ``neighbours``, each with its inputs and consumers."""
        ids = frozenset(node_ids)
        graph = self._view.graph
        nodes = set(ids)
        if neighbours and graph is not None:
            for node_id in ids & frozenset(graph.order):
                nodes.update(graph[node_id].inputs)
                nodes.update(consumer for consumer, _ in graph.consumers(node_id))
        self._set_source(source, Focus(nodes=frozenset(nodes), core=ids))

    def _set_source(self, source: str, focus: Focus) -> None:
        if self._sources.get(source, Focus()) == focus:
            return
        self._sources[source] = focus
        self.request()

    def clear(self) -> None:
        """Forget every focus (a new graph)."""
        self._sources.clear()
        self.holding = False
        self.shot = None
        self._animation.stop()

    def focus(self) -> Focus:
        """The focus shown: the first source that names nodes of the graph.  A lesson's
        view keeps the stepper's active node, note and edge as its core."""
        known = frozenset(self._view.node_items)
        view, step = self._sources.get("view"), self._sources.get("step")
        if view and view.core & known and step and step.core & known:
            return Focus(nodes=(view.nodes | step.core) & known, core=step.core & known,
                         edge=step.edge, note=step.note, near=view.core & known,
                         active=step.active)
        for source in SOURCES:
            focus = self._sources.get(source)
            if focus and focus.core & known:
                return Focus(nodes=(focus.nodes | focus.core) & known,
                             core=focus.core & known, edge=focus.edge, note=focus.note,
                             near=focus.near & known, active=focus.active)
        return Focus()

    # -- moving ------------------------------------------------------------------------

    def request(self) -> None:
        """Move to the focus once the view has finished what it is doing (several calls
        in one go move once)."""
        if self.engaged:
            self._pending.start()

    def refocus(self, *, animate: bool = True) -> None:
        """Move to the focus now (the whole graph when there is none)."""
        self._pending.stop()
        if not self.engaged:
            return
        focus = self.focus()
        view = self._view
        if not focus or view.viewport().width() < 2 or view.viewport().height() < 2:
            if self.holding:
                self.holding = False
                self.shot = None
                self._animation.stop()
                view.fit_all()
            return
        now = time.monotonic()
        # Moves closer together than a tenth of a second: a held key, a fast player.
        self._fast = now - self._last_move < 1.0 / FAST_STEPS_PER_SECOND
        self._last_move = now
        shot = self.aim(focus)
        self.holding = True
        self.shot = shot
        self._animation.stop()
        if animate and self.animated and not self._too_fast() and self._current().zoom > 0:
            self._from = self._current()
            self._animation.start()
        else:
            self._on_landed()

    def settle(self) -> None:
        """Whatever is pending or under way, done now (a screenshot shows the end)."""
        if self._pending.isActive():
            self.refocus(animate=False)
        elif self._animation.state() == QVariantAnimation.State.Running:
            self._animation.stop()
            self._on_landed()

    def release(self) -> None:
        """Let go until the focus moves again (F showed the whole graph, or the user
        zoomed)."""
        self._animation.stop()
        self.holding = False
        self.shot = None

    def _too_fast(self) -> bool:
        speed = self.play_speed() if self.play_speed is not None else 0.0
        return self._fast or speed > FAST_STEPS_PER_SECOND

    def _current(self) -> Shot:
        view = self._view
        centre = view.mapToScene(view.viewport().rect().center())
        return Shot(view.transform().m11(), QPointF(centre))

    def _on_frame(self, value: object) -> None:
        start, end = self._from, self.shot
        if start is None or end is None or not isinstance(value, float):
            return
        # Zoom geometrically (a steady feel), the centre along a straight line.
        zoom = start.zoom * (end.zoom / start.zoom) ** value
        centre = start.centre + (end.centre - start.centre) * value
        self._view.show_at(zoom, centre)

    def _on_landed(self) -> None:
        """At the shot: the view there, the note placed beside the focus."""
        if self.shot is not None:
            self._view.show_at(self.shot.zoom, self.shot.centre, place_note=True)

    # -- where to --------------------------------------------------------------------

    def least_zoom(self, node_ids: Iterable[str]) -> float:
        """The zoom at which every number of ``node_ids`` is :data:`MIN_DIGIT_PX` tall."""
        items = self._view.node_items
        heights = [digit_height(items[n]) for n in node_ids if n in items]
        smallest = min((h for h in heights if h > 0), default=0.0)
        return MIN_DIGIT_PX * AIM_MARGIN / smallest if smallest else 1.0

    def aim(self, focus: Focus) -> Shot:
        """The zoom and centre that show ``focus``.

        The zoom is the largest at which the whole region fits beside the note's room,
        between the least zoom for :data:`MIN_DIGIT_PX` digits and the most for
        :data:`MAX_DIGIT_PX`.  When the region does not fit at the least zoom, the camera
        keeps that zoom and shows, of what fits, the most: the core (active node,
        receiver, active edge) with the active node's inputs, the core alone, the core
        with the note over the graph, the active node and the note's anchor; only when
        not even those fit does it zoom out further.  A band as tall as the note is kept
        free above or below the nodes shown, on the side of the note's anchor, so the
        note covers none of them.
        """
        view = self._view
        items = view.node_items
        area = view.free_area().adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
        width, height = max(area.width(), 1.0), max(area.height(), 1.0)
        least = self.least_zoom(focus.nodes)
        most = least * MAX_DIGIT_PX / MIN_DIGIT_PX
        edge_box = QRectF()
        if focus.edge is not None and focus.edge in view.edge_items:
            edge_item = view.edge_items[focus.edge]
            edge_box = edge_item.mapRectToScene(edge_item.path().boundingRect())
        core = _united([*(items[n].drawn_scene_rect() for n in focus.core), edge_box])
        near = _united([core, *(items[n].drawn_scene_rect() for n in focus.near)])
        region = _united([near, *(items[n].drawn_scene_rect() for n in focus.nodes)])
        anchor = view.note_anchor() if focus.note else None
        essential = core
        if focus.active in items:
            essential = items[focus.active].drawn_scene_rect()
            if anchor is not None:
                essential = essential.united(QRectF(anchor, anchor).adjusted(-1, -1, 1, 1))
        _, note_h = view.note_size() if focus.note else (0.0, 0.0)
        note_band = note_h + view.note_gap() if note_h else 0.0

        def fit(rect: QRectF, band: float) -> float:
            room = height - band
            if room < 1.0:
                return 0.0
            return min(width / max(rect.width(), 1e-9), room / max(rect.height(), 1e-9))

        # What to keep in view, best first, each with the room its note takes.
        choices = [(region, note_band), (near, note_band), (core, note_band), (core, 0.0),
                   (essential, 0.0)]
        target, band = next(((rect, b) for rect, b in choices if fit(rect, b) >= least),
                            (essential, 0.0))
        if target is region:
            zoom = max(least, min(fit(region, band), most))
        else:
            zoom = min(least, fit(target, band)) if fit(target, band) > 0 else least
        room_h = height - band
        # Centre the target in the room left beside the band, moved towards the rest of
        # the region as far as the target stays inside.
        half_w, half_h = width / (2 * zoom), room_h / (2 * zoom)
        x = _clamp(region.center().x(), target.right() - half_w, target.left() + half_w)
        y = _clamp(region.center().y(), target.bottom() - half_h, target.top() + half_h)
        if band and anchor is not None:
            # The band on the anchor's side: the note's stem stays short.
            above = anchor.y() - target.top() <= target.bottom() - anchor.y()
            y += (-1.0 if above else 1.0) * band / (2 * zoom)
        # The free area's centre is where (x, y) goes; the view is centred on its own.
        offset = QPointF(view.viewport().rect().center()) - area.center()
        return Shot(zoom, QPointF(x, y) + offset / zoom)


def _clamp(value: float, low: float, high: float) -> float:
    """``value`` within [low, high] (the middle of them when they are crossed)."""
    if low > high:
        return (low + high) / 2
    return min(max(value, low), high)


def _united(rects: Iterable[QRectF]) -> QRectF:
    box = QRectF()
    for rect in rects:
        if not rect.isNull():
            box = rect if box.isNull() else box.united(rect)
    return box
