"""Backprop Explorer: the one entry point, for the window and for the headless commands.

    python main.py                                  the window
    python main.py --screenshot out.png [--steps N] render the window offscreen
    python main.py inspect|gradcheck|train|compare  headless commands (see --help)
    python main.py export OUT.png|OUT.svg|OUT.csv   the graph or the history, no screen
    python main.py check-backward FILE              check a student's backward_propagation
    python main.py --help                           every command, then the window's options

A first word that is neither a command nor an option is exit 2, naming the closest command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cli.commands import COMMANDS, overview, unknown_command

HEADLESS = tuple(COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        from gui.app import build_parser  # its options only: no Qt

        print(overview(build_parser().format_help()), end="")
        return 0
    if args and not args[0].startswith("-") and args[0] not in HEADLESS:
        print(f"error: {unknown_command(args[0])}", file=sys.stderr)
        return 2
    if args and args[0] in HEADLESS:
        try:
            from cli.app import run

            return run(args)
        except KeyboardInterrupt:  # Ctrl+C while the modules load: no traceback either
            from cli.progress import INTERRUPTED  # a few lines of the standard library

            print(INTERRUPTED, file=sys.stderr)
            return 130
    try:
        from gui.app import run_gui

        return run_gui(args)
    except KeyboardInterrupt:  # Ctrl+C before the window is up: no traceback
        from cli.progress import INTERRUPTED

        print(INTERRUPTED, file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
