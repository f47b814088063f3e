"""One node of the graph drawing: its shape, its name, its value and its gradient.

An op shows its symbol in the shape and, small above it, its name (``v1·v2`` over ×,
``part_1`` over exp, ``#4``): the seed graph has eight × and five +, and the name says
which is which; y' and L carry their name as a tag.  Presentation's theme leaves the
names out (the graph's digits keep their 16 px); its captions and notes name the nodes.

The item is created once per graph; a training step only calls :meth:`NodeItem.set_numbers`,
which changes two strings and schedules a repaint.  Leaves (weights, features, target) show
their numbers to the left of the circle, where no edge arrives; ops show them underneath.
The view moves the numbers of a leaf that is not in the first layer below or above it, so
that its layer is no wider than its shapes.
"""

from __future__ import annotations

import math
from html import escape
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from core.autodiff.graph import Node
from core.autodiff.naming import shown_name
from core.autodiff.ops import Op
from core.debugger.wording import d, kind_words
from core.layout import NodeExtent
from gui.formatting import full_number, short_number
from gui.graph.edge_item import DIMMED_OPACITY
from gui.theme import Theme

GRAD_PREFIX = "∂\u2009"  # thin space: saves width
HIDDEN_TEXT = "?"
#: A gradient check's verdict ring around a weight (gui.graph.verdict_mark): its width and
#: its gap from the shape, in scene units before the theme's scale.  A weight keeps its
#: numbers and its neighbours outside the ring's reach, ring or not.
RING_WIDTH = 5.0
RING_GAP = 4.0
#: Room between a ring's outer edge and the numbers, in scene units.
RING_CLEARANCE = 2.0
#: An op node's name (``v1·v2``, ``part_1``, ``#4``) is written above its symbol, smaller
#: than the symbol and as tall as the numbers (this fraction of their size), this gap
#: (scene units) above the shape.
NAME_SCALE = 0.8
NAME_GAP = 0.0


def widest_number(digits: int) -> str:
    """The widest number the text box is sized for at ``digits`` significant digits;
    longer ones are squeezed to fit."""
    return "−0.00" + "1234567890"[:digits]

TextSide = Literal["left", "below", "above"]
#: How a stepper marks a node: the active one, its inputs, the one receiving a gradient.
Mark = Literal["active", "input", "receiver"]


def shape_text(node: Node, row: Op | None) -> tuple[str, str]:
    """What the shape shows and the tag beside it: an op always shows its row's symbol (so
    the prediction of ``sigmoid(a*x1 + b)`` reads σ, not a bare y'), and the prediction
    and the loss carry their name (y', L) as a tag."""
    if row is not None and node.kind in ("output", "loss"):
        return row.symbol, shown_name(node)
    return node.label, ""


def name_text(node: Node) -> str:
    """The small name an op node shows with its symbol (``v1·v2`` over ×, ``part_1`` over
    exp); ``""`` when the shape already says it (a leaf, y' and L with their tag, or an op
    whose symbol is its name, as y − y')."""
    if node.op is None or node.kind in ("output", "loss") or not node.name:
        return ""
    return "" if node.name.replace(" ", "") == node.label.replace(" ", "") else node.name


