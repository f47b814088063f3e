"""Benchmark: the gradient check of a graph with about 10,000 weights.

    python benchmarks/bench_gradcheck.py [--hidden H] [--trace-weights K]

The numeric derivatives need two forward passes per weight.  On the trace path that costs
(weights x nodes): 2,000 weights took 52 s, 10,000 weights over 20 minutes.  The fast path
(:func:`core.autodiff.gradcheck.graph_numeric_gradient`) computes the same numbers, many
weights per vectorized pass.

Printed: the whole ``check_graph`` (analytic trace, numeric differences, report) on the
10,004-weight network ``dense_network_formula(5, 1429)`` (a 114 KB formula), against the
trace path timed in the same process on its first K weights at one step (the check needs
two: eps and 2 eps) and scaled to all of them.
Target: under 30 s for the whole check.  Both paths' numbers are compared on those K weights.

Then the search for kinks the window and ``gradcheck`` run after the check
(:func:`core.autodiff.gradcheck.kink_crossings`) on the same network with relu units, against
that network's ``check_graph``: it moves each weight by ±2 eps and recomputes only the nodes
between the weight and a kink, so it stays a fraction of the check (a whole forward pass per
move took 35 s at 2,400 weights).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.autodiff.compiled import compiled_graph  # noqa: E402
from core.autodiff.engine import loss_only  # noqa: E402
from core.autodiff.formula import parse_formula  # noqa: E402
from core.autodiff.gradcheck import check_graph, kink_crossings, numeric_gradient  # noqa: E402
from core.presets import dense_network_formula  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=1429,
                        help="hidden units (7 weights each; default 1429: 10,004 weights)")
    parser.add_argument("--trace-weights", type=int, default=20,
                        help="weights timed on the trace path (default 20)")
    args = parser.parse_args()

    formula = dense_network_formula(5, args.hidden)
    started = time.perf_counter()
    graph = parse_formula(formula)
    compiled_graph(graph)
    setup = time.perf_counter() - started
    n = len(graph.weights)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=5), 0.5
    w = rng.normal(scale=0.1, size=n)

    started = time.perf_counter()
    report = check_graph(graph, x, y, w)
    fast = time.perf_counter() - started

    k = max(1, min(args.trace_weights, n))
    head = w[:k]

    def loss_of_head(values: np.ndarray) -> float:
        return loss_only(graph, x, y, np.concatenate([values, w[k:]]))

    started = time.perf_counter()
    slow_head = numeric_gradient(loss_of_head, head)
    trace_per_weight = (time.perf_counter() - started) / k
    trace_estimate = trace_per_weight * n
    fast_head = np.array([c.numeric for c in report.weights[:k]])
    same = np.array_equal(fast_head, slow_head)

    print(f"gradient check of {n:,} weights ({len(graph):,} nodes, formula of "
          f"{len(formula) / 1024:.0f} KB); parse + compile {setup:.1f} s")
    print(f"{'path':<44} {'seconds':>10} {'vs trace':>10}")
    print(f"{'trace path, one step (' + str(k) + ' weights, scaled)':<44} {trace_estimate:>10.1f} "
          f"{1.0:>9.3f}x")
    print(f"{'fast path: whole check_graph':<44} {fast:>10.2f} "
          f"{fast / trace_estimate:>9.4f}x")
    print(f"numeric derivatives equal on the first {k} weights: {same}")
    verdict = "meets" if fast < 30.0 else "MISSES"
    print(f"whole check {fast:.2f} s ({verdict} the 30 s target); verdict {report.verdict}")

    relu_graph = parse_formula(dense_network_formula(5, args.hidden, "relu"))
    started = time.perf_counter()
    check_graph(relu_graph, x, y, w)
    relu_check = time.perf_counter() - started
    started = time.perf_counter()
    found = kink_crossings(relu_graph, x, y, w)
    search = time.perf_counter() - started
    print(f"{'relu network: check_graph':<44} {relu_check:>10.2f} {1.0:>9.3f}x")
    print(f"{'relu network: kink search':<44} {search:>10.2f} "
          f"{search / relu_check:>9.3f}x  ({len(found)} nodes at a kink)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
