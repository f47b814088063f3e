"""Train the graph's weights with one optimizer, one sample per update.

Every epoch visits the samples in data order (or a new random order with --shuffle) and
updates the weights after each one, starting from N(0, 0.01) weights drawn from --seed (or
--weights).  Prints the mean loss of each epoch (the mean of the per-sample losses computed
during it, each before its update) and the weights before and after.  Hyperparameter flags
are named after the hyperparameter (--lr, --gamma, --beta1, --beta2, --rho, --eps,
--weight-decay); a flag the optimizer does not have is an error.  Training that becomes
non-finite stops at the first nan or infinite node and reports it; that still exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    option_error,
    parse_float,
    parse_weights,
    table,
)
from cli.holdout_options import (
    HOLDOUT_FLAGS,
    add_holdout_options,
    check_split,
    holdout_accuracy_fields,
    holdout_options,
    stopped_early_fields,
)
from cli.optimizer_file_option import add_argument as add_optimizer_file_argument
from cli.progress import SHOW_AFTER, bar
from core.data.datasets import DataError
from core.training.config import ConfigError, DataSource, TrainingConfig
from core.training.hyperparameters import (
    CLIP_NORM,
    CLIP_VALUE,
    EPOCHS,
    SEED,
    HyperparameterError,
    flag,
)
from core.training.optimizers import OPTIMIZERS, all_hyperparameters

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset
    from core.training.compare import TrainingRun
    from core.training.trainer import Divergence, Trainer

#: Options of train and compare whose value may start with a minus sign (every built-in
#: optimizer's hyperparameters have a flag; a file's too, see all_hyperparameters).
NUMERIC_FLAGS = (EPOCHS.flag, SEED.flag, CLIP_VALUE.flag, CLIP_NORM.flag, *HOLDOUT_FLAGS,
                 *(h.flag for h in all_hyperparameters().values()))

#: Longest epoch table printed without --json (longer ones are thinned out evenly).
MAX_EPOCH_ROWS = 25


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    parser.add_argument("--optimizer", default="sgd", metavar="NAME",
                        help=f"one of {', '.join(OPTIMIZERS)} (default sgd)")
    add_training_arguments(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="resume the run saved in this session file (with --epochs N: "
                             "up to N epochs in all), exactly as if it had never stopped")
    parser.add_argument("--save-session", metavar="FILE",
                        help="after training, save the run as a session file")


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by train and compare: schedule, start, clipping, hyperparameters."""
    # None until resolved: with --session, no --epochs means the session's own number.
    parser.add_argument(EPOCHS.flag, type=int, default=None, metavar="N",
                        help=f"{EPOCHS.doc} (default {EPOCHS.default})")
    parser.add_argument(SEED.flag, type=int, default=SEED.default, metavar="S",
                        help=f"{SEED.doc} (default {SEED.default})")
    parser.add_argument("--weights", metavar="W",
                        help="initial weights: one number for every weight, or N "
                             "comma-separated numbers for w1..wN (default: N(0, 0.01) "
                             "from --seed)")
    parser.add_argument("--shuffle", action="store_true",
                        help="visit the samples in a new random order every epoch")
    add_holdout_options(parser)
    for rule in (CLIP_VALUE, CLIP_NORM):
        parser.add_argument(rule.flag, type=parse_float, metavar="C", dest=rule.name,
                            help=f"{rule.doc} (default off)")
    add_optimizer_file_argument(parser)
    for name, rule in all_hyperparameters().items():
        users = [cls.name for cls in OPTIMIZERS.values()
                 if any(h.name == name for h in cls.hyperparameters)]
        parser.add_argument(rule.flag, type=parse_float, metavar="X", dest=name,
                            help=f"{rule.doc} (default {rule.default:g}; "
                                 f"{', '.join(users)})")


# -- turning arguments into training objects ----------------------------------------------


def given_hyperparameters(args: argparse.Namespace) -> dict[str, float]:
    """The hyperparameter flags present on the command line."""
    return {name: getattr(args, name) for name in all_hyperparameters()
            if getattr(args, name, None) is not None}


