"""Running a headless command in-process and reading what it printed."""

import json

from cli.app import run


def run_json(capsys, argv):
    """Run a command that must succeed; its JSON output."""
    assert run(argv) == 0
    return json.loads(capsys.readouterr().out)


def run_fails(capsys, argv, words):
    """Run a command that must refuse its input: exit 2, one line on stderr naming the
    problem, no traceback, nothing on stdout."""
    assert run(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert words in lines[0]
    assert "Traceback" not in captured.err
    assert captured.out == ""
