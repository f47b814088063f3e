"""The headless command line: ``python main.py COMMAND ...``.

Every command exits 0 on success and 2 on bad input, with one line on stderr and no
traceback.  Nothing here imports Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cli.commands import COMMANDS, summary
from cli.common import Parser, UsageError, join_negative_values
from cli.optimizer_file_option import hyperparameter_flags, preload
from cli.progress import INTERRUPTED, erase_line
from cli.train_cmd import NUMERIC_FLAGS

__all__ = ["COMMANDS", "build_parser", "run"]

#: Options whose value may start with a minus sign: negative numbers, and formulas
#: such as ``-w1*x1``.  Every declared hyperparameter's flag is one.
NUMERIC_OPTIONS = ("--weights", "--sample", "--graph", *NUMERIC_FLAGS)


def build_parser() -> Parser:
    parser = Parser(prog="main.py", description="Backprop Explorer, headless commands.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=summary(name), description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(module=module)
    return parser


def _parser() -> Parser:
    """:func:`build_parser`; an --optimizer-file hyperparameter whose flag is one of the
    commands' own options (``seed`` is ``--seed``) is a usage error naming it."""
    try:
        return build_parser()
    except argparse.ArgumentError as error:
        flag = error.argument_name or ""
        raise UsageError(f"--optimizer-file: the hyperparameter "
                         f"{flag.removeprefix('--').replace('-', '_')!r} would have the flag "
                         f"{flag}, which is one of the command line's own options; rename "
                         "it") from None


def run(argv: Sequence[str]) -> int:
    """Run one command; return the process exit status."""
    try:
        argv = preload(argv)  # --optimizer-file first: its hyperparameters get flags
        args = _parser().parse_args(join_negative_values(
            argv, (*NUMERIC_OPTIONS, *hyperparameter_flags())))
        status: int = args.module.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        erase_line()
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return status
