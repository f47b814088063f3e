"""The dialog behind File > Export: where to save, and for a plot, the picture's size.

A plot is exported at a size of its own (:func:`gui.files.exports.default_plot_size`
unless changed here), not the strip the window may squeeze it into.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.inputs import MAX_SIDE, MIN_SIDE


class ExportDialog(QDialog):
    """File name (typed or browsed) and, when ``size`` is given, width and height fields.

    Parameters
    ----------
    title
        The dialog's title ("Export loss as PNG").
    start
        The file name offered.
    suffix
        The file suffix (``.png``); added to a name typed without it.
    size
        The picture size offered, or None for an export without one (the graph as drawn,
        the history).
    """

    def __init__(self, title: str, start: str, suffix: str,
                 size: tuple[int, int] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle(title)
        self.suffix = suffix
        form = QFormLayout(self)
        self.path_field = QLineEdit(start)
        self.path_field.setObjectName("export_path")
        self.path_field.setMinimumWidth(320)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_field, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.width_field: QSpinBox | None = None
        self.height_field: QSpinBox | None = None
        if size is not None:
            self.width_field = self._side_field("export_width", size[0])
            self.height_field = self._side_field("export_height", size[1])
            form.addRow("Width", self.width_field)
            form.addRow("Height", self.height_field)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.path_field.textChanged.connect(self._update_save)
        self._update_save()

    @staticmethod
    def _side_field(name: str, value: int) -> QSpinBox:
        field = QSpinBox()
        field.setObjectName(name)
        field.setRange(MIN_SIDE, MAX_SIDE)
        field.setSuffix(" px")
        field.setValue(min(max(value, MIN_SIDE), MAX_SIDE))
        return field

    def _update_save(self) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if button is not None:
            button.setEnabled(bool(self.path_field.text().strip()))

    def _browse(self) -> None:
        kind = self.suffix[1:].upper()
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path(),
                                              f"{kind} files (*{self.suffix})")
        if path:
            self.path_field.setText(path)

    def path(self) -> str:
        """The file name, with the suffix added when it was typed without it."""
        path = self.path_field.text().strip()
        if path and not path.lower().endswith(self.suffix):
            path += self.suffix
        return str(Path(path).expanduser()) if path else ""

    def picture_size(self) -> tuple[int, int] | None:
        """The picture size asked for, or None when the dialog has no size fields."""
        if self.width_field is None or self.height_field is None:
            return None
        return self.width_field.value(), self.height_field.value()
