"""The gradient-check panel offers and accepts the finite-difference steps of
core.autodiff.gradcheck.EPS_RANGE, the command line's too."""

import pytest

from core.autodiff.gradcheck import EPS_RANGE
from gui.debugger.gradcheck_panel import EPS_CHOICES, parse_eps

LOW, HIGH = EPS_RANGE


def test_the_window_offers_the_same_range():
    assert (min(EPS_CHOICES), max(EPS_CHOICES)) == pytest.approx((LOW, HIGH), rel=1e-12)
    assert parse_eps(repr(LOW)) == LOW and parse_eps(repr(HIGH)) == HIGH
    for outside in (LOW / 10, HIGH * 10):
        with pytest.raises(ValueError, match=r"between 1e-10 and 0\.01"):
            parse_eps(repr(outside))
