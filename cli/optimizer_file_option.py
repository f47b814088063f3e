"""``--optimizer-file FILE``: an optimizer written as formulas, for train, compare and sweep.

The file is read before the rest of the command line (:func:`preload`), so the optimizer is
known by its name and each of its hyperparameters has a flag (``--lr``, ``--beta1``, and
new names too: ``--my-decay``).  Without ``--optimizer``, ``train`` trains it; without
``--optimizers``, ``compare`` and ``sweep`` add it to their default list.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from core.inputs import UsageError
from core.training.optimizers import OptimizerFileError, all_hyperparameters, load_optimizer_file

OPTION = "--optimizer-file"

#: The commands that take the option, and the option that names their optimizers with its
#: default (the file's optimizer is added to it when the option is not given).
COMMANDS = {"train": ("--optimizer", None), "compare": ("--optimizers", "sgd,momentum,adam"),
            "sweep": ("--optimizers", "sgd,adam")}


def add_argument(parser: argparse.ArgumentParser) -> None:
    """Declare the option (it was read already, by :func:`preload`)."""
    parser.add_argument(OPTION, metavar="FILE",
                        help="an optimizer written as formulas (JSON: name, hyperparameters, "
                             "state, per_step, update; see resources/optimizers/); its "
                             "hyperparameters get flags. train trains it unless --optimizer "
                             "names another; compare and sweep add it to their default list")


def _given(argv: Sequence[str], option: str) -> list[str]:
    """The values of ``option`` in ``argv`` (``--opt V`` and ``--opt=V``)."""
    values = []
    for i, word in enumerate(argv):
        if word == option and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif word.startswith(option + "="):
            values.append(word[len(option) + 1:])
    return values


def preload(argv: Sequence[str]) -> list[str]:
    """Read and register the optimizer of ``--optimizer-file`` in ``argv`` (a command and its
    arguments), before the parser is built; return the arguments to parse (with the file's
    optimizer chosen when no optimizer option was given).

    Raises
    ------
    UsageError
        For a file that cannot be read or used (one line naming the file and the problem),
        or the option given twice.
    """
    args = list(argv)
    if not args or args[0] not in COMMANDS:
        return args
    files = _given(args[1:], OPTION)
    if not files:
        return args
    if len(files) > 1:
        raise UsageError(f"{OPTION}: give one file (got {len(files)})")
    if _given(args[1:], "--session") or "--session" in args:
        raise UsageError(f"{OPTION} cannot be given with --session: the session file holds "
                         "its optimizer")
    try:
        cls = load_optimizer_file(files[0])
    except OptimizerFileError as error:
        raise UsageError(f"{OPTION}: {error}") from None
    option, default = COMMANDS[args[0]]
    if not _given(args[1:], option) and option not in args:
        args += [option, cls.name if default is None else f"{default},{cls.name}"]
    return args


def hyperparameter_flags() -> tuple[str, ...]:
    """Every known optimizer's hyperparameter flags (a file's too, once preloaded): their
    values may start with a minus sign."""
    return tuple(h.flag for h in all_hyperparameters().values())
