"""A table of the weights: value, dL/dw on the shown sample, the last update, and the
optimizer's state for each weight (velocity, m, v, ...).

Rows and columns are created when a snapshot brings another graph or another kind of
optimizer state; otherwise a snapshot only rewrites cell texts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.training.optimizers import OPTIMIZERS
from gui.formatting import short_number
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot

BASE_COLUMNS = ("weight", "∂L/∂w", "last Δw")
#: Significant digits, as in the graph.
DIGITS = 4


class WeightsTable(QTableWidget):
    """One row per weight."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weights_table")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setItemDelegate(NumberDelegate(self))
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        font = QFont("DejaVu Sans Mono")
        font.setPointSize(11)
        self.setFont(font)
        self._slots: tuple[str, ...] = ()
        self._weights: tuple[str, ...] = ()
        self._snapshot: Snapshot | None = None
        #: (weight, "value" | "grad") shown as "?" (a lesson's predict-then-reveal).
        self.hidden: tuple[str, str] | None = None
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    @property
    def columns(self) -> tuple[str, ...]:
        return (*BASE_COLUMNS, *self._slots)

    def _rebuild(self, snapshot: Snapshot) -> None:
        graph = snapshot.graph
        slots = tuple(OPTIMIZERS[snapshot.optimizer].slots)
        if slots == self._slots and graph.weights == self._weights:
            return
        self._slots = slots
        self._weights = graph.weights
        self.clear()
        self.setColumnCount(len(self.columns))
        self.setRowCount(len(graph.weights))
        self.setHorizontalHeaderLabels(list(self.columns))
        self.setVerticalHeaderLabels([graph[w].label for w in graph.weights])
        for row in range(len(graph.weights)):
            for column in range(len(self.columns)):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)

    def set_hidden(self, node: str | None, number: str = "grad") -> None:
        """Show ``?`` for a weight's ``value`` or ``grad`` (a lesson asks to predict it);
        ``None`` shows every number."""
        self.hidden = None if node is None else (node, number)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._rebuild(snapshot)
        hidden_row, hidden_column = -1, -1
        if self.hidden is not None and self.hidden[0] in self._weights:
            hidden_row = self._weights.index(self.hidden[0])
            hidden_column = 0 if self.hidden[1] == "value" else 1
        columns: list[Sequence[float] | np.ndarray] = [snapshot.weights, snapshot.weight_grads,
                                          snapshot.last_update]
        for slot in self._slots:
            state = snapshot.optimizer_state.get(slot)
            if state is None or np.shape(state) != (len(self._weights),):
                state = np.full(len(self._weights), np.nan)
            columns.append(state)
        for column, values in enumerate(columns):
            for row, value in enumerate(values):
                item = self.item(row, column)
                text = short_number(float(value), DIGITS)
                if (row, column) == (hidden_row, hidden_column):
                    text = "?"
                if item is not None and item.text() != text:
                    item.setText(text)

    def cell_text(self, weight: str, column: str) -> str:
        item = self.item(self._weights.index(weight), self.columns.index(column))
        return "" if item is None else item.text()


#: Narrowest a number is squeezed to before it is cut (on the right, never the sign).
MIN_SQUEEZE = 0.6


def fitted(text: str, metrics: QFontMetricsF, width: float) -> tuple[str, float]:
    """How ``text`` is drawn in ``width`` pixels: (text, horizontal scale).  A number too
    wide is squeezed, down to :data:`MIN_SQUEEZE`; past that its last digits give way to
    an ellipsis, so the sign and the leading digits always show."""
    needed = metrics.horizontalAdvance(text)
    if needed <= width or needed <= 0:
        return text, 1.0
    if needed * MIN_SQUEEZE <= width:
        return text, width / needed
    shown = text
    while len(shown) > 1 and metrics.horizontalAdvance(shown + "…") * MIN_SQUEEZE > width:
        shown = shown[:-1]
    return shown + "…", MIN_SQUEEZE


class NumberDelegate(QStyledItemDelegate):
    """Right-aligned numbers that shrink to fit their cell instead of losing digits on the
    left (Qt cuts right-aligned text at the left edge: −0.001321 read ").001321")."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        widget = option.widget  # type: ignore[attr-defined, unused-ignore]
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        rect = QRectF(option.rect).adjusted(3, 0, -4, 0)  # type: ignore[attr-defined, unused-ignore]
        metrics = QFontMetricsF(option.font)  # type: ignore[attr-defined, unused-ignore]
        shown, scale = fitted(text, metrics, rect.width())
        painter.save()
        painter.setFont(option.font)  # type: ignore[attr-defined, unused-ignore]
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))  # type: ignore[attr-defined, unused-ignore]
        painter.translate(rect.right(), rect.top())
        painter.scale(scale, 1.0)
        width = metrics.horizontalAdvance(shown)
        painter.drawText(QRectF(-width, 0, width, rect.height()),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         shown)
        painter.restore()
