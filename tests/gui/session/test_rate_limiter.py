"""The one rate limiter: at most N calls a second, the last request never lost."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gui.session.rate_limiter import RateLimiter


def test_requests_collapse_into_a_bounded_number_of_calls(qtbot):
    calls: list[float] = []
    limiter = RateLimiter(20.0, lambda: calls.append(time.perf_counter()))
    started = time.perf_counter()
    while time.perf_counter() - started < 0.3:
        limiter.request()
        qtbot.wait(1)
    qtbot.waitUntil(lambda: not limiter.pending, timeout=1000)
    elapsed = time.perf_counter() - started
    # The first call is immediate, then at most one per 50 ms, plus the final one.
    assert 2 <= len(calls) <= 20.0 * elapsed + 2
    gaps = np.diff(calls)
    assert min(gaps) >= 0.04


def test_the_last_request_is_served(qtbot):
    calls: list[int] = []
    limiter = RateLimiter(5.0, lambda: calls.append(1))
    limiter.request()
    limiter.request()
    limiter.request()
    assert calls == [1]
    assert limiter.pending
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1000)
    assert not limiter.pending


def test_fire_calls_now_and_cancel_drops_the_pending_call(qtbot):
    calls: list[int] = []
    limiter = RateLimiter(5.0, lambda: calls.append(1))
    limiter.fire()
    limiter.fire()
    assert calls == [1, 1]
    limiter.request()
    assert limiter.pending and limiter.seconds_to_next() > 0
    limiter.cancel()
    qtbot.wait(300)
    assert calls == [1, 1]


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError, match="per_second"):
        RateLimiter(0.0, lambda: None)
