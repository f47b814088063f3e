"""Shared pyqtgraph settings: white background, large axis text for projectors, and a
palette of distinguishable line colours."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont

#: Okabe-Ito colours, then a few more; line i uses PALETTE[i % len(PALETTE)].
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442", "#882255", "#44AA99", "#999933", "#AA4499")

def configure() -> None:
    """Global pyqtgraph options (cheap; idempotent)."""
    pg.setConfigOptions(background="w", foreground="k", antialias=False)


def new_plot(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    """A plot widget with readable axes and a light grid."""
    configure()
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    item.setTitle(title, size="13pt")
    font = QFont("DejaVu Sans")
    font.setPixelSize(13)
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setTickFont(font)
        axis.setTextPen("k")
    item.setLabel("bottom", x_label, **{"font-size": "12pt"})
    item.setLabel("left", y_label, **{"font-size": "12pt"})
    item.showGrid(x=True, y=True, alpha=0.25)
    return widget


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]
