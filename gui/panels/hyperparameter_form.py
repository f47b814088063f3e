"""Hyperparameter fields built from what the optimizer declares.

One line edit per declared :class:`core.training.hyperparameters.Hyperparameter`.  The
text is checked as it is typed (against the hyperparameter's own declared rule) and
applied only on Enter or when the field loses focus, never on each keystroke: it is then
offered to the training session, whose configuration decides whether it is allowed.  A
refused value turns the field red and shows the reason under it; training goes on with the
last allowed value.  The form is rebuilt when the optimizer changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.inputs import NumberError, parse_number
from core.training.optimizers import OPTIMIZERS, Hyperparameter, HyperparameterError
from gui.plain_text import plain_label
from gui.session.training_session import TrainingSession
from gui.theme import current_theme, invalid_field_style


def parse_hyperparameter(spec: Hyperparameter, text: str) -> float:
    """The number typed for ``spec`` (whether it is allowed is the config's call).

    Raises
    ------
    HyperparameterError
        For text that is not a number, with a reason a user can act on.
    """
    stripped = text.strip()
    if not stripped:
        raise HyperparameterError(f"{spec.name} needs a value ({spec.interval})")
    try:
        return parse_number(stripped, spec.name)
    except NumberError as error:
        raise HyperparameterError(str(error)) from None


def restyle_invalid(event: QEvent, fields: Iterable[QLineEdit]) -> None:
    """On a theme switch (the window gives every widget the new palette), fields marked
    invalid take the new theme's colours."""
    if event.type() != QEvent.Type.PaletteChange:
        return
    style = invalid_field_style(current_theme())
    for field in fields:
        if field.styleSheet() and field.styleSheet() != style:
            field.setStyleSheet(style)


def format_hyperparameter(value: float) -> str:
    return f"{value:g}"


class HyperparameterForm(QWidget):
    """Fields for the current optimizer's hyperparameters."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.optimizer_name = ""
        self.values: dict[str, float] = {}
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.specs: dict[str, Hyperparameter] = {}
        self._form = QFormLayout()
        self._form.setContentsMargins(0, 0, 0, 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._form)
        session.optimizer_changed.connect(self._on_optimizer_changed)
        self._on_optimizer_changed(session.optimizer_name, session.hyperparameters)

    def _on_optimizer_changed(self, name: str, values: Mapping[str, float]) -> None:
        self.values = dict(values)
        if name != self.optimizer_name:
            self._rebuild(name)
        for key, value in values.items():
            field = self.fields.get(key)
            if field is None or key in self._invalid():
                continue
            text = format_hyperparameter(value)
            current = field.text().strip()
            try:
                same = parse_number(current, finite=False) == value
            except ValueError:
                same = False
            if not same:
                field.blockSignals(True)
                field.setText(text)
                field.blockSignals(False)

    def _rebuild(self, name: str) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.fields.clear()
        self.errors.clear()
        self.specs.clear()
        self.optimizer_name = name
        for spec in OPTIMIZERS[name].hyperparameters:
            field = QLineEdit()
            field.setObjectName(f"hyperparameter_{spec.name}")
            field.setToolTip(f"{spec.doc}<br>allowed: {spec.name} {spec.interval}")
            field.setPlaceholderText(format_hyperparameter(spec.default))
            # Checked as typed, applied only on Enter or when the field loses focus: a
            # half-typed number (1e9 on the way to 1e999) is never trained with.
            field.textEdited.connect(lambda text, key=spec.name: self._check(key, text))
            field.editingFinished.connect(lambda key=spec.name: self._apply(key))
            error = plain_label(QLabel())  # quotes what was typed
            error.setObjectName(f"hyperparameter_error_{spec.name}")
            error.setProperty("role", "warning")
            error.setWordWrap(True)
            error.hide()
            self.fields[spec.name] = field
            self.errors[spec.name] = error
            self.specs[spec.name] = spec
            self._form.addRow(spec.name, field)
            self._form.addRow("", error)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        restyle_invalid(event, self.fields.values())

    def _invalid(self) -> set[str]:
        return {key for key, label in self.errors.items() if not label.isHidden()}

    def _show_problem(self, key: str, problem: Exception) -> None:
        self.fields[key].setStyleSheet(invalid_field_style(current_theme()))
        # Training goes on with the last valid value; say which, so nobody is misled.
        kept = format_hyperparameter(self.values[key])
        self.errors[key].setText(f"{problem}; still training with {key} = {kept}")
        self.errors[key].show()

    def _check(self, key: str, text: str) -> float | None:
        """Check the text of ``key``'s field; show the problem, or clear it."""
        try:
            value = self.specs[key].validate(parse_hyperparameter(self.specs[key], text))
        except HyperparameterError as problem:
            self._show_problem(key, problem)
            return None
        self.fields[key].setStyleSheet("")
        self.errors[key].hide()
        return value

    def _apply(self, key: str) -> None:
        """Enter or focus loss: a valid value is offered to the session."""
        field = self.fields.get(key)
        if field is None:
            return
        value = self._check(key, field.text())
        if value is None or value == self.values.get(key):
            return
        try:
            self.session.set_hyperparameter(key, value)
        except HyperparameterError as problem:
            self._show_problem(key, problem)

    def _on_edited(self, key: str, text: str) -> None:
        """Type ``text`` into ``key``'s field and press Enter (for scripts and tests)."""
        self.fields[key].setText(text)
        self._check(key, text)
        self._apply(key)

    def is_valid(self, key: str) -> bool:
        return key not in self._invalid()
