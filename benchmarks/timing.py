"""Timing for the benchmarks: the fastest of several runs, the least disturbed by the
machine's other work."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` calls of ``fn``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def best_times_interleaved(parts: Mapping[str, list[Callable[[], object]]],
                           repeat: int) -> dict[str, float]:
    """Seconds per named job, each job split into parts timed separately.

    Every round calls every part of every job once, jobs alternating, so that they all
    see the same machine; a part's time is its fastest round, and a job's time is the sum
    of its parts' times.  Short parts (about a millisecond) often run undisturbed even on
    a busy machine, where a whole job rarely does.
    """
    best = {name: [float("inf")] * len(calls) for name, calls in parts.items()}
    for _ in range(repeat):
        for name, calls in parts.items():
            times = best[name]
            for index, call in enumerate(calls):
                started = time.perf_counter()
                call()
                times[index] = min(times[index], time.perf_counter() - started)
    return {name: sum(times) for name, times in best.items()}
