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
from typing import TYPE_CHECKING, Any

from cli.common import (
    UsageError,
    add_data_and_graph,
    emit_json,
    format_number,
    load_graph_and_data,
    parse_float,
    parse_weights,
    table,
)
from core.training.optimizers import OPTIMIZERS, HyperparameterError, Optimizer

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset
    from core.training.compare import TrainingRun
    from core.training.trainer import Divergence, Trainer

#: Every optimizer's hyperparameters, first appearance first: name -> (doc, default).
HYPERPARAMETERS: dict[str, tuple[str, float]] = {}
for _cls in OPTIMIZERS.values():
    for _h in _cls.hyperparameters:
        HYPERPARAMETERS.setdefault(_h.name, (_h.doc, _h.default))

#: Longest epoch table printed without --json (longer ones are thinned out evenly).
MAX_EPOCH_ROWS = 25


def flag(name: str) -> str:
    """``weight_decay`` -> ``--weight-decay``."""
    return "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_and_graph(parser)
    parser.add_argument("--optimizer", default="sgd", metavar="NAME",
                        help=f"one of {', '.join(OPTIMIZERS)} (default sgd)")
    add_training_arguments(parser)


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by train and compare: schedule, start, clipping, hyperparameters."""
    parser.add_argument("--epochs", type=int, default=20, metavar="N",
                        help="passes over the data (default 20)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="random seed of the initial weights and of --shuffle "
                             "(default 0)")
    parser.add_argument("--weights", metavar="W",
                        help="initial weights: one number for every weight, or N "
                             "comma-separated numbers for w1..wN (default: N(0, 0.01) "
                             "from --seed)")
    parser.add_argument("--shuffle", action="store_true",
                        help="visit the samples in a new random order every epoch")
    parser.add_argument("--clip-value", type=parse_float, metavar="C",
                        help="clip every gradient component to [-C, C] (default off)")
    parser.add_argument("--clip-norm", type=parse_float, metavar="C",
                        help="rescale gradients longer than C (default off)")
    for name, (doc, default) in HYPERPARAMETERS.items():
        users = [cls.name for cls in OPTIMIZERS.values()
                 if any(h.name == name for h in cls.hyperparameters)]
        parser.add_argument(flag(name), type=parse_float, metavar="X", dest=name,
                            help=f"{doc} (default {default:g}; {', '.join(users)})")


# -- turning arguments into training objects ----------------------------------------------


def given_hyperparameters(args: argparse.Namespace) -> dict[str, float]:
    """The hyperparameter flags present on the command line."""
    return {name: getattr(args, name) for name in HYPERPARAMETERS
            if getattr(args, name, None) is not None}


def make_optimizers(names: Sequence[str], given: dict[str, float],
                    n_weights: int) -> list[Optimizer]:
    """One optimizer per name, each taking the given flags it has.  A flag that none of them
    has is an error; so is a value out of range."""
    from core.training.optimizers import optimizer_class

    try:
        classes = [optimizer_class(name) for name in names]
    except HyperparameterError as error:
        raise UsageError(str(error)) from None
    for name in given:
        if not any(name in cls.defaults() for cls in classes):
            owners = [cls.name for cls in OPTIMIZERS.values() if name in cls.defaults()]
            chosen = ", ".join(cls.name for cls in classes)
            raise UsageError(f"{flag(name)} does not apply to {chosen} (it is a "
                             f"hyperparameter of {', '.join(owners)})")
    optimizers = []
    for cls in classes:
        values = {}
        for name, value in given.items():
            if name in cls.defaults():
                try:
                    values[name] = cls.hyperparameter(name).validate(value)
                except HyperparameterError as error:
                    raise UsageError(f"{flag(name)}: {error}") from None
        optimizers.append(cls(n_weights, **values))
    return optimizers


def training_options(args: argparse.Namespace, graph: Graph,
                     preset: Preset | None = None) -> dict[str, Any]:
    """Keyword arguments for the trainer from the shared options, validated."""
    from core.training.trainer import CLIP_NORM, CLIP_VALUE, MAX_EPOCHS

    if args.epochs < 1:
        raise UsageError(f"--epochs must be >= 1, got {args.epochs}")
    if args.epochs > MAX_EPOCHS:
        raise UsageError(f"--epochs must be <= {MAX_EPOCHS}, got {args.epochs}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    options: dict[str, Any] = {"epochs": args.epochs, "seed": args.seed,
                               "shuffle": args.shuffle}
    for name, rule in (("clip_value", CLIP_VALUE), ("clip_norm", CLIP_NORM)):
        value = getattr(args, name)
        if value is not None:
            try:
                value = rule.validate(value)
            except HyperparameterError as error:
                raise UsageError(f"{flag(name)}: {error}") from None
        options[name] = value
    weights = parse_weights(args.weights, graph, preset)
    if weights is None:
        from core.training.initial_weights import initial_weights

        weights = initial_weights(len(graph.weights), args.seed)
    options["initial_weights"] = weights
    return options


def graph_fields(graph: Graph, preset: Preset | None, dataset: Dataset) -> dict[str, Any]:
    return {
        "graph": preset.name if preset else graph.formula,
        "formula": (preset.display_formula or preset.formula) if preset else graph.formula,
        "data": dataset.source,
        "n_samples": len(dataset),
    }


# -- progress --------------------------------------------------------------------------------


def progress_reporter(label: str, stream: Any = None, delay: float = 0.5
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
            bar = "#" * round(20 * done)
            out.write(f"\r{label}: epoch {trainer.cursor.epoch + 1}/{trainer.epochs} "
                      f"[{bar:<20}] {100 * done:3.0f}%")
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
    }


def epoch_rows(n_epochs: int) -> list[int]:
    """Which epochs (from 0) a text table shows: all, or an even selection with the last."""
    if n_epochs <= MAX_EPOCH_ROWS:
        return list(range(n_epochs))
    # Consecutive picks are more than one epoch apart, so no two round to the same one.
    step = (n_epochs - 1) / (MAX_EPOCH_ROWS - 1)
    return [round(k * step) for k in range(MAX_EPOCH_ROWS)]


def describe_divergence(divergence: Divergence, epochs: int) -> str:
    # Before any update the step size is not to blame: the formula is undefined at the
    # starting weights for this sample (log or sqrt of a negative, a division by 0).
    advice = ("the formula is not defined at the initial weights for this sample (try "
              "other --weights or --seed)" if divergence.step == 0 else
              "lower --lr")
    return (f"diverged at step {divergence.step} (epoch {divergence.epoch + 1} of {epochs}, "
            f"sample {divergence.sample}): {divergence.detail}; {advice}")


def hyperparameter_text(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items())


def print_run(run: TrainingRun, header: dict[str, Any], epochs: int) -> None:
    print(f"graph       {header['formula']}")
    print(f"data        {header['data']}, {header['n_samples']} samples")
    print(f"optimizer   {run.title}: {hyperparameter_text(dict(run.hyperparameters))}")
    rate = f" ({run.steps / run.seconds:,.0f} steps/s)" if run.seconds > 0 else ""
    print(f"training    {run.steps} steps in {run.seconds:.3g} s{rate}")
    print(f"final loss  {format_number(run.final_loss)} (mean over the data at the final "
          f"weights)")
    if run.diverged is not None:
        print(f"stopped     {describe_divergence(run.diverged, epochs)}")
    print()
    if run.epoch_loss.size:
        rows = [[str(k + 1), format_number(float(run.epoch_loss[k]))]
                for k in epoch_rows(run.epoch_loss.size)]
        print(table(rows, ["epoch", "mean loss"]))
        print()
    rows = [[name, format_number(a), format_number(b)] for name, a, b in
            zip(run.weight_names, run.initial_weights, run.final_weights, strict=True)]
    print(table(rows, ["weight", "initial", "final"]))


def run(args: argparse.Namespace) -> int:
    from core.training.compare import train_to_end
    from core.training.trainer import Trainer

    graph, preset, dataset = load_graph_and_data(args)
    (optimizer,) = make_optimizers([args.optimizer], given_hyperparameters(args),
                                   len(graph.weights))
    options = training_options(args, graph, preset)
    trainer = Trainer(graph, dataset, optimizer, **options)
    result = train_to_end(trainer, progress_reporter(optimizer.title))
    header = graph_fields(graph, preset, dataset)
    if args.json:
        emit_json({**header, "epochs": args.epochs, "seed": args.seed,
                   "shuffle": args.shuffle, "clip_value": options["clip_value"],
                   "clip_norm": options["clip_norm"], **run_fields(result)})
        return 0
    print_run(result, header, args.epochs)
    return 0
