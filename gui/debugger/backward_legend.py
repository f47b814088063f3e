"""The result of "Check my backward" written on the graph view: a box in the bottom-left
corner naming each weight the file gets wrong, with the size of its error and the sample
where it is worst (the weights themselves are ringed in red)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

from core.backward_check.checker import BackwardCheckReport
from gui.formatting import short_number
from gui.graph.view import GraphView
from gui.theme import VERDICT_COLOURS, VERDICT_SYMBOLS

MARGIN = 8
#: Most weights listed; the rest are counted.
MOST_LISTED = 8


def _verdict(verdict: str, html: str) -> str:
    """``html`` in the verdict's ink on its own fill: it reads on any theme's ground."""
    fill, ink = VERDICT_COLOURS[verdict]
    return f"<span style='color:{ink}; background:{fill}'>{html}</span>"


def legend_html(report: BackwardCheckReport, labels: dict[str, str]) -> str:
    """One line per weight that is not correct (and the forward's verdict)."""
    name = escape(Path(report.path).name)
    flagged = [f for f in report.weights if f.verdict != "correct"]
    if not flagged:
        lines = [f"<b>{name}</b>: {_verdict('correct', '✓ every derivative correct')}"
                 f" ({report.samples} samples)"]
    else:
        lines = [f"<b>{name}</b> on {report.samples} samples:"]
        for f in flagged[:MOST_LISTED]:
            error = short_number(f.max_relative_error, 2)
            mark = _verdict(f.verdict, f"{VERDICT_SYMBOLS[f.verdict]} <b>{escape(f.key)}</b>")
            lines.append(f"{mark} ({escape(labels.get(f.name, f.name))})"
                         f": error {error}, worst sample {f.worst_sample}")
        if len(flagged) > MOST_LISTED:
            lines.append(f"… and {len(flagged) - MOST_LISTED} more")
    if report.forward is not None and report.forward.verdict != "correct":
        verdict = report.forward.verdict
        lines.append(f"{_verdict(verdict, f'forward_propagation: {verdict}')} "
                     f"({escape(', '.join(report.forward.wrong))})")
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
        self.hide()
        view.installEventFilter(self)

    def show_report(self, report: BackwardCheckReport, labels: dict[str, str]) -> None:
        theme = self._view.theme  # the graph's own: the box sits on it
        self.setStyleSheet(
            f"QLabel {{ background: {theme.legend_background}; color: {theme.value_text};"
            f" border: 2px solid {theme.error_border}; border-radius: 6px; padding: 5px;"
            " font-size: 14px; }")
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
