"""Compare optimizers: train each from the same initial weights on the same sample order.

Runs every optimizer in --optimizers (default sgd,momentum,adam) with the same data, graph,
schedule and initial weights, so that only the update rule differs.  Takes the options of
train; a hyperparameter flag goes to every listed optimizer that has it (and is an error if
none has).  Prints the mean loss per epoch side by side; --plot out.png draws it with the
window's Compare plot, offscreen (--log for a logarithmic loss axis); --json gives per
optimizer the fields of train.  Only --plot starts Qt.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    table,
)
from cli.holdout_options import check_split, holdout_accuracy_fields
from cli.train_cmd import (
    accuracy_fields,
    add_training_arguments,
    config_fields,
    describe_divergence,
    epoch_rows,
    graph_fields,
    hyperparameter_text,
    progress_reporter,
    run_fields,
    training_configs,
)
from core.numbers import count

if TYPE_CHECKING:
    from core.training.compare import Comparison
    from core.training.trainer import Trainer

DEFAULT_OPTIMIZERS = "sgd,momentum,adam"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS, metavar="LIST",
                        help=f"comma-separated optimizer names (default {DEFAULT_OPTIMIZERS})")
    add_training_arguments(parser)
    parser.add_argument("--plot", metavar="PNG",
                        help="write a plot of the mean loss per epoch to this PNG file")
    parser.add_argument("--log", action="store_true",
                        help="with --plot: logarithmic loss axis")


def optimizer_names(text: str) -> list[str]:
    names = [part.strip().lower() for part in text.split(",")]
    if not all(names):
        raise UsageError(f"--optimizers: empty name in {text!r}")
    for name in names:
        if names.count(name) > 1:
            raise UsageError(f"--optimizers: {name} is listed twice")
    return names


def check_plot_path(path: str) -> Path:
    """Fail before training if the plot cannot be written there."""
    if not path.strip():
        raise UsageError("--plot: the file name is empty; give one ending in .png or .svg")
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--plot: {path} is a folder, not a file name")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise UsageError(f"--plot: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--plot: cannot write in {folder}")
    return target


def load_plotting(path: Path) -> Callable[[Comparison, Path, bool], object]:
    """The window's Compare plot, drawn offscreen: this starts Qt, so only ``--plot``
    calls it, and before training, so that a machine without Qt, or a suffix that names
    a format the plot is not written in (``.jpg``), fails at once."""
    try:
        from gui.files.exports import ExportError, picture_format
        from gui.plots.compare_picture import save_compare_picture
    except ImportError as error:
        raise UsageError(f"--plot: cannot draw without Qt ({error})") from None
    try:
        picture_format(path)
    except ExportError as error:
        raise UsageError(f"--plot: {error}") from None
    return save_compare_picture


def write_plot(save: Callable[[Comparison, Path, bool], object], comparison: Comparison,
               path: Path, log: bool) -> None:
    from gui.files.exports import ExportError

    try:
        save(comparison, path, log)
    except ExportError as error:
        raise UsageError(f"--plot: {error}") from None


def print_comparison(comparison: Comparison, header: dict[str, Any]) -> None:
    runs = comparison.runs
    print(f"graph    {header['formula']}")
    epochs = count(comparison.epochs, "epoch")
    print(f"data     {header['data']}, {header['n_samples']} samples; {epochs} "
          f"from the same initial weights (seed {comparison.seed})")
    for run in runs:
        rate = f", {run.steps / run.seconds:,.0f} steps/s" if run.seconds > 0 else ""
        print(f"  {run.title:<9} {hyperparameter_text(dict(run.hyperparameters))}: "
              f"final loss {format_number(run.final_loss)}, {run.steps} steps in "
              f"{format_number(run.seconds, 3)} s{rate}")
        if run.diverged is not None:
            print(f"  {'':<9} {describe_divergence(run.diverged, comparison.epochs)}")
    print()
    losses = comparison.epoch_loss_table()
    # Blank cells: epochs a diverged run never finished.
    rows = [[str(k + 1), *(format_number(float(v)) if math.isfinite(v) else ""
                           for v in losses[k])]
            for k in epoch_rows(comparison.epochs)]
    print(table(rows, ["epoch", *(run.title for run in runs)]))
    print()
    names = runs[0].weight_names if runs else ()
    rows = [[name, format_number(float(comparison.initial_weights[i])),
             *(format_number(float(run.final_weights[i])) for run in runs)]
            for i, name in enumerate(names)]
    print(table(rows, ["weight", "initial", *(run.title for run in runs)]))


def run(args: argparse.Namespace) -> int:
    from core.training.compare import compare_configs

    names = optimizer_names(args.optimizers)
    if args.log and not args.plot:
        raise UsageError("--log applies to --plot; add --plot FILE.png")
    plot_path = check_plot_path(args.plot) if args.plot is not None else None
    save_plot = load_plotting(plot_path) if plot_path is not None else None
    graph, preset, dataset = load_graph_and_data(args)
    configs = training_configs(args, names, graph)
    check_split(configs[0].holdout, len(dataset), configs[0].seed)
    optimizers = [config.make_optimizer() for config in configs]
    reporters = [progress_reporter(optimizer.title) for optimizer in optimizers]

    accuracies: dict[int, dict[str, Any]] = {}

    def progress(index: int, trainer: Trainer) -> None:
        report = reporters[index]
        if report is not None:
            report(trainer)
        if trainer.finished:  # the last call of each run
            accuracies[index] = {**accuracy_fields(configs[index], trainer),
                                 **holdout_accuracy_fields(configs[index], trainer)}

    # Every config shares the schedule and the start; only the optimizer differs.
    comparison = compare_configs(configs, graph, dataset, progress=progress)
    if plot_path is not None and save_plot is not None:
        write_plot(save_plot, comparison, plot_path, args.log)
    header = graph_fields(graph, preset, dataset)
    if args.json:
        best = comparison.best()
        emit_json({
            **header,
            **config_fields(configs[0]),
            "optimizers": names,
            "initial_weights": dict(zip(graph.weights, comparison.initial_weights.tolist(),
                                        strict=True)),
            "runs": {run.optimizer: {**run_fields(run), **accuracies.get(k, {})}
                     for k, run in enumerate(comparison.runs)},
            "best": None if best is None else best.optimizer,
            "plot": None if plot_path is None else str(plot_path),
        })
        return 0
    print_comparison(comparison, header)
    if plot_path is not None:
        print()
        print(f"plot written to {plot_path}")
    return 0
