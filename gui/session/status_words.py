"""What the status bar says about the training session: every line it reports, worded in
one place (the session's parts decide when; this module decides the words).

Pure functions of plain values: no Qt, no session.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.training.config import TrainingConfig
from gui.formatting import count, short_number

#: Why training cannot go on after a divergence, with what to do.
DIVERGED = "Training diverged: press Reset (R) or lower the learning rate"
RESET = "Reset to the initial weights"
FORK_DISCARDED = "Fork discarded: back to the original run"
#: How a fork's status line ends: what is drawn and how to go back.
_FORK_TAIL = ("training continues from there (the original run stays drawn in grey; "
              "Discard fork returns to it)")


def describe_change(old: TrainingConfig, new: TrainingConfig) -> str:
    """What a change of optimizer or hyperparameters is, in a few words:
    ``lr 0.01 → 0.1`` or ``SGD → Adam``."""
    if old.optimizer != new.optimizer:
        return f"{old.optimizer_class.title} → {new.optimizer_class.title}"
    changed = [f"{name} {old.hyperparameters[name]:g} → {value:g}"
               for name, value in new.hyperparameters.items()
               if old.hyperparameters.get(name) != value]
    return ", ".join(changed) or "no change"


def describe_schedule(old: TrainingConfig, new: TrainingConfig) -> str:
    """What a change of shuffling or clipping is: ``Shuffling on, clip norm 1``."""
    what = []
    if new.shuffle != old.shuffle:
        what.append("shuffling " + ("on" if new.shuffle else "off"))
    if new.clip_value != old.clip_value:
        what.append("clip value " + ("off" if new.clip_value is None
                                     else f"{new.clip_value:g}"))
    if new.clip_norm != old.clip_norm:
        what.append("clip norm " + ("off" if new.clip_norm is None else f"{new.clip_norm:g}"))
    return ", ".join(what).capitalize()


def starts_over(what: str) -> str:
    """After a setting that restarts training (``what``: the setting, capitalised)."""
    return f"{what}: training starts over from the initial weights"


def starts_with(what: str) -> str:
    """After a change of optimizer or hyperparameters before the first step."""
    return f"{what}: training starts with it from the initial weights"


def course_changed(what: str, step: int) -> str:
    """After a change of optimizer or hyperparameters mid-run."""
    return f"{what} at step {step}: training continues from the current weights " \
           "(Reset starts over)"


def all_trained(epochs: int) -> str:
    """Why training cannot go on once every epoch has been trained."""
    return f"All {count(epochs, 'epoch')} trained: press Reset (R) to start again"


def finished(epochs: int, steps: int) -> str:
    """When training has just trained its last epoch."""
    return f"Finished: {count(epochs, 'epoch')}, {count(steps, 'step')}"


def viewing(step: int, sample: int) -> str:
    """While the graph shows a past step (``sample``: the one trained next)."""
    return f"Showing step {step} as it was (sample {sample} next): Resume from here forks " \
           "the run; Back to now returns"


def forked(step: int, moved: Mapping[str, float] | None = None) -> str:
    """After forking the run at ``step``, with some weights ``moved`` (name: value)."""
    if not moved:
        return f"Forked at step {step}: {_FORK_TAIL}"
    values = ", ".join(f"{name} = {short_number(value)}" for name, value in moved.items())
    return f"Forked at step {step} with {values}: {_FORK_TAIL}"
