"""The two legends floating in the graph view's corners.

- :class:`EncodingLegend`: what the colours, numbers and edge thickness mean.
- :class:`DerivativeLegend`: the local derivative rule of every op in the graph (read from
  the op table) and the chain rule, like the corner of the course figure.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from core.graph import Graph
from core.ops import OPS
from gui.theme import KIND_NAMES, Theme

CHAIN_RULE = "chain rule: ∂L/∂a = Σ<sub>uses</sub> ∂L/∂out · ∂out/∂a"


class _Legend(QLabel):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        size = round(theme.px(14))
        self.setStyleSheet(
            "QLabel { background: rgba(255, 255, 255, 225); color: #111;"
            f" border: 1px solid #bbb; border-radius: 6px; padding: 6px; font-size: {size}px; }}"
        )


class EncodingLegend(_Legend):
    """Node colours, what the two numbers are, what edge colour and width mean."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.setText(self._html())

    def _html(self) -> str:
        theme = self.theme
        dots = " ".join(
            f"<span style='color:{theme.colours(kind).border}'>●</span>&nbsp;{escape(name)}"
            for kind, name in KIND_NAMES.items()
        )
        return (
            f"{dots}<br>"
            f"<span style='color:{theme.value_text}'>value</span> over "
            f"<span style='color:{theme.grad_text}'>∂ = ∂L/∂node</span><br>"
            f"edge: gradient flowing back (∂L/∂out · local), "
            f"<span style='color:{theme.positive}'><b>━ &gt; 0</b></span> "
            f"<span style='color:{theme.negative}'><b>━ &lt; 0</b></span>, "
            f"thicker = larger (log)"
        )


class DerivativeLegend(_Legend):
    """Local derivatives of the ops in the current graph, plus the chain rule."""

    def set_graph(self, graph: Graph) -> None:
        used = {node.op for node in graph.op_nodes()}
        rules = [escape(row.derivative_text) for name, row in OPS.items() if name in used]
        self.setText("<br>".join([*rules, CHAIN_RULE]))
        self.adjustSize()
