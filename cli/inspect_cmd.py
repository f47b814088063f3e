"""Forward and backward pass on one sample: every node's value and gradient.

Prints the loss, the prediction, dL/dy' and dL/dw for every weight, and the value and
gradient of every node of the graph (with --json, also every edge's local derivative and
the backward steps in order).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    option_error,
    parse_weights,
    sample_index,
    table,
)
from core.training.hyperparameters import SEED, HyperparameterError

if TYPE_CHECKING:
    from core.autodiff.engine import Trace


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    add_sample_and_weights(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="the state of a saved run: at its cursor, or after --at-step K "
                             "steps (the trace of the sample step K+1 trains)")
    parser.add_argument("--at-step", type=int, metavar="K",
                        help="with --session: after K steps (0: the initial weights)")


def add_sample_and_weights(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample", type=int, default=0, metavar="I",
                        help="which sample (row) of the data, from 0; negative counts from "
                             "the end (default 0)")
    parser.add_argument("--weights", metavar="W",
                        help="one number for every weight, or N comma-separated numbers for "
                             "w1..wN (default: N(0, 0.01) from --seed)")
    parser.add_argument(SEED.flag, type=int, default=SEED.default, metavar="S",
                        help=f"random seed of the default weights (default {SEED.default})")


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Graph, data, sample and weights from the command line."""
    from core.training.initial_weights import initial_weights

    if getattr(args, "session", None) is not None:
        return _prepare_session(args)
    if getattr(args, "at_step", None) is not None:
        raise UsageError("--at-step needs --session FILE")

    graph, preset, dataset = load_graph_and_data(args)
    try:
        seed = SEED.validate(args.seed)
    except HyperparameterError as error:
        raise option_error(error, SEED.name) from None
    index = sample_index(args, dataset)
    weights = parse_weights(args.weights, graph, preset)
    if weights is None:
        weights = initial_weights(len(graph.weights), seed)
    x, y = dataset.row(index)
    return {"graph": graph, "preset": preset, "dataset": dataset, "index": index,
            "x": x, "y": y, "weights": weights}


def _prepare_session(args: argparse.Namespace) -> dict[str, Any]:
    from cli.session_options import open_session_file, refuse_model_options, session_state_fields

    refuse_model_options(args, "--session inspects the saved run")
    opened = open_session_file(args.session, strict_names=args.strict_names)
    state = session_state_fields(opened, args.at_step)
    x, y = opened.dataset.row(state["sample"])
    weights = list(state.pop("weights_at_step").values())
    return {"graph": opened.graph, "preset": opened.preset, "dataset": opened.dataset,
            "index": state["sample"], "x": x, "y": y, "weights": weights,
            "session": {"file": args.session, **state}}


def run(args: argparse.Namespace) -> int:
    from core.autodiff.engine import evaluate

    inputs = prepare(args)
    graph, preset = inputs["graph"], inputs["preset"]
    trace = evaluate(graph, inputs["x"], inputs["y"], inputs["weights"])
    payload: dict[str, Any] = {
        "graph": preset.name if preset else graph.formula,
        "formula": preset.display_formula or preset.formula if preset else graph.formula,
        "data": inputs["dataset"].source,
        "sample": inputs["index"],
        "x": [float(v) for v in inputs["x"]],
        "y": float(inputs["y"]),
        "loss": trace.loss,
        "y_pred": trace.y_pred,
        "dy_pred": trace.dy_pred,
        "weights": dict(zip(graph.weights, map(float, inputs["weights"]), strict=True)),
        "gradients": {w: trace.grads[w] for w in graph.weights},
        "nodes": [
            {"id": node.id, "name": node.name, "label": node.label, "kind": node.kind,
             "op": node.op, "value": trace.values[node.id], "grad": trace.grads[node.id],
             "expr": node.expr}
            for node in graph
        ],
        "edges": [
            {"from": src, "to": dst, "arg": arg, "local": trace.local[(src, dst, arg)],
             "contribution": trace.contribution((src, dst, arg))}
            for src, dst, arg in graph.edges
        ],
        "forward_order": list(trace.forward_order),
        "backward_steps": [
            {"node": s.node, "operand": s.operand, "arg": s.arg, "upstream": s.upstream,
             "local": s.local, "contribution": s.contribution, "accumulated": s.accumulated}
            for s in trace.steps
        ],
        "nonfinite": _nonfinite(trace),
    }
    if "session" in inputs:
        payload["session"] = inputs["session"]
    if preset is not None:
        # The notebook's names for the seed's intermediates (exp, tanh, sigmoid, v1, v2).
        payload["intermediates"] = {name: trace.values[node_id]
                                    for name, node_id in preset.aliases.items()}
    if args.json:
        emit_json(payload)
        return 0
    print(f"graph   {payload['formula']}")
    print(f"data    {payload['data']}, sample {payload['sample']}: "
          f"x = [{', '.join(format_number(v, 4) for v in payload['x'])}], "
          f"y = {format_number(payload['y'])}")
    print(f"loss    {format_number(trace.loss)}    y' = {format_number(trace.y_pred)}    "
          f"dL/dy' = {format_number(trace.dy_pred)}")
    print()
    rows = [[w, format_number(payload["weights"][w]), format_number(trace.grads[w])]
            for w in graph.weights]
    print(table(rows, ["weight", "value", "dL/dw"]))
    print()
    rows = [[node.id, node.name, node.kind, node.op or "", format_number(trace.values[node.id]),
             format_number(trace.grads[node.id])] for node in graph]
    print(table(rows, ["node", "name", "kind", "op", "value", "gradient"]))
    return 0


def _nonfinite(trace: Trace) -> dict[str, Any] | None:
    problem = trace.first_nonfinite()
    if problem is None:
        return None
    return {"node": problem.node, "op": problem.op, "quantity": problem.quantity}
