"""Export the graph as a picture (.png, .svg) or the training history as a table (.csv).

The model comes from the same options as train (--graph, --data, --optimizer,
hyperparameters, --epochs, --seed, --weights, --shuffle, clipping) or from a saved run
(--session FILE, at its cursor); --steps N trains N samples first (default 0).  The
picture is the window's graph view with its legends, showing the sample that the next
step trains, drawn offscreen: no screen is needed.  The CSV has a header (step, epoch,
sample, loss, each weight, each gradient) and one row per recorded step.  --size WxH sets
the picture's size in pixels (default 1600x1000).

The file is written atomically (a temporary file in its folder, then renamed), and a
target that is a folder, a FIFO or a device is refused before anything is trained or
opened: exit 2 with one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import UsageError, add_data_and_graph, emit_json, load_graph_and_data
from cli.train_cmd import add_training_arguments, training_configs
from core.atomic_file import NotAFileError, check_target
from core.inputs import count_argument, size_argument
from core.training.optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from core.autodiff.engine import Trace
    from core.training.trainer import Trainer

SUFFIXES = (".png", ".svg", ".csv")
#: Default picture size, in pixels (each side core.inputs.MIN_SIDE..MAX_SIDE).
PICTURE_SIZE = (1600, 1000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="OUT.png, OUT.svg or OUT.csv")
    parser.add_argument("--steps", type=count_argument, default=0, metavar="N",
                        help="train N samples first (default 0)")
    parser.add_argument("--size", type=size_argument, default=None, metavar="WxH",
                        help="picture size in pixels (default "
                             f"{PICTURE_SIZE[0]}x{PICTURE_SIZE[1]}; .png and .svg only)")
    add_data_and_graph(parser)
    parser.add_argument("--optimizer", default="sgd", metavar="NAME",
                        help=f"one of {', '.join(OPTIMIZERS)} (default sgd)")
    add_training_arguments(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="the run saved in this session file, at its cursor (then "
                             "--steps more)")


def run(args: argparse.Namespace) -> int:
    from core.training.trainer import Trainer as TrainerClass

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{args.out}: export writes .png, .svg or .csv, not "
                         f"{suffix or 'a file without a suffix'}")
    if args.size is not None and suffix == ".csv":
        raise UsageError("--size sets a picture's size: a .csv table has none")
    try:  # before anything is trained or opened: a FIFO would block the writer
        check_target(out)
    except NotAFileError as error:
        raise UsageError(str(error)) from None
    if args.session is not None:
        from cli.session_options import open_session_file, refuse_model_options

        refuse_model_options(args, "--session exports the saved run")
        trainer = open_session_file(args.session, epochs=args.epochs,
                                    strict_names=args.strict_names).trainer
    else:
        graph, _, dataset = load_graph_and_data(args)
        (config,) = training_configs(args, [args.optimizer], graph)
        trainer = TrainerClass.from_config(config, graph, dataset)
    trainer.run(args.steps)
    if suffix == ".csv":
        from core.training.history_csv import write_history_csv

        try:
            rows = write_history_csv(trainer, out)
        except NotAFileError as error:
            raise UsageError(str(error)) from None
        except OSError as error:
            raise UsageError(f"{args.out}: {error.strerror or error}") from None
    else:
        rows = None
        _save_picture(trainer, out, args.size or PICTURE_SIZE)
    if args.json:
        emit_json({"path": str(out), "format": suffix[1:], "steps": trainer.cursor.step,
                   "rows": rows,
                   "size": None if suffix == ".csv" else list(args.size or PICTURE_SIZE)})
    else:
        print(out)
    return 0


def shown_trace(trainer: Trainer) -> Trace:
    """What the window's graph would show: the pass that went non-finite, or the sample
    the next step trains (sample 0 when training is over) at the current weights."""
    from core.autodiff.engine import evaluate

    diverged = trainer.diverged
    if diverged is not None:
        return diverged.trace
    sample = 0 if trainer.finished else trainer.cursor.sample
    return evaluate(trainer.graph, trainer.dataset.X[sample], float(trainer.dataset.y[sample]),
                    trainer.weights)


def _save_picture(trainer: Trainer, out: Path, size: tuple[int, int]) -> None:
    trace = shown_trace(trainer)
    try:
        from gui.files.exports import ExportError
        from gui.files.graph_picture import save_graph_picture
    except ImportError as error:
        raise UsageError(f"cannot draw a picture: Qt is not available ({error})") from None
    try:
        save_graph_picture(trainer.graph, trace, out, size)
    except ExportError as error:
        raise UsageError(str(error)) from None
