"""Colours, fonts and sizes of the window, in one place.

One :class:`Theme` drives every view: the graph, the plots and the panels' stylesheet
(:func:`panel_stylesheet`).  :data:`THEMES` holds the three shipped ones: ``light`` (the
default: projectors in lit rooms), ``dark`` and ``high-contrast``.

Node colours follow the course figure: weights orange, features and the target green, ops
blue, the prediction y' purple, the loss red.  Edge colours use the Okabe-Ito palette (safe
for colour-blind viewers), and the sign of a gradient contribution is also drawn: solid
for positive, dashed for negative, so it survives a washed-out projector or greyscale.
Sizes are scene units scaled by ``Theme.scale``; presentation mode scales text further with
``Theme.text_scale``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette


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
#: ``kinked`` (grey-blue, ∧): the weight disagrees only because its finite difference
#: crosses a kink (relu at 0), which says nothing about the backward pass.
VERDICT_COLOURS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "correct": ("#C8E6C9", "#1B5E20"),
    "suspicious": ("#FFE082", "#6D4C00"),
    "wrong": ("#EF9A9A", "#B71C1C"),
    "kinked": ("#CFD8DC", "#263238"),
})
VERDICT_SYMBOLS: Mapping[str, str] = MappingProxyType({
    "correct": "✓", "suspicious": "?", "wrong": "✗", "kinked": "∧",
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

    name: str = "light"
    scale: float = 1.0
    #: Extra factor on text (presentation mode), on top of ``scale``.
    text_scale: float = 1.0
    #: Significant digits of the numbers on the graph.
    digits: int = 4
    #: Whether features and the target show dL/dx (nobody trains them).
    input_gradients: bool = True
    #: Width of the number boxes as a share of the widest number's natural width;
    #: longer numbers are drawn squeezed horizontally to fit.
    number_squeeze: float = 1.0
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
    #: Panels: window, text, quieter text, input fields, warnings.
    panel_background: str = "#F4F4F4"
    panel_text: str = "#111111"
    muted_text: str = "#444444"
    field_background: str = "#FFFFFF"
    warning_text: str = "#B00000"
    #: A formula that reads well (✓), and one with something to look at (⚠).
    ok_text: str = "#1B6E20"
    caution_text: str = "#9A5B00"
    #: A field holding what cannot be used: its ground and border; also the mark under
    #: the character a formula's error points at.
    error_background: str = "#FFD6D6"
    error_border: str = "#D00000"
    legend_background: str = "rgba(255, 255, 255, 235)"
    legend_border: str = "#BBBBBB"
    #: Plots: background, axes and text, and the line colours in order.
    plot_background: str = "#FFFFFF"
    plot_foreground: str = "#000000"
    sample_loss: str = "#7FA7C9"
    epoch_loss: str = "#C0392B"
    #: The held-out rows' loss per epoch (bluish green: apart from both training curves).
    holdout_loss: str = "#009E73"
    #: The run a fork branched off (under the live curve), the past step shown (time
    #: travel), the mid-run changes of course, and a wiggled node's value curve.
    original_loss: str = "#B0B0B0"
    viewing_mark: str = "#E69F00"
    change_mark: str = "#6A3D9A"
    value_line: str = "#B5650D"
    palette: tuple[str, ...] = (
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
        "#882255", "#44AA99", "#999933", "#AA4499", "#F0E442")
    #: Border width of a node, in scene units.
    node_border: float = 2.0
    kind_colours: Mapping[str, NodeColours] = field(default_factory=lambda: KIND_COLOURS)

    def px(self, value: float) -> float:
        return value * self.scale

    def text_px(self, value: float) -> float:
        """A text size: scaled like everything, then by the text scale."""
        return value * self.scale * self.text_scale

    def font(self, pixel_size: float, *, bold: bool = False, family: str = "") -> QFont:
        font = QFont(family or self.font_family)
        font.setPixelSize(max(1, round(self.text_px(pixel_size))))
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

    def edge_style(self, contribution: float) -> Qt.PenStyle:
        """The sign drawn as well as coloured: solid for >= 0, dashed for < 0."""
        return Qt.PenStyle.DashLine if contribution < 0.0 else Qt.PenStyle.SolidLine

    def line_colour(self, i: int) -> str:
        """The i-th plot line's colour."""
        return self.palette[i % len(self.palette)]

    def with_text_scale(self, factor: float) -> Theme:
        """This theme with text (and edges) ``factor`` times larger."""
        return replace(self, text_scale=factor)

    def edge_width(self, contribution: float) -> float:
        """Log-scaled thickness: |c| from 1e-6 to 1e2 maps onto the width range."""
        # Edges thicken with the text: a projector washes thin lines out.
        thicker = math.sqrt(self.text_scale)
        if not math.isfinite(contribution):
            return self.px(self.edge_max_width) * thicker
        magnitude = abs(contribution)
        if magnitude <= 1e-6:
            return self.px(self.edge_min_width) * thicker
        fraction = min(1.0, (math.log10(magnitude) + 6.0) / 8.0)
        span = self.edge_max_width - self.edge_min_width
        return self.px(self.edge_min_width + span * fraction) * thicker


@lru_cache(maxsize=64)
def _qcolor(name: str) -> QColor:
    return QColor(name)


LIGHT = Theme()