def training_configs(args: argparse.Namespace, names: Sequence[str], graph: Graph
                     ) -> list[TrainingConfig]:
    """One validated config per optimizer name, each taking the given hyperparameter flags
    it has.  A flag that none of them has is an error; so is any value out of range."""
    from core.training.optimizers import optimizer_class

    try:
        classes = [optimizer_class(name) for name in names]
    except HyperparameterError as error:
        raise UsageError(str(error)) from None
    given = given_hyperparameters(args)
    for name in given:
        if not any(name in cls.defaults() for cls in classes):
            owners = [cls.name for cls in OPTIMIZERS.values() if name in cls.defaults()]
            chosen = ", ".join(cls.name for cls in classes)
            raise UsageError(f"{flag(name)} does not apply to {chosen} (it is a "
                             f"hyperparameter of {', '.join(owners)})")
    weights = parse_weights(args.weights, graph)
    holdout, early_stop = holdout_options(args)
    try:
        data = DataSource() if args.data is None else DataSource.file(args.data)
        return [TrainingConfig(
            graph=args.graph, data=data, optimizer=cls.name,
            hyperparameters={k: v for k, v in given.items() if k in cls.defaults()},
            clip_value=args.clip_value, clip_norm=args.clip_norm, seed=args.seed,
            epochs=EPOCHS.default if args.epochs is None else args.epochs,
            shuffle=args.shuffle,
            initial_weights=None if weights is None else tuple(weights.tolist()),
            holdout=holdout, early_stop=early_stop,
            loss=getattr(args, "loss", None) or "mse",
            delta=getattr(args, "delta", None) or 1.0,
            ops=getattr(args, "user_ops", ()), breaks=getattr(args, "break_entries", ()))
            for cls in classes]
    except ConfigError as error:
        raise option_error(error) from None
    except DataError as error:
        raise UsageError(str(error)) from None


def config_fields(config: TrainingConfig) -> dict[str, Any]:
    """The schedule fields of the JSON outputs (shared with compare)."""
    return {"epochs": config.epochs, "seed": config.seed, "shuffle": config.shuffle,
            "clip_value": config.clip_value, "clip_norm": config.clip_norm,
            "holdout": config.holdout, "early_stop": config.early_stop}


def graph_fields(graph: Graph, preset: Preset | None, dataset: Dataset) -> dict[str, Any]:
    return {
        "graph": preset.name if preset else graph.formula,
        "formula": (preset.display_formula or preset.formula) if preset else graph.formula,
        "data": dataset.source,
        "n_samples": len(dataset),
    }


# -- progress --------------------------------------------------------------------------------


def progress_reporter(label: str, stream: TextIO | None = None, delay: float = SHOW_AFTER
                      ) -> Callable[[Trainer], None] | None:
    """A progress line on stderr for runs longer than ``delay`` seconds, when stderr is a
    terminal (else ``None``: no progress, no overhead)."""
    out = sys.stderr if stream is None else stream
    if not out.isatty():
        return None
    started = time.perf_counter()

    def report(trainer: Trainer) -> None:
        if time.perf_counter() - started < delay:
            return
        if trainer.finished:
            out.write("\r\033[K")
        else:
            done = trainer.cursor.step / max(trainer.total_steps, 1)
            out.write(f"\r{label}: epoch {trainer.cursor.epoch + 1}/{trainer.epochs} "
                      f"{bar(done)}")
        out.flush()

    return report


# -- output ----------------------------------------------------------------------------------


def divergence_fields(divergence: Divergence | None) -> dict[str, Any] | None:
    if divergence is None:
        return None
    return {"node": divergence.node, "op": divergence.op, "quantity": divergence.quantity,
            "epoch": divergence.epoch, "sample": divergence.sample, "step": divergence.step,
            "detail": divergence.detail}


def run_fields(run: TrainingRun) -> dict[str, Any]:
    """The JSON fields of one training run (shared with compare)."""
    names = run.weight_names
    return {
        "optimizer": run.optimizer,
        "title": run.title,
        "hyperparameters": dict(run.hyperparameters),
        "initial_weights": dict(zip(names, run.initial_weights.tolist(), strict=True)),
        "final_weights": dict(zip(names, run.final_weights.tolist(), strict=True)),
        "epoch_loss": run.epoch_loss.tolist(),
        "steps": run.steps,
        "diverged": divergence_fields(run.diverged),
        "final_loss": run.final_loss,
        "last_epoch_loss": float(run.epoch_loss[-1]) if run.epoch_loss.size else None,
        "seconds": round(run.seconds, 6),
        "steps_per_second": round(run.steps / run.seconds) if run.seconds > 0 else None,
        "holdout_loss": run.holdout_loss.tolist() if run.holdout_rows else None,
        "holdout_rows": run.holdout_rows,
        "stopped_early": stopped_early_fields(run.stopped_early),
    }


