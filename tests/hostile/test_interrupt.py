"""Long headless work: a progress line on a terminal's stderr only, and Ctrl+C ends any
command with one line and exit status 130, never a traceback."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from cli.progress import INTERRUPTED, ProgressLine, bar
from core.presets import dense_network_formula
from tests.conftest import ROOT

LONG_RUNS = {
    "train": ["train", "--epochs", "100000"],
    "compare": ["compare", "--epochs", "100000"],
    "gradcheck": ["gradcheck", "--graph", dense_network_formula(5, 1429)],
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_draws_on_a_terminal_and_erases_itself():
    stream = Terminal()
    with ProgressLine("gradcheck", stream, delay=0.0) as progress:
        progress.set("finite differences", 0.4)
        deadline = time.monotonic() + 5.0
        while "[########" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    text = stream.getvalue()
    assert "gradcheck: finite differences [########            ]  40%" in text
    assert text.endswith("\r\033[K")
    assert bar(1.0) == "[" + "#" * 20 + "] 100%"


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    with ProgressLine("gradcheck", stream, delay=0.0) as progress:
        progress.set("finite differences", 0.5)
        time.sleep(0.3)
    assert stream.getvalue() == ""


def _start(argv: list[str], stderr: int) -> subprocess.Popen[bytes]:
    # The progress line shows at once rather than after 2 s, to keep the test short.
    env = dict(os.environ, BACKPROP_PROGRESS_AFTER="0")
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv],
                            stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT, env=env)


@pytest.fixture(autouse=True)
def _ctrl_c_as_at_a_terminal():
    """A command typed at a terminal starts with Ctrl+C's default action.  When the tests
    run as a background job of a script (CI runs several Pythons side by side), SIGINT is
    inherited as ignored, and an ignored signal stays ignored in every child: handle it
    here while the test runs, so the commands it starts begin as at a terminal."""
    before = signal.getsignal(signal.SIGINT)
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _read(master: int, timeout: float) -> bytes:
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(master, 65536)
    except OSError:  # the other end closed
        return b""


def test_ctrl_c_stops_every_long_command_with_one_line_and_status_130():
    # Each command's stderr is a terminal: its progress line shows that the long work is
    # under way before Ctrl+C (SIGINT) arrives; then one line, status 130, nothing on stdout.
    runs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for name, argv in LONG_RUNS.items():
            master, slave = pty.openpty()
            runs[name] = (_start(argv, stderr=slave), master)
            os.close(slave)
        seen = dict.fromkeys(runs, b"")
        deadline = time.monotonic() + 60.0
        shown = {"train": rb"SGD: epoch \d+/100000 \[#* *\] +\d+%",
                 "compare": rb"SGD: epoch \d+/100000 \[#* *\] +\d+%",
                 "gradcheck": rb"gradcheck: [a-z ]+ "}  # any phase of the long check
        while time.monotonic() < deadline and not all(
                re.search(shown[name], text) for name, text in seen.items()):
            for name, (_, master) in runs.items():
                seen[name] += _read(master, 0.05)
        assert all(re.search(shown[name], text) for name, text in seen.items()), seen
        for process, _ in runs.values():
            process.send_signal(signal.SIGINT)
        for name, (process, master) in runs.items():
            out, _ = process.communicate(timeout=60)
            rest = b""
            while chunk := _read(master, 0.5):
                rest += chunk
            assert process.returncode == 130, (name, rest)
            assert out == b"", name  # no half-written JSON or table
            assert b"Traceback" not in rest, (name, rest)
            assert rest.endswith(b"\r\x1b[K" + INTERRUPTED.encode() + b"\r\n"), (name, rest)
    finally:
        for process, master in runs.values():
            if process.poll() is None:
                process.kill()
            process.communicate()
            os.close(master)
