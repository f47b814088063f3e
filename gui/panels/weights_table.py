"""A table of the weights: value, dL/dw on the shown sample, the last update, and the
optimizer's state for each weight (velocity, m, v, ...).

Rows and columns are created when a snapshot brings another graph or another kind of
optimizer state; otherwise a snapshot only rewrites cell texts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
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
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        font = QFont("DejaVu Sans Mono")
        font.setPointSize(11)
        self.setFont(font)
        self._slots: tuple[str, ...] = ()
        self._weights: tuple[str, ...] = ()
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

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._rebuild(snapshot)
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
                if item is not None and item.text() != text:
                    item.setText(text)

    def cell_text(self, weight: str, column: str) -> str:
        item = self.item(self._weights.index(weight), self.columns.index(column))
        return "" if item is None else item.text()
