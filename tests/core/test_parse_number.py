"""One number parser for what users type: the window's fields and the command line."""

import argparse
import math

import pytest

from core.inputs import NumberError, number_argument, parse_number


@pytest.mark.parametrize(("text", "expected"), [
    ("0.1", 0.1), ("  -2.5 ", -2.5), ("\u22122.5", -2.5), ("1e\u22123", 1e-3),
    ("+3", 3.0), ("\t7\n", 7.0), ("1E3", 1000.0),
])
def test_numbers_are_read_with_either_minus_sign(text, expected):
    assert parse_number(text, "lr") == expected


@pytest.mark.parametrize(("text", "message"), [
    ("fast", "lr: 'fast' is not a number"),
    ("1_000", "lr: '1_000' is not a number"),
    ("", "lr: no number given"),
    ("   ", "lr: no number given"),
    ("nan", "lr: 'nan' is not a finite number"),
    ("-inf", "lr: '-inf' is not a finite number"),
    ("1,5", "lr: '1,5' is not a number"),
])
def test_refusals_name_what_the_number_is_for(text, message):
    with pytest.raises(NumberError) as caught:
        parse_number(text, "lr")
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_long_text_is_quoted_short_on_one_line():
    with pytest.raises(NumberError) as caught:
        parse_number("y" * 10_000, "lr")
    message = str(caught.value)
    assert len(message) < 80 and "\n" not in message and "…" in message


def test_non_finite_numbers_can_be_allowed():
    assert math.isnan(parse_number("nan", finite=False))
    assert parse_number("\u2212inf", finite=False) == -math.inf


def test_argparse_type_reports_without_a_name():
    assert number_argument("\u22120.5") == -0.5
    with pytest.raises(argparse.ArgumentTypeError, match=r"^'x' is not a number$"):
        number_argument("x")
