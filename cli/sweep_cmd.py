"""Sweep learning rates: N log-spaced rates per optimizer, all trained at once.

Trains --runs learning rates from --lr-min to --lr-max (both included, evenly spaced on a
log scale) for each optimizer in --optimizers (default sgd,adam), every run from the same
initial weights on the same sample order as train, all runs in one vectorized pass per
step.  Each run reports what train would with that learning rate: final_loss,
last_epoch_loss, epoch_loss and diverged (a run that diverges stops there, named as train
names it; the others go on).  Takes train's options (--epochs, --seed, --shuffle,
--weights, clipping, --holdout, other hyperparameters for the optimizers that have them)
but not --lr or --early-stop.  Prints a short table per optimizer; --json gives every run.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    table,
)
from cli.holdout_options import check_split
from cli.progress import ProgressLine
from cli.train_cmd import (
    add_training_arguments,
    config_fields,
    given_hyperparameters,
    graph_fields,
    hyperparameter_text,
    training_configs,
)
from core.inputs import any_number_argument
from core.numbers import count

if TYPE_CHECKING:
    from core.training.sweep import SweepResult, SweepRun

DEFAULT_OPTIMIZERS = "sgd,adam"
DEFAULT_LR_MIN, DEFAULT_LR_MAX, DEFAULT_RUNS = 1e-3, 1.0, 10

#: Rows per optimizer in the text table (the best run is always among them).
MAX_ROWS = 12


#: An argparse ``type``: any number, nan too (the sweep says what is wrong with it).
number = any_number_argument


def whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from core.training.sweep import MAX_RUNS

    add_data_and_graph(parser)
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS, metavar="LIST",
                        help=f"comma-separated optimizer names (default {DEFAULT_OPTIMIZERS})")
    parser.add_argument("--lr-min", type=number, default=DEFAULT_LR_MIN, metavar="A",
                        help=f"smallest learning rate (default {DEFAULT_LR_MIN:g})")
    parser.add_argument("--lr-max", type=number, default=DEFAULT_LR_MAX, metavar="B",
                        help=f"largest learning rate (default {DEFAULT_LR_MAX:g})")
    parser.add_argument("--runs", type=whole, default=DEFAULT_RUNS, metavar="N",
                        help=f"learning rates per optimizer, 1..{MAX_RUNS} (default "
                             f"{DEFAULT_RUNS})")
    add_training_arguments(parser)


def run_fields(run: SweepRun, weight_names: tuple[str, ...]) -> dict[str, Any]:
    accuracy = {"accuracy": list(run.accuracy)} if run.accuracy else {}  # bce, as train
    return {
        **accuracy,
        "optimizer": run.optimizer,
        "lr": run.lr,
        "final_loss": run.final_loss,
        "last_epoch_loss": run.last_epoch_loss,
        "epoch_loss": list(run.epoch_loss),
        "diverged": run.diverged,
        "steps": run.steps,
        "holdout_loss": run.holdout_loss,
        "final_weights": dict(zip(weight_names, run.final_weights, strict=True)),
    }


def best_run(runs: tuple[SweepRun, ...]) -> SweepRun | None:
    """The run with the lowest final loss among those that did not diverge."""
    calm = [run for run in runs if run.diverged is None and math.isfinite(run.final_loss)]
    return min(calm, key=lambda run: run.final_loss, default=None)


def shown_rows(count: int, best: int | None) -> list[int]:
    """Which runs of one optimizer the table shows: all, or an even selection with both
    ends and the best."""
    if count <= MAX_ROWS:
        return list(range(count))
    step = (count - 1) / (MAX_ROWS - 2)
    picks = {round(k * step) for k in range(MAX_ROWS - 1)}
    if best is not None:
        picks.add(best)
    return sorted(picks)


def print_sweep(result: SweepResult, header: dict[str, Any], per: int) -> None:
    print(f"graph    {header['formula']}")
    held = f" ({result.holdout_rows} held out)" if result.holdout_rows else ""
    epochs = count(result.epochs, "epoch")
    print(f"data     {header['data']}, {result.n_samples} training samples{held}; {epochs}")
    runs = len(result.runs)
    rate = result.run_steps / result.seconds if result.seconds > 0 else math.nan
    kinds = len(result.optimizers)
    print(f"sweep    {per} learning rates x {kinds} optimizer{'' if kinds == 1 else 's'} = "
          f"{runs} runs from the same initial weights, {format_number(result.seconds, 3)} s "
          f"({rate:,.0f} run-steps/s)")
    for name in result.optimizers:
        runs_of = result.of(name)
        best = best_run(runs_of)
        others = hyperparameter_text(dict((result.hyperparameters or {})[name]))
        print()
        print(f"{name}{f' ({others})' if others else ''}")
        best_index = None if best is None else runs_of.index(best)
        rows, notes = [], []
        for k in shown_rows(len(runs_of), best_index):
            run = runs_of[k]
            if run.diverged is not None:
                d = run.diverged
                notes.append(f"diverged at step {d['step']} (epoch {d['epoch'] + 1}): "
                             f"{d['detail']}")
            else:
                notes.append("best" if k == best_index else "")
            last = "" if run.last_epoch_loss is None else format_number(run.last_epoch_loss)
            rows.append([format_number(run.lr, 4), format_number(run.final_loss), last])
        lines = table(rows, ["lr", "final loss", "last epoch"]).splitlines()
        # The notes after the numbers, left-aligned: the header and rule have none.
        print("\n".join(f"{line}  {note}".rstrip()
                        for line, note in zip(lines, ["", "", *notes], strict=True)))
        if len(rows) < len(runs_of):
            print(f"({len(rows)} of {len(runs_of)} runs shown; --json lists every run)")


def run(args: argparse.Namespace) -> int:
    from core.autodiff.engine import InputError
    from core.data.datasets import DataError
    from core.training.hyperparameters import HyperparameterError
    from core.training.sweep import SweepError, learning_rates, optimizer_names, run_sweep

    for name, value in (("--lr", getattr(args, "lr", None)),
                        ("--early-stop", getattr(args, "early_stop", None))):
        if value is not None:
            why = ("the learning rates are --lr-min..--lr-max" if name == "--lr"
                   else "every run of a sweep trains every epoch")
            raise UsageError(f"{name} does not apply to sweep: {why}")
    try:
        names = optimizer_names(args.optimizers.split(","))
        learning_rates(args.lr_min, args.lr_max, args.runs)
    except SweepError as error:
        raise UsageError(str(error)) from None
    graph, preset, dataset = load_graph_and_data(args)
    configs = training_configs(args, names, graph)
    config = configs[0]
    check_split(config.holdout, len(dataset), config.seed)
    given = given_hyperparameters(args)
    with ProgressLine("sweep") as line:
        line.set("training", 0.0)
        try:
            result = run_sweep(config, names, args.lr_min, args.lr_max, args.runs,
                               hyperparameters=given,
                               progress=lambda fraction: line.set("training", fraction))
        except (HyperparameterError, DataError, InputError) as error:
            raise UsageError(str(error)) from None
    header = graph_fields(graph, preset, dataset)
    if args.json:
        weight_names = result.weight_names
        emit_json({
            **header,
            **config_fields(config),
            "epochs": result.epochs,
            "loss_function": config.loss,
            "optimizers": list(names),
            "hyperparameters": {name: dict(values) for name, values in
                                (result.hyperparameters or {}).items()},
            "lr_min": args.lr_min,
            "lr_max": args.lr_max,
            "runs_per_optimizer": args.runs,
            "n_training_samples": result.n_samples,
            "holdout_rows": result.holdout_rows,
            "initial_weights": dict(zip(weight_names, result.initial_weights, strict=True)),
            "runs": [run_fields(run, weight_names) for run in result.runs],
            "best": {name: (None if (best := best_run(result.of(name))) is None
                            else {"lr": best.lr, "final_loss": best.final_loss})
                     for name in names},
            "seconds": round(result.seconds, 6),
            "run_steps": result.run_steps,
            "us_per_run_step": round(result.seconds / result.run_steps * 1e6, 4)
            if result.run_steps else None,
        })
        return 0
    print_sweep(result, header, args.runs)
    return 0
