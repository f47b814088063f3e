"""``python main.py --help`` lists every command with one line each; a mistyped command
names the closest one and the list, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import build_parser
from cli.commands import COMMANDS, summary
from main import main

ROOT = Path(__file__).resolve().parents[2]


def _subcommands() -> list[str]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.dest == "command"]
    return list(action.choices)


def test_help_lists_every_command_with_one_line_then_the_window(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    names = _subcommands()
    assert {"inspect", "gradcheck", "train", "compare", "export", "check-backward"} <= \
        set(names)
    # The command list comes before the window's options (whose wrapped help may begin a
    # line with a command's name, such as --show's "landscape").
    lines = out[:out.index("the window:")].splitlines()
    for name in names:
        [line] = [line for line in lines if line.split()[:1] == [name]]
        assert summary(name) in line and len(summary(name)) > 10
    # Then the window's own options, with their defaults.
    assert "--screenshot" in out and "--theme" in out
    assert out.index("check-backward") < out.index("--screenshot")


def test_help_in_a_process_is_exit_0():
    result = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in COMMANDS)


@pytest.mark.parametrize(("word", "closest"), [("trian", "train"), ("inspcet", "inspect"),
                                                ("check_backward", "check-backward"),
                                                ("gradchek", "gradcheck")])
def test_a_mistyped_command_names_the_closest_and_the_list(capsys, word, closest):
    assert main([word, "--json"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and "\n" not in err
    assert err.startswith("error: unknown command") and f"did you mean {closest}?" in err
    assert all(name in err for name in COMMANDS)


def test_a_word_like_no_command_still_lists_them(capsys):
    assert main(["zzzz"]) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean" not in err and all(name in err for name in COMMANDS)


def test_the_window_help_names_every_shipped_lesson(capsys):
    from core.lessons import shipped_lessons

    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split()).replace("- ", "-")
    assert {"seed", "find-the-bug"} <= set(shipped_lessons())
    assert all(name in out for name in shipped_lessons())
