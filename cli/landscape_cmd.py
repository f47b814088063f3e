"""The loss landscape of two weights: the mean loss over a square of their values.

--pair X,Y names the two weights (x first).  Each sweeps --grid N values (default 101, at
most 401) from its current value - S to + S (--span S, default 1; end points included),
every other weight held where it is.  loss[i][k] is the full-batch mean loss at
X = xs[k], Y = ys[i] over the training rows (with --holdout F, the rows train trains on
with the same --seed), with train's --loss; sample_loss[i][k] is the loss of the one sample
--sample I (default 0; a row of the data, not a held-out one).  The current weights are
--weights (default N(0, 0.01) from --seed), or a saved run's with --session F (at its
cursor, or after --at-step K steps).  Values that are not finite are null in the JSON.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    option_error,
    parse_float,
    parse_weights,
    sample_index,
)
from cli.holdout_options import add_holdout_options, check_split, holdout_options
from cli.inspect_cmd import add_sample_and_weights
from core.geometry.landscape import DEFAULT_GRID, DEFAULT_SPAN, MAX_GRID, MIN_GRID
from core.training.holdout import split_rows
from core.training.hyperparameters import SEED, HyperparameterError

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.geometry.landscape import Landscape
    from core.presets import Preset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pair", required=True, metavar="X,Y",
                        help="the two weights, by name: X across, Y up (e.g. w1,w9)")
    parser.add_argument("--span", type=parse_float, default=DEFAULT_SPAN, metavar="S",
                        help="half-width of the square around the current values "
                             f"(finite, > 0; default {DEFAULT_SPAN:g})")
    parser.add_argument("--grid", type=int, default=DEFAULT_GRID, metavar="N",
                        help=f"points per side, {MIN_GRID}..{MAX_GRID} (default "
                             f"{DEFAULT_GRID})")
    add_data_and_graph(parser)
    add_sample_and_weights(parser)
    add_holdout_options(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="the weights of a saved run: at its cursor, or after --at-step "
                             "K steps (its graph, data and loss too)")
    parser.add_argument("--at-step", type=int, metavar="K",
                        help="with --session: after K steps (0: the initial weights)")


@dataclass(frozen=True)
class _Inputs:
    """What the landscape is computed on."""

    graph: Graph
    preset: Preset | None
    dataset: Dataset
    weights: np.ndarray
    #: The dataset rows averaged (the training rows), sorted.
    rows: np.ndarray
    #: The dataset row of ``sample_loss``.
    sample: int
    session: dict[str, Any] | None
    #: The loss on top of the graph (mse, mae, huber, bce).
    loss: str


def _prepare(args: argparse.Namespace) -> _Inputs:
    if args.session is not None:
        return _prepare_session(args)
    if args.at_step is not None:
        raise UsageError("--at-step needs --session FILE")
    from core.training.initial_weights import initial_weights

    graph, preset, dataset = load_graph_and_data(args)
    try:
        seed = SEED.validate(args.seed)
    except HyperparameterError as error:
        raise option_error(error, SEED.name) from None
    weights = parse_weights(args.weights, graph, preset)
    if weights is None:
        weights = initial_weights(len(graph.weights), seed)
    holdout, _ = holdout_options(args)
    check_split(holdout, len(dataset), seed)
    rows, _ = split_rows(len(dataset), holdout, seed)
    return _Inputs(graph, preset, dataset, np.asarray(weights, dtype=float), rows,
                   sample_index(args, dataset), None, str(args.loss))


def _prepare_session(args: argparse.Namespace) -> _Inputs:
    from cli.session_options import open_session_file, refuse_model_options, session_state_fields

    # The sample only picks which loss sample_loss shows: it may differ from the run's.
    model = argparse.Namespace(**{k: v for k, v in vars(args).items() if k != "sample"})
    refuse_model_options(model, "--session takes the saved run's model")
    opened = open_session_file(args.session, strict_names=args.strict_names)
    state = session_state_fields(opened, args.at_step)
    weights = np.array(list(state["weights_at_step"].values()), dtype=float)
    session = {"file": args.session, "step": state["step"], "epoch": state["epoch"],
               "finished": state["finished"]}
    return _Inputs(opened.graph, opened.preset, opened.dataset, weights,
                   np.asarray(opened.trainer.training_rows), sample_index(args, opened.dataset),
                   session, opened.config.loss)


def _checked_options(args: argparse.Namespace, graph: Graph) -> tuple[tuple[str, str], int,
                                                                      float]:
    from core.geometry.landscape import check_grid, check_span, resolve_pair

    try:
        pair = resolve_pair(graph, args.pair)
    except ValueError as error:
        raise UsageError(f"--pair: {error}") from None
    try:
        grid = check_grid(args.grid)
    except ValueError as error:
        raise UsageError(f"--grid: {error}") from None
    try:
        span = check_span(args.span)
    except ValueError as error:
        raise UsageError(f"--span: {error}") from None
    return pair, grid, span


def _sample_position(inputs: _Inputs) -> int:
    """Where the sample is among the rows averaged."""
    position = int(np.searchsorted(inputs.rows, inputs.sample))
    if position >= len(inputs.rows) or inputs.rows[position] != inputs.sample:
        raise UsageError(f"--sample {inputs.sample} is a held-out row; the landscape is over "
                         f"the {len(inputs.rows)} training rows")
    return position


def run(args: argparse.Namespace) -> int:
    from cli.progress import ProgressLine
    from core.autodiff.compiled import compiled_graph
    from core.geometry.landscape import full_batch_gradient, landscape_grid

    inputs = _prepare(args)
    graph = inputs.graph
    pair, grid, span = _checked_options(args, graph)
    position = _sample_position(inputs)
    X = np.asarray(inputs.dataset.X)[inputs.rows]
    Y = np.asarray(inputs.dataset.y)[inputs.rows]
    with ProgressLine("landscape") as line:
        line.set(f"{grid} x {grid} points", 0.0)
        try:
            result = landscape_grid(graph, X, Y, inputs.weights, pair, span=span, grid=grid,
                                    sample=position,
                                    progress=lambda done: line.set(line.phase, done))
        except ValueError as error:  # a chosen weight that is not finite (a diverged run)
            raise UsageError(str(error)) from None
    current = compiled_graph(graph).mean_loss(X, Y, inputs.weights)
    gradient = full_batch_gradient(graph, X, Y, inputs.weights)
    names = [graph[i].name for i in graph.weights]
    payload: dict[str, Any] = {
        "graph": inputs.preset.name if inputs.preset else graph.formula,
        "formula": (inputs.preset.display_formula or inputs.preset.formula)
        if inputs.preset else graph.formula,
        "data": inputs.dataset.source,
        "loss_function": inputs.loss,
        "rows": len(inputs.rows),
        "holdout_rows": len(inputs.dataset) - len(inputs.rows),
        "x_weight": result.x_weight,
        "y_weight": result.y_weight,
        "span": span,
        "grid": grid,
        "sample": inputs.sample,
        "weights": dict(zip(names, inputs.weights.tolist(), strict=True)),
        "current_loss": current,
        "gradient": {result.x_weight: gradient[graph.weights.index(pair[0])],
                     result.y_weight: gradient[graph.weights.index(pair[1])]},
        "xs": result.xs,
        "ys": result.ys,
        "loss": result.loss,
        "sample_loss": result.sample_loss,
        "minimum": _extreme(result, np.nanargmin),
        "maximum": _extreme(result, np.nanargmax),
        "non_finite": int(np.count_nonzero(~np.isfinite(result.loss))),
        "seconds": round(result.seconds, 6),
    }
    if inputs.session is not None:
        payload["session"] = inputs.session
    if args.json:
        emit_json(payload)
        return 0
    _print_summary(payload, result)
    return 0


def _extreme(result: Landscape, which: Any) -> dict[str, float] | None:
    """The grid point of the lowest (or highest) finite mean loss, or ``None``."""
    finite = np.where(np.isfinite(result.loss), result.loss, np.nan)
    if np.isnan(finite).all():
        return None
    i, k = np.unravel_index(int(which(finite)), finite.shape)
    return {"loss": float(finite[i, k]), result.x_weight: float(result.xs[k]),
            result.y_weight: float(result.ys[i])}


def _print_summary(payload: dict[str, Any], result: Landscape) -> None:
    x, y = result.x_weight, result.y_weight
    number = format_number
    held = f" (the training rows; {payload['holdout_rows']} held out)" \
        if payload["holdout_rows"] else ""
    print(f"graph      {payload['formula']}")
    print(f"data       {payload['data']}, {payload['rows']} rows{held}")
    if "session" in payload:
        print(f"session    {payload['session']['file']}, after step "
              f"{payload['session']['step']}")
    print(f"square     {x} across {number(result.xs[0])} .. {number(result.xs[-1])}, "
          f"{y} up {number(result.ys[0])} .. {number(result.ys[-1])}: "
          f"{payload['grid']} x {payload['grid']} points in {format_number(result.seconds, 3)} s")
    gradient = payload["gradient"]
    print(f"here       mean loss {number(payload['current_loss'])} at {x} = "
          f"{number(payload['weights'][x])}, {y} = {number(payload['weights'][y])}; "
          f"full-batch dL/d{x} = {number(gradient[x])}, dL/d{y} = {number(gradient[y])}")
    for label, key in (("lowest", "minimum"), ("highest", "maximum")):
        point = payload[key]
        if point is not None:
            print(f"{label:<10} mean loss {number(point['loss'])} at {x} = "
                  f"{number(point[x])}, {y} = {number(point[y])}")
    samples = result.sample_loss[np.isfinite(result.sample_loss)]
    if samples.size:
        print(f"sample {payload['sample']:<3} loss {number(float(samples.min()))} .. "
              f"{number(float(samples.max()))} over the square")
    if payload["non_finite"]:
        print(f"not finite {payload['non_finite']} of {result.loss.size} points (inf or nan)")
    print("(--json gives every point)")
