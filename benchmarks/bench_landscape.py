"""Benchmark: the loss landscape of the seed graph against hand-written numpy.

    python benchmarks/bench_landscape.py [--grid N] [--repeat R]

A 200x200 grid (``--grid``) of w1 and w9 around the seed's initial weights, the mean
loss over the built-in data's 506 rows at every point, three ways:

- hand-written numpy, per point: the seed formula written out by hand; the part that
  depends on neither w1 nor w9 (``w2*x2`` and the whole sigmoid branch) is computed once
  per sample, the rest per grid point and sample, a block of points at a time;
- hand-written numpy, per column: the same, and the tanh branch, which depends on w1
  alone, computed once per (w1 value, sample), as :func:`landscape_grid` does;
- :func:`core.geometry.landscape.landscape_grid`, generated from the graph.

Target: ``landscape_grid`` within 1.5x of the hand-written code.  The three run in
interleaved rounds, each counting its fastest (:func:`benchmarks.timing.best_times_interleaved`),
after their numbers are checked equal.  Then the time of a 401x401 grid and its peak
memory, measured with tracemalloc (the budget is 500 MB).
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_time, best_times_interleaved  # noqa: E402
from core.data.datasets import builtin_dataset  # noqa: E402
from core.geometry.landscape import (  # noqa: E402
    BLOCK_ELEMENTS,
    MAX_GRID,
    MEMORY_BUDGET,
    grid_values,
    landscape_grid,
)
from core.presets import PRESETS  # noqa: E402
from core.training.hyperparameters import SEED  # noqa: E402
from core.training.initial_weights import initial_weights  # noqa: E402

PAIR = ("w1", "w9")
SPAN = 1.0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _columns(X: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(X[:, j]) for j in range(5)]


def by_hand_per_point(X: np.ndarray, Y: np.ndarray, w: np.ndarray, grid: int) -> np.ndarray:
    """The seed formula by hand over the (w1, w9) grid: the part free of w1 and w9 once
    per sample, the rest per point and sample.

    y' = tanh(exp((w1*x1 + w2*x2)^2 + w6) + w7) + sigmoid(sin(w3*x3)*(w4*x4 + w5*x5) + w8)*w9
    L  = (y - y')^2
    """
    x1, x2, x3, x4, x5 = _columns(X)
    n = len(Y)
    xs, ys = grid_values(w[0], SPAN, grid), grid_values(w[8], SPAN, grid)
    # Independent of w1 and w9: once per sample.
    w2x2 = w[1] * x2
    part_3 = _sigmoid(np.sin(w[2] * x3) * (w[3] * x4 + w[4] * x5) + w[7])
    w1 = np.tile(xs, grid)[:, None]  # point p = i * grid + k: w1 = xs[k], w9 = ys[i]
    w9 = np.repeat(ys, grid)[:, None]
    loss = np.empty(grid * grid)
    points = max(1, BLOCK_ELEMENTS // n)
    for p0 in range(0, grid * grid, points):
        p1 = min(grid * grid, p0 + points)
        s = w1[p0:p1] * x1 + w2x2
        residual = Y - (np.tanh(np.exp(s * s + w[5]) + w[6]) + part_3 * w9[p0:p1])
        loss[p0:p1] = (residual * residual).sum(axis=1) / n
    return loss.reshape(grid, grid)


def by_hand_per_column(X: np.ndarray, Y: np.ndarray, w: np.ndarray, grid: int
                       ) -> np.ndarray:
    """As :func:`by_hand_per_point`, and the tanh branch (w1 alone) once per w1 value and
    sample: the work :func:`landscape_grid` does."""
    x1, x2, x3, x4, x5 = _columns(X)
    n = len(Y)
    xs, ys = grid_values(w[0], SPAN, grid), grid_values(w[8], SPAN, grid)
    w2x2 = w[1] * x2
    part_3 = _sigmoid(np.sin(w[2] * x3) * (w[3] * x4 + w[4] * x5) + w[7])
    s = xs[:, None] * x1 + w2x2
    part_2 = np.tanh(np.exp(s * s + w[5]) + w[6])  # (w1 values, samples)
    loss = np.empty((grid, grid))
    rows = max(1, BLOCK_ELEMENTS // (grid * n))
    for i0 in range(0, grid, rows):
        i1 = min(grid, i0 + rows)
        residual = Y - (part_2 + part_3 * ys[i0:i1, None, None])
        loss[i0:i1] = (residual * residual).sum(axis=2) / n
    return loss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    dataset = builtin_dataset()
    X, Y = np.asarray(dataset.X), np.asarray(dataset.y)
    graph = PRESETS["seed"].build()
    w = initial_weights(len(graph.weights), SEED.default)
    grid = args.grid

    # Same numbers first.
    result = landscape_grid(graph, X, Y, w, PAIR, span=SPAN, grid=grid)
    for name, by_hand in (("per point", by_hand_per_point),
                          ("per column", by_hand_per_column)):
        expected = by_hand(X, Y, w, grid)
        error = float(np.max(np.abs(result.loss / expected - 1.0)))
        assert error < 1e-12, f"by hand ({name}) differs by {error:.3g} (relative)"

    seconds = best_times_interleaved({
        "per point": [lambda: by_hand_per_point(X, Y, w, grid)],
        "per column": [lambda: by_hand_per_column(X, Y, w, grid)],
        "landscape": [lambda: landscape_grid(graph, X, Y, w, PAIR, span=SPAN, grid=grid)],
    }, max(1, args.repeat))
    mine = seconds["landscape"]
    print(f"loss landscape of the seed graph ({len(graph)} nodes), {PAIR[0]} x {PAIR[1]}, "
          f"{grid}x{grid} grid over {len(Y)} samples ({dataset.source}), best of "
          f"{args.repeat}")
    print(f"{'path':<48} {'seconds':>9} {'landscape / it':>15}")
    rows = [("hand-written numpy, per point", seconds["per point"]),
            ("hand-written numpy, per column (landscape's work)", seconds["per column"]),
            ("landscape_grid (generated from the graph)", mine)]
    for name, value in rows:
        print(f"{name:<48} {value:>9.4f} {mine / value:>14.2f}x")
    worst = mine / min(seconds["per point"], seconds["per column"])
    verdict = "meets" if worst <= 1.5 else "MISSES"
    print(f"landscape_grid: {worst:.2f}x the faster hand-written code ({verdict} the 1.5x "
          "target)")

    largest_seconds = best_time(
        lambda: landscape_grid(graph, X, Y, w, PAIR, span=SPAN, grid=MAX_GRID),
        max(1, args.repeat // 2))
    print(f"landscape_grid, {MAX_GRID}x{MAX_GRID} grid: {largest_seconds:.3f} s")
    # Peak memory of the largest grid (tracemalloc sees numpy's arrays).
    tracemalloc.start()
    tracemalloc.reset_peak()
    largest = landscape_grid(graph, X, Y, w, PAIR, span=SPAN, grid=MAX_GRID)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verdict = "under" if peak < MEMORY_BUDGET else "OVER"
    print(f"peak memory, {MAX_GRID}x{MAX_GRID} grid: {peak / 2**20:.1f} MB ({verdict} the "
          f"{MEMORY_BUDGET / 2**20:.0f} MB budget; one array over every point and sample "
          f"would be {MAX_GRID * MAX_GRID * len(Y) * 8 / 2**20:.0f} MB), "
          f"{largest.seconds:.2f} s with tracemalloc on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
