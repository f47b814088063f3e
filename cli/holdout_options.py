"""``--holdout F`` and ``--early-stop N`` for the commands (the options themselves live in
:mod:`core.training.holdout_options`, which the window shares)."""

from core.training.holdout_options import (
    HOLDOUT_FLAGS,
    add_holdout_options,
    check_split,
    holdout_accuracy_fields,
    holdout_options,
    stopped_early_fields,
)

__all__ = ["HOLDOUT_FLAGS", "add_holdout_options", "check_split", "holdout_accuracy_fields",
           "holdout_options", "stopped_early_fields"]
