"""Session files: a training run saved to disk and opened again exactly where it was.

Format (JSON, UTF-8; version :data:`SESSION_VERSION`)::

    {
      "format": "backprop-explorer-session",
      "version": 1,
      "config": {...},          # the run's TrainingConfig (core.training.config), at step 0:
                                # graph, data {path, sha256}, optimizer, hyperparameters,
                                # clipping, seed, epochs, shuffle, initial weights, the
                                # held-out fraction (its rows follow from it and the seed)
                                # and early stopping
      "changes": [              # mid-run changes, in order: from "step" on, training went on
        {"step": 120, "optimizer": "adam", "hyperparameters": {"lr": 0.001, ...}}
      ],                        # (a file-defined optimizer's change and config also hold
                                # its "optimizer_definition": the file is not needed)
      "checkpoint": {...},      # the state at the cursor (core.training.checkpoint):
                                # weights, optimizer state, cursor, epoch losses, order,
                                # held-out losses
      "history": {              # what the loss curve showed, for readers of the file
        "steps": [...],         #   recorded steps (from 0; thinned evenly in long runs)
        "samples": [...],       #   the dataset row each of them trained
        "loss": [...],          #   each one's loss before its update
        "epoch_loss": [...],    #   every completed epoch's mean loss
        "holdout_loss": [...]   #   with held-out rows: their mean loss after each epoch
      }
    }

Opening replays the configuration (and its changes, each one a
:meth:`core.training.trainer.Trainer.fork` at its step, with the same sample order) up to
the checkpoint's step and checks that the replay arrives at exactly the saved checkpoint:
so every past step can be shown again, and a file whose numbers were edited, or whose data
changed, is refused instead of silently continuing another run.

Reading is bounded before any work: the file must be a regular file of at most
:data:`MAX_SESSION_BYTES` (a FIFO or a device is refused unopened, see
:mod:`core.user_files`), hold at most :data:`MAX_SESSION_CONTAINERS` arrays and objects
nested at most :data:`MAX_SESSION_DEPTH` deep, and its parts must agree with each other
(the checkpoint's weights with the graph's, its step with its epoch and position, its
history with its step) before the data file is hashed or anything is replayed.  A replay
costs about one node evaluation per graph node per step and a copy of the history per
change: runs whose replay would exceed :data:`REPLAY_WORK` node evaluations or
:data:`REPLAY_MEMORY` bytes of history are restored from the checkpoint directly instead
(their earlier steps cannot be shown).

Writing is atomic (:mod:`core.atomic_file`): a crash or a full disk mid-save leaves the
previous file as it was.  Every problem is a :class:`SessionError` with one line naming the
file; a data file whose sha256 changed is a :class:`DataChangedError`, so a window can ask
whether to use the file as it is now.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.atomic_file import atomic_write_text
from core.training.checkpoint import Checkpoint, CheckpointError
from core.training.config import ConfigError, DataSource, TrainingConfig, file_sha256
from core.training.holdout import split_rows
from core.training.optimizers import (
    HyperparameterError,
    embedded_definition,
    make_optimizer,
    resolve_optimizer,
)
from core.user_files import (
    JSONDepthError,
    load_json,
    read_bytes,
    unreadable,
)

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.presets import Preset
    from core.training.trainer import PastState, Trainer

SESSION_FORMAT = "backprop-explorer-session"
SESSION_VERSION = 1
#: A replay (which checks the file) may evaluate at most this many graph nodes, steps times
#: nodes: about 10 s at the 5 million node evaluations a second of an idle 2-core machine
#: (the seed graph's 35 nodes: 1.4 million steps; 16-19 s, 240 MiB at most, measured on a
#: busy one).  Longer runs are restored from the checkpoint.
REPLAY_WORK = 50_000_000
#: A replay keeps one history per stretch of the run (one per change): at most this many
#: bytes of them in all, or the run is restored from the checkpoint instead.
REPLAY_MEMORY = 256 * 2**20
#: Largest session file read, in bytes (32 MiB).  Decoded JSON takes up to about 9 times
#: its text (``1e1,`` is a 32-byte float and its list slot), so the largest accepted file
#: stays well under 1 GB in memory; :func:`capture` thins the history so that a saved run
#: fits (a million-step run's history alone would be about 34 MB).
MAX_SESSION_BYTES = 32 * 2**20
#: Arrays and objects a session file may hold: an empty one (``[],``) is 3 bytes of text
#: and a 56-byte list, which would multiply a file's size by 20 in memory.  A session
#: holds a few dozen, plus two per mid-run change.
MAX_SESSION_CONTAINERS = 100_000
#: Strings a session file may hold (names, formulas, paths): ``"ab",`` is 5 bytes of text
#: and a 51-byte string.  Counted as half its quotation marks.
MAX_SESSION_STRINGS = 100_000
#: How deeply a session's JSON may nest (it needs 4).
MAX_SESSION_DEPTH = 16
#: History points written into a session file at most (thinned evenly beyond that).
MAX_SAVED_POINTS = 200_000


class SessionError(ValueError):
    """A session file that cannot be opened or written (one line: the file, the problem)."""


class DataChangedError(SessionError):
    """The session's data file is not the one it was saved with (its sha256 differs).

    Attributes
    ----------
    path, saved, current
        The data file, its sha256 when saved and now.
    """

    def __init__(self, message: str, path: str, saved: str, current: str) -> None:
        super().__init__(message)
        self.path, self.saved, self.current = path, saved, current


@dataclass(frozen=True)
class Change:
    """From ``step`` on, training continued with this optimizer and hyperparameters."""

    step: int
    optimizer: str
    hyperparameters: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "optimizer": self.optimizer,
                "hyperparameters": dict(self.hyperparameters),
                **embedded_definition(self.optimizer)}


@dataclass(frozen=True)
class Session:
    """What a session file holds (see the module's description)."""

    config: TrainingConfig
    checkpoint: Checkpoint
    changes: tuple[Change, ...] = ()
    history: Mapping[str, Sequence[float]] = field(default_factory=dict)

    @property
    def step(self) -> int:
        """Steps trained when saved."""
        return self.checkpoint.step


def _history_fields(trainer: Trainer) -> dict[str, list[Any]]:
    history = trainer.history
    steps = history.steps()
    # Every k-th point, evenly: the file stays within MAX_SESSION_BYTES however long the
    # trainer's own history bound is.
    every = -(-len(steps) // MAX_SAVED_POINTS) if len(steps) else 1
    return {"steps": steps[::every].tolist(),
            "samples": history.trained_samples()[::every].tolist(),
            "loss": [_json_number(v) for v in history.sample_loss()[::every].tolist()],
            "epoch_loss": [_json_number(v) for v in history.epoch_loss().tolist()],
            **({"holdout_loss": [_json_number(v) for v in history.holdout_loss().tolist()]}
               if trainer.holdout_rows.size else {})}


def _json_number(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def capture(config: TrainingConfig, trainer: Trainer, changes: Sequence[Change] = ()
            ) -> Session:
    """The session of ``trainer``, which runs ``config`` (with ``changes``).  A data file
    without a recorded sha256 gets its current one.

    Raises
    ------
    core.data.datasets.DataError
        If the data file cannot be read to hash it.
    """
    if config.data.path is not None and config.data.sha256 is None:
        config = config.replace(data=DataSource.file(config.data.path))
    return Session(config, trainer.checkpoint(), tuple(changes), _history_fields(trainer))


def session_text(session: Session) -> str:
    """The session as JSON text."""
    document = {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "config": session.config.to_dict(),
        "changes": [change.to_dict() for change in session.changes],
        "checkpoint": session.checkpoint.to_dict(),
        "history": dict(session.history),
    }
    return json.dumps(document, allow_nan=False, separators=(",", ":")) + "\n"


def _check_size(text: str) -> None:
    """Refuse to write a session that :func:`read_session` would refuse to read."""
    size = len(text.encode("utf-8"))
    if size > MAX_SESSION_BYTES:
        raise SessionError(f"the session would be {size:,} bytes; session files are limited "
                           f"to {MAX_SESSION_BYTES:,} bytes (a shuffled run on very large data "
                           "saves its whole sample order)")


def save_session(path: str | os.PathLike[str], session: Session) -> None:
    """Write ``session`` to ``path`` atomically.

    Raises
    ------
    SessionError
        If the file cannot be written (the previous file is then untouched).
    """
    text = session_text(session)
    try:
        _check_size(text)
    except SessionError as error:
        raise SessionError(f"{os.fspath(path)}: cannot save the session: {error}") from None
    try:
        atomic_write_text(path, text)
    except OSError as error:
        raise SessionError(f"{os.fspath(path)}: cannot save the session "
                           f"({error.strerror or error})") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_session(path: str | os.PathLike[str]) -> Session:
    """Read and check a session file (the data file is not read yet).

    Raises
    ------
    SessionError
        If the file is missing, unreadable, not a session, of another version, truncated,
        or holds a configuration, change or checkpoint that is not valid.
    """
    source = os.fspath(path)
    try:
        raw = read_bytes(source, MAX_SESSION_BYTES)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise SessionError(unreadable(source, error, "session file")) from None
    if not raw.strip():
        raise SessionError(f"{source}: the file is empty")
    containers = raw.count(b"[") + raw.count(b"{")  # brackets in strings count too: fine
    if containers > MAX_SESSION_CONTAINERS:
        raise SessionError(f"{source}: not a session file ({containers:,} arrays and objects; "
                           f"a session holds at most {MAX_SESSION_CONTAINERS:,})")
    strings = raw.count(b'"') // 2  # an escaped quotation mark counts too: fine
    if strings > MAX_SESSION_STRINGS:
        raise SessionError(f"{source}: not a session file ({strings:,} strings; a session "
                           f"holds at most {MAX_SESSION_STRINGS:,})")
    try:
        text = raw.decode("utf-8")
        document = load_json(text, MAX_SESSION_DEPTH, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise SessionError(f"{source}: not a session file (not UTF-8 text)") from None
    except JSONDepthError as error:
        raise SessionError(f"{source}: not a session file (its JSON is {error})") from None
    except ValueError as error:
        # A session is one JSON object; a file cut short no longer ends with its brace.
        body = text.rstrip()
        truncated = body.startswith("{") and not body.endswith("}")
        what = "truncated (it ends before the session does)" if truncated else \
            f"not valid JSON ({error})"
        raise SessionError(f"{source}: the session file is {what}") from None
    if not isinstance(document, dict) or document.get("format") != SESSION_FORMAT:
        raise SessionError(f"{source}: not a Backprop Explorer session file")
    version = document.get("version")
    if version != SESSION_VERSION or isinstance(version, bool):
        raise SessionError(f"{source}: session version {version!r}; this program reads "
                           f"version {SESSION_VERSION}")
    for key in ("config", "checkpoint"):
        if key not in document:
            raise SessionError(f"{source}: the session has no {key!r}")
    try:
        config = TrainingConfig.from_dict(document["config"])
        checkpoint = Checkpoint.from_dict(document["checkpoint"])
        changes = tuple(_change(raw_change) for raw_change in document.get("changes") or [])
    except (ConfigError, CheckpointError, HyperparameterError, SessionError) as error:
        raise SessionError(f"{source}: {error}") from None
    if any(b.step < a.step for a, b in itertools.pairwise(changes)) \
            or any(change.step > checkpoint.step for change in changes):
        raise SessionError(f"{source}: its changes are not in step order up to the "
                           f"checkpoint's step {checkpoint.step}")
    history = document.get("history") or {}
    try:
        _check_history(history, checkpoint)
    except SessionError as error:
        raise SessionError(f"{source}: {error}") from None
    return Session(config, checkpoint, changes, MappingProxyType(history))


def _check_history(history: object, checkpoint: Checkpoint) -> None:
    """The history's shape against the checkpoint: the recorded steps are increasing steps
    before the checkpoint's, one sample and one loss each, and there is one epoch loss per
    completed epoch."""
    if not isinstance(history, dict):
        raise SessionError("'history' must be an object")
    columns = {key: history[key] for key in ("steps", "samples", "loss") if key in history}
    for key, values in columns.items():
        if not isinstance(values, list):
            raise SessionError(f"history {key!r} must be a list")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        counts = ", ".join(f"{len(values):,} {key}" for key, values in columns.items())
        raise SessionError(f"its history has {counts}: one of each per recorded step")
    steps = columns.get("steps", [])
    if steps:
        if not all(type(step) is int for step in steps):
            raise SessionError("history 'steps' must be whole numbers")
        previous = -1
        for step in steps:
            if step <= previous:
                raise SessionError("history 'steps' must increase")
            previous = step
        if previous >= checkpoint.step:
            raise SessionError(f"its history records step {previous:,}, at or beyond the "
                               f"checkpoint's step {checkpoint.step:,}")
    for key, what in (("epoch_loss", "epoch losses"), ("holdout_loss", "held-out losses")):
        if key in history:
            losses = history[key]
            if not isinstance(losses, list) or len(losses) != checkpoint.epoch:
                count = len(losses) if isinstance(losses, list) else 0
                raise SessionError(f"its history has {count:,} {what} for the "
                                   f"checkpoint's {checkpoint.epoch:,} completed epochs")


def _change(raw: object) -> Change:
    if not isinstance(raw, Mapping) or \
            set(raw) - {"optimizer_definition"} != {"step", "optimizer", "hyperparameters"}:
        raise SessionError("a change needs exactly step, optimizer and hyperparameters")
    resolve_optimizer(str(raw["optimizer"]), raw.get("optimizer_definition"))
    step = raw["step"]
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise SessionError(f"a change's step must be a whole number >= 0, got {step!r}")
    hyperparameters = raw["hyperparameters"]
    if not isinstance(hyperparameters, Mapping):
        raise SessionError("a change's hyperparameters must be an object")
    optimizer = make_optimizer(str(raw["optimizer"]), 1, **dict(hyperparameters))
    return Change(step, optimizer.name, MappingProxyType(dict(optimizer.values)))


def check_data(session: Session, source: str = "the session") -> None:
    """Check that the session's data file is still the one it was saved with.

    Raises
    ------
    SessionError
        If the data file cannot be read.
    DataChangedError
        If its sha256 differs from the one saved.
    """
    from core.data.datasets import DataError

    data = session.config.data
    if data.path is None or data.sha256 is None:
        return
    try:
        current = file_sha256(data.path)
    except DataError as error:
        raise SessionError(f"{source}: its data {error}") from None
    if current != data.sha256:
        raise DataChangedError(
            f"{source}: its data file {data.path} changed since the session was saved "
            f"(sha256 {current[:12]}… instead of {data.sha256[:12]}…)",
            data.path, data.sha256, current)


def accept_current_data(session: Session) -> Session:
    """The session with its data file's sha256 set to the file's current one (after the
    user agreed to use the changed file)."""
    data = session.config.data
    if data.path is None:
        return session
    config = session.config.replace(data=DataSource.file(data.path))
    return Session(config, session.checkpoint, session.changes, session.history)


@dataclass
class OpenedSession:
    """A session opened: the trainer at the saved step and what it trains."""

    config: TrainingConfig
    trainer: Trainer
    graph: Graph
    preset: Preset | None
    dataset: Dataset
    changes: tuple[Change, ...]
    replayed: bool
    #: The trainers of the run's stretches, oldest first (one per change, plus the first):
    #: a step before a change is rebuilt by the stretch that trained it.
    stretches: tuple[Trainer, ...] = ()

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` steps, the next sample and its trace there.

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run (or before a restored checkpoint).
        """
        starts = [0, *(change.step for change in self.changes)]
        stretches = self.stretches or (self.trainer,)
        index = max(i for i, start in enumerate(starts[:len(stretches)]) if start <= step)
        # A step where a change happened is the end of the stretch before it: the state
        # is the same, and that stretch can also rebuild the steps before.
        trainer = stretches[index]
        if trainer is not self.trainer and step > trainer.cursor.step:
            trainer = stretches[index + 1]
        return trainer.rebuild(step)


def open_session(session: Session, source: str = "the session", *,
                 epochs: int | None = None, history_limit: int = 1_000_000) -> OpenedSession:
    """Rebuild the trainer of ``session`` at its saved step.

    Parameters
    ----------
    epochs
        Plan this many epochs in all instead of the saved number (to resume for longer).
    history_limit
        The trainer's history bound.

    Raises
    ------
    SessionError
        If the data cannot be loaded or no longer fits, ``epochs`` ends before the saved
        step, or the replay does not arrive at the saved checkpoint.
    DataChangedError
        If the data file changed (see :func:`check_data`, :func:`accept_current_data`).
    """
    from core.autodiff.engine import InputError
    from core.data.datasets import DataError
    from core.training.trainer import Trainer

    config = session.config
    checkpoint = session.checkpoint
    built: tuple[Graph, Preset | None] | None = None
    try:
        if epochs is not None:
            config = config.replace(epochs=epochs)
        if config.data.builtin or config.graph in _preset_names():
            # The graph is known without the data file: check the file's weights against
            # it before the data file is hashed or read.
            built = config.build_graph()
            _check_weights(built[0], checkpoint)
    except (ConfigError, DataError, SessionError) as error:
        raise SessionError(f"{source}: {error}") from None
    check_data(session, source)
    try:
        graph, preset = built or config.build_graph()
        dataset = config.load_data()
        _check_weights(graph, checkpoint)
    except (ConfigError, DataError, SessionError) as error:
        raise SessionError(f"{source}: {error}") from None
    try:
        # Epochs visit the training rows: the held-out ones (from the config's fraction
        # and seed, as when it was saved) are not samples of the run.
        n = split_rows(len(dataset), config.holdout, config.seed)[0].size
    except HyperparameterError as error:
        raise SessionError(f"{source}: {error}") from None
    total = config.epochs * n
    if checkpoint.step > total:
        raise SessionError(f"{source}: it is at step {checkpoint.step}, beyond "
                           f"{config.epochs} epochs of {n} samples ({total} "
                           "steps)")
    if divmod(checkpoint.step, n) != (checkpoint.epoch, checkpoint.position):
        raise SessionError(f"{source}: its checkpoint is at step {checkpoint.step:,} but says "
                           f"epoch {checkpoint.epoch:,}, position {checkpoint.position:,} "
                           f"(the data has {n} samples)")
    try:
        trainer = Trainer.from_config(config, graph, dataset, history_limit=history_limit)
        replayed = replay_cost(graph, session, trainer.history.limit) is None
        stretches: list[Trainer] = []
        if replayed:
            stretches = _replay(trainer, session.changes, checkpoint.step)
            trainer = stretches[-1]
            arrived = trainer.checkpoint()
            if not arrived.identical(checkpoint):
                raise SessionError(
                    f"{source}: replaying its configuration does not arrive at its saved "
                    f"state (step {arrived.step} instead of {checkpoint.step}, or other "
                    "numbers): the file was edited, or its data is not the same")
        else:
            if session.changes:
                last = session.changes[-1]
                trainer = Trainer.from_config(
                    config.replace(optimizer=last.optimizer,
                                   hyperparameters=last.hyperparameters),
                    graph, dataset, history_limit=history_limit)
            trainer.restore(checkpoint)
    except (CheckpointError, InputError, HyperparameterError) as error:
        raise SessionError(f"{source}: {error}") from None
    return OpenedSession(config, trainer, graph, preset, dataset, session.changes, replayed,
                         tuple(stretches) or (trainer,))


def _preset_names() -> frozenset[str]:
    from core.presets import PRESETS

    return frozenset(PRESETS)


def _check_weights(graph: Graph, checkpoint: Checkpoint) -> None:
    n = len(graph.weights)
    if len(checkpoint.weights) != n:
        raise SessionError(f"its checkpoint holds {len(checkpoint.weights):,} weights, the "
                           f"graph has {n:,}")


def replay_cost(graph: Graph, session: Session, history_limit: int) -> str | None:
    """Why replaying ``session`` on ``graph`` is too costly (its work in node evaluations,
    or the memory of its stretches' histories), or ``None`` if it is within
    :data:`REPLAY_WORK` and :data:`REPLAY_MEMORY`."""
    step = session.checkpoint.step
    work = step * len(graph)
    if work > REPLAY_WORK:
        return f"{work:,} node evaluations (at most {REPLAY_WORK:,} are replayed)"
    # Each stretch keeps a history of the steps up to its end: one row of weights and one
    # of gradients (8-byte floats), a step, a sample and a loss per point.
    row = (2 * len(graph.weights) + 3) * 8
    ends = [change.step for change in session.changes] + [step]
    memory = sum(min(end, history_limit) for end in ends) * row
    if memory > REPLAY_MEMORY:
        return f"{memory:,} bytes of history (at most {REPLAY_MEMORY:,})"
    return None


def _replay(trainer: Trainer, changes: Sequence[Change], step: int) -> list[Trainer]:
    """``trainer`` run from step 0 to ``step``, forked at each change's step: the trainer
    of every stretch, the last one at ``step``."""
    n_weights = len(trainer.graph.weights)
    stretches = [trainer]
    for change in changes:
        _run_to(trainer, change.step)
        trainer = trainer.fork(change.step, make_optimizer(
            change.optimizer, n_weights, **dict(change.hyperparameters)))
        stretches.append(trainer)
    _run_to(trainer, step)
    return stretches


def _run_to(trainer: Trainer, step: int) -> None:
    todo = step - trainer.cursor.step
    if todo > 0:
        trainer.run(todo)
    if trainer.cursor.step != step:
        from core.autodiff.engine import InputError

        diverged = trainer.diverged
        why = f" ({diverged.detail})" if diverged is not None else ""
        raise InputError(f"replaying it, training stopped at step {trainer.cursor.step}"
                         f"{why} before the saved step {step}: the file was edited, or its "
                         "data is not the same")
