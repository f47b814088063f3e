"""Benchmark: planning one training step for the stepper, against the trace it is built on.

    python benchmarks/bench_stepper.py [--hidden H ...]

A plan (:class:`core.debugger.stepper.StepPlan`) has one position per node, per chain-rule
step and per weight, each with the partial picture at that point.  The pictures are built
only when a view reads them, so planning costs a constant times the trace, not the square
of the graph's size.

Printed per graph size: nodes, positions, the trace (``engine.evaluate``) and the plan in
milliseconds, and their ratio (the plan includes every position's arithmetic text), plus
drawing one position's picture (reading its values and gradients).  The plan writes every
position's arithmetic as text, so it costs far more than the (compiled) trace; what
matters is that its cost per position stays flat as the graph grows (linear, not
quadratic).
Target: flat µs/position; a graph of 20,000 nodes plans in a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_time  # noqa: E402
from core.autodiff.engine import evaluate  # noqa: E402
from core.autodiff.formula import parse_formula  # noqa: E402
from core.debugger.stepper import StepPlan  # noqa: E402
from core.presets import dense_network_formula  # noqa: E402
from core.training.optimizers import make_optimizer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[10, 100, 1000],
                        help="hidden units of the dense networks timed (default 10 100 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    args = parser.parse_args()

    print(f"{'nodes':>7} {'positions':>10} {'trace ms':>9} {'plan ms':>9} {'plan/trace':>10} "
          f"{'µs/position':>12} {'one picture ms':>15}")
    for hidden in args.hidden:
        graph = parse_formula(dense_network_formula(5, hidden))
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=5), 0.5
        w = rng.normal(scale=0.1, size=len(graph.weights))
        optimizer = make_optimizer("adam", len(graph.weights))
        trace = evaluate(graph, x, y, w)
        trace_time = best_time(lambda g=graph, x=x, y=y, w=w: evaluate(g, x, y, w), args.repeat)
        plan_time = best_time(lambda t=trace, o=optimizer: StepPlan(t, o), args.repeat)
        plan = StepPlan(trace, optimizer)
        # The first read of a position builds its picture (later reads are cached).
        middle = plan.positions[len(plan) // 2]
        started = time.perf_counter()
        dict(middle.values)
        dict(middle.grads)
        picture_time = time.perf_counter() - started
        print(f"{len(graph):>7} {len(plan):>10} {trace_time * 1e3:>9.1f} "
              f"{plan_time * 1e3:>9.1f} {plan_time / trace_time:>10.1f} "
              f"{plan_time / len(plan) * 1e6:>12.1f} {picture_time * 1e3:>15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
