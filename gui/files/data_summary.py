"""The summary shown before new data is used: rows, columns, each column's range and the
header, with the target column to choose (default: the last).

The table is split again locally when another target is chosen: nothing is read twice.
A file with fewer feature columns than the graph uses is flagged here, and OK is refused
with the number of columns the graph needs.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.data.datasets import Dataset
from gui.formatting import short_number
from gui.plain_text import plain_label
from gui.theme import current_theme

#: Columns listed in the summary table at most (wider files are summarised).
MAX_LISTED = 60


def resplit(dataset: Dataset, target: int) -> Dataset:
    """``dataset``'s table (features, then the target last) with column ``target`` as the
    target and the others, in order, as features."""
    table = np.column_stack([dataset.X, dataset.y])
    names = [*dataset.feature_names, dataset.target_name]
    keep = [j for j in range(table.shape[1]) if j != target]
    return Dataset(table[:, keep], table[:, target], dataset.source,
                   feature_names=tuple(names[j] for j in keep), target_name=names[target])


class DataSummaryDialog(QDialog):
    """What the file holds, and which column is the target; OK uses it.

    Parameters
    ----------
    dataset
        The loaded data (its last column the target).
    needed
        Feature columns the current graph uses.
    """

    def __init__(self, dataset: Dataset, needed: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("data_summary")
        self.setWindowTitle("Use this data?")
        self.loaded = dataset
        self.needed = needed
        table = np.column_stack([dataset.X, dataset.y])
        self.names = [*dataset.feature_names, dataset.target_name]
        header = "a header row" if dataset.feature_names != tuple(
            f"x{j}" for j in range(1, dataset.n_features + 1)) else "no header"
        # The path and the column names are the file's: shown as plain text, never HTML.
        self.info = plain_label(QLabel(f"{dataset.display_name}\n{len(dataset)} rows, "
                                       f"{table.shape[1]} columns, {header}"))
        self.info.setObjectName("data_info")
        self.info.setWordWrap(True)
        self.target = QComboBox()
        self.target.setObjectName("target_column")
        for j, name in enumerate(self.names):
            self.target.addItem(f"{j + 1}: {name}", j)
        self.target.setCurrentIndex(len(self.names) - 1)
        self.columns = QTableWidget(min(table.shape[1], MAX_LISTED), 4)
        self.columns.setObjectName("column_summary")
        self.columns.setHorizontalHeaderLabels(["column", "min", "max", "mean"])
        self.columns.verticalHeader().hide()
        for j in range(min(table.shape[1], MAX_LISTED)):
            values = table[:, j]
            for c, text in enumerate((self.names[j], short_number(float(values.min()), 4),
                                      short_number(float(values.max()), 4),
                                      short_number(float(values.mean()), 4))):
                self.columns.setItem(j, c, QTableWidgetItem(text))
        self.columns.resizeColumnsToContents()
        self.problem = plain_label(QLabel())
        self.problem.setObjectName("data_problem")
        self.problem.setStyleSheet(f"color: {current_theme().warning_text};")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("target column", self.target)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(form)
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.target.currentIndexChanged.connect(lambda _index: self._check())
        self._check()
        self.resize(460, 420)

    def dataset(self) -> Dataset:
        """The data split with the chosen target column."""
        target = int(self.target.currentData())
        if target == len(self.names) - 1:
            return self.loaded
        return resplit(self.loaded, target)

    def _check(self) -> bool:
        features = len(self.names) - 1
        ok = features >= self.needed
        uses = "x1" if self.needed == 1 else f"x1..x{self.needed}"
        self.problem.setText("" if ok else
                             f"The graph uses {uses}: it needs {self.needed} feature "
                             f"columns; this file has {features}.")
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok_button is not None:
            ok_button.setEnabled(ok)
        return ok