#: Dark grey ground, light text; node fills keep the course figure's colours.
DARK = Theme(
    name="dark",
    value_text="#F2F2F2",
    grad_text="#F5A3D6",
    neutral="#8A8A8A",
    positive="#FF8C3A",
    negative="#56B4E9",
    nonfinite="#FF5252",
    highlight="#FF4081",
    input_mark="#2EC4A0",
    note_background="#3A3320",
    background="#1E1E1E",
    panel_background="#2B2B2B",
    panel_text="#EEEEEE",
    muted_text="#BBBBBB",
    field_background="#3A3A3A",
    warning_text="#FF8A80",
    ok_text="#81C784",
    caution_text="#FFB74D",
    error_background="#5C1F1F",
    error_border="#FF5252",
    legend_background="rgba(40, 40, 40, 235)",
    legend_border="#666666",
    plot_background="#1E1E1E",
    plot_foreground="#EEEEEE",
    sample_loss="#7FA7C9",
    epoch_loss="#FF7043",
    holdout_loss="#2EC4A0",
    original_loss="#707070",
    viewing_mark="#F0C04A",
    change_mark="#C9A3E6",
    value_line="#F8B968",
    palette=("#56B4E9", "#FF8C3A", "#2EC4A0", "#E68FC6", "#F0C04A", "#A0D8F8", "#FFFFFF",
             "#D98FB0", "#7FD4C4", "#CCCC66", "#CC88CC", "#F0E442"),
)

#: Pure black on white, saturated colours, heavier lines and borders.
HIGH_CONTRAST = Theme(
    name="high-contrast",
    value_text="#000000",
    grad_text="#6A0045",
    neutral="#555555",
    positive="#B33C00",
    negative="#00457A",
    edge_min_width=2.0,
    edge_max_width=9.0,
    node_border=3.5,
    background="#FFFFFF",
    panel_background="#FFFFFF",
    panel_text="#000000",
    muted_text="#000000",
    field_background="#FFFFFF",
    warning_text="#A00000",
    ok_text="#005000",
    caution_text="#6B3F00",
    error_background="#FFD0D0",
    error_border="#A00000",
    legend_background="rgb(255, 255, 255)",
    legend_border="#000000",
    plot_background="#FFFFFF",
    plot_foreground="#000000",
    sample_loss="#4D6F8F",
    epoch_loss="#A00000",
    holdout_loss="#006B4E",
    original_loss="#777777",
    viewing_mark="#8C5A00",
    change_mark="#4B0082",
    value_line="#8C4A00",
    palette=("#00457A", "#B33C00", "#006B4E", "#8E2A6E", "#8C5A00", "#000000", "#2B6CB0",
             "#5E1F3D", "#1F6B5F", "#666622", "#772277", "#444444"),
    kind_colours=MappingProxyType({
        kind: NodeColours(c.fill, "#000000", "#000000") for kind, c in KIND_COLOURS.items()}),
)

#: The shipped themes by the name ``--theme`` and the View menu use.
THEMES: Mapping[str, Theme] = MappingProxyType(
    {theme.name: theme for theme in (LIGHT, DARK, HIGH_CONTRAST)})

DEFAULT_THEME = LIGHT

_current: list[Theme] = [DEFAULT_THEME]


def use_theme(theme: Theme) -> None:
    """Make ``theme`` the panels' theme: what :func:`current_theme` returns from now on
    (the window calls it when it restyles its panels)."""
    _current[0] = theme


def current_theme() -> Theme:
    """The panels' theme, for a panel that colours text it builds itself (a formula's
    verdict, an invalid field) and is given no theme."""
    return _current[0]


def invalid_field_style(theme: Theme) -> str:
    """The stylesheet of a field whose text cannot be used."""
    return (f"QLineEdit {{ background: {theme.error_background}; "
            f"border: 2px solid {theme.error_border}; }}")


def panel_palette(theme: Theme) -> QPalette:
    """The panels' colours (window, fields, buttons, text) as a Qt palette."""
    palette = QPalette()
    ground, text = QColor(theme.panel_background), QColor(theme.panel_text)
    field = QColor(theme.field_background)
    alternate = field.darker(108) if field.lightness() > 128 else field.lighter(125)
    for role, colour in (
            (QPalette.ColorRole.Window, ground), (QPalette.ColorRole.WindowText, text),
            (QPalette.ColorRole.Base, field), (QPalette.ColorRole.AlternateBase, alternate),
            (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, ground),
            (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, field),
            (QPalette.ColorRole.ToolTipText, text),
            (QPalette.ColorRole.PlaceholderText, QColor(theme.muted_text))):
        palette.setColor(role, colour)
    disabled = QColor(theme.muted_text)
    disabled.setAlpha(150)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def panel_stylesheet(theme: Theme) -> str:
    """What the palette cannot say: quieter and warning texts."""
    ground, text = theme.panel_background, theme.panel_text
    return (
        f"QMenuBar, QToolBar, QStatusBar {{ background: {ground}; color: {text}; }}\n"
        f"QMenuBar::item {{ background: transparent; color: {text}; }}\n"
        f"QToolBar QToolButton {{ color: {text}; }}\n"
        f"QDockWidget {{ color: {text}; }}\n"
        f"QDockWidget::title {{ background: {ground}; padding-left: 4px; }}\n"
        f"QLabel[role=\"muted\"] {{ color: {theme.muted_text}; }}\n"
        f"QLabel[role=\"warning\"] {{ color: {theme.warning_text}; }}\n"
    )
