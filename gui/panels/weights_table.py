"""A table of the weights: value, dL/dw on the shown sample, the last update, and the
optimizer's state for each weight (velocity, m, v, ...).

Every number is shown whole, in one font, at any width.  The quantities are laid out in
as many columns as the table's width holds at full size; the rest wrap onto further
lines of the same row (a 1024x768 window's table holds two: with Adam, each weight's row
reads ``weight ∂L/∂w`` / ``last Δw m`` / ``v``), and the header stacks the names the same
way.  Nothing is squeezed or cut: a number that does not fit makes the table use fewer
columns.

The layout changes when the table is resized or a snapshot brings another graph, another
kind of optimizer state or a number wider than the columns; otherwise a snapshot only
rewrites cell texts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QResizeEvent
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
#: The widest number :data:`DIGITS` digits make in ordinary use: columns are sized for it
#: so that they do not change width as training goes on.
WIDEST_NUMBER = "−0.0001234"
#: Pixels between a cell's text and its edges (left + right), and above + below it.
CELL_PADDING = 8
LINE_PADDING = 6
#: The one font of the table: cells and both headers.
FONT_FAMILY = "DejaVu Sans Condensed"  # the graph's numbers' font; its digits all align
FONT_POINTS = 11
#: The fewest columns the table asks room for: it never widens the window for more.
MIN_COLUMNS = 1


def stacked(items: Sequence[str], columns: int) -> list[list[str]]:
    """``items`` dealt into ``columns`` columns row by row: column j holds items j,
    j + columns, j + 2·columns, ..."""
    return [list(items[j::columns]) for j in range(columns)]


class WeightsTable(QTableWidget):
    """One row per weight; its quantities in as many columns as fit, wrapping onto more
    lines of the row."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weights_table")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setWordWrap(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setItemDelegate(NumberDelegate(self))
        font = QFont(FONT_FAMILY)
        font.setPointSize(FONT_POINTS)
        self.setFont(font)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setFont(font)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Top-aligned: the k-th line of every column is the same line across the row.
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignRight
                                                    | Qt.AlignmentFlag.AlignTop)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self._slots: tuple[str, ...] = ()
        self._weights: tuple[str, ...] = ()
        self._labels: tuple[str, ...] = ()
        #: texts[row][quantity]: what each weight's row shows, by quantity.
        self._texts: list[list[str]] = []
        #: How many columns the quantities are dealt into (see :func:`stacked`).
        self.per_line = 0
        #: Width a column needs for its widest text, in pixels.
        self.needed_width = 0
        self._snapshot: Snapshot | None = None
        #: (weight, "value" | "grad") shown as "?" (a lesson's predict-then-reveal).
        self.hidden: tuple[str, str] | None = None
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    @property
    def columns(self) -> tuple[str, ...]:
        """The quantities shown for each weight, in reading order."""
        return (*BASE_COLUMNS, *self._slots)

    @property
    def lines(self) -> int:
        """Lines of text in each weight's row."""
        return math.ceil(len(self.columns) / max(self.per_line, 1))

    def header_names(self) -> list[str]:
        """What the header says over each quantity."""
        return [name.replace("_", " ") for name in self.columns]

    # -- layout ----------------------------------------------------------------------

    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.font())

    def _needed_width(self) -> int:
        metrics = self._metrics()
        texts = [WIDEST_NUMBER, *self.header_names(),
                 *(text for row in self._texts for text in row)]
        return math.ceil(max(metrics.horizontalAdvance(text) for text in texts)) \
            + CELL_PADDING

    def _room(self) -> int:
        """Pixels across the cells: the viewport (the scroll bar is always there)."""
        return max(self.viewport().width(), 1)

    def minimum_width(self) -> int:
        """Width that holds :data:`MIN_COLUMNS` columns, headers and scroll bar."""
        needed = self.needed_width or self._needed_width()
        return (MIN_COLUMNS * needed + self.verticalHeader().sizeHint().width()
                + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())

    def _layout(self, force: bool = False) -> None:
        """Deal the quantities into the columns that fit; size columns and rows."""
        quantities = len(self.columns)
        needed = self._needed_width()
        fit = max(1, min(quantities, self._room() // needed))
        # As few lines as that allows, then as few columns as those lines need.
        lines = math.ceil(quantities / fit)
        per_line = math.ceil(quantities / lines)
        if not force and per_line == self.per_line and needed <= self.needed_width:
            self._size_columns()
            return
        self.per_line, self.needed_width = per_line, needed
        self.setMinimumWidth(self.minimum_width())
        self.setColumnCount(per_line)
        self.setHorizontalHeaderLabels(
            ["\n".join(names) for names in stacked(self.header_names(), per_line)])
        self.setVerticalHeaderLabels(list(self._labels))
        for row in range(self.rowCount()):
            for column in range(per_line):
                if self.item(row, column) is None:
                    item = QTableWidgetItem("")
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignTop)
                    self.setItem(row, column, item)
        metrics = self._metrics()
        row_height = math.ceil(lines * metrics.lineSpacing()) + LINE_PADDING
        self.verticalHeader().setDefaultSectionSize(row_height)
        self.verticalHeader().setMinimumSectionSize(row_height)
        for row in range(self.rowCount()):
            self.setRowHeight(row, row_height)
        self._size_columns()
        self._write_cells()

    def _size_columns(self) -> None:
        """Share the room between the columns, each at least as wide as it needs."""
        if self.per_line <= 0:
            return
        share = max(self.needed_width, self._room() // self.per_line)
        for column in range(self.per_line):
            if self.columnWidth(column) != share:
                self.setColumnWidth(column, share)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._weights:
            self._layout()

    # -- contents --------------------------------------------------------------------

    def _rebuild(self, snapshot: Snapshot) -> bool:
        graph = snapshot.graph
        slots = tuple(OPTIMIZERS[snapshot.optimizer].slots)
        if slots == self._slots and graph.weights == self._weights:
            return False
        self._slots = slots
        self._weights = graph.weights
        self._labels = tuple(graph[w].label for w in graph.weights)
        self.clear()
        self.setRowCount(len(graph.weights))
        self._texts = [["" for _ in self.columns] for _ in self._weights]
        return True

    def set_hidden(self, node: str | None, number: str = "grad") -> None:
        """Show ``?`` for a weight's ``value`` or ``grad`` (a lesson asks to predict it);
        ``None`` shows every number."""
        self.hidden = None if node is None else (node, number)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        rebuilt = self._rebuild(snapshot)
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
                text = short_number(float(value), DIGITS)
                if (row, column) == (hidden_row, hidden_column):
                    text = "?"
                self._texts[row][column] = text
        # A number wider than the columns were laid out for lays them out again.
        if rebuilt or self._needed_width() > self.needed_width:
            self._layout(force=True)
        else:
            self._write_cells()

    def _write_cells(self) -> None:
        for row, texts in enumerate(self._texts):
            for column, lines in enumerate(stacked(texts, max(self.per_line, 1))):
                item = self.item(row, column)
                text = "\n".join(lines)
                if item is not None and item.text() != text:
                    item.setText(text)

    def cell_text(self, weight: str, column: str) -> str:
        """The text shown for ``weight``'s quantity ``column`` (a name of :attr:`columns`)."""
        return self._texts[self._weights.index(weight)][self.columns.index(column)]


class NumberDelegate(QStyledItemDelegate):
    """Numbers right-aligned, one per line, at the table's font: never squeezed, never
    cut (the table makes its columns wide enough)."""

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
        half = CELL_PADDING // 2
        top = LINE_PADDING // 2
        rect = QRectF(option.rect).adjusted(half, top, -half, -top)  # type: ignore[attr-defined, unused-ignore]
        painter.save()
        painter.setFont(option.font)  # type: ignore[attr-defined, unused-ignore]
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))  # type: ignore[attr-defined, unused-ignore]
        # Top-aligned so that line k of every column of the row is the same line.
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                         text)
        painter.restore()
