"""python main.py export: every file written atomically (a temporary file in the same
folder, then renamed), targets that are not files refused at once with exit 2, and the
picture's size set with --size WxH."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import core.atomic_file
from cli.app import run
from tests.cli.helpers import run_fails, run_json

ROOT = Path(__file__).resolve().parent.parent.parent


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


@needs_fifo
@pytest.mark.parametrize("suffix", [".png", ".svg", ".csv"])
def test_a_fifo_target_is_refused_at_once(tmp_path, suffix):
    fifo = tmp_path / f"out{suffix}"
    os.mkfifo(fifo)
    started = time.monotonic()
    # A process of its own: a hang must fail the test, not freeze the run.
    result = subprocess.run([sys.executable, "main.py", "export", str(fifo), "--steps", "3"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "FIFO" in lines[0] and "Traceback" not in result.stderr
    assert elapsed < 30
    assert fifo.exists() and not fifo.is_file()  # left as it was
    assert [p.name for p in tmp_path.iterdir()] == [fifo.name]


@needs_fifo
def test_a_symbolic_link_to_a_fifo_is_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.png"
    link.symlink_to(fifo)
    run_fails(capsys, ["export", str(link)], "FIFO")


def test_a_folder_target_is_refused(tmp_path, capsys):
    folder = tmp_path / "out.png"
    folder.mkdir()
    run_fails(capsys, ["export", str(folder)], "is a directory, not a regular file")
    run_fails(capsys, ["export", str(tmp_path / "missing" / "out.svg")], "does not exist")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null on this system")
@pytest.mark.parametrize("suffix", [".png", ".csv"])
def test_a_device_target_is_refused(tmp_path, capsys, suffix):
    link = tmp_path / f"out{suffix}"  # a device under a name export accepts
    link.symlink_to("/dev/null")
    run_fails(capsys, ["export", str(link)], "is a character device, not a regular file")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".csv"])
def test_every_export_is_renamed_into_place(tmp_path, capsys, monkeypatch, suffix):
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"old")
    moves: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(source, target):
        moves.append((Path(source), Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(core.atomic_file.os, "replace", replace)
    assert run(["export", str(out), "--steps", "4"]) == 0
    capsys.readouterr()
    assert len(moves) == 1
    source, target = moves[0]
    assert target == out and source.parent == out.parent and source != out
    assert out.read_bytes() != b"old" and out.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary left


def test_a_failed_picture_leaves_the_old_file(tmp_path, capsys, monkeypatch):
    from PySide6.QtGui import QPixmap

    out = tmp_path / "out.png"
    out.write_bytes(b"old")
    monkeypatch.setattr(QPixmap, "save", lambda *args, **kwargs: False)
    run_fails(capsys, ["export", str(out)], "cannot write a PNG")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize(("size", "expected"), [("1200x600", (1200, 600)),
                                                 ("640X480", (640, 480))])
def test_size_sets_the_picture_size(tmp_path, capsys, size, expected):
    png = tmp_path / "g.png"
    out = run_json(capsys, ["export", str(png), "--size", size, "--json"])
    assert out["size"] == list(expected)
    assert _png_size(png) == expected
    svg = tmp_path / "g.svg"
    run_json(capsys, ["export", str(svg), "--size", size, "--json"])
    root = ET.parse(svg).getroot()
    assert root.get("viewBox") == f"0 0 {expected[0]} {expected[1]}"


def test_the_default_picture_size(tmp_path, capsys):
    png = tmp_path / "g.png"
    out = run_json(capsys, ["export", str(png), "--json"])
    assert out["size"] == [1600, 1000] and _png_size(png) == (1600, 1000)


@pytest.mark.parametrize(("argv", "words"), [
    (["--size", "12x800"], "each side must be 200..10000"),
    (["--size", "800"], "is not WIDTHxHEIGHT"),
    (["--size", "axb"], "is not WIDTHxHEIGHT"),
])
def test_bad_sizes_exit_2(tmp_path, capsys, argv, words):
    run_fails(capsys, ["export", str(tmp_path / "g.png"), *argv], words)


def test_a_table_has_no_size(tmp_path, capsys):
    run_fails(capsys, ["export", str(tmp_path / "h.csv"), "--size", "800x600"],
              "a .csv file has none")
