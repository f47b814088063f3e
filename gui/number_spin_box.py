"""A spin box for a real number that reads typed text as every other number field does
(:func:`core.inputs.parse_number`): the minus sign ``−`` the app writes as well as ``-``,
surrounding spaces, an exponent (``1e−3``)."""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox

from core.inputs import NumberError, parse_number
from core.numbers import MINUS

#: What a number may hold while it is being typed (``1e``, ``−``, ``.``).
_TYPING = frozenset("0123456789.eE+- " + MINUS)


class NumberSpinBox(QDoubleSpinBox):
    """:class:`QDoubleSpinBox` with the app's number parsing (Qt's own refuses ``−``)."""

    def _body(self, text: str) -> str:
        body = text.strip()
        prefix, suffix = self.prefix().strip(), self.suffix().strip()
        if prefix and body.startswith(prefix):
            body = body[len(prefix):]
        if suffix and body.endswith(suffix):
            body = body[:len(body) - len(suffix)]
        return body.strip()

    def _special(self, text: str) -> bool:
        """Whether ``text`` is the special value's text (``off`` for the minimum)."""
        special = self.specialValueText()
        return bool(special) and text.strip() == special.strip()

    def valueFromText(self, text: str) -> float:
        if self._special(text):
            return self.minimum()
        try:
            return parse_number(self._body(text))
        except NumberError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self._special(text):
            return QValidator.State.Acceptable, text, pos
        body = self._body(text)
        try:
            value = parse_number(body)
        except NumberError:
            typing = all(char in _TYPING for char in body)
            state = QValidator.State.Intermediate if typing else QValidator.State.Invalid
            return state, text, pos
        inside = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate,
                text, pos)
