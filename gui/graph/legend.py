"""The two legends floating in the graph view's corners.

- :class:`EncodingLegend`: what the colours, numbers and edge thickness mean.
- :class:`DerivativeLegend`: the local derivative rule of every op in the graph (read from
  the op table) and the chain rule, like the corner of the course figure.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from core.autodiff.graph import Graph
from core.autodiff.ops import OPS
from gui.theme import KIND_NAMES, Theme

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
        self.adjustSize()

    def set_theme(self, theme: Theme) -> None:
        """Restyle in ``theme``'s colours."""
        self.theme = theme
        size, self.text_px = self.text_px, 0
        self.set_text_px(size)


class EncodingLegend(_Legend):
    """Node colours, what the two numbers are, what edge colour and width mean."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.setText(self._html())

    def set_theme(self, theme: Theme) -> None:
        super().set_theme(theme)
        self.setText(self._html())
        self.adjustSize()

    def _html(self) -> str:
        theme = self.theme
        dots = [
            f"<span style='color:{theme.colours(kind).border}'>●</span>&nbsp;{escape(name)}"
            for kind, name in KIND_NAMES.items()
        ]
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


class DerivativeLegend(_Legend):
    """Local derivatives of the ops in the current graph, plus the chain rule."""

    def set_graph(self, graph: Graph) -> None:
        used = {node.op for node in graph.op_nodes()}
        rules = [escape(row.derivative_text) for name, row in OPS.items() if name in used]
        self.setText("<br>".join([*rules, CHAIN_RULE]))
        self.adjustSize()
