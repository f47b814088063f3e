"""Export the graph as a picture (.png, .svg) or an animation (.gif, .mp4), or the history (.csv).

The model comes from the same options as train (--graph, --data, --optimizer,
hyperparameters, --epochs, --seed, --weights, --shuffle, clipping) or from a saved run
(--session FILE, at its cursor); --steps N trains N samples first (default 0).  The
picture is the window's graph view with its legends, showing the sample that the next
step trains, drawn offscreen: no screen is needed.  The CSV has a header (step, epoch,
sample, loss, each weight, each gradient) and one row per recorded step.  --size WxH sets
the picture's size in pixels (default 1600x1000).

OUT.py is the model as a PyTorch script (needs only torch, float64): run, it prints JSON
with the loss and each weight's gradient from torch.autograd, for the first data row at the
exported weights.  A derivative broken on purpose (--break) stays in the app: the script
computes torch's true gradients, and both the script and this command say so.

OUT.gif or OUT.mp4 is an animation (--frames N, required): the graph over N frames,
--every K steps apart (default 1), the first after the --steps, every frame the same size
(--size, default 1280x720), shown --fps F per second (default 4); --with loss adds the loss
plot below the graph, --with landscape the loss landscape of two weights (--pair X,Y)
beside it.  When training ends first, the animation ends with it (a note on stderr; --json
has frames, frames_asked, frame_steps, the step each frame shows, and ended: null,
"finished" or "diverged").  MP4 needs the optional video extra (pip install -e ".[video]").

The file is written atomically (a temporary file in its folder, then renamed), and a
target that is a folder, a FIFO or a device is refused before anything is trained or
opened: exit 2 with one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import UsageError, add_data_and_graph, emit_json, load_graph_and_data
from cli.train_cmd import add_training_arguments, training_configs
from core.atomic_file import NotAFileError, check_target
from core.inputs import any_number_argument, count_argument, size_argument
from core.training.optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from core.autodiff.engine import Trace
    from core.training.trainer import Trainer

SUFFIXES = (".png", ".svg", ".csv", ".gif", ".mp4", ".py")
#: The animations' formats, and their options (refused for a picture or a table).
ANIMATIONS = (".gif", ".mp4")
ANIMATION_OPTIONS = {"frames": "--frames", "every": "--every", "fps": "--fps",
                     "include": "--with", "pair": "--pair"}
#: Default picture size, in pixels (each side core.inputs.MIN_SIDE..MAX_SIDE).
PICTURE_SIZE = (1600, 1000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT",
                        help="OUT.png, OUT.svg, OUT.csv, an animation OUT.gif or OUT.mp4, or "
                             "the model as a PyTorch script OUT.py")
    parser.add_argument("--steps", type=count_argument, default=0, metavar="N",
                        help="train N samples first (default 0)")
    parser.add_argument("--size", type=size_argument, default=None, metavar="WxH",
                        help="picture size in pixels (default "
                             f"{PICTURE_SIZE[0]}x{PICTURE_SIZE[1]}, for an animation "
                             "1280x720; not for .csv)")
    add_animation_arguments(parser)
    add_data_and_graph(parser)
    parser.add_argument("--optimizer", default="sgd", metavar="NAME",
                        help=f"one of {', '.join(OPTIMIZERS)} (default sgd)")
    add_training_arguments(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="the run saved in this session file, at its cursor (then "
                             "--steps more)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{args.out}: export writes .png, .svg, .csv, .gif, .mp4 or .py, not "
                         f"{suffix or 'a file without a suffix'}")
    if suffix in ANIMATIONS:
        return run_animation(args)
    for field, option in ANIMATION_OPTIONS.items():
        if getattr(args, field) is not None:
            raise UsageError(f"{option} is for an animation (OUT.gif or OUT.mp4), not "
                             f"{suffix}")
    if args.size is not None and suffix in (".csv", ".py"):
        raise UsageError(f"--size sets a picture's size: a {suffix} file has none")
    try:  # before anything is trained or opened: a FIFO would block the writer
        check_target(out)
    except NotAFileError as error:
        raise UsageError(str(error)) from None
    trainer = _trainer(args)
    trainer.run(args.steps)
    if suffix == ".py":
        return _export_torch(trainer, out, args.json)
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


def _export_torch(trainer: Trainer, out: Path, as_json: bool) -> int:
    """Write the PyTorch script for the trainer's current weights and first data row."""
    from core.atomic_file import atomic_write_bytes
    from core.torch_export import TorchExportError, script_title, torch_script

    graph = trainer.graph
    try:
        export = torch_script(graph, trainer.weights, trainer.dataset.X[0],
                              float(trainer.dataset.y[0]),
                              title=script_title(graph), steps=trainer.cursor.step)
        atomic_write_bytes(out, export.source.encode("utf-8"))
    except TorchExportError as error:
        raise UsageError(f"{out}: {error}") from None
    except NotAFileError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"{out}: {error.strerror or error}") from None
    if export.broken:
        print(f"note: the derivative at {', '.join(export.broken)} is broken on purpose in "
              "the app; the script computes torch's true gradients", file=sys.stderr)
    if as_json:
        emit_json({"path": str(out), "format": "py", "steps": trainer.cursor.step,
                   "weights": dict(export.weights), "broken": list(export.broken)})
    else:
        print(out)
    return 0


