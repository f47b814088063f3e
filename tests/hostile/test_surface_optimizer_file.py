"""--optimizer-file, bounded: a device, a pipe, a huge or 100,000-deep file and a formula
that tries to run code are each refused at once in one line, exit 2, as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile import surface_files as files
from tests.hostile.test_surface_cli import needs_dev_zero, needs_fifo, refused

COMMANDS = ("train", "compare", "sweep")


@needs_dev_zero
@pytest.mark.parametrize("command", COMMANDS)
def test_dev_zero_is_refused_unread(command):
    refused(command, "--optimizer-file", "/dev/zero", words="not a regular file")


@needs_fifo
def test_a_fifo_is_refused_unopened(tmp_path):
    pipe = files.fifo(tmp_path, "optimizer_pipe")
    refused("train", "--optimizer-file", str(pipe), words="FIFO")


def test_a_huge_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(1 << 30)  # 1 GiB of holes: refused from its size, never read
    refused("train", "--optimizer-file", str(path),
            words="the file is 1 GiB; optimizer files are limited to 64 KiB")


def test_a_100000_deep_file_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 30_000 + "]" * 30_000)
    refused("sweep", "--optimizer-file", str(path), words="nested more than")


def test_a_formula_that_would_run_code_is_refused_unrun(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({
        "name": "evil", "hyperparameters": {"lr": 0.1},
        "update": [f"w = w - lr*g + __import__('pathlib').Path({str(marker)!r}).touch()"]}))
    refused("train", "--optimizer-file", str(path), words="evil.json: update:")
    assert not marker.exists()


@needs_dev_zero
def test_the_window_refuses_dev_zero_before_it_opens(tmp_path):
    refused("--optimizer-file", "/dev/zero", "--screenshot", str(tmp_path / "x.png"),
            words="--optimizer-file: /dev/zero")
    assert not Path(tmp_path / "x.png").exists()