def accuracy_fields(config: TrainingConfig, trainer: Trainer) -> dict[str, Any]:
    """With binary cross-entropy, ``accuracy``: per completed epoch, over the training
    rows at the epoch's end (:func:`core.training.metrics.epoch_accuracy`)."""
    if config.loss != "bce":
        return {}
    from core.training.metrics import epoch_accuracy

    return {"accuracy": epoch_accuracy(trainer).tolist()}


def epoch_rows(n_epochs: int) -> list[int]:
    """Which epochs (from 0) a text table shows: all, or an even selection with the last."""
    if n_epochs <= MAX_EPOCH_ROWS:
        return list(range(n_epochs))
    # Consecutive picks are more than one epoch apart, so no two round to the same one.
    step = (n_epochs - 1) / (MAX_EPOCH_ROWS - 1)
    return [round(k * step) for k in range(MAX_EPOCH_ROWS)]


def describe_divergence(divergence: Divergence, epochs: int) -> str:
    """The one-line account of a divergence, with the command line's advice."""
    from core.training.divergence import COMMAND_LINE
    from core.training.divergence import describe_divergence as describe

    return describe(divergence, epochs=epochs, advice=COMMAND_LINE)


def hyperparameter_text(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items())


def print_run(run: TrainingRun, header: dict[str, Any], epochs: int) -> None:
    print(f"graph       {header['formula']}")
    print(f"data        {header['data']}, {header['n_samples']} samples")
    if run.holdout_rows:
        print(f"held out    {run.holdout_rows} of {header['n_samples']} rows, never "
              "trained on")
    print(f"optimizer   {run.title}: {hyperparameter_text(dict(run.hyperparameters))}")
    rate = f" ({run.steps / run.seconds:,.0f} steps/s)" if run.seconds > 0 else ""
    print(f"training    {run.steps} steps in {format_number(run.seconds, 3)} s{rate}")
    over = "the training rows" if run.holdout_rows else "the data"
    print(f"final loss  {format_number(run.final_loss)} (mean over {over} at the final "
          f"weights)")
    if run.diverged is not None:
        print(f"stopped     {describe_divergence(run.diverged, epochs)}")
    if run.stopped_early is not None:
        print(f"stopped     {run.stopped_early.describe()}")
    print()
    if run.epoch_loss.size:
        held = run.holdout_loss.size == run.epoch_loss.size and run.holdout_rows > 0
        rows = [[str(k + 1), format_number(float(run.epoch_loss[k])),
                 *([format_number(float(run.holdout_loss[k]))] if held else [])]
                for k in epoch_rows(run.epoch_loss.size)]
        print(table(rows, ["epoch", "mean loss", *(["held-out loss"] if held else [])]))
        print()
    rows = [[name, format_number(a), format_number(b)] for name, a, b in
            zip(run.weight_names, run.initial_weights, run.final_weights, strict=True)]
    print(table(rows, ["weight", "initial", "final"]))


def run(args: argparse.Namespace) -> int:
    from core.training.compare import train_to_end
    from core.training.trainer import Trainer

    changes: tuple[Any, ...] = ()
    if args.session is not None:
        from cli.session_options import open_session_file, refuse_model_options

        refuse_model_options(args, "--session resumes the saved run")
        opened = open_session_file(args.session, epochs=args.epochs,
                                   strict_names=args.strict_names)
        config, trainer, changes = opened.config, opened.trainer, opened.changes
        graph, preset, dataset = opened.graph, opened.preset, opened.dataset
    else:
        graph, preset, dataset = load_graph_and_data(args)
        (config,) = training_configs(args, [args.optimizer], graph)
        check_split(config.holdout, len(dataset), config.seed)
        trainer = Trainer.from_config(config, graph, dataset)
    result = train_to_end(trainer, progress_reporter(trainer.optimizer.title))
    if args.save_session is not None:
        from cli.session_options import save_session_file

        save_session_file(args.save_session, config, trainer, changes)
    header = graph_fields(graph, preset, dataset)
    if args.json:
        emit_json({**header, **config_fields(config), **run_fields(result),
                   **accuracy_fields(config, trainer),
                   **holdout_accuracy_fields(config, trainer), "config": config.to_dict()})
        return 0
    print_run(result, header, config.epochs)
    return 0
