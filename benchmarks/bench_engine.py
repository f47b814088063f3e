"""Benchmark: one forward + backward pass of the seed graph, three ways, against the notebook.

    python benchmarks/bench_engine.py [--repeat N]

Prints microseconds per sample for

- the notebook's numpy code (``benchmarks/notebook_baseline.py``, bugs fixed): the baseline;
- the compiled fast path (``CompiledGraph.sample`` on Python floats), which training uses;
  target <= 0.25x the baseline;
- the vectorized batch (``CompiledGraph.batch``) over all samples in one call;
- the trace path (``engine.evaluate``), which records every value, gradient and step.

All four run in this process on the same data; each figure is the best of ``--repeat``
timed passes over the data.  The numbers are checked equal before timing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.notebook_baseline import gradients  # noqa: E402
from benchmarks.timing import best_time  # noqa: E402
from core.autodiff.compiled import CompiledGraph  # noqa: E402
from core.autodiff.engine import evaluate  # noqa: E402
from core.presets import PRESETS  # noqa: E402

COURSE_DATA = ROOT.parent / "shared" / "data" / "data.pkl"


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
    parser.add_argument("--repeat", type=int, default=7)
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
    batch_losses, batch_grads = compiled.batch(X, y, w)
    assert abs(batch_losses[3] - gradients(X[3], y[3], w)[0]) <= 1e-12
    assert np.allclose(batch_grads[3], gradients(X[3], y[3], w)[1], rtol=1e-10, atol=1e-13)

    def notebook() -> None:
        for i in range(n):
            gradients(X[i], y[i], w)

    def fast() -> None:
        for x, target in zip(rows, targets, strict=True):
            sample(x, target, weights)

    def batch() -> None:
        compiled.batch(X, y, w)

    def trace() -> None:
        for i in range(n):
            evaluate(graph, rows[i], targets[i], weights)

    repeat = max(1, args.repeat)
    baseline = best_time(notebook, repeat) / n
    figures = [
        ("notebook (numpy, bugs fixed)", baseline),
        ("compiled sample (Python floats)", best_time(fast, repeat) / n),
        (f"vectorized batch ({n} samples/call)", best_time(batch, repeat * 5) / n),
        ("trace path (engine.evaluate)", best_time(trace, max(1, repeat // 3)) / n),
    ]
    print(f"forward + backward of the seed graph ({len(graph)} nodes), data: {source}, "
          f"{n} samples, best of {repeat}")
    print(f"{'path':<38} {'us/sample':>10} {'vs notebook':>12}")
    for name, seconds in figures:
        print(f"{name:<38} {seconds * 1e6:>10.2f} {seconds / baseline:>11.3f}x")
    ratio = figures[1][1] / baseline
    verdict = "meets" if ratio <= 0.25 else "MISSES"
    print(f"compiled per-sample path: {ratio:.3f}x the notebook ({verdict} the 0.25x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
