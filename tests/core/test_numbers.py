"""One formatter for the numbers people read: the graph, the panels, the stepper's words
and the command line's text output write a value the same way."""

import math

import numpy as np
import pytest

from core.numbers import MINUS, count, full_number, number


@pytest.mark.parametrize(("value", "digits", "shown", "plain"), [
    (-0.0123456, 4, f"{MINUS}0.01235", "-0.01235"),
    (2.1e-5, 4, f"2.1e{MINUS}5", "2.1e-5"),
    (-1.5e20, 3, f"{MINUS}1.5e20", "-1.5e20"),
    (1234567.0, 6, "1.23457e6", "1.23457e6"),
    (0.5, 4, "0.5", "0.5"),
    (math.nan, 4, "NaN", "nan"),
    (math.inf, 4, "+∞", "inf"),
    (-math.inf, 4, f"{MINUS}∞", "-inf"),
])
def test_number_for_people_and_in_ascii(value, digits, shown, plain):
    assert number(value, digits) == shown
    assert number(value, digits, plain=True) == plain


def test_numpy_scalars_are_numbers_too():
    assert number(np.float64(-0.25)) == f"{MINUS}0.25"
    assert number(np.float32(0.5), plain=True) == "0.5"


def test_full_number_keeps_every_digit():
    assert full_number(-0.1) == f"{MINUS}0.1"
    assert float(full_number(1 / 3)) == 1 / 3
    assert full_number(math.nan) == "NaN"


def test_counts():
    assert (count(1, "epoch"), count(20, "epoch")) == ("1 epoch", "20 epochs")


def test_the_window_the_debugger_and_the_command_line_share_it():
    from cli.common import format_number
    from core.debugger import wording
    from gui import formatting

    assert wording.number is number and formatting.short_number is number
    assert formatting.full_number is full_number
    assert format_number(-2.5e-7) == "-2.5e-7"
