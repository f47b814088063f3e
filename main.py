"""Backprop Explorer: the one entry point, for the window and for the headless commands.

    python main.py                                  the window
    python main.py --screenshot out.png [--steps N] render the window offscreen
    python main.py inspect|gradcheck|train|compare  headless commands (see --help)
    python main.py export OUT.png|OUT.svg|OUT.csv   the graph or the history, no screen
    python main.py check-backward FILE              check a student's backward_propagation
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

HEADLESS = ("inspect", "gradcheck", "train", "compare", "export", "check-backward")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS:
        try:
            from cli.app import run

            return run(args)
        except KeyboardInterrupt:  # Ctrl+C while the modules load: no traceback either
            from cli.progress import INTERRUPTED  # a few lines of the standard library

            print(INTERRUPTED, file=sys.stderr)
            return 130
    from gui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
