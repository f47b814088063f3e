"""Shuffling and gradient clipping in the window: a check box and two bounds.

A bound applies on Enter or when its field loses focus (empty = off); a bad one turns the
field red, says why in the status bar and is not applied.  Changing any of them starts
training over (the loss curve belongs to one schedule).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from core.inputs import NumberError, parse_number
from core.training.hyperparameters import CLIP_NORM, CLIP_VALUE, Hyperparameter
from core.training.optimizers import HyperparameterError
from gui.panels.hyperparameter_form import restyle_invalid
from gui.session.training_session import TrainingSession
from gui.theme import current_theme, invalid_field_style


def parse_bound(rule: Hyperparameter, text: str) -> float | None:
    """An empty field is off; otherwise a number the rule allows.

    Raises
    ------
    HyperparameterError
        For text that is not an allowed number.
    """
    stripped = text.strip()
    if not stripped or stripped.lower() == "off":
        return None
    try:
        number = parse_number(stripped, rule.name)
    except NumberError as error:
        raise HyperparameterError(f"{error} (empty: off)") from None
    return rule.validate(number)


class ScheduleRow(QWidget):
    """[x] shuffle   clip |g| ≤ [  ]   ‖g‖ ≤ [  ]."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.shuffle = QCheckBox("shuffle")
        self.shuffle.setObjectName("shuffle_check")
        self.shuffle.setToolTip("Visit the samples in a new random order every epoch, drawn "
                                "from the seed (starts training over)")
        self.fields: dict[str, QLineEdit] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.shuffle)
        for rule, text in ((CLIP_VALUE, "clip |g| ≤"), (CLIP_NORM, "‖g‖ ≤")):
            field = QLineEdit()
            field.setObjectName(f"{rule.name}_edit")
            field.setPlaceholderText("off")
            field.setMaximumWidth(64)
            field.setToolTip(f"{rule.doc}; empty: off (starts training over)")
            field.textEdited.connect(lambda _text, f=field: f.setStyleSheet(""))
            field.editingFinished.connect(self.apply)
            layout.addWidget(QLabel(text))
            layout.addWidget(field)
            self.fields[rule.name] = field
        layout.addStretch(1)
        self.shuffle.toggled.connect(lambda _on: self.apply())
        session.schedule_changed.connect(self.show_schedule)
        self.show_schedule(session.shuffle, session.clip_value, session.clip_norm)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        restyle_invalid(event, self.fields.values())

    def apply(self) -> None:
        """Send the check box and both bounds to the session; a bad bound is refused."""
        bounds: dict[str, float | None] = {}
        for rule in (CLIP_VALUE, CLIP_NORM):
            field = self.fields[rule.name]
            try:
                bounds[rule.name] = parse_bound(rule, field.text())
            except HyperparameterError as problem:
                field.setStyleSheet(invalid_field_style(current_theme()))
                self.session.report(f"{problem}; not applied")
                return
            field.setStyleSheet("")
        self.session.set_schedule(self.shuffle.isChecked(), bounds["clip_value"],
                                  bounds["clip_norm"])

    def show_schedule(self, shuffle: bool, clip_value: object, clip_norm: object) -> None:
        self.shuffle.blockSignals(True)
        self.shuffle.setChecked(shuffle)
        self.shuffle.blockSignals(False)
        for name, value in (("clip_value", clip_value), ("clip_norm", clip_norm)):
            shown = "" if value is None or (isinstance(value, float) and math.isinf(value)) \
                else f"{value:g}"
            field = self.fields[name]
            if field.text().strip() != shown and not field.hasFocus():
                field.setText(shown)
