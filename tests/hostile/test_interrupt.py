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


def _start(argv: list[str], stderr: int | None = None) -> subprocess.Popen[bytes]:
    # The progress line shows at once rather than after 2 s, to keep the test short.
    env = dict(os.environ, BACKPROP_PROGRESS_AFTER="0")
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if stderr is None else stderr,
                            cwd=ROOT, env=env)


def test_ctrl_c_stops_every_long_command_with_one_line_and_status_130():
    # All at once, and one on a terminal, to see its progress line first.
    processes = {name: _start(argv) for name, argv in LONG_RUNS.items()}
    master, slave = pty.openpty()
    on_terminal = _start(LONG_RUNS["train"], stderr=slave)
    os.close(slave)
    try:
        _interrupt_and_check(processes, on_terminal, master)
    finally:
        for process in [*processes.values(), on_terminal]:
            if process.poll() is None:
                process.kill()
            process.communicate()
        os.close(master)


def _interrupt_and_check(processes: dict[str, subprocess.Popen[bytes]],
                         on_terminal: subprocess.Popen[bytes], master: int) -> None:
    seen = b""
    deadline = time.monotonic() + 30.0
    while b"] " not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 4096)
    assert re.search(rb"SGD: epoch \d+/100000 \[#* *\] +\d+%", seen), seen
    for process in [*processes.values(), on_terminal]:
        process.send_signal(signal.SIGINT)
    for name, process in processes.items():
        out, err = process.communicate(timeout=30)
        text = err.decode()
        assert process.returncode == 130, (name, text)
        assert "Traceback" not in text, name
        assert text.strip().splitlines() == [INTERRUPTED], (name, text)
        assert out == b"", name  # no half-written JSON or table
    out, _ = on_terminal.communicate(timeout=30)
    assert on_terminal.returncode == 130
    assert out == b""
    rest = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    assert b"\r\x1b[K" + INTERRUPTED.encode() in rest, rest
    assert b"Traceback" not in rest
