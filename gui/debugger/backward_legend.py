"""The result of "Check my backward" written on the graph view: a box in the bottom-left
corner naming each weight the file gets wrong, with the size of its error and the sample
where it is worst (the weights themselves are ringed in red)."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

from core.backward_check.checker import BackwardCheckReport
from gui.graph.view import GraphView
from gui.theme import VERDICT_COLOURS, VERDICT_SYMBOLS

MARGIN = 8
#: Most weights listed; the rest are counted.
MOST_LISTED = 8


def legend_html(report: BackwardCheckReport, labels: dict[str, str]) -> str:
    """One line per weight that is not correct (and the forward's verdict)."""
    name = escape(Path(report.path).name)
    flagged = [f for f in report.weights if f.verdict != "correct"]
    if not flagged:
        ink = VERDICT_COLOURS["correct"][1]
        lines = [f"<b>{name}</b>: <span style='color:{ink}'>✓ every derivative correct</span>"
                 f" ({report.samples} samples)"]
    else:
        lines = [f"<b>{name}</b> on {report.samples} samples:"]
        for f in flagged[:MOST_LISTED]:
            ink = VERDICT_COLOURS[f.verdict][1]
            error = "nan" if math.isnan(f.max_relative_error) else f"{f.max_relative_error:.2g}"
            lines.append(f"<span style='color:{ink}'>{VERDICT_SYMBOLS[f.verdict]} "
                         f"<b>{escape(f.key)}</b></span> ({escape(labels.get(f.name, f.name))})"
                         f": error {error}, worst sample {f.worst_sample}")
        if len(flagged) > MOST_LISTED:
            lines.append(f"… and {len(flagged) - MOST_LISTED} more")
    if report.forward is not None and report.forward.verdict != "correct":
        ink = VERDICT_COLOURS[report.forward.verdict][1]
        lines.append(f"<span style='color:{ink}'>forward_propagation: "
                     f"{report.forward.verdict}</span> ({escape(', '.join(report.forward.wrong))})")
    return "<br>".join(lines)


class BackwardLegend(QLabel):
    """The box; it follows the view's bottom-left corner when the view is resized, and the
    view's fit keeps the graph clear of it."""

    def __init__(self, view: GraphView) -> None:
        super().__init__(view)
        self._view = view
        view.overlays.append(self)
        self.setObjectName("backward_legend")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            "QLabel { background: rgba(255, 255, 255, 240); color: #111;"
            " border: 2px solid #B71C1C; border-radius: 6px; padding: 5px; font-size: 14px; }")
        self.hide()
        view.installEventFilter(self)

    def show_report(self, report: BackwardCheckReport, labels: dict[str, str]) -> None:
        self.setText(legend_html(report, labels))
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self._view.fit_all()

    def hide_report(self) -> None:
        if not self.isHidden():
            self.hide()
            self._view.fit_all()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        view = self._view
        self.move(MARGIN, max(MARGIN, view.height() - self.height() - MARGIN))
