"""Colours, fonts and sizes of the window, in one place.

Node colours follow the course figure: weights orange, features and the target green, ops
blue, the prediction y' purple, the loss red.  Edge colours use the Okabe-Ito palette (safe
for colour-blind viewers) so the sign of a gradient contribution stays readable on a
projector.  Sizes are scene units scaled by ``Theme.scale``: classroom mode can make
everything bigger by building a theme with a larger scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from PySide6.QtGui import QColor, QFont


@dataclass(frozen=True)
class NodeColours:
    fill: str
    border: str
    text: str = "#111111"


#: Node kind -> colours.
KIND_COLOURS: Mapping[str, NodeColours] = MappingProxyType({
    "weight": NodeColours("#F8B968", "#B5650D"),
    "input": NodeColours("#9BD39D", "#2E7D32"),
    "target": NodeColours("#9BD39D", "#2E7D32"),
    "constant": NodeColours("#D9D9D9", "#666666"),
    "op": NodeColours("#9CC3EC", "#1F5C99"),
    "output": NodeColours("#C9A3E6", "#6A3D9A"),
    "loss": NodeColours("#F28B82", "#B71C1C"),
})

#: Gradient-check verdict -> (fill, ink): green, amber, red, each with a dark ink that
#: reads on its fill; every verdict is also written out (VERDICT_SYMBOLS), never colour alone.
VERDICT_COLOURS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "correct": ("#C8E6C9", "#1B5E20"),
    "suspicious": ("#FFE082", "#6D4C00"),
    "wrong": ("#EF9A9A", "#B71C1C"),
})
VERDICT_SYMBOLS: Mapping[str, str] = MappingProxyType({
    "correct": "✓", "suspicious": "?", "wrong": "✗",
})

#: What the legend calls each kind.
KIND_NAMES: Mapping[str, str] = MappingProxyType({
    "weight": "weight",
    "input": "feature / target",
    "op": "operation",
    "output": "prediction y'",
    "loss": "loss L",
})


@dataclass(frozen=True)
class Theme:
    """Everything drawing needs to know about looks; immutable, replace to restyle."""

    scale: float = 1.0
    font_family: str = "DejaVu Sans"
    number_family: str = "DejaVu Sans Condensed"
    label_px: float = 22.0
    number_px: float = 17.0
    circle_diameter: float = 50.0
    shape_padding: float = 14.0
    text_gap: float = 3.0
    layer_gap: float = 40.0  # between the shapes of adjacent layers, for the edges
    row_gap: float = 14.0
    text_clearance: float = 18.0  # between numbers and a node of another layer
    edge_min_width: float = 1.2
    edge_max_width: float = 7.0
    positive: str = "#D55E00"  # vermillion: the contribution adds to the gradient
    negative: str = "#0072B2"  # blue: the contribution is negative
    neutral: str = "#9A9A9A"  # zero or not computed
    value_text: str = "#111111"
    grad_text: str = "#7A1F5C"
    nonfinite: str = "#E00000"
    highlight: str = "#FF1744"
    input_mark: str = "#009E73"  # bluish green: the operands of the active node
    note_background: str = "#FFFDE7"
    background: str = "#FFFFFF"
    kind_colours: Mapping[str, NodeColours] = field(default_factory=lambda: KIND_COLOURS)

    def px(self, value: float) -> float:
        return value * self.scale

    def font(self, pixel_size: float, *, bold: bool = False, family: str = "") -> QFont:
        font = QFont(family or self.font_family)
        font.setPixelSize(max(1, round(self.px(pixel_size))))
        font.setBold(bold)
        return font

    def label_font(self) -> QFont:
        return self.font(self.label_px, bold=True)

    def number_font(self) -> QFont:
        return self.font(self.number_px, family=self.number_family)

    def colours(self, kind: str) -> NodeColours:
        return self.kind_colours.get(kind, self.kind_colours["op"])

    def edge_colour(self, contribution: float) -> QColor:
        """Vermillion for positive, blue for negative, grey for zero, red for nan/inf."""
        if not math.isfinite(contribution):
            return _qcolor(self.nonfinite)
        if contribution > 0.0:
            return _qcolor(self.positive)
        if contribution < 0.0:
            return _qcolor(self.negative)
        return _qcolor(self.neutral)

    def edge_width(self, contribution: float) -> float:
        """Log-scaled thickness: |c| from 1e-6 to 1e2 maps onto the width range."""
        if not math.isfinite(contribution):
            return self.px(self.edge_max_width)
        magnitude = abs(contribution)
        if magnitude <= 1e-6:
            return self.px(self.edge_min_width)
        fraction = min(1.0, (math.log10(magnitude) + 6.0) / 8.0)
        span = self.edge_max_width - self.edge_min_width
        return self.px(self.edge_min_width + span * fraction)


@lru_cache(maxsize=64)
def _qcolor(name: str) -> QColor:
    return QColor(name)


DEFAULT_THEME = Theme()
