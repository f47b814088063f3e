"""The two legends floating in the graph view's corners.

- :class:`EncodingLegend`: what the colours, numbers and edge thickness mean.
- :class:`DerivativeLegend`: the local derivative rule of every op in the graph (read from
  the op table) and the chain rule, like the corner of the course figure.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QLabel, QWidget

from core.autodiff.graph import Graph
from core.autodiff.ops import OPS
from gui.theme import KIND_NAMES, NodeColours, Theme

CHAIN_RULE = "chain rule: ∂L/∂a = Σ<sub>uses</sub> ∂L/∂out · ∂out/∂a"


#: Pixel sizes of the legends' text: the largest, and the smallest in a small view.
LARGEST_PX = 14
SMALLEST_PX = 11


class _Legend(QLabel):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.text_px = 0
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.set_text_px(round(theme.px(LARGEST_PX)))

    def _restyled(self) -> None:
        """Called when the text size changes (the encoding legend's dots follow it)."""

    def set_text_px(self, size: int) -> None:
        """Write the legend ``size`` pixels high (the view shrinks it when it is small)."""
        if size == self.text_px:
            return
        self.text_px = size
        padding = max(3, round(size * 0.4))
        theme = self.theme
        self.setStyleSheet(
            f"QLabel {{ background: {theme.legend_background}; color: {theme.panel_text};"
            f" border: 1px solid {theme.legend_border}; border-radius: 6px;"
            f" padding: {padding}px; font-size: {size}px; }}"
        )
        self._restyled()
        self.adjustSize()

    def set_theme(self, theme: Theme) -> None:
        """Restyle in ``theme``'s colours."""
        self.theme = theme
        size, self.text_px = self.text_px, 0
        self.set_text_px(size)


@lru_cache(maxsize=64)
def swatch_url(fill: str, border: str, size: int, border_px: float) -> str:
    """A ``size`` px disc filled and ringed as the graph draws a node, as a PNG data URL
    (a text glyph has one colour: the high-contrast theme's black rings made every dot
    black)."""
    scale = 3  # drawn larger, shown at ``size``: smooth on any screen
    image = QImage(size * scale, size * scale, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen_width = max(1.0, border_px) * scale
    painter.setPen(QPen(QColor(border), pen_width))
    painter.setBrush(QColor(fill))
    inset = pen_width / 2 + 0.5
    painter.drawEllipse(QRectF(inset, inset, size * scale - 2 * inset, size * scale - 2 * inset))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload, unused-ignore]
    buffer.close()
    return "data:image/png;base64," + base64.b64encode(bytes(data.data())).decode("ascii")


class EncodingLegend(_Legend):
    """Node colours, what the two numbers are, what edge colour and width mean."""

    def _restyled(self) -> None:
        self.setText(self._html())

    def entry_colours(self) -> dict[str, NodeColours]:
        """Kind -> the fill and ring its legend dot is drawn with: the graph's own."""
        return {kind: self.theme.colours(kind) for kind in KIND_NAMES}

    def _html(self) -> str:
        theme = self.theme
        size = max(8, round(self.text_px * 0.9))
        # The ring as thick, relative to the dot, as a node's border is to its circle.
        ring = size * theme.node_border / theme.circle_diameter * 2.5
        dots = []
        for kind, colours in self.entry_colours().items():
            url = swatch_url(colours.fill, colours.border, size, ring)
            dots.append(f"<img src='{url}' width={size} height={size}>&nbsp;"
                        f"{escape(KIND_NAMES[kind])}")
        # Narrow rather than wide: graphs taper to the loss, so the view's right-hand
        # corners have more height than width to spare.
        return (
            f"{' '.join(dots[:3])}<br>{' '.join(dots[3:])}<br>"
            f"<span style='color:{theme.value_text}'>value</span> over "
            f"<span style='color:{theme.grad_text}'>∂ = ∂L/∂node</span><br>"
            f"edge: gradient flowing back, ∂L/∂out · local<br>"
            f"<span style='color:{theme.positive}'><b>━━ &gt; 0</b></span> "
            f"<span style='color:{theme.negative}'><b>╍╍ &lt; 0</b></span>, "
            f"thicker = larger (log)"
        )


#: A rule longer than this is cut, with an ellipsis, in the legend (a user op's formula can
#: run to thousands of characters; its node's tooltip and the inspector give it whole).
RULE_CHARACTERS = 240


def _shortened(rule: str) -> str:
    return rule if len(rule) <= RULE_CHARACTERS else rule[:RULE_CHARACTERS - 1] + "…"


class DerivativeLegend(_Legend):
    """Local derivatives of the ops in the current graph, plus the chain rule."""

    def set_graph(self, graph: Graph) -> None:
        used = {node.op for node in graph.op_nodes()}
        # An op from a file is named as its nodes are drawn (lrelu: d max(x, 0.01·x)/dx
        # = ...): its formula alone does not say which nodes it is.
        rules = [escape(_shortened(row.derivative_text if row.definition is None
                                   else f"{row.symbol}: {row.derivative_text}"))
                 for name, row in OPS.items() if name in used]
        self.setText("<br>".join([*rules, CHAIN_RULE]))
        self.adjustSize()
