"""Benchmark: one forward + backward pass of the seed graph, three ways, against the notebook.

    python benchmarks/bench_engine.py [--repeat N]

Prints microseconds per sample for

- the notebook's numpy code (``benchmarks/notebook_baseline.py``, bugs fixed): the baseline;
- the compiled fast path (``CompiledGraph.sample`` on Python floats), which training uses;
  target <= 0.2x the baseline (:data:`COMPILED_TARGET`);
- the vectorized batch (``CompiledGraph.batch``) over all samples in one call;
- the trace path (``engine.evaluate``), which records every value, gradient and step;
  target <= 3x the baseline (:data:`TRACE_TARGET`).

All four run in this process on the same data, in interleaved rounds over chunks of 64
samples; each chunk counts with its best of ``--repeat`` rounds
(:func:`benchmarks.timing.best_times_interleaved`).  The numbers are checked equal before
timing: the trace path bit for bit with the compiled path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.notebook_baseline import gradients  # noqa: E402
from benchmarks.timing import best_time, best_times_interleaved  # noqa: E402
from core.autodiff.compiled import CompiledGraph  # noqa: E402
from core.autodiff.engine import evaluate  # noqa: E402
from core.presets import PRESETS  # noqa: E402

COURSE_DATA = ROOT.parent / "shared" / "data" / "data.pkl"
#: Samples per timed part (see :func:`benchmarks.timing.best_times_interleaved`).
CHUNK = 64
#: Most time per sample, as a share of the notebook's, for the compiled and trace paths.
COMPILED_TARGET = 0.2
TRACE_TARGET = 3.0


def load_data() -> tuple[np.ndarray, np.ndarray, str]:
    """The course's data file if it is there, else the built-in dataset."""
    if COURSE_DATA.exists():
        from core.data.datasets import load_dataset

        dataset = load_dataset(COURSE_DATA)
    else:
        from core.data.datasets import builtin_dataset

        dataset = builtin_dataset()
    return np.asarray(dataset.X, dtype=float), np.asarray(dataset.y, dtype=float), \
        str(dataset.source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    X, y, source = load_data()
    n = len(X)
    graph = PRESETS["seed"].build()
    compiled = CompiledGraph(graph)
    w = np.random.default_rng(0).normal(0.0, 0.01, 9)
    # The fast path wants plain floats: numpy scalars make it about 3x slower.
    rows, targets, weights = X.tolist(), y.tolist(), w.tolist()
    sample = compiled.sample

    # Same numbers first.
    for i in (0, n // 2, n - 1):
        loss_nb, grads_nb = gradients(X[i], y[i], w)
        loss, grads, _ = sample(rows[i], targets[i], weights)
        assert np.allclose(grads, grads_nb, rtol=1e-10, atol=1e-13), i
        assert abs(loss - loss_nb) <= 1e-12 * max(1.0, abs(loss_nb))
        trace = evaluate(graph, rows[i], targets[i], weights)
        assert trace.loss == loss
        assert trace.weight_grads.tolist() == grads
    batch_losses, batch_grads = compiled.batch(X, y, w)
    assert abs(batch_losses[3] - gradients(X[3], y[3], w)[0]) <= 1e-12
    assert np.allclose(batch_grads[3], gradients(X[3], y[3], w)[1], rtol=1e-10, atol=1e-13)

    # The data in chunks of about a millisecond each, timed in interleaved rounds.
    chunks = [range(start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]

    def notebook(part: range) -> Callable[[], None]:
        def run() -> None:
            for i in part:
                gradients(X[i], y[i], w)
        return run

    def fast(part: range) -> Callable[[], None]:
        def run() -> None:
            for i in part:
                sample(rows[i], targets[i], weights)
        return run

    def trace(part: range) -> Callable[[], None]:
        def run() -> None:
            for i in part:
                evaluate(graph, rows[i], targets[i], weights)
        return run

    repeat = max(1, args.repeat)
    seconds = best_times_interleaved({
        "notebook": [notebook(part) for part in chunks],
        "compiled": [fast(part) for part in chunks],
        "trace": [trace(part) for part in chunks],
    }, repeat)
    baseline = seconds["notebook"] / n
    figures = [
        ("notebook (numpy, bugs fixed)", baseline),
        ("compiled sample (Python floats)", seconds["compiled"] / n),
        (f"vectorized batch ({n} samples/call)",
         best_time(lambda: compiled.batch(X, y, w), repeat * 5) / n),
        ("trace path (engine.evaluate)", seconds["trace"] / n),
    ]
    print(f"forward + backward of the seed graph ({len(graph)} nodes), data: {source}, "
          f"{n} samples, best of {repeat}")
    print(f"{'path':<38} {'us/sample':>10} {'vs notebook':>12}")
    for name, seconds in figures:
        print(f"{name:<38} {seconds * 1e6:>10.2f} {seconds / baseline:>11.3f}x")
    ratio = figures[1][1] / baseline
    verdict = "meets" if ratio <= COMPILED_TARGET else "MISSES"
    print(f"compiled per-sample path: {ratio:.3f}x the notebook ({verdict} the "
          f"{COMPILED_TARGET:g}x target)")
    trace_ratio = figures[3][1] / baseline
    verdict = "meets" if trace_ratio <= TRACE_TARGET else "MISSES"
    print(f"trace path: {trace_ratio:.2f}x the notebook ({verdict} the {TRACE_TARGET:g}x "
          f"target), {figures[3][1] / figures[1][1]:.1f}x the compiled path")
    return 0


if __name__ == "__main__":
    sys.exit(main())
