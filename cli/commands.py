"""The headless commands by name, and what ``python main.py --help`` says about them.

Kept free of heavy imports: ``main.py`` reads :data:`COMMANDS` to tell a command from the
window's options before anything else loads.
"""

from __future__ import annotations

import difflib
import importlib

#: Command name -> module with ``add_arguments(parser)`` and ``run(args) -> int``; the
#: module's docstring begins with the command's one-line summary.
COMMANDS: dict[str, str] = {
    "inspect": "cli.inspect_cmd",
    "gradcheck": "cli.gradcheck_cmd",
    "train": "cli.train_cmd",
    "compare": "cli.compare_cmd",
    "export": "cli.export_cmd",
    "check-backward": "cli.check_backward_cmd",
    "sweep": "cli.sweep_cmd",
    "landscape": "cli.landscape_cmd",
}


def summary(name: str) -> str:
    """The command's one line: the first line of its module's docstring."""
    doc = importlib.import_module(COMMANDS[name]).__doc__ or name
    return doc.strip().splitlines()[0].strip()


def command_list() -> str:
    """Every command with its one line, aligned."""
    width = max(len(name) for name in COMMANDS)
    return "\n".join(f"  {name:<{width}}  {summary(name)}" for name in COMMANDS)


def overview(window_help: str) -> str:
    """``python main.py --help``: the commands, then the window's options."""
    return ("usage: python main.py COMMAND [options]   a headless command\n"
            "       python main.py [options]           the window\n\n"
            "commands (python main.py COMMAND --help describes one):\n"
            f"{command_list()}\n\n"
            "the window:\n" + window_help)


def unknown_command(name: str) -> str:
    """One line for a word that is not a command: the closest command, and the list."""
    close = difflib.get_close_matches(name.lower(), list(COMMANDS), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown command {name!r}{hint}; the commands: {', '.join(COMMANDS)}"
