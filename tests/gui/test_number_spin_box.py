"""Spin boxes read typed numbers as every number field does: the minus sign − too."""

import pytest
from PySide6.QtGui import QValidator

from gui.number_spin_box import NumberSpinBox


@pytest.fixture
def box(qtbot):
    box = NumberSpinBox()
    qtbot.addWidget(box)
    box.setDecimals(6)
    box.setRange(-10.0, 10.0)
    return box


def test_the_minus_sign_and_an_exponent_are_read(box):
    assert box.valueFromText("\u22120.05") == -0.05
    assert box.valueFromText(" 1e\u22123 ") == 0.001
    box.lineEdit().setText("\u22122.5")
    box.interpretText()
    assert box.value() == -2.5


def test_half_typed_numbers_wait_and_letters_are_refused(box):
    assert box.validate("\u2212", 1)[0] == QValidator.State.Intermediate
    assert box.validate("1e", 2)[0] == QValidator.State.Intermediate
    assert box.validate("1.5", 3)[0] == QValidator.State.Acceptable
    assert box.validate("11", 2)[0] == QValidator.State.Intermediate  # out of range
    assert box.validate("abc", 3)[0] == QValidator.State.Invalid


def test_a_prefix_is_not_part_of_the_number(box):
    box.setPrefix("± ")
    assert box.valueFromText("± 0.25") == 0.25
    assert box.validate("± 0.25", 6)[0] == QValidator.State.Acceptable


def test_the_special_value_text_stands_for_the_minimum(box):
    box.setSpecialValueText("off")
    assert box.validate("off", 3)[0] == QValidator.State.Acceptable
    assert box.valueFromText("off") == -10.0
    box.setValue(-10.0)
    assert box.text() == "off"
