"""Check a student's backward_propagation against the engine and finite differences.

FILE defines the course notebook's backward_propagation(x, y, w, forward_dict) returning
{'dw1': ..., 'dw9': ...} ('d' + the weight's name for other graphs), and may define
forward_propagation(x, y, w).  It runs contained (core.backward_check.sandbox: Landlock,
user, PID and network namespaces, no_new_privs, resource limits, as the machine allows) with
a time limit, at points of the data with weights at several scales and every weight large in
turn (40 for the seed; more with --samples), and judged against the exact gradients; the report
and the JSON field ``containment`` say which protections applied, and --require-isolation
refuses to run the file without all of them.  Exit status: 0 every weight (and the forward
pass, when defined) is correct, 1 something is not, 2 the file cannot be checked.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    option_error,
    table,
)
from core.inputs import any_number_argument
from core.training.hyperparameters import SEED, HyperparameterError

if TYPE_CHECKING:
    from core.backward_check.checker import BackwardCheckReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the student's Python file")
    add_data_and_graph(parser)
    parser.add_argument("--samples", type=int, default=40, metavar="N",
                        help="check at least N points (rows, each with its own weights; at "
                             "least the 40 (for the seed) that make every weight large in "
                             "turn)")
    parser.add_argument(SEED.flag, type=int, default=SEED.default, metavar="S",
                        help=f"random seed of the rows and weights (default {SEED.default})")
    parser.add_argument("--timeout", type=any_number_argument, default=10.0, metavar="SECONDS",
                        help="time the student's code may run in all (default 10)")
    parser.add_argument("--require-isolation", action="store_true",
                        help="refuse to run the file (exit 2) unless every protection "
                             "applies: Landlock files, TCP and signals, user, PID and network "
                             "namespaces, no_new_privs, resource limits")


#: More samples than this would keep a grader waiting for little gain.
MAX_SAMPLES = 10_000


def run(args: argparse.Namespace) -> int:
    from cli.common import load_graph_and_data
    from core.backward_check.checker import StudentCodeError, check_backward_file
    from core.backward_check.sandbox import clean_message

    if not 1 <= args.samples <= MAX_SAMPLES:
        raise UsageError(f"--samples must be between 1 and {MAX_SAMPLES}, got {args.samples}")
    if not (math.isfinite(args.timeout) and 0.0 < args.timeout <= 3600.0):
        raise UsageError(f"--timeout must be a number of seconds between 0 and 3600, "
                         f"got {args.timeout:g}")
    try:
        seed = SEED.validate(args.seed)
    except HyperparameterError as error:
        raise option_error(error, SEED.name) from None
    graph, preset, dataset = load_graph_and_data(args)
    try:
        report = check_backward_file(args.file, graph, dataset,
                                     preset.aliases if preset else None,
                                     samples=args.samples, seed=seed,
                                     timeout=args.timeout,
                                     require_isolation=args.require_isolation)
    except StudentCodeError as error:
        raise UsageError(str(error)) from None
    except Exception as error:  # never exit 1 ("wrong gradient") for a check that failed
        raise UsageError(clean_message(f"{Path(args.file).name} could not be checked: "
                                       f"{type(error).__name__}: {error}")) from None
    status = 0 if report.all_correct else 1
    if args.json:
        emit_json(_payload(report))
        return status
    rows = [[f.name, f.verdict, format_number(f.max_relative_error, 3), str(f.worst_sample),
             format_number(f.student), format_number(f.exact), format_number(f.numeric)]
            for f in report.weights]
    print(f"{args.file}: backward_propagation at {report.samples} points")
    print(table(rows, ["weight", "verdict", "max rel. error", "worst sample", "yours",
                       "exact", "numeric"]))
    print()
    if report.flagged:
        print(f"WRONG: {', '.join(f.key for f in report.weights if f.verdict != 'correct')}"
              " (yours, the exact gradient and a numerical one at the worst point)")
    else:
        print("every weight's derivative is CORRECT")
    print(report.message)
    if report.forward is not None:
        forward = report.forward
        detail = "" if forward.verdict == "correct" else (
            f": {', '.join(forward.wrong)}" + (f"; missing {', '.join(forward.missing)}"
                                               if "loss" in forward.missing else ""))
        print(f"forward_propagation: {forward.verdict.upper()}{detail}")
    print(f"your code ran {report.containment.describe()}")
    return status


def _payload(report: BackwardCheckReport) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "file": report.path,
        "samples": report.samples,
        "eps": report.eps,
        "weights": [
            {"name": f.name, "key": f.key, "verdict": f.verdict,
             "max_relative_error": f.max_relative_error, "worst_sample": f.worst_sample,
             "student": f.student, "engine": f.engine, "numeric": f.numeric,
             "exact": f.exact, "tolerance": f.tolerance, "wrong_points": f.wrong_points,
             "worst_weights": list(f.worst_weights)}
            for f in report.weights
        ],
        "wrong": list(report.wrong),
        "flagged": list(report.flagged),
        "message": report.message,
        "numerical_derivative_suspected": report.numerical_derivative_suspected,
        "containment": report.containment.as_dict(),
    }
    if report.forward is not None:
        payload["forward"] = {
            "verdict": report.forward.verdict,
            "wrong": list(report.forward.wrong),
            "missing": list(report.forward.missing),
            "keys": {key: {"verdict": v, "max_relative_error": e, "worst_sample": s}
                     for key, (v, e, s) in report.forward.keys.items()},
        }
    return payload
