"""Gradient check: the engine's backward pass against central finite differences.

For every weight: the analytic derivative, the numeric one (L(w+eps) - L(w-eps)) / 2 eps,
and their relative error; overall, ||g - g_num|| / (||g|| + ||g_num||) with the verdict
correct (< 1e-7), suspicious, or wrong (> 1e-3).
"""

from __future__ import annotations

import argparse

from cli.common import UsageError, add_data_and_graph, emit_json, format_number, table
from cli.inspect_cmd import add_sample_and_weights, prepare


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    add_sample_and_weights(parser)
    parser.add_argument("--eps", type=float, default=None, metavar="E",
                        help="finite-difference step (default 1e-7)")


def run(args: argparse.Namespace) -> int:
    from core.gradcheck import DEFAULT_EPS, check_graph

    eps = DEFAULT_EPS if args.eps is None else args.eps
    if not 0.0 < eps < 1.0:
        raise UsageError(f"--eps must be a small positive number, got {args.eps}")
    inputs = prepare(args)
    report = check_graph(inputs["graph"], inputs["x"], inputs["y"], inputs["weights"], eps)
    if args.json:
        emit_json({
            "eps": report.eps,
            "relative_error": report.relative_error,
            "verdict": report.verdict,
            "sample": inputs["index"],
            "weights": [
                {"name": c.name, "analytic": c.analytic, "numeric": c.numeric,
                 "relative_error": c.relative_error, "verdict": c.verdict}
                for c in report.weights
            ],
        })
        return 0
    rows = [[c.name, format_number(c.analytic, 10), format_number(c.numeric, 10),
             f"{c.relative_error:.2e}", c.verdict] for c in report.weights]
    print(table(rows, ["weight", "analytic", "numeric", "rel. error", "verdict"]))
    print()
    print(f"||g - g_num|| / (||g|| + ||g_num||) = {report.relative_error:.3e}  "
          f"(eps {report.eps:g}): {report.verdict.upper()}")
    return 0
