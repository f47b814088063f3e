"""Gradient check: the engine's backward pass against central finite differences.

For every weight: the analytic derivative, the numeric one (L(w+eps) - L(w-eps)) / 2 eps,
and their relative error; overall, ||g - g_num|| / (||g|| + ||g_num||) with the verdict
correct (< 1e-7), suspicious, or wrong (> 1e-3).  A weight whose analytic and numeric values
differ by no more than what the finite difference can resolve (its noise: truncation plus
rounding) is correct whatever its relative error; one that disagrees because its finite
difference crosses a kink (relu at 0, max where its operands meet) is kinked, not wrong.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from cli.common import UsageError, add_data_and_graph, emit_json, format_number, table
from cli.inspect_cmd import add_sample_and_weights, prepare
from cli.progress import ProgressLine
from core.inputs import any_number_argument

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from core.autodiff.gradcheck import GradCheckReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    add_sample_and_weights(parser)
    from core.autodiff.gradcheck import DEFAULT_EPS, EPS_RANGE

    low, high = EPS_RANGE
    parser.add_argument("--eps", type=any_number_argument, default=None, metavar="E",
                        help=f"finite-difference step, {low:g} to {high:g} (default "
                             f"{DEFAULT_EPS:g})")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from core.autodiff.gradcheck import (
        DEFAULT_EPS,
        EPS_RANGE,
        at_kinks,
        check_graph,
        crossed_weights,
        kink_crossings,
        kink_notes,
        shown_verdict,
    )

    eps = DEFAULT_EPS if args.eps is None else args.eps
    low, high = EPS_RANGE
    if not low <= eps <= high:
        what = "too large" if eps > high else "too small" if eps < low else "not a number"
        raise UsageError(f"--eps {args.eps:g} is {what}: the finite-difference step must be "
                         f"between {low:g} and {high:g}")
    with ProgressLine("gradcheck") as progress:
        progress.set("reading the graph and the data")
        inputs = prepare(args)
        weights = np.asarray(inputs["weights"], dtype=float)
        unmoved = [name for name, w in zip(inputs["graph"].weights, weights, strict=True)
                   if w + eps == w or w - eps == w]
        if unmoved:
            given = f"--eps {args.eps}" if args.eps is not None \
                else f"the default eps {format_number(eps)}"
            raise UsageError(f"{given} is too small: {unmoved[0]} + eps == "
                             f"{unmoved[0]} in floating point")
        progress.set("backward pass and compiling")
        report = check_graph(
            inputs["graph"], inputs["x"], inputs["y"], inputs["weights"], eps,
            progress=lambda fraction: progress.set("finite differences", fraction))
        graph = inputs["graph"]
        crossings = kink_crossings(graph, inputs["x"], inputs["y"], inputs["weights"], eps)
        found, kinked = at_kinks(crossings), crossed_weights(crossings)
    if args.json:
        emit_json({
            "eps": report.eps,
            "relative_error": report.relative_error,
            "verdict": report.verdict,
            "sample": inputs["index"],
            "weights": [
                {"name": c.name, "analytic": c.analytic, "numeric": c.numeric,
                 "relative_error": c.relative_error, "noise": _finite(c.noise),
                 "truncation": _finite(c.truncation), "rounding": _finite(c.rounding),
                 "verdict": c.verdict, "kinked": shown_verdict(c, kinked) == "kinked"}
                for c in report.weights
            ],
            "kinks": [{"node": node, "name": graph[node].name, "op": op}
                      for node, op in found],
        })
        return 0

    rows = [[c.name, format_number(c.analytic, 10), format_number(c.numeric, 10),
             format_number(c.relative_error, 3), format_number(c.noise, 2),
             shown_verdict(c, kinked)]
            for c in report.weights]
    print(table(rows, ["weight", "analytic", "numeric", "rel. error", "FD noise", "verdict"]))
    print()
    print(f"||g - g_num|| / (||g|| + ||g_num||) = {format_number(report.relative_error, 4)}  "
          f"(eps {format_number(report.eps)}): {_overall(report, kinked)}")
    print("FD noise: what the finite difference cannot resolve (truncation + rounding); "
          "a difference within it is agreement")
    unresolved = [c for c in report.weights if c.resolution > UNRESOLVED_ABOVE]
    if unresolved:
        cause = ("rounding: try a larger --eps" if sum(c.rounding for c in unresolved)
                 > sum(c.truncation for c in unresolved) else
                 "truncation: try a smaller --eps")
        print(f"note: at eps {format_number(report.eps)} the finite difference resolves "
              f"{', '.join(c.name for c in unresolved)} to worse than "
              f"{UNRESOLVED_ABOVE:.0%} of their size ({cause})")
    for note in kink_notes(graph, found):
        print(f"note: {note}")
    return 0


def _overall(report: GradCheckReport, kinked: Mapping[str, Sequence[str]]) -> str:
    """The overall verdict in capitals, said whole where every disagreement is a kink's."""
    from core.autodiff.gradcheck import shown_overall

    overall = shown_overall(report, kinked)
    return "KINKED: every disagreement is at a kink" if overall == "kinked" \
        else overall.upper()


#: A weight's noise above this fraction of its derivative gets a note.
UNRESOLVED_ABOVE = 1e-2


def _finite(value: float) -> float | None:
    """JSON has no infinity: null stands for a noise that could not be estimated."""
    return value if math.isfinite(value) else None