def _trainer(args: argparse.Namespace) -> Trainer:
    """The run to export, at step 0 (or at a session's cursor), not yet trained."""
    from core.training.trainer import Trainer as TrainerClass

    if args.session is not None:
        from cli.session_options import open_session_file, refuse_model_options

        refuse_model_options(args, "--session exports the saved run")
        return open_session_file(args.session, epochs=args.epochs,
                                 strict_names=args.strict_names).trainer
    graph, _, dataset = load_graph_and_data(args)
    (config,) = training_configs(args, [args.optimizer], graph)
    return TrainerClass.from_config(config, graph, dataset)


def add_animation_arguments(parser: argparse.ArgumentParser) -> None:
    """--frames, --every, --fps and --with (for OUT.gif and OUT.mp4 only)."""
    parser.add_argument("--frames", type=count_argument, default=None, metavar="N",
                        help="an animation's number of frames (1..1000; .gif and .mp4)")
    parser.add_argument("--every", type=count_argument, default=None, metavar="K",
                        help="training steps between two frames (default 1)")
    parser.add_argument("--fps", type=any_number_argument, default=None, metavar="F",
                        help="frames per second (0.1..50, default 4)")
    parser.add_argument("--with", dest="include", choices=("loss", "landscape"),
                        default=None,
                        help="also draw the loss plot below the graph, or the loss "
                             "landscape beside it")
    parser.add_argument("--pair", default=None, metavar="X,Y",
                        help="with --with landscape: its two weights (default: the two the "
                             "loss changes fastest along at the first frame)")


def run_animation(args: argparse.Namespace) -> int:
    """Export OUT.gif or OUT.mp4: check everything, train --steps, then the frames."""
    try:
        from gui.files.animation import (
            DEFAULT_FPS,
            DEFAULT_SIZE,
            AnimationError,
            AnimationJob,
            AnimationSpec,
            check_animation_target,
        )
    except ImportError as error:
        raise UsageError(f"cannot draw an animation: Qt is not available ({error})") \
            from None
    if args.frames is None:
        raise UsageError(f"{args.out}: an animation needs --frames N (how many frames)")
    pair = None
    if args.pair is not None:
        if args.include != "landscape":
            raise UsageError("--pair names the loss landscape's weights: add --with landscape")
        parts = args.pair.split(",")
        if len(parts) != 2:
            raise UsageError(f"--pair: two weights X,Y (e.g. w1,w9), not {args.pair!r}")
        pair = (parts[0], parts[1])
    try:
        spec = AnimationSpec(frames=args.frames, every=1 if args.every is None else args.every,
                             fps=DEFAULT_FPS if args.fps is None else args.fps,
                             size=args.size or DEFAULT_SIZE, include=args.include or "graph")
        check_animation_target(args.out)  # before anything is trained: a FIFO, no encoder
    except AnimationError as error:
        raise UsageError(_option_message(str(error))) from None
    trainer = _trainer(args)
    trainer.run(args.steps)
    from cli.progress import ProgressLine

    try:
        job = AnimationJob(trainer, args.out, spec, pair=pair)
        with ProgressLine("export") as progress:
            while job.advance(0.2):
                progress.set(f"frame {len(job.frame_steps)} of {spec.frames}", job.fraction)
    except AnimationError as error:
        raise UsageError(_option_message(str(error))) from None
    if args.json:
        emit_json({"path": args.out, "format": job.kind, "frames": len(job.frame_steps),
                   "frames_asked": spec.frames, "every": spec.every, "fps": spec.fps,
                   "size": list(spec.size), "include": spec.include,
                   "frame_steps": job.frame_steps, "steps": trainer.cursor.step,
                   "ended": job.ended})
    else:
        if job.ended is not None:
            print(f"note: training {job.ended} at step {job.frame_steps[-1]}: "
                  f"{len(job.frame_steps)} of {spec.frames} frames", file=sys.stderr)
        print(args.out)
    return 0


def _option_message(text: str) -> str:
    """An animation setting's refusal named by its option (``frames: 1..1000, not 0`` ->
    ``--frames: 1..1000, not 0``)."""
    field, _, rest = text.partition(": ")
    option = {**ANIMATION_OPTIONS, "size": "--size"}.get(field)
    return text if option is None else f"{option}: {rest}"


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