class NodeItem(QGraphicsItem):
    """A node drawn at its anchor (the shape's centre is the item's origin)."""

    def __init__(self, node: Node, theme: Theme, parent: QGraphicsItem | None = None, *,
                 row: Op | None = None, rules: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.node = node
        self.theme = theme
        #: The op row the node computes with (``Graph.op_of``: a broken one too), ``None``
        #: for a leaf: its symbol and shape are drawn.
        self.row = row
        #: The node's local derivatives in the graph's names, from its row's trees
        #: (``∂(w1·x1)/∂w1 = x1``), for the tooltip.
        self.rules = rules
        self.value = math.nan
        self.grad = math.nan
        self.value_known = False
        self.grad_known = False
        self._value_text = ""
        self._grad_text = ""
        self._highlighted = False
        self._mark: Mark | None = None
        self._hovered = False
        self.shape_label, self.tag = shape_text(node, row)
        # A projector's theme squeezes numbers to fit (number_squeeze < 1): there a row of
        # names would shrink the whole graph's digits by an eighth (16 to 14 px at
        # 1024x768 under a lesson's band), so the names are left to the captions, the
        # notes and the tooltips.
        self.name_text = name_text(node) if theme.number_squeeze >= 1.0 else ""
        self._label_font = theme.label_font()
        self._name_font = theme.font(theme.number_px * NAME_SCALE)
        self._name_width = 0.0
        self._number_font = theme.number_font()
        self._number_metrics = QFontMetricsF(self._number_font)
        self._value_width = 0.0
        self._grad_width = 0.0
        # Pens, brushes and colours are made once: paint() runs ~40 times a second.
        colours = theme.colours(node.kind)
        self._pen = QPen(QColor(colours.border), theme.px(theme.node_border))
        self._highlight_pen = QPen(QColor(theme.highlight), theme.px(5.0))
        self._mark_pens = {
            "active": QPen(QColor(theme.highlight), theme.px(6.0)),
            "receiver": QPen(QColor(theme.highlight), theme.px(4.0), Qt.PenStyle.DashLine),
            "input": QPen(QColor(theme.input_mark), theme.px(4.0), Qt.PenStyle.DashLine),
        }
        self._tag_colour = QColor(colours.border)
        self._brush = QBrush(QColor(colours.fill))
        self._label_colour = QColor(colours.text)
        self._value_colour = QColor(theme.value_text)
        self._grad_colour = QColor(theme.grad_text)
        self._bad_colour = QColor(theme.nonfinite)
        # Nobody trains the inputs: their gradient can be left out (presentation mode).
        self.shows_grad = theme.input_gradients or node.kind not in ("input", "target")
        self._dimmed = False
        #: Numbers drawn as "?" (a lesson's predict-then-reveal).
        self.hidden: frozenset[str] = frozenset()
        self._setup_geometry()
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.setZValue(1.0)

    # -- geometry ------------------------------------------------------------------

    def _setup_geometry(self) -> None:
        theme = self.theme
        label_metrics = QFontMetricsF(self._label_font)
        number_metrics = QFontMetricsF(self._number_font)
        diameter = theme.px(theme.circle_diameter)
        if self.node.is_leaf:
            diameter *= 0.9
        label_width = label_metrics.horizontalAdvance(self.shape_label)
        wants_ellipse = self.row is not None and self.row.shape == "ellipse"
        needed = label_width + 2 * theme.px(theme.shape_padding)
        if wants_ellipse or needed > diameter:
            width = max(needed, diameter * 1.45)
            self.is_circle = False
        else:
            width = diameter
            self.is_circle = True
        self.shape_rect = QRectF(-width / 2, -diameter / 2, width, diameter)
        self._line = number_metrics.height()
        if self.tag:
            # The tag sits on the shape's upper right, like a name written beside it.
            tag_width = label_metrics.horizontalAdvance(self.tag) + theme.px(4.0)
            tag_height = label_metrics.height()
            self.tag_rect = QRectF(self.shape_rect.right() - theme.px(6.0),
                                   self.shape_rect.top() - tag_height * 0.75,
                                   tag_width, tag_height)
        else:
            self.tag_rect = QRectF()
        widest = widest_number(theme.digits)
        # Presentation mode squeezes the widest numbers horizontally (number_squeeze < 1)
        # so that tall digits fit a projector's width.
        self._text_width = number_metrics.horizontalAdvance(
            GRAD_PREFIX + widest if self.shows_grad else widest) * theme.number_squeeze
        self.set_text_side("left" if self.node.is_leaf else "below")

    def set_text_side(self, side: TextSide) -> None:
        """Put the two numbers left of, below or above the shape."""
        self.prepareGeometryChange()
        self.text_side = side
        line, text_width = self._line, self._text_width
        gap = self.theme.px(self.theme.text_gap)
        if self.has_ring_room:
            gap = max(gap, self.ring_reach() + self.theme.px(RING_CLEARANCE))
        lines = 2 if self.shows_grad else 1
        if side == "left":
            right = self.shape_rect.left() - gap
            top = -line * lines / 2
            left = right - text_width
            self.text_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        else:
            if side == "below":
                top = self.shape_rect.bottom() + gap
            else:
                top = self.shape_rect.top() - gap - lines * line
            left = -text_width / 2
            self.text_align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        self.value_rect = QRectF(left, top, text_width, line)
        self.grad_rect = QRectF(left, top + line, text_width, line if self.shows_grad else 0.0)
        self.name_rect = self._name_rect(side)
        outline = self.theme.px(4.0)
        self._bounds = self._drawn_rect().adjusted(-outline, -outline, outline, outline)
        self.update()

    def _name_rect(self, side: TextSide) -> QRectF:
        """Where the small name goes: above the shape, or below it when the numbers are
        above; empty without a name."""
        if not self.name_text:
            return QRectF()
        metrics = QFontMetricsF(self._name_font)
        # No wider than the node's numbers (or its shape): a longer name is squeezed, as
        # a long number is, and the layout's columns stay as they were.
        self._name_width = metrics.horizontalAdvance(self.name_text)
        width = min(self._name_width, max(self._text_width, self.shape_rect.width()))
        height = metrics.height()
        gap = self.theme.px(NAME_GAP)
        top = (self.shape_rect.bottom() + gap if side == "above"
               else self.shape_rect.top() - gap - height)
        return QRectF(-width / 2, top, width, height)

    def name_scene_rect(self) -> QRectF:
        """The small name's rectangle in scene coordinates (empty without a name)."""
        return self.mapRectToScene(self.name_rect) if self.name_text else QRectF()

    @property
    def has_ring_room(self) -> bool:
        """Whether the node keeps room for a verdict ring (weights: the gradient check
        rings them)."""
        return self.node.kind == "weight"

    def ring_reach(self) -> float:
        """How far a verdict ring reaches beyond the shape, its stroke included."""
        return self.theme.px(RING_GAP + RING_WIDTH)

    def ring_rect(self) -> QRectF:
        """The outer bounds of a verdict ring around the shape (item coordinates)."""
        reach = self.ring_reach()
        return self.shape_rect.adjusted(-reach, -reach, reach, reach)

    def _drawn_rect(self) -> QRectF:
        box = self.shape_rect.united(self.value_rect).united(self.grad_rect)
        if self.has_ring_room:
            # Beside the shape the ring takes its whole reach; above and below, the gap
            # between rows holds what it can of it.
            row_gap = self.theme.px(self.theme.row_gap)
            ring = self.ring_rect()
            tall = max(0.0, self.ring_reach() + self.theme.px(RING_CLEARANCE) - row_gap)
            box = box.united(QRectF(ring.left(), self.shape_rect.top() - tall,
                                    ring.width(), self.shape_rect.height() + 2 * tall))
        if self.name_text:
            box = box.united(self.name_rect)
        return box.united(self.tag_rect) if self.tag else box

    def text_rect(self) -> QRectF:
        """Where the numbers are, in scene coordinates."""
        return self.mapRectToScene(self.value_rect.united(self.grad_rect))

    def shape_scene_rect(self) -> QRectF:
        return self.mapRectToScene(self.shape_rect)

    def drawn_scene_rect(self) -> QRectF:
        """Shape, numbers and tag, in scene coordinates."""
        return self.mapRectToScene(self._drawn_rect())

    @property
    def number_font(self) -> QFont:
        """The font of the value and the gradient."""
        return QFont(self._number_font)

    def extent(self) -> NodeExtent:
        """The room the layout must leave around the anchor."""
        box = self._drawn_rect()
        return NodeExtent(left=-box.left(), right=box.right(), above=-box.top(),
                          below=box.bottom(), shape_left=-self.shape_rect.left(),
                          shape_right=self.shape_rect.right())

    def port(self, angle: float, *, incoming: bool) -> QPointF:
        """A point on the shape's outline: left side for incoming edges, right side for
        outgoing ones, ``angle`` radians below the horizontal."""
        a = self.shape_rect.width() / 2
        b = self.shape_rect.height() / 2
        x = a * math.cos(angle)
        return self.pos() + QPointF(-x if incoming else x, b * math.sin(angle))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.shape_rect)
        path.addRect(self.value_rect.united(self.grad_rect))
        return path

    # -- state ---------------------------------------------------------------------

    def set_numbers(self, value: float | None, grad: float | None) -> None:
        """Show a new value and gradient dL/d(node); ``None`` shows nothing (a stepper's
        node not computed yet, a gradient not accumulated yet)."""
        self.value = math.nan if value is None else value
        self.grad = math.nan if grad is None else grad
        self.value_known = value is not None
        self.grad_known = grad is not None
        digits = self.theme.digits
        value_text = "" if value is None else short_number(value, digits)
        grad_text = "" if grad is None or not self.shows_grad \
            else GRAD_PREFIX + short_number(grad, digits)
        if value_text != self._value_text or grad_text != self._grad_text:
            self._value_text = value_text
            self._grad_text = grad_text
            self._value_width = self._number_metrics.horizontalAdvance(value_text)
            self._grad_width = self._number_metrics.horizontalAdvance(grad_text)
            self.update()
        if self._hovered:
            self.setToolTip(self.tooltip_html())

    def set_mark(self, mark: Mark | None) -> None:
        """Mark the node for a stepper: ``active``, ``input``, ``receiver`` or none."""
        if mark != self._mark:
            self._mark = mark
            self.update()

    @property
    def mark(self) -> Mark | None:
        return self._mark

    def set_highlighted(self, on: bool) -> None:
        """Mark the node (the first non-finite one after a divergence)."""
        if on != self._highlighted:
            self._highlighted = on
            self.update()

    def set_dimmed(self, on: bool) -> None:
        """Fade the node (the spotlight is elsewhere)."""
        if on != self._dimmed:
            self._dimmed = on
            self.setOpacity(DIMMED_OPACITY if on else 1.0)

    @property
    def dimmed(self) -> bool:
        return self._dimmed

    def number_scene_rects(self) -> list[QRectF]:
        """Scene rectangles of the shown numbers, as tall as their font's line."""
        rects = [self.value_rect] + ([self.grad_rect] if self.shows_grad else [])
        return [self.mapRectToScene(rect) for rect in rects]

    @property
    def highlighted(self) -> bool:
        return self._highlighted

    @property
    def value_text(self) -> str:
        return self._value_text

    @property
    def grad_text(self) -> str:
        return self._grad_text

    def tooltip_html(self) -> str:
        node = self.node
        label = escape(shown_name(node))
        row = self.row
        role = escape(kind_words(node))
        if row is not None and node.kind in ("output", "loss"):
            role += f", computed by {escape(row.symbol)}"
        elif row is not None:
            role += f" {escape(row.symbol)}"
        value = full_number(self.value) if self.value_known else "not computed yet"
        grad = full_number(self.grad) if self.grad_known else "not computed yet"
        lines = [
            f"<b>{label}</b> &nbsp;<i>({role})</i>",
            f"value = {value}",
            f"∂L/∂{escape(d(shown_name(node)))} = {grad}",
        ]
        if row is not None:
            lines.append(f"computes <tt>{escape(node.expr)}</tt>")
        lines.extend(f"local rule: {escape(rule)}" for rule in self.rules)
        return "<br>".join(lines)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.setToolTip(self.tooltip_html())
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        super().hoverLeaveEvent(event)

    # -- drawing -------------------------------------------------------------------

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem,
              _widget: QWidget | None = None) -> None:
        if self._highlighted:
            pen = self._highlight_pen
        elif self._mark is not None:
            pen = self._mark_pens[self._mark]
        else:
            pen = self._pen
        painter.setPen(pen)
        painter.setBrush(self._brush)
        painter.drawEllipse(self.shape_rect)
        painter.setPen(self._label_colour)
        painter.setFont(self._label_font)
        painter.drawText(self.shape_rect, Qt.AlignmentFlag.AlignCenter, self.shape_label)
        if self.tag:
            painter.setPen(self._tag_colour)
            painter.drawText(self.tag_rect, Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignBottom, self.tag)
        if self.name_text:
            painter.setPen(self._tag_colour)
            painter.setFont(self._name_font)
            self._draw_squeezed(painter, self.name_rect, self.name_text, self._name_width)
        painter.setFont(self._number_font)
        value_text, grad_text = self.shown_texts()
        self._draw_number(painter, self.value_rect, value_text, self._value_width,
                          self._value_colour if math.isfinite(self.value) else self._bad_colour)
        if self.shows_grad:
            self._draw_number(painter, self.grad_rect, grad_text, self._grad_width,
                              self._grad_colour if math.isfinite(self.grad)
                              else self._bad_colour)

    def set_hidden(self, numbers: frozenset[str]) -> None:
        """Draw ``?`` for the numbers named (``value``, ``grad``) until shown again: a
        lesson asks to predict them first."""
        if numbers != self.hidden:
            self.hidden = numbers
            self.update()

    def shown_texts(self) -> tuple[str, str]:
        """The value and gradient texts as drawn (a hidden one is a question mark)."""
        value = HIDDEN_TEXT if "value" in self.hidden and self._value_text else \
            self._value_text
        grad = GRAD_PREFIX + HIDDEN_TEXT if "grad" in self.hidden and self._grad_text else \
            self._grad_text
        return value, grad

    def _draw_squeezed(self, painter: QPainter, rect: QRectF, text: str,
                       needed: float) -> None:
        """``text`` centred in ``rect``, squeezed horizontally if it is wider."""
        if needed <= rect.width():
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            return
        painter.save()
        centre = rect.center().x()
        painter.translate(centre, 0.0)
        painter.scale(rect.width() / needed, 1.0)
        painter.translate(-centre, 0.0)
        wide = QRectF(centre - needed / 2, rect.top(), needed, rect.height())
        painter.drawText(wide, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _draw_number(self, painter: QPainter, rect: QRectF, text: str, needed: float,
                     colour: QColor) -> None:
        painter.setPen(colour)
        if needed <= rect.width():
            painter.drawText(rect, self.text_align, text)
            return
        # Squeeze a long number (1.235e−05) horizontally rather than overlap a neighbour.
        painter.save()
        factor = rect.width() / needed
        right_aligned = self.text_side == "left"
        anchor = rect.right() if right_aligned else rect.center().x()
        painter.translate(anchor, 0.0)
        painter.scale(factor, 1.0)
        painter.translate(-anchor, 0.0)
        wide = QRectF(rect)
        if right_aligned:
            wide.setLeft(rect.right() - needed)
        else:
            wide.setLeft(rect.center().x() - needed / 2)
        wide.setWidth(needed)
        painter.drawText(wide, self.text_align, text)
        painter.restore()
